#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test sandbox (as root).
# Packages already present are not reinstalled; nothing is downloaded
# outside the Debian archive.
set -euo pipefail

packages=(
  meson ninja-build pkg-config g++ gcc
  libcli11-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libgtest-dev
)

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
