#!/usr/bin/env bash
# CI leg: the whole test suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer; the first finding fails the run.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
# Without the MPI backend: Open MPI's own allocations would be reported as leaks,
# and 16 sanitized processes under mpiexec cost minutes (the main run covers MPI).
# With the Torch backend: libtorch itself is not sanitized, but ranktopo's
# backend, the forked test ranks and the torchrun demo are, with leak detection.
# -O1 -g1 (line tables): ASan's recommended optimisation, and a faster build
# than -O2 -g with the same file:line in every report. Warnings are the main
# build's job (errors there in CI); sanitizer builds warn differently.
# A unity build (4 sources a unit): the sanitizers instrument every inline
# function of the headers once per translation unit, and that, not parsing,
# was most of this build (PCH did not help; unity halves it). The main build
# compiles every file alone, so a missing include still fails there.
cmake -S . -B build-asan -G Ninja -DRANKTOPO_SANITIZE=address,undefined -DRANKTOPO_WITH_MPI=OFF \
  -DRANKTOPO_WARNINGS_AS_ERRORS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
  -DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=4
cmake --build build-asan -j2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The property sweeps run whole here too (about 1 min of the leg); where that
# grows too slow, RANKTOPO_PROPERTY_SAMPLE=k keeps every world up to 16 ranks
# and every k-th larger one, and the tests print the sample they cover.
# Not here: the package tests build unsanitized consumer projects, the Python
# module cannot load into an unsanitized interpreter, and the browser test
# drives Chromium (none of them is built with the sanitizers; the main run
# covers them).
ctest --test-dir build-asan --output-on-failure -j2 --label-exclude 'package|python|browser'
echo "asan-ubsan: built and tested in $((SECONDS - start)) s"
