#!/usr/bin/env bash
# The kernel VM suite (issue: kernel/tsync.patch): builds the patched and the
# unpatched 6.12 kernels (cached outside the clone), a static sandbox and the
# all-threads tests, boots both kernels under QEMU and checks the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ ! -f build-static/build.ninja ]; then
  meson setup build-static -Dstatic_binary=true >/dev/null
fi
ninja -C build-static sandbox tests/system/test_all_threads
extra=$(mktemp -d /tmp/sandbox-guest.XXXXXX)
trap 'rm -rf "$extra"' EXIT
cp build-static/sandbox build-static/tests/system/test_all_threads "$extra/"
strip "$extra/sandbox" "$extra/test_all_threads"
cp tests/kernel/guest-run.sh "$extra/run"
kernel/vm-test.sh --extra "$extra"
