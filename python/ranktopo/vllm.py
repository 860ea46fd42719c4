"""vllm-ascend's init_ascend_model_parallel and destroy_ascend_model_parallel, driven by a plan.

>>> from vllm.distributed.parallel_state import init_model_parallel_group
>>> groups = ranktopo.vllm.init_model_parallel(plan, local_rank, backend, init_model_parallel_group)
>>> groups["mc2"]                 # what init_model_parallel_group returned for "mc2"
>>> ranktopo.vllm.destroy(groups)  # the release's teardown order, each group once

The function is called exactly as the chosen release's init_ascend_model_parallel
calls it: ``fn(group_ranks, local_rank, backend, group_name=name)``, once per
creation (shared fine-grained groups once), in creation order, with the same
group_ranks and group_name (``p_tp_{i}`` included). The borrowed TP group
(flashcomm2_odp when FlashComm2's o_proj TP size is 1) is not created: pass the
engine's own as `tp_group`.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

from ._core import Plan

__all__ = ["ModelParallelGroups", "destroy", "init_model_parallel"]


class ModelParallelGroups(Dict[str, Any]):
    """Accessor -> what init_model_parallel_group returned (or the borrowed TP group).

    ``created`` lists the returned objects per creation, in creation order;
    ``plan`` is the plan they came from."""

    def __init__(self, plan: Plan, created: List[Any], groups: Dict[str, Any]) -> None:
        super().__init__(groups)
        self.plan = plan
        self.created = created


def init_model_parallel(
    plan: Plan,
    local_rank: int,
    backend: Any,
    init_model_parallel_group: Callable[..., Any],
    tp_group: Any = None,
) -> ModelParallelGroups:
    """Calls `init_model_parallel_group` as the plan's release's init_ascend_model_parallel does
    and returns accessor -> its result.

    `local_rank` is this process's node-local rank (``get_world_group().local_rank``);
    when the plan has a p_tp group its name depends on it, so it must be the
    plan's config ``local_rank`` (ValueError otherwise)."""
    if not isinstance(plan, Plan):
        raise TypeError(f"init_model_parallel: plan must be a ranktopo.Plan, got {type(plan).__name__}")
    if "p_tp" in plan.handles and local_rank != plan.config.local_rank:
        raise ValueError(
            f"init_model_parallel: local_rank ({local_rank}) differs from the plan's local_rank "
            f"({plan.config.local_rank}), which names the p_tp group: make the plan with local_rank={local_rank}"
        )
    created = [
        init_model_parallel_group(creation.group_ranks, local_rank, backend, group_name=creation.name)
        for creation in plan.creations
    ]
    groups = {
        accessor: (tp_group if index == "borrowed:tp" else created[index]) for accessor, index in plan.handles.items()
    }
    return ModelParallelGroups(plan, created, groups)


def destroy(groups: ModelParallelGroups, destroy_group: Optional[Callable[[Any], None]] = None) -> None:
    """Tears down what init_model_parallel created, in destroy_ascend_model_parallel's order, each
    group once (a shared group once, the borrowed TP group never): ``destroy_group(group)``, or
    ``group.destroy()`` when not given. Empties `groups`."""
    for index in groups.plan.destroy_order:
        group = groups.created[index]
        if destroy_group is not None:
            destroy_group(group)
        else:
            group.destroy()
    groups.clear()
    groups.created = []
