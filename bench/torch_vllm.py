"""vLLM's way of creating a plan's groups, timed: every rank calls
torch.distributed.new_group(ranks, backend="gloo") for every group of every
creation, as vLLM's init_model_parallel_group does.

    /usr/bin/python3 bench/torch_vllm.py <processes> <plan.json>

plan.json is `ranktopo plan` output for the same config. N processes share a
TCPStore (vLLM's tcp:// init; RANKTOPO_BENCH_STORE=file: a FileStore); prints
"vllm N creations groups slowest_ms calls_per_rank", then the slowest rank's
time in each creation's new_group calls.

RANKTOPO_BENCH_COUNT=1 wraps the store in a counting one (Python calls on
every store operation: not for timing) and prints two more lines: each
rank's store calls during the new_group calls, less the barriers' add(0)
polls, and each rank's polls (bench/creation_model.hpp's model, checked by
bench/torch_run.sh).
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


class CountingStore(dist.Store):
    """Forwards to another store, counting the calls (add(key, 0), the
    store-based barrier's polls, apart)."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.calls = 0
        self.polls = 0

    def set(self, key, value):
        self.calls += 1
        return self.inner.set(key, value)

    def get(self, key):
        self.calls += 1
        return self.inner.get(key)

    def add(self, key, value):
        if value == 0:
            self.polls += 1
        else:
            self.calls += 1
        return self.inner.add(key, value)

    def compare_set(self, key, expected, desired):
        self.calls += 1
        return self.inner.compare_set(key, expected, desired)

    def delete_key(self, key):
        self.calls += 1
        return self.inner.delete_key(key)

    def check(self, keys):
        self.calls += 1
        return self.inner.check(keys)

    def num_keys(self):
        self.calls += 1
        return self.inner.num_keys()

    def wait(self, keys, timeout=None):
        self.calls += 1
        return self.inner.wait(keys) if timeout is None else self.inner.wait(keys, timeout)

    def set_timeout(self, timeout):
        return self.inner.set_timeout(timeout)


def rank_main(rank, n, plan_path, store_path, results):
    with open(plan_path) as f:
        creations = json.load(f)["creations"]
    counting = None
    if os.environ.get("RANKTOPO_BENCH_COUNT") == "1":
        if store_path.startswith("tcp://"):
            host, port = store_path[len("tcp://"):].split(":")
            inner = dist.TCPStore(host, int(port), n, rank == 0)
        else:
            inner = dist.FileStore(store_path, n)
        counting = CountingStore(inner)
        dist.init_process_group("gloo", store=counting, rank=rank, world_size=n)
    else:
        # vLLM initializes with tcp:// (a TCPStore); file:// when asked
        init = store_path if store_path.startswith("tcp://") else "file://" + store_path
        dist.init_process_group("gloo", init_method=init, rank=rank, world_size=n)
    dist.barrier()
    counted_before = (counting.calls, counting.polls) if counting else (0, 0)
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
    counted = (counting.calls - counted_before[0], counting.polls - counted_before[1]) if counting else (0, 0)
    dist.all_reduce(elapsed, op=dist.ReduceOp.MAX)
    results.put((rank, elapsed.tolist(), calls, counted))
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
    calls = max(c for _, _, c, _ in got)
    print(f"vllm {n} {len(creations)} {groups} {slowest[0]} {calls}")
    print(" ".join(str(ms) for ms in slowest[1:]))
    if os.environ.get("RANKTOPO_BENCH_COUNT") == "1":
        by_rank = {r: counted for r, _, _, counted in got}
        print("store_ops " + " ".join(str(by_rank[r][0]) for r in range(n)))
        print("polls " + " ".join(str(by_rank[r][1]) for r in range(n)))


if __name__ == "__main__":
    main()
