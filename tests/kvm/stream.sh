#!/usr/bin/env bash
# The save-restore library against real domains, through the control
# socket (save-restore/sr_domain_ctl.c, driven by tests/kvm/sr_stream.c):
# mini dirty=16 with 2 vCPUs saved to a stream that Xen's verifier accepts,
# restored into an --incoming domain that goes on verifying its passes from
# where it was; the same through the gzip layer; and a corrupted stream
# refused with the domain left paused, never run.
. "$(dirname "$0")/lib.sh"
require_kvm

CTL="$TERN_BUILD/tools/tern-ctl"
SRS="$TERN_BUILD/tests/kvm/sr_stream"
SOCK="$WORK/control.sock"

passes_last() {
	grep -Eo '^dirty: pass [0-9]+ verified' "$WORK/$1.out" | tail -1 | grep -Eo '[0-9]+ ' | tr -d ' '
}

start() {
	local name=$1
	shift
	rm -f "$SOCK"
	"$HV" --control-socket "$SOCK" --kernel "$MINI" --cmdline dirty=16 --memory 64 --vcpus 2 "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	show "$name"
	fail "$name: no control socket after 10 s"
}

stop() {
	"$CTL" "$SOCK" destroy >/dev/null 2>&1
	wait "$pid" 2>/dev/null
}

# cycle NAME FILE SAVE-ARGS...: saves the running domain NAME, restores it
# into a new one (NAME-r), checks that the passes go on.
cycle() {
	local name=$1 file=$2 last first
	shift 2
	"$SRS" save "$SOCK" "$file" "$@" || { show "$name"; fail "$name: save failed"; }
	last=$(passes_last "$name")
	stop
	start "$name-r" --incoming
	"$SRS" restore "$SOCK" "$file" || { show "$name-r"; fail "$name-r: restore failed"; }
	"$CTL" "$SOCK" unpause >/dev/null || fail "$name-r: unpause"
	wait_for_line "$name-r" '^dirty: pass [0-9]+ verified' 2 120
	first=$(grep -Eo '^dirty: pass [0-9]+' "$WORK/$name-r.out" | head -1 | grep -Eo '[0-9]+$')
	[ "$first" -gt "$last" ] || fail "$name-r: started again (pass $first after $last)"
	expect_no_line "$name-r" 'CORRUPT'
	echo "$name: pass $last saved, restored guest went on with pass $first"
}

start plain
wait_for_line plain '^dirty: pass [0-9]+ verified' 2 120
cycle plain "$WORK/plain.stream"
bash "$TERN_SOURCE/tests/lib/verify-stream.sh" "$WORK/plain.stream" || fail "verify-stream-v2 refused it"
stop

start zipped
wait_for_line zipped '^dirty: pass [0-9]+ verified' 2 120
cycle zipped "$WORK/zipped.stream" --gzip
echo "sizes: $(stat -c %s "$WORK/plain.stream") bytes plain, $(stat -c %s "$WORK/zipped.stream") gzip"
stop

# A stream with a page entry pointing outside the domain is refused; the
# domain stays paused and incoming (the caller destroys it).
python3 - "$WORK/plain.stream" "$WORK/bad.stream" <<'PY'
import sys
s = bytearray(open(sys.argv[1], 'rb').read())
off = 16 + 8 + 24 + 16 + 8           # libxl hdr, LIBXC_CONTEXT, image and domain hdrs, STATIC_DATA_END
assert int.from_bytes(s[off:off + 4], 'little') == 1  # PAGE_DATA
s[off + 16:off + 24] = (0x7ffffffff).to_bytes(8, 'little')
open(sys.argv[2], 'wb').write(s)
PY
start bad --incoming
"$SRS" restore "$SOCK" "$WORK/bad.stream" 2>"$WORK/bad.msg" && fail "a corrupted stream was restored"
grep -q 'PAGE_DATA record at offset 72: pfn 0x7ffffffff' "$WORK/bad.msg" || fail "message: $(cat "$WORK/bad.msg")"
"$CTL" "$SOCK" info | grep -qx 'state: paused' || fail "the refused domain is not paused"
stop
echo "PASS"
