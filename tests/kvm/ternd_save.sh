#!/usr/bin/env bash
# tern save and tern restore through ternd, on mini dirty=16,rate=64 (a pass
# every quarter of a second) with 2 vCPUs:
#   1. save, restore, three times, then once with a live save: the guest's
#      passes go on from where they were, never CORRUPT; the save files'
#      streams pass Xen's verify-stream-v2; the console log holds it all;
#   2. save --keep leaves the domain running, or paused if it was; save
#      --compress writes a gzip stream that restores;
#   3. truncated, corrupted and foreign files are refused with no domain
#      and no tern-hv left; a restore over a live name is refused;
#   4. a restored domain survives a restart of ternd.
# Prints the save and restore times and the file sizes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
require_kvm

LOG="$STATE/console/web.log"

show_all() {
	echo "--- ternd's messages"
	cat "$WORK/ternd.log"
	echo "--- web's console"
	tail -n 20 "$LOG"
	echo "--- web's tern-hv"
	tail -n 20 "$STATE/domains/web/hv.log" 2>/dev/null
}

last_pass() {
	grep -Eo '^dirty: pass [0-9]+ verified' "$LOG" | tail -n 1 | awk '{ print $3 }'
}

wait_pass() { # N SECONDS: the log shows pass N
	for ((i = 0; i < $2 * 10; i++)); do
		[ "$(last_pass)" -ge "$1" ] 2>/dev/null && return 0
		sleep 0.1
	done
	show_all
	fail "no pass $1 after $2 s"
}

# The passes in the log: 1, 2, 3, ... with none missing or repeated, no CORRUPT.
check_passes() {
	! grep -q CORRUPT "$LOG" || { show_all; fail "the guest found corrupt memory"; }
	grep -Eo '^dirty: pass [0-9]+ verified' "$LOG" | awk '$3 != NR { exit 1 }' ||
		{ show_all; fail "the passes do not follow on"; }
}

