#!/usr/bin/env bash
# The Linux guest's images as guests/linux builds them:
#
#   images.sh INITRD ROOTDISK LINUX-CFG KERNEL-VERSION
#
# - the initramfs lists /init, busybox with the applets /init runs,
#   tern-dirty, xen-blkfront and xen-netfront of KERNEL-VERSION with every
#   dependency modules.dep gives them, /etc/tern-modules naming them in
#   load order, and /dev/console (the appended archive); /init parses;
# - mkinitrd.sh resolves a chain of dependencies and decompresses .ko.xz
#   (a made-up modules folder);
# - the root disk has one ext4 partition at sector 2048 that e2fsck finds
#   clean, holding grub.cfg whose default entry boots the kernel and the
#   initramfs with linux.cfg's command line, and files whose SHA256SUMS
#   hold.
set -euo pipefail
PATH=$PATH:/usr/sbin:/sbin

initrd=$(realpath "$1") disk=$(realpath "$2") cfg=$(realpath "$3") kver=$4
src=$(cd "$(dirname "$0")/../../../.." && pwd)
modules_dir=/lib/modules/$kver
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# --- initramfs ---
cpio -it <"$initrd" >"$tmp/list" 2>"$tmp/blocks" || fail "cpio -it: $(cat "$tmp/blocks")"
has() { grep -qxF "$1" "$tmp/list" || fail "initramfs lacks $1"; }
for f in init bin/busybox bin/tern-dirty etc/tern-modules; do has "$f"; done
for applet in sh mount insmod ip setsid cttyhack poweroff sleep sync umount; do
	has "bin/$applet"
