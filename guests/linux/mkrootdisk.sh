#!/usr/bin/env bash
# Builds the root disk of the tern Linux guest, as an unprivileged user (no
# loop devices, no mounts):
#
#   mkrootdisk.sh DISK KERNEL-VERSION INITRD TERN-DIRTY CMDLINE
#
# DISK gets 64 MiB (sparse), an MBR partition table and one Linux partition
# from sector 2048 to the end (../mbr-disk.sh), holding an ext4 file system
# made by mkfs.ext4 -d from a staged tree:
#
#   /boot/grub/grub.cfg          Debian's layout (grub-mkconfig's 10_linux,
#                                trimmed): the default entry 0 boots
#                                /boot/vmlinuz-KERNEL-VERSION with
#                                /boot/initrd.img-KERNEL-VERSION and
#                                CMDLINE; entry 1 is its recovery mode
#                                (CMDLINE and "single")
#   /boot/vmlinuz-KERNEL-VERSION /boot/vmlinuz-KERNEL-VERSION of the host
#   /boot/initrd.img-KERNEL-VERSION  INITRD (mkinitrd.sh)
#   /usr/local/bin/tern-dirty    TERN-DIRTY, stripped
#   /tern/hello.txt, /tern/lines.txt  files for tests, and
#   /tern/SHA256SUMS             every file above but grub.cfg, so the
#                                guest can check what it reads:
#                                cd /mnt && sha256sum -c tern/SHA256SUMS
#
# The image is reproducible: fixed UUIDs, hash seed and label, and every
# time stamp SOURCE_DATE_EPOCH (default 0).
set -euo pipefail

if [ $# -ne 5 ]; then
	echo "usage: $0 DISK KERNEL-VERSION INITRD TERN-DIRTY CMDLINE" >&2
	exit 2
fi
disk=$1 kver=$2 initrd=$3 dirty=$4 cmdline=$5
PATH=$PATH:/usr/sbin:/sbin # mkfs.ext4 and debugfs for users without them
epoch=${SOURCE_DATE_EPOCH:-0}
disk_sectors=131072
part_start=2048
fs_uuid=5465726e-6c69-6e75-782d-726f6f746673

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{boot/grub,usr/local/bin,tern}

cp "/boot/vmlinuz-$kver" "$initrd" "$root/boot/"
mv "$root/boot/${initrd##*/}" "$root/boot/initrd.img-$kver"
strip --strip-all -o "$root/usr/local/bin/tern-dirty" "$dirty"
echo "hello from the tern root disk" >"$root/tern/hello.txt"
seq -f 'tern root disk line %06g' 1 40000 >"$root/tern/lines.txt"
(cd "$root" && sha256sum "boot/vmlinuz-$kver" "boot/initrd.img-$kver" \
	usr/local/bin/tern-dirty tern/hello.txt tern/lines.txt) >"$tmp/SHA256SUMS"
mv "$tmp/SHA256SUMS" "$root/tern/SHA256SUMS"

# entry TITLE ID EXTRA: a menu entry as grub-mkconfig writes it.
entry() {
	cat <<END
menuentry '$1' --class debian --class gnu-linux --class gnu --class os \$menuentry_id_option '$2' {
	insmod part_msdos
	insmod ext2
	echo	'Loading Linux $kver ...'
	linux	/boot/vmlinuz-$kver $cmdline$3
	echo	'Loading initial ramdisk ...'
	initrd	/boot/initrd.img-$kver
}
END
}
{
	cat <<END
#
# Written by tern's guests/linux/mkrootdisk.sh in the layout of Debian's
# grub-mkconfig.  The timeout is short: GRUB's menu runs in emulated ring 0
# on some hosts.
#
set default="0"
set timeout=1

if [ x"\${feature_menuentry_id}" = xy ]; then
  menuentry_id_option="--id"
else
  menuentry_id_option=""
fi
export menuentry_id_option

END
	entry 'Debian GNU/Linux' "gnulinux-simple-$fs_uuid" ''
	entry "Debian GNU/Linux, with Linux $kver (recovery mode)" \
		"gnulinux-$kver-recovery-$fs_uuid" ' single'
} >"$root/boot/grub/grub.cfg"

find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
chmod 755 "$root/usr/local/bin/tern-dirty"

truncate -s $(((disk_sectors - part_start) * 512)) "$tmp/part"
mkfs.ext4 -q -F -b 4096 -L tern-root -U "$fs_uuid" -E root_owner=0:0,hash_seed=$fs_uuid \
	-d "$root" "$tmp/part"

# mkfs.ext4 -d copies each file's own times, and a file's ctime cannot be
# set on the host: debugfs sets all four times of every inode (bad blocks,
# root directory, resize inode, journal, lost+found, then the tree).
{
	printf '%s\n' '<1>' '<2>' '<7>' '<8>' '<11>'
	(cd "$root" && find . -mindepth 1 -printf '/%P\n')
} | while IFS= read -r inode; do
	for field in atime ctime mtime crtime; do
		echo "set_inode_field $inode $field @$epoch"
	done
done >"$tmp/times"
errors=$(debugfs -w -f "$tmp/times" "$tmp/part" 2>&1 >/dev/null | grep -v '^debugfs [0-9.]* (' || true)
if [ -n "$errors" ]; then
	echo "$0: debugfs: $errors" >&2
	exit 1
fi
# The superblock's times (last write, last check, creation) are the tools'
# clock: set them to epoch and sign the superblock again (crc32c,
# metadata_csum).  The file system has one block group, so no backup
# superblocks.
python3 - "$tmp/part" "$epoch" <<'END'
import struct, sys

path, epoch = sys.argv[1], int(sys.argv[2])
SB, WTIME, LASTCHECK, MKFS_TIME, TIME_HI, CSUM = 1024, 0x30, 0x40, 0x108, 0x274, 0x3fc
table = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
    table.append(c)

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc

with open(path, 'r+b') as f:
    f.seek(SB)
    sb = bytearray(f.read(1024))
    if struct.unpack_from('<I', sb, CSUM)[0] != crc32c(sb[:CSUM]):
        sys.exit('mkrootdisk: unexpected superblock checksum')
    for off in (WTIME, LASTCHECK, MKFS_TIME):
        struct.pack_into('<I', sb, off, epoch & 0xFFFFFFFF)
    sb[TIME_HI:TIME_HI + 4] = bytes([0, sb[TIME_HI + 1], 0, 0])
    struct.pack_into('<I', sb, CSUM, crc32c(sb[:CSUM]))
    f.seek(SB)
    f.write(sb)
END
"$(dirname "$0")/../mbr-disk.sh" "$tmp/part" "$disk" "$disk_sectors"
