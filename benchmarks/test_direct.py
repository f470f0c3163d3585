"""The direct floor (`direct.py`): the plain model built straight from the parsed instance into
numpy arrays and handed to HiGHS, timed beside the project's build, and its optimum checked equal.

`test_direct_build` is timed in the group of its size, next to `test_build` and `test_handover`;
the checks (untimed) assert that the two implementations agree and that the project hands HiGHS
at most 1.2 times the floor's nonzeros with the plain formulation.
"""

from __future__ import annotations

import pytest

from direct import build_direct, solve_direct
from sourcing import solve
from sourcing.pipeline import Pipeline, model_size
from sourcing.solver import SolveOptions

NONZERO_RATIO = 1.2
PLAIN = SolveOptions(formulation="plain")
EXACT = 1e-9  # both solved to optimality where it is quick


def test_direct_build(benchmark, pipeline):
    """The floor's build: parsed instance -> arrays -> a HiGHS holding the model."""
    benchmark.group = f"size {pipeline.size}"
    model = benchmark(lambda: build_direct(pipeline.instance).highs(1e-4))
    benchmark.extra_info.update(
        size=pipeline.size,
        rows=model.getNumRow(),
        columns=model.getNumCol(),
        nonzeros=model.getNumNz(),
    )
    assert model.getNumNz() > 0


def test_plain_nonzeros_within_the_floor(benchmark, pipeline):
    """The project's plain model holds at most 1.2x the nonzeros of the direct one."""
    benchmark.group = f"size {pipeline.size}"
    direct = build_direct(pipeline.instance)
    plain = benchmark.pedantic(
        lambda: model_size(Pipeline(pipeline.instance, PLAIN, stages=[]).hand_over()),
        rounds=1,
        iterations=1,
    )
    benchmark.extra_info.update(direct=direct.nonzeros, plain=plain["nonzeros"])
    assert plain["nonzeros"] <= NONZERO_RATIO * direct.nonzeros
    assert plain["columns"] <= direct.columns + len(pipeline.instance.demand)


@pytest.mark.sizes("S", "M")
def test_direct_optimum_equals_the_projects(benchmark, pipeline):
    """Two independent implementations of the model reach the same optimum."""
    benchmark.group = f"size {pipeline.size}"
    direct = benchmark.pedantic(
        lambda: solve_direct(pipeline.instance, mip_gap=EXACT), rounds=1, iterations=1
    )
    ours = solve(pipeline.instance, mip_gap=EXACT)
    benchmark.extra_info.update(direct=direct.objective, ours=ours.objective)
    assert ours.status == "optimal"
    assert direct.objective == pytest.approx(ours.objective, rel=1e-7)