done
for m in xen-blkfront xen-netfront; do
	line=$(grep -E "/$m\.ko(\.xz)?:" "$modules_dir/modules.dep") || fail "no $m in modules.dep"
	for path in ${line%%:*} ${line#*:}; do
		has "lib/modules/$kver/${path%.xz}"
	done
done

(cd "$tmp" && cpio -id --quiet init bin/busybox bin/tern-dirty etc/tern-modules <"$initrd")
[ -x "$tmp/init" ] || fail "/init is not executable"
"$tmp/bin/busybox" sh -n "$tmp/init" || fail "/init does not parse"
readelf -l "$tmp/bin/busybox" | grep -q INTERP && fail "busybox is not static"
# Each module of /etc/tern-modules is in the archive, after its dependencies.
: >"$tmp/loaded"
while IFS= read -r ko; do
	has "${ko#/}"
	rel=${ko#/lib/modules/$kver/}
	line=$(grep -E "^$rel(\.xz)?:" "$modules_dir/modules.dep") || fail "$rel not in modules.dep"
	for dep in ${line#*:}; do
		grep -qxF "${dep%.xz}" "$tmp/loaded" || fail "$rel loaded before $dep"
	done
	echo "$rel" >>"$tmp/loaded"
done <"$tmp/etc/tern-modules"
[ "$(wc -l <"$tmp/loaded")" -ge 2 ] || fail "/etc/tern-modules: $(cat "$tmp/etc/tern-modules")"

blocks=$(grep -Eo '^[0-9]+' "$tmp/blocks")
tail -c +$((blocks * 512 + 1)) "$initrd" | cpio -itv 2>/dev/null >"$tmp/console"
grep -Eq '^crw------- .* 5, +1 .* dev/console$' "$tmp/console" ||
	fail "no /dev/console node after the first archive: $(cat "$tmp/console")"

# --- dependency resolution on a made-up modules folder ---
fake=$tmp/modules
mkdir -p "$fake/kernel/drivers/block" "$fake/kernel/drivers/net" "$fake/kernel/lib"
for m in kernel/drivers/block/xen-blkfront kernel/drivers/net/xen-netfront kernel/lib/a \
	kernel/lib/b_c; do
	echo "module $m" >"$fake/$m.ko"
done
xz "$fake/kernel/lib/a.ko" "$fake/kernel/drivers/net/xen-netfront.ko"
cat >"$fake/modules.dep" <<END
kernel/lib/b_c.ko:
kernel/lib/a.ko.xz: kernel/lib/b_c.ko
kernel/drivers/block/xen-blkfront.ko: kernel/lib/a.ko.xz kernel/lib/b_c.ko
kernel/drivers/net/xen-netfront.ko.xz: kernel/lib/b_c.ko
END
MODULES_DIR=$fake "$src/guests/linux/mkinitrd.sh" "$tmp/fake.cpio" 9.9 "$tmp/init" \
	"$tmp/bin/tern-dirty"
mkdir "$tmp/fake" && (cd "$tmp/fake" && cpio -id --quiet <"$tmp/fake.cpio")
printf '/lib/modules/9.9/%s\n' kernel/lib/b_c.ko kernel/lib/a.ko \
	kernel/drivers/block/xen-blkfront.ko kernel/drivers/net/xen-netfront.ko >"$tmp/order"
cmp -s "$tmp/order" "$tmp/fake/etc/tern-modules" ||
	fail "load order: $(cat "$tmp/fake/etc/tern-modules")"
[ "$(cat "$tmp/fake/lib/modules/9.9/kernel/lib/a.ko")" = "module kernel/lib/a" ] ||
	fail "a.ko.xz not decompressed"

# --- root disk ---
sfdisk -d "$disk" >"$tmp/table"
grep -Eq '^[^ ]+1 : start= +2048, size= +[0-9]+, type=83$' "$tmp/table" ||
	fail "partition table: $(cat "$tmp/table")"
[ "$(grep -c ' : start=' "$tmp/table")" -eq 1 ] || fail "more than one partition"
part=$tmp/part.img
dd if="$disk" of="$part" bs=512 skip=2048 conv=sparse status=none
e2fsck -fn "$part" >"$tmp/fsck" 2>&1 || fail "e2fsck: $(cat "$tmp/fsck")"
debugfs -R 'ls -l /boot' "$part" 2>/dev/null >"$tmp/boot"
for f in "vmlinuz-$kver" "initrd.img-$kver" grub; do
	grep -q " $f\$" "$tmp/boot" || fail "/boot lacks $f: $(cat "$tmp/boot")"
done
mkdir "$tmp/root"
debugfs -R "rdump / $tmp/root" "$part" 2>/dev/null
cmp -s "$tmp/root/boot/initrd.img-$kver" "$initrd" || fail "the disk's initrd differs"
cmp -s "$tmp/root/boot/vmlinuz-$kver" "/boot/vmlinuz-$kver" || fail "the disk's kernel differs"
(cd "$tmp/root" && sha256sum --quiet -c tern/SHA256SUMS) || fail "SHA256SUMS"
[ -x "$tmp/root/usr/local/bin/tern-dirty" ] || fail "no /usr/local/bin/tern-dirty"

# The default entry (0) boots what linux.cfg boots, with its command line.
grub=$tmp/root/boot/grub/grub.cfg
grep -qx 'set default="0"' "$grub" || fail "grub.cfg: no set default=\"0\""
[ "$(grep -c '^menuentry ' "$grub")" -ge 2 ] || fail "grub.cfg: fewer than two entries"
cmdline=$(sed -n 's/^cmdline = "\(.*\)"$/\1/p' "$cfg")
[ -n "$cmdline" ] || fail "no cmdline in $cfg"
first=$(awk '/^menuentry /{n++} n == 1' "$grub")
grep -qxF "	linux	/boot/vmlinuz-$kver $cmdline" <<<"$first" ||
	fail "entry 0's linux line: $(grep linux <<<"$first")"
grep -qxF "	initrd	/boot/initrd.img-$kver" <<<"$first" ||
	fail "entry 0's initrd line: $(grep initrd <<<"$first")"
echo PASS
