"""ranktopo.vllm against every golden fixture: the recorded init_model_parallel_group calls are the fixture's creations."""

import pytest

import ranktopo
import ranktopo.vllm


class Recorder:
    def __init__(self):
        self.calls = []
        self.destroyed = []

    def init_model_parallel_group(self, group_ranks, local_rank, backend, group_name=None):
        self.calls.append((group_ranks, local_rank, backend, group_name))
        return ("group", len(self.calls) - 1)


def test_adapter_calls_as_the_release_does(fixtures):
    checked = 0
    for stem, index, fixture in fixtures:
        if fixture["expect"] != "groups":
            continue
        where = f"{stem} #{index}"
        config = ranktopo.Config(**fixture["config"])
        plan = ranktopo.make_plan(config)
        recorder = Recorder()
        tp = object()
        groups = ranktopo.vllm.init_model_parallel(plan, config.local_rank, "gloo", recorder.init_model_parallel_group,
                                                   tp_group=tp)
        assert [(c[3], c[0]) for c in recorder.calls] == [(c["name"], c["groups"]) for c in fixture["creations"]], where
        assert all(c[1] == config.local_rank and c[2] == "gloo" for c in recorder.calls), where
        for accessor, handle in fixture["handles"].items():
            assert groups[accessor] is tp if handle == "borrowed:tp" else groups[accessor] == ("group", handle), where
        assert set(groups) == set(fixture["handles"]), where
        torn = []
        ranktopo.vllm.destroy(groups, torn.append)
        assert torn == [("group", i) for i in fixture["destroy_order"]], where
        assert not groups
        checked += 1
    assert checked > 800


def test_adapter_default_destroy_calls_destroy_once_per_group():
    class Group:
        def __init__(self):
            self.destroyed = 0

        def destroy(self):
            self.destroyed += 1

    made = []
    plan = ranktopo.make_plan(ranktopo.Config(world_size=4, data_parallel_size=4, oproj_tensor_parallel_size=2,
                                              mlp_tensor_parallel_size=2))
    groups = ranktopo.vllm.init_model_parallel(plan, 0, "hccl", lambda *a, **k: made.append(Group()) or made[-1])
    assert groups["otp"] is groups["mlp_tp"] and len(made) == 2
    ranktopo.vllm.destroy(groups)
    assert [g.destroyed for g in made] == [1, 1]


def test_adapter_refuses_a_local_rank_that_renames_p_tp():
    config = ranktopo.Config(world_size=8, tensor_parallel_size=8, is_kv_producer=True, pd_head_ratio=2,
                             pd_tp_ratio=2, num_head_replica=2)
    plan = ranktopo.make_plan(config)
    assert "p_tp" in plan.handles
    with pytest.raises(ValueError, match="local_rank"):
        ranktopo.vllm.init_model_parallel(plan, 3, "gloo", lambda *a, **k: None)
