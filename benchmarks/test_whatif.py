"""What-if re-solves: tighten the China cap (0.2 -> 0.15) and solve again to a 1e-6 gap.

warm: the `Resolver` that solved the base instance is kept (set up untimed before each round);
its model in HiGHS is updated in place and its last plan offered as the start. cold: `solve` of
the changed instance from scratch. Both times cover the same work from the changed instance to
checked `Results`. Both objectives go to `extra_info`, and must agree to 1e-6 relative.

The cap sweep (five levels to a 1e-4 gap, re-using the model vs rebuilding every point) is the
same question over a grid; compare its two rows for the speed-up. It runs at S only: at M each
mode takes about 50 s (five solves), too long for the smoke run, and the warm/cold re-solve above
covers M and L.
"""

from __future__ import annotations

import pytest

from phases import (
    AGREEMENT,
    WHATIF_AFTER,
    WHATIF_BEFORE,
    WHATIF_OPTIONS,
    WHATIF_PATH,
    WHATIF_SIZES,
    agree,
)
from sourcing.studies.sweep import sweep

ROUNDS = {"S": 3}  # one round elsewhere: a warm round needs an untimed base solve first
LEVELS = [0.3, 0.2, 0.1, 0.05, 0.0]


def record(benchmark, pipeline, start: str) -> None:
    benchmark.group = f"size {pipeline.size}"
    benchmark.extra_info.update(
        size=pipeline.size,
        **pipeline.size_info,
        start=start,
        change=f"{WHATIF_PATH}: {WHATIF_BEFORE} -> {WHATIF_AFTER}",
        mip_gap_target=WHATIF_OPTIONS.mip_gap,
    )


def compare(benchmark, pipeline) -> None:
    """Record both objectives; once both are known, they must agree."""
    for kind, objective in pipeline.objectives.items():
        benchmark.extra_info[f"objective_{kind}"] = objective
    if {"warm", "cold"} <= pipeline.objectives.keys():
        warm, cold = pipeline.objectives["warm"], pipeline.objectives["cold"]
        assert agree(warm, cold), f"warm {warm!r} and cold {cold!r} differ by more than {AGREEMENT}"


# cold runs first (file order), so the warm test finds its objective without solving again
@pytest.mark.sizes(*WHATIF_SIZES)
def test_whatif_cold(benchmark, pipeline):
    record(benchmark, pipeline, "cold")
    results = benchmark.pedantic(pipeline.cold, rounds=ROUNDS.get(pipeline.size, 1), iterations=1)
    assert results.status == "optimal"
    compare(benchmark, pipeline)


@pytest.mark.sizes(*WHATIF_SIZES)
def test_whatif_warm(benchmark, pipeline):
    record(benchmark, pipeline, "warm")
    resolvers = []  # the latest only

    def setup():
        resolvers[:] = [pipeline.warm_resolver()]
        return (resolvers[0],), {}

    results = benchmark.pedantic(
        pipeline.warm, setup=setup, rounds=ROUNDS.get(pipeline.size, 1), iterations=1
    )
    assert results.status == "optimal"
    assert (resolvers[0].updates, resolvers[0].rebuilds) == (1, 1)  # updated in place
    pipeline.objective("cold")  # solved (untimed) only if the cold test did not run
    compare(benchmark, pipeline)


@pytest.mark.sizes("S")
@pytest.mark.parametrize("reuse", [False, True], ids=["rebuild", "reuse"])
def test_cap_sweep(benchmark, pipeline, reuse):
    """Five cap levels to a 1e-4 gap in this process: re-using the model, or rebuilding it."""
    benchmark.group = f"cap sweep {pipeline.size}"
    benchmark.extra_info.update(size=pipeline.size, **pipeline.size_info, levels=LEVELS)
    frame = benchmark.pedantic(
        sweep,
        args=(pipeline.instance, {WHATIF_PATH: LEVELS}),
        kwargs={"jobs": 1, "reuse": reuse, "mip_gap": 1e-4},
        rounds=1,
        iterations=1,
    )
    assert list(frame["status"]) == ["optimal"] * len(LEVELS)
