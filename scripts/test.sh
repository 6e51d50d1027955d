#!/usr/bin/env bash
# Quick start 2: install, build, and run every test suite: unit, integration
# (the real kernel), shipped policies, the benchmark smoke run, and the kernel
# VM suite (kernel/tsync.patch on Linux 6.12 under QEMU; the built kernels are
# cached outside the clone, a cold run builds two kernels in ~15 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
meson test -C build --print-errorlogs --num-processes 2
if [ "${SANDBOX_SKIP_KERNEL_TESTS:-0}" = 1 ]; then
  echo "kernel VM suite skipped (SANDBOX_SKIP_KERNEL_TESTS=1)"
else
  scripts/kernel-test.sh
fi
