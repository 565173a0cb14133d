#!/usr/bin/env bash
# Runs Xen's own stream verifier, verify-stream-v2, on streams that Tern
# wrote.  The verifier is a Python script in Debian's xen-utils-4.17: the
# package is taken from apt's cache or downloaded (apt-get download, no
# install: the Xen hypervisor stays off this machine), unpacked into a
# temporary folder and run from there.
#
#   verify-stream.sh FILE...                 verify each file
#   verify-stream.sh --samples WRITER        WRITER DIR writes streams into
#                                            DIR; verify all of them
# Exits 0 if every stream passes, 1 otherwise.
set -euo pipefail

pkg=xen-utils-4.17
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

fetch_verifier() {
	local deb
	deb=$(ls /var/cache/apt/archives/${pkg}_*_amd64.deb 2>/dev/null | sort -V | tail -n 1 || true)
	if [ -z "$deb" ]; then
		(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null) ||
			(apt-get update -qq && cd "$tmp" && apt-get download -qq "$pkg")
		deb=$(ls "$tmp"/${pkg}_*.deb | head -n 1)
	fi
	dpkg -x "$deb" "$tmp/root"
}

files=()
if [ "${1:-}" = "--samples" ]; then
	mkdir "$tmp/streams"
	"$2" "$tmp/streams"
	files=("$tmp"/streams/*)
else
	files=("$@")
fi
[ "${#files[@]}" -gt 0 ] || { echo "verify-stream: no stream to verify" >&2; exit 1; }

fetch_verifier
verifier=$tmp/root/usr/lib/xen-4.17/bin/verify-stream-v2
export PYTHONPATH=$tmp/root/usr/lib/xen-4.17/lib/python

status=0
for f in "${files[@]}"; do
	if out=$(python3 "$verifier" -f libxl -i "$f" 2>&1); then
		echo "verify-stream: $(basename "$f"): accepted"
	else
		echo "verify-stream: $(basename "$f"): REJECTED"
		echo "$out"
		status=1
	fi
done
exit $status
