#!/usr/bin/env bash
# Installs what is needed, builds, and runs the demo: tern-hv boots our test
# guest guests/mini as a Xen PVH domain on KVM with two vCPUs and shows its
# self-test, a crash and a hostile guest; stock GRUB2 reads its disk through
# the PV block backend; mini verifies a disk image; Xen's xenstore-ls reads
# a running domain's xenstore.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

hv=build/hv/tern-hv
mini=build/guests/mini/mini
step() { printf '\n== %s\n' "$*"; }

step "tern-hv --kernel $mini --cmdline selftest --vcpus 2 --memory 256"
status=0
"$hv" --kernel "$mini" --cmdline selftest --vcpus 2 --memory 256 || status=$?
echo "(tern-hv exited with status $status: 0 = the guest powered off)"

step "a guest that crashes: exit status 2"
status=0
"$hv" --kernel "$mini" --cmdline crash || status=$?
echo "(status $status)"

step "a hostile guest: invalid hypercalls are refused, tern-hv survives"
"$hv" --kernel "$mini" --cmdline hostile | tail -n 1

step "stock GRUB2 (i386-xen_pvh) reads its disk through the PV block backend"
"$hv" --kernel build/guests/grub/grub-pvh --memory 64 \
	--disk "vdev=xvda,access=ro,target=build/guests/grub/disk.img" | tr -d '\r'

step "mini's blktest on a 64 MiB raw image: write, flush, read back, verify"
img=$(mktemp /tmp/tern-demo.XXXXXX.img)
truncate -s 64M "$img"
"$hv" --kernel "$mini" --cmdline blktest --disk "vdev=xvda,access=rw,target=$img" |
	grep '^blktest'
rm -f "$img"

step "xenstore of a running domain, read with Xen's own xenstore-ls"
sock=$(mktemp -u /tmp/tern-demo.XXXXXX.sock)
"$hv" --kernel "$mini" --cmdline dirty=8 --name demo --xenstore-socket "$sock" >/dev/null &
pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
XENSTORED_PATH="$sock" xenstore-ls /local/domain/1
kill -TERM "$pid"
wait "$pid" || true
