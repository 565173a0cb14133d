#!/usr/bin/env bash
# The network backend with mini's nettest: in a network namespace of its
# own, a bridge with the host's address and tern-hv's tap on it (bridge=),
# then net_peer.py checks ARP, ICMP echo, one UDP echo byte for byte and a
# burst of 10,000 numbered datagrams that must all come back in order, and
# stops the guest with a "quit" datagram.  A second run attaches to a tap
# device made beforehand (vifname= alone) and checks the same with a
# smaller burst.  The namespace, and with it every device, goes on exit.
. "$(dirname "$0")/lib.sh"
require_kvm

NS="tern-net-$$"
BR=tbr0
TAP=tvif0
GUEST_IP=10.77.0.2
HOST_IP=10.77.0.1
MAC=00:16:3e:4d:49:4e
BURST=10000
# Room in the tap's queue for the whole burst: the backend stops reading the
# tap while the guest has no receive buffer posted, and the kernel drops
# what does not fit.
QLEN=20000

hv_pid=
cleanup() {
	[ -n "$hv_pid" ] && kill -KILL "$hv_pid" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$NS" || fail "cannot create network namespace $NS"
nsrun() { ip netns exec "$NS" "$@"; }
nsrun ip link set lo up
nsrun ip link add "$BR" type bridge
nsrun ip addr add "$HOST_IP/24" dev "$BR"
nsrun ip link set "$BR" up

# start_hv NAME VIF: tern-hv in the namespace (ip netns exec becomes it), in
# the background; waits for nettest's ready line.
start_hv() {
	ip netns exec "$NS" "$HV" -v --kernel "$MINI" --cmdline "nettest=$GUEST_IP" --vif "$2" \
		>"$WORK/$1.out" 2>"$WORK/$1.err" </dev/null &
	hv_pid=$!
	wait_for_line "$1" '^nettest: .* ready$' 1 60
}

# finish_hv NAME BURST: waits (up to 60 s) for tern-hv's exit and checks the
# guest's summary.
finish_hv() {
	local i
	for ((i = 0; i < 600; i++)); do
		kill -0 "$hv_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$hv_pid" 2>/dev/null && { show "$1"; fail "$1: the guest did not power off"; }
	status=0
	wait "$hv_pid" || status=$?
	hv_pid=
	expect_status "$1" 0
	expect_line "$1" "^nettest: $(($2 + 2)) datagrams echoed \([0-9]+ bytes\), [1-9][0-9]* ARP replies, 1 ICMP echo replies, [0-9]+ ignored, 0 bad$"
	expect_line "$1" '^nettest: rx .* 0 errors; tx .* 0 errors; 0 grants kept$'
}

# 1. bridge=: tern-hv makes the tap and enslaves it.
start_hv bridge "mac=$MAC, bridge=$BR, vifname=$TAP"
[ "$(nsrun cat "/sys/class/net/$TAP/master/ifindex" 2>/dev/null)" = \
	"$(nsrun cat "/sys/class/net/$BR/ifindex")" ] || { show bridge; fail "$TAP is not on $BR"; }
nsrun ip link set "$TAP" txqueuelen "$QLEN"
nsrun python3 "$TERN_SOURCE/tests/kvm/net_peer.py" "$BR" "$GUEST_IP" "$MAC" "$BURST" ||
	{ show bridge; fail "bridge: the peer's checks failed"; }
finish_hv bridge "$BURST"
! nsrun ip link show "$TAP" >/dev/null 2>&1 || fail "bridge: $TAP outlived tern-hv"

# 2. vifname= alone: an existing tap, which the host addresses directly.
nsrun ip link del "$BR"
nsrun ip tuntap add dev "$TAP" mode tap
nsrun ip link set "$TAP" txqueuelen "$QLEN"
nsrun ip addr add "$HOST_IP/24" dev "$TAP"
nsrun ip link set "$TAP" up
start_hv tap "mac=$MAC, vifname=$TAP"
nsrun python3 "$TERN_SOURCE/tests/kvm/net_peer.py" "$TAP" "$GUEST_IP" "$MAC" 1000 ||
	{ show tap; fail "tap: the peer's checks failed"; }
finish_hv tap 1000
nsrun ip link show "$TAP" >/dev/null || fail "tap: the existing tap went away with tern-hv"

grep '^nettest: [0-9]* datagrams echoed (' "$WORK/bridge.out"
echo "PASS"
