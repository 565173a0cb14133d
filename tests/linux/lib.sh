# Shared helpers of the Linux guest tests (sourced): Debian's stock cloud
# kernel with the initramfs and root disk of guests/linux, run by tern-hv
# with its console on a FIFO the test types into.  A boot takes minutes on
# kvm_pvm hosts, so each stage is printed with the seconds it took.
. "$TERN_SOURCE/tests/kvm/lib.sh"
require_kvm

LINUX="$TERN_BUILD/guests/linux"
require_images "$LINUX/vmlinuz" "$LINUX/initrd.cpio" "$LINUX/rootdisk.img" "$LINUX/linux.cfg"
# The kernel command line the recipes use (one place: guests/linux/meson.build).
LINUX_CMDLINE=$(sed -n 's/^cmdline = "\(.*\)"$/\1/p' "$LINUX/linux.cfg")
LINUX_CPUID=$(sed -n 's/^cpuid = "\(.*\)"$/\1/p' "$LINUX/linux.cfg")
# The longest any one stage may take (the whole boot to a shell is one).
STAGE_SECS=${TERN_LINUX_STAGE_SECS:-1200}
T0=$(date +%s)

# On exit the domain's tern-hv is killed and the work folder removed; a test
# adds its own clean-up as the command in CLEANUP.
CLEANUP=:
cleanup() {
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	eval "$CLEANUP"
	rm -rf "$WORK"
}
trap cleanup EXIT

# linux_cfg NAME [LINE...]: writes $WORK/NAME.cfg, the guest with 256 MiB,
# the recipes' CPUID mask and a copy of the root disk ($WORK/root.img) as
# xvda, then each LINE (kernel, vcpus, vif...).
linux_cfg() {
	local name=$1
	shift
	cp "$LINUX/rootdisk.img" "$WORK/root.img"
	{
		echo "name = \"linux-$name\""
		echo 'type = "pvh"'
		echo "cpuid = \"$LINUX_CPUID\""
		echo 'memory = 256'
		echo "disk = [ 'format=raw, vdev=xvda, access=rw, target=$WORK/root.img' ]"
		printf '%s\n' "$@"
	} >"$WORK/$name.cfg"
}

# The lines of a direct boot of the recipes' kernel and initramfs.
DIRECT=("kernel = \"$LINUX/vmlinuz\"" "ramdisk = \"$LINUX/initrd.cpio\"")

stage() {
	echo "stage: $1 at $(($(date +%s) - T0)) s"
}

# start_linux NAME [NETNS] -- TERN-HV ARGS: starts tern-hv (inside network
# namespace NETNS if given) with its console on $WORK/NAME.in (a FIFO held
# open on fd 3) and $WORK/NAME.out; $pid is tern-hv's pid.
start_linux() {
	local name=$1 ns=$2
	shift 3
	mkfifo "$WORK/$name.in"
	exec 3<>"$WORK/$name.in"
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$HV" "$@" <&3 >"$WORK/$name.out" 2>"$WORK/$name.err" &
	else
		"$HV" "$@" <&3 >"$WORK/$name.out" 2>"$WORK/$name.err" &
	fi
	pid=$!
}

# type_line TEXT: types TEXT and Enter on the console.
type_line() {
	printf '%s\n' "$1" >&3
}

# run_cmd NAME COMMAND REGEX [SECONDS]: types COMMAND at the shell and
# waits for a console line matching REGEX.
run_cmd() {
	local n
	n=$(grep -Ec -- "$3" "$WORK/$1.out")
	type_line "$2"
	wait_for_line "$1" "$3" $((n + 1)) "${4:-300}"
}

# wait_boot NAME: waits for the stages of a boot to the shell prompt.
wait_boot() {
	wait_for_line "$1" 'Linux version 6' 1 "$STAGE_SECS"
	stage "kernel running"
	wait_for_line "$1" '(Freeing unused kernel image|Run /init as init process)' 1 "$STAGE_SECS"
	stage "kernel init done"
	wait_for_line "$1" '^tern-init: .* started' 1 "$STAGE_SECS"
	stage "initramfs /init started"
	wait_for_line "$1" '^tern-init: .*shell on the console' 1 "$STAGE_SECS"
	stage "devices up"
	# The prompt has no newline after it: type a marker command instead.
	run_cmd "$1" 'echo ready-$((6*7))' '^ready-42' "$STAGE_SECS"
	stage "shell answers"
}

# wait_exit NAME STATUS: waits for tern-hv to end with STATUS.
wait_exit() {
	status=0
	wait "$pid" || status=$?
	exec 3>&-
	expect_status "$1" "$2"
}
