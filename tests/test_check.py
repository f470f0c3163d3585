"""The independent plan checker: hand-computed costs, and one violation per rule."""

from __future__ import annotations

from typing import Any

import pytest

from sourcing.check import (
    assert_plan_ok,
    check_plan,
    plan_costs,
    plan_stock,
    tariff_rate,
    transport_cost,
)
from sourcing.errors import CheckError
from sourcing.instance.schema import Instance
from sourcing.plan import Plan

TOTAL = 416.5


def base_data() -> dict[str, Any]:
    """Two periods, one market; chip may be stocked and left unmet, mem may not; gpu unused."""
    return {
        "name": "check-base",
        "periods": [1, 2],
        "regions": [{"id": "JP"}, {"id": "CN"}, {"id": "KR"}],
        "blocs": [{"id": "allies", "members": ["JP", "KR"]}],
        "products": [
            {"id": "chip", "shortage_penalty": 50, "holding_cost": 0.5},
            {"id": "mem"},
            {"id": "gpu"},
        ],
        "suppliers": [
            {
                "id": "jp",
                "region": "JP",
                "fixed_cost": 5,
                "capacity": 100,
                "offers": [
                    {"product": "chip", "unit_cost": 1.0, "capacity": 60},
                    {"product": "mem", "unit_cost": {1: 2.0, 2: 3.0}},
                ],
            },
            {
                "id": "cn",
                "region": "CN",
                "fixed_cost": 2,
                "min_order": 5,
                "offers": [{"product": "chip", "unit_cost": 0.5}],
            },
            {
                "id": "kr",
                "region": "KR",
                "fixed_cost": 3,
                "capacity": {1: 50},
                "offers": [
                    {"product": "chip", "unit_cost": {1: 0.8, 2: 0.9}},
                    {"product": "mem", "unit_cost": {2: 2.5}},
                ],
            },
        ],
        "demand": [
            {"product": "chip", "quantity": 40},
            {"product": "mem", "period": 1, "quantity": 10},
            {"product": "mem", "period": 2, "quantity": 20},
        ],
        "transport": [
            {"from": "CN", "cost": 0.1},
            {"from": "allies", "cost": 0.2},
            {"from": "kr", "cost": 0.05},
        ],
        "tariffs": [
            {"from": "CN", "rate": 0.5, "products": ["chip"]},
            {"from": "CN", "rate": 0.1},
        ],
        "policies": {
            "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.25, "products": ["chip"]}],
            "floors": [{"id": "allied-floor", "group": "allies", "min_share": 0.6}],
            "bans": [{"id": "no-kr-mem", "group": "KR", "products": ["mem"], "periods": [1]}],
        },
    }


def base_plan(**changes: Any) -> Plan:
    """The feasible plan; `flows`/`unmet` entries in `changes` update (or add) single keys."""
    flows = {
        ("jp", "chip", "default", 1): 20.0,
        ("cn", "chip", "default", 1): 10.0,
        ("kr", "chip", "default", 1): 20.0,
        ("jp", "mem", "default", 1): 10.0,
        ("jp", "chip", "default", 2): 20.0,
        ("cn", "chip", "default", 2): 5.0,
        ("kr", "chip", "default", 2): 0.0,
        ("kr", "mem", "default", 2): 20.0,
    }
    flows.update(changes.pop("flows", {}))
    unmet = {("chip", "default", 2): 5.0}
    unmet.update(changes.pop("unmet", {}))
    fields: dict[str, Any] = {
        "contracts": frozenset({"jp", "cn", "kr"}),
        "flows": flows,
        "unmet": unmet,
        "objective": TOTAL,
    }
    fields.update(changes)
    return Plan(**fields)


def make(data: dict[str, Any] | None = None) -> Instance:
    return Instance.from_data(data or base_data())


def violations_of(plan: Plan, data: dict[str, Any] | None = None) -> list[str]:
    return check_plan(make(data), plan)


def assert_violation(violations: list[str], fragment: str) -> None:
    assert any(fragment in v for v in violations), violations


# --- a correct plan ---------------------------------------------------------------------------


def test_correct_plan_has_no_violations() -> None:
    assert check_plan(make(), base_plan()) == []
    assert_plan_ok(make(), base_plan())


