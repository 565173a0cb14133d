#!/usr/bin/env bash
# Installs every Debian 12 package that building, the demo and the test
# suite need.  Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
	build-essential meson ninja-build pkgconf python3
	libxen-dev liblz4-dev libcmocka-dev zlib1g-dev
	libuv1-dev
	clang libclang-rt-14-dev
	qemu-system-x86
	xenstore-utils
	iproute2
	grub-xen-bin fdisk e2fsprogs
	libblkid-dev libext2fs-dev
	linux-image-cloud-amd64
	busybox-static cpio xz-utils
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
