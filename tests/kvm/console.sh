#!/usr/bin/env bash
# The PV console, both ways, with a guest nobody here wrote: GRUB2 reads
# its input from the console ring and writes its output there.
#   1. input typed on tern-hv's stdin reaches the guest; the log file
#      (--console-log) holds exactly what stdout got;
#   2. a terminal attaches on --console-socket, sees the output, types a
#      line, detaches with Ctrl-] while the domain goes on, and a second
#      terminal attaches and types the line that ends it;
#   3. mini's selftest, printed through the ring: the log holds exactly
#      what stdout got.
. "$(dirname "$0")/lib.sh"
require_kvm

GRUB="$TERN_BUILD/guests/grub/grub-pvh"
ECHO_DISK="$TERN_BUILD/guests/grub/echo-disk.img"
require_images "$GRUB" "$ECHO_DISK"
grub_args=(--kernel "$GRUB" --memory 64 --disk "vdev=xvda,access=ro,target=$ECHO_DISK")

expect_plain() {
	plain "$WORK/$1.out" | grep -Fxq -- "$2" || { show "$1"; fail "$1: no console line '$2'"; }
}

expect_log() {
	cmp -s "$WORK/$1.out" "$WORK/$1.log" ||
		{ show "$1"; fail "$1: the log differs from stdout"; }
}

# attach SOCKET TEXT EXPECT detach|stay: a terminal that types TEXT, waits
# for EXPECT in the output, then detaches with Ctrl-] (or stays until the
# domain ends); what it received goes to stdout.
attach() {
	python3 - "$@" <<'PY'
import socket, sys
path, text, expect, how = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
s.settimeout(120)
got = b""
def until(want):
    global got
    while want not in got:
        b = s.recv(4096)
        if not b:
            sys.exit("closed before %r; got %r" % (want, got))
        got += b
until(b"Ctrl-] detaches")
s.sendall(text.encode())
until(expect.encode())
if how == "detach":
    s.sendall(b"\x1d")
while True:
    b = s.recv(4096)
    if not b:
        break
    got += b
if how == "detach" and b"[tern-hv: detached]" not in got:
    sys.exit("no detach notice; got %r" % got)
sys.stdout.buffer.write(got)
PY
}

# 1. stdin.
printf 'first on stdin\rsecond on stdin\r' >"$WORK/typed"
HV_STDIN="$WORK/typed" run_hv stdin 240 "${grub_args[@]}" --console-log "$WORK/stdin.log"
expect_status stdin 0
expect_plain stdin "tern-grub: you typed 'first on stdin'"
expect_plain stdin "tern-grub: you typed 'second on stdin'"
expect_log stdin

# 2. an attached terminal.
sock="$WORK/console.sock"
"$HV" "${grub_args[@]}" --console-socket "$sock" --console-log "$WORK/attach.log" \
	>"$WORK/attach.out" 2>"$WORK/attach.err" </dev/null &
pid=$!
trap 'kill -KILL $pid 2>/dev/null; rm -rf "$WORK"' EXIT
wait_for_line attach 'tern-grub: type a line' 1 240
attach "$sock" $'in a terminal\r' "you typed 'in a terminal'" detach >"$WORK/term1" ||
	{ kill -KILL $pid; show attach; fail "attach: the first terminal failed"; }
wait_for_line attach 'tern-grub: type another line' 1 30
kill -0 $pid 2>/dev/null || { show attach; fail "attach: the domain ended on detach"; }
attach "$sock" $'again\r' "you typed 'again'" stay >"$WORK/term2" ||
	{ kill -KILL $pid; show attach; fail "attach: the second terminal failed"; }
status=0
wait $pid || status=$?
expect_status attach 0
expect_plain attach "tern-grub: you typed 'in a terminal'"
expect_plain attach "tern-grub: you typed 'again'"
expect_log attach
[ -e "$sock" ] && fail "attach: $sock is left behind"

# 3. mini, which moves to the ring once it has found it.  Whether its
# checks pass is kvm/selftest's business: a failed one crashes the domain
# (status 2) after printing, which is as good for this test.
run_hv mini 120 --kernel "$MINI" --cmdline selftest --console-log "$WORK/mini.log" -v
[ "$status" -eq 0 ] || [ "$status" -eq 2 ] || { show mini; fail "mini: exit status $status"; }
expect_line mini '^selftest: [0-9]+ passed, [0-9]+ failed$'
grep -q 'console: the guest uses the ring' "$WORK/mini.err" ||
	{ show mini; fail "mini: never used the console ring"; }
expect_log mini
echo "PASS"
