# Shared helpers for the KVM tests (sourced, not run).  Each test runs real
# domains with build/hv/tern-hv and the guest build/guests/mini/mini.
set -u

: "${TERN_BUILD:?TERN_BUILD must name the build directory}"
: "${TERN_SOURCE:?TERN_SOURCE must name the source directory}"
HV="$TERN_BUILD/hv/tern-hv"
MINI="$TERN_BUILD/guests/mini/mini"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tern-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# A test that needs KVM is skipped (77) without /dev/kvm, except in CI where
# a missing /dev/kvm is a failure: CI machines have it.
require_kvm() {
	if [ ! -c /dev/kvm ] || [ ! -w /dev/kvm ]; then
		[ "${CI:-}" = true ] && fail "/dev/kvm is missing or not writable (CI=true)"
		echo "SKIP: no usable /dev/kvm" >&2
		exit 77
	fi
}

# run_hv NAME SECONDS ARGS...: runs tern-hv with a time limit; the guest's
# console lands in $WORK/NAME.out, tern-hv's messages in $WORK/NAME.err and
# the exit status in $status.  Its input is $HV_STDIN (default /dev/null).
run_hv() {
	local name=$1 secs=$2
	shift 2
	status=0
	timeout --signal=KILL "$secs" "$HV" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" \
		<"${HV_STDIN:-/dev/null}" ||
		status=$?
	[ "$status" -eq 137 ] && { show "$name"; fail "$name: tern-hv did not finish in ${secs}s"; }
	return 0
}

show() {
	echo "--- $1: guest console"
	cat "$WORK/$1.out"
	echo "--- $1: tern-hv messages"
	cat "$WORK/$1.err"
}

expect_status() {
	[ "$status" -eq "$2" ] || { show "$1"; fail "$1: exit status $status, expected $2"; }
}

expect_line() {
	grep -Eq -- "$2" "$WORK/$1.out" || { show "$1"; fail "$1: no console line matching '$2'"; }
}

expect_no_line() {
	! grep -Eq -- "$2" "$WORK/$1.out" || { show "$1"; fail "$1: unexpected console line '$2'"; }
}

# wait_for_line NAME REGEX COUNT SECONDS: waits until COUNT lines of the
# running domain's console match REGEX.
wait_for_line() {
	local i
	for ((i = 0; i < $4 * 10; i++)); do
		[ "$(grep -Ec -- "$2" "$WORK/$1.out")" -ge "$3" ] && return 0
		sleep 0.1
	done
	show "$1"
	fail "$1: fewer than $3 console lines matching '$2' after $4 s"
}

# require_images FILE...: skips the test (77) when a guest image was not
# built because its tools are missing; under CI=true that is a failure.
require_images() {
	local f
	for f in "$@"; do
		[ -f "$f" ] && continue
		[ "${CI:-}" = true ] && fail "$f was not built (CI=true): run tools/install-deps.sh"
		echo "SKIP: $f was not built (its tools are missing)" >&2
		exit 77
	done
}

# require_xenstore_utils: skips the test (77) without Debian's xenstore-utils
# (xenstore-ls, xenstore-write, ...); under CI=true that is a failure.
require_xenstore_utils() {
	command -v xenstore-ls >/dev/null && command -v xenstore-write >/dev/null && return 0
	[ "${CI:-}" = true ] && fail "xenstore-utils is not installed (CI=true)"
	echo "SKIP: xenstore-utils is not installed" >&2
	exit 77
}

# plain FILE: the console text without the carriage returns and terminal
# escape sequences that GRUB's terminal adds.
plain() {
	sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\r//g' "$1"
}

# check_blktest_image FILE SEED: every sector of FILE holds the pattern mini's
# blktest writes (guests/mini/blktest.c) for SEED.
check_blktest_image() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys

path, seed = sys.argv[1], int(sys.argv[2], 16)
M = (1 << 64) - 1
MAGIC, MUL_SECTOR, MUL_WORD = 0x314B4C424E524554, 0x9E3779B97F4A7C15, 0xBF58476D1CE4E5B9
tail = [i * MUL_WORD for i in range(3, 63)]
with open(path, "rb") as f:
    data = f.read()
if len(data) % 512:
    sys.exit(f"{path}: {len(data)} bytes is not a whole number of sectors")
for s in range(len(data) // 512):
    base = seed ^ (s * MUL_SECTOR & M)
    w = [MAGIC, s, seed] + [(base + t) & M for t in tail]
    w.append(sum(w) & M)
    if data[s * 512:(s + 1) * 512] != struct.pack("<64Q", *w):
        sys.exit(f"{path}: sector {s} does not hold the pattern for seed {seed:#x}")
print(f"host: {len(data) // 512} sectors hold the pattern")
EOF
}
