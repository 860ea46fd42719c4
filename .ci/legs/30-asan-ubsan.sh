#!/usr/bin/env bash
# CI leg: the whole test suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer; the first finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
# Without the MPI backend: Open MPI's own allocations would be reported as leaks,
# and 16 sanitized processes under mpiexec cost minutes (the main run covers MPI).
# With the Torch backend: libtorch itself is not sanitized, but ranktopo's
# backend, the forked test ranks and the torchrun demo are, with leak
# detection (about 1.5 min of compiling and 1 min of tests on 2 cores).
cmake -S . -B build-asan -G Ninja -DRANKTOPO_SANITIZE=address,undefined -DRANKTOPO_WITH_MPI=OFF
cmake --build build-asan -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The package tests build unsanitized consumer projects: the main run covers them.
ctest --test-dir build-asan --output-on-failure -j2 --label-exclude package
echo "asan-ubsan: built and tested in $((SECONDS - start)) s"
