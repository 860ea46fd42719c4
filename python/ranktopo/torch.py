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

The groups are not registered with torch.distributed's default group, so use
their own methods (``pg.allreduce([t]).wait()``, ``pg.broadcast(...)``); the
module-level functions (``dist.all_reduce(t, group=pg)``) look the group up
in torch.distributed's registry and refuse it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Mapping, Optional, Union

import torch.distributed  # noqa: F401  (registers Store and ProcessGroup for _torch)

from . import Config, _config
from ._torch import Groups

__all__ = ["Groups", "init"]

Factory = Callable[[Any, int, int, str], Any]


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
    vllm_groups   -- also create vLLM's own groups (world, tp, pp, dp, pcp, ep) first
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
