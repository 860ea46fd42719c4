#!/usr/bin/env bash
# CI leg: the benchmarks build and run, briefly. Speed is not judged here:
# this only keeps bench/ compiling and its runs ending without error.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD_DIR=build-bench-smoke MPI_REPETITIONS=2 bench/run.sh 0.01
