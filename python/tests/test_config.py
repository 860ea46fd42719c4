"""Config: keywords, defaults, types, refusals, JSON; errors; the fuzz corpus; diff, lint, global_rank."""

import json
import subprocess
from pathlib import Path

import pytest

import ranktopo
from conftest import REPO


def test_options_come_from_the_cpp_table():
    names = [o["name"] for o in ranktopo.Config.options()]
    assert names[0] == "world_size" and names[-1] == "vllm_ascend_version"
    assert "tensor_parallel_size" in names and len(names) == len(set(names))
    c = ranktopo.Config(world_size=8)
    for o in ranktopo.Config.options():
        if o["name"] != "world_size":
            assert getattr(c, o["name"]) == o["default"], o["name"]
    assert c.vllm_ascend_version == "0.17.0rc1"


def test_releases():
    assert ranktopo.releases()[0] == "0.13.0rc2" and ranktopo.releases()[-1] == "0.25.1rc1"
    assert ranktopo.Config(world_size=1, vllm_ascend_version="latest").vllm_ascend_version == "0.25.1rc1"


def test_attributes_read_and_write():
    c = ranktopo.Config(world_size=16, tensor_parallel_size=4)
    c.data_parallel_size = 4
    assert c.data_parallel_size == 4 and c.to_dict()["data_parallel_size"] == 4
    with pytest.raises(TypeError, match="'data_parallel_size' must be an int"):
        c.data_parallel_size = 2.0
    with pytest.raises(ranktopo.ConfigError, match="data_parallel_size"):
        c.data_parallel_size = 0
    assert c.data_parallel_size == 4  # unchanged by a refused write
    with pytest.raises(AttributeError, match="did you mean 'tensor_parallel_size'"):
        c.tensor_paralel_size
    with pytest.raises(TypeError, match="did you mean 'tensor_parallel_size'"):
        c.tensor_paralel_size = 2


def test_json_round_trip_and_dicts():
    c = ranktopo.Config(world_size=16, tensor_parallel_size=4, dynamic_eplb=True, vllm_ascend_version="0.18.0")
    assert ranktopo.Config.from_json(c.to_json()) == c
    assert ranktopo.Config.from_json(json.loads(c.to_json())) == c
    assert json.loads(c.to_json())["dynamic_eplb"] is True
    assert ranktopo.make_plan(c.to_dict()).fingerprint == ranktopo.make_plan(c).fingerprint
    with pytest.raises(ranktopo.ConfigError, match="tensor_paralel_size"):
        ranktopo.Config.from_json('{"world_size": 8, "tensor_paralel_size": 2}')
    with pytest.raises(ranktopo.ConfigError):
        ranktopo.Config.from_json('{"world_size": 8, "world_size": 4}')


def test_decode_context_parallel_size():
    c = ranktopo.Config(world_size=8, tensor_parallel_size=8, decode_context_parallel_size=2)
    assert c.decode_context_parallel_size == 2
    assert json.loads(c.to_json())["decode_context_parallel_size"] == 2
    assert ranktopo.Config.from_json(c.to_json()) == c
    # At its default the option reads as 1 but is left out of the JSON and the fingerprint.
    plain = ranktopo.Config(world_size=8, tensor_parallel_size=8)
    assert plain.decode_context_parallel_size == 1 and "decode_context_parallel_size" not in plain.to_json()
    assert ranktopo.make_plan(c).fingerprint != ranktopo.make_plan(plain).fingerprint
    with pytest.raises(ranktopo.ConfigError, match=r"decode_context_parallel_size \(3\) must divide"):
        ranktopo.make_plan(c.replace(decode_context_parallel_size=3))


def test_types_and_unknown_keywords():
    with pytest.raises(TypeError, match="'tensor_parallel_size' must be an int, got str '2'"):
        ranktopo.Config(world_size=8, tensor_parallel_size="2")
    with pytest.raises(TypeError, match="'tensor_parallel_size' must be an int, got bool"):
        ranktopo.Config(world_size=8, tensor_parallel_size=True)
    with pytest.raises(TypeError, match="'dynamic_eplb' must be a bool, got int"):
        ranktopo.Config(world_size=8, dynamic_eplb=1)
    with pytest.raises(TypeError, match="unexpected option 'tensor_paralel_size'; did you mean 'tensor_parallel_size'"):
        ranktopo.Config(world_size=8, tensor_paralel_size=2)


def test_refusals_raise_config_error_with_problems():
    assert issubclass(ranktopo.ConfigError, ValueError)
    with pytest.raises(ranktopo.ConfigError, match="world_size is required"):
        ranktopo.Config()
    with pytest.raises(ranktopo.ConfigError) as refused:
        ranktopo.make_plan(ranktopo.Config(world_size=8, tensor_parallel_size=3))
    assert str(refused.value).startswith("ranktopo::make_plan: world_size (8) must be a multiple")
    assert refused.value.problems[0][0] == "world_size"
    with pytest.raises(ranktopo.ConfigError, match="not a known vllm-ascend release"):
        ranktopo.Config(world_size=8, vllm_ascend_version="0.1")
    with pytest.raises(ranktopo.ConfigError, match="flashcomm2_enabled"):
        ranktopo.Config(world_size=8, flashcomm2_enabled=True, vllm_ascend_version="0.25.1rc1")
    with pytest.raises(ranktopo.ConfigError):
        ranktopo.Config(world_size=2**40)
    problems = ranktopo.Config(world_size=8, tensor_parallel_size=3).problems()
    assert problems and problems[0][0] == "world_size"


