#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang into build-fuzz and runs
# each for SECONDS (default 60) from a temporary copy of its checked-in seed
# corpus (fuzz/corpus/TARGET), so CI never writes into the repository.
# Fails on any crash, leak, UBSan report, timeout (>10 s per input), or
# out-of-memory (>2 GB); the reproducer is kept in the printed directory.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]    targets: policy_json expand flags
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(policy_json expand flags)
fi
"$PWD/scripts/deps.sh" build tools

build=build-fuzz
if [ ! -f "$build/build.ninja" ]; then
  rm -rf "$build"  # a half-configured directory from an interrupted setup
  # The libraries get coverage instrumentation without libFuzzer's main();
  # fuzz/meson.build links -fsanitize=fuzzer into the fuzz executables only.
  # UBSan findings abort instead of printing and carrying on.
  CC=clang CXX=clang++ meson setup "$build" --buildtype=debugoptimized \
    -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' \
    -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all' \
    -Dcpp_link_args='-fno-sanitize-recover=all'
fi
ninja -C "$build" "${targets[@]/#/fuzz/fuzz_}"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
work="$(mktemp -d "${TMPDIR:-/tmp}/sandbox-fuzz.XXXXXX")"
failed=()
for t in "${targets[@]}"; do
  corpus="$work/$t/corpus"
  artifacts="$work/$t/artifacts"
  mkdir -p "$corpus" "$artifacts"
  cp fuzz/corpus/"$t"/* "$corpus"/
  echo "fuzz: $t for ${seconds}s ($(ls "$corpus" | wc -l) seeds)"
  # -print_final_stats gives the execution count for the report line.
  if ! (cd "$work/$t" && "$OLDPWD/$build/fuzz/fuzz_$t" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -dict="$OLDPWD/fuzz/$t.dict" -artifact_prefix="$artifacts/" \
        -print_final_stats=1 "$corpus" >"$work/$t/log" 2>&1); then
    failed+=("$t")
    tail -n 60 "$work/$t/log" >&2
    echo "fuzz: $t FAILED; reproducer in $artifacts:" >&2
    ls -l "$artifacts" >&2
  fi
  grep -E '^stat::number_of_executed_units|^Done' "$work/$t/log" || true
  if [ -z "$(ls -A "$artifacts")" ] && [[ ! " ${failed[*]-} " == *" $t "* ]]; then
    rm -rf "${work:?}/$t"
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in ${failed[*]} (kept in $work)" >&2
  exit 1
fi
rm -rf "$work"
echo "fuzz: ${targets[*]}: no findings in ${seconds}s each"
