#!/usr/bin/env bash
# Installs what is needed, builds, and runs the demo: tern-hv boots our test
# guest guests/mini as a Xen PVH domain on KVM with two vCPUs and shows its
# self-test, a crash and a hostile guest; stock GRUB2 reads its disk through
# the PV block backend; mini verifies a disk image; Xen's xenstore-ls reads
# a running domain's xenstore; ternd and tern create a domain, save it and
# restore it while its memory workload keeps verifying.
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

step "ternd and tern: create a domain, save it, restore it; its workload goes on verified"
state=$(mktemp -d /tmp/tern-demo.XXXXXX)
sock="$state/ternd.sock"
build/migrated/ternd --state-dir "$state" --socket "$sock" 2>"$state/ternd.log" &
ternd_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
tern() { build/tools/tern --socket "$sock" "$@"; }
log="$state/console/mini-dirty.log"
passes() { grep -c '^dirty: pass' "$log" 2>/dev/null || true; }
tern create guests/mini-dirty.cfg
for _ in $(seq 100); do [ "$(passes)" -ge 2 ] && break; sleep 0.1; done
tern list
tern save mini-dirty "$state/mini-dirty.save"
tern restore "$state/mini-dirty.save"
before=$(passes)
for _ in $(seq 100); do [ "$(passes)" -gt "$before" ] && break; sleep 0.1; done
tern list
echo "console log, across the save and the restore:"
grep -E '^(mini|dirty):' "$log" | tail -n 6
tern destroy mini-dirty
kill -TERM "$ternd_pid"
wait "$ternd_pid" || true
rm -rf "$state"
