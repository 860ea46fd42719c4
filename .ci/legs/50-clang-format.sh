#!/usr/bin/env bash
# CI leg: every tracked C++ file is formatted as .clang-format says
# (Debian's clang-format 14). Fix with: clang-format -i <files>.
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
clang_format=$(command -v clang-format-14 || command -v clang-format)
"$clang_format" --version
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.hpp' '*.cpp')
else
  mapfile -t files < <(find include src examples tests fuzz -name '*.hpp' -o -name '*.cpp' 2>/dev/null | sort)
fi
unformatted=()
for file in "${files[@]}"; do
  if ! "$clang_format" --style=file --dry-run --Werror "$file" >/dev/null 2>&1; then unformatted+=("$file"); fi
done
if ((${#unformatted[@]} > 0)); then
  echo "clang-format: ${#unformatted[@]} of ${#files[@]} files differ from .clang-format:"
  for file in "${unformatted[@]}"; do
    echo "--- $file"
    "$clang_format" --style=file "$file" | diff -u "$file" - | head -40 || true
  done
  echo "fix with: $clang_format -i ${unformatted[*]}"
  exit 1
fi
echo "clang-format: ${#files[@]} files clean ($((SECONDS - start)) s)"
