"""Two-stage disruption scenarios: build + hand-over and solve times, and the growth of the
extensive form (one recourse block per scenario) with the number of scenarios.

The extensive form has one copy of the flows per scenario, so it runs at the small sizes only:
build + hand-over at S and M, the solve (to a 1 % gap) and the growth checks at S.
"""

from __future__ import annotations

import pytest

from phases import SEED
from sourcing.instance.generate import generate
from sourcing.instance.schema import Instance
from sourcing.pipeline import Pipeline, model_size
from sourcing.solver import SolveOptions

COUNTS = [1, 10, 50]
ROUNDS = {"S": 5, "M": 3}


def extensive_form(instance: Instance, options: SolveOptions | None = None) -> Pipeline:
    """Built: the nominal plan and one recourse block per disruption scenario."""
    pipeline = Pipeline(instance, options or SolveOptions())
    pipeline.build()
    return pipeline


def dimensions(instance: Instance) -> tuple[int, int]:
    """Rows and columns of the extensive form as handed to HiGHS."""
    handed = Pipeline(instance).hand_over()
    return handed.num_rows, len(handed.columns)


@pytest.mark.sizes("S", "M")
@pytest.mark.parametrize("timed", [False, True], ids=["whole-horizon", "timed"])
@pytest.mark.parametrize("scenarios", COUNTS)
def test_build_and_handover(benchmark, size, scenarios, timed):
    """Timed scenarios (a start, a duration, a price surge) add the non-anticipativity rows of
    the periods before each start; the two variants are timed side by side."""
    instance = generate(size, seed=SEED, scenarios=scenarios, timed=timed)
    benchmark.group = f"scenarios: build + hand-over {size}"
    handed = benchmark.pedantic(
        lambda: extensive_form(instance).hand_over(), rounds=ROUNDS[size], iterations=1
    )
    benchmark.extra_info.update(size=size, scenarios=scenarios, **model_size(handed))
    assert handed.columns


@pytest.mark.sizes("S")
@pytest.mark.parametrize("scenarios", COUNTS)
def test_solve(benchmark, size, scenarios):
    """HiGHS on the extensive form, to a 1 % gap (50 scenarios at S take seconds)."""
    instance = generate(size, seed=SEED, scenarios=scenarios)
    pipeline = extensive_form(instance, SolveOptions(mip_gap=1e-2))
    benchmark.group = f"scenarios: solve {size}"

    def setup():
        pipeline.hand_over()  # a fresh HiGHS for each round
        return (), {}

    outcome = benchmark.pedantic(pipeline.run, setup=setup, rounds=3, iterations=1)
    assert pipeline.handed is not None
    benchmark.extra_info.update(
        size=size, scenarios=scenarios, **model_size(pipeline.handed), mip_gap=outcome.mip_gap
    )
    assert outcome.status == "optimal"


@pytest.mark.sizes("S")
def test_extensive_form_grows_linearly(size):
    """Each scenario adds one block of about the same size: from 1 to 10 scenarios adds 9
    blocks, from 10 to 50 adds 40, so the growth per block agrees (within 10 %; blocks differ
    a little, as a zeroed capacity removes flows)."""
    sizes = {n: dimensions(generate(size, seed=SEED, scenarios=n)) for n in COUNTS}
    for axis in (0, 1):  # rows, columns
        first = (sizes[10][axis] - sizes[1][axis]) / 9
        second = (sizes[50][axis] - sizes[10][axis]) / 40
        assert first > 0
        assert second == pytest.approx(first, rel=0.1), sizes


@pytest.mark.sizes("S")
def test_identical_scenarios_grow_exactly_linearly(size):
    """n copies of one scenario: every block is the same, so the growth is exact."""
    base = generate(size, seed=SEED)
    disruption = {"probability": 0.2, "capacity_factor": {"TW": 0.5, "cn-00": 0.0}}

    def copies(n: int) -> Instance:
        scenarios = [
            {"id": f"copy-{i:02d}", **disruption, "probability": disruption["probability"] / n}
            for i in range(n)
        ]
        return base.replace(scenarios=scenarios)

    sizes = {n: dimensions(copies(n)) for n in COUNTS}
    nominal = dimensions(base)
    for axis in (0, 1):
        block = sizes[1][axis] - nominal[axis]
        assert block > 0
        assert sizes[10][axis] - sizes[1][axis] == 9 * block
        assert sizes[50][axis] - sizes[10][axis] == 40 * block
