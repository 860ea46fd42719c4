"""Every golden fixture (the 400 of commit 239683c and every release's) through Config(**config) and make_plan."""

import numpy as np
import pytest

import ranktopo


def test_every_golden_fixture(fixtures):
    served = refused = 0
    for stem, index, fixture in fixtures:
        where = f"{stem} #{index}: {fixture['config']}"
        if fixture["expect"] == "error":
            with pytest.raises(ranktopo.ConfigError) as refusal:
                ranktopo.make_plan(ranktopo.Config(**fixture["config"]))
            assert refusal.value.problems, where
            assert isinstance(refusal.value, ValueError)
            refused += 1
            continue
        plan = ranktopo.make_plan(ranktopo.Config(**fixture["config"]))
        expected = fixture["creations"]
        assert [c.name for c in plan.creations] == [c["name"] for c in expected], where
        for creation, want in zip(plan.creations, expected):
            assert creation.group_ranks == want["groups"], where
            ranks = creation.ranks()
            assert ranks.dtype == np.int64 and ranks.shape == (creation.num_groups, creation.group_size), where
            assert (ranks == np.array(want["groups"], dtype=np.int64)).all(), where
            for g, members in enumerate(want["groups"]):
                for position, rank in enumerate(members):
                    assert creation.locate(rank) == (g, position), where
        assert plan.handles == fixture["handles"], where
        assert plan.destroy_order == fixture["destroy_order"], where
        served += 1
    assert served > 800 and refused > 0


def test_locate_refuses_a_rank_outside_the_world():
    creation = ranktopo.make_plan(ranktopo.Config(world_size=8, tensor_parallel_size=2)).creations[0]
    for rank in (-1, 8, 2**40):
        with pytest.raises(ranktopo.RankLookupError, match="outside"):
            creation.locate(rank)
    assert issubclass(ranktopo.RankLookupError, IndexError)
