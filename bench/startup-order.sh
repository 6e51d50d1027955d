#!/usr/bin/env bash
# Writes bench/startup.order: the functions a launch runs, in the order it first
# runs them. The static launcher is linked with lld's --symbol-ordering-file
# of this list (meson.build), so start-up code sits on a few contiguous pages
# instead of being spread over the whole 2.5 MB of code: about 18 fewer page
# faults per launch, each costing microseconds (bench/results).
#
#   bench/startup-order.sh [BUILD_DIR...]    (default: build-bench, release)
#
# Each build's sandbox is single-stepped (bench_steptrace) through typical
# launches — rules as flags, a JSON policy, a profile with includes,
# --version — and the instruction addresses are mapped to symbols with nm.
# Several build directories (e.g. a release and a debugoptimized build, whose
# inlining differs) give the union of their lists. Rerun it after changes to
# the start-up path; a stale list only costs speed (bench/run.sh reports how
# much of it the built binary still matches).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
builds=("$@")
((${#builds[@]})) || builds=("$src/build-bench")
out=$src/bench/startup.order

work=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-order.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/rw"
for b in "${builds[@]}"; do
  if [ ! -f "$b/build.ninja" ]; then
    meson setup "$b" "$src" --buildtype=release >/dev/null
  fi
  ninja -C "$b" sandbox bench/bench_steptrace bench/bench_true >/dev/null
done
cp "${builds[0]}/bench/bench_true" "$work/bin/true"
cat >"$work/policy.json" <<JSON
{"filesystem": {"ro": ["/usr", "/etc", "/lib"], "rox": ["$work/bin"], "rw": ["$work/rw"]}}
JSON

: >"$work/all"
for b in "${builds[@]}"; do
  sb=$(cd "$b" && pwd)/sandbox
  trace() { "$b/bench/bench_steptrace" "$sb" "$@" >"$work/addrs" 2>"$work/err" ||
    { cat "$work/err" >&2; exit 1; }; }
  nm --defined-only -t d "$sb" | awk '$2 ~ /^[tTwWiI]$/ { print $1, $3 }' | sort -n >"$work/syms"
  for run in flags json profile version; do
    case $run in
      flags) trace --ro /usr --ro /etc --ro /lib --rox "$work/bin" --rw "$work/rw" -- "$work/bin/true" ;;
      json) trace --policy "$work/policy.json" -- "$work/bin/true" ;;
      profile) trace --profile shell -- /bin/true ;;
      version) trace --version >/dev/null ;;
    esac
    # Address -> the symbol at or below it (binary search), first use only.
    awk 'NR == FNR { a[n] = $1 + 0; s[n++] = $2; next }
         { x = $1 + 0; lo = 0; hi = n - 1; if (x < a[0]) next
           while (lo < hi) { mid = int((lo + hi + 1) / 2); if (a[mid] <= x) lo = mid; else hi = mid - 1 }
           if (!(s[lo] in seen)) { seen[s[lo]] = 1; print s[lo] } }' \
      "$work/syms" "$work/addrs" >>"$work/all"
  done
done
awk '!seen[$0]++' "$work/all" >"$out"
echo "startup-order: $(wc -l <"$out") functions -> $out" >&2
