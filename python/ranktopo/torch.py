"""Real torch.distributed process groups, each rank constructing only its own groups.

>>> store = torch.distributed.TCPStore("127.0.0.1", port, world, rank == 0)
>>> groups = ranktopo.torch.init(cfg, store, rank, timeout=timedelta(seconds=60))  # agreement first
>>> pg = groups.get("mc2")   # a torch.distributed.ProcessGroup (ProcessGroupGloo by default)
>>> pg.allreduce([t]).wait()
>>> groups.destroy()

The C++ ranktopo::torch backend is underneath: every rank first agrees on the
config through the store (a rank with another config makes every rank raise
AgreementError), then constructs, per creation, only the group it belongs to,
under a store prefix only that group's members use; the n-th init() of every
rank uses its own keys (ranktopo/python/<n>/...), so init after destroy works and
every rank must call init() equally often. No world-wide collective,
no torch.distributed.init_process_group needed.

The groups' own methods always work (``pg.allreduce([t]).wait()``). So do
``dist.all_reduce(t, group=pg)`` and ``dist.barrier(group=pg)`` (torch 1.13 calls
the group directly). The functions that map global ranks to group ranks
(``dist.get_rank(group=pg)``, ``dist.get_world_size(group=pg)``,
``dist.broadcast(t, src=global_rank, group=pg)``) need the group in
torch.distributed's tables: when ``torch.distributed.is_initialized()`` at
init() (``init_process_group`` first), init() enters every group there (as
new_group would) and destroy() removes them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, List, Mapping, Optional, Union

import torch.distributed  # noqa: F401  (registers Store and ProcessGroup for _torch)

from . import Config, _config
from . import _torch

__all__ = ["Groups", "init"]

Factory = Callable[[Any, int, int, str], Any]


class Groups(_torch.Groups):
    __doc__ = _torch.Groups.__doc__

    def __init__(self, config_json: str, store: Any, rank: int, timeout: timedelta, factory: Optional[Factory],
                 mode: str, vllm_groups: bool, engine_checks: bool, tp_group: Any) -> None:
        super().__init__(config_json, store, rank, timeout, factory, mode, vllm_groups, engine_checks, tp_group)
        self._registered: List[Any] = []
        if torch.distributed.is_initialized() and mode == "eager":  # lazy groups do not exist yet
            self._register()

    def _register(self) -> None:
        # What torch.distributed.new_group records, so that the module-level
        # functions translate global ranks for these groups too (torch 1.13's tables).
        c10d = torch.distributed.distributed_c10d
        for accessor in self.accessors():
            pg = self.try_get(accessor)
            if pg is None or any(pg is seen for seen in self._registered):
                continue
            _, _, members = self.place(accessor)
            c10d._pg_group_ranks[pg] = {rank: position for position, rank in enumerate(members)}
            c10d._pg_map[pg] = (torch.distributed.get_backend(), None)
            self._registered.append(pg)

    def destroy(self) -> None:
        """Destroys every group in vllm-ascend's teardown order, each once (and removes them from
        torch.distributed's tables when init() entered them); init() may follow again."""
        c10d = torch.distributed.distributed_c10d
        for pg in self._registered:
            c10d._pg_group_ranks.pop(pg, None)
            c10d._pg_map.pop(pg, None)
        self._registered = []
        super().destroy()

def init(
    config: Union[Config, Mapping[str, Any]],
    store: Any,
    rank: int,
    timeout: timedelta = timedelta(seconds=300),
    factory: Optional[Factory] = None,
    mode: str = "eager",
    vllm_groups: bool = False,
    engine_checks: bool = True,
    tp_group: Any = None,
) -> Groups:
    """This rank's process groups for `config`, built over `store` (a torch.distributed
    TCPStore or FileStore that every rank shares) with world size ``config.world_size``.

    rank          -- this process's rank in 0..world_size-1
    timeout       -- bounds the agreement step and every group's rendezvous
    factory       -- ``factory(store, rank_in_group, group_size, name) -> ProcessGroup`` to build
                     NCCL/HCCL groups (`store` is already prefixed for this group only); default:
                     ProcessGroupGloo on 127.0.0.1
    mode          -- "eager" (all in init), "lazy" or "checked_lazy" (on first get())
    vllm_groups   -- also create vLLM's own groups (world, tp, dcp when > 1, pcp, pp, dp, ep) first
    engine_checks -- refuse what vllm-ascend refuses (ascend_config.py rules) with ConfigError
    tp_group      -- the engine's TP ProcessGroup, served for flashcomm2_odp when FlashComm2's
                     o_proj TP size is 1 (not with vllm_groups)

    Raises AgreementError (every rank alike) when ranks disagree, ConfigError
    for a config vllm-ascend cannot serve, BackendError when a group cannot be
    built within the timeout."""
    if not isinstance(timeout, timedelta):
        raise TypeError(f"ranktopo.torch.init: timeout must be a datetime.timedelta, got {type(timeout).__name__}")
    if isinstance(rank, bool) or not isinstance(rank, int):
        raise TypeError(f"ranktopo.torch.init: rank must be an int, got {type(rank).__name__}")
    if factory is not None and not callable(factory):
        raise TypeError("ranktopo.torch.init: factory must be callable")
    cfg = _config(config, "ranktopo.torch.init")
    # Each init gets keys of its own, so that init after destroy (or a second set of groups)
    # never meets an earlier one's: the n-th init of every rank uses session n.
    session = store.add(f"ranktopo/python/sessions/{rank}", 1)
    scoped = torch.distributed.PrefixStore(f"ranktopo/python/{session}", store)
    return Groups(cfg.to_json(), scoped, rank, timeout, factory, mode, bool(vllm_groups), bool(engine_checks), tp_group)
