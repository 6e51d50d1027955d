#!/usr/bin/env bash
# Learned policies against the shipped program profiles:
#
#   bench/learn-profiles.sh --build DIR [--out FILE] [--only NAME]... [--keep]
#
# For each shipped program profile in policies/ (every *.json but the building
# blocks system-base, dns, tls-trust, user-db, tty, no-agents and git-config)
# runs a representative job of its program (after tests/programs) in a fresh
# fixture: a temporary HOME with a fake ~/.ssh/id_rsa, a work directory as PWD
# and a private TMPDIR, in a fixed environment (env -i: PATH, HOME, PWD, LANG,
# USER, TMPDIR, SANDBOX_POLICY_PATH=policies/ of this tree), as
#
#   sandbox --learn learned.json --learn-check -- JOB...
#
# Each job is first run twice without a sandbox in a fixture of its own, to
# show that a second run on the state the first left ends the same way (the
# replay of --learn-check is such a second run). Network jobs talk to loopback
# servers only: python3 -m http.server on 127.0.0.1 for curl and wget, a
# python3 listener answering a non-SSH banner for ssh (as tests/programs; no
# sshd needed); the http-server job serves one GET from 127.0.0.1 and is ended
# with SIGINT, in the learning run and again in the replay.
#
# Then compares the effective rules (includes expanded) of `sandbox
# --explain=json --policy learned.json -- PROG` and `sandbox --explain=json
# --profile NAME -- PROG`, run in the fixture's environment: number of rules
# (distinct resolved paths), number of distinct rights, the includes, and
# which is tighter: A is within B when every (path, right) A grants is granted
# by a rule of B on that path or a directory above it. Ports and scopes are
# compared in the notes. Writes Markdown to --out (default:
# bench/results/learned-vs-profiles.md).
#
# A job whose learning or replay fails is recorded as such, with what sandbox
# printed. Exit status 0 when every job ran (whatever its outcome), 1 when a
# job could not be set up (a program missing: scripts/deps.sh programs).
# As root (CAP_AUDIT_READ) with Landlock ABI 7 the replay also checks for
# denials. --only NAME runs only that profile (repeatable); --keep leaves the
# fixtures (their directory is printed). Takes about 10-20 s.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
build=
out=$src/bench/results/learned-vs-profiles.md
keep=0
only=()
while (($#)); do
  case $1 in
    --build) build=$2; shift ;;
    --out) out=$2; shift ;;
    --only) only+=("$2"); shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
    *) echo "learn-profiles.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$build" ] || { echo "learn-profiles.sh: --build DIR is required (see --help)" >&2; exit 2; }
sandbox=$(cd "$build" && pwd)/sandbox
[ -x "$sandbox" ] || { echo "learn-profiles.sh: no $sandbox (ninja -C $build sandbox)" >&2; exit 2; }
policies=$src/policies
python=/usr/bin/python3
[ -x "$python" ] || { echo "learn-profiles.sh: needs $python" >&2; exit 2; }
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

blocks=" system-base dns tls-trust user-db tty no-agents git-config "
root=$(mktemp -d "${TMPDIR:-/tmp}/learn-profiles.XXXXXX")
root=$(realpath "$root")
servers=$root/servers  # pids of the loopback servers running now
: >"$servers"
stop_servers() {
  local pid
  for pid in $(cat "$servers"); do kill "$pid" 2>/dev/null || true; done
  : >"$servers"
}
cleanup() {
  stop_servers
  if ((keep)); then
    echo "learn-profiles.sh: fixtures kept in $root" >&2
  else
    rm -rf "$root"
  fi
}
trap cleanup EXIT

log() { printf 'learn-profiles: %s\n' "$*" >&2; }

# The absolute path of an installed program, as tests/programs finds it.
program() {
  local d
  for d in /usr/bin /bin /usr/local/bin; do
    if [ -x "$d/$1" ]; then printf '%s\n' "$d/$1"; return 0; fi
  done
  echo "$1 is not installed: run scripts/deps.sh programs (as root)" >&2
  return 1
}

free_port() {
  "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_free() {
  "$python" -c 'import socket, sys; s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)' "$1"
}

