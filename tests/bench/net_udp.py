#!/usr/bin/env python3
"""UDP echo through tern-hv's network backend and mini's nettest mode.

Makes a network namespace with a bridge (10.77.0.1/24), runs tern-hv with
mini in nettest (10.77.0.2) and a vif on that bridge, then from inside the
namespace:
  - round trip: --pings datagrams of --ping-size bytes, one at a time;
    prints the median and the 99th percentile;
  - throughput: --count datagrams of --size bytes with --window of them in
    flight; prints echoed datagrams per second and payload MB/s (each way).
Needs root (namespaces, tap devices) and /dev/kvm.  Usage:

    tests/bench/net_udp.py [--build DIR] [--pings N] [--count N] [--window N] [--size B]
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import time

GUEST_IP, HOST_IP, PORT = "10.77.0.2", "10.77.0.1", 7777
MAC = "00:16:3e:62:65:6e"
BRIDGE, TAP = "bbr0", "bvif0"
TIMEOUT = 5.0
SO_RCVBUFFORCE = 33  # Linux's, which Python's socket module does not name


def peer(args):
    """Runs inside the namespace: the two measurements."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    s.bind((HOST_IP, 0))
    s.connect((GUEST_IP, PORT))
    s.settimeout(TIMEOUT)
    ping = bytes(args.ping_size)
    rtts = []
    for _ in range(args.pings):
        start = time.perf_counter()
        s.send(ping)
        if s.recv(65536) != ping:
            sys.exit("a ping came back different")
        rtts.append((time.perf_counter() - start) * 1e6)
    rtts.sort()
    print(f"round trip, {args.pings} datagrams of {args.ping_size} bytes one at a time:"
          f" median {statistics.median(rtts):.0f} us,"
          f" p99 {rtts[int(len(rtts) * 0.99) - 1]:.0f} us, min {rtts[0]:.0f} us")
    data = bytes(args.size)
    sent = received = 0
    start = time.perf_counter()
    while received < args.count:
        while sent < args.count and sent - received < args.window:
            s.send(data)
            sent += 1
        try:
            s.recv(65536)
        except socket.timeout:
            sys.exit(f"throughput: {sent - received} datagrams lost (window {args.window})")
        received += 1
    secs = time.perf_counter() - start
    print(f"throughput, {args.count} datagrams of {args.size} bytes, window {args.window}:"
          f" {args.count / secs:.0f} datagrams/s, {args.count * args.size / secs / 1e6:.1f} MB/s"
          " each way")
    s.send(b"quit")
    s.recv(65536)


def sh(*cmd):
    subprocess.run(cmd, check=True)


def run(args):
    ns = f"tern-bench-{os.getpid()}"
    hv = os.path.join(args.build, "hv", "tern-hv")
    mini = os.path.join(args.build, "guests", "mini", "mini")
    sh("ip", "netns", "add", ns)
    guest = None
    try:
        sh("ip", "-n", ns, "link", "add", BRIDGE, "type", "bridge")
        sh("ip", "-n", ns, "addr", "add", f"{HOST_IP}/24", "dev", BRIDGE)
        sh("ip", "-n", ns, "link", "set", BRIDGE, "up")
        guest = subprocess.Popen(
            ["ip", "netns", "exec", ns, hv, "--kernel", mini, "--cmdline", f"nettest={GUEST_IP}",
             "--vif", f"mac={MAC}, bridge={BRIDGE}, vifname={TAP}"],
            stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
        for line in guest.stdout:
            if line.startswith("nettest:") and line.rstrip().endswith("ready"):
                break
        else:
            sys.exit(f"nettest did not start: status {guest.wait()}")
        sh("ip", "-n", ns, "link", "set", TAP, "txqueuelen", "10000")
        sh("ip", "netns", "exec", ns, sys.executable, os.path.abspath(__file__), "--peer",
           *sys.argv[1:])
        summary = [line.rstrip() for line in guest.stdout if "datagrams echoed (" in line]
        status = guest.wait(timeout=60)
        print("\n".join(summary) or "(no summary line)")
        if status:
            sys.exit(f"tern-hv exit status {status}")
    finally:
        if guest and guest.poll() is None:
            guest.kill()
            guest.wait()
        subprocess.run(["ip", "netns", "del", ns], check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.environ.get("TERN_BUILD", "build"))
    ap.add_argument("--pings", type=int, default=1000)
    ap.add_argument("--ping-size", type=int, default=64)
    ap.add_argument("--count", type=int, default=20000)
    ap.add_argument("--window", type=int, default=64)
    ap.add_argument("--size", type=int, default=1400)
    ap.add_argument("--peer", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peer:
        peer(args)
    else:
        print("tern-hv + mini nettest, UDP echo over a bridge in a network namespace")
        run(args)


if __name__ == "__main__":
    main()
