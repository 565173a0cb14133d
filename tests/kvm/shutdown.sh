#!/usr/bin/env bash
# Each shutdown reason gives its exit status, and the on_* actions are obeyed:
# crash 2, power-off and reset through ACPI 0 and 3, reboot with
# on_reboot=destroy 3, restart boots the guest again,
# a signal destroys the domain (4).
. "$(dirname "$0")/lib.sh"
require_kvm

run_hv crash 60 --kernel "$MINI" --cmdline crash
expect_status crash 2

# Hardware-reduced ACPI, as Linux powers off and resets: the FADT's sleep
# control register with \_S5's type, and its reset register.
run_hv acpioff 60 --kernel "$MINI" --cmdline acpioff
expect_status acpioff 0
expect_no_line acpioff 'still running'

cat >"$WORK/reboot.cfg" <<CFG
name = "rebooter"
type = "pvh"
kernel = "$MINI"
cmdline = "reboot"
memory = 64
on_reboot = "destroy"
CFG
run_hv reboot 60 "$WORK/reboot.cfg"
expect_status reboot 3
sed 's/^cmdline.*/cmdline = "acpireset"/' "$WORK/reboot.cfg" >"$WORK/acpireset.cfg"
run_hv acpireset 60 "$WORK/acpireset.cfg"
expect_status acpireset 3
expect_no_line acpireset 'still running'

# on_reboot = restart (xl's default): the guest boots again and again until
# the operator destroys it.
sed 's/^on_reboot.*/on_reboot = "restart"/' "$WORK/reboot.cfg" >"$WORK/restart.cfg"
"$HV" "$WORK/restart.cfg" >"$WORK/restart.out" 2>"$WORK/restart.err" </dev/null &
pid=$!
wait_for_line restart '^mini: booting' 3 60
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
expect_status restart 4

# on_crash = preserve keeps the stopped domain until it is told to go.
sed -e 's/^cmdline.*/cmdline = "crash"/' -e 's/^on_reboot.*/on_crash = "preserve"/' \
	"$WORK/reboot.cfg" >"$WORK/preserve.cfg"
"$HV" "$WORK/preserve.cfg" >"$WORK/preserve.out" 2>"$WORK/preserve.err" </dev/null &
pid=$!
for ((i = 0; i < 600; i++)); do
	grep -q 'preserved' "$WORK/preserve.err" && break
	sleep 0.1
done
grep -q 'preserved' "$WORK/preserve.err" || { show preserve; fail "preserve: not preserved"; }
kill -0 "$pid" || fail "preserve: tern-hv exited"
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
expect_status preserve 2
echo "PASS"