# Until something accepts on 127.0.0.1:PORT (10 s).
wait_port() {
  local i
  for ((i = 0; i < 200; i++)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

# Every descendant of PID (children first).
descendants() {
  local kids kid
  kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
  for kid in $kids; do
    echo "$kid"
    descendants "$kid"
  done
}

# The first running descendant of PID whose command name starts with NAME,
# other than the pid EXCEPT (10 s).
find_descendant() {
  local i pid
  for ((i = 0; i < 200; i++)); do
    for pid in $(descendants "$1"); do
      [ "$pid" != "${3:-}" ] && running "$pid" || continue
      if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2"* ]]; then echo "$pid"; return 0; fi
    done
    sleep 0.05
  done
  return 1
}

# Whether PID runs (a zombie does not).
running() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}

# Waits up to SECONDS for PID to end, then kills it and its descendants.
give_up_after() {
  local i pid
  for ((i = 0; i < $1 * 10; i++)); do
    running "$2" || return 0
    sleep 0.1
  done
  log "pid $2 still running after $1 s: killed"
  for pid in $(descendants "$2") "$2"; do kill -KILL "$pid" 2>/dev/null || true; done
}

# --- fixture ---------------------------------------------------------------

fx=       # this profile's fixture directory
JOB=()    # the job's command
EXTRA=()  # extra environment of the job
EXPECT=0  # the job's own exit status when it works
NOTE=     # how the job talks to its server, or why it is as it is
CHECK=    # a shell test (in $fx/work) that the job did its work

new_fixture() {
  fx=$root/$1
  mkdir -p "$fx/home/.ssh" "$fx/work" "$fx/tmp" "$fx/srv"
  printf -- '-----BEGIN FAKE PRIVATE KEY-----\n' >"$fx/home/.ssh/id_rsa"
  chmod 600 "$fx/home/.ssh/id_rsa"
  JOB=(); EXTRA=(); EXPECT=0; NOTE=; CHECK=
}

job_env() {
  printf '%s\0' PATH=/usr/local/bin:/usr/bin:/bin "HOME=$fx/home" "PWD=$fx/work" LANG=C.UTF-8 \
    USER=sandbox-bench "TMPDIR=$fx/tmp" "SANDBOX_POLICY_PATH=$policies" "${EXTRA[@]}"
}

# Runs "$@" in the fixture's work directory and environment.
in_fixture() {
  local env=()
  mapfile -d '' env < <(job_env)
  (cd "$fx/work" && exec env -i "${env[@]}" "$@")
}

source_tree() {
  mkdir -p "$fx/work/src/sub"
  printf 'alpha\n' >"$fx/work/src/a.txt"
  printf 'beta\n' >"$fx/work/src/sub/b.txt"
}

# python3 -m http.server on 127.0.0.1 serving $fx/srv; prints the port.
start_http_server() {
  local port
  port=$(free_port)
  printf 'hello from the loopback server\n' >"$fx/srv/x"
  "$python" -m http.server "$port" --bind 127.0.0.1 --directory "$fx/srv" \
    >"$fx/server.log" 2>&1 </dev/null &
  echo $! >>"$servers"
  wait_port "$port" || { log "the loopback HTTP server did not start"; return 1; }
  echo "$port"
}

# A listener on 127.0.0.1 that answers every connection with a non-SSH banner.
start_banner_server() {
  local port
  port=$(free_port)
  "$python" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(8)
while True:
    c, _ = s.accept()
    c.sendall(b"not an ssh server\r\n")
    c.close()
' "$port" >"$fx/server.log" 2>&1 </dev/null &
  echo $! >>"$servers"
  wait_port "$port" || { log "the loopback banner server did not start"; return 1; }
  echo "$port"
}

git_identity=(GIT_AUTHOR_NAME="Sandbox Bench" GIT_AUTHOR_EMAIL=bench@example.invalid
              GIT_COMMITTER_NAME="Sandbox Bench" GIT_COMMITTER_EMAIL=bench@example.invalid
              GIT_CONFIG_NOSYSTEM=1)

# A repository in work/ with one commit of a.txt, then a.txt changed.
git_repo() {
  local git=$1
  printf 'one\n' >"$fx/work/a.txt"
  in_fixture "$git" init -q . && in_fixture "$git" add a.txt &&
    in_fixture "$git" commit -q -m first || return 1
  printf 'one\ntwo\n' >"$fx/work/a.txt"
}

# --- the jobs: job_NAME sets JOB (and EXTRA, EXPECT, NOTE, CHECK) -----------
# Each job, run twice in a row without a sandbox, succeeds both times with the
# same exit status (the replay of --learn-check runs on the state the learning
# run left): outputs are overwritten, commits allowed to be empty, and so on.

job_tar() {
  local tar; tar=$(program tar) || return 1
  source_tree
  JOB=("$tar" -czf src.tgz src)
  CHECK='[ -s src.tgz ]'
}

job_gzip() {
  local gzip; gzip=$(program gzip) || return 1
  printf 'some data\n' >"$fx/work/data.txt"
  # gzip -k data.txt (tests/programs) refuses to overwrite data.txt.gz on a
  # second run (exit 2, even unconfined); -f replaces it, by removing the old
  # one first: learned from a fresh state, the policy lacks remove_file and
  # the replay (which finds data.txt.gz) is denied. So it is learned from the
  # state it runs in, as sandbox(1) advises: after one run.
  in_fixture "$gzip" -kf data.txt || return 1
  JOB=("$gzip" -kf data.txt)
  CHECK='[ -s data.txt.gz ]'
  NOTE='-f: gzip -k alone exits 2 on a second run, even unconfined, as data.txt.gz exists; learned after one unconfined run (data.txt.gz exists), since -f removes the old file first, which a first run never does (sandbox(1), Limits)'
}

job_jq() {
  local jq; jq=$(program jq) || return 1
  printf '{"a": [1, 2, 3], "b": {"c": "x"}}\n' >"$fx/work/d.json"
  JOB=("$jq" -c '[.a[] | . * 10], .b.c' d.json)
}

job_sqlite3() {
  local sqlite3; sqlite3=$(program sqlite3) || return 1
  JOB=("$sqlite3" t.db "create table if not exists t(x); insert into t values (42), (7); select sum(x) from t;")
  CHECK='[ -s t.db ]'
}

job_rsync() {
  local rsync; rsync=$(program rsync) || return 1
  source_tree
  JOB=("$rsync" -a src/ dst/)
  CHECK='cmp -s src/sub/b.txt dst/sub/b.txt'
}

job_git() {
  local git; git=$(program git) || return 1
  EXTRA=("${git_identity[@]}")
  git_repo "$git" || return 1
  # --allow-empty: the replay has nothing left to commit.
  JOB=("$git" commit -q -a --allow-empty -m 'learned run')
  CHECK='[ "$(git log --format=%s | head -1)" = "learned run" ]'
}

job_git-ro() {
  local git; git=$(program git) || return 1
  EXTRA=("${git_identity[@]}")
  git_repo "$git" || return 1
  JOB=("$git" status --short)
}

job_build() {
  local make; make=$(program make) || return 1
  program gcc >/dev/null && program g++ >/dev/null || return 1
  printf '#include <stdio.h>\nint main(void) { puts("hello c"); return 0; }\n' >"$fx/work/hello.c"
  printf '#include <iostream>\nint main() { std::cout << "hello c++" << std::endl; }\n' \
    >"$fx/work/hello.cpp"
  printf 'all: hello hellopp\n\t@./hello\n\t@./hellopp\nhello: hello.c\n\t@$(CC) -O2 -o $@ $<\nhellopp: hello.cpp\n\t@$(CXX) -O2 -o $@ $<\n' \
    >"$fx/work/Makefile"
  JOB=("$make" CC=gcc CXX=g++)
  NOTE='the replay finds hello and hellopp up to date: it only runs them'
  CHECK='[ -x hello ] && [ -x hellopp ]'
}

job_shell() {
  local sh; sh=$(program sh) || return 1
  JOB=("$sh" -c 'echo hi > out.txt && cat out.txt && ls -l out.txt | cut -c1-10 && wc -c < out.txt')
  CHECK='[ "$(cat out.txt)" = hi ]'
}

job_python3() {
  printf '%s\n' 'import json' "with open('result.json', 'w') as f:" \
    "    json.dump({'sum': sum(range(10))}, f)" "print(open('result.json').read())" \
    >"$fx/work/job.py"
  local python3; python3=$(program python3) || return 1
  JOB=("$python3" job.py)
  CHECK='[ -s result.json ]'
}

job_perl() {
  cat >"$fx/work/job.pl" <<'EOF'
use strict; use warnings; use File::Spec;
open(my $f, '>', 'out.txt') or die "open: $!";
print $f join(',', map { $_ * 2 } 1 .. 3), "\n"; close $f;
open(my $g, '<', 'out.txt') or die; print <$g>;
EOF
  local perl; perl=$(program perl) || return 1
  JOB=("$perl" job.pl)
  CHECK='[ -s out.txt ]'
}

job_node() {
  cat >"$fx/work/job.js" <<'EOF'
const fs = require('fs');
fs.writeFileSync('out.txt', JSON.stringify([1, 2, 3].map(x => x * x)));
console.log(fs.readFileSync('out.txt', 'utf8'));
EOF
  local node; node=$(program node) || return 1
  JOB=("$node" job.js)
  CHECK='[ -s out.txt ]'
}

job_curl() {
  local curl port; curl=$(program curl) || return 1
  port=$(start_http_server) || return 1
  JOB=("$curl" -sS -o page.txt "http://127.0.0.1:$port/x")
  NOTE="fetches from python3 -m http.server on 127.0.0.1:$port"
  CHECK='grep -q loopback page.txt'
}

job_wget() {
  local wget port; wget=$(program wget) || return 1
  port=$(start_http_server) || return 1
  JOB=("$wget" -q -t 1 -O page.txt "http://127.0.0.1:$port/x")
  NOTE="fetches from python3 -m http.server on 127.0.0.1:$port"
  CHECK='grep -q loopback page.txt'
}

job_ssh() {
  local ssh port; ssh=$(program ssh) || return 1
  port=$(start_banner_server) || return 1
  JOB=("$ssh" -o BatchMode=yes -o ConnectTimeout=10 -p "$port" 127.0.0.1 true)
  EXPECT=255
  NOTE="no sshd here: a python3 listener on 127.0.0.1:$port answers a non-SSH banner, ssh gives up with 255 (as in tests/programs)"
}

job_http-server() {
  local port=8000
  port_free 8000 || port=$(free_port)
  printf 'hello from the sandboxed server\n' >"$fx/work/index.html"
  local python3; python3=$(program python3) || return 1
  JOB=("$python3" -m http.server "$port" --bind 127.0.0.1)
  NOTE="serves GET /index.html on 127.0.0.1:$port to curl, then SIGINT (python exits 0), in the learning run and in the replay"
  SERVE_PORT=$port
  CHECK='[ "$(grep -c "GET /index.html: hello" ../client.log)" = 2 ]'
}

# --- running ---------------------------------------------------------------

# The learning run of JOB with --learn-check; its exit status in $fx/rc.
run_job() {
  local rc=0
  in_fixture "$sandbox" --learn "$fx/learned.json" --learn-check -- "${JOB[@]}" \
    >"$fx/job.out" 2>"$fx/job.err" </dev/null || rc=$?
  echo "$rc" >"$fx/rc"
}

# http-server: the job serves until interrupted, twice (learning, replay).
run_server_job() {
  local rc=0 launcher pid='' phase
  in_fixture "$sandbox" --learn "$fx/learned.json" --learn-check -- "${JOB[@]}" \
    >"$fx/job.out" 2>"$fx/job.err" </dev/null &
  launcher=$!
  for phase in learning replay; do
    pid=$(find_descendant "$launcher" python3 "$pid") || { log "http-server: no $phase server"; break; }
    if wait_port "$SERVE_PORT" &&
       curl -sS -m 10 -o "$fx/get-$phase.txt" "http://127.0.0.1:$SERVE_PORT/index.html" \
         2>>"$fx/client.err"; then
      echo "$phase: GET /index.html: $(cat "$fx/get-$phase.txt")" >>"$fx/client.log"
    else
      echo "$phase: GET /index.html failed" >>"$fx/client.log"
    fi
    kill -INT "$pid" 2>/dev/null || true
    while running "$pid"; do sleep 0.05; done
  done
  give_up_after 60 "$launcher"
  wait "$launcher" || rc=$?
  echo "$rc" >"$fx/rc"
}

# The job twice without a sandbox; "RC1 RC2" in $fx/plain.
run_plain() {
  local rc1=0 rc2=0
  in_fixture "${JOB[@]}" >"$fx/plain1.out" 2>"$fx/plain1.err" </dev/null || rc1=$?
  in_fixture "${JOB[@]}" >"$fx/plain2.out" 2>"$fx/plain2.err" </dev/null || rc2=$?
  echo "$rc1 $rc2" >"$fx/plain"
}

run_server_plain() {
  local rcs=() i rc job pid
  for i in 1 2; do
    rc=0
    in_fixture "${JOB[@]}" >"$fx/plain$i.out" 2>"$fx/plain$i.err" </dev/null &
    job=$!
    if pid=$(find_descendant "$job" python3) && wait_port "$SERVE_PORT"; then
      curl -sS -m 10 -o /dev/null "http://127.0.0.1:$SERVE_PORT/index.html" 2>>"$fx/client.err" || true
    fi
    kill -INT "${pid:-$job}" 2>/dev/null || true
    give_up_after 30 "$job"
    wait "$job" || rc=$?
    rcs+=("$rc")
  done
  echo "${rcs[*]}" >"$fx/plain"
}

explain() {
  local what=$1; shift
  in_fixture "$sandbox" --explain=json "$@" -- "${JOB[0]}" >"$fx/explain-$what.json" \
    2>"$fx/explain-$what.err" || true
}

profiles=()
for f in "$policies"/*.json; do
  name=$(basename "$f" .json)
  [ "$name" = sandbox-policy.schema ] && continue
  [[ $blocks == *" $name "* ]] && continue
  if ((${#only[@]})) && [[ " ${only[*]} " != *" $name "* ]]; then continue; fi
  profiles+=("$name")
done

# Sets up the fixture of NAME in DIR (under $root); 1 when it cannot.
setup() {
  new_fixture "$2"
  SERVE_PORT=
  if ! declare -F "job_$1" >/dev/null; then
    echo "no job defined for this profile" >"$fx/skip"
    return 1
  fi
  if ! "job_$1" >"$fx/setup.log" 2>&1; then
    echo "setup failed: $(tail -n 2 "$fx/setup.log" | tr '\n' ' ')" >"$fx/skip"
    return 1
  fi
}

start_all=$EPOCHREALTIME
setup_failed=0
for name in "${profiles[@]}"; do
  # The job twice without a sandbox, in a fixture of its own: a replay that
  # differs where these two runs agree is the learned policy's doing.
  if setup "$name" "$name.plain"; then
    if [ -n "$SERVE_PORT" ]; then run_server_plain; else run_plain; fi
    stop_servers
  fi
  if ! setup "$name" "$name"; then
    log "$name: skipped: $(cat "$fx/skip")"
    [[ $(cat "$fx/skip") == setup* ]] && setup_failed=1
    continue
  fi
  cp "$root/$name.plain/plain" "$fx/plain" 2>/dev/null || true
  printf '%s\0' "${JOB[@]}" >"$fx/job.argv"
  printf '%s\n' "$EXPECT" >"$fx/expect"
  printf '%s' "$NOTE" >"$fx/note"
  log "$name: ${JOB[*]}"
  find "$fx/work" "$fx/home" "$fx/tmp" >"$fx/before"
  t0=$EPOCHREALTIME
  if [ -n "$SERVE_PORT" ]; then run_server_job; else run_job; fi
  t1=$EPOCHREALTIME
  echo "$t0 $t1" >"$fx/time"
  if [ -n "$CHECK" ]; then
    if (cd "$fx/work" && env -i PATH=/usr/bin:/bin "${EXTRA[@]}" sh -c "$CHECK") >/dev/null 2>&1; then
      echo ok >"$fx/check"
    else
      echo "failed: $CHECK" >"$fx/check"
    fi
  fi
  [ -s "$fx/learned.json" ] && explain learned --policy "$fx/learned.json"
  explain profile --profile "$name"
  stop_servers
  log "$name: exit status $(cat "$fx/rc") in $("$python" -c "print(f'{$t1 - $t0:.1f}')") s"
done
end_all=$EPOCHREALTIME

"$python" - "$root" "$out" "$start_all" "$end_all" "${profiles[@]}" <<'PYTHON'
import datetime, json, os, platform, re, sys

root, out, start, end = sys.argv[1:5]
profiles = sys.argv[5:]

def read(path, default=""):
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return default

def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None

ORDER = ["execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
         "make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block",
         "make_sym", "refer", "truncate", "ioctl_dev", "resolve_unix"]
FILE_RIGHTS = {"execute", "write_file", "read_file", "truncate", "ioctl_dev"}
READS = {"read_file", "read_dir"}

def effective(explain):
    """{resolved path: (type, rights)}, ports, restricted scopes, handled fs rights.
    /proc/PID (the explaining process: /proc/self) is written /proc/self."""
    rules = {}
    for r in explain.get("rules", []):
        path = re.sub(r"^/proc/[0-9]+(?=/|$)", "/proc/self", r["resolved"])
        kind, rights = rules.get(path, (r["type"], set()))
        rules[path] = (kind, rights | set(r["granted"]))
    ports = sorted((p["right"], p["port"]) for p in explain.get("ports", []))
    handled = explain.get("handled", {})
    return rules, ports, sorted(handled.get("scoped", [])), set(handled.get("filesystem", []))

def ancestors(path, strict=False):
    if not strict:
        yield path
    while path not in ("/", ""):
        path = os.path.dirname(path)
        yield path

def grants(rules, path, right, strict=False):
    return any(right in rules[a][1] for a in ancestors(path, strict) if a in rules)

def uncovered(a, b):
    """{path: rights} of rule set a that rule set b does not grant."""
    missing = {}
    for path, (_, rights) in a.items():
        lack = {r for r in rights if not grants(b, path, r)}
        if lack:
            missing[path] = lack
    return missing

def pairs(rules):
    return sum(len(r) for _, r in rules.values())

def distinct_rights(rules):
    return set().union(*[r for _, r in rules.values()]) if rules else set()

def show_rights(rights, kind=None, handled=frozenset()):
    rights = set(rights)
    full = set(handled)
    named = [("rwx", "directory", full), ("rw", "directory", full - {"execute"}),
             ("rox", "directory", {"read_file", "read_dir", "execute"}),
             ("ro", "directory", READS),
             ("rwx", "file", full & FILE_RIGHTS), ("rw", "file", (full & FILE_RIGHTS) - {"execute"}),
             ("rox", "file", {"read_file", "execute"}), ("ro", "file", {"read_file"})]
    for name, k, group in named:
        if group and rights == group and (kind is None or kind == k):
            return name
    return ",".join(sorted(rights, key=lambda r: ORDER.index(r) if r in ORDER else 99))

def count_rights(rights, handled):
    return "all " + str(len(rights)) if rights == handled else \
        show_rights(rights)

def short_list(items, limit=6):
    items = list(items)
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f", … ({len(items) - limit} more)"

class Names:
    """Fixture paths as ${PWD}, ${HOME}, ${TMPDIR}."""
    def __init__(self, fx):
        self.subst = sorted(((os.path.realpath(os.path.join(fx, d)), v) for d, v in
                             (("work", "${PWD}"), ("home", "${HOME}"), ("tmp", "${TMPDIR}"))),
                            key=lambda x: -len(x[0]))
    def __call__(self, path):
        for d, v in self.subst:
            if path == d or path.startswith(d + "/"):
                return v + path[len(d):]
        return path
    def text(self, text):
        for d, v in self.subst:
            text = text.replace(d, v)
        return text

def shell_words(argv):
    return " ".join(a if a and all(c.isalnum() or c in "-_./=:,+%@" for c in a)
                    else "'" + a.replace("'", "'\\''") + "'" for a in argv)

def md_code(text):
    return "`" + text.replace("|", "\\|") + "`"

rows, details, failures = [], [], []
for name in profiles:
    fx = os.path.join(root, name)
    skip = read(os.path.join(fx, "skip")).strip()
    if skip:
        rows.append(f"| {name} | — | — | — | — | not run: {skip} |")
        continue
    names = Names(fx)
    job = shell_words(read(os.path.join(fx, "job.argv")).split("\0")[:-1])
    rc = int(read(os.path.join(fx, "rc"), "-1").strip() or -1)
    expect = int(read(os.path.join(fx, "expect"), "0").strip())
    err = read(os.path.join(fx, "job.err"))
    note = read(os.path.join(fx, "note")).strip()
    check = read(os.path.join(fx, "check")).strip()
    plain = read(os.path.join(fx, "plain")).split()
    t0, t1 = (float(x) for x in read(os.path.join(fx, "time"), "0 0").split())
    sandbox_lines = [l for l in err.splitlines() if l.startswith(("sandbox:", "  hint:"))]
    learned_text = read(os.path.join(fx, "learned.json"))
    learned_policy = load_json(os.path.join(fx, "learned.json")) or {}

    denials = [l[len("sandbox: --learn-check: "):] for l in sandbox_lines
               if l.startswith("sandbox: --learn-check: denied ")]
    if "without a denial" in err and rc == expect:
        replay = "pass"
    elif "as the learned run did" in err and "denials not checked" in err and rc == expect:
        replay = "pass (exit status only: no denial report)"
    else:
        if denials:
            shown = "; ".join(re.sub(r"^denied fs\.(\S+) on (\S+) \(.*\)$",
                                     lambda m: f"{m[1]} on {names(m[2])}", d) for d in denials[:3])
            replay = f"**FAIL**: exit 125; denied {shown}"
        elif not learned_text:
            replay = f"**FAIL**: no policy written (exit {rc})"
        else:
            replay = f"**FAIL**: exit {rc}, the job alone {expect}"
        before = set(read(os.path.join(fx, "before")).splitlines())
        why = []
        for d in denials:
            m = re.match(r"^denied fs\.(\S+) on (\S+) \(", d)
            if m and m[2].startswith(fx + "/") and m[2] not in before:
                why.append(f"`{names(m[2])}` ({m[1]}) did not exist before the learning run: "
                           "that run created it, the replay found it")
        failures.append((name, job, rc, expect, plain, sandbox_lines, learned_text, why))
    if check and check != "ok":
        replay += f"; the job's own check {check}"

    head = [f"Job: {md_code(job)}" + (f" — {note}" if note else "") + ".",
            (f"Unconfined, run twice: exit {plain[0]}, then {plain[1]}. " if len(plain) == 2
             else "") + f"Learning and replay: exit {rc} in {t1 - t0:.1f} s."]
    ex_l = load_json(os.path.join(fx, "explain-learned.json"))
    ex_p = load_json(os.path.join(fx, "explain-profile.json"))
    if not ex_l or not ex_p or not ex_l.get("rules"):
        rows.append(f"| {name} | {md_code(job)} | — | — | — | {replay} |")
        why = (read(os.path.join(fx, "explain-learned.err")) +
               read(os.path.join(fx, "explain-profile.err"))).strip()
        details.append((name, head, ["`--explain=json` gave no rules: " + names.text(why)[:600]],
                        learned_text))
        continue
    a, a_ports, a_scoped, handled = effective(ex_l)
    b, b_ports, b_scoped, _ = effective(ex_p)
    a_not_b, b_not_a = uncovered(a, b), uncovered(b, a)
    tighter = ("equal" if not a_not_b and not b_not_a else "learned" if not a_not_b
               else "profile" if not b_not_a else "neither")
    rows.append(f"| {name} | {md_code(job)} | {len(a)} / {len(distinct_rights(a))} | "
                f"{len(b)} / {len(distinct_rights(b))} | {tighter} | {replay} |")

    lines = []
    fs = learned_policy.get("filesystem", {})
    own = sum(len(v) for v in fs.values() if isinstance(v, list))
    inc_p = [os.path.basename(f)[:-len(".json")] for f in ex_p["policy"]["files"][1:]]
    lines.append(f"Includes: learned {', '.join(learned_policy.get('include', [])) or 'none'} "
                 f"and {own} rule(s) of its own; profile {', '.join(inc_p) or 'none'}. "
                 f"(path, right) pairs: learned {pairs(a)}, profile {pairs(b)}.")
    lines.append(f"Rights: learned {count_rights(distinct_rights(a), handled)}; "
                 f"profile {count_rights(distinct_rights(b), handled)}.")
    if a_not_b:
        lines.append("Only the learned policy grants: " + "; ".join(
            f"`{names(p)}` {show_rights(r)}" for p, r in sorted(a_not_b.items())) + ".")
    strong = {p: r for p, r in b_not_a.items() if r - READS}
    weak = sorted(p for p in b_not_a if p not in strong)
    for p, r in sorted(strong.items()):
        kind, rights = b[p]
        below = [f"`{names(q)}` {show_rights(a[q][1], a[q][0], handled)}" for q in sorted(a)
                 if q == p or q.startswith(p.rstrip("/") + "/")]
        extra = "" if r == rights else f" (of which the learned policy lacks {show_rights(r)})"
        lines.append(f"Only the profile grants `{names(p)}` {show_rights(rights, kind, handled)}"
                     f"{extra}; the learned policy has " +
                     (short_list(below) if below else "nothing there") + ".")
    if weak:
        lines.append(f"Only the profile reads {len(weak)} more path(s): " +
                     short_list((f"`{names(p)}`" for p in weak), 8) + ".")
    # Learned rules that a rule on a directory above already grants.
    own_paths = {re.sub(r"^/proc/[0-9]+(?=/|$)", "/proc/self", r["resolved"])
                 for r in ex_l["rules"] if r.get("source", "").startswith(fx + "/learned.json:")}
    redundant = sorted(p for p, (_, r) in a.items()
                       if p in own_paths and all(grants(a, p, x, strict=True) for x in r))
    if redundant:
        lines.append(f"{len(redundant)} rule(s) of learned.json are already granted by a rule "
                     "on a directory above: " + short_list((f"`{names(p)}`" for p in redundant), 4) + ".")
    if a_ports != b_ports:
        show = lambda ps: ", ".join(f"{r} {p}" for r, p in ps) or "none"
        net = learned_policy.get("network", {})
        seen = {(r, p) for r in ("bind_tcp", "connect_tcp") for p in net.get(r, [])}
        inherited = [x for x in a_ports if x not in seen]
        lines.append(f"Network: learned {show(a_ports)}; profile {show(b_ports)}." +
                     (f" The learned {show(inherited)} comes from an included block, not "
                      "from the run." if inherited else ""))
    if a_scoped != b_scoped:
        lines.append(f"Scopes restricted: learned {', '.join(a_scoped) or 'none'}; "
                     f"profile {', '.join(b_scoped) or 'none'}.")
    details.append((name, head, lines, learned_text))

now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
cpus = os.cpu_count()
md = ["# Learned policies against the shipped program profiles", "",
      f"Generated by `bench/learn-profiles.sh` on {now}; kernel {platform.release()}, "
      f"{cpus} CPU(s); {len(profiles)} profiles in {float(end) - float(start):.0f} s.", "",
      "Each job ran as `sandbox --learn learned.json --learn-check -- JOB` in a fresh fixture: "
      "a HOME with a fake `~/.ssh/id_rsa`, a work directory as PWD, a private TMPDIR, and "
      "`env -i` with PATH, HOME, PWD, LANG=C.UTF-8, USER, TMPDIR. Every job was first run "
      "twice without a sandbox in a fixture of its own: both runs succeed the same way, so a "
      "replay that differs is the learned policy's doing.", "",
      "*Rules*: the effective rules of `sandbox --explain=json` (includes expanded) of "
      "`--policy learned.json` and of `--profile NAME`, counted as distinct resolved paths; "
      "*rights*: the distinct access rights granted over all of them. *tighter*: `learned` "
      "when every (path, right) of the learned policy is granted by the profile on that path "
      "or a directory above (the learned policy allows a subset), `profile` the other way "
      "round, `equal` both ways, `neither` otherwise; filesystem only (ports and scopes are "
      "in the notes). *replay*: `pass` when `--learn-check` saw the same exit status without "
      "a denial (as root with Landlock ABI 7 the replay runs with `--report-denials`).", "",
      "| profile | job | learned rules / rights | profile rules / rights | tighter | replay |",
      "|---|---|---|---|---|---|"]
md += rows
md += ["", "## Notes", "",
       "Fixture paths are written `${PWD}`, `${HOME}`, `${TMPDIR}`; `ro`, `rox`, `rw`, `rwx` "
       "stand for a rule whose rights are exactly that group.", ""]
for name, head, lines, learned_text in details:
    md += [f"### {name}", "", " ".join(head), ""]
    md += [f"- {l}" for l in lines]
    if learned_text:
        md += ["", "<details><summary>learned policy</summary>", "", "```json",
               learned_text.rstrip("\n"), "```", "", "</details>"]
    md.append("")
if failures:
    md += ["## Failures", "",
           "What `sandbox` printed (fixture paths as they were).", ""]
    for name, job, rc, expect, plain, sandbox_lines, learned_text, why in failures:
        md += [f"### {name}", "",
               f"{md_code(job)}: exit {rc}; the job alone exits {expect}" +
               (f" (unconfined twice: {plain[0]}, then {plain[1]})" if len(plain) == 2 else "") +
               ".", "", "```"] + sandbox_lines + ["```", ""]
        md += [f"- {w}." for w in why] + ([""] if why else [])
with open(out, "w") as f:
    f.write("\n".join(md).rstrip("\n") + "\n")
print(f"learn-profiles: wrote {out}", file=sys.stderr)
PYTHON
exit "$setup_failed"
