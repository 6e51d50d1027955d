#!/usr/bin/env bash
# CI stage "deb": the Debian package, end to end, as root on Debian 12.
#
#   scripts/deb-test.sh
#
# 1. installs the build and packaging tools (scripts/deps.sh build deb);
# 2. builds source and binary packages once, with DEB_BUILD_OPTIONS
#    "nocheck parallel=2" (the meson stage runs the test suites), from
#    `git archive HEAD` in a temporary directory: only committed files, no
#    build directories of the working tree (uncommitted changes are not in
#    the package; a note says so);
# 3. runs lintian on the result: errors fail the stage, warnings and
#    overrides are printed;
# 4. checks the file list (dpkg -c) against the expected layout;
# 5. installs the .deb with dpkg -i (removing an installed sandbox first);
# 6. from a temporary directory outside the repository: a shipped profile,
#    a --preload run (the static /usr/bin/sandbox must hand over to
#    /usr/libexec/sandbox/sandbox-dynamic), --validate of the example policy
#    in /usr/share/doc/sandbox/examples;
# 7. removes the package with dpkg -r and checks that none of its files and
#    directories is left behind (directories that existed before the install
#    stay). The package has no conffiles: /etc/sandbox/policies/ is an empty
#    directory it creates for the administrator, removed by dpkg -r unless
#    the administrator put a file in it.
#
# The packages are kept in build-deb/ of the repository.
# Last line: "deb-test: N passed, N failed"; the exit status is non-zero if
# a check failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD

if [ "$(id -u)" -ne 0 ]; then
  echo "deb-test: run as root (dpkg -i, dpkg -r)" >&2
  exit 1
fi
scripts/deps.sh build deb || exit 1

passed=0 failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
finish() {
  echo "deb-test: $passed passed, $failed failed"
  ((failed == 0))
  exit
}
step_start=$SECONDS
timed() { echo "deb-test: $1 took $((SECONDS - step_start)) s"; step_start=$SECONDS; }