def test_cost_breakdown_by_hand() -> None:
    costs = plan_costs(make(), base_plan())
    expected = {
        "fixed": 10.0,  # 5 + 2 + 3
        "purchase": 133.5,  # chip: jp 40*1, cn 15*0.5, kr 20*0.8; mem: jp 10*2, kr 20*2.5
        "tariff": 4.5,  # cn chip 15 * 0.5 * (0.5 + 0.1)
        "transport": 13.5,  # cn 15*0.1 + jp 50*0.2 (bloc) + kr 40*0.05 (supplier entry wins)
        "holding": 5.0,  # 0.5 * stock 10 after period 1
        "shortage": 250.0,  # 5 * 50
        "risk": 0.0,
        "total": TOTAL,
    }
    assert costs == pytest.approx(expected)


def test_stock_from_balance() -> None:
    stock = plan_stock(make(), base_plan())
    assert stock == pytest.approx(
        {
            ("chip", "default", 1): 10.0,
            ("chip", "default", 2): 0.0,
            ("mem", "default", 1): 0.0,
            ("mem", "default", 2): 0.0,
            ("gpu", "default", 1): 0.0,
            ("gpu", "default", 2): 0.0,
        }
    )


def test_solver_noise_is_tolerated() -> None:
    plan = base_plan(flows={("jp", "chip", "default", 1): 20.0 + 3e-7}, objective=TOTAL + 1e-7)
    assert check_plan(make(), plan) == []


def test_assert_plan_ok_raises_with_violations() -> None:
    with pytest.raises(CheckError) as info:
        assert_plan_ok(make(), base_plan(objective=1.0))
    assert len(info.value.violations) == 1


# --- keys and quantities ----------------------------------------------------------------------


def test_unknown_supplier() -> None:
    plan = base_plan(flows={("tw", "chip", "default", 1): 1.0})
    assert_violation(violations_of(plan), "names an unknown supplier 'tw'")


def test_unknown_product_market_and_period() -> None:
    plan = base_plan(flows={("jp", "cpu", "EU", 3): 1.0}, unmet={("chip", "default", 7): 1.0})
    found = violations_of(plan)
    assert_violation(found, "unknown product 'cpu', market 'EU', period 3")
    assert_violation(found, "unmet demand of chip in default, period 7 names an unknown period 7")


def test_negative_quantity() -> None:
    plan = base_plan(flows={("cn", "chip", "default", 2): -1.0}, unmet={("chip", "default", 2): 11})
    assert_violation(violations_of(plan), "has negative quantity -1")


def test_not_finite_quantity() -> None:
    plan = base_plan(flows={("cn", "chip", "default", 2): float("nan")})
    assert_violation(violations_of(plan), "not a finite number")


def test_unknown_contract() -> None:
    plan = base_plan(contracts=frozenset({"jp", "cn", "kr", "tw"}))
    assert_violation(violations_of(plan), "contract with unknown supplier 'tw'")


# --- flow rules -------------------------------------------------------------------------------


def test_product_not_offered() -> None:
    plan = base_plan(flows={("cn", "mem", "default", 2): 5.0, ("kr", "mem", "default", 2): 15.0})
    assert_violation(violations_of(plan), "cn does not offer mem")


def test_offer_not_available_in_period() -> None:
    data = base_data()
    data["policies"]["bans"] = []
    plan = base_plan(flows={("kr", "mem", "default", 1): 5.0, ("jp", "mem", "default", 1): 5.0})
    found = violations_of(plan, data)
    assert_violation(found, "the offer has no unit_cost in period 1, so it is not available")


def test_supplier_not_contracted() -> None:
    plan = base_plan(contracts=frozenset({"jp", "kr"}), objective=TOTAL - 2)
    assert violations_of(plan) == [
        "flow cn -> default of chip in period 1 (10): supplier cn is not contracted",
        "flow cn -> default of chip in period 2 (5): supplier cn is not contracted",
    ]


def test_ban() -> None:
    data = base_data()
    data["policies"]["bans"] = [
        {"id": "no-cn", "group": "CN", "products": ["chip"], "periods": [2]}
    ]
    found = violations_of(base_plan(), data)
    assert found == ["flow cn -> default of chip in period 2 (5): banned by ban no-cn"]


