#!/usr/bin/env bash
# Installs what ranktopo needs to build, test and benchmark, from Debian's archive.
set -euo pipefail
packages=(
  cmake ninja-build g++ pkg-config
  libfmt-dev nlohmann-json3-dev catch2
  libopenmpi-dev openmpi-bin
)
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
