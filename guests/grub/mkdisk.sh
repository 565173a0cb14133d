#!/usr/bin/env bash
# Builds a small raw disk for the GRUB2 test guest, as an unprivileged user
# (no loop devices, no mounts):
#
#   mkdisk.sh DIR DISK
#
# DISK gets 8 MiB, an MBR partition table and one Linux partition from
# sector 2048 to the end (../mbr-disk.sh), holding an ext2 file system
# made from the contents of DIR (mkfs.ext2 -d on a file of the partition's
# size).
set -euo pipefail

if [ $# -ne 2 ]; then
	echo "usage: $0 DIR DISK" >&2
	exit 2
fi
dir=$1 disk=$2
PATH=$PATH:/usr/sbin:/sbin # mkfs.ext2 for users without it
disk_sectors=16384
part_start=2048
fs_uuid=5465726e-6772-7562-2d74-6573742d6673

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

truncate -s $(((disk_sectors - part_start) * 512)) "$tmp/part"
mkfs.ext2 -q -F -b 1024 -L tern-grub -U "$fs_uuid" -E root_owner=0:0 -d "$dir" "$tmp/part"
"$(dirname "$0")/../mbr-disk.sh" "$tmp/part" "$disk" "$disk_sectors"
