"""Plain against tight formulation (see formulation.py): time to a 1 % gap and to the end.

Compare the plain and tight rows of one run; `python benchmarks/formulation.py` prints the
root gap and time to 1 % gap side by side.
"""

from __future__ import annotations

import pytest

from formulation import formulation_run


@pytest.mark.sizes("S", "M", "L")
@pytest.mark.parametrize("name", ["plain", "tight"])
def test_formulation(benchmark, size, name):
    run = benchmark.pedantic(
        formulation_run, args=(size, 1, name), kwargs={"time_limit": 300}, rounds=1, iterations=1
    )
    benchmark.extra_info.update(
        root_gap=run.root_gap,
        first_solution_seconds=run.first_solution_seconds,
        one_percent_gap_seconds=run.one_percent_gap_seconds,
        gap=run.gap,
        objective=run.objective,
    )
    assert run.status == "optimal"
    assert run.one_percent_gap_seconds is not None
    assert run.first_solution_seconds <= run.one_percent_gap_seconds <= run.seconds
