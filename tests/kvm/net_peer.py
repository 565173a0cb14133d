#!/usr/bin/env python3
"""The host side of tests/kvm/net.sh, run inside the test's network namespace.

Usage: net_peer.py DEV GUEST_IP GUEST_MAC COUNT

Talks to mini's nettest mode (guests/mini/nettest.c) at GUEST_IP through
the bridge or tap DEV, which holds the host's address, and checks:
  1. an ARP request for GUEST_IP gets a reply from GUEST_MAC, addressed to us;
  2. an ICMP echo request gets its reply, payload intact;
  3. a UDP datagram comes back byte for byte, from GUEST_IP and the port it
     was sent to, and the kernel's neighbour entry for GUEST_IP holds GUEST_MAC;
  4. a burst of COUNT numbered datagrams of varied sizes, all sent before any
     is read, comes back complete and in order, each byte for byte;
  5. a "quit" datagram is echoed (the guest then powers off).
Exits 1 with a message on the first failure.
"""
import socket
import struct
import subprocess
import sys
import threading
import time

PORT = 7777
TIMEOUT = 10.0
BURST_TIMEOUT = 120.0
RCVBUF = 64 << 20
ETH_P_ARP = 0x0806
# Linux's socket options that exceed net.core.[rw]mem_max (CAP_NET_ADMIN);
# Python's socket module does not name them.
SO_SNDBUFFORCE, SO_RCVBUFFORCE = 32, 33


def fail(msg):
    sys.exit(f"FAIL: {msg}")


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def arp_check(dev, my_ip, guest_ip, guest_mac):
    """An ARP request sent on dev; the guest's reply must name it and us."""
    my_mac = mac_bytes(open(f"/sys/class/net/{dev}/address").read().strip())
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((dev, ETH_P_ARP))
    s.settimeout(1.0)
    req = (b"\xff" * 6 + my_mac + struct.pack("!HHHBBH", ETH_P_ARP, 1, 0x0800, 6, 4, 1) +
           my_mac + socket.inet_aton(my_ip) + b"\0" * 6 + socket.inet_aton(guest_ip))
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        s.send(req)
        try:
            while True:
                f = s.recv(2048)
                if len(f) < 42 or struct.unpack("!H", f[20:22])[0] != 2:
                    continue
                if f[28:32] != socket.inet_aton(guest_ip):
                    continue
                if f[6:12] != guest_mac or f[22:28] != guest_mac:
                    fail(f"ARP reply from {f[22:28].hex(':')}, expected {guest_mac.hex(':')}")
                if f[0:6] != my_mac or f[32:38] != my_mac or f[38:42] != socket.inet_aton(my_ip):
                    fail("ARP reply not addressed to the asker")
                print(f"peer: ARP {guest_ip} is-at {guest_mac.hex(':')}")
                return
        except socket.timeout:
            pass
    fail("no ARP reply")


def icmp_sum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def icmp_check(guest_ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(TIMEOUT)
    payload = bytes(range(56))
    ident, seq = 0x4D49, 1
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + payload
    s.sendto(msg[:2] + struct.pack("!H", icmp_sum(msg)) + msg[4:], (guest_ip, 0))
    while True:
        try:
            pkt, addr = s.recvfrom(2048)
        except socket.timeout:
            fail("no ICMP echo reply")
        icmp = pkt[(pkt[0] & 0xF) * 4:]
        if addr[0] != guest_ip or icmp[0] != 0:
            continue
        if icmp_sum(icmp) or struct.unpack("!HH", icmp[4:8]) != (ident, seq) or icmp[8:] != payload:
            fail("bad ICMP echo reply")
        print("peer: ICMP echo answered")
        return


def udp_socket(my_ip):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
    s.setsockopt(socket.SOL_SOCKET, SO_SNDBUFFORCE, RCVBUF)
    s.bind((my_ip, 0))
    s.settimeout(TIMEOUT)
    return s


def echo_one(s, guest_ip, payload):
    s.sendto(payload, (guest_ip, PORT))
    try:
        data, addr = s.recvfrom(65536)
    except socket.timeout:
        fail(f"no echo of a {len(payload)}-byte datagram")
    if addr != (guest_ip, PORT) or data != payload:
        fail(f"echo from {addr} of {len(data)} bytes differs from the {len(payload)} sent")


def neighbour_check(dev, guest_ip, guest_mac):
    out = subprocess.run(["ip", "neigh", "show", guest_ip, "dev", dev], capture_output=True,
                         text=True, check=True).stdout
    if f"lladdr {guest_mac.hex(':')}" not in out:
        fail(f"neighbour entry for {guest_ip}: {out.strip()!r}")
    print(f"peer: neighbour entry {out.strip()}")


def numbered(i):
    size = 8 + (i * 37) % 1400
    return struct.pack("!I", i) + bytes((i + k) & 0xFF for k in range(size - 4))


def burst(s, guest_ip, count):
    got = []

    def reader():
        s.settimeout(BURST_TIMEOUT)
        try:
            while len(got) < count:
                got.append(s.recvfrom(65536))
        except socket.timeout:
            pass

    t = threading.Thread(target=reader)
    t.start()
    start = time.monotonic()
    for i in range(count):
        s.sendto(numbered(i), (guest_ip, PORT))
    t.join()
    secs = time.monotonic() - start
    for k, (data, addr) in enumerate(got):
        seq = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else -1
        if seq != k:
            fail(f"burst: datagram {k} received is number {seq}")
        if addr != (guest_ip, PORT) or data != numbered(k):
            fail(f"burst: datagram {k} differs from what was sent")
    if len(got) != count:
        fail(f"burst: {len(got)} of {count} datagrams came back")
    print(f"peer: burst of {count} datagrams echoed complete and in order in {secs:.2f} s")


def main():
    dev, guest_ip, guest_mac, count = sys.argv[1], sys.argv[2], mac_bytes(sys.argv[3]), \
        int(sys.argv[4])
    my_ip = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", dev], capture_output=True,
                           text=True, check=True).stdout.split()[3].split("/")[0]
    arp_check(dev, my_ip, guest_ip, guest_mac)
    icmp_check(guest_ip)
    s = udp_socket(my_ip)
    echo_one(s, guest_ip, bytes(range(256)) * 4)
    print("peer: a 1024-byte datagram came back byte for byte")
    neighbour_check(dev, guest_ip, guest_mac)
    burst(s, guest_ip, count)
    s.settimeout(TIMEOUT)
    echo_one(s, guest_ip, b"quit")
    print("peer: quit echoed")


if __name__ == "__main__":
    main()
