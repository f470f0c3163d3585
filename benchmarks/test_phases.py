"""Time each phase of a solve on generated instances: load+validate, build, hand-over, solve."""

from __future__ import annotations

import pytest

from sourcing import solve
from sourcing.data import build_data
from sourcing.generate import generate, generate_data
from sourcing.model import build_model
from sourcing.schema import Instance
from sourcing.solve import SolveOptions, handover, run

SIZES = ["S", "M"]


@pytest.mark.parametrize("size", SIZES)
def test_load_and_validate(benchmark, size):
    raw = generate_data(size, seed=1)
    instance = benchmark(Instance.from_data, raw)
    assert instance.suppliers


@pytest.mark.parametrize("size", SIZES)
def test_build(benchmark, size):
    instance = generate(size, seed=1)
    model = benchmark(lambda: build_model(build_data(instance)))
    assert model.nvariables() > 0


@pytest.mark.parametrize("size", SIZES)
def test_handover(benchmark, size):
    model = build_model(build_data(generate(size, seed=1)))
    handed = benchmark(handover, model)
    assert handed.columns


@pytest.mark.parametrize("size", ["S"])
def test_solve_in_highs(benchmark, size):
    model = build_model(build_data(generate(size, seed=1)))

    def solve_once():
        return run(handover(model), SolveOptions(mip_gap=1e-4))

    outcome = benchmark(solve_once)
    assert outcome.status == "optimal"


def test_end_to_end_default_gap(benchmark):
    results = benchmark(solve, generate("S", seed=2), mip_gap=1e-4)
    assert results.status == "optimal"
