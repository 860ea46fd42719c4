"""vLLM's way of creating a plan's groups, timed: every rank calls
torch.distributed.new_group(ranks, backend="gloo") for every group of every
creation, as vLLM's init_model_parallel_group does.

    /usr/bin/python3 bench/torch_vllm.py <processes> <plan.json>

plan.json is `ranktopo plan` output for the same config. N processes share a
TCPStore (vLLM's tcp:// init; RANKTOPO_BENCH_STORE=file: a FileStore); prints
"vllm N creations groups slowest_ms calls_per_rank", then the slowest rank's
time in each creation's new_group calls.
"""
import json
import os
import socket
import sys
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def rank_main(rank, n, plan_path, store_path, results):
    with open(plan_path) as f:
        creations = json.load(f)["creations"]
    # vLLM initializes with tcp:// (a TCPStore); file:// when asked
    init = store_path if store_path.startswith("tcp://") else "file://" + store_path
    dist.init_process_group("gloo", init_method=init, rank=rank, world_size=n)
    dist.barrier()
    start = time.perf_counter()
    calls = 0
    groups = []
    creation_ms = []
    for creation in creations:
        creation_start = time.perf_counter()
        for ranks in creation["groups"]:
            groups.append(dist.new_group(ranks, backend="gloo"))
            calls += 1
        creation_ms.append((time.perf_counter() - creation_start) * 1e3)
    # the total, then each creation's time; the slowest rank's of each
    elapsed = torch.tensor([(time.perf_counter() - start) * 1e3] + creation_ms)
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    results.put((rank, elapsed.tolist(), calls))
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
        store = os.path.join(tmp, "store")
        kind = os.environ.get("RANKTOPO_BENCH_STORE", "tcp")
        if kind not in ("tcp", "file"):
            sys.exit(f"torch_vllm.py: RANKTOPO_BENCH_STORE={kind}: expected tcp or file")
        if kind == "tcp":
            with socket.socket() as s:  # a free port for rank 0's TCPStore
                s.bind(("127.0.0.1", 0))
                store = f"tcp://127.0.0.1:{s.getsockname()[1]}"
        procs = [ctx.Process(target=rank_main, args=(r, n, plan_path, store, results))
                 for r in range(n)]
        for p in procs:
            p.start()
        got = [results.get(timeout=600) for _ in range(n)]
        for p in procs:
            p.join()
        if any(p.exitcode != 0 for p in procs):
            sys.exit("a rank failed")
    slowest = got[0][1]  # the same on every rank after the all_reduce
    calls = max(c for _, _, c in got)
    print(f"vllm {n} {len(creations)} {groups} {slowest[0]} {calls}")
    print(" ".join(str(ms) for ms in slowest[1:]))


if __name__ == "__main__":
    main()
