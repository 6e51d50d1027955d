#!/usr/bin/env bash
# Quick start 2: install, build, and run every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
meson test -C build --print-errorlogs --num-processes 2
