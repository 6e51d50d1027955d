#!/usr/bin/env bash
# The benchmark suite of issue 7, in one command:
#
#   bench/run.sh [--quick] [--build DIR] [--out DIR] [--only report-denials|learn]
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
# --only report-denials: runs just the --report-denials section (launch
# overhead of the supervisor on a denial-free run; N = 100 000 denied opens,
# 2 000 with --quick: time and completeness of the report) and replaces that
# section of an existing results.md (and its rows of results.csv) in place,
# leaving the other figures as they were; about 1 minute. The section needs
# root (CAP_AUDIT_READ; CAP_AUDIT_CONTROL when the kernel's audit switch is
# off, which the launcher turns on and off itself) and Landlock ABI 6; it is
# skipped with a note otherwise. The kernel's audit switch and backlog limit
# (a report raises it) are read before and after (bench_denials
# --audit-status, no auditctl needed): a run that leaves them changed fails.
#
# --only learn: runs just the --learn section and replaces it (and its rows
# of results.csv) in place the same way. Workloads generated in the temporary
# directory: a build of 50 C files (make -B -j2), tar -cf of 10 000 small
# files and tar -xf of them (10 C files, 1 000 files with --quick), each run
# untraced, under sandbox --learn FILE, under bench_learn_floor (the same
# filter, nothing recorded: the floor of the design) and under strace -f -e
# trace=%file,%network (and strace --seccomp-bpf), interleaved; strace from
# scripts/deps.sh programs (installed here when missing, not with --quick:
# then skipped with a note). About 10 minutes; 20-30 s with --quick.
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
only=
while (($#)); do
  case $1 in
    --quick) quick=1 ;;
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    --only) only=$2; shift ;;
    -h|--help) sed -n '2,43s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
case $only in
  ''|report-denials|learn) ;;
  *) echo "bench/run.sh: --only $only: the sections that can run alone are report-denials and learn" >&2
     exit 2 ;;
esac
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
  bench/bench_all_threads bench/bench_policy_load bench/bench_denials bench/bench_learn_floor >/dev/null

sandbox=$build/sandbox
driver=$build/bench/bench_driver
ref=$build/bench/bench_ref_launcher
policy_load=$build/bench/bench_policy_load
all_threads=$build/bench/bench_all_threads
denials=$build/bench/bench_denials
floor=$build/bench/bench_learn_floor

work=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/bin"
cp "$build/bench/bench_true" "$work/bin/true"
bin=$work/bin
true_cmd=$bin/true

# How the launcher is linked, and how much of bench/startup.order (the start-up
# function order lld lays the static launcher out in) it still matches.
if readelf -lW "$sandbox" | grep -q 'INTERP'; then
  link_kind="dynamically linked"
elif readelf -hW "$sandbox" | grep -q 'Type:.*DYN'; then
  link_kind="static PIE"
else
  link_kind="statically linked"
