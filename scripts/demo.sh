#!/usr/bin/env bash
# Quick start 1: install, build, and run a sandboxed command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh >/dev/null
demo=$(mktemp -d /tmp/sandbox-demo.XXXXXX)
trap 'rm -rf "$demo"' EXIT
set -x
build/sandbox --rox /usr --rox /lib --rox /lib64 --rox /bin --ro /etc --rw "$demo" \
  -- sh -c "echo ok >$demo/f; cat $demo/f"
# Writing outside the allowed directory is denied:
! build/sandbox --rox /usr --rox /lib --rox /lib64 --rox /bin --ro /etc --rw "$demo" \
  -- sh -c 'echo no >/var/tmp/sandbox-demo-denied'
build/sandbox --features
# The shipped shell profile: read-write in the working directory, nothing else.
(cd "$demo" && "$OLDPWD/build/sandbox" --profile shell -- sh -c 'echo profile ok >g; cat g')