work=$(mktemp -d /tmp/sandbox-deb-XXXXXX)
installed_by_us=0
# A check that fails after dpkg -i must not leave the package installed for
# the stages after this one.
cleanup() {
  if ((installed_by_us)) && dpkg-query -W -f='${Status}' sandbox 2>/dev/null | grep -q ' installed'; then
    dpkg -r sandbox >/dev/null 2>&1
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# An installed sandbox (an earlier run that was interrupted) goes first.
if dpkg-query -W -f='${Status}' sandbox 2>/dev/null | grep -q 'installed'; then
  echo "deb-test: removing the sandbox package installed before this run"
  dpkg -r sandbox >/dev/null || fail "dpkg -r of the earlier sandbox"
fi

# --- build ---------------------------------------------------------------
[ -z "$(git status --porcelain --untracked-files=no)" ] ||
  echo "deb-test: note: uncommitted changes are not in the package (built from HEAD)"
mkdir -p "$work/src" "$work/home/run"
version=$(dpkg-parsechangelog -l debian/changelog -S Version)
arch=$(dpkg --print-architecture)
git archive --format=tar HEAD | tar -x -C "$work/src"
log=$work/dpkg-buildpackage.log
if (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
      dpkg-buildpackage -us -uc >"$log" 2>&1); then
  ok "dpkg-buildpackage -us -uc ($((SECONDS - step_start)) s)"
else
  tail -n 60 "$log"
  fail "dpkg-buildpackage -us -uc (log above)"
  finish
fi
timed "dpkg-buildpackage"
deb=$work/sandbox_${version}_${arch}.deb
changes=$work/sandbox_${version}_${arch}.changes
rm -rf build-deb && mkdir build-deb
cp "$work"/sandbox*_"$version"* build-deb/ 2>/dev/null
[ -f "$deb" ] && ok "built ${deb##*/}" || { fail "no ${deb##*/}"; finish; }

# --- lintian -------------------------------------------------------------
# --fail-on error: warnings are printed, not fatal (each one is to be fixed
# or overridden in debian/sandbox.lintian-overrides with its reason).
lint=$(lintian --fail-on error --display-info --show-overrides "$changes" 2>&1 |
       grep -v '^running with root privileges')
lint_rc=${PIPESTATUS[0]}
[ -n "$lint" ] && echo "$lint"
summary=$(for t in E W I O; do printf '%s %s, ' "$(grep -c "^$t: " <<<"$lint")" "$t"; done)
if [ "$lint_rc" -eq 0 ]; then
  ok "lintian: ${summary%, } (E error, W warning, I info, O overridden)"
else
  fail "lintian (exit $lint_rc): ${summary%, }"
fi
timed "lintian"

# --- file list -----------------------------------------------------------
expected=$(
  {
    echo /usr/bin/sandbox
    echo /usr/libexec/sandbox/sandbox-dynamic
    for f in policies/*; do echo "/usr/share/sandbox/policies/${f##*/}"; done
    echo /usr/share/man/man1/sandbox.1.gz
    echo /usr/share/man/man5/sandbox-policy.5.gz
    echo /usr/share/bash-completion/completions/sandbox
    echo /usr/share/zsh/vendor-completions/_sandbox
    echo /usr/share/fish/vendor_completions.d/sandbox.fish
    echo /usr/share/doc/sandbox/changelog.gz
    echo /usr/share/doc/sandbox/copyright
    echo /usr/share/lintian/overrides/sandbox
    for f in examples/packaging/*; do echo "/usr/share/doc/sandbox/examples/${f##*/}"; done
    echo /etc/sandbox/policies/
  } | sort
)
# Files, plus the directories of the package that contain nothing.
listing=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|')
actual=$(awk '
  { p[NR] = $0 }
  END {
    for (i = 1; i <= NR; i++) {
      if (p[i] !~ /\/$/) { print p[i]; continue }
      empty = 1
      for (j = 1; j <= NR; j++)
        if (j != i && index(p[j], p[i]) == 1) { empty = 0; break }
      if (empty) print p[i]
    }
  }' <<<"$listing" | sort)
if [[ $actual == "$expected" ]]; then
  ok "dpkg -c: $(wc -l <<<"$actual") paths as expected"
else
  fail "dpkg -c differs (< expected, > in the package):"
  diff <(echo "$expected") <(echo "$actual")
fi
timed "file list"

# --- install -------------------------------------------------------------
# The package's paths that exist before the install (/usr, /etc, ...) stay
# after its removal; all others must be gone.
package_paths=$(sed 's|/$||' <<<"$listing" | grep -v '^/\?$' | sort -u)
existed_before=$(while read -r p; do [[ -e $p || -L $p ]] && echo "$p"; done <<<"$package_paths")
installed_by_us=1
if out=$(dpkg -i "$deb" 2>&1); then
  ok "dpkg -i ${deb##*/}"
else
  echo "$out"
  fail "dpkg -i"
  finish
fi

# --- run the installed package ------------------------------------------
# A project directory below a fresh HOME (from HOME itself the profiles'
# "rw ${PWD}" is refused).
cd "$work/home/run" || exit 1
[[ $(readlink -f /proc/self/cwd) != "$repo"* ]] || fail "run directory is inside the repository"
run() { env -u SANDBOX_POLICY_PATH -u XDG_CONFIG_HOME HOME="$work/home" "$@"; }

out=$(run /usr/bin/sandbox --profile shell -- sh -c 'echo ok > f; cat f' 2>&1)
rc=$?
[[ $rc -eq 0 && $out == ok ]] && ok "sandbox --profile shell (/usr/share/sandbox/policies/shell.json) writes and reads in \$PWD" ||
  fail "sandbox --profile shell: exit $rc: $out"
out=$(run /usr/bin/sandbox --explain --profile shell -- sh 2>&1)
grep -q '^policy files: /usr/share/sandbox/policies/shell.json' <<<"$out" &&
  ok "--explain names /usr/share/sandbox/policies/shell.json" ||
  fail "--explain --profile shell: $out"
# The denial comes from Landlock inside the running command (cat's own
# error), not from a launcher failure.
out=$(run /usr/bin/sandbox --profile shell -- sh -c 'cat /etc/shadow' 2>&1)
rc=$?
[[ $rc -eq 1 && $out == *"/etc/shadow: Permission denied"* ]] &&
  ok "the shell profile denies /etc/shadow (cat: Permission denied)" ||
  fail "the shell profile and /etc/shadow: exit $rc: $out"

# --preload: the static launcher re-executes /usr/libexec/sandbox/sandbox-dynamic
# (-v names the restricted thread's command, "sandbox-dynamic"), which puts the
# resolved library into the command's LD_PRELOAD.
out=$(run /usr/bin/sandbox -v --rox /usr --rox /lib --rox /lib64 --ro /etc \
      --preload libm.so.6 -- sh -c 'echo "LD_PRELOAD=$LD_PRELOAD"' 2>&1)
rc=$?
if [[ $rc -eq 0 ]] && grep -qx 'LD_PRELOAD=/.*/libm.so.6' <<<"$out" &&
   grep -q '(sandbox-dynamic): restricted' <<<"$out"; then
  ok "--preload libm.so.6 ran through /usr/libexec/sandbox/sandbox-dynamic ($(grep '^LD_PRELOAD=' <<<"$out"))"
else
  fail "--preload libm.so.6: exit $rc: $out"
fi
if command -v strace >/dev/null; then
  execs=$(strace -f -qq -e trace=execve -e signal=none -o /dev/stdout \
          /usr/bin/sandbox --rox /usr --rox /lib --rox /lib64 --ro /etc --preload libm.so.6 -- true |
          grep -o 'execve("[^"]*"' | sed 's/execve("//; s/"$//' | paste -sd' ')
  [[ $execs == "/usr/bin/sandbox /usr/libexec/sandbox/sandbox-dynamic /usr/bin/true" ]] &&
    ok "strace: execve $execs" || fail "strace execve chain: $execs"
fi

example=/usr/share/doc/sandbox/examples/hello.json
out=$(run /usr/bin/sandbox --validate --policy "$example" 2>&1)
rc=$?
[[ $rc -eq 0 ]] && ok "sandbox --validate --policy $example" ||
  fail "--validate $example: exit $rc: $out"
[[ -d /etc/sandbox/policies ]] && ok "/etc/sandbox/policies/ exists for the administrator" ||
  fail "/etc/sandbox/policies/ missing"
[[ -z $(dpkg-query -W -f='${Conffiles}' sandbox) ]] && ok "no conffiles" ||
  fail "conffiles: $(dpkg-query -W -f='${Conffiles}' sandbox)"
cd "$repo" || exit 1
timed "install and runs"

# --- remove --------------------------------------------------------------
if out=$(dpkg -r sandbox 2>&1); then
  ok "dpkg -r sandbox"
else
  echo "$out"
  fail "dpkg -r sandbox"
fi
left=$(while read -r p; do
         [[ -e $p || -L $p ]] && ! grep -qxF "$p" <<<"$existed_before" && echo "$p"
       done <<<"$package_paths")
[[ -z $left ]] && ok "dpkg -r left nothing behind ($(wc -l <<<"$package_paths") paths checked)" ||
  fail "left behind after dpkg -r: $(echo $left)"
state=$(dpkg-query -W -f='${db:Status-Abbrev}' sandbox 2>/dev/null)
[[ -z $state || $state == "un "* || $state == "pn "* ]] && ok "dpkg keeps no state of sandbox (no conffiles to purge)" ||
  fail "dpkg status after removal: '$state'"
timed "removal"
finish
