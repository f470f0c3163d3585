"""Two tiers (SPEC section 6): build + hand-over and solve with back-end sites, timed beside
the same instance without them, and the growth of the model with the number of sites.

A site adds its own flows (one per product and market it serves in each period), its
capacity rows and binaries, and one tariff path per tariff rate and cell it serves: the model
grows with the sites, never with sites times suppliers.
"""

from __future__ import annotations

import pytest

from phases import SEED
from sourcing.instance.generate import generate
from sourcing.model.data import build_data
from sourcing.pipeline import Pipeline, model_size
from sourcing.solver import SolveOptions

SITES = [0, 7, 14]
ROUNDS = {"S": 5, "M": 3}


@pytest.mark.sizes("S", "M")
@pytest.mark.parametrize("sites", SITES)
def test_build_and_handover(benchmark, size, sites):
    instance = generate(size, seed=SEED, backend=sites)
    benchmark.group = f"two tiers: build + hand-over {size}"
    handed = benchmark.pedantic(
        lambda: Pipeline(instance).hand_over(), rounds=ROUNDS[size], iterations=1
    )
    benchmark.extra_info.update(size=size, sites=sites, **model_size(handed))
    assert handed.columns


@pytest.mark.sizes("S")
@pytest.mark.parametrize("sites", SITES)
def test_solve(benchmark, size, sites):
    """HiGHS to a 1e-4 gap, with and without the back end."""
    pipeline = Pipeline(generate(size, seed=SEED, backend=sites), SolveOptions(mip_gap=1e-4))
    pipeline.build()
    benchmark.group = f"two tiers: solve {size}"

    def setup():
        pipeline.hand_over()
        return (), {}

    outcome = benchmark.pedantic(pipeline.run, setup=setup, rounds=3, iterations=1)
    assert pipeline.handed is not None
    benchmark.extra_info.update(size=size, sites=sites, **model_size(pipeline.handed))
    assert outcome.status == "optimal"


@pytest.mark.sizes("S", "M")
def test_the_back_end_grows_with_the_sites_not_with_sites_times_suppliers(size):
    """Back-end flows and tariff paths: at most one per site, product, market and period
    (times the tariff rates of a cell, one here), whatever the number of suppliers."""
    for sites in SITES[1:]:
        data = build_data(generate(size, seed=SEED, backend=sites))
        cells = {f[1:] for f in data.back_flows}
        assert len(data.back_flows) <= sites * len(cells)
        rates = {len(classes) for classes in data.tariff_classes.values()}
        assert rates <= {1}
        assert len(data.tariff_paths) <= len(data.back_flows)
        assert len(data.tariff_paths) < len(data.flows)
