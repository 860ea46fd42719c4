#!/usr/bin/env bash
# CI leg: every target builds with the project's warning set as errors.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
cmake -S . -B build-werror -G Ninja -DRANKTOPO_WARNINGS_AS_ERRORS=ON
cmake --build build-werror -j2
echo "werror: clean build in $((SECONDS - start)) s"
