#!/bin/sh
# Prints the version of the newest Debian cloud kernel installed
# (/boot/vmlinuz-VERSION with its modules in /lib/modules/VERSION), e.g.
# 6.1.0-56-cloud-amd64, or nothing when there is none.  meson runs it at
# configure time: the guest recipes follow whatever linux-image-cloud-amd64
# has installed.
set -eu
for kernel in /boot/vmlinuz-*-cloud-amd64; do
	version=${kernel#/boot/vmlinuz-}
	if [ -f "$kernel" ] && [ -d "/lib/modules/$version" ]; then
		echo "$version"
	fi
done | sort -V | tail -n 1
