#!/usr/bin/env bash
# CI leg: the registry tests — the concurrency test above all — under
# ThreadSanitizer, in a build directory of their own.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmake -S . -B build-tsan -G Ninja -DRANKTOPO_SANITIZE=thread -DRANKTOPO_WARNINGS_AS_ERRORS=ON \
  -DRANKTOPO_BUILD_EXAMPLES=OFF -DRANKTOPO_WITH_MPI=OFF
cmake --build build-tsan --target ranktopo_registry_tests
# halt_on_error: a report fails the leg even where Catch would carry on.
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  build-tsan/tests/ranktopo_registry_tests --durations yes
