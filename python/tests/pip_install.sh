#!/bin/sh
# `pip install --no-build-isolation .` into a fresh `python3 -m venv --system-site-packages`,
# offline, from a copy of the sources; then `import ranktopo` outside the source tree.
# Usage: pip_install.sh SOURCE_DIR PYTHON. CMAKE_ARGS defaults to -DRANKTOPO_WITH_TORCH=OFF
# (the torch extension is the slow part to compile; the build tree's tests cover it).
set -eu
unset PYTHONPATH  # the venv alone must provide ranktopo
src=$1
python=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/src"
for part in CMakeLists.txt cmake include src python docs setup.py pyproject.toml; do
  cp -R "$src/$part" "$tmp/src/"
done
rm -rf "$tmp/src/python/tests"
"$python" -m venv --system-site-packages "$tmp/venv"
CMAKE_ARGS=${CMAKE_ARGS:--DRANKTOPO_WITH_TORCH=OFF} \
  "$tmp/venv/bin/python" -m pip install --no-build-isolation --no-index --no-deps --quiet "$tmp/src"
rm -rf "$tmp/src"
cd "$tmp"
"$tmp/venv/bin/python" - <<'PY'
import os, sys
import ranktopo
assert ranktopo.__file__.startswith(sys.prefix), ranktopo.__file__
here = os.path.dirname(ranktopo.__file__)
for name in ("py.typed", "_core.pyi", "vllm.py", "torch.py"):
    assert os.path.exists(os.path.join(here, name)), name
plan = ranktopo.make_plan(ranktopo.Config(world_size=8, tensor_parallel_size=2, data_parallel_size=4))
assert plan.creations[0].ranks().shape == (1, 8)
print("ranktopo", ranktopo.__version__, "installed in", here)
PY
