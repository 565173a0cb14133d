#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite:
#   build/       unit tests, KVM tests (real domains), QEMU cross-check
#                (the Linux suites linux-boot and linux are run by hand:
#                meson test -C build --suite linux-boot; docs/guests.md)
#   build-san/   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   build-fuzz/  each libFuzzer target for a short run (clang, ASan/UBSan)
# Ends with one line "N passed, N failed, N skipped"; exits non-zero on any
# failure.
set -uo pipefail
cd "$(dirname "$0")/.."

bash tools/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
builds=()
build_failures=0

# run_build DIR SUITES SETUP-ARGS...: configures (once), builds, tests.
run_build() {
	local dir=$1 suites=$2
	shift 2
	builds+=("$dir")
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" || { build_failures=$((build_failures + 1)); return; }
	fi
	rm -f "$dir/meson-logs/testlog.json"
	ninja -C "$dir" || { build_failures=$((build_failures + 1)); return; }
	local args=()
	for s in $suites; do args+=(--suite "$s"); done
	meson test -C "$dir" --print-errorlogs "${args[@]}"
}

run_build build "unit kvm"
run_build build-san "unit kvm" -Db_sanitize=address,undefined -Db_lundef=false
CC=clang run_build build-fuzz "fuzz" -Dfuzzers=true -Db_sanitize=address,undefined \
	-Db_lundef=false

python3 tools/test-summary.py --build-failures "$build_failures" "${builds[@]}"
