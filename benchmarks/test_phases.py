"""Each phase of a solve, per size, against the floor.

load+validate (a YAML or JSON file), build (tables + Pyomo model), hand-over (to HiGHS), the
floor (the same arrays passed to a new HiGHS in one call), solve (S, M to a 1e-4 gap; L, XL to
1 % within 120 s) and extract (plan, independent check, tables). Every benchmark of one size is in
the group "size X", so its table lists the phases side by side with the floor. `extra_info`
holds the model size (rows, columns, binaries, nonzeros) for `--benchmark-json`.
"""

from __future__ import annotations

import pytest

from direct import Floor
from phases import build, describe, write_instance
from sourcing.instance.io import load_instance

# Rounds of the slow phases (the fast ones are calibrated by pytest-benchmark).
SOLVE_ROUNDS = {"S": 5, "M": 3, "L": 3, "XL": 1}
EXTRACT_ROUNDS = {"S": 5, "M": 5, "L": 3, "XL": 3}


def record(benchmark, pipeline, **extra) -> None:
    benchmark.group = f"size {pipeline.size}"
    benchmark.extra_info.update(size=pipeline.size, **pipeline.size_info, **extra)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_load(benchmark, pipeline, fmt, tmp_path):
    """Read and validate the instance file (`load_instance`); the file is written untimed."""
    path = write_instance(pipeline.instance, tmp_path, fmt)
    record(benchmark, pipeline, format=fmt, file_bytes=path.stat().st_size)
    instance = benchmark(load_instance, path)
    assert len(instance.suppliers) == len(pipeline.instance.suppliers)


def test_build(benchmark, pipeline):
    """`build_data` and `build_model` from the validated instance."""
    record(benchmark, pipeline)
    built = benchmark(build, pipeline.instance, pipeline.options)
    assert built.model.nvariables() > 0


def test_handover(benchmark, pipeline):
    """`Pipeline.hand_over`: the model's arrays, passed to a new HiGHS."""
    record(benchmark, pipeline)
    handed = benchmark(pipeline.hand_over)
    assert len(handed.columns) == pipeline.size_info["columns"]


def test_floor(benchmark, pipeline):
    """The floor: a new `Highs` plus one `passModel` of ready numpy arrays (read untimed from
    the hand-over's HiGHS): what any hand-over must at least cost."""
    floor = Floor.of(pipeline.handed)
    record(benchmark, pipeline)
    highs = benchmark(floor.pass_model)
    info = pipeline.size_info
    assert (highs.getNumCol(), highs.getNumRow(), highs.getNumNz()) == (
        info["columns"],
        info["rows"],
        info["nonzeros"],
    )


def test_solve(benchmark, pipeline):
    """`run` on a fresh hand-over (made untimed before each round, so no round starts warm)."""
    options = pipeline.options
    record(benchmark, pipeline, settings=describe(options), mip_gap_target=options.mip_gap)
    benchmark.extra_info["time_limit"] = options.time_limit
    outcome = benchmark.pedantic(
        pipeline.solve,
        setup=lambda: ((pipeline.hand_over(),), {}),
        rounds=SOLVE_ROUNDS.get(pipeline.size, 1),
        iterations=1,
    )
    benchmark.extra_info.update(
        status=outcome.status, objective=outcome.objective, mip_gap=outcome.mip_gap
    )
    assert outcome.status in ("optimal", "feasible")
    if options.time_limit is None:
        assert outcome.status == "optimal"


def test_extract(benchmark, pipeline):
    """`finish` on a solved outcome: extract the plan, run the independent checker, tables."""
    handed, outcome = pipeline.solved()
    record(benchmark, pipeline, status=outcome.status)
    results = benchmark.pedantic(
        pipeline.extract,
        args=(handed, outcome),
        rounds=EXTRACT_ROUNDS.get(pipeline.size, 1),
        iterations=1,
    )
    assert results.status == outcome.status
    assert results.objective == pytest.approx(outcome.objective, rel=1e-6)
