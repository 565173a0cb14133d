#!/usr/bin/env bash
# Builds the initramfs of the tern Linux guest, as an unprivileged user:
#
#   mkinitrd.sh OUTPUT KERNEL-VERSION INIT TERN-DIRTY
#
# OUTPUT is a newc cpio archive, deliberately not compressed: on machines
# whose KVM emulates the guest kernel's ring-0 code one instruction at a
# time (kvm_pvm, about 1 to 3 million instructions a second), unpacking an
# LZ4 or gzip initramfs would take minutes, and copying is all the kernel
# has to do with a plain archive.  For the same reason it holds only what
# /init needs: the static busybox of Debian's busybox-static with links for
# the applets below, INIT as /init, TERN-DIRTY (stripped) as
# /bin/tern-dirty, and the MODULES of KERNEL-VERSION (from
# /lib/modules/KERNEL-VERSION, or MODULES_DIR) with every module they
# depend on according to modules.dep, listed in load order in
# /etc/tern-modules.  Compressed modules (.ko.xz) are stored decompressed,
# for the same reason again.
#
# The archive is reproducible: sorted names, owner root, every time
# SOURCE_DATE_EPOCH (default 0), inodes renumbered.  /dev/console, a
# device node an unprivileged cpio cannot make, is a second archive
# appended to the first (the kernel unpacks them in turn), so the kernel
# opens the console for /init before anything is mounted.
set -euo pipefail

if [ $# -ne 4 ]; then
	echo "usage: $0 OUTPUT KERNEL-VERSION INIT TERN-DIRTY" >&2
	exit 2
fi
out=$1 kver=$2 init=$3 dirty=$4
modules_dir=${MODULES_DIR:-/lib/modules/$kver}
busybox=$(command -v busybox) || { echo "$0: no busybox (install busybox-static)" >&2; exit 1; }
epoch=${SOURCE_DATE_EPOCH:-0}

MODULES=(xen-blkfront xen-netfront)
# What /init and an operator at the prompt use; busybox has many more.
APPLETS=(
	sh cat cp dd df dmesg echo env false find free grep head hexdump insmod
	ip kill ln ls lsmod md5sum mkdir mknod more mount mv nc nproc ping
	poweroff printf ps readlink reboot rm rmdir sed seq setsid cttyhack
	sha256sum sleep sort stat sync sysctl tail tee test time timeout top
	touch tr true truncate umount uname uptime vi wc wget xargs '['
)

if readelf -l "$busybox" | grep -q INTERP; then
	echo "$0: $busybox is not a static busybox (install busybox-static)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
mkdir -p "$root"/{bin,dev,etc,mnt,proc,root,sys,tmp}

# modules.dep lines are "PATH: DEP-PATH ...", relative to modules_dir.
declare -A deps_of path_of
while IFS= read -r line; do
	path=${line%%:*}
	name=${path##*/}
	name=${name%%.ko*}
	name=${name//_/-}
	path_of[$name]=$path
	deps_of[$path]=${line#*:}
done <"$modules_dir/modules.dep"

declare -A placed
order=()
# place PATH: places PATH's dependencies, then PATH.
place() {
	local dep
	[ -z "${placed[$1]:-}" ] || return 0
	placed[$1]=1
	for dep in ${deps_of[$1]}; do
		place "$dep"
	done
	order+=("$1")
}
for m in "${MODULES[@]}"; do
	[ -n "${path_of[$m]:-}" ] || { echo "$0: no module $m in $modules_dir" >&2; exit 1; }
	place "${path_of[$m]}"
done

: >"$root/etc/tern-modules"
for path in "${order[@]}"; do
	dest=/lib/modules/$kver/${path%.xz}
	mkdir -p "$root${dest%/*}"
	case $path in
	*.ko) cp "$modules_dir/$path" "$root$dest" ;;
	*.ko.xz) xz -dc "$modules_dir/$path" >"$root$dest" ;;
	*) echo "$0: $path: unsupported module compression" >&2; exit 1 ;;
	esac
	echo "$dest" >>"$root/etc/tern-modules"
done

cp "$busybox" "$root/bin/busybox"
for applet in "${APPLETS[@]}"; do
	ln -s busybox "$root/bin/$applet"
done
strip --strip-all -o "$root/bin/tern-dirty" "$dirty"
cp "$init" "$root/init"

find "$root" -type d -exec chmod 755 {} +
find "$root" -type f -exec chmod 644 {} +
chmod 755 "$root/init" "$root/bin/busybox" "$root/bin/tern-dirty"
find "$root" -exec touch -h -d "@$epoch" {} +

# newc_entry NAME MODE RDEV-MAJOR RDEV-MINOR: the header and name of an
# entry without data, padded to four bytes.
newc_entry() {
	local size=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%s\0' \
		0 "$2" 0 0 1 "$epoch" 0 0 0 "$3" "$4" "$size" 0 "$1"
	head -c $(((4 - (110 + size) % 4) % 4)) /dev/zero
}

(cd "$root" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$tmp/initrd"
{
	newc_entry dev/console $((0x2180)) 5 1 # character device, rw-------
	newc_entry 'TRAILER!!!' 0 0 0
} >>"$tmp/initrd"
mv "$tmp/initrd" "$out"
