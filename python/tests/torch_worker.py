"""One rank of the ranktopo.torch tests: python3 torch_worker.py SCENARIO PORT WORLD RANK.

Prints one JSON line with what it saw, so the test process can compare ranks."""

import json
import sys
from datetime import timedelta

import torch
import torch.distributed as dist

import ranktopo
import ranktopo.torch


def config(world: int, **extra) -> ranktopo.Config:
    options = dict(world_size=world, data_parallel_size=world, mlp_tensor_parallel_size=2,
                   oproj_tensor_parallel_size=2, dynamic_eplb=True, vllm_ascend_version="0.18.0")
    options.update(extra)
    return ranktopo.Config(**options)


def allreduce_all(groups, rank: int) -> dict:
    sums = {}
    for accessor in groups.accessors():
        pg = groups.get(accessor)
        assert isinstance(pg, dist.ProcessGroup), type(pg)
        t = torch.tensor([float(rank)])
        pg.allreduce([t]).wait()
        group, position, members = groups.place(accessor)
        assert pg.size() == len(members) and pg.rank() == position
        sums[accessor] = [t.item(), float(sum(members))]
    return sums


def main() -> None:
    scenario, port, world, rank = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    store = dist.TCPStore("127.0.0.1", port, world, rank == 0, timeout=timedelta(seconds=30))
    out = {"rank": rank}
    timeout = timedelta(seconds=20)
    if scenario == "allreduce":
        groups = ranktopo.torch.init(config(world), store, rank, timeout=timeout)
        out["first"] = allreduce_all(groups, rank)
        created = groups.created
        groups.destroy()
        groups = ranktopo.torch.init(config(world), store, rank, timeout=timeout)  # re-init after destroy
        out["second"] = allreduce_all(groups, rank)
        out["created"] = [created, groups.created]
        groups.destroy()
    elif scenario == "skew":
        cfg = config(world, mlp_tensor_parallel_size=1 if rank == world - 1 else 2)
        try:
            ranktopo.torch.init(cfg, store, rank, timeout=timeout)
            out["error"] = None
        except ranktopo.AgreementError as e:
            out["error"] = [type(e).__name__, str(e), e.option]
    elif scenario == "registered":
        # After init_process_group, torch.distributed's module-level functions take the groups.
        dist.init_process_group("gloo", store=dist.PrefixStore("default", store), rank=rank, world_size=world)
        groups = ranktopo.torch.init(config(world), store, rank, timeout=timeout)
        seen = {}
        for accessor in groups.accessors():
            pg = groups.get(accessor)
            group, position, members = groups.place(accessor)
            t = torch.tensor([float(rank)])
            dist.all_reduce(t, group=pg)
            b = torch.tensor([float(rank)])
            dist.broadcast(b, src=members[-1], group=pg)
            seen[accessor] = [t.item() == sum(members), b.item() == members[-1],
                              dist.get_rank(group=pg) == position, dist.get_world_size(group=pg) == len(members)]
        groups.destroy()
        out["checks"] = seen
        out["left"] = len(dist.distributed_c10d._pg_group_ranks)
        dist.destroy_process_group()
    elif scenario == "factory":
        names = []

        def gloo(group_store, rank_in_group, group_size, name):
            names.append(name)
            options = dist.ProcessGroupGloo._Options()
            options._timeout = timeout
            options._devices = [dist.ProcessGroupGloo.create_device(hostname="127.0.0.1")]
            return dist.ProcessGroupGloo(group_store, rank_in_group, group_size, options)

        groups = ranktopo.torch.init(config(world), store, rank, timeout=timeout, factory=gloo)
        out["sums"] = allreduce_all(groups, rank)
        out["names"] = names
        groups.destroy()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
