#!/usr/bin/env bash
# Installs the Debian 12 packages neuro needs to build and test. Idempotent.
set -euo pipefail
packages=(build-essential cmake ccache default-jre-headless antlr4 libantlr4-runtime-dev
          libfmt-dev libboost-graph-dev libeigen3-dev doctest-dev uuid-dev
          libedit-dev tmux zlib1g-dev dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
