"""The checker on SPEC section 5: capacity added by built expansions (also in disruption
stages), subsidies by programme (eligibility, rate, budget, capex) and the capex and subsidy
cost components. Hand-computed."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sourcing.check import (
    COST_KEYS,
    FIRST_STAGE_KEYS,
    as_built,
    check_plan,
    plan_costs,
    stage_costs,
    stage_instance,
)
from sourcing.instance.fields import lookup
from sourcing.instance.schema import Instance
from sourcing.plan import FlowKey, Plan, StagePlan

Data = dict[str, Any]
M = "default"
CAPACITY_50 = "supplier eu delivers 100 in period 1, above its capacity 50"


def flow(supplier: str, period: int = 1, product: str = "chip") -> FlowKey:
    return (supplier, product, M, period)


def data(**changes: Any) -> Data:
    """Regions EU, TW; chip; eu (EU, capacity 50, chip at 5), tw (TW, chip at 8, unlimited);
    demand 100; expansion eu-fab (eu, +50, capex 200); programme chips-act (rate 0.5, budget
    1000, groups [EU])."""
    base: Data = {
        "name": "invest",
        "regions": [{"id": "EU"}, {"id": "TW"}],
        "products": [{"id": "chip"}],
        "suppliers": [
            {
                "id": "eu",
                "region": "EU",
                "capacity": 50,
                "offers": [{"product": "chip", "unit_cost": 5}],
            },
            {"id": "tw", "region": "TW", "offers": [{"product": "chip", "unit_cost": 8}]},
        ],
        "demand": [{"product": "chip", "quantity": 100}],
        "expansions": [{"id": "eu-fab", "supplier": "eu", "capacity": 50, "capex": 200}],
        "programs": [{"id": "chips-act", "rate": 0.5, "budget": 1000, "groups": ["EU"]}],
    }
    return base | changes


def make(**changes: Any) -> Instance:
    return Instance.from_data(data(**changes))


def plan_a(**changes: Any) -> Plan:
    """Build eu-fab, eu delivers 100, chips-act pays 100: 500 + 200 - 100 = 600."""
    fields: dict[str, Any] = {
        "contracts": frozenset({"eu"}),
        "flows": {flow("eu"): 100.0},
        "objective": 600.0,
        "builds": frozenset({"eu-fab"}),
        "subsidies": {("eu-fab", "chips-act"): 100.0},
    }
    return Plan(**(fields | changes))


def test_cost_keys_put_capex_and_subsidy_after_fixed() -> None:
    assert COST_KEYS[:3] == ("fixed", "capex", "subsidy")
    assert COST_KEYS[-2:] == ("risk", "total")
    assert FIRST_STAGE_KEYS == ("fixed", "capex", "subsidy")


def test_built_and_subsidised_plan_is_feasible_and_costed_by_hand() -> None:
    instance = make()
    assert check_plan(instance, plan_a()) == []
    assert plan_costs(instance, plan_a()) == pytest.approx(
        {
            "fixed": 0.0,
            "capex": 200.0,
            "subsidy": -100.0,
            "purchase": 500.0,  # 100 * 5
            "tariff": 0.0,
            "transport": 0.0,
            "holding": 0.0,
            "shortage": 0.0,
            "risk": 0.0,
            "total": 600.0,  # 0 + 200 - 100 + 500
        }
    )


def test_objective_without_capex_and_subsidy_is_reported() -> None:
    assert check_plan(make(), plan_a(objective=500.0)) == [
        "objective 500.0 reported for the plan differs from its recomputed total cost 600.0"
    ]


def test_unbuilt_expansion_adds_no_capacity() -> None:
    plan = plan_a(builds=frozenset(), subsidies={}, objective=500.0)
    assert check_plan(make(), plan) == [CAPACITY_50]
    costs = plan_costs(make(), plan)
    assert (costs["capex"], costs["subsidy"], costs["total"]) == pytest.approx((0, 0, 500))


def test_instance_without_builds_is_unchanged() -> None:
    instance = make()
    assert as_built(instance, []) is instance
    assert as_built(instance, ["no-such-expansion"]) is instance


def test_subsidy_above_the_rate() -> None:
    plan = plan_a(subsidies={("eu-fab", "chips-act"): 150.0}, objective=550.0)
    assert check_plan(make(), plan) == [
        "subsidy of 150 from programme chips-act to expansion eu-fab: above the programme's "
        "rate 0.5 x capex 200 = 100"
    ]


def test_subsidy_on_an_unbuilt_expansion() -> None:
    # eu 50 at 5 + tw 50 at 8 = 650, no capex, subsidy -100: 550.
    plan = Plan(
        contracts=frozenset({"eu", "tw"}),
        flows={flow("eu"): 50.0, flow("tw"): 50.0},
        objective=550.0,
        subsidies={("eu-fab", "chips-act"): 100.0},
    )
    assert check_plan(make(), plan) == [
        "subsidy of 100 from programme chips-act to expansion eu-fab: expansion eu-fab is not built"
    ]
    costs = plan_costs(make(), plan)
    assert (costs["capex"], costs["subsidy"], costs["purchase"]) == pytest.approx((0, -100, 650))


def test_budget_exceeded_over_two_expansions() -> None:
    # Each within the rate (100 <= 0.5 * 200, 50 <= 0.5 * 100), together 150 > budget 120.
    instance = make(
        expansions=[
            {"id": "eu-fab", "supplier": "eu", "capacity": 50, "capex": 200},
            {"id": "eu-fab2", "supplier": "eu", "capacity": 10, "capex": 100},
        ],
        programs=[{"id": "chips-act", "rate": 0.5, "budget": 120, "groups": ["EU"]}],
    )
    # capex 300, subsidy -150, purchase 500: 650.
    plan = plan_a(
        builds=frozenset({"eu-fab", "eu-fab2"}),
        subsidies={("eu-fab", "chips-act"): 100.0, ("eu-fab2", "chips-act"): 50.0},
        objective=650.0,
    )
    assert check_plan(instance, plan) == [
        "programme chips-act pays 150 in all, above its budget 120"
    ]
    within = plan_a(
        builds=frozenset({"eu-fab", "eu-fab2"}),
        subsidies={("eu-fab", "chips-act"): 100.0, ("eu-fab2", "chips-act"): 20.0},
        objective=680.0,
    )
    assert check_plan(instance, within) == []


def test_two_programmes_together_above_the_capex() -> None:
    instance = make(
        programs=[
            {"id": "chips-act", "rate": 0.5, "budget": 1000, "groups": ["EU"]},
            {"id": "eu-fund", "rate": 0.6},  # no budget, every expansion
        ]
    )
    # 100 <= 0.5 * 200 and 120 <= 0.6 * 200, but 220 > capex 200; total 500 + 200 - 220 = 480.
    plan = plan_a(
        subsidies={("eu-fab", "chips-act"): 100.0, ("eu-fab", "eu-fund"): 120.0}, objective=480.0
    )
    assert check_plan(instance, plan) == [
        "expansion eu-fab receives 220 in subsidies (chips-act 100, eu-fund 120), above its "
        "capex 200: programmes together pay at most the capex"
    ]
    # Exactly the capex: fine, and the build then costs nothing (500 + 200 - 200).
    full = plan_a(
        subsidies={("eu-fab", "chips-act"): 100.0, ("eu-fab", "eu-fund"): 100.0}, objective=500.0
    )
    assert check_plan(instance, full) == []
    assert plan_costs(instance, full)["subsidy"] == pytest.approx(-200)


def test_ineligible_programme() -> None:
    instance = make(programs=[{"id": "tw-fund", "rate": 0.5, "groups": ["TW"]}])
    plan = plan_a(subsidies={("eu-fab", "tw-fund"): 50.0}, objective=650.0)
    assert check_plan(instance, plan) == [
        "subsidy of 50 from programme tw-fund to expansion eu-fab: the programme covers only "
        "TW, and the expansion's supplier eu is in none of them"
    ]


@pytest.mark.parametrize("group", ["EU", "eu", "west"])
def test_programme_groups_match_region_supplier_or_bloc(group: str) -> None:
    instance = make(
        blocs=[{"id": "west", "members": ["EU"]}],
        programs=[{"id": "chips-act", "rate": 0.5, "groups": ["TW", group]}],
    )
    assert check_plan(instance, plan_a()) == []


def test_unknown_names_and_bad_amounts() -> None:
    plan = plan_a(
        builds=frozenset({"eu-fab", "us-fab"}),
        subsidies={
            ("eu-fab", "chips-act"): 100.0,
            ("us-fab", "chips-act"): 10.0,
            ("eu-fab", "nope"): math.nan,
        },
        objective=590.0,  # 200 - 110 + 500: the unknown expansion's subsidy still counts
    )
    assert check_plan(make(), plan) == [
        "build of unknown expansion 'us-fab'",
        "subsidy of 10 from programme chips-act to expansion us-fab names an unknown expansion "
        "'us-fab'",
        "subsidy from programme nope to expansion eu-fab has amount nan, not a finite number",
    ]
    negative = plan_a(subsidies={("eu-fab", "chips-act"): -5.0}, objective=705.0)
    assert check_plan(make(), negative) == [
        "subsidy of -5 from programme chips-act to expansion eu-fab is negative"
    ]


def test_expansion_available_from_the_second_period() -> None:
    instance = make(
        periods=[1, 2],
        expansions=[
            {"id": "eu-fab", "supplier": "eu", "capacity": 50, "capex": 200, "available": 2}
        ],
    )
    built = as_built(instance, {"eu-fab"})
    eu = built.suppliers[0]
    assert (lookup(eu.capacity, 1), lookup(eu.capacity, 2)) == (50, 100)
    # Offer capacity is unlimited and stays so.
    assert eu.offers[0].capacity is None
    # Period 1: eu 50 + tw 50 = 650; period 2: eu 100 = 500; capex 200, subsidy -100.
    plan = plan_a(
        contracts=frozenset({"eu", "tw"}),
        flows={flow("eu", 1): 50.0, flow("tw", 1): 50.0, flow("eu", 2): 100.0},
        objective=1250.0,
    )
    assert check_plan(instance, plan) == []
    early = plan_a(flows={flow("eu", 1): 100.0, flow("eu", 2): 100.0}, objective=1100.0)
    assert check_plan(instance, early) == [CAPACITY_50]


def test_offer_capacity_grows_for_the_named_products_only() -> None:
    instance = make(
        products=[{"id": "chip"}, {"id": "mem"}],
        suppliers=[
            {
                "id": "eu",
                "region": "EU",  # supplier capacity unlimited: stays unlimited
                "offers": [
                    {"product": "chip", "unit_cost": 5, "capacity": 30},
                    {"product": "mem", "unit_cost": 1, "capacity": 20},
                ],
            },
            {"id": "tw", "region": "TW", "offers": [{"product": "chip", "unit_cost": 8}]},
        ],
        demand=[{"product": "chip", "quantity": 90}, {"product": "mem", "quantity": 30}],
        expansions=[
            {"id": "eu-fab", "supplier": "eu", "capacity": 50, "capex": 200, "products": ["chip"]}
        ],
    )
    eu = as_built(instance, {"eu-fab"}).suppliers[0]
    assert eu.capacity is None
    assert [lookup(o.capacity, 1) for o in eu.offers] == [80, 20]
    # chip 90 at 5 + mem 30 at 1 = 480; capex 200, subsidy -100: 580.
    plan = plan_a(
        flows={flow("eu"): 90.0, flow("eu", product="mem"): 30.0},
        objective=580.0,
    )
    assert check_plan(instance, plan) == [
        "supplier eu delivers 90 of chip in period 1, above the offer's capacity 80",
        "supplier eu delivers 30 of mem in period 1, above the offer's capacity 20",
    ]


def test_expansion_growing_all_offers_by_default() -> None:
    instance = make(
        suppliers=[
            {
                "id": "eu",
                "region": "EU",
                "capacity": {"1": 50},
                "offers": [{"product": "chip", "unit_cost": 5, "capacity": 40}],
            },
            {"id": "tw", "region": "TW", "offers": [{"product": "chip", "unit_cost": 8}]},
        ],
    )
    eu = as_built(instance, {"eu-fab"}).suppliers[0]
    assert (eu.capacity, lookup(eu.offers[0].capacity, 1)) == ({"1": 100}, 90)
    # Offer 90 binds: eu 90 + tw 10 = 450 + 80 = 530; + 200 - 100 = 630.
    plan = plan_a(
        contracts=frozenset({"eu", "tw"}),
        flows={flow("eu"): 90.0, flow("tw"): 10.0},
        objective=630.0,
    )
    assert check_plan(instance, plan) == []


def scenario_data(**changes: Any) -> Data:
    """The base instance with chip penalty 10 and scenario cut (p = 0.1) halving EU."""
    return data(
        products=[{"id": "chip", "shortage_penalty": 10}],
        scenarios=[{"id": "cut", "probability": 0.1, "capacity_factor": {"EU": 0.5}}],
        **changes,
    )


def test_scenario_scales_the_built_capacity_too() -> None:
    instance = Instance.from_data(scenario_data())
    seen = stage_instance(as_built(instance, {"eu-fab"}), {"EU": 0.5})
    assert lookup(seen.suppliers[0].capacity, 1) == 50  # (50 + 50) * 0.5
    same = stage_instance(instance, {"EU": 0.5}, builds={"eu-fab"})
    assert lookup(same.suppliers[0].capacity, 1) == 50
    # Nominal L = 500; cut: eu 50 at 5 + tw 50 at 8 = 650. Expected purchase 0.9 * 500 +
    # 0.1 * 650 = 515; capex 200 and subsidy -100 once: total 615.
    recourse = StagePlan(flows={flow("eu"): 50.0, flow("tw"): 50.0})
    plan = plan_a(contracts=frozenset({"eu", "tw"}), scenarios={"cut": recourse}, objective=615.0)
    assert check_plan(instance, plan) == []
    costs = plan_costs(instance, plan)
    assert (costs["capex"], costs["subsidy"], costs["purchase"], costs["total"]) == pytest.approx(
        (200, -100, 515, 615)
    )
    assert stage_costs(instance, plan) == {"nominal": pytest.approx(500), "cut": pytest.approx(650)}
    # The stage sees 50, not 100.
    full = plan_a(scenarios={"cut": StagePlan(flows={flow("eu"): 100.0})}, objective=600.0)
    assert check_plan(instance, full) == [f"scenario cut: {CAPACITY_50}"]


def test_scenario_without_the_build_sees_half_the_old_capacity() -> None:
    instance = Instance.from_data(scenario_data())
    # eu 50 + tw 50 nominally (650); cut: eu 25 + tw 75 (125 + 600 = 725).
    # Expected: 0.9 * 650 + 0.1 * 725 = 657.5.
    recourse = StagePlan(flows={flow("eu"): 25.0, flow("tw"): 75.0})
    plan = Plan(
        contracts=frozenset({"eu", "tw"}),
        flows={flow("eu"): 50.0, flow("tw"): 50.0},
        scenarios={"cut": recourse},
        objective=657.5,
    )
    assert check_plan(instance, plan) == []
    over = Plan(
        contracts=frozenset({"eu", "tw"}),
        flows={flow("eu"): 50.0, flow("tw"): 50.0},
        scenarios={"cut": StagePlan(flows={flow("eu"): 50.0, flow("tw"): 50.0})},
        objective=650.0,
    )
    assert check_plan(instance, over) == [
        "scenario cut: supplier eu delivers 50 in period 1, above its capacity 25"
    ]


def test_outage_scales_the_built_capacity_too() -> None:
    instance = Instance.from_data(
        data(resilience={"max_outage_shortage": 0.5, "outages": ["EU"], "factor": 0.5})
    )
    # Outage EU: eu at (50 + 50) * 0.5 = 50, the other 50 unmet (limit 0.5 of 100).
    recourse = StagePlan(flows={flow("eu"): 50.0}, unmet={("chip", M, 1): 50.0})
    plan = plan_a(scenarios={"outage:EU": recourse})
    assert check_plan(instance, plan) == []
    over = plan_a(scenarios={"outage:EU": StagePlan(flows={flow("eu"): 100.0})})
    assert check_plan(instance, over) == [f"scenario outage:EU: {CAPACITY_50}"]
