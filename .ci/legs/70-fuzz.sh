#!/usr/bin/env bash
# CI leg: fuzz the JSON config loader, validation, the plan and the family
# invariants with libFuzzer (clang, ASan + UBSan) for a bounded time.
# Seeds: every golden fixture's config, plus tests/fuzz_regressions/.
# A crash leaves its input in build-fuzz/artifacts/: copy it to
# tests/fuzz_regressions/ with the fix, so the tests replay it forever.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
seconds=${RANKTOPO_FUZZ_SECONDS:-60}
golden=${RANKTOPO_GOLDEN_FILE:-../shared/golden/vllm_ascend_239683c.json}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRANKTOPO_BUILD_FUZZERS=ON -DRANKTOPO_BUILD_TESTS=OFF -DRANKTOPO_BUILD_EXAMPLES=OFF -DRANKTOPO_WARNINGS_AS_ERRORS=OFF
cmake --build build-fuzz -j2 --target ranktopo_fuzz_config ranktopo_fuzz_seeds
rm -rf build-fuzz/seeds build-fuzz/artifacts
mkdir -p build-fuzz/corpus build-fuzz/artifacts
build-fuzz/fuzz/ranktopo_fuzz_seeds "$golden" build-fuzz/seeds
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# New inputs go to the first directory (scratch); the others are read only.
if ! build-fuzz/fuzz/ranktopo_fuzz_config -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -dict=fuzz/config.dict -print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/ \
  build-fuzz/corpus build-fuzz/seeds tests/fuzz_regressions; then
  echo "fuzz: failed; inputs that crash (copy to tests/fuzz_regressions/ with the fix):"
  ls -l build-fuzz/artifacts/
  exit 1
fi
echo "fuzz: ${seconds} s of fuzzing, $((SECONDS - start)) s in all"
