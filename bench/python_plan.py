#!/usr/bin/env python3
"""make_plan plus ranks() of every creation at 2^20 ranks from Python, against `ranktopo plan` on the same config.

Usage: PYTHONPATH=<build>/python /usr/bin/python3 bench/python_plan.py <build>/examples/ranktopo [--ranks N] [--repeat K]

The config is the benchmarks' issue config (bench/issue_config.hpp). Both sides are measured in one
run, best of K: the tool as a process writing its JSON to /dev/null (wall time), Python in process
(the interpreter's start and `import ranktopo` are printed apart). The target: Python within 1.5x,
with each creation's array used and dropped in turn, as the tool reuses one buffer. Keeping every
array alive is printed too, with numpy filling the same amount of fresh memory for comparison.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import ranktopo


def issue_config(world: int) -> ranktopo.Config:
    return ranktopo.Config(
        world_size=world, tensor_parallel_size=16, data_parallel_size=world // 16, oproj_tensor_parallel_size=4,
        lmhead_tensor_parallel_size=8, embedding_tensor_parallel_size=8, mlp_tensor_parallel_size=16,
        flashcomm2_enabled=True, flashcomm2_oproj_tensor_parallel_size=4, layer_sharding=True, dynamic_eplb=True,
        multistream_overlap_gate=True, is_kv_producer=True, pd_head_ratio=2, pd_tp_ratio=2, num_head_replica=2)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", help="the ranktopo executable")
    parser.add_argument("--ranks", type=int, default=2**20)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    config = issue_config(args.ranks)

    def python_side():
        # Each creation's array in turn, used and dropped: the tool likewise reuses one buffer.
        plan = ranktopo.make_plan(config)
        total = 0
        for creation in plan.creations:
            total += creation.ranks().size
        return total

    def python_all_kept():
        # Every array alive at once: 8 bytes per rank and creation of fresh memory (80 MB at 2^20).
        plan = ranktopo.make_plan(config)
        return [creation.ranks() for creation in plan.creations]

    def numpy_alone():
        # The same fresh memory filled by numpy, without ranktopo: what keeping them all costs.
        arrays = [np.empty(a.shape, np.int64) for a in python_all_kept_arrays]
        for a in arrays:
            a.fill(1)
        return arrays

    python_all_kept_arrays = python_all_kept()
    elements = python_side()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        f.write(config.to_json())
        path = f.name
    try:
        def tool_side():
            with open(os.devnull, "w") as sink:
                subprocess.run([args.tool, "plan", "--config", path], stdout=sink, check=True)

        tool = best(tool_side, args.repeat)
        python = best(python_side, args.repeat)
        kept = best(python_all_kept, args.repeat)
        fresh = best(numpy_alone, args.repeat)
        import_time = best(lambda: subprocess.run([sys.executable, "-c", "import ranktopo"], check=True), args.repeat)
    finally:
        os.unlink(path)
    result = {
        "ranks": args.ranks,
        "creations": len(python_all_kept_arrays),
        "rank_entries": elements,
        "tool_plan_s": round(tool, 4),
        "python_make_plan_and_ranks_s": round(python, 4),
        "python_all_arrays_kept_s": round(kept, 4),
        "numpy_fill_same_memory_s": round(fresh, 4),
        "python_start_and_import_s": round(import_time, 4),
        "ratio": round(python / tool, 3),
        "ratio_with_start": round((python + import_time) / tool, 3),
    }
    print(json.dumps(result))
    return 0 if result["ratio"] <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