def test_ban_on_bloc_covers_all_products() -> None:
    data = base_data()
    data["policies"]["bans"] = [{"id": "no-allies", "group": "allies", "markets": ["default"]}]
    found = violations_of(base_plan(), data)
    assert len(found) == 5  # jp chip 1, kr chip 1, jp mem 1, jp chip 2, kr mem 2 (kr chip 2 is 0)
    assert_violation(found, "flow kr -> default of mem in period 2 (20): banned by ban no-allies")


# --- capacities and minimum orders ------------------------------------------------------------


def test_supplier_capacity() -> None:
    data = base_data()
    data["suppliers"][0]["capacity"] = {1: 25, 2: 25}
    assert violations_of(base_plan(), data) == [
        "supplier jp delivers 30 in period 1, above its capacity 25"
    ]


def test_offer_capacity() -> None:
    data = base_data()
    data["suppliers"][0]["offers"][0]["capacity"] = 15
    found = violations_of(base_plan(), data)
    assert_violation(
        found, "supplier jp delivers 20 of chip in period 1, above the offer's capacity 15"
    )
    assert len(found) == 2


def test_capacity_map_lacking_a_period_is_unlimited() -> None:
    data = base_data()
    data["suppliers"][2]["capacity"] = {1: 20}  # period 2 unlimited
    assert violations_of(base_plan(), data) == []


def test_min_order() -> None:
    data = base_data()
    data["suppliers"][1]["min_order"] = 8
    assert violations_of(base_plan(), data) == [
        "supplier cn delivers 5 of chip in period 2, below its min_order 8"
    ]


# --- stock and unmet demand -------------------------------------------------------------------


def test_negative_stock() -> None:
    plan = base_plan(flows={("cn", "chip", "default", 1): 0.0})
    # recomputed: 10 fewer cn units (-5 -3 -1), no stock after period 1 (-5), -10 in period 2 (-5)
    assert plan_costs(make(), plan)["total"] == pytest.approx(TOTAL - 19)
    plan = base_plan(flows={("cn", "chip", "default", 1): 0.0}, objective=TOTAL - 19)
    found = violations_of(plan)
    assert found == [
        "stock of chip in default is negative (-10) at the end of period 2: demand is neither "
        "delivered nor left unmet"
    ]


def test_stock_left_after_last_period() -> None:
    plan = base_plan(flows={("jp", "chip", "default", 2): 30.0})
    assert_violation(violations_of(plan), "stock of chip in default is 10 after the last period 2")


def test_product_without_holding_cost_holds_no_stock() -> None:
    plan = base_plan(flows={("jp", "mem", "default", 1): 15.0, ("kr", "mem", "default", 2): 15.0})
    found = violations_of(plan)
    assert_violation(found, "balance of mem in default, period 1: delivered 15 + unmet 0 != demand")
    assert_violation(found, "has no holding_cost")


def test_unmet_above_demand() -> None:
    plan = base_plan(unmet={("chip", "default", 1): 45.0})
    assert_violation(violations_of(plan), "unmet demand 45 of chip in default, period 1 exceeds")


def test_unmet_without_shortage_penalty() -> None:
    plan = base_plan(flows={("kr", "mem", "default", 2): 15.0}, unmet={("mem", "default", 2): 5.0})
    found = violations_of(plan)
    assert_violation(found, "but mem has no shortage_penalty")


# --- shares -----------------------------------------------------------------------------------


def test_cap() -> None:
    data = base_data()
    data["policies"]["caps"][0]["max_share"] = 0.1
    found = violations_of(base_plan(), data)
    assert found[0] == (
        "cap cn-cap: group CN delivers 10 of 50 (share 0.2 > 0.1) of chip to default in period 1"
    )
    assert len(found) == 2


def test_cap_period_scope() -> None:
    data = base_data()
    data["policies"]["caps"][0].update(max_share=0.1, periods=[2])
    assert_violation(
        violations_of(base_plan(), data), "(share 0.2 > 0.1) of chip to default in period 2"
    )


def test_pooled_cap_sums_products() -> None:
    data = base_data()
    cap = {"id": "cn-all", "group": "CN", "max_share": 0.18}
    data["policies"]["caps"] = [cap]
    # per product, chip in period 1 has CN at 10/50 = 0.2 > 0.18
    assert_violation(violations_of(base_plan(), data), "cap cn-all: group CN delivers 10 of 50")
    # pooled: 10/(50+10) and 5/(25+20) are both below 0.18
    cap["pooled"] = True
    assert violations_of(base_plan(), data) == []
    cap["max_share"] = 0.15
    assert violations_of(base_plan(), data) == [
        "cap cn-all: group CN delivers 10 of 60 (share 0.166667 > 0.15) of chip, mem, gpu "
        "(pooled) to default in period 1"
    ]


