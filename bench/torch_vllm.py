"""vLLM's way of creating a plan's groups, timed: every rank calls
torch.distributed.new_group(ranks, backend="gloo") for every group of every
creation, as vLLM's init_model_parallel_group does.

    /usr/bin/python3 bench/torch_vllm.py <processes> <plan.json>

plan.json is `ranktopo plan` output for the same config. N processes share a
FileStore; prints "vllm N creations groups slowest_ms calls_per_rank".
"""
import json
import os
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, n, plan_path, store_path, results):
    with open(plan_path) as f:
        creations = json.load(f)["creations"]
    dist.init_process_group("gloo", init_method="file://" + store_path, rank=rank, world_size=n)
    dist.barrier()
    start = time.perf_counter()
    calls = 0
    groups = []
    for creation in creations:
        for ranks in creation["groups"]:
            groups.append(dist.new_group(ranks, backend="gloo"))
            calls += 1
    elapsed = torch.tensor([(time.perf_counter() - start) * 1e3])
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    results.put((rank, float(elapsed[0]), calls))
    dist.barrier()
    dist.destroy_process_group()


def main():
    n = int(sys.argv[1])
    plan_path = sys.argv[2]
    with open(plan_path) as f:
        creations = json.load(f)["creations"]
    groups = sum(len(c["groups"]) for c in creations)
    with tempfile.TemporaryDirectory() as tmp:
        ctx = mp.get_context("fork")
        results = ctx.Queue()
        procs = [ctx.Process(target=rank_main, args=(r, n, plan_path, os.path.join(tmp, "store"), results))
                 for r in range(n)]
        for p in procs:
            p.start()
        got = [results.get(timeout=600) for _ in range(n)]
        for p in procs:
            p.join()
        if any(p.exitcode != 0 for p in procs):
            sys.exit("a rank failed")
    slowest = max(ms for _, ms, _ in got)
    calls = max(c for _, _, c in got)
    print(f"vllm {n} {len(creations)} {groups} {slowest} {calls}")


if __name__ == "__main__":
    main()
