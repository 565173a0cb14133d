#!/usr/bin/env bash
# xenstore as dom0 sees it: Debian's xenstore-utils, unchanged, against
# tern-hv's socket (XENSTORED_PATH): the standard layout, write, read, rm,
# chmod, list, exists, watch; a second tern-hv refused on a socket in use;
# the socket removed at exit.  Then a watch that fires when the guest
# writes (mini's selftest waits for a console line before its xenstore
# checks, so the watch is set first).  Prints the read rate of one socket
# client.
. "$(dirname "$0")/lib.sh"
require_kvm
require_xenstore_utils
export XENSTORED_PATH="$WORK/xs.sock"
DOM=/local/domain/3

# start_hv NAME CMDLINE [STDIN]: runs a domain in the background ($pid)
# and waits for its socket.
start_hv() {
	"$HV" --kernel "$MINI" --cmdline "$2" --memory 64 --name xstest --domid 3 \
		--xenstore-socket "$XENSTORED_PATH" \
		>"$WORK/$1.out" 2>"$WORK/$1.err" <"${3:-/dev/null}" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		[ -S "$XENSTORED_PATH" ] && return 0
		sleep 0.1
	done
	show "$1"
	fail "$1: no socket at $XENSTORED_PATH after 10 s"
}

# stop_hv NAME [STATUS]: waits for the domain, after a SIGTERM if STATUS
# (then expected) is given; the socket must be gone.
stop_hv() {
	[ $# -eq 2 ] && kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ $# -eq 2 ] && expect_status "$1" "$2"
	[ ! -e "$XENSTORED_PATH" ] || fail "$1: the socket is still there after exit"
}

# same NAME EXPECTED COMMAND...: the command's output must be EXPECTED.
same() {
	local name=$1 want=$2 got
	shift 2
	got=$("$@" 2>&1) || { show "$name"; fail "$name: '$*' failed: $got"; }
	[ "$got" = "$want" ] || { show "$name"; fail "$name: '$*' gave '$got', expected '$want'"; }
}

start_hv tools dirty=8
same tools xstest xenstore-read $DOM/name
same tools 3 xenstore-read $DOM/domid
same tools 65536 xenstore-read $DOM/memory/target
same tools Domain-0 xenstore-read /local/domain/0/name
same tools 1 xenstore-read $DOM/control/platform-feature-xs_reset_watches
xenstore-ls -f >"$WORK/ls" || fail "xenstore-ls failed"
for want in "$DOM/device = \"\"" "$DOM/console = \"\"" "$DOM/data = \"\"" \
	"/local/domain/0/backend = \"\""; do
	grep -qxF "$want" "$WORK/ls" || { cat "$WORK/ls"; fail "xenstore-ls: no line '$want'"; }
done
xenstore-list $DOM | grep -qx control || fail "xenstore-list $DOM has no control"

# A watch set before the writes sees its first event, then each change.
timeout 10 xenstore-watch -n 3 $DOM/data/t >"$WORK/watch" 2>&1 &
watch_pid=$!
sleep 0.5
xenstore-write $DOM/data/t hello $DOM/data/t/sub x || fail "xenstore-write failed"
same tools hello xenstore-read $DOM/data/t
xenstore-chmod $DOM/data/t n0 r3 || fail "xenstore-chmod failed"
xenstore-ls -p $DOM/data | grep -q '^t = "hello".*(n0,r3)$' ||
	{ xenstore-ls -p $DOM/data; fail "xenstore-chmod: permissions not shown as n0,r3"; }
wait "$watch_pid" || { cat "$WORK/watch"; fail "xenstore-watch did not see 3 events"; }
[ "$(sort -u "$WORK/watch" | wc -l)" -eq 2 ] && grep -qx "$DOM/data/t/sub" "$WORK/watch" ||
	{ cat "$WORK/watch"; fail "xenstore-watch: unexpected events"; }
xenstore-rm $DOM/data/t || fail "xenstore-rm failed"
! xenstore-exists $DOM/data/t || fail "xenstore-exists: $DOM/data/t still there after rm"
! xenstore-write /bad//path x 2>/dev/null || fail "xenstore-write accepted a bad path"

# One socket client's read rate, request after request.
python3 - "$XENSTORED_PATH" "$DOM/name" <<'EOF' || fail "socket read rate"
import socket, struct, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
path = sys.argv[2].encode() + b"\0"
req = struct.pack("<IIII", 2, 1, 0, len(path)) + path
def recv(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "server closed"
        b += c
    return b
n, t = 20000, time.perf_counter()
for _ in range(n):
    s.sendall(req)
    v = recv(struct.unpack("<IIII", recv(16))[3])
dt = time.perf_counter() - t
assert v == b"xstest", v
print(f"xenstore: {n} socket reads in {dt:.2f} s: {n / dt:.0f} reads/s")
EOF

# The socket is in use: a second domain refuses to start.
status=0
"$HV" --kernel "$MINI" --cmdline dirty=8 --memory 64 --xenstore-socket "$XENSTORED_PATH" \
	>"$WORK/second.out" 2>"$WORK/second.err" </dev/null || status=$?
expect_status second 1
grep -q "another server answers there" "$WORK/second.err" || fail "second: no reason given"
stop_hv tools 4

# The guest writes while dom0 watches.
mkfifo "$WORK/in"
exec 3<>"$WORK/in"
start_hv guest selftest=interactive "$WORK/in"
timeout 60 xenstore-watch -n 2 $DOM/data/selftest >"$WORK/gwatch" 2>&1 &
watch_pid=$!
sleep 0.5
wait_for_line guest 'type a line' 1 60
echo go >&3
wait "$watch_pid" || { show guest; cat "$WORK/gwatch"; fail "no watch event from the guest's write"; }
stop_hv guest
exec 3>&-
# Only the xenstore checks matter here (selftest.sh judges the rest).
expect_line guest 'ok xenstore.events_kept'
expect_no_line guest 'FAIL xenstore'
grep -c "^$DOM/data/selftest\$" "$WORK/gwatch" | grep -qx 2 ||
	{ cat "$WORK/gwatch"; fail "guest watch: unexpected events"; }
echo "PASS"
