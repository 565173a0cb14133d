#!/usr/bin/env python3
"""Boot latency of tern-hv running guests/mini.

For each run: the time from starting tern-hv to the guest's first console
line, and to tern-hv's exit after the guest powers off.  Prints the median
and minimum over the runs.  Usage:

    tests/bench/boot_latency.py [--runs N] [--build DIR] [--cmdline TEXT]
"""
import argparse
import os
import statistics
import subprocess
import sys
import time


def one_run(hv, mini, cmdline, vcpus):
    start = time.perf_counter()
    p = subprocess.Popen([hv, "--kernel", mini, "--cmdline", cmdline, "--vcpus", str(vcpus)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    first = None
    for _ in p.stdout:
        if first is None:
            first = time.perf_counter() - start
    status = p.wait()
    end = time.perf_counter() - start
    if status != 0 or first is None:
        sys.exit(f"run failed: status {status}")
    return first, end


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--build", default=os.environ.get("TERN_BUILD", "build"))
    ap.add_argument("--cmdline", default="selftest")
    ap.add_argument("--vcpus", type=int, default=1)
    args = ap.parse_args()
    hv = os.path.join(args.build, "hv", "tern-hv")
    mini = os.path.join(args.build, "guests", "mini", "mini")
    runs = [one_run(hv, mini, args.cmdline, args.vcpus) for _ in range(args.runs)]
    firsts = [r[0] * 1000 for r in runs]
    ends = [r[1] * 1000 for r in runs]
    print(f"tern-hv + mini {args.cmdline}, {args.vcpus} vCPU(s), {args.runs} runs")
    print(f"  start to first console line: median {statistics.median(firsts):.1f} ms,"
          f" min {min(firsts):.1f} ms")
    print(f"  start to exit (power-off):   median {statistics.median(ends):.1f} ms,"
          f" min {min(ends):.1f} ms")


if __name__ == "__main__":
    main()
