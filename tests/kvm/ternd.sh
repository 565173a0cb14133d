#!/usr/bin/env bash
# ternd and tern on real domains, in a state folder and socket of the
# test's own:
#   1. tern create runs a domain; tern list shows it; its console log fills;
#   2. pause and unpause stop and resume the guest's console lines;
#   3. a second domain gets another id; errors say what failed;
#   4. ternd restarted (SIGTERM, then SIGKILL) while domains run: they run
#      on, and the new ternd lists them with the same ids and pids;
#   5. shutdown reaches the guest's xenstore; a guest that powers off or
#      crashes by itself is listed shut off with that reason; destroy ends a
#      domain and removes it; a domain rebooting in place stays listed;
#   6. malformed messages on the CLI socket are refused and ternd serves on;
#      a user other than root cannot connect.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
require_kvm

show_all() {
	echo "--- ternd's messages"
	cat "$WORK/ternd.log"
	for d in "$STATE"/domains/*; do
		[ -d "$d" ] || continue
		echo "--- $(basename "$d"): tern-hv's messages"
		cat "$d/hv.log"
	done
}

# expect_out REGEX COMMAND...: the command succeeds and prints a matching line.
expect_out() {
	local want=$1 out
	shift
	out=$(tern "$@" 2>&1) || { show_all; fail "tern $*: failed: $out"; }
	grep -Eq -- "$want" <<<"$out" || { show_all; fail "tern $*: '$out' does not match '$want'"; }
}

# expect_err REGEX COMMAND...: the command fails (status 1) with a matching message.
expect_err() {
	local want=$1 out status=0
	shift
	out=$(tern "$@" 2>&1) || status=$?
	[ "$status" -eq 1 ] || { show_all; fail "tern $*: status $status, expected 1 ($out)"; }
	grep -Eq -- "$want" <<<"$out" || { show_all; fail "tern $*: '$out' does not match '$want'"; }
}

log_lines() {
	grep -c -- "$2" "$STATE/console/$1.log" 2>/dev/null || true
}

# wait_log NAME REGEX COUNT SECONDS: the domain's console log has COUNT matching lines.
wait_log() {
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(log_lines "$1" "$2")" -ge "$3" ] && return 0
		sleep 0.1
	done
	show_all
	fail "$1: fewer than $3 console lines matching '$2' after $4 s"
}

# wait_list REGEX SECONDS: tern list shows a matching line.
wait_list() {
	for ((i = 0; i < $2 * 10; i++)); do
		tern list | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	tern list
	show_all
	fail "tern list shows no line matching '$1' after $2 s"
}

# alive PID: the process exists and has not ended (an ended one may wait
# a moment as a zombie for its new parent to reap it).
alive() {
	local st
	st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ]
}

pid_of() {
	tern list | awk -v n="$1" '$2 == n { print $6 }'
}

make_cfg() { # NAME CMDLINE [EXTRA LINE]
	printf 'name = "%s"\nkernel = "%s"\ncmdline = "%s"\nmemory = 64\n%s\n' \
		"$1" "$MINI" "$2" "${3:-}" >"$WORK/$1.cfg"
}

start_ternd

# 1. A domain.
make_cfg web "dirty=8,rate=16" "xenstore_socket = \"$WORK/web.xs\""
expect_out '^web \(id 1\): running, pid [0-9]+$' create "$WORK/web.cfg"
expect_out '^1 +web +running +1 +64 ' list
expect_out '"id": 1, "name": "web", "state": "running", "reason": null' list --json
wait_log web 'dirty: pass 2 verified' 1 60

# 2. Pause and unpause.
expect_out '^web \(id 1\): paused$' pause web
sleep 0.5
before=$(log_lines web 'dirty: pass')
sleep 2
[ "$(log_lines web 'dirty: pass')" -eq "$before" ] || { show_all; fail "the console went on while paused"; }
expect_out 'paused' list
expect_err 'cannot pause web \(id 1\): it is paused' pause web
expect_out '^web \(id 1\): running$' unpause dom1
wait_log web 'dirty: pass' $((before + 2)) 30

# 3. Another domain, another id; errors.
make_cfg db "dirty=4,rate=8"
expect_out '^db \(id 2\): running' create "$WORK/db.cfg"
expect_err 'web \(id 1\) already exists, running; no domain created' create "$WORK/web.cfg"
expect_err 'no domain nosuch' pause nosuch
expect_err 'no domain 7' destroy 7
printf 'name = "bad"\nmemory = "64"\n' >"$WORK/bad.cfg"
expect_err 'bad.cfg:2:10: .*no domain created' create "$WORK/bad.cfg"
make_cfg 42 selftest
expect_err 'name "42" is not allowed' create "$WORK/42.cfg"
status=0
tern pause 2>/dev/null || status=$?
[ "$status" -eq 2 ] || fail "tern pause without a domain: status $status, expected 2"

# 4. ternd restarts; the domains do not notice.
web_pid=$(pid_of web)
db_pid=$(pid_of db)
stop_ternd
[ ! -S "$SOCK" ] || fail "ternd left its socket behind"
alive "$web_pid" && alive "$db_pid" || { show_all; fail "a domain died with ternd"; }
before=$(log_lines web 'dirty: pass')
wait_log web 'dirty: pass' $((before + 1)) 30
start_ternd
expect_out "^1 +web +running +1 +64 +$web_pid " list
expect_out "^2 +db +running +1 +64 +$db_pid " list
expect_out '^web \(id 1\): paused$' pause web
kill -KILL "$terndpid"
wait "$terndpid" 2>/dev/null
start_ternd
expect_out "^1 +web +paused +1 +64 +$web_pid " list
expect_out '^web \(id 1\): running$' unpause web
grep -q 'found again' "$WORK/ternd.log" || { show_all; fail "ternd did not say it found the domains"; }

# 5. Ends.
expect_out '^web \(id 1\): asked to shut down; running$' shutdown web
[ "$(XENSTORED_PATH="$WORK/web.xs" xenstore-read /local/domain/1/control/shutdown)" = poweroff ] ||
	fail "shutdown did not write control/shutdown"
expect_out '^web: shutoff \(destroyed\)$' destroy web
! alive "$web_pid" || fail "web's tern-hv is still there after destroy"
tern list | grep -q ' web ' && fail "web is still listed after destroy"
[ -s "$STATE/console/web.log" ] || fail "web's console log went with it"

make_cfg self selftest
expect_out '^self \(id 3\): running' create "$WORK/self.cfg"
wait_list '^- +self +shutoff \(poweroff\) ' 120
grep -q 'selftest: [0-9]* passed, 0 failed' "$STATE/console/self.log" || fail "selftest failed"
expect_err 'cannot pause self: it is shut off \(poweroff\)' pause self
expect_err 'self is shut off \(poweroff\); its console log is' console self
expect_out '^self: shutoff \(poweroff\)$' destroy self
tern list | grep -q ' self ' && fail "self is still listed after destroying its record"

# A crash ends the domain before or after it was seen running.
make_cfg boom crash
tern create "$WORK/boom.cfg" >"$WORK/boom.out" 2>&1 ||
	grep -q 'ended before boom ran (crash)' "$WORK/boom.out" || { cat "$WORK/boom.out"; fail "boom"; }
wait_list '^- +boom +shutoff \(crash\) ' 60

# Reboots in place: the same process, listed all along, ids kept.
make_cfg loop reboot 'on_reboot = "restart"'
tern create "$WORK/loop.cfg" >/dev/null 2>&1 || true
wait_log loop '^mini: booting' 3 60
loop_pid=$(pid_of loop)
[ -n "$loop_pid" ] || { show_all; fail "the rebooting domain is not listed"; }
expect_out '^loop: shutoff \(destroyed\)$' destroy loop

# 6. The socket: malformed messages, other users.
python3 - "$SOCK" <<'PY' || { show_all; fail "bad messages were not refused cleanly"; }
import socket, struct, sys
path = sys.argv[1]
MAGIC = 0x434e5254
def talk(data, close_write=False):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(data)
    if close_write:
        s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
    s.close()
    return got
def error_of(reply):
    magic, version, type_, length, reserved = struct.unpack("<IHHII", reply[:16])
    assert magic == MAGIC and type_ == 66, reply
    err, state, reason, text_len = struct.unpack("<iBBH", reply[16:24])
    return err, reply[24:24 + text_len].decode()
hdr = lambda t, n, v=1, magic=MAGIC, r=0: struct.pack("<IHHII", magic, v, t, n, r)
cases = [
    (b"GET / HTTP/1.0\r\n\r\n", "bad message header"),
    (hdr(2, 0, v=9), "unsupported protocol version"),
    (hdr(2, 0, r=1), "bad message header"),
    (hdr(2, 1 << 20), "message too long"),
    (hdr(999, 0), "unknown request type 999"),
    (hdr(2, 3) + b"abc", "malformed request"),
    (hdr(3, 11) + struct.pack("<II", 3, 1) + b"web", "malformed request"),
    (hdr(3, 10) + struct.pack("<II", 2, 0) + b"a/", "malformed request"),
    (hdr(1, 12) + struct.pack("<II", 4, 0) + b"x.cf", "malformed request"),
]
for data, want in cases:
    err, text = error_of(talk(data))
    assert want in text, (data, text)
# A message cut short, then the end: closed without a reply.
assert talk(hdr(2, 8) + b"1234", close_write=True) == b""
PY
expect_out '^2 +db +running ' list
if command -v setpriv >/dev/null; then
	! setpriv --reuid=65534 --regid=65534 --clear-groups "$TERN" --socket "$SOCK" list \
		>/dev/null 2>&1 || fail "a user other than root reached ternd"
fi
expect_out '^db: shutoff \(destroyed\)$' destroy db
stop_ternd
echo "ternd: all checks passed"
