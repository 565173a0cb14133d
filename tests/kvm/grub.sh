#!/usr/bin/env bash
# Stock GRUB2 (Debian's grub-xen-bin, i386-xen_pvh, 32-bit) on tern-hv: it
# finds the disk in xenstore, reads the ext2 partition through the block
# backend (grant tables, event channels), runs the grub.cfg found there,
# which prints a file on the PV console, and powers the domain off.
. "$(dirname "$0")/lib.sh"
require_kvm

GRUB="$TERN_BUILD/guests/grub/grub-pvh"
DISK="$TERN_BUILD/guests/grub/disk.img"
HELLO="$TERN_SOURCE/guests/grub/disk/hello.txt"
require_images "$GRUB" "$DISK"

start=$(date +%s%N)
run_hv grub 240 --kernel "$GRUB" --memory 64 --disk "vdev=xvda,access=ro,target=$DISK"
secs=$((($(date +%s%N) - start) / 1000000))
expect_status grub 0
expect_line grub 'tern-grub: done'
plain "$WORK/grub.out" >"$WORK/grub.txt"
while IFS= read -r line; do
	grep -Fxq -- "$line" "$WORK/grub.txt" ||
		{ show grub; fail "grub: the line '$line' of hello.txt is not on the console"; }
done <"$HELLO"
echo "grub: booted, read hello.txt from (xen/xvda,msdos1) and powered off in $secs ms"
echo "PASS"
