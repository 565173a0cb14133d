#!/usr/bin/env bash
# Wraps a file system image in a raw disk, as an unprivileged user (no loop
# devices, no mounts):
#
#   mbr-disk.sh PART DISK SECTORS
#
# DISK gets SECTORS sectors of 512 bytes (sparse), an MBR partition table
# (sfdisk on the file) and one Linux partition from sector 2048 to the end,
# a copy of PART, which must be exactly that size.  The GRUB test disks
# (grub/mkdisk.sh) and the Linux guest's root disk (linux/mkrootdisk.sh)
# are made this way.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 PART DISK SECTORS" >&2
	exit 2
fi
part=$1 disk=$2 sectors=$3
PATH=$PATH:/usr/sbin:/sbin # sfdisk for users without it
part_start=2048

if [ "$(stat -c %s "$part")" -ne $(((sectors - part_start) * 512)) ]; then
	echo "$0: $part is not $((sectors - part_start)) sectors" >&2
	exit 1
fi
truncate -s 0 "$disk.tmp"
truncate -s $((sectors * 512)) "$disk.tmp"
sfdisk --quiet --no-reread --no-tell-kernel "$disk.tmp" <<END
label: dos
label-id: 0x7465726e
start=$part_start, type=83
END
dd if="$part" of="$disk.tmp" bs=512 seek=$part_start conv=notrunc,sparse status=none
mv "$disk.tmp" "$disk"