def test_floor() -> None:
    data = base_data()
    data["policies"]["floors"][0]["min_share"] = 0.85
    found = violations_of(base_plan(), data)
    assert found == [
        "floor allied-floor: group allies delivers 40 of 50 (share 0.8 < 0.85) of chip to default "
        "in period 1",
        "floor allied-floor: group allies delivers 20 of 25 (share 0.8 < 0.85) of chip to default "
        "in period 2",
    ]


def test_floor_holds_when_nothing_is_delivered() -> None:
    data = base_data()
    data["policies"]["floors"][0].update(min_share=1.0, products=["gpu"])
    assert violations_of(base_plan(), data) == []


def test_max_supplier_share() -> None:
    data = base_data()
    data["policies"]["max_supplier_share"] = 0.8
    found = violations_of(base_plan(), data)
    assert_violation(
        found,
        "max_supplier_share: supplier jp delivers 10 of 10 (share 1 > 0.8) of mem to default in "
        "period 1",
    )
    assert len(found) == 2  # jp mem 1, kr mem 2; jp chip 2 is exactly at 0.8


def test_min_suppliers() -> None:
    data = base_data()
    data["policies"]["min_suppliers"] = 2  # gpu has no demand and is exempt
    assert violations_of(base_plan(), data) == []
    data["policies"]["min_suppliers"] = 3
    assert violations_of(base_plan(), data) == [
        "min_suppliers: product mem has 2 supplier(s) that count (jp, kr), needs 3; a supplier "
        "counts if contracted and it delivers at least 0.1 of the 30 delivered over the horizon"
    ]


def test_min_supplier_share_changes_who_counts() -> None:
    data = base_data()
    data["policies"].update(min_suppliers=3, min_supplier_share=0.25)
    found = violations_of(base_plan(), data)
    # chip over the horizon: jp 40, kr 20, cn 15 of 75; cn (0.2) no longer counts
    assert_violation(found, "product chip has 2 supplier(s) that count (jp, kr), needs 3")


# --- objective --------------------------------------------------------------------------------


def test_objective_mismatch() -> None:
    found = violations_of(base_plan(objective=TOTAL + 1))
    assert found == [
        "objective 417.5 reported for the plan differs from its recomputed total cost 416.5"
    ]


# --- cost matching over several markets -------------------------------------------------------


def market_data() -> dict[str, Any]:
    return {
        "name": "check-markets",
        "regions": [{"id": r} for r in ("CN", "JP", "KR", "DE", "US")],
        "blocs": [
            {"id": "eu", "members": ["DE"]},
            {"id": "west", "members": ["eu", "US"]},
            {"id": "allies", "members": ["JP", "KR"]},
            {"id": "asia", "members": ["JP", "KR", "CN"]},
        ],
        "products": [{"id": "chip"}, {"id": "mem"}],
        "markets": [
            {"id": "de", "region": "DE"},
            {"id": "us", "region": "US"},
            {"id": "xx"},
        ],
        "suppliers": [
            {
                "id": "cn",
                "region": "CN",
                "offers": [
                    {"product": "chip", "unit_cost": 2.0},
                    {"product": "mem", "unit_cost": 1},
                ],
            },
            {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 3.0}]},
            {"id": "kr", "region": "KR", "offers": [{"product": "chip", "unit_cost": 4.0}]},
        ],
        "demand": [
            {"product": "chip", "market": "de", "quantity": 10},
            {"product": "chip", "market": "us", "quantity": 20},
            {"product": "mem", "market": "de", "quantity": 5},
        ],
        "transport": [
            {"from": "CN", "cost": 1.0},
            {"from": "CN", "to": "west", "cost": 2.0},
            {"from": "CN", "to": "US", "cost": 3.0},
            {"from": "CN", "to": "de", "cost": 4.0},
            {"from": "JP", "to": "de", "cost": 0.9},
            {"from": "jp", "cost": 0.1},
            {"from": "asia", "to": "us", "cost": 0.7},
            {"from": "allies", "cost": 0.6},
            {"from": "allies", "to": "us", "cost": 0.5},
        ],
        "tariffs": [
            {"from": "CN", "to": "us", "rate": 0.25},
            {"from": "cn", "to": "west", "rate": 0.1, "products": ["chip"]},
            {"from": "asia", "to": "DE", "rate": 0.05},
            {"from": "allies", "to": "xx", "rate": 0.3},
        ],
    }


