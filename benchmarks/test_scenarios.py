"""Two-stage disruption scenarios: build + hand-over and solve times, and the growth of the
extensive form (one recourse block per scenario) with the number of scenarios."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from sourcing.data import build_data
from sourcing.generate import generate
from sourcing.model import build_model, disruption_stages
from sourcing.schema import Instance
from sourcing.solve import SolveOptions, handover, run

COUNTS = [1, 10, 50]
SEED = 1


def extensive_form(instance: Instance) -> pyo.ConcreteModel:
    """The nominal plan and one recourse block per disruption scenario."""
    return build_model(build_data(instance), disruption_stages(instance))


def size(instance: Instance) -> tuple[int, int]:
    """Rows and columns of the extensive form as handed to HiGHS."""
    handed = handover(extensive_form(instance))
    return handed.num_rows, len(handed.columns)


@pytest.mark.parametrize("scenarios", COUNTS)
def test_build_and_handover_small(benchmark, scenarios):
    instance = generate("S", seed=SEED, scenarios=scenarios)
    handed = benchmark(lambda: handover(extensive_form(instance)))
    assert handed.columns


@pytest.mark.parametrize("scenarios", COUNTS)
def test_build_medium(benchmark, scenarios):
    instance = generate("M", seed=SEED, scenarios=scenarios)
    model = benchmark.pedantic(extensive_form, args=(instance,), rounds=3, iterations=1)
    assert len(model.recourse) == scenarios


@pytest.mark.parametrize("scenarios", COUNTS)
def test_solve_small(benchmark, scenarios):
    """HiGHS on the extensive form of size S, to a 1 % gap (50 scenarios take seconds)."""
    model = extensive_form(generate("S", seed=SEED, scenarios=scenarios))

    def solve_once():
        return run(handover(model), SolveOptions(mip_gap=1e-2))

    outcome = benchmark.pedantic(solve_once, rounds=3, iterations=1)
    assert outcome.status == "optimal"


def test_extensive_form_grows_linearly():
    """Each scenario adds one block of about the same size: from 1 to 10 scenarios adds 9
    blocks, from 10 to 50 adds 40, so the growth per block agrees (within 10 %; blocks differ
    a little, as a zeroed capacity removes flows)."""
    sizes = {n: size(generate("S", seed=SEED, scenarios=n)) for n in COUNTS}
    for axis in (0, 1):  # rows, columns
        first = (sizes[10][axis] - sizes[1][axis]) / 9
        second = (sizes[50][axis] - sizes[10][axis]) / 40
        assert first > 0
        assert second == pytest.approx(first, rel=0.1), sizes


def test_identical_scenarios_grow_exactly_linearly():
    """n copies of one scenario: every block is the same, so the growth is exact."""
    base = generate("S", seed=SEED)
    disruption = {"probability": 0.2, "capacity_factor": {"TW": 0.5, "cn-00": 0.0}}

    def copies(n: int) -> Instance:
        scenarios = [
            {"id": f"copy-{i:02d}", **disruption, "probability": disruption["probability"] / n}
            for i in range(n)
        ]
        return base.replace(scenarios=scenarios)

    sizes = {n: size(copies(n)) for n in COUNTS}
    nominal = size(base)
    for axis in (0, 1):
        block = sizes[1][axis] - nominal[axis]
        assert block > 0
        assert sizes[10][axis] - sizes[1][axis] == 9 * block
        assert sizes[50][axis] - sizes[10][axis] == 40 * block
