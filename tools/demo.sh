#!/usr/bin/env bash
# Installs what is needed, builds, and runs the demo: tern-hv boots our test
# guest guests/mini as a Xen PVH domain on KVM with two vCPUs and shows its
# self-test, then the shutdown reasons and their exit statuses.
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
