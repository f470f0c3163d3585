"""Tightening rows (`sourcing.model.tighten`) and the LP-rounded start: hand-checked rows, and
the same optimum with and without them."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from sourcing import Instance, solve
from sourcing.errors import UsageError
from sourcing.instance.generate import generate
from sourcing.instance.overrides import apply_overrides
from sourcing.model import PLAIN, TIGHT, build_model, disruption_stages
from sourcing.model.data import build_data
from sourcing.model.tighten import interchangeable_suppliers
from sourcing.solver import SolveOptions, handover, lp_start, run
from sourcing.studies.resolver import Resolver

TWO_MARKETS = {
    "name": "two-markets",
    "regions": [{"id": "JP"}, {"id": "KR"}],
    "products": [{"id": "chip"}],
    "markets": [{"id": "A"}, {"id": "B"}],
    "suppliers": [
        {
            "id": "jp",
            "region": "JP",
            "fixed_cost": 10,
            "offers": [{"product": "chip", "unit_cost": 3, "capacity": 100}],
        },
        {
            "id": "kr",
            "region": "KR",
            "fixed_cost": 40,
            "offers": [{"product": "chip", "unit_cost": 2, "capacity": 60}],
        },
    ],
    "demand": [
        {"product": "chip", "market": "A", "quantity": 30},
        {"product": "chip", "market": "B", "quantity": 50},
    ],
}


def _rows(model, name):
    """{index: {variable name: coefficient}, lower, upper} of constraint `name`."""
    found = {}
    for index, row in getattr(model, name).items():
        body = row.body
        coefs = {}
        for arg in body.args:
            coef, var = arg.args if hasattr(arg, "args") and len(arg.args) == 2 else (1, arg)
            coefs[var.name] = float(coef)
        found[index] = (coefs, row.lower, row.upper)
    return found


def test_flow_contracts_where_the_flow_bound_is_tighter():
    """jp offers 100 but can sell only 30 to A and 50 to B (80 in all, its offer bound):
    each flow gets its own row. kr's offer bound is its capacity 60, above A's 30 only."""
    model = build_model(build_data(Instance.from_data(TWO_MARKETS)))
    rows = _rows(model, "flow_contract")
    assert rows == {
        ("jp", "chip", "A", 1): ({"flow[jp,chip,A,1]": 1.0, "use_supplier[jp]": -30.0}, None, 0),
        ("jp", "chip", "B", 1): ({"flow[jp,chip,B,1]": 1.0, "use_supplier[jp]": -50.0}, None, 0),
        ("kr", "chip", "A", 1): ({"flow[kr,chip,A,1]": 1.0, "use_supplier[kr]": -30.0}, None, 0),
        ("kr", "chip", "B", 1): ({"flow[kr,chip,B,1]": 1.0, "use_supplier[kr]": -50.0}, None, 0),
    }


def test_demand_cover_sums_offer_bounds():
    """80 units of demand in period 1: 80 * use[jp] + 60 * use[kr] >= 80."""
    model = build_model(build_data(Instance.from_data(TWO_MARKETS)))
    assert _rows(model, "demand_cover") == {
        ("chip", 1): ({"use_supplier[jp]": 80.0, "use_supplier[kr]": 60.0}, 80.0, None)
    }


def test_plain_formulation_has_no_tightening_rows():
    model = build_model(build_data(Instance.from_data(TWO_MARKETS)), formulation=PLAIN)
    assert not hasattr(model, "flow_contract")
    assert not hasattr(model, "demand_cover")


def test_interchangeable_suppliers_are_ordered():
    data = copy.deepcopy(TWO_MARKETS)
    data["suppliers"].append({**copy.deepcopy(data["suppliers"][0]), "id": "jp-2"})
    data["suppliers"].append({**copy.deepcopy(data["suppliers"][0]), "id": "jp-3"})
    instance = Instance.from_data(data)
    assert interchangeable_suppliers(instance, ["jp", "kr", "jp-2", "jp-3"]) == [
        ["jp", "jp-2", "jp-3"]
    ]
    model = build_model(build_data(instance))
    assert _rows(model, "contract_order") == {
        ("jp", "jp-2"): ({"use_supplier[jp]": 1.0, "use_supplier[jp-2]": -1.0}, 0.0, None),
        ("jp-2", "jp-3"): ({"use_supplier[jp-2]": 1.0, "use_supplier[jp-3]": -1.0}, 0.0, None),
    }
    # The optimum: jp alone (10 + 3 * 80 = 250) against kr + jp (40 + 10 + 120 + 60 = 230).
    assert solve(instance).objective == pytest.approx(230.0)


def test_a_supplier_named_elsewhere_is_not_interchangeable():
    data = copy.deepcopy(TWO_MARKETS)
    data["suppliers"].append({**copy.deepcopy(data["suppliers"][0]), "id": "jp-2"})
    data["policies"] = {"caps": [{"id": "cap", "group": "jp-2", "max_share": 0.5}]}
    assert interchangeable_suppliers(Instance.from_data(data), ["jp", "kr", "jp-2"]) == []


@pytest.mark.parametrize(
    ("seed", "scenarios"), [(1, 0), (2, 0), (3, 0), (4, 3)], ids=["1", "2", "3", "4-scenarios"]
)
def test_plain_and_tight_have_the_same_optimum(seed, scenarios):
    instance = generate("S", seed, scenarios=scenarios)
    stages = disruption_stages(instance)
    optima = []
    for formulation in (PLAIN, TIGHT):
        model = build_model(build_data(instance), stages, formulation)
        outcome = run(handover(model), SolveOptions(mip_gap=1e-9, lp_start=formulation.lp_start))
        assert outcome.status == "optimal"
        optima.append(outcome.objective)
    assert optima[1] == pytest.approx(optima[0], rel=1e-9)


def _lp_bound(instance: Instance, formulation) -> float:
    handed = handover(build_model(build_data(instance), formulation=formulation))
    columns = handed.integer_columns
    count = len(columns)
    handed.highs.changeColsIntegrality(count, columns, np.zeros(count, dtype=np.uint8))
    handed.highs.run()
    return handed.highs.getInfo().objective_function_value


def test_flow_contracts_raise_the_lp_bound():
    """jp (fixed 100, unit 1) is cheap for A (30) but pays 10 transport to B (50); kr (no fixed
    cost, unit 5) serves B. Optimum: jp for A, kr for B = 100 + 30 + 250 = 380. The plain LP
    contracts 30/80 of jp (its offer bound is 80): 37.5 + 30 + 250 = 317.5; with
    flow[jp,A] <= 30 use[jp] the LP must sign all of jp and its bound is the optimum."""
    data = copy.deepcopy(TWO_MARKETS)
    data["suppliers"][0].update(fixed_cost=100)
    data["suppliers"][0]["offers"][0].update(unit_cost=1)
    data["suppliers"][1].update(fixed_cost=0)
    data["suppliers"][1]["offers"][0].update(unit_cost=5, capacity=100)
    data["transport"] = [{"from": "JP", "to": "B", "cost": 10}]
    instance = Instance.from_data(data)
    assert _lp_bound(instance, PLAIN) == pytest.approx(317.5)
    assert _lp_bound(instance, TIGHT) == pytest.approx(380.0)
    assert solve(instance).objective == pytest.approx(380.0)


def test_lp_start_is_a_feasible_plan_no_better_than_the_optimum():
    instance = generate("S", 2)
    handed = handover(build_model(build_data(instance)))
    rounded = lp_start(handed)
    start = rounded.values
    assert not rounded.interrupted and start is not None
    lp = handed.highs.getLp()
    matrix = np.zeros((lp.num_row_, lp.num_col_))
    starts = np.asarray(lp.a_matrix_.start_)
    for j in range(lp.num_col_):
        for k in range(starts[j], starts[j + 1]):
            matrix[lp.a_matrix_.index_[k], j] = lp.a_matrix_.value_[k]
    activity = matrix @ start
    assert np.all(activity >= np.asarray(lp.row_lower_) - 1e-6)
    assert np.all(activity <= np.asarray(lp.row_upper_) + 1e-6)
    integer = start[handed.integer_columns]
    assert np.allclose(integer, np.round(integer))
    cost = float(np.dot(lp.col_cost_, start))
    assert cost == pytest.approx(rounded.objective, rel=1e-9)
    optimum = run(handed, SolveOptions(mip_gap=1e-9, lp_start=False)).objective
    assert rounded.bound <= optimum <= cost + 1e-6
    assert cost <= optimum * 1.05  # a useful start: within 5 % here


def test_solve_takes_a_formulation_by_name():
    instance = Instance.from_data(TWO_MARKETS)
    assert solve(instance, formulation="plain").objective == pytest.approx(230.0)
    with pytest.raises(UsageError, match=r"^formulation must be one of tight, plain, got 'x'$"):
        solve(instance, formulation="x")


def test_options_carry_the_formulation_both_ways():
    settings = SolveOptions.from_keywords({"formulation": "plain", "mip_gap": 1e-3})
    assert (settings.formulation, settings.lp_start, settings.tightening) == ("plain", False, PLAIN)
    assert SolveOptions.from_keywords(settings.keywords()) == settings
    assert SolveOptions.from_keywords({}).tightening == TIGHT


@pytest.mark.parametrize("formulation", ["plain", "tight"])
def test_re_solves_build_the_formulation_asked_for(formulation):
    """A `Resolver` (the in-process sweep with `reuse`) builds the same model as `solve`."""
    instance = generate("S", seed=1)
    expected = solve(instance, mip_gap=1e-4, formulation=formulation)
    resolver = Resolver(SolveOptions.from_keywords({"formulation": formulation, "mip_gap": 1e-4}))
    again = resolver.solve(instance)
    assert again.model_size == expected.model_size
    assert again.objective == pytest.approx(expected.objective, rel=1e-4)


def test_resolver_rebuilds_when_twins_stop_being_identical():
    """jp-2 is a copy of jp (ordered jp >= jp-2). Dropping jp-2's fixed cost makes it the
    better copy: an in-place cost update would keep the order row and miss the new optimum
    (kr + jp-2 = 0 + 40 + 120 + 60 = 220), so the re-solve rebuilds."""
    data = copy.deepcopy(TWO_MARKETS)
    data["suppliers"].append({**copy.deepcopy(data["suppliers"][0]), "id": "jp-2"})
    instance = Instance.from_data(data)
    resolver = Resolver(SolveOptions(mip_gap=1e-9))
    assert resolver.solve(instance).objective == pytest.approx(230.0)
    cheaper = apply_overrides(instance, ["suppliers[jp-2].fixed_cost=0"])
    assert resolver.solve(cheaper).objective == pytest.approx(220.0)
    assert (resolver.rebuilds, resolver.updates) == (2, 0)


def test_a_start_within_the_gap_of_the_lp_bound_is_the_answer():
    """Generated M, seed 1: the LP-rounded plan is within 1 % of the LP relaxation, so with
    mip_gap 0.01 it comes back as optimal, with the LP value as its bound."""
    handed = handover(build_model(build_data(generate("M", 1))))
    rounded = lp_start(handed)
    assert (rounded.objective - rounded.bound) / rounded.objective < 0.01
    outcome = run(handed, SolveOptions(mip_gap=0.01))
    assert outcome.status == "optimal"
    assert outcome.objective == pytest.approx(rounded.objective, rel=1e-9)
    assert outcome.bound == pytest.approx(rounded.bound, rel=1e-9)
    assert outcome.mip_gap == pytest.approx((rounded.objective - rounded.bound) / rounded.objective)
    exact = run(handover(build_model(build_data(generate("M", 1)))), SolveOptions(mip_gap=1e-6))
    assert rounded.bound <= exact.objective <= outcome.objective
