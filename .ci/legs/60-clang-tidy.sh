#!/usr/bin/env bash
# CI leg: clang-tidy (Debian's 14, checks in .clang-tidy) over the library:
# every src/*.cpp with its flags from compile_commands.json, and every header
# of include/ranktopo through one translation unit that includes them all.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
clang_tidy=$(command -v clang-tidy-14 || command -v clang-tidy)
"$clang_tidy" --version | head -2
# Without the Torch backend: clang 14 cannot parse PyTorch 1.13's ATen headers
# as C++20 with GCC 12's library (std::vector<c10::IValue> of an incomplete
# type in ATen/core/List.h: clang-diagnostic-error), so src/torch_backend.cpp
# and torch.hpp are left to GCC's -Wall -Wextra -Werror leg.
cmake -S . -B build-tidy -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DRANKTOPO_BUILD_TESTS=OFF -DRANKTOPO_BUILD_EXAMPLES=OFF -DRANKTOPO_WITH_TORCH=OFF >/dev/null
headers_tu=build-tidy/all_headers.cpp
: >"$headers_tu"
for header in include/ranktopo/*.hpp; do
  # mpi.hpp needs MPI's flags: it is checked through src/mpi_backend.cpp
  # instead; torch.hpp is not checked (above).
  [ "${header##*/}" = mpi.hpp ] && continue
  [ "${header##*/}" = torch.hpp ] && continue
  echo "#include \"ranktopo/${header##*/}\"" >>"$headers_tu"
done
failed=0
"$clang_tidy" --quiet --warnings-as-errors='*' "$headers_tu" -- -std=c++20 -Iinclude || failed=1
# Sources that this configuration compiles (the MPI backend only where MPI is found), two at a time.
for source in src/*.cpp; do
  if grep -q "\"file\": \"$PWD/$source\"" build-tidy/compile_commands.json; then printf '%s\0' "$source"; fi
done | xargs -0 -r -n1 -P2 "$clang_tidy" --quiet --warnings-as-errors='*' -p build-tidy || failed=1
if ((failed)); then
  echo "clang-tidy: findings above (checks in .clang-tidy)"
  exit 1
fi
echo "clang-tidy: clean in $((SECONDS - start)) s"
