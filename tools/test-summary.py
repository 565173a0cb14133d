#!/usr/bin/env python3
"""Adds up meson's test logs of several build directories.

Prints one line per build, then the closing line "N passed, N failed,
N skipped".  Exits 1 if anything failed, if a build failed, or if a build
ran no test at all.
"""
import argparse
import json
import os
import sys

PASSED = {"OK", "EXPECTEDFAIL"}
SKIPPED = {"SKIP"}


def count(build):
    path = os.path.join(build, "meson-logs", "testlog.json")
    passed = failed = skipped = 0
    failures = []
    if not os.path.exists(path):
        return 0, 0, 0, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            if t["result"] in PASSED:
                passed += 1
            elif t["result"] in SKIPPED:
                skipped += 1
            else:
                failed += 1
                failures.append(f'{t["name"]} ({t["result"]})')
    return passed, failed, skipped, failures


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-failures", type=int, default=0)
    ap.add_argument("builds", nargs="+")
    args = ap.parse_args()
    total = [0, args.build_failures, 0]
    for build in args.builds:
        p, f, s, failures = count(build)
        if p + f + s == 0:
            print(f"{build}: ran no test")
            f = 1
        else:
            print(f"{build}: {p} passed, {f} failed, {s} skipped")
        for name in failures:
            print(f"  failed: {name}")
        total[0] += p
        total[1] += f
        total[2] += s
    if args.build_failures:
        print(f"{args.build_failures} build(s) failed to configure or compile")
    print(f"{total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
