# Helpers for the tests of ternd and tern (sourced after lib.sh, not run): a
# ternd of the test's own, with its state folder and socket under $WORK.
# The domains outlive ternd by design: the exit trap ends them too.
TERND="$TERN_BUILD/migrated/ternd"
TERN="$TERN_BUILD/tools/tern"
STATE="$WORK/state"
SOCK="$WORK/ternd.sock"
terndpid=

ternd_cleanup() {
	[ -n "$terndpid" ] && kill -KILL "$terndpid" 2>/dev/null
	for f in "$STATE"/domains/*/state; do
		[ -f "$f" ] || continue
		pid=$(awk '$1 == "pid" { print $2 }' "$f")
		[ "${pid:-0}" -gt 0 ] && kill -KILL "$pid" 2>/dev/null
	done
	rm -rf "$WORK"
}
trap ternd_cleanup EXIT

tern() {
	"$TERN" --socket "$SOCK" "$@"
}

# start_ternd: runs ternd (its messages in $WORK/ternd.log) until it answers.
start_ternd() {
	"$TERND" --state-dir "$STATE" --socket "$SOCK" -v >>"$WORK/ternd.log" 2>&1 &
	terndpid=$!
	for ((i = 0; i < 100; i++)); do
		tern list >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	cat "$WORK/ternd.log"
	fail "ternd did not start"
}

# stop_ternd: SIGTERM, and ternd must exit with status 0.
stop_ternd() {
	kill -TERM "$terndpid"
	wait "$terndpid" || fail "ternd did not exit cleanly on SIGTERM"
	terndpid=
}