# Where the stream starts in a save file: after the header and its configuration.
stream_offset() {
	python3 -c '
import struct, sys
data = open(sys.argv[1], "rb").read(24)
assert data[:8] == b"TernSave", "not a save file"
print(24 + (struct.unpack("<I", data[12:16])[0] + 7) // 8 * 8)' "$1"
}

# verify FILE: the stream inside a save file, for Xen's verifier at the end
# (verify_all: one run, as fetching the verifier takes a while).
mkdir "$WORK/streams"
verify() {
	tail -c +$(($(stream_offset "$1") + 1)) "$1" >"$WORK/streams/$(basename "$1")"
}

verify_all() {
	bash "$TERN_SOURCE/tests/lib/verify-stream.sh" "$WORK"/streams/* >"$WORK/verify.out" 2>&1 ||
		{ cat "$WORK/verify.out"; fail "verify-stream-v2 refused a stream"; }
	grep -c accepted "$WORK/verify.out" | sed 's/^/verify-stream-v2: accepted /'
}

# expect_refused FILE REGEX: restore fails with that message; nothing is left.
expect_refused() {
	local out status=0
	out=$(tern restore "$1" 2>&1) || status=$?
	[ "$status" -eq 1 ] && grep -Eq -- "$2" <<<"$out" ||
		{ show_all; fail "restore $1: status $status, '$out' (wanted '$2')"; }
	! tern list | grep -q ' web ' || { tern list; fail "restore $1 left a domain"; }
	! pgrep -f "$STATE/domains/web/config" >/dev/null || fail "restore $1 left a tern-hv"
}

start_ternd
printf 'name = "web"\nkernel = "%s"\ncmdline = "dirty=16,rate=64"\nmemory = 128\nvcpus = 2\n' \
	"$MINI" >"$WORK/web.cfg"
tern create "$WORK/web.cfg" >/dev/null || { show_all; fail "create"; }

# 1. Save and restore cycles.
for cycle in 1 2 3; do
	wait_pass $(($(last_pass) + 2)) 60
	out=$(tern save web "$WORK/web$cycle.save") || { show_all; fail "save $cycle: $out"; }
	echo "cycle $cycle: $out" | head -n 1
	grep -q '^web: shutoff (destroyed)$' <<<"$out" || fail "save $cycle: '$out'"
	! tern list | grep -q ' web ' || fail "save $cycle: web is still listed"
	saved=$(last_pass)
	out=$(tern restore "$WORK/web$cycle.save") || { show_all; fail "restore $cycle: $out"; }
	echo "cycle $cycle: $out" | head -n 1
	grep -q '^web (id [0-9]*): running$' <<<"$out" || fail "restore $cycle: '$out'"
	wait_pass $((saved + 2)) 60
	check_passes
done
# A live save: memory copied in rounds while the guest writes it.
wait_pass $(($(last_pass) + 2)) 60
out=$(tern save --live web "$WORK/live.save") || { show_all; fail "save --live: $out"; }
echo "live: $out" | head -n 1
grep -Eq 'paused [0-9.]+ ms, [0-9]+ rounds' <<<"$out" || fail "save --live: '$out'"
saved=$(last_pass)
tern restore "$WORK/live.save" >/dev/null || { show_all; fail "restore of live.save"; }
wait_pass $((saved + 2)) 60
check_passes
verify "$WORK/live.save"
verify "$WORK/web1.save"
ls -l "$WORK"/web*.save | awk '{ print "save file: " $5 " bytes" }' | head -n 1

# 2. --keep, paused, --compress.
before=$(last_pass)
tern save --keep web "$WORK/keep.save" | grep -q '^web (id [0-9]*): running$' ||
	{ show_all; fail "save --keep"; }
wait_pass $((before + 2)) 60
verify "$WORK/keep.save"
tern pause web >/dev/null
tern save --keep web "$WORK/paused.save" | grep -q '^web (id [0-9]*): paused$' ||
	{ show_all; fail "save --keep of a paused domain"; }
tern unpause web >/dev/null
tern save --compress web "$WORK/z.save" >/dev/null || { show_all; fail "save --compress"; }
[ "$(tail -c +$(($(stream_offset "$WORK/z.save") + 1)) "$WORK/z.save" | head -c 2 |
	od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "the compressed file's stream is not gzip"
out=$(tern restore --paused "$WORK/z.save") || { show_all; fail "restore of z.save: $out"; }
grep -q '^web (id [0-9]*): paused$' <<<"$out" || fail "restore --paused: '$out'"
saved=$(last_pass)
tern unpause web >/dev/null
wait_pass $((saved + 2)) 60
check_passes

# 3. Files that are not good save files, and a name in use.
out=$(tern restore "$WORK/web1.save" 2>&1) && fail "restore over a live web: $out"
grep -q 'web (id [0-9]*) already exists, running; no domain created' <<<"$out" ||
	fail "restore over a live web: '$out'"
tern destroy web >/dev/null
size=$(stat -c %s "$WORK/web1.save")
head -c $((size / 2)) "$WORK/web1.save" >"$WORK/half.save"
expect_refused "$WORK/half.save" 'cannot restore web from .*: .*the stream ends at offset .*; no domain created'
cp "$WORK/web1.save" "$WORK/bad.save"
printf '\x07' | dd of="$WORK/bad.save" bs=1 seek=$(($(stream_offset "$WORK/bad.save") + 11)) \
	conv=notrunc status=none
expect_refused "$WORK/bad.save" 'cannot restore web from .*: libxl header at offset 0: version'
expect_refused "$WORK/web.cfg" 'not a Tern save file'
head -c 20 "$WORK/web1.save" >"$WORK/short.save"
expect_refused "$WORK/short.save" 'not a Tern save file'

# 4. A restored domain and a restart of ternd.
tern restore "$WORK/keep.save" >/dev/null || { show_all; fail "restore of keep.save"; }
stop_ternd
start_ternd
tern list | grep -Eq '^[0-9]+ +web +running ' || { tern list; show_all; fail "web lost on restart"; }
saved=$(last_pass)
wait_pass $((saved + 1)) 60
tern destroy web >/dev/null
stop_ternd
verify_all
echo "ternd_save: all checks passed"
