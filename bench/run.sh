#!/usr/bin/env bash
# The benchmark suite of issue 7, in one command:
#
#   bench/run.sh [--quick] [--build DIR] [--out DIR]
#
# Builds a release build (default DIR: build-bench in the source tree) if
# there is none, generates rule trees and policies in a temporary directory,
# and runs every case interleaved, round by round, with bench_driver
# (fork -> execve -> waitpid timed with CLOCK_MONOTONIC; ratios computed pair
# by pair within each round). Writes results.md, results.csv and results.png
# into --out (default: bench/results; with --quick: DIR/bench-results, so a
# smoke run never overwrites the checked-in figures).
#
# --quick: few rounds and small sizes, no bubblewrap/firejail, no package
# installation, no VM; a smoke test for CI (no timing assertions, but any
# failing command fails the run).
#
# Kernel TSYNC vs. the emulation needs a kernel with the flag: bench/kernel.sh
# runs bench_all_threads in the patched 6.12 QEMU/TCG guest of kernel/vm-test.sh
# and writes bench/results/all_threads_vm.md (ratios only; about 6-12 minutes).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
quick=0
build=$src/build-bench
out=
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    -h|--help) sed -n '2,23s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((quick)); then
  out=${out:-$build/bench-results}
else
  out=${out:-$here/results}
fi

log() { echo "bench: [${SECONDS}s] $*" >&2; }

# --- build -----------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$src" --buildtype=release >/dev/null
fi
buildtype=$(meson introspect --buildoptions "$build" 2>/dev/null |
  tr '{' '\n' | grep '"name": "buildtype"' | sed 's/.*"value": "\([a-z]*\)".*/\1/' || true)
[ "$buildtype" = release ] || log "warning: $build is a '$buildtype' build, not release"
ninja -C "$build" sandbox bench/bench_driver bench/bench_ref_launcher bench/bench_true \
  bench/bench_all_threads bench/bench_policy_load >/dev/null

sandbox=$build/sandbox
driver=$build/bench/bench_driver
ref=$build/bench/bench_ref_launcher
policy_load=$build/bench/bench_policy_load
all_threads=$build/bench/bench_all_threads

work=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/bin"
cp "$build/bench/bench_true" "$work/bin/true"
bin=$work/bin
true_cmd=$bin/true

# How the launcher is linked, and how much of src/startup.order (the start-up
# function order lld lays the static launcher out in) it still matches.
if readelf -lW "$sandbox" | grep -q 'INTERP'; then
  link_kind="dynamically linked"
elif readelf -hW "$sandbox" | grep -q 'Type:.*DYN'; then
  link_kind="static PIE"
else
  link_kind="statically linked"
fi
order=$src/src/startup.order
order_found=$(nm --defined-only "$sandbox" | awk 'NR == FNR { want[$1] = 1; n++; next }
  ($3 in want) && !seen[$3]++ { f++ } END { printf "%d of %d", f, n }' "$order" -)
launcher_note="sandbox: $link_kind; start-up order: $order_found functions of src/startup.order in the binary (rerun bench/startup-order.sh when few match)"
log "$launcher_note"

if ((quick)); then
  small_rounds=3; rules_sizes=(10 1000); load_rounds=3; thread_rounds=1
else
  small_rounds=101; rules_sizes=(10 1000 10000 100000); load_rounds=31; thread_rounds=11
fi
rounds_for() {  # rule count -> rounds
  if ((quick)); then echo 3; return; fi
  case $1 in 10) echo 101 ;; 1000) echo 21 ;; 10000) echo 7 ;; *) echo 3 ;; esac
}

csv=$out/results.csv
md=$out/results.md
echo "group,case,label,rounds,median_us,min_us,max_us,baseline,ratio_median,ratio_p10,ratio_p90,cpu_median_us,cpu_ratio_median" >"$csv"
: >"$work/tables.md"

