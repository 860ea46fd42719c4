"""Shared fixtures: where the golden files and the tool are (ctest passes them in the environment)."""

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLDEN = Path(os.environ.get("RANKTOPO_GOLDEN_DIR", REPO.parent / "shared" / "golden"))
TOOL = os.environ.get("RANKTOPO_TOOL", "")


def load(path: Path):
    with open(path) as f:
        return json.load(f)


def golden_fixtures():
    """(file stem, index, fixture) of the 400 fixtures and every release's."""
    out = []
    for i, f in enumerate(load(GOLDEN / "vllm_ascend_239683c.json")["fixtures"]):
        out.append(("239683c", i, f))
    for path in sorted((GOLDEN / "releases").glob("*.json")):
        for i, f in enumerate(load(path)["fixtures"]):
            out.append((path.stem, i, f))
    return out


@pytest.fixture(scope="session")
def fixtures():
    found = golden_fixtures()
    if not found:
        pytest.fail(f"no golden fixtures under {GOLDEN}")
    return found


@pytest.fixture(scope="session")
def tool():
    if not TOOL or not Path(TOOL).exists():
        pytest.skip("RANKTOPO_TOOL (the ranktopo executable) is not set")
    return TOOL