fi
order=$src/bench/startup.order
order_found=$(nm --defined-only "$sandbox" | awk 'NR == FNR { want[$1] = 1; n++; next }
  ($3 in want) && !seen[$3]++ { f++ } END { printf "%d of %d", f, n }' "$order" -)
launcher_note="sandbox: $link_kind; start-up order: $order_found functions of bench/startup.order in the binary (rerun bench/startup-order.sh when few match)"
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
[ -n "$only" ] && csv=$work/results.csv   # merged into $out/results.csv at the end
echo "group,case,label,rounds,median_us,min_us,max_us,baseline,ratio_median,ratio_p10,ratio_p90,cpu_median_us,cpu_ratio_median" >"$csv"
: >"$work/tables.md"

TAB=$'\t'
# case ID BASELINE LABEL ARGV... -> one line of a driver case file
case_line() {
  local IFS=$TAB
  echo "$*"
}

# Appends to $tables_md (default: the tables of results.md); $group_warmup
# warm-up rounds (default 2); $group_heading: the title's heading (###).
run_group() {  # GROUP ROUNDS TITLE CASEFILE
  local group=$1 rounds=$2 title=$3 cases=$4 tables=${tables_md:-$work/tables.md}
  log "$title ($rounds rounds)"
  {
    echo
    echo "${group_heading:-###} $title"
    echo
    echo "$rounds rounds, interleaved. Ratio: median of the per-round ratios case / baseline (p10–p90)."
    echo "CPU: user + system time of the command (wait4 rusage), steadier than wall time on a loaded machine."
    echo
    echo "| case | median µs | min–max µs | ratio to baseline | CPU median µs | CPU ratio | baseline |"
    echo "|---|---|---|---|---|---|---|"
  } >>"$tables"
  "$driver" --rounds "$rounds" --warmup "${group_warmup:-2}" --group "$group" --csv "$csv" \
    --md "$tables" "$cases" >&2
}

# --- --report-denials: its cases (run last; with --only, alone) ---------------
# The supervisor's cost on a run without denials (after the command ends it
# sends an AUDIT_USER barrier and waits for it to come back), and a run of N
# denied opens (bench_denials): time, and how many of the kernel's denials
# the report received. Every timed run keeps its JSON report (@ROUND@, see
# driver.c), and every one is read. The section is one marked block of
# results.md, so that --only report-denials can replace it in place.
report_begin='<!-- bench section report-denials (bench/run.sh --only report-denials regenerates it) -->'
report_end='<!-- end of bench section report-denials -->'

audit_status() {  # -> "enabled=E pid=P lost=L backlog_limit=B rate_limit=R" (AUDIT_GET)
  "$denials" --audit-status
}
status_field() {  # STATUS KEY -> value
  sed -n "s/.*\\b$2=\\([0-9]*\\).*/\\1/p" <<<"$1"
}
# What a report changes: the audit switch (on when off) and the backlog
# limit (raised for the report); "enabled=E backlog_limit=B" of a status.
audit_settings() {  # STATUS -> "enabled=E backlog_limit=B"
  echo "enabled=$(status_field "$1" enabled) backlog_limit=$(status_field "$1" backlog_limit)"
}
# The settings as they are when no report runs. A report that changed them
# records it in the launcher's decision file, "ON BACKLOG" (ON: 1 when a
# report turned audit on; BACKLOG: the limit a report replaced, 0 for none;
# src/enforce/audit_switch.cpp), and the last report to end sets them back.
# So while another report runs (e.g. the integration tests'), the settings
# the section must leave are the recorded ones, not the current ones.
resting_settings() {  # STATUS -> "enabled=E backlog_limit=B"
  local enabled backlog on=0 from=0
  enabled=$(status_field "$1" enabled)
  backlog=$(status_field "$1" backlog_limit)
  read -r on from _ 2>/dev/null </run/sandbox-audit.lock || true
  [ "$enabled" = 1 ] && [ "${on:-0}" = 1 ] && enabled=0
  [[ ${from:-0} =~ ^[1-9][0-9]*$ ]] && backlog=$from
  echo "enabled=$enabled backlog_limit=$backlog"
}

# One --report-denials=json report -> "received kernel_denials lost counted
# distinct dropped overflows undrained alive": its top-level counts, the sum
# and number of its distinct denials, and what its notes say was lost (records
# the audit subsystem dropped, overflows of the supervisor's receive buffer,
# an undrained queue, a domain still alive). Parses the launcher's
# pretty-printed JSON with awk: no jq needed on the CI machine.
report_summary() {  # FILE
  awk '
    /^  "received": /       { v = $2; sub(/,$/, "", v); rec = v }
    /^  "kernel_denials": / { v = $2; sub(/,$/, "", v); ker = v }
    /^  "lost": /           { v = $2; sub(/,$/, "", v); lost = v }
    /^      "count": /      { v = $2; sub(/,$/, "", v); cnt += v; distinct++ }
    /^  "notes": \[$/       { notes = 1; next }
    notes && /^  \]/        { notes = 0 }
    notes {
      if (match($0, /dropped [0-9]+ record/)) dropped += substr($0, RSTART + 8, RLENGTH - 15)
      if (match($0, /overflowed [0-9]+ time/)) over += substr($0, RSTART + 11, RLENGTH - 16)
      if ($0 ~ /did not drain/) undrained = 1
      if ($0 ~ /still running/) alive = 1
    }
    END {
      if (rec == "" || ker == "" || lost == "") exit 1
      printf "%s %s %s %d %d %d %d %d %d\n", rec, ker, lost, cnt, distinct, dropped, over,
        undrained, alive
    }' "$1"
}

source_revision() {  # -> "abc1234", "abc1234 with uncommitted changes in src/"
  local rev
  rev=$(git -C "$src" rev-parse --short HEAD 2>/dev/null) || { echo "an unknown revision"; return; }
  if git -C "$src" diff --quiet HEAD -- src 2>/dev/null; then
    echo "$rev"
  else
    echo "$rev with uncommitted changes in src/"
  fi
}

report_section() {  # MD-FILE: runs the section, writes its marked block there
  local out_md=$1 n rounds_o rounds_d rdir=$work/reports err before after status0 status1
  if ((quick)); then n=2000; rounds_o=3; rounds_d=3; else n=100000; rounds_o=101; rounds_d=11; fi
  local n_text
  n_text=$(sed ':a;s/\B[0-9]\{3\}\>/ &/;ta' <<<"$n")   # 100000 -> 100 000
  echo "$report_begin" >"$out_md"
  skip_section() {
    log "--report-denials: skipped: $1"
    {
      echo
      echo "### \`--report-denials\`"
      echo
      echo "Skipped: $1."
      echo
      echo "$report_end"
    } >>"$out_md"
  }
  if [ "$(id -u)" -ne 0 ]; then
    skip_section "not run as root (the report reads audit records: CAP_AUDIT_READ)"
    return 0
  fi
  mkdir -p "$rdir"
  cp "$denials" "$bin/denials"
  local target=$work/denied-file   # outside the policy, which is --rox $bin alone
  echo denied >"$target"
  status0=$(audit_status)
  local load0
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  before=$(resting_settings "$status0")
  if [ "$(audit_settings "$status0")" != "$before" ]; then
    log "warning: another --report-denials run is changing the audit settings ($before when no report runs):" \
      "its records and this section's share the kernel's audit queue"
  fi
  # The probe: the kernel and the capabilities, and a policy under which the
  # static true makes no denial at all.
  if ! err=$("$sandbox" --report-denials=json --report-to "$rdir/probe.json" --rox "$bin" \
               -- "$true_cmd" 2>&1 </dev/null); then
    if [[ $err == *"needs Landlock's audit records"* ]]; then
      skip_section "this kernel has no Landlock audit records (ABI < 6): \`${err%%$'\n'*}\`"
      return 0
    fi
    echo "bench: sandbox --report-denials fails here: $err" >&2
    exit 1
  fi
  # REPORT WHAT: exits the bench unless REPORT is readable and has no denial.
  require_no_denials() {
    local summary rec distinct
    summary=$(report_summary "$1") || { echo "bench: unreadable report $1" >&2; exit 1; }
    read -r rec _ _ _ distinct _ <<<"$summary"
    if [ "$rec" != 0 ] || [ "$distinct" != 0 ]; then
      echo "bench: $2 ($1):" >&2
      cat "$1" >&2
      exit 1
    fi
  }
  require_no_denials "$rdir/probe.json" "the denial-free policy (--rox $bin) made denials"

  # Launch overhead, no denial.
  {
    # The bare exec: the scale of process creation on this machine today.
    case_line bare - "execve static true" "$true_cmd"
    case_line plain - "sandbox --rox DIR, static true" "$sandbox" --rox "$bin" -- "$true_cmd"
    case_line json plain "the same + --report-denials=json --report-to FILE" "$sandbox" \
      --report-denials=json --report-to "$rdir/overhead-@ROUND@.json" --rox "$bin" -- "$true_cmd"
    case_line text plain "the same + --report-denials (text, to stderr)" "$sandbox" \
      --report-denials --rox "$bin" -- "$true_cmd"
  } >"$work/report-overhead.cases"
  {
    echo
    echo "### \`--report-denials\`: the supervisor's cost, and a run of $n_text denials"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh$( ((quick)) && echo ' --quick')$([ -n "$only" ] && echo " --only $only")\`$(
      [ -n "$only" ] && echo " (the figures above it come from an earlier full run)")"
    echo "on kernel $(uname -r), build: $buildtype ($link_kind) of $(source_revision);"
    echo "load average at the start: $load0."
    echo "Kernel audit status before the section: \`$status0\` (no audit daemon when pid=0)$(
      [ "$(audit_settings "$status0")" != "$before" ] &&
        echo "; another report running at the same time had changed it from \`$before\`")."
    echo "The supervisor forks the command, and after it ends sends an AUDIT_USER barrier message and waits for it to come back"
    echo "(and, only after denials, for the domain's deallocation record); it turns the audit switch on when it is off and raises"
    echo "the audit backlog limit, and the last report to end sets both back."
  } >>"$out_md"
  group_heading='####' tables_md=$out_md run_group report-overhead "$rounds_o" \
    "Launch overhead on a run without denials" "$work/report-overhead.cases"
  over_us() {  # CASE-ID COLUMN -> that column of this case in the overhead group
    awk -F, -v id="$1" -v c="$2" '$1 == "report-overhead" && $2 == id { print $c }' "$csv"
  }
  {
    echo
    echo "Policy \`--rox DIR\` (the directory of the static \`true\` alone); every timed report was checked: no denial, no record."
    echo "With the JSON report, median wall $(awk -v a="$(over_us plain 5)" -v b="$(over_us json 5)" 'BEGIN { printf "%+.2f", (b - a) / 1000 }') ms,"
    echo "median CPU (command + supervisor) $(awk -v a="$(over_us plain 12)" -v b="$(over_us json 12)" 'BEGIN { printf "%+.2f", (b - a) / 1000 }') ms."
  } >>"$out_md"
  local f s
  for f in "$rdir"/overhead-*.json; do
    require_no_denials "$f" "a denial-free run reported denials"
  done

  # N denials.
  {
    case_line plain - "sandbox, $n_text denied opens" "$sandbox" --rox "$bin" -- "$bin/denials" "$n" "$target"
    case_line json plain "the same + --report-denials=json --report-to FILE" "$sandbox" \
      --report-denials=json --report-to "$rdir/denials-@ROUND@.json" --rox "$bin" \
      -- "$bin/denials" "$n" "$target"
    # One denial: the fixed cost of a report with denials (the wait for the
    # domain's deallocation record), to tell it from the cost per denial.
    case_line plain1 - "sandbox, 1 denied open" "$sandbox" --rox "$bin" -- "$bin/denials" 1 "$target"
    case_line json1 plain1 "the same + --report-denials=json --report-to FILE" "$sandbox" \
      --report-denials=json --report-to "$rdir/one-@ROUND@.json" --rox "$bin" \
      -- "$bin/denials" 1 "$target"
  } >"$work/report-denials.cases"
  group_heading='####' group_warmup=1 tables_md=$out_md run_group "report-$n" "$rounds_d" \
    "$n_text denied opens" "$work/report-denials.cases"
  {
    echo
    echo "\`bench_denials $n PATH\` (static): open(PATH, O_RDONLY) $n_text times, PATH outside the policy, every open refused (EACCES)."
    echo "Kernel audit records of each denial: the Landlock access record and the syscall's own records (SYSCALL, PROCTITLE)."
  } >>"$out_md"

  median_of() {  # CASE-ID -> median wall µs of this group
    awk -F, -v g="report-$n" -v id="$1" '$1 == g && $2 == id { print $5 }' "$csv"
  }
  local plain_us json_us plain1_us json1_us
  plain_us=$(median_of plain)
  json_us=$(median_of json)
  plain1_us=$(median_of plain1)
  json1_us=$(median_of json1)
  for f in "$rdir"/one-[0-9]*.json; do
    s=$(report_summary "$f") || { echo "bench: unreadable report $f" >&2; exit 1; }
  done
  {
    echo
    echo "Per denial (median wall / $n_text): sandbox alone $(awk -v t="$plain_us" -v n="$n" 'BEGIN { printf "%.2f", t / n }') µs,"
    echo "with the report $(awk -v t="$json_us" -v n="$n" 'BEGIN { printf "%.2f", t / n }') µs,"
    echo "$(awk -v a="$plain_us" -v b="$json_us" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }') µs more per denial;"
    echo "without the fixed cost of a report with denials (the 1-denial pair: $(awk -v a="$plain1_us" -v b="$json1_us" 'BEGIN { printf "%.1f", (b - a) / 1000 }') ms more),"
    echo "$(awk -v a="$plain_us" -v b="$json_us" -v a1="$plain1_us" -v b1="$json1_us" -v n="$n" 'BEGIN { printf "%.2f", ((b - a) - (b1 - a1)) / (n - 1) }') µs more per denial."
    echo "The CPU column counts the supervisor and the command, not the kernel's kauditd thread that formats and sends the records."
    echo
    echo "Completeness, from each timed round's report (kernel = the \`denials=\` count of the domain's deallocation record,"
    echo "\`kernel_denials\`; lost = \`lost\` of the report; dropped = records the audit subsystem dropped during the run, all record types,"
    echo "as the report's note says; overflows = the supervisor's receive buffer):"
    echo
    echo "| round | received | kernel | lost | received / kernel | sum of counts | dropped (audit) | overflows | notes |"
    echo "|---|---|---|---|---|---|---|---|---|"
  } >>"$out_md"
  local r rec ker lost cnt distinct dropped over undrained alive line
  : >"$work/report-rounds.txt"
  for ((r = 0; r < rounds_d; r++)); do
    f=$rdir/denials-$r.json
    s=$(report_summary "$f") || { echo "bench: unreadable report $f" >&2; exit 1; }
    read -r rec ker lost cnt distinct dropped over undrained alive <<<"$s"
    echo "$s" >>"$work/report-rounds.txt"
    line=""
    ((undrained)) && line+="queue not drained in time; "
    ((alive)) && line+="domain not deallocated in time; "
    [ "$distinct" != 1 ] && line+="$distinct distinct denials; "
    [ "$ker" != null ] && [ "$ker" != "$n" ] && line+="kernel count is not $n; "
    echo "| $r | $rec | $ker | $lost | $(awk -v a="$rec" -v b="$ker" 'BEGIN { if (b == "null" || b == 0) print "—"; else printf "%.1f %%", 100 * a / b }') | $cnt | $dropped | $over | ${line%; } |" >>"$out_md"
  done
  # Medians over the rounds (kernel: rounds where the deallocation record arrived).
  local summary
  summary=$(awk -v n="$n" '
    function med(a, k,   i, j, t) {
      for (i = 2; i <= k; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
      return k ? a[int((k + 1) / 2)] : "—"
    }
    { rec[NR] = $1; recs[NR] = $1; lost[NR] = $3; if ($2 != "null") { ker[++k] = $2; if ($2 != n) bad++ } }
    END {
      for (i = 1; i <= NR; i++) { if (i == 1 || rec[i] < lo) lo = rec[i]; if (i == 1 || rec[i] > hi) hi = rec[i] }
      printf "received median %s (min–max %s–%s) of %d; %d of %d rounds had the kernel count%s; lost median %s",
        med(recs, NR), lo, hi, n, k, NR, (bad ? ", " bad " of them not " n : (k ? ", always " n : "")), med(lost, NR)
    }' "$work/report-rounds.txt")
  log "--report-denials, $n_text denials: $summary"
  {
    echo
    echo "Summary: $summary."
  } >>"$out_md"

  # The audit settings as the section found them, once no other report
  # holds them (one may run for a while: wait up to 60 s).
  local tries=0
  status1=$(audit_status)
  after=$(audit_settings "$status1")
  while [ "$after" != "$before" ] && ((tries++ < 600)); do
    sleep 0.1
    status1=$(audit_status)
    after=$(audit_settings "$status1")
  done
  if [ "$after" != "$before" ]; then
    echo "bench: the kernel's audit settings were '$before' before the --report-denials cases" \
      "(status: $status0) and are '$after' after them (status: $status1)" >&2
    exit 1
  fi
  {
    echo
    echo "Kernel audit status after the section: \`$status1\`: the switch and the backlog limit as they were;"
    echo "the kernel's lost counter (system-wide, cumulative since boot) rose by $(( $(status_field "$status1" lost) - $(status_field "$status0" lost) ))."
    echo
    echo "$report_end"
  } >>"$out_md"
}

# --- --learn: the tracer's overhead on real work -------------------------------
# Three workloads generated here (nothing downloaded): a build of generated C
# files (make -B -j2: every object rebuilt every run), tar -cf of a tree of
# small files, and tar -xf of it over the tree the previous run left (GNU
# tar's default there: the open with O_EXCL fails, unlink, create again: the
# same work every run). Each runs (a) untraced, (b) under sandbox --learn, and,
# where strace is installed, (c) under Debian's strace with its default
# ptrace stops and (d) with --seccomp-bpf (strace's filter mode: stops only
# on the traced calls, like --learn's notifications; not with --quick), and
# (e) under bench_learn_floor: the same filter, every notification answered
# at once, nothing recorded: the kernel's round trip, the floor of the design;
# (b) - (e) is the launcher's own work. A run of the static true gives the
# fixed costs (fork, filter, the building blocks --learn subtracts, writing
# FILE), subtracted from the costs per operation. One probe run per workload, outside the timing, reads the
# launcher's closing line: how many notifications it answered. Like
# report-denials, one marked block of results.md (--only learn).
learn_begin='<!-- bench section learn (bench/run.sh --only learn regenerates it) -->'
learn_end='<!-- end of bench section learn -->'

# DIR N: N C files of a few functions each (stdio.h, stdlib.h, string.h,
# ctype.h), a main.c that calls them, and a Makefile that links them.
learn_c_project() {
  local dir=$1 n=$2 i
  mkdir -p "$dir"
  for ((i = 0; i < n; i++)); do
    cat >"$dir/unit$i.c" <<C
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct item$i { char name[32]; int value; };

static int compare$i(const void* a, const void* b) {
    const struct item$i* x = a;
    const struct item$i* y = b;
    return x->value - y->value + strcmp(x->name, y->name);
}

char* unit${i}_upper(const char* s) {
    char* copy = strdup(s);
    for (char* p = copy; p != NULL && *p != '\0'; ++p) {
        *p = (char)toupper((unsigned char)*p);
    }
    return copy;
}

int unit${i}_sort(int n) {
    struct item$i* items = calloc((size_t)n, sizeof *items);
    if (items == NULL) {
        return -1;
    }
    for (int k = 0; k < n; ++k) {
        snprintf(items[k].name, sizeof items[k].name, "item-%d-%d", $i, (k * 7919) % n);
        items[k].value = (k * 31 + $i) % 97;
    }
    qsort(items, (size_t)n, sizeof *items, compare$i);
    const int first = items[0].value;
    free(items);
    return first;
}

int unit${i}_run(void) {
    char* up = unit${i}_upper("unit $i");
    const int r = unit${i}_sort(16 + $i) + (int)strlen(up);
    free(up);
    return r;
}
C
  done
  {
    echo "#include <stdio.h>"
    for ((i = 0; i < n; i++)); do echo "int unit${i}_run(void);"; done
    echo "int main(void) {"
    echo "    long total = 0;"
    for ((i = 0; i < n; i++)); do echo "    total += unit${i}_run();"; done
    echo "    printf(\"%ld\\n\", total);"
    echo "    return 0;"
    echo "}"
  } >"$dir/main.c"
  {
    echo "OBJS = main.o $(for ((i = 0; i < n; i++)); do printf 'unit%d.o ' "$i"; done)"
    echo "prog: \$(OBJS)"
    printf '\tgcc -o $@ $(OBJS)\n'
    echo "%.o: %.c"
    printf '\tgcc -O2 -Wall -c $< -o $@\n'
  } >"$dir/Makefile"
}

# DIR N: N small files (about 60 bytes each), 100 to a directory.
learn_file_tree() {
  awk -v t="$1" -v n="$2" 'BEGIN {
    for (i = 0; i < n; i++) {
      d = sprintf("%s/d%03d", t, int(i / 100))
      if (i % 100 == 0) system("mkdir -p \"" d "\"")
      f = sprintf("%s/f%05d.txt", d, i)
      printf "small file %d of the --learn benchmark tree\n", i >f
      close(f)
    }
  }'
}

learn_section() {  # MD-FILE: runs the section, writes its marked block there
  local out_md=$1 ldir=$work/learn n_c n_files rounds_f rounds_w rounds_t warm_w
  # rounds_f: the static true; rounds_w: the build; rounds_t: tar. With
  # --quick no warm-up round (the probe run warms the caches) and no (d).
  if ((quick)); then
    n_c=10; n_files=1000; rounds_f=3; rounds_w=3; rounds_t=3; warm_w=0
  else
    n_c=50; n_files=10000; rounds_f=21; rounds_w=11; rounds_t=15; warm_w=1
  fi
  local files_text
  files_text=$(sed ':a;s/\B[0-9]\{3\}\>/ &/;ta' <<<"$n_files")
  echo "$learn_begin" >"$out_md"
  mkdir -p "$ldir"
  cp "$build/bench/bench_true" "$ldir/true"
  # The probe: --learn works here at all (seccomp user notification).
  local err
  if ! err=$("$sandbox" --learn "$ldir/probe.json" -- "$ldir/true" 2>&1 </dev/null); then
    if [[ $err == *"cannot install the seccomp filter"* ]]; then
      log "--learn: skipped: ${err%%$'\n'*}"
      {
        echo
        echo "### \`--learn\`"
        echo
        echo "Skipped: this kernel has no seccomp user notification: \`${err%%$'\n'*}\`."
        echo
        echo "$learn_end"
      } >>"$out_md"
      return 0
    fi
    echo "bench: sandbox --learn fails here: $err" >&2
    exit 1
  fi

  local strace_exe n notes_l=()
  if ! command -v strace >/dev/null && ((!quick)) && [ "$(id -u)" -eq 0 ]; then
    log "installing strace"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends strace \
      >/dev/null 2>&1 || log "could not install strace"
  fi
  strace_exe=$(command -v strace || true)
  if [ -z "$strace_exe" ]; then
    notes_l+=("strace is not installed (scripts/deps.sh programs installs it): its cases were skipped")
  elif ! err=$("$strace_exe" -f -e trace=%file,%network -o /dev/null "$ldir/true" 2>&1 </dev/null); then
    notes_l+=("strace does not run here (\`${err%%$'\n'*}\`): its cases were skipped")
    strace_exe=
  fi
  local strace_cmd=() strace_bpf_cmd=()
  if [ -n "$strace_exe" ]; then
    strace_cmd=("$strace_exe" -f -e trace=%file,%network -o /dev/null)
    ((quick)) || strace_bpf_cmd=("$strace_exe" --seccomp-bpf -f -e trace=%file,%network -o /dev/null)
  fi

  # The workloads: WORKLOAD-ID, label, rounds, argv (tab-separated in a list).
  local workloads=()
  local make_exe gcc_exe tar_exe
  make_exe=$(command -v make || true)
  gcc_exe=$(command -v gcc || true)
  tar_exe=$(command -v tar || true)
  if [ -n "$make_exe" ] && [ -n "$gcc_exe" ]; then
    log "--learn: generating $n_c C files"
    learn_c_project "$ldir/cc" "$n_c"
    workloads+=("cc${TAB}build of $n_c generated C files + link (make -B -j2, gcc -O2)${TAB}$rounds_w${TAB}$make_exe${TAB}-s${TAB}-B${TAB}-j2${TAB}-C${TAB}$ldir/cc")
  else
    notes_l+=("make or gcc is not installed (scripts/deps.sh programs): the build workload was skipped")
  fi
  if [ -n "$tar_exe" ]; then
    log "--learn: generating $n_files files"
    learn_file_tree "$ldir/tree" "$n_files"
    mkdir -p "$ldir/extract"
    "$tar_exe" -cf "$ldir/source.tar" -C "$ldir" tree
    "$tar_exe" -xf "$ldir/source.tar" -C "$ldir/extract"   # the tree each run replaces
    workloads+=("tar-c${TAB}tar -cf of $files_text small files in $((n_files / 100)) directories${TAB}$rounds_t${TAB}$tar_exe${TAB}-cf${TAB}$ldir/archive.tar${TAB}-C${TAB}$ldir${TAB}tree")
    workloads+=("tar-x${TAB}tar -xf of the same $files_text files over the previous run's tree${TAB}$rounds_t${TAB}$tar_exe${TAB}-xf${TAB}$ldir/source.tar${TAB}-C${TAB}$ldir/extract")
  else
    notes_l+=("tar is not installed: the tar workloads were skipped")
  fi

  local load0
  load0=$(cut -d' ' -f1-3 /proc/loadavg)
  {
    echo
    echo "### \`--learn\`: the tracer's overhead on a build and on tar"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/run.sh$( ((quick)) && echo ' --quick')$([ -n "$only" ] && echo " --only $only")\`$(
      [ -n "$only" ] && echo " (the figures above it come from an earlier full run)")"
    echo "on kernel $(uname -r), $(nproc) CPU(s), build: $buildtype ($link_kind) of $(source_revision);"
    echo "load average at the start: $load0."
    echo "Each workload runs (a) untraced, (b) under \`sandbox --learn FILE --\` (a seccomp user-notification filter: every open, exec,"
    echo "mkdir, unlink, rename, ioctl, bind, connect, ... stops until the launcher has recorded it and answered CONTINUE; FILE is"
    echo "written at the end), (c) under \`strace -f -e trace=%file,%network -o /dev/null\` (Debian's strace $(
      [ -n "$strace_exe" ] && "$strace_exe" -V 2>/dev/null | sed -n '1s/.*version //p'), a ptrace stop at every system call),"
    echo "(d) the same with \`--seccomp-bpf\` (strace stops only at the traced calls; not with \`--quick\`), and (e) under"
    echo "\`bench_learn_floor\`: the same filter, every notification answered CONTINUE at once, nothing read or recorded"
    echo "(the kernel's round trip alone: the floor of a tracer that stops at these calls). The goal (issue): (b) under 1.5× (a)"
    echo "and faster than (c). Operations: the count on the launcher's closing line (\`from N operation(s)\`) of one probe run."
    for n in "${notes_l[@]}"; do
      echo
      echo "- $n"
    done
  } >>"$out_md"

  # The fixed cost: a static true (no traced call but its execve).
  {
    case_line plain - "static true, untraced" "$ldir/true"
    case_line learn plain "sandbox --learn FILE -- static true" "$sandbox" --learn "$ldir/learned-true.json" \
      -- "$ldir/true"
    case_line floor plain "bench_learn_floor static true" "$floor" "$ldir/true"
    if [ -n "$strace_exe" ]; then
      case_line strace plain "strace -f -e trace=%file,%network static true" "${strace_cmd[@]}" "$ldir/true"
    fi
  } >"$work/learn-true.cases"
  group_heading='####' tables_md=$out_md run_group learn-true "$rounds_f" \
    "Fixed cost: a static true" "$work/learn-true.cases"
  # GROUP CASE BASE COLUMN OPS -> µs per operation of CASE over BASE in
  # GROUP (COLUMN 5: median wall, 12: median CPU), less the same difference
  # for the static true (the fixed costs).
  per_op() {
    awk -F, -v g="$1" -v c="$2" -v b="$3" -v col="$4" -v n="$5" '
      $1 == g && $2 == c { x = $col } $1 == g && $2 == b { y = $col }
      $1 == "learn-true" && $2 == c { fx = $col } $1 == "learn-true" && $2 == b { fy = $col }
      END { printf "%.1f", ((x - y) - (fx - fy)) / n }' "$csv"
  }
  learn_us() {  # GROUP CASE-ID COLUMN -> that column of the case
    awk -F, -v g="$1" -v id="$2" -v c="$3" '$1 == g && $2 == id { print $c }' "$csv"
  }

  local w id label rounds argv ops unread n summary_rows=()
  for w in "${workloads[@]}"; do
    IFS=$TAB read -r id label rounds argv <<<"$w"
    local cmd=()
    IFS=$TAB read -r -a cmd <<<"$argv"
    # The probe: the number of notifications, and that the workload runs.
    if ! err=$("$sandbox" --learn "$ldir/probe-$id.json" -- "${cmd[@]}" 2>&1 </dev/null); then
      echo "bench: sandbox --learn -- ${cmd[*]} fails: $err" >&2
      exit 1
    fi
    ops=$(sed -n 's/.* from \([0-9]*\) operation(s).*/\1/p' <<<"$err" | tail -n1)
    unread=$(sed -n 's/.*(\([0-9]*\) could not be read).*/\1/p' <<<"$err" | tail -n1)
    [[ $ops =~ ^[1-9][0-9]*$ ]] || { echo "bench: no operation count in: $err" >&2; exit 1; }
    {
      case_line plain - "untraced" "${cmd[@]}"
      case_line learn plain "sandbox --learn FILE --" "$sandbox" --learn "$ldir/learned-$id.json" -- "${cmd[@]}"
      case_line floor plain "bench_learn_floor (same filter, bare CONTINUE)" "$floor" "${cmd[@]}"
      if [ -n "$strace_exe" ]; then
        case_line strace plain "strace -f -e trace=%file,%network" "${strace_cmd[@]}" "${cmd[@]}"
      fi
      if ((${#strace_bpf_cmd[@]})); then
        case_line strace-bpf plain "strace --seccomp-bpf (same filter)" "${strace_bpf_cmd[@]}" "${cmd[@]}"
      fi
    } >"$work/learn-$id.cases"
    group_heading='####' group_warmup=$warm_w tables_md=$out_md run_group "learn-$id" "$rounds" \
      "$label" "$work/learn-$id.cases"
    local b c d learn_w learn_c trip_w trip_c own_w own_c
    b=$(learn_us "learn-$id" learn 5)
    c=$(learn_us "learn-$id" strace 5)
    d=$(learn_us "learn-$id" strace-bpf 5)
    learn_w=$(per_op "learn-$id" learn plain 5 "$ops")
    learn_c=$(per_op "learn-$id" learn plain 12 "$ops")
    trip_w=$(per_op "learn-$id" floor plain 5 "$ops")
    trip_c=$(per_op "learn-$id" floor plain 12 "$ops")
    own_w=$(per_op "learn-$id" learn floor 5 "$ops")
    own_c=$(per_op "learn-$id" learn floor 12 "$ops")
    {
      echo
      echo "Command: \`$(sed "s|$ldir/||g; s|$ldir|.|g" <<<"${cmd[*]}")\` (in the generated directory); $ops operations notified per run$(
        [ -n "$unread" ] && echo " ($unread could not be read)")."
      echo "Per operation, wall (CPU), the static true's differences subtracted: \`--learn\` $learn_w µs ($learn_c µs),"
      echo "of which the bare notification round trip (\`bench_learn_floor\`) $trip_w µs ($trip_c µs)"
      echo "and the launcher's own work (\`--learn\` − floor) $own_w µs ($own_c µs)$(
        [ -n "$c" ] && awk -v b="$b" -v c="$c" 'BEGIN { printf "; median --learn / median strace: %.2f", b / c }')$(
        [ -n "$d" ] && awk -v b="$b" -v d="$d" 'BEGIN { printf ", / strace --seccomp-bpf: %.2f", b / d }')."
    } >>"$out_md"
    summary_rows+=("$id${TAB}$label${TAB}$ops${TAB}$learn_w ($learn_c)${TAB}$own_w ($own_c)")
  done

  # The summary: one line per workload.
  {
    echo
    echo "#### Summary"
    echo
    echo "Ratios: median of the per-round ratios to the untraced run of the same round (p10–p90)."
    echo "Floor: \`bench_learn_floor\`, the same filter with every notification answered at once (nothing read or recorded):"
    echo "what any tracer that stops every such call costs here."
    echo
    echo "| workload | untraced ms | \`--learn\` ms | floor ms | strace ms | \`--learn\` / untraced | floor / untraced | strace / untraced | operations | µs per operation, wall (CPU) | launcher's own µs per operation | \`--learn\` < 1.5× | \`--learn\` faster than strace |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  } >>"$out_md"
  local row per_all per_own
  for row in "${summary_rows[@]}"; do
    IFS=$TAB read -r id label ops per_all per_own <<<"$row"
    awk -F, -v g="learn-$id" -v label="$label" -v ops="$ops" -v per="$per_all" -v own="$per_own" '
      $1 == g { med[$2] = $5; r[$2] = $9; lo[$2] = $10; hi[$2] = $11 }
      function ms(id) { return (id in med) ? sprintf("%.1f", med[id] / 1000) : "—" }
      function ratio(id) { return (id in med) ? sprintf("%.2f× (%.2f–%.2f)", r[id], lo[id], hi[id]) : "—" }
      END {
        goal = r["learn"] < 1.5 ? "yes" : "**no**"
        fast = ("strace" in med) ? (med["learn"] < med["strace"] ? "yes" : "**no**") : "—"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", label, ms("plain"),
          ms("learn"), ms("floor"), ms("strace"), ratio("learn"), ratio("floor"), ratio("strace"), ops, per,
          own, goal, fast
      }' "$csv" >>"$out_md"
  done
  {
    echo
    echo "µs per operation: (median of the case − median of its baseline − the same difference for the static true) / operations;"
    echo "wall, and in parentheses CPU (user + system of every process of the run, the launcher's included). Where the command"
    echo "runs jobs in parallel (\`make -j2\`) the wall figure means little (the launcher's work overlaps the other job): read the CPU."
    echo "No timing is asserted: the bench reports."
    echo
    echo "$learn_end"
  } >>"$out_md"
  log "--learn: $(awk -F, '$1 ~ /^learn-/ && $2 == "learn" { printf "%s %.2fx  ", $1, $9 }' "$csv")"
}

# MD-FILE BEGIN END CSV-PREFIX: the marked block BEGIN..END of results.md
# replaced by MD-FILE (or appended), and the rows of results.csv whose group
# starts with CSV-PREFIX by this run's; everything else stays as the last
# full run left it.
merge_section() {
  local new=$1 begin=$2 end=$3 prefix=$4
  if [ -f "$md" ]; then
    awk -v b="$begin" -v e="$end" -v new="$new" '
      $0 == b { skip = 1; while ((getline l < new) > 0) print l; done = 1; next }
      skip { if ($0 == e) skip = 0; next }
      { print }
      END { if (!done) { print ""; while ((getline l < new) > 0) print l } }' "$md" >"$work/merged.md"
    cp "$work/merged.md" "$md"
  else
    { echo "# Benchmark results"; echo; cat "$new"; } >"$md"
  fi
  if [ -f "$out/results.csv" ]; then
    { grep -v "^$prefix" "$out/results.csv"; tail -n +2 "$csv"; } >"$work/merged.csv"
    cp "$work/merged.csv" "$out/results.csv"
  else
    cp "$csv" "$out/results.csv"
  fi
}

case $only in
  report-denials)
    report_section "$work/report.md"
    merge_section "$work/report.md" "$report_begin" "$report_end" report-
    log "wrote the report-denials section of $md and $out/results.csv"
    exit 0 ;;
  learn)
    learn_section "$work/learn.md"
    merge_section "$work/learn.md" "$learn_begin" "$learn_end" learn-
    log "wrote the learn section of $md and $out/results.csv"
    exit 0 ;;
esac

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

# --- --report-denials ---------------------------------------------------------
report_section "$work/report.md"
{ echo; cat "$work/report.md"; } >>"$work/tables.md"

# --- --learn ------------------------------------------------------------------
learn_section "$work/learn.md"
{ echo; cat "$work/learn.md"; } >>"$work/tables.md"

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