def fuzz_inputs():
    corpus = [p.read_bytes() for p in sorted((REPO / "tests" / "fuzz_regressions").iterdir())]
    corpus += [b"", b"{", b"[]", b"null", b'{"world_size": 1e400}', b'{"world_size": -1}', b'{"world_size": "8"}',
               b'{"world_size": 8, "tensor_parallel_size": 18446744073709551617}', b'{"\\u0000": 1}',
               b'{"world_size": 2147483647, "tensor_parallel_size": 2147483647}', b"\xff\xfe",
               b"[" * 100000, b'{"world_size": 8, "x": ' + b'{"a":' * 2000 + b"1" + b"}" * 2001]
    return corpus


def test_no_input_crashes_the_interpreter():
    for raw in fuzz_inputs():
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            text = None
        if text is not None:
            try:
                ranktopo.make_plan(ranktopo.Config.from_json(text))
            except (ranktopo.ConfigError, TypeError):
                pass
        try:
            options = json.loads(raw)
        except (ValueError, RecursionError):  # Python's own json module refuses these
            continue
        if isinstance(options, dict):
            try:
                ranktopo.make_plan(ranktopo.Config(**options))
            except (ranktopo.ConfigError, TypeError):
                pass


def test_diff_lint_global_rank():
    c = ranktopo.Config(world_size=16, tensor_parallel_size=2, data_parallel_size=4, pipeline_parallel_size=2)
    same = ranktopo.diff(c, c)
    assert same["identical"] is True and same["options"] == []
    changed = ranktopo.diff(c, c.replace(vllm_ascend_version="0.18.0"))
    assert not changed["identical"]
    mc2 = next(x for x in changed["communicators"] if x["name"] == "mc2")
    assert mc2["status"] == "changed" and mc2["ranks_changing_group"] > 0
    report = ranktopo.lint(c, ranks_per_node=8)
    assert report["ranks_per_node"] == 8 and any(f["name"] == "mc2" for f in report["families"])
    assert any(w["kind"] == "mixes_axes" for w in report["warnings"])
    with pytest.raises(TypeError):
        ranktopo.lint(c, ranks_per_node="8")
    v23 = c.replace(vllm_ascend_version="0.23.0")
    assert ranktopo.global_rank(v23, 1, 3) == 1 * 4 + 3
    with pytest.raises(ranktopo.ConfigError, match="get_global_rank does not exist"):
        ranktopo.global_rank(c, 0, 0)


def test_help_reads_well():
    for thing in (ranktopo.Config, ranktopo.make_plan, ranktopo.read_deployment, ranktopo.diff, ranktopo.lint,
                  ranktopo.global_rank, ranktopo.Plan, ranktopo.Creation, ranktopo.Creation.ranks,
                  ranktopo.Creation.locate, ranktopo.ConfigError, ranktopo.releases):
        assert thing.__doc__ and len(thing.__doc__) > 20, thing


def run_tool(tool, *args):
    return subprocess.run([tool, *args], capture_output=True, text=True)


def test_plan_json_diff_and_lint_match_the_tool(tool, tmp_path):
    for c in (ranktopo.Config(world_size=16, tensor_parallel_size=4, data_parallel_size=2, pipeline_parallel_size=2,
                              mlp_tensor_parallel_size=2, dynamic_eplb=True, vllm_ascend_version="0.18.0"),
              ranktopo.Config(world_size=16, tensor_parallel_size=4, data_parallel_size=2, pipeline_parallel_size=2,
                              is_kv_producer=True, pd_head_ratio=2, pd_tp_ratio=2, num_head_replica=2, local_rank=5)):
        path = tmp_path / "c.json"
        path.write_text(c.to_json())
        plan = ranktopo.make_plan(c)
        assert plan.to_json() == run_tool(tool, "plan", "--config", str(path)).stdout
        assert plan.fingerprint == run_tool(tool, "plan", "--config", str(path), "--fingerprint").stdout.strip()
        lint_out = run_tool(tool, "lint", "--config", str(path), "--ranks-per-node", "4", "--format", "json").stdout
        assert ranktopo.lint(c, ranks_per_node=4) == json.loads(lint_out)
        diff_out = run_tool(tool, "diff", "--config", str(path), "--to-version", "0.25.1rc1", "--format", "json").stdout
        assert ranktopo.diff(c, c.replace(vllm_ascend_version="0.25.1rc1")) == json.loads(diff_out)