TAB=$'\t'
# case ID BASELINE LABEL ARGV... -> one line of a driver case file
case_line() {
  local IFS=$TAB
  echo "$*"
}

run_group() {  # GROUP ROUNDS TITLE CASEFILE
  local group=$1 rounds=$2 title=$3 cases=$4
  log "$title ($rounds rounds)"
  {
    echo
    echo "### $title"
    echo
    echo "$rounds rounds, interleaved. Ratio: median of the per-round ratios case / baseline (p10–p90)."
    echo "CPU: user + system time of the command (wait4 rusage), steadier than wall time on a loaded machine."
    echo
    echo "| case | median µs | min–max µs | ratio to baseline | CPU median µs | CPU ratio | baseline |"
    echo "|---|---|---|---|---|---|---|"
  } >>"$work/tables.md"
  "$driver" --rounds "$rounds" --warmup 2 --group "$group" --csv "$csv" --md "$work/tables.md" \
    "$cases" >&2
}

# --- (a)-(c), (g): the small policy ------------------------------------------
small=(--rox "$bin" --ro /usr --ro /etc --rw /tmp --rw /dev/null)
cat >"$work/small.json" <<EOF
{"filesystem": {"rox": ["$bin"], "ro": ["/usr", "/etc"], "rw": ["/tmp", "/dev/null"]}}
EOF

