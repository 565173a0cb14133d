#!/usr/bin/env bash
# Debian's stock cloud kernel booted directly (kernel + initramfs) with 2
# vCPUs, its root disk through xen-blkfront and a network interface through
# xen-netfront on a bridge in a network namespace this test makes:
#   - the shell on hvc0 answers a typed command, and sees 2 CPUs;
#   - a file written and synced in the guest is in the image after
#     power-off;
#   - eth0 pings the host, and a file crosses TCP both ways intact;
#   - poweroff in the guest ends tern-hv with exit status 0.
. "$(dirname "$0")/lib.sh"

NS="tern-linux-$$"
CLEANUP='ip netns del "$NS" 2>/dev/null'
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add tbr0 type bridge
ip -n "$NS" addr add 10.78.0.1/24 dev tbr0
ip -n "$NS" link set tbr0 up

linux_cfg direct "${DIRECT[@]}" "cmdline = \"$LINUX_CMDLINE tern.ip=10.78.0.2/24\"" \
	'vcpus = 2' "vif = [ 'mac=00:16:3e:4c:00:02, bridge=tbr0, vifname=tlin0' ]"

stage "start"
start_linux direct "$NS" -- "$WORK/direct.cfg" -v
wait_boot direct

run_cmd direct 'echo cpus=$(nproc)' '^cpus=2$'
run_cmd direct 'echo mounted=$(grep -c " /mnt ext4 " /proc/mounts)' '^mounted=1$'
run_cmd direct 'echo tern-file-$((40+2)) >/mnt/tern-test.txt && sync && echo synced' '^synced$'
stage "disk written"

run_cmd direct 'ping -c 3 10.78.0.1 >/dev/null && echo ping-ok' '^ping-ok$'
stage "ping answered"

# Host to guest: a 1 MiB random file over HTTP (wget); guest to host: the
# same bytes back over a plain TCP connection (nc), checked by digest.
head -c 1048576 /dev/urandom >"$WORK/blob"
want=$(sha256sum <"$WORK/blob" | cut -d' ' -f1)
ip netns exec "$NS" python3 -m http.server 8080 --bind 10.78.0.1 --directory "$WORK" \
	>/dev/null 2>&1 &
web=$!
ip netns exec "$NS" timeout 600 python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.78.0.1", 5555)); s.listen(1)
c, _ = s.accept()
with open(sys.argv[1], "wb") as f:
    while True:
        b = c.recv(65536)
        if not b:
            break
        f.write(b)
' "$WORK/back" &
sink=$!
run_cmd direct 'wget -q -O /tmp/blob http://10.78.0.1:8080/blob && sha256sum /tmp/blob' \
	"^$want  /tmp/blob$" 600
stage "file fetched over TCP"
run_cmd direct 'nc 10.78.0.1 5555 </tmp/blob; echo sent-$?' '^sent-0$' 600
wait "$sink" || fail "the TCP sink failed"
kill "$web" 2>/dev/null
[ "$(sha256sum <"$WORK/back" | cut -d' ' -f1)" = "$want" ] || fail "the file sent back differs"
stage "file sent over TCP"

type_line 'poweroff -f'
wait_exit direct 0
stage "powered off"
pid=

# The file the guest wrote is in the image (ext4 partition at sector 2048).
got=$(debugfs -R 'cat /tern-test.txt' "$WORK/root.img?offset=1048576" 2>/dev/null)
[ "$got" = "tern-file-42" ] || fail "the image holds '$got', not the guest's file"
grep -E '^tern-init:' "$WORK/direct.out"
echo "PASS"
