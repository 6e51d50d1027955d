#!/usr/bin/env bash
# `meson install --destdir D` of the build under test lays out exactly the
# files a Debian package would ship, and the installed binary finds its
# installed profiles: with SANDBOX_POLICY_PATH pointing into D it runs a
# program under the shipped "shell" profile; without it, run from outside the
# build tree, it searches only the user's, /etc's and the compiled-in data
# directory (never the source tree) and says so in the error hint when the
# compiled-in directory does not have the profile. A static sandbox comes with
# LIBEXECDIR/sandbox/sandbox-dynamic, which it runs for --preload.
# Usage: install.sh BUILD_ROOT SOURCE_ROOT PREFIX BINDIR DATADIR MANDIR LIBEXECDIR STATIC
set -u
build=$1 src=$2 prefix=$3 bindir=$4 datadir=$5 mandir=$6 libexecdir=$7 static=$8
status=0
fail() { echo "FAIL: $*"; status=1; }
ok() { echo "ok: $*"; }
# Relative meson dirs are below the prefix.
under_prefix() { [[ $1 == /* ]] && echo "$1" || echo "$prefix/$1"; }
bindir=$(under_prefix "$bindir")
datadir=$(under_prefix "$datadir")
mandir=$(under_prefix "$mandir")
libexecdir=$(under_prefix "$libexecdir")

D=$(mktemp -d /tmp/sandbox-destdir-XXXXXX)
trap 'rm -rf "$D"' EXIT

if ! out=$(meson install -C "$build" --destdir "$D" --no-rebuild 2>&1); then
  echo "FAIL: meson install: $out"
  exit 1
fi

# The layout, file for file.
policies="$datadir/sandbox/policies"
expected=$(
  {
    echo "$bindir/sandbox"
    [[ $static == true ]] && echo "$libexecdir/sandbox/sandbox-dynamic"
    for f in "$src"/policies/*; do echo "$policies/${f##*/}"; done
    echo "$mandir/man1/sandbox.1"
    echo "$mandir/man5/sandbox-policy.5"
    echo "$datadir/bash-completion/completions/sandbox"
    echo "$datadir/zsh/vendor-completions/_sandbox"
    echo "$datadir/fish/vendor_completions.d/sandbox.fish"
  } | sort
)
actual=$(cd "$D" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort)
if [[ $actual == "$expected" ]]; then
  ok "install layout ($(wc -l <<<"$actual") files)"
else
  fail "install layout differs (< expected, > installed):"
  diff <(echo "$expected") <(echo "$actual")
fi
[[ -f $D$policies/sandbox-policy.schema.json ]] || fail "schema not beside the policies"
[[ -x $D$bindir/sandbox ]] || fail "$bindir/sandbox is not executable"
grep -qF "$policies" "$D$datadir/bash-completion/completions/sandbox" ||
  fail "bash completion does not list profiles from $policies"

home=$D/home
mkdir -p "$home"
run() { env -u XDG_CONFIG_HOME -u SANDBOX_POLICY_PATH HOME="$home" "$@"; }

# The installed binary runs a program under an installed profile, in a
# project directory (from $HOME itself the profiles' "rw ${PWD}" is refused).
mkdir -p "$home/project"
cd "$home/project" || exit 1
out=$(run SANDBOX_POLICY_PATH="$D$policies" "$D$bindir/sandbox" --profile shell -- \
      sh -c 'echo installed-ok' 2>&1)
rc=$?
[[ $rc -eq 0 && $out == installed-ok ]] && ok "installed sandbox --profile shell runs sh" ||
  fail "installed sandbox --profile shell: exit $rc: $out"

# --preload: a static sandbox runs the installed sandbox-dynamic, which loads
# the library and puts its resolved path into the command's LD_PRELOAD.
out=$(run SANDBOX_POLICY_PATH="$D$policies" "$D$bindir/sandbox" --profile shell \
      --preload libm.so.6 -- sh -c 'echo "$LD_PRELOAD"' 2>&1)
rc=$?
[[ $rc -eq 0 && $out == /*/libm.so.6 ]] && ok "installed sandbox --preload libm.so.6 runs ($out)" ||
  fail "installed sandbox --preload libm.so.6: exit $rc: $out"

# "policy files: FIRST, ..." in --explain starts with FIRST.
explains_from() { grep -F "policy files: $2, " <<<"$1" | grep -q '^policy files: '; }
out=$(run SANDBOX_POLICY_PATH="$D$policies" "$D$bindir/sandbox" --explain --profile shell -- sh 2>&1)
explains_from "$out" "$D$policies/shell.json" &&
  ok "--explain names the installed profile" || fail "--explain of the installed profile: $out"

# Without SANDBOX_POLICY_PATH: the user's, /etc's and the compiled-in
# directory, never the source tree.
found=""
for dir in /etc/sandbox/policies "$policies"; do
  [[ -f $dir/shell.json ]] && { found=$dir/shell.json; break; }
done
out=$(run "$D$bindir/sandbox" --explain --profile shell -- sh 2>&1)
rc=$?
if [[ -n $found ]]; then
  [[ $rc -eq 0 ]] && explains_from "$out" "$found" &&
    ok "installed binary finds $found" || fail "installed binary, $found exists: exit $rc: $out"
else
  want="sandbox: error: --profile shell: profile \"shell\" not found
  hint: searched: $home/.config/sandbox/policies, /etc/sandbox/policies, $policies"
  [[ $rc -eq 125 && $out == "$want" ]] &&
    ok "installed binary searches only installed directories ($policies absent)" ||
    fail "installed binary without SANDBOX_POLICY_PATH: exit $rc: [$out] want [$want]"
fi
exit $status
