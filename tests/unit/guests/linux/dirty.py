#!/usr/bin/env python3
"""tern-dirty (guests/linux/dirty.c) run natively: mini's lines, paced and
unpaced passes, a page changed behind its back caught, bad arguments.

    dirty.py TERN-DIRTY

The lines are matched with the patterns the KVM tests use on mini
(tests/kvm/dirty.sh, ternd_save.sh).  The page is changed through
/proc/PID/mem, which a parent may write.
"""
import re
import subprocess
import sys

HEADER = re.compile(r'^dirty: (\d+) MiB of RAM from 0x([0-9a-f]+) \(1 extent\), '
                    r'rate (\d+) MiB/s \(0: unpaced\), TSC [1-9]\d* Hz$')
PASS = re.compile(r'^dirty: pass ([0-9]+) verified$')
PAGE = 4096


def fail(msg):
    print('FAIL: ' + msg)
    sys.exit(1)


def start(prog, arg):
    return subprocess.Popen([prog, arg], stdout=subprocess.PIPE, text=True)


def header(p, mib, rate):
    line = p.stdout.readline().rstrip('\n')
    m = HEADER.match(line)
    if not m or int(m.group(1)) != mib or int(m.group(3)) != rate:
        fail('header line: %r' % line)
    return int(m.group(2), 16)


def passes(p, count):
    """Reads count pass lines; they must number 1, then increase."""
    last = 0
    for _ in range(count):
        line = p.stdout.readline().rstrip('\n')
        m = PASS.match(line)
        if not m or int(m.group(1)) <= last or (last == 0 and m.group(1) != '1'):
            fail('pass line after pass %d: %r' % (last, line))
        last = int(m.group(1))
    return last


def stop(p):
    p.kill()
    p.wait()


def main():
    prog = sys.argv[1]
    for arg, mib, rate in (('4', 4, 0), ('dirty=4,rate=64', 4, 64)):
        p = start(prog, arg)
        header(p, mib, rate)
        print('%s: pass %d' % (arg, passes(p, 4)))
        stop(p)

    # Page 0 is rewritten right after a pass line: changed after that line,
    # the next pass finds it (a retry if the write came first after all).
    p = start(prog, '2,rate=4')
    base = header(p, 2, 4)
    line = p.stdout.readline().rstrip('\n')
    for _ in range(5):
        if not PASS.match(line):
            break
        with open('/proc/%d/mem' % p.pid, 'r+b', buffering=0) as mem:
            mem.seek(base + 200)
            mem.write(b'\xa5' * 8)
        line = p.stdout.readline().rstrip('\n')
    if not re.match(r'^dirty: CORRUPT page 0 pass [0-9]+ \(header: magic 0x7974726964696e6d '
                    r'pass [0-9]+ index 0\)$', line):
        fail('after the write: %r' % line)
    if p.wait() != 1:
        fail('status %d after CORRUPT' % p.returncode)

    for arg in ('0', '4,rate=', '4,rate=0', 'x', '4 ', '99999999999999999999', '2000000000'):
        r = subprocess.run([prog, arg], capture_output=True, text=True)
        want = 'dirty: bad arguments in "%s", expected dirty=<MiB>[,rate=<MiB/s>]\n' % arg
        if r.returncode != 2 or r.stdout != want:
            fail('%r: status %d, %r' % (arg, r.returncode, r.stdout))
    print('PASS')


main()
