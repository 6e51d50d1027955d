#!/usr/bin/env bash
# The man pages render without a single groff warning (-ww) and `man -l`
# shows them. A missing groff or man fails the test: run
# scripts/deps.sh docs.
# Usage: man_render.sh SOURCE_ROOT
set -u
src=$1
status=0
fail() { echo "FAIL: $*"; status=$((status + 1)); }

for tool in groff man; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool is not installed (scripts/deps.sh docs)"; exit 1; }
done

check() {
  local page=$1 title=$2 err out before=$status
  err=$(LC_ALL=C.UTF-8 groff -ww -man -Tutf8 "$page" 2>&1 >/dev/null)
  [[ $? -eq 0 && -z $err ]] || fail "groff -ww $page: $err"
  local errfile
  errfile=$(mktemp)
  out=$(LC_ALL=C.UTF-8 MANWIDTH=80 MANPAGER=cat man -l "$page" 2>"$errfile")
  err=$(cat "$errfile"); rm -f "$errfile"
  [[ -z $err ]] || fail "man -l $page: $err"
  grep -qF -- "$title" <<<"$out" || fail "man -l $page does not show \"$title\""
  [[ $status -ne $before ]] || echo "ok: $page"
}

check "$src/man/sandbox.1" "sandbox - run a command confined by Landlock"
check "$src/man/sandbox-policy.5" "sandbox-policy - JSON policy files and profiles for sandbox(1)"
((status == 0))
