"""ranktopo.torch at 2 and 4 processes (torch_worker.py, one process per rank, a TCPStore on 127.0.0.1)."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch.distributed")
try:
    import ranktopo.torch  # noqa: F401
except ImportError as e:  # built without Torch
    pytest.skip(f"ranktopo.torch is not built: {e}", allow_module_level=True)

WORKER = Path(__file__).with_name("torch_worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(scenario: str, world: int):
    port = free_port()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(WORKER.parent), env.get("PYTHONPATH")]))
    procs = [subprocess.Popen([sys.executable, str(WORKER), scenario, str(port), str(world), str(rank)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
             for rank in range(world)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    return sorted(results, key=lambda r: r["rank"])


@pytest.mark.parametrize("world", [2, 4])
def test_allreduce_on_every_accessor_and_reinit_after_destroy(world):
    for r in run("allreduce", world):
        for round_ in ("first", "second"):
            sums = r[round_]
            assert set(sums) == {"mc2", "dynamic_eplb", "otp", "mlp_tp"}
            for accessor, (got, members_sum) in sums.items():
                assert got == members_sum, (r["rank"], round_, accessor)
        assert r["created"] == [3, 3]  # mc2, dynamic_eplb, otp (mlp_tp shares it): this rank's groups only


@pytest.mark.parametrize("world", [2, 4])
def test_a_skewed_rank_fails_every_rank_alike(world):
    results = run("skew", world)
    errors = [r["error"] for r in results]
    assert errors[0] is not None and errors[0][0] == "AgreementError" and errors[0][2] == "mlp_tensor_parallel_size"
    assert all(e == errors[0] for e in errors)


def test_a_python_factory_builds_the_groups():
    for r in run("factory", 2):
        assert r["names"] == ["mc2", "dynamic_eplb", "otp"]
        assert all(got == want for got, want in r["sums"].values())


def test_module_level_functions_after_init_process_group():
    for r in run("registered", 2):
        assert all(all(checks) for checks in r["checks"].values()), r
        assert r["left"] == 1  # destroy() removed ours; the default group remains
