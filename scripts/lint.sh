#!/usr/bin/env bash
# Static analysis of src/: the include layering (scripts/check-layers.sh),
# clang-tidy 14 with .clang-tidy (every finding is
# an error) and cppcheck with .cppcheck-suppressions. Both use the compile
# commands of build-lint (configured with clang, never built: setup writes
# config.h and compile_commands.json). Exits non-zero on any finding.
set -euo pipefail
cd "$(dirname "$0")/.."
"$PWD/scripts/deps.sh" build tools
jobs="${LINT_JOBS:-2}"

build=build-lint
if [ ! -f "$build/compile_commands.json" ]; then
  rm -rf "$build"
  CC=clang CXX=clang++ meson setup "$build" >/dev/null
else
  # Picks up new source files and meson.build changes.
  meson setup --reconfigure "$build" >/dev/null
fi

status=0
echo "lint: include layering"
if ! scripts/check-layers.sh src; then
  echo "lint: an include crosses the layering (above)" >&2
  status=1
fi

mapfile -t sources < <(find src -name '*.cpp' | sort)

echo "lint: clang-tidy on ${#sources[@]} files"
# One file per process, $jobs at a time; --quiet keeps only findings.
if ! printf '%s\n' "${sources[@]}" |
     xargs -P "$jobs" -n 1 clang-tidy-14 -p "$build" --quiet \
       2> >(grep -v -E '^[0-9]+ warnings? (and [0-9]+ errors? )?generated' >&2); then
  echo "lint: clang-tidy found problems (above)" >&2
  status=1
fi

echo "lint: cppcheck"
cppcheck_dir="$(mktemp -d "${TMPDIR:-/tmp}/sandbox-cppcheck.XXXXXX")"
trap 'rm -rf "$cppcheck_dir"' EXIT
if ! cppcheck --project="$build/compile_commands.json" --file-filter='src/*' \
     --enable=warning,performance,portability --inline-suppr \
     --suppressions-list=.cppcheck-suppressions --cppcheck-build-dir="$cppcheck_dir" \
     --library=posix --error-exitcode=1 -j "$jobs" --quiet \
     --template='{file}:{line}:{column}: {severity}: {message} [{id}]'; then
  echo "lint: cppcheck found problems (above)" >&2
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "lint: clean"
fi
exit "$status"