notes=("$launcher_note")
others=()
if ((!quick)); then
  for tool in bubblewrap:bwrap firejail:firejail; do
    pkg=${tool%%:*} exe=${tool##*:}
    if ! command -v "$exe" >/dev/null && [ "$(id -u)" -eq 0 ]; then
      log "installing $pkg"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg" \
        >/dev/null 2>&1 || log "could not install $pkg"
    fi
  done
  bwrap_cmd=(bwrap --ro-bind /usr /usr --ro-bind /etc /etc --bind /tmp /tmp
             --dev-bind /dev/null /dev/null --ro-bind "$bin" "$bin" -- "$true_cmd")
  firejail_cmd=(firejail --quiet --noprofile "--whitelist=$bin" -- "$true_cmd")
  for name in bwrap firejail; do
    declare -n cmd="${name}_cmd"
    if ! command -v "${cmd[0]}" >/dev/null; then
      notes+=("$name: not installed (apt-get install failed or not root); skipped")
      continue
    fi
    cmd[0]=$(command -v "${cmd[0]}")
    if err=$("${cmd[@]}" 2>&1 </dev/null); then
      others+=("$(case_line "$name" ref "$name (same policy)" "${cmd[@]}")")
    else
      notes+=("$name: does not run here, skipped: \`$(echo "$err" | head -n1)\`")
    fi
  done
fi

{
  case_line bare - "execve static true" "$true_cmd"
  case_line ref bare "C reference launcher, 5 rules" "$ref" "${small[@]}" -- "$true_cmd"
  case_line flags ref "sandbox, 5 rules as flags" "$sandbox" "${small[@]}" -- "$true_cmd"
  case_line json ref "sandbox, 5 rules as JSON" "$sandbox" --policy "$work/small.json" -- "$true_cmd"
  case_line version bare "sandbox --version (start-up only)" "$sandbox" --version
  for o in "${others[@]}"; do echo "$o"; done
} >"$work/small.cases"
run_group small "$small_rounds" "Small policy (5 rules): launch + exec of a static true" \
  "$work/small.cases"

# --- (d): many rules on generated directories --------------------------------
max=${rules_sizes[-1]}
log "generating $max directories"
awk -v t="$work/tree" -v n="$max" \
  'BEGIN { for (i = 0; i < n; i++) printf "%s/%d/%d\n", t, int(i / 1000), i }' >"$work/all.list"
xargs mkdir -p <"$work/all.list"
for n in "${rules_sizes[@]}"; do
  head -n $((n - 1)) "$work/all.list" >"$work/$n.list"   # + the rule for $bin
  awk 'BEGIN { printf "{\"filesystem\": {\"ro\": [" }
       { printf "%s\"%s\"", (NR > 1 ? ", " : ""), $0 }
       END { print "]}}" }' "$work/$n.list" >"$work/$n.json"
  {
    case_line ref - "C reference launcher, $n rules" "$ref" --rox "$bin" --ro-list "$work/$n.list" \
      -- "$true_cmd"
    case_line json ref "sandbox, $n rules, JSON" "$sandbox" --rox "$bin" --policy "$work/$n.json" \
      -- "$true_cmd"
    if ((n <= 10000)); then
      mapfile -t paths <"$work/$n.list"
      flags=()
      for ((i = 0; i < ${#paths[@]}; i += 500)); do   # --ro a,b,c: 500 paths per argument
        chunk=$(IFS=,; echo "${paths[*]:i:500}")
        flags+=(--ro "$chunk")
      done
      case_line flags ref "sandbox, $n rules, flags" "$sandbox" --rox "$bin" "${flags[@]}" \
        -- "$true_cmd"
    fi
    if ((n >= 1000)); then
      for t in 1 2 4; do
        case_line "threads$t" ref "sandbox, $n rules, JSON, --threads $t" "$sandbox" --threads "$t" \
          --rox "$bin" --policy "$work/$n.json" -- "$true_cmd"
      done
    fi
  } >"$work/rules-$n.cases"
  run_group "rules-$n" "$(rounds_for "$n")" "$n rules (generated directories)" "$work/rules-$n.cases"
done

# --- (e): loading a 1 MB policy with includes -------------------------------
log "generating the 1 MB policy"
parts=8
includes=$(for ((p = 0; p < parts; p++)); do printf '%s"./part%d.json"' "$([ $p -gt 0 ] && echo ', ')" "$p"; done)
echo "{\"description\": \"1 MB benchmark policy\", \"include\": [$includes]}" >"$work/load-main.json"
for ((p = 0; p < parts; p++)); do
  awk -v p="$p" 'BEGIN {
    printf "{\"description\": \"part %d\", \"filesystem\": {\n\"ro\": [", p
    for (i = 0; i < 2600; i++) printf "%s\"/usr/share/bench/part%d/dir%05d/file\"", (i ? ", " : ""), p, i
    printf "],\n\"rules\": ["
    for (i = 0; i < 200; i++) printf "%s{\"path\": \"${HOME}/bench/%d/%d\", \"access\": [\"read_file\", \"write_file\"], \"optional\": true}", (i ? ", " : ""), p, i
    printf "]},\n\"network\": {\"connect_tcp\": [%d]}}\n", 1000 + p
  }' >"$work/part$p.json"
done
load_bytes=$(cat "$work"/load-main.json "$work"/part*.json | wc -c)
read -r l_med l_min l_max l_files l_rules _ < <("$policy_load" --rounds "$load_rounds" "$work/load-main.json")
{
  case_line version - "sandbox --version" "$sandbox" --version
  case_line validate version "sandbox --validate, 1 MB policy" "$sandbox" --validate --policy "$work/load-main.json"
} >"$work/load.cases"
run_group load "$load_rounds" "Policy loading: $load_bytes bytes in $l_files files, $l_rules path rules" \
  "$work/load.cases"
{
  echo
  echo "In process (\`bench_policy_load\`: \`load_policies()\` alone — read, parse, expand, includes, merge;"
  echo "no process start-up): median **$(awk -v x="$l_med" 'BEGIN { printf "%.2f", x / 1000 }') ms**"
  echo "(min–max $(awk -v a="$l_min" -v b="$l_max" 'BEGIN { printf "%.2f–%.2f", a / 1000, b / 1000 }') ms, $load_rounds rounds)."
} >>"$work/tables.md"
echo "load,in-process,load_policies() 1 MB,$load_rounds,$l_med,$l_min,$l_max,,,,,," >>"$csv"

# --- (f): all-thread enforcement ----------------------------------------------
log "all-thread enforcement ($thread_rounds rounds)"
{
  echo
  echo "### All-thread enforcement (\`bench_all_threads\`, emulation)"
  echo
  "$all_threads" --rounds "$thread_rounds"
} >>"$work/tables.md"

# --- per-rule cost --------------------------------------------------------------
hi_n=$max
((max > 10000)) && hi_n=10000
per_rule() {  # CASE-ID COLUMN -> "µs per rule" between the smallest size and hi_n
  awk -F, -v id="$1" -v c="$2" -v lo="rules-${rules_sizes[0]}" -v hi="rules-$hi_n" -v n0="${rules_sizes[0]}" -v n1="$hi_n" '
    $2 == id && $1 == lo { a = $c } $2 == id && $1 == hi { b = $c }
    END { if (a != "" && b != "") printf "%.2f", (b - a) / (n1 - n0) }' "$csv"
}

# --- results.md -----------------------------------------------------------------
{
  echo "# Benchmark results"
  echo
  echo "Generated by \`bench/run.sh$( ((quick)) && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo "Kernel $(uname -r), $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')."
  echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Build: $buildtype."
  echo "Wall figures: fork → execve → waitpid of one command; CPU: its user + system time."
  echo
  echo "Per-rule cost, from ${rules_sizes[0]} to $hi_n rules (difference of medians / rule count), wall (CPU):"
  echo "reference $(per_rule ref 5) ($(per_rule ref 12)) µs, sandbox JSON $(per_rule json 5) ($(per_rule json 12)) µs,"
  echo "sandbox flags $(per_rule flags 5) ($(per_rule flags 12)) µs."
  for n in "${notes[@]}"; do
    echo
    echo "- $n"
  done
  cat "$work/tables.md"
} >"$md"

# --- plot -------------------------------------------------------------------------
if ! command -v gnuplot >/dev/null && ((!quick)) && [ "$(id -u)" -eq 0 ]; then
  log "installing gnuplot-nox"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends gnuplot-nox \
    >/dev/null 2>&1 || log "could not install gnuplot-nox"
fi
if command -v gnuplot >/dev/null; then
  awk -F, '$1 == "small" { printf "%d \"%s\" %s %s\n", n++, $3, $12, $5 }' \
    "$csv" >"$work/small.dat"
  for id in ref json threads2 threads4; do
    awk -F, -v id="$id" '$1 ~ /^rules-/ && $2 == id { n = substr($1, 7); print n, $5 / 1000 }' \
      "$csv" >"$work/rules-$id.dat"
  done
  gnuplot <<EOF
set terminal pngcairo size 1200,500 font ",10"
set output "$out/results.png"
set multiplot layout 1,2
set title "Small policy (5 rules): median CPU µs (bars), median wall µs (points)"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:*]
set xtics rotate by -30 left
set ylabel "µs"
set key left top
plot "$work/small.dat" using 1:3:xtic(2) with boxes lc rgb "#4472c4" title "CPU", \
     "" using 1:4 with points lc rgb "#c00000" pt 7 title "wall"
unset xtics
set xtics
set title "Many rules: median wall ms"
set logscale xy
set xlabel "rules"
set ylabel "ms"
set key left top
set yrange [*:*]
plot "$work/rules-ref.dat" using 1:2 with linespoints title "C reference", \
     "$work/rules-json.dat" using 1:2 with linespoints title "sandbox (JSON)", \
     "$work/rules-threads2.dat" using 1:2 with linespoints title "sandbox --threads 2", \
     "$work/rules-threads4.dat" using 1:2 with linespoints title "sandbox --threads 4"
unset multiplot
EOF
else
  log "gnuplot not found: no results.png"
fi
log "wrote $md, $csv$([ -f "$out/results.png" ] && echo ", $out/results.png")"
