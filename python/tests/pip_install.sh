#!/bin/sh
# `pip install --no-build-isolation .` into a fresh `python3 -m venv --system-site-packages`,
# offline, from a copy of the sources; then `import ranktopo` outside the source tree.
# Usage: pip_install.sh SOURCE_DIR PYTHON. With torch importable, ranktopo.torch is built
# too (the default) and two processes allreduce over one of its groups; CMAKE_ARGS adds
# CMake options (-DRANKTOPO_WITH_TORCH=OFF leaves it out).
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
if "$tmp/venv/bin/python" -c 'import torch' 2>/dev/null && [ -z "${CMAKE_ARGS:-}" ]; then
  # A file, not stdin: spawned processes import the main module again.
  cat >"$tmp/torch_check.py" <<'PY'
import datetime, multiprocessing, sys

def member(rank, port, results):
    import torch
    import ranktopo
    import ranktopo.torch
    assert ranktopo.torch.__file__.startswith(sys.prefix), ranktopo.torch.__file__
    store = torch.distributed.TCPStore("127.0.0.1", port, 2, rank == 0, timeout=datetime.timedelta(seconds=60))
    config = ranktopo.Config(world_size=2, data_parallel_size=2, mlp_tensor_parallel_size=2)
    groups = ranktopo.torch.init(config, store, rank, timeout=datetime.timedelta(seconds=60))
    t = torch.ones(1)
    groups.get("mlp_tp").allreduce([t]).wait()
    groups.destroy()
    results.put((rank, float(t[0])))

if __name__ == "__main__":
    import socket
    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spawn = multiprocessing.get_context("spawn")
    results = spawn.Queue()
    members = [spawn.Process(target=member, args=(rank, port, results)) for rank in range(2)]
    for p in members:
        p.start()
    for p in members:
        p.join(120)
    assert all(p.exitcode == 0 for p in members), [p.exitcode for p in members]
    assert sorted(results.get(timeout=5) for _ in members) == [(0, 2.0), (1, 2.0)]
    print("ranktopo.torch from the venv: 2 processes allreduced over mlp_tp")
PY
  "$tmp/venv/bin/python" "$tmp/torch_check.py"
fi
