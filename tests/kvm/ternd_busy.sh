#!/usr/bin/env bash
# tern save and tern restore of guests that are busy when saved:
#   1. mini blktest on a raw image, saved in the middle of its I/O (requests
#      in flight on the ring, the backend's half-done work), restored: it
#      ends with "blktest: N MiB verified" and powers off, and the host
#      finds every sector of the image holding the pattern;
#   2. mini watchwait, which waits on a xenstore watch with no deadline:
#      the watch registered before a save fires after the restore, from a
#      running and from a paused domain, each time through the event
#      channel the guest bound before the save.  dom0 writes through the
#      xenstore socket of the domain's configuration, which a restore takes
#      from the save file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
require_kvm
require_xenstore_utils

MIB=256
IMG="$WORK/disk.img"
DISK_LOG="$STATE/console/disk.log"
WATCH_LOG="$STATE/console/watch.log"
export XENSTORED_PATH="$WORK/watch.xs"

show_all() { # NAME
	echo "--- ternd's messages"
	cat "$WORK/ternd.log"
	echo "--- $1's console"
	tail -n 20 "$STATE/console/$1.log"
	echo "--- $1's tern-hv"
	tail -n 20 "$STATE/domains/$1/hv.log" 2>/dev/null
}

# wait_poweroff NAME SECONDS: NAME shuts off, and by powering off.
wait_poweroff() {
	for ((i = 0; i < $2 * 10; i++)); do
		tern list | grep -Eq -- " $1 +shutoff" && break
		sleep 0.1
	done
	tern list | grep -Eq -- " $1 +shutoff \(poweroff\)" && return 0
	tern list
	show_all "$1"
	fail "$1 did not power off (waited up to $2 s)"
}

# save NAME FILE: tern save, bounded (a vCPU that cannot be parked would
# hold it forever).
save() {
	timeout --signal=KILL 120 "$TERN" --socket "$SOCK" save "$1" "$2"
}

# wait_console NAME REGEX COUNT SECONDS: COUNT lines of NAME's console match.
wait_console() {
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -Ec -- "$2" "$STATE/console/$1.log")" -ge "$3" ] && return 0
		sleep 0.1
	done
	show_all "$1"
	fail "$1: fewer than $3 console lines matching '$2' after $4 s"
}

# restore FILE NAME: tern restore, which must leave NAME running; sets $domid.
restore() {
	local out
	out=$(tern restore "$1") || { show_all "$2"; fail "restore of $1: $out"; }
	domid=$(sed -n "s/^$2 (id \([0-9]*\)): running$/\1/p" <<<"$out")
	[ -n "$domid" ] || fail "restore of $1: '$out'"
}

start_ternd

# 1. blktest saved while its requests are in flight.  A save point that
# comes after blktest has ended (a fast disk) is retried earlier; one that
# comes before its first write is not I/O, and is retried later.
printf 'name = "disk"\nkernel = "%s"\ncmdline = "blktest"\nmemory = 64\n%s\n' "$MINI" \
	"disk = [ '$IMG,raw,xvda,w' ]" >"$WORK/disk.cfg"
saved=
for delay in 1 0.3 0.1 0.6; do
	rm -f "$IMG" "$DISK_LOG"
	truncate -s "${MIB}M" "$IMG"
	tern create "$WORK/disk.cfg" >/dev/null || { show_all disk; fail "create disk"; }
	sleep "$delay"
	if ! out=$(save disk "$WORK/disk.save" 2>&1); then
		wait_poweroff disk 120
		tern destroy disk >/dev/null
		echo "blktest had ended $delay s after it started: $out" | head -n 1
		continue
	fi
	written=$(du -k "$IMG" | awk '{ print int($1 / 1024) }')
	if grep -q 'MiB verified' "$DISK_LOG" || [ "$written" -eq 0 ]; then
		echo "saved $delay s after the start: not in the middle of the I/O"
		restore "$WORK/disk.save" disk
		wait_poweroff disk 120
		tern destroy disk >/dev/null
		continue
	fi
	saved=$delay
	break
done
[ -n "$saved" ] || fail "blktest could not be saved in the middle of its I/O"
echo "blktest saved $saved s after the start, before its end ($written of $MIB MiB on the disk)"
restore "$WORK/disk.save" disk
wait_poweroff disk 120
! grep -q 'blktest: FAIL' "$DISK_LOG" || { show_all disk; fail "blktest failed after the restore"; }
[ "$(grep '^blktest: ' "$DISK_LOG" | tail -n 1)" = "blktest: $MIB MiB verified" ] ||
	{ show_all disk; fail "blktest's last line is not 'blktest: $MIB MiB verified'"; }
[ "$(grep -c '^mini: booting' "$DISK_LOG")" -eq 1 ] || { show_all disk; fail "disk booted again"; }
seed=$(sed -n 's/^blktest: .*seed \(0x[0-9a-f]*\)$/\1/p' "$DISK_LOG")
[ -n "$seed" ] || { show_all disk; fail "blktest: no seed printed"; }
check_blktest_image "$IMG" "$seed" || fail "the image does not hold what the guest wrote"
tern destroy disk >/dev/null

# 2. A watch across a save and restore, and an event pending when saved.
printf 'name = "watch"\nkernel = "%s"\ncmdline = "watchwait"\nmemory = 64\n%s\n' "$MINI" \
	"xenstore_socket = \"$XENSTORED_PATH\"" >"$WORK/watch.cfg"
tern create "$WORK/watch.cfg" >/dev/null || { show_all watch; fail "create watch"; }
wait_console watch '^watchwait: ready$' 1 60
save watch "$WORK/watch1.save" >/dev/null || { show_all watch; fail "save watch"; }
restore "$WORK/watch1.save" watch
xenstore-write "/local/domain/$domid/data/ping" one || { show_all watch; fail "xenstore-write one"; }
wait_console watch '^watchwait: fired one$' 1 30

# A second cycle, from a paused domain: the watch still fires.  (While a
# domain is paused its xenstore answers no dom0 client, so nothing can be
# written into it then.)
tern pause watch >/dev/null || fail "pause watch"
save watch "$WORK/watch2.save" >/dev/null || { show_all watch; fail "save a paused watch"; }
restore "$WORK/watch2.save" watch
xenstore-write "/local/domain/$domid/data/ping" two || { show_all watch; fail "xenstore-write two"; }
wait_console watch '^watchwait: fired two$' 1 30
xenstore-write "/local/domain/$domid/data/ping" three || fail "xenstore-write three"
wait_console watch '^watchwait: fired three$' 1 30
[ "$(grep -c '^watchwait: ready$' "$WATCH_LOG")" -eq 1 ] || { show_all watch; fail "watch booted again"; }
[ "$(grep -c '^watchwait: fired' "$WATCH_LOG")" -eq 3 ] || { show_all watch; fail "extra events"; }
! grep -q 'watchwait: FAIL' "$WATCH_LOG" || { show_all watch; fail "watchwait failed"; }
tern destroy watch >/dev/null
stop_ternd
echo "ternd_busy: all checks passed"
