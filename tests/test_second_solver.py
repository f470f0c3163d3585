"""HiGHS and SCIP agree on the optimum of generated instances (same model, exported as LP)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sourcing import solve
from sourcing.instance.generate import Size, generate
from sourcing.model import build_model, disruption_stages
from sourcing.model.data import build_data

pyscipopt = pytest.importorskip("pyscipopt")

MEDIUM = Size(suppliers_per_region=3, products=5, markets=2, periods=3, offers_per_supplier=3)


def scip_objective(instance, tmp_path: Path) -> float:
    """Optimum of the same MILP (extensive form with scenarios) written as LP, solved by SCIP."""
    model = build_model(build_data(instance), disruption_stages(instance))
    path = tmp_path / "model.lp"
    model.write(str(path), io_options={"symbolic_solver_labels": True})
    scip = pyscipopt.Model()
    scip.hideOutput()
    scip.readProblem(str(path))
    scip.setParam("limits/gap", 1e-9)
    scip.optimize()
    assert scip.getStatus() == "optimal"
    return scip.getObjVal()


@pytest.mark.parametrize(("size", "seed"), [("S", 1), ("S", 2), ("S", 3), (MEDIUM, 4), (MEDIUM, 5)])
def test_highs_and_scip_agree(size, seed, tmp_path):
    instance = generate(size, seed)
    results = solve(instance, mip_gap=1e-9)
    assert results.status == "optimal"
    assert results.objective == pytest.approx(scip_objective(instance, tmp_path), rel=1e-6)


SMALL = Size(suppliers_per_region=1, products=3, markets=2, periods=2, offers_per_supplier=2)


@pytest.mark.parametrize(
    ("size", "seed", "scenarios", "risk"),
    [
        (SMALL, 1, 4, None),
        (SMALL, 2, 6, {"cvar_level": 0.9, "weight": 0.5}),
        ("XS", 3, 5, {"cvar_level": 0.95, "weight": 1.0}),
        ("S", 3, 2, None),
    ],
)
def test_highs_and_scip_agree_with_scenarios(
    size: str | Size, seed: int, scenarios: int, risk: dict | None, tmp_path: Path
) -> None:
    instance = generate(size, seed, scenarios=scenarios)
    if risk is not None:
        instance = instance.replace(risk=risk)
    assert len(instance.scenarios) == scenarios
    res = solve(instance, mip_gap=1e-9)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(scip_objective(instance, tmp_path), rel=1e-6)


@pytest.mark.parametrize(
    ("size", "seed", "scenarios"),
    [(SMALL, 4, 4), (SMALL, 5, 6), ("S", 6, 3)],
)
def test_highs_and_scip_agree_with_timed_scenarios(
    size: str | Size, seed: int, scenarios: int, tmp_path: Path
) -> None:
    """Scenarios that start later, end, and raise prices: non-anticipativity rows included."""
    instance = generate(size, seed, scenarios=scenarios, timed=True)
    assert any(s.start != instance.periods[0] for s in instance.scenarios)
    assert all(s.price_factor for s in instance.scenarios)
    res = solve(instance, mip_gap=1e-9)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(scip_objective(instance, tmp_path), rel=1e-6)


@pytest.mark.parametrize(
    ("size", "seed", "scenarios", "sites"),
    [(SMALL, 7, 0, 3), ("S", 8, 0, 5), (SMALL, 9, 3, 4), ("S", 10, 2, 7)],
)
def test_highs_and_scip_agree_on_two_tiers(
    size: str | Size, seed: int, scenarios: int, sites: int, tmp_path: Path
) -> None:
    """Back-end sites with fixed costs, minimum orders, a back-end cap and ban, tariff paths
    and (timed) disruptions that hit sites too."""
    instance = generate(size, seed, scenarios=scenarios, timed=bool(scenarios), backend=sites)
    assert len(instance.backend) == sites
    res = solve(instance, mip_gap=1e-9)
    assert res.status == "optimal"
    assert len(res.plan.back_flows) > 0 and len(res.plan.paths) > 0
    assert res.objective == pytest.approx(scip_objective(instance, tmp_path), rel=1e-6)
