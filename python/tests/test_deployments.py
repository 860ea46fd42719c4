"""The deployment fixtures of shared/golden/deployments through read_deployment, and deployment examples."""

import json
import subprocess
import tempfile

import pytest

import ranktopo
from conftest import GOLDEN, TOOL, load


def outcome(release, deployment):
    """("plan", creations) or ("error", message) for one fixture's deployment."""
    try:
        derived = ranktopo.read_deployment(
            vllm_args=deployment["vllm_args"],
            additional_config=deployment.get("additional_config"),
            kv_transfer_config=deployment.get("kv_transfer_config"),
            env=deployment.get("env") or {},
            model_config=deployment.get("model_config"),
            release=release,
        )
        plan = ranktopo.make_plan(derived.config)
    except ranktopo.ConfigError as e:
        return "error", str(e)
    return "plan", [{"name": c.name, "groups": c.group_ranks} for c in plan.creations]


def tool_outcome(release, deployment):
    """The same as outcome(), from `ranktopo plan` given the deployment's flags."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as model:
        json.dump(deployment.get("model_config") or {}, model)
        model.flush()
        command = [TOOL, "plan", "--vllm-args", deployment["vllm_args"], "--set", f"vllm_ascend_version={release}"]
        for flag in ("additional_config", "kv_transfer_config"):
            if deployment.get(flag) is not None:
                command += ["--" + flag.replace("_", "-"), json.dumps(deployment[flag])]
        for key, value in (deployment.get("env") or {}).items():
            command += ["--env", f"{key}={value}"]
        if deployment.get("model_config") is not None:
            command += ["--model-config", model.name]
        run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        return "error", run.stderr
    return "plan", json.loads(run.stdout)["creations"]


def test_every_deployment_fixture():
    files = sorted((GOLDEN / "deployments").glob("*.json"))
    assert len(files) == 16
    agree = differ = 0
    mismatches = []
    for path in files:
        document = load(path)
        for index, fixture in enumerate(document["fixtures"]):
            kind, value = outcome(document["release"], fixture["deployment"])
            expected = ("plan", fixture["creations"]) if fixture["expect"] == "plan" else ("error", None)
            if kind == expected[0] and (kind == "error" or value == expected[1]):
                agree += 1
            else:
                differ += 1
                mismatches.append((path.stem, index, document["release"], fixture["deployment"]))
    # Every fixture: the release's own answer, as the C++ tests require of the reader.
    assert not mismatches, f"{differ} of {agree + differ} differ from the release:\n" + "\n".join(
        f"{path} #{index} ({release}): {deployment}" for path, index, release, deployment in mismatches[:20])
    print(f"all {agree} deployment fixtures agree")


@pytest.mark.skipif(not TOOL, reason="RANKTOPO_TOOL is not set")
def test_the_binding_reads_as_the_tool():
    """The first fixture of each file, through the binding and through `ranktopo plan` with the same flags."""
    for path in sorted((GOLDEN / "deployments").glob("*.json")):
        document = load(path)
        deployment = document["fixtures"][0]["deployment"]
        kind, value = outcome(document["release"], deployment)
        tool_kind, tool_value = tool_outcome(document["release"], deployment)
        assert kind == tool_kind, f"{path.stem}: binding {kind} {value}, tool {tool_kind} {tool_value}"
        if kind == "plan":
            assert value == tool_value, path.stem
        else:  # the tool says "ranktopo plan: " where the binding says "ranktopo::read_deployment: "
            assert value.split(": ", 1)[-1] in tool_value, f"{path.stem}: binding {value}, tool {tool_value}"


def test_sources_and_dicts():
    d = ranktopo.read_deployment(
        vllm_args=["serve", "/m", "-tp", "4", "-dp", "2"],
        additional_config={"finegrained_tp_config": {"mlp_tensor_parallel_size": 2}},
        release="0.18.0",
    )
    assert d.config.world_size == 8 and d.config.mlp_tensor_parallel_size == 2
    assert d.config.vllm_ascend_version == "0.18.0"
    assert d.sources["tensor_parallel_size"] == "--tensor-parallel-size"
    assert d.sources["local_rank"] == "default"
    assert d.sources["mlp_tensor_parallel_size"].startswith("--additional-config")
    assert list(d.sources) == [o["name"] for o in ranktopo.Config.options() if o["name"] in d.sources]
    same = ranktopo.read_deployment("serve /m -tp 4 -dp 2",
                                    additional_config='{"finegrained_tp_config": {"mlp_tensor_parallel_size": 2}}',
                                    release="0.18.0")
    assert same.config == d.config


def test_ignored_skipped_and_model_facts():
    d = ranktopo.read_deployment(
        vllm_args="serve /m -tp 2 --max-model-len 4096",
        additional_config={"layer_sharding": ["o_proj"]},
        kv_transfer_config={"kv_role": "kv_producer"},
        model_config={"model_type": "llama", "num_attention_heads": 32},
        env={"VLLM_ASCEND_FLASHCOM2_PARALLEL_SIZE": "2"},
        release="0.24.0rc1",
    )
    assert d.ignored["--additional-config: layer_sharding"] == "ignored by 0.24.0rc1"
    assert d.skipped["--max-model-len"] == "4096"
    assert "VLLM_ASCEND_FLASHCOMM2_PARALLEL_SIZE" in " ".join(d.warnings)
    assert any(line.startswith("--additional-config: layer_sharding") or "layer_sharding" in line for line in d.warnings)


def test_deployment_errors_name_the_argument_and_path():
    with pytest.raises(ranktopo.ConfigError, match="--tensor-parallel-size must be an integer, got 'x'"):
        ranktopo.read_deployment("serve /m -tp x")
    with pytest.raises(ranktopo.ConfigError, match="--additional-config"):
        ranktopo.read_deployment("serve /m -tp 2", additional_config='{"finegrained_tp_config": {"mlp_tensor_parallel_size": "2"}}')
    with pytest.raises(ranktopo.ConfigError, match="vllm_ascend_version '0.1' is not a known"):
        ranktopo.read_deployment("serve /m", release="0.1")
    with pytest.raises(TypeError, match="additional_config"):
        ranktopo.read_deployment("serve /m", additional_config=3)
    with pytest.raises(TypeError, match="env"):
        ranktopo.read_deployment("serve /m", env={"LOCAL_RANK": 1})


def test_mc2_groups_of_one_deployment_on_two_releases():
    # The README's example: the same launch builds other MC2 groups from 0.18.0 on.
    launch = dict(vllm_args="serve /models/qwen3 -tp 2 -dp 2 -pp 2 --enable-expert-parallel")
    old = ranktopo.make_plan(ranktopo.read_deployment(**launch, release="0.17.0rc1").config)
    new = ranktopo.make_plan(ranktopo.read_deployment(**launch, release="0.18.0").config)
    assert old.creations[0].group_ranks == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert new.creations[0].group_ranks == [[0, 1, 4, 5], [2, 3, 6, 7]]
