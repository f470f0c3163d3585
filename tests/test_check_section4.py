"""The checker on SPEC section 4: timed scenarios with price factors, non-anticipativity,
resilience outages by group, factor and `per`, and caps and floors by value. Hand-computed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from sourcing.check import (
    Stage,
    check_plan,
    plan_costs,
    stage_costs,
    stage_definitions,
    stage_instance,
)
from sourcing.instance.fields import lookup
from sourcing.instance.schema import Instance
from sourcing.plan import FlowKey, Plan, StagePlan

Data = dict[str, Any]
M = "default"


def flow(supplier: str, period: int = 1, product: str = "chip") -> FlowKey:
    return (supplier, product, M, period)


def cell(period: int = 1, product: str = "chip") -> tuple[str, str, int]:
    return (product, M, period)


# --- timed scenarios --------------------------------------------------------------------------


def timed(**scenario: Any) -> Data:
    """Periods 1-3, demand 50 of chip each (penalty 100, no stock). cn (CN) at 1 with capacity
    60, jp (JP) at 2, unlimited. Scenario quake (p = 0.1) disrupts period 2 only."""
    return {
        "name": "timed",
        "periods": [1, 2, 3],
        "regions": [{"id": "CN"}, {"id": "JP"}],
        "products": [{"id": "chip", "shortage_penalty": 100}],
        "suppliers": [
            {
                "id": "cn",
                "region": "CN",
                "capacity": 60,
                "offers": [{"product": "chip", "unit_cost": 1.0}],
            },
            {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 2.0}]},
        ],
        "demand": [{"product": "chip", "quantity": 50}],
        "scenarios": [{"id": "quake", "probability": 0.1, "start": 2, "duration": 1, **scenario}],
    }


NOMINAL_FLOWS = {flow("cn", 1): 50.0, flow("cn", 2): 50.0, flow("cn", 3): 50.0}


def timed_plan(objective: float, stage: StagePlan) -> Plan:
    return Plan(
        contracts=frozenset({"cn", "jp"}),
        flows=NOMINAL_FLOWS,
        objective=objective,
        scenarios={"quake": stage},
    )


# quake halves CN in period 2: cn 60 -> 30. Nominal: cn 50 x 3 = 150.
# Recourse: period 1 as nominal (cn 50), period 2 cn 30 + jp 20, period 3 cn 50:
# 50 + 30 + 40 + 50 = 170. Objective 0.9 * 150 + 0.1 * 170 = 152.
RECOURSE = {
    flow("cn", 1): 50.0,
    flow("cn", 2): 30.0,
    flow("jp", 2): 20.0,
    flow("cn", 3): 50.0,
}


def test_stage_definitions_carry_the_timing() -> None:
    instance = Instance.from_data(timed(capacity_factor={"CN": 0.5}, price_factor={"cn": 2}))
    assert stage_definitions(instance) == [
        Stage(
            id="quake",
            probability=0.1,
            capacity_factor={"CN": 0.5},
            price_factor={"cn": 2.0},
            disrupted=[2],
            anticipated=[1],
        )
    ]


def test_capacity_is_scaled_in_the_disrupted_period_only() -> None:
    instance = Instance.from_data(timed(capacity_factor={"CN": 0.5}))
    assert check_plan(instance, timed_plan(152, StagePlan(flows=RECOURSE))) == []
    # cn 40 + jp 10 in periods 2 and 3 costs the same (60 each): 40 > 30 only in period 2
    moved = {
        flow("cn", 1): 50.0,
        flow("cn", 2): 40.0,
        flow("jp", 2): 10.0,
        flow("cn", 3): 40.0,
        flow("jp", 3): 10.0,
    }
    assert check_plan(instance, timed_plan(152, StagePlan(flows=moved))) == [
        "scenario quake: supplier cn delivers 40 in period 2, above its capacity 30"
    ]


WHY = "before the scenario starts in period 2 it must equal the nominal plan"


def test_a_scenario_follows_the_nominal_plan_before_it_starts() -> None:
    instance = Instance.from_data(timed(capacity_factor={"CN": 0.5}))
    # period 1 as cn 40 + jp 10: the stage costs 40 + 20 + 70 + 50 = 180;
    # objective 0.9 * 150 + 0.1 * 180 = 153
    early = {**RECOURSE, flow("cn", 1): 40.0, flow("jp", 1): 10.0}
    assert check_plan(instance, timed_plan(153, StagePlan(flows=early))) == [
        f"scenario quake: flow cn -> default of chip in period 1 is 40, but 50 in the nominal "
        f"plan; {WHY}",
        f"scenario quake: flow jp -> default of chip in period 1 is 10, but 0 in the nominal "
        f"plan; {WHY}",
    ]
    # period 1 as cn 40 + 10 unmet: 40 + 1000 + 70 + 50 = 1160; 135 + 116 = 251
    short = StagePlan(flows={**RECOURSE, flow("cn", 1): 40.0}, unmet={cell(1): 10.0})
    assert check_plan(instance, timed_plan(251, short)) == [
        f"scenario quake: flow cn -> default of chip in period 1 is 40, but 50 in the nominal "
        f"plan; {WHY}",
        f"scenario quake: unmet demand of chip in default, period 1 is 10, but 0 in the nominal "
        f"plan; {WHY}",
    ]
    # a difference after the disruption (period 3) is recovery, not anticipation: cn 40 +
    # jp 10 there costs 60 instead of 50, so 0.9 * 150 + 0.1 * 180 = 153
    late = {**RECOURSE, flow("cn", 3): 40.0, flow("jp", 3): 10.0}
    assert check_plan(instance, timed_plan(153, StagePlan(flows=late))) == []


def test_price_factor_raises_unit_cost_and_tariff_in_the_disrupted_period_only() -> None:
    data = timed(price_factor={"CN": 2.0})
    data["tariffs"] = [{"from": "CN", "rate": 0.5}]
    data["transport"] = [{"from": "CN", "cost": 0.1}]
    instance = Instance.from_data(data)
    # The stage delivers as the nominal plan: cn 50 in every period.
    # nominal: purchase 150, tariff 75, transport 15 -> L = 240
    # quake:   purchase 50 + 100 + 50 = 200, tariff 100, transport 15 (not scaled) -> L = 315
    # expected (weights 0.9 and 0.1): purchase 135 + 20 = 155, tariff 67.5 + 10 = 77.5,
    # transport 15; total 247.5
    plan = timed_plan(247.5, StagePlan(flows=NOMINAL_FLOWS))
    costs = plan_costs(instance, plan)
    assert costs["purchase"] == pytest.approx(155)
    assert costs["tariff"] == pytest.approx(77.5)
    assert costs["transport"] == pytest.approx(15)
    assert costs["total"] == pytest.approx(247.5)
    assert stage_costs(instance, plan) == {
        "nominal": pytest.approx(240),
        "quake": pytest.approx(315),
    }
    assert check_plan(instance, plan) == []


def test_stage_instance_scales_per_period_maps_in_the_disrupted_periods_only() -> None:
    data = timed()
    data["suppliers"] = [
        {
            "id": "cn",
            "region": "CN",
            "offers": [{"product": "chip", "unit_cost": {1: 1.0, 3: 2.0}, "capacity": {1: 10}}],
        },
        {
            "id": "jp",
            "region": "JP",
            "capacity": 50,
            "offers": [{"product": "chip", "unit_cost": 1.0}],
        },
    ]
    instance = Instance.from_data(data)
    seen = stage_instance(instance, {"CN": 0.0, "jp": 0.5}, {"CN": 3.0, "JP": 2.0}, [2])
    cn, jp = seen.suppliers
    periods = [1, 2, 3]
    # unlimited times 0 is 0 in period 2 only; a map lacking period 3 stays unlimited there
    assert [lookup(cn.capacity, t) for t in periods] == [None, 0.0, None]
    assert [lookup(cn.offers[0].capacity, t) for t in periods] == [10.0, 0.0, None]
    # a unit_cost map lacking period 2 still lacks it: not offered then
    assert [lookup(cn.offers[0].unit_cost, t) for t in periods] == [1.0, None, 2.0]
    assert [lookup(jp.capacity, t) for t in periods] == [50.0, 25.0, 50.0]
    assert [lookup(jp.offers[0].unit_cost, t) for t in periods] == [1.0, 2.0, 1.0]
    # without periods, the whole horizon
    whole = stage_instance(instance, {"jp": 0.5}, {"JP": 2.0})
    assert [lookup(whole.suppliers[1].capacity, t) for t in periods] == [25.0] * 3
    assert [lookup(whole.suppliers[1].offers[0].unit_cost, t) for t in periods] == [2.0] * 3


# --- resilience outages -----------------------------------------------------------------------


def outage(per: str | None, **resilience: Any) -> Data:
    """One period; demand 100 of chip (penalty 10) and 100 of mem (no penalty). cn (CN) at 1
    and jp (JP) at 2 offer both, unlimited. Outage of CN only; at most 20 % unmet."""
    extra = {} if per is None else {"per": per}
    return {
        "name": "outage",
        "regions": [{"id": "CN"}, {"id": "JP"}],
        "products": [{"id": "chip", "shortage_penalty": 10}, {"id": "mem"}],
        "suppliers": [
            {
                "id": s,
                "region": r,
                "offers": [
                    {"product": "chip", "unit_cost": cost},
                    {"product": "mem", "unit_cost": cost},
                ],
            }
            for s, r, cost in [("cn", "CN", 1.0), ("jp", "JP", 2.0)]
        ],
        "demand": [{"product": "chip", "quantity": 100}, {"product": "mem", "quantity": 100}],
        "resilience": {"max_outage_shortage": 0.2, "outages": ["CN"], **extra, **resilience},
    }


def outage_plan(stage: StagePlan, stage_id: str = "outage:CN") -> Plan:
    """Nominal: cn delivers everything, 200 (outage stages have probability 0)."""
    return Plan(
        contracts=frozenset({"cn", "jp"}),
        flows={flow("cn"): 100.0, flow("cn", product="mem"): 100.0},
        objective=200.0,
        scenarios={stage_id: stage},
    )


# Under outage:CN jp delivers all the chip and 70 of mem: 30 of mem (no penalty) unmet.
# total: 30 <= 0.2 * 200 = 40; per product: mem 30 > 0.2 * 100 = 20.
SHORT_MEM = StagePlan(
    flows={flow("jp"): 100.0, flow("jp", product="mem"): 70.0},
    unmet={cell(product="mem"): 30.0},
)


def test_per_product_rejects_what_per_total_accepts() -> None:
    # any product may go unmet in an outage, penalty or not (mem has none)
    assert check_plan(Instance.from_data(outage("total")), outage_plan(SHORT_MEM)) == []
    message = (
        "scenario outage:CN: 30 of 100 of mem unmet, above the resilience limit of 0.2 per product"
    )
    for per in ("product", None):  # product is the default
        assert check_plan(Instance.from_data(outage(per)), outage_plan(SHORT_MEM)) == [message]
    assert check_plan(Instance.from_data(outage("cell")), outage_plan(SHORT_MEM)) == [
        "scenario outage:CN: 30 of 100 of mem unmet in default, period 1, above the resilience "
        "limit of 0.2 per cell"
    ]
    # 20 of each is within every limit
    even = StagePlan(
        flows={flow("jp"): 80.0, flow("jp", product="mem"): 80.0},
        unmet={cell(): 20.0, cell(product="mem"): 20.0},
    )
    for per in ("total", "product", "cell"):
        assert check_plan(Instance.from_data(outage(per)), outage_plan(even)) == []
    # over the total: 50 of 200 > 40 (the message is the one it always was)
    more = StagePlan(
        flows={flow("jp"): 75.0, flow("jp", product="mem"): 75.0},
        unmet={cell(): 25.0, cell(product="mem"): 25.0},
    )
    assert check_plan(Instance.from_data(outage("total")), outage_plan(more)) == [
        "scenario outage:CN: 50 of 200 unmet, above the resilience limit of 0.2"
    ]


def test_the_nominal_plan_still_needs_a_penalty_to_leave_demand_unmet() -> None:
    instance = Instance.from_data(outage("total"))
    # nominal leaves 10 of mem unmet (cost 190): mem has no penalty
    plan = replace(
        outage_plan(SHORT_MEM),
        flows={flow("cn"): 100.0, flow("cn", product="mem"): 90.0},
        unmet={cell(product="mem"): 10.0},
        objective=190.0,
    )
    assert check_plan(instance, plan) == [
        "unmet demand 10 of mem in default, period 1, but mem has no shortage_penalty so its "
        "demand must be met"
    ]


def test_an_outage_of_a_supplier_at_half_capacity() -> None:
    data = outage("total", outages=["cn"], factor=0.5, max_outage_shortage=0.1)
    data["products"] = [{"id": "chip", "shortage_penalty": 10}]
    data["demand"] = [{"product": "chip", "quantity": 100}]
    for supplier in data["suppliers"]:
        supplier["offers"] = supplier["offers"][:1]  # chip only
    data["suppliers"][0]["capacity"] = 100  # cn
    instance = Instance.from_data(data)
    assert stage_definitions(instance) == [
        Stage(id="outage:cn", probability=0.0, capacity_factor={"cn": 0.5}, outage="cn")
    ]
    nominal = {flow("cn"): 100.0}

    def plan(flows: dict[FlowKey, float], short: float = 0.0) -> Plan:
        stage = StagePlan(flows=flows, unmet={cell(): short} if short else {})
        # outage stages have probability 0: the objective is the nominal 100
        return Plan(
            frozenset({"cn", "jp"}), nominal, objective=100.0, scenarios={"outage:cn": stage}
        )

    # cn keeps 50; jp 40 and 10 unmet: 10 <= 0.1 * 100
    assert check_plan(instance, plan({flow("cn"): 50.0, flow("jp"): 40.0}, 10.0)) == []
    assert check_plan(instance, plan({flow("cn"): 60.0, flow("jp"): 40.0})) == [
        "scenario outage:cn: supplier cn delivers 60 in period 1, above its capacity 50"
    ]
    assert check_plan(instance, plan({flow("cn"): 50.0}, 50.0)) == [
        "scenario outage:cn: 50 of 100 unmet, above the resilience limit of 0.1"
    ]


# --- shares by value --------------------------------------------------------------------------


def valued(basis: str) -> Data:
    """One period; chip (value 10, demand 10) and mem (value 1, demand 90); cn (CN) and jp (JP)
    offer both at 1. A pooled cap of CN at 0.5 and a pooled floor of JP at 0.5."""
    return {
        "name": "valued",
        "regions": [{"id": "CN"}, {"id": "JP"}],
        "products": [{"id": "chip", "value": 10.0}, {"id": "mem", "value": 1.0}],
        "suppliers": [
            {
                "id": s,
                "region": r,
                "offers": [
                    {"product": "chip", "unit_cost": 1.0},
                    {"product": "mem", "unit_cost": 1.0},
                ],
            }
            for s, r in [("cn", "CN"), ("jp", "JP")]
        ],
        "demand": [{"product": "chip", "quantity": 10}, {"product": "mem", "quantity": 90}],
        "policies": {
            "caps": [
                {"id": "cn-cap", "group": "CN", "max_share": 0.5, "pooled": True, "basis": basis}
            ],
            "floors": [
                {"id": "jp-floor", "group": "JP", "min_share": 0.5, "pooled": True, "basis": basis}
            ],
        },
    }


def valued_plan(flows: dict[FlowKey, float]) -> Plan:
    return Plan(contracts=frozenset({"cn", "jp"}), flows=flows, objective=100.0)


def test_a_pooled_cap_and_floor_by_value() -> None:
    # cn: chip 10 (value 100); jp: mem 90 (value 90). By quantity CN has 10 of 100 (0.1) and
    # JP 90 of 100 (0.9); by value CN has 100 of 190 and JP 90 of 190.
    flows = {flow("cn"): 10.0, flow("jp", product="mem"): 90.0}
    assert check_plan(Instance.from_data(valued("quantity")), valued_plan(flows)) == []
    assert check_plan(Instance.from_data(valued("value")), valued_plan(flows)) == [
        "cap cn-cap: group CN delivers 100 of 190 (share 0.526316 > 0.5) of chip, mem "
        "(pooled, by value) to default in period 1",
        "floor jp-floor: group JP delivers 90 of 190 (share 0.473684 < 0.5) of chip, mem "
        "(pooled, by value) to default in period 1",
    ]
    # cn chip 5, jp chip 5 + mem 90: CN 50 of 190, JP 140 of 190
    split = {flow("cn"): 5.0, flow("jp"): 5.0, flow("jp", product="mem"): 90.0}
    assert check_plan(Instance.from_data(valued("value")), valued_plan(split)) == []
