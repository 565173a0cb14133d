#!/usr/bin/env bash
# The block backend with mini's blktest: the guest writes its pattern over
# a raw image, flushes, reads it back and verifies it; then the host checks
# every sector of the image against the pattern (guests/mini/blktest.c says
# what it is) with the seed the guest printed.  Also: a read-only disk
# refuses the guest's writes and stays as it was, and a relative target in
# a configuration file is found next to the file.  Prints blktest's
# throughput beside dd's over the same file on the host.
. "$(dirname "$0")/lib.sh"
require_kvm

MIB=32
IMG="$WORK/disk.img"

# 1. blktest on a sparse image of zeros, then the image checked from the host.
truncate -s "${MIB}M" "$IMG"
run_hv blktest 120 -v --kernel "$MINI" --cmdline blktest --disk "vdev=xvda, target=$IMG"
expect_status blktest 0
[ "$(tail -n 1 "$WORK/blktest.out")" = "blktest: $MIB MiB verified" ] ||
	{ show blktest; fail "blktest: the last line is not 'blktest: $MIB MiB verified'"; }
seed=$(sed -n 's/^blktest: .*seed \(0x[0-9a-f]*\)$/\1/p' "$WORK/blktest.out")
[ -n "$seed" ] || { show blktest; fail "blktest: no seed printed"; }
check_blktest_image "$IMG" "$seed" || fail "the image does not hold what the guest wrote"
grep -q 'disk xvda: disconnected' "$WORK/blktest.err" ||
	{ show blktest; fail "blktest: the backend did not see the disk close"; }

# 2. Read-only: blktest refuses to start, and the image is as it was.
before=$(sha256sum <"$IMG")
run_hv readonly 60 --kernel "$MINI" --cmdline blktest --disk "$IMG,raw,xvda,ro"
expect_status readonly 2
expect_line readonly 'blktest: FAIL the disk is read-only'
[ "$(sha256sum <"$IMG")" = "$before" ] || fail "readonly: the image changed"

# 3. A configuration file whose disk is named relative to it, run from elsewhere.
mkdir "$WORK/vm"
truncate -s 4M "$WORK/vm/small.img"
cat >"$WORK/vm/dom.cfg" <<EOF
kernel = "$MINI"
extra = "blktest"
disk = [ 'small.img,,xvdb,w' ]
EOF
cd /
run_hv relative 60 "$WORK/vm/dom.cfg"
expect_status relative 0
expect_line relative '^blktest: 4 MiB verified$'

# Figures: the guest's rates, and dd reading and writing the same file here.
rates=$(sed -n 's/^blktest: write \(.*\)$/write \1/p' "$WORK/blktest.out")
sync
dd_read=$(dd if="$IMG" of=/dev/null bs=1M 2>&1 | sed -n 's/.*, \([^,]*\)$/\1/p')
dd_write=$(dd if=/dev/zero of="$IMG" bs=1M count="$MIB" conv=notrunc,fdatasync 2>&1 |
	sed -n 's/.*, \([^,]*\)$/\1/p')
echo "blk: blktest over $MIB MiB: $rates; dd on the host: read $dd_read, write+fdatasync $dd_write"
echo "PASS"
