#!/usr/bin/env bash
# Builds the benchmarks in Release and runs them all (issue 4), then prints
# the summary tables. Usage, from anywhere:
#
#   bench/run.sh [MIN_TIME_SECONDS]      # default 0.5; the CI smoke leg uses 0.01
#
# BUILD_DIR (default build-bench) and MPI_REPETITIONS (default 20) override
# the defaults. The full output goes to $BUILD_DIR/bench.log.
set -euo pipefail
cd "$(dirname "$0")/.."
min_time="${1:-0.5}"
build_dir="${BUILD_DIR:-build-bench}"
mpi_repetitions="${MPI_REPETITIONS:-20}"
log="$build_dir/bench.log"

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRANKTOPO_BUILD_BENCHMARKS=ON \
  -DRANKTOPO_BUILD_TESTS=OFF -DRANKTOPO_BUILD_EXAMPLES=ON -DRANKTOPO_WARNINGS_AS_ERRORS=OFF > /dev/null
# Only what this script runs (the torch, model and Python benchmarks have scripts of their own).
targets=(ranktopo_bench)
if grep -q '^build bench/ranktopo_bench_mpi:' "$build_dir/build.ninja"; then targets+=(ranktopo_bench_mpi); fi
cmake --build "$build_dir" -j2 --target "${targets[@]}"

{
  echo "# ranktopo benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  "$build_dir/bench/ranktopo_bench" --benchmark_min_time="$min_time" --benchmark_color=false
  if [ -x "$build_dir/bench/ranktopo_bench_mpi" ]; then
    # Open MPI refuses root unless told; --oversubscribe: more processes than cores.
    for processes in 2 4 8 16; do
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
        mpirun --oversubscribe -np "$processes" "$build_dir/bench/ranktopo_bench_mpi" "$mpi_repetitions"
    done
  else
    echo "ranktopo_bench_mpi was not built (no MPI found)"
  fi
} > "$log" 2>&1 || { cat "$log"; exit 1; }

# The summaries: from each "## ... summary" heading to the end of its block.
echo
awk '/^## /{show=1} /^-{10,}/{show=0} /^Benchmark /{show=0} show' "$log"
echo
echo "(full output: $log)"
