#!/usr/bin/env bash
# Installs the Debian 12 packages sandbox needs (as root), by group:
#
#   scripts/deps.sh [GROUP...]      (default: build)
#
#   build     compiler, meson, and the libraries sandbox is built from
#   programs  the programs the shipped policies confine (tests/programs), and
#             strace (the peer of bench/run.sh's --learn section)
#   docs      shells and man tools for the completion and man page tests
#   tools     clang/libFuzzer, clang-tidy, cppcheck (fuzzing and lint)
#   deb       Debian packaging: debhelper, dpkg-dev, lintian (scripts/deb-test.sh)
#   all       every group
#
# Packages already present are not reinstalled; nothing is downloaded
# outside the Debian archive.
set -euo pipefail

group_packages() {
  case $1 in
    build) echo meson ninja-build pkg-config g++ gcc lld nlohmann-json3-dev \
             libspdlog-dev libfmt-dev libgtest-dev libcap2-bin libseccomp-dev ;;
    programs)
      echo coreutils dash python3 perl git curl wget make gcc g++ tar gzip jq sqlite3 \
           rsync openssh-client ca-certificates strace
      # A node already on PATH (e.g. from NodeSource) is used as it is.
      command -v node >/dev/null 2>&1 || echo nodejs ;;
    docs) echo zsh fish bash-completion groff-base man-db ;;
    tools) echo clang libclang-rt-14-dev clang-tidy cppcheck ;;
    deb) echo build-essential debhelper dpkg-dev fakeroot lintian ;;
    *) echo "deps: unknown group '$1' (build, programs, docs, tools, deb, all)" >&2; return 1 ;;
  esac
}

groups=("$@")
((${#groups[@]})) || groups=(build)
[ "${groups[*]}" = all ] && groups=(build programs docs tools deb)

packages=()
for g in "${groups[@]}"; do
  list=$(group_packages "$g")
  read -r -a more <<<"$(echo $list)"
  packages+=("${more[@]}")
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "deps: need root to install packages (run with sudo)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
