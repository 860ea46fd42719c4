#!/usr/bin/env bash
# Installs what ranktopo needs to build, test and benchmark, from Debian's
# archive: every package listed in scripts/packages/*.txt.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mapfile -t packages < <(cat "$here"/packages/*.txt | sed -e 's/#.*//' -e '/^[[:space:]]*$/d')
sudo=()
if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${packages[@]}"