@pytest.mark.parametrize(
    ("supplier", "market", "cost"),
    [
        ("cn", "de", 4.0),  # market id beats the bloc `west` and the catch-all
        ("cn", "us", 3.0),  # market's region beats the nested bloc `west`
        ("cn", "xx", 1.0),  # a market without region matches only `to` left out
        ("jp", "de", 0.1),  # supplier id beats its region even with a less specific `to`
        ("kr", "de", 0.6),  # blocs: `allies` (to all) is the only one reaching de
        ("kr", "us", 0.7),  # two blocs with the same `to`: the first listed wins
        ("kr", "xx", 0.6),
    ],
)
def test_transport_most_specific_entry(supplier: str, market: str, cost: float) -> None:
    assert transport_cost(make(market_data()), supplier, market) == pytest.approx(cost)


@pytest.mark.parametrize(
    ("supplier", "product", "market", "rate"),
    [
        ("cn", "chip", "us", 0.35),  # 0.25 + 0.1 (west contains US)
        ("cn", "chip", "de", 0.15),  # 0.1 (west contains eu contains DE) + 0.05
        ("cn", "mem", "de", 0.05),
        ("cn", "mem", "xx", 0.0),
        ("jp", "chip", "xx", 0.3),
        ("kr", "chip", "us", 0.0),
    ],
)
def test_tariff_rates_add_up(supplier: str, product: str, market: str, rate: float) -> None:
    assert tariff_rate(make(market_data()), supplier, product, market) == pytest.approx(rate)


def test_costs_over_several_markets() -> None:
    instance = make(market_data())
    plan = Plan(
        contracts=frozenset({"cn", "jp"}),
        flows={
            ("cn", "chip", "us", 1): 20.0,
            ("jp", "chip", "de", 1): 10.0,
            ("cn", "mem", "de", 1): 5.0,
        },
        objective=207.75,
    )
    costs = plan_costs(instance, plan)
    assert costs == pytest.approx(
        {
            "fixed": 0.0,
            "purchase": 75.0,  # 20*2 + 10*3 + 5*1
            "tariff": 15.75,  # 20*2*0.35 + 10*3*0.05 (asia -> DE) + 5*1*0.05
            "transport": 81.0,  # 20*3 (cn -> US region) + 10*0.1 (jp) + 5*4 (cn -> de)
            "holding": 0.0,
            "shortage": 0.0,
            "risk": 0.0,
            "total": 171.75,
        }
    )
    found = check_plan(instance, plan)
    assert found == [
        "objective 207.75 reported for the plan differs from its recomputed total cost 171.75"
    ]
    assert check_plan(instance, Plan(plan.contracts, plan.flows, objective=171.75)) == []


def test_text_periods_match_their_labels() -> None:
    data = base_data()
    data["periods"] = ["2026", "2027"]
    for supplier in data["suppliers"]:
        for offer in supplier["offers"]:
            if isinstance(offer["unit_cost"], dict):
                offer["unit_cost"] = {str(2025 + k): v for k, v in offer["unit_cost"].items()}
        if isinstance(supplier.get("capacity"), dict):
            supplier["capacity"] = {str(2025 + k): v for k, v in supplier["capacity"].items()}
    for entry in data["demand"]:
        if "period" in entry:
            entry["period"] = 2025 + entry["period"]
    data["policies"]["bans"][0]["periods"] = [2026]
    plan = base_plan()
    relabel = {1: "2026", 2: "2027"}
    plan = Plan(
        plan.contracts,
        {(s, p, m, relabel[t]): q for (s, p, m, t), q in plan.flows.items()},
        {(p, m, relabel[t]): q for (p, m, t), q in plan.unmet.items()},
        TOTAL,
    )
    instance = make(data)
    assert check_plan(instance, plan) == []
    assert plan_stock(instance, plan)[("chip", "default", "2026")] == pytest.approx(10.0)
