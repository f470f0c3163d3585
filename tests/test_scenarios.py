"""Two-stage disruption scenarios, CVaR and N-1 resilience on tiny instances solved by hand.

Every instance has one period, one market ("default") and product `chip` with demand 100 and
shortage penalty 10 unless a test says otherwise. Contracts (`use_supplier`) are the only
first-stage decision, so each optimum is found by enumerating the contract sets: for each set,
every stage's recourse is the cheapest way to serve demand with the contracted suppliers
(capacities scaled), the rest unmet at 10 a unit. The comments list every set.
"""

from __future__ import annotations

import copy
import inspect
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sourcing import Instance, Results, solve
from sourcing.check import check_plan
from sourcing.cli import main
from sourcing.errors import InstanceError
from sourcing.instance.generate import generate, generate_data
from sourcing.plan import Plan, StagePlan

REL = 1e-9
Data = dict[str, Any]

BASE: Data = {
    "name": "disruption",
    "regions": [{"id": r} for r in ("CN", "KR", "JP", "US", "EU")],
    "blocs": [{"id": "allies", "members": ["JP", "US", "EU"]}],
    "products": [{"id": "chip", "shortage_penalty": 10}],
    "suppliers": [],
    "demand": [{"product": "chip", "quantity": 100}],
}


def approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=1e-6)


def sup(ident: str, region: str, cost: float, **fields: Any) -> Data:
    """A supplier selling `chip` at `cost`."""
    offers = [{"product": "chip", "unit_cost": cost}]
    return {"id": ident, "region": region, "offers": offers, **fields}


def make(**overrides: Any) -> Data:
    data = copy.deepcopy(BASE)
    data.update(copy.deepcopy(overrides))
    return data


def run(data: Data, status: str = "optimal") -> Results:
    """Solve; check the status, that the plan passes the checker and the costs add up."""
    instance = Instance.from_data(data)
    res = solve(instance)
    assert res.status == status, (res.status, res.message)
    if res.plan is not None:
        assert check_plan(instance, res.plan) == []
        assert float(res.costs.sum()) == approx(res.objective)
    return res


def contracts(res: Results) -> set[str]:
    return set(res.contracts["supplier"])


def stage(res: Results, scenario: str) -> dict[str, Any]:
    """The row of `res.scenarios` for one stage."""
    assert res.scenarios is not None
    rows = res.scenarios[res.scenarios["scenario"] == scenario].to_dict(orient="records")
    assert len(rows) == 1, scenario
    return rows[0]


def stage_flows(res: Results, scenario: str) -> dict[str, float]:
    """Quantity per supplier delivered in one stage."""
    assert res.scenario_flows is not None
    frame = res.scenario_flows[res.scenario_flows["scenario"] == scenario]
    return {s: float(q) for s, q in frame.groupby("supplier")["quantity"].sum().items()}


# --- (a) risk-neutral: a cheap supplier exposed to an embargo vs. a safe one ------------------


def embargo(fixed: float) -> Data:
    """cn (CN) at 1, unlimited; jp (JP) at 3, capacity 60, fixed cost `fixed`.
    Scenario `embargo` (p = 0.1): CN capacity x 0 (unlimited becomes 0)."""
    return make(
        suppliers=[sup("cn", "CN", 1), sup("jp", "JP", 3, fixed_cost=fixed, capacity=60)],
        scenarios=[{"id": "embargo", "probability": 0.1, "capacity_factor": {"CN": 0}}],
    )


# Contract sets (nominal probability 0.9, embargo 0.1), L = variable cost of a stage:
#   {}       L_nom = L_emb = 1000 (all unmet)                      -> 1000
#   {cn}     L_nom = 100, L_emb = 1000                             -> 0.9*100 + 0.1*1000 = 190
#   {jp}     L = 60*3 + 40*10 = 580 in both                        -> F + 580
#   {cn,jp}  L_nom = 100 (cn), L_emb = 580 (jp 60, 40 unmet)       -> F + 90 + 58 = F + 148
# F = 30: {cn,jp} at 178 beats {cn} at 190; F = 50: {cn} at 190 beats 198.
@pytest.mark.parametrize(
    ("fixed", "objective", "chosen", "emb_cost", "emb_short", "purchase", "shortage"),
    [
        # purchase = 0.9*100 + 0.1*180; shortage = 0.1*400
        (30, 178, {"cn", "jp"}, 580, 40, 108, 40),
        # purchase = 0.9*100; shortage = 0.1*1000
        (50, 190, {"cn"}, 1000, 100, 90, 100),
    ],
)
def test_embargo_risk_neutral(
    fixed: float,
    objective: float,
    chosen: set[str],
    emb_cost: float,
    emb_short: float,
    purchase: float,
    shortage: float,
) -> None:
    res = run(embargo(fixed))
    assert res.objective == approx(objective)
    assert contracts(res) == chosen
    assert res.scenarios is not None
    assert list(res.scenarios["scenario"]) == ["nominal", "embargo"]
    nominal, disrupted = stage(res, "nominal"), stage(res, "embargo")
    assert nominal["probability"] == approx(0.9)
    assert nominal["cost"] == approx(100)
    assert nominal["shortage"] == 0
    assert disrupted["probability"] == approx(0.1)
    assert disrupted["cost"] == approx(emb_cost)
    assert disrupted["shortage"] == approx(emb_short)
    assert disrupted["shortage_share"] == approx(emb_short / 100)
    assert disrupted["products_hit"] == "chip"
    assert stage_flows(res, "nominal") == {"cn": approx(100)}
    assert stage_flows(res, "embargo") == ({"jp": approx(60)} if "jp" in chosen else {})
    # the nominal plan is what res.flows shows
    assert set(res.flows["supplier"]) == {"cn"}
    assert res.plan is not None and res.plan.scenarios["embargo"].unmet == {
        ("chip", "default", 1): approx(emb_short)
    }
    assert res.costs["fixed"] == approx(fixed if "jp" in chosen else 0)
    assert res.costs["purchase"] == approx(purchase)
    assert res.costs["shortage"] == approx(shortage)
    assert res.costs["risk"] == 0
    assert res.risk is not None
    assert res.risk["expected_cost"] == approx(0.9 * 100 + 0.1 * emb_cost)
    assert res.risk["expected_shortage"] == approx(0.1 * emb_short)
    assert res.risk["weight"] == 0


# --- (b) CVaR whose tail mixes two scenarios ---------------------------------------------------


def tail_mix(weight: float) -> Data:
    """cn (CN) at 1, capacity 100; jp (JP) at 3, unlimited, fixed cost 60.
    embargo (p = 0.04): CN x 0; squeeze (p = 0.08): CN x 0.5 (cn capacity 50); nominal 0.88.
    CVaR at level 0.9: the worst 10 % of the mass = all of embargo (0.04) + 0.06 of squeeze."""
    return make(
        suppliers=[sup("cn", "CN", 1, capacity=100), sup("jp", "JP", 3, fixed_cost=60)],
        scenarios=[
            {"id": "embargo", "probability": 0.04, "capacity_factor": {"CN": 0}},
            {"id": "squeeze", "probability": 0.08, "capacity_factor": {"CN": 0.5}},
        ],
        risk={"cvar_level": 0.9, "weight": weight},
    )


# Contract sets: L = (nominal, embargo, squeeze); E = expectation; CVaR_0.9 by hand, as
# (0.04 * L_emb + 0.06 * L_sq) / 0.1 (the tail is embargo plus 0.06 of squeeze), which is the
# Rockafellar-Uryasev minimum at eta = VaR = L_sq: L_sq + 0.04 (L_emb - L_sq) / 0.1.
#   {}       L = (1000, 1000, 1000)        E = 1000      CVaR = 1000
#   {cn}     L = (100, 1000, 50 + 500)     E = 88 + 40 + 44 = 172
#            CVaR = (40 + 0.06*550) / 0.1 = 730   (= 550 + 0.04*450/0.1)
#   {jp}     L = (300, 300, 300)           E = 300 (+60) CVaR = 300
#   {cn,jp}  L = (100, 300, 50 + 150)      E = 88 + 12 + 16 = 116 (+60)
#            CVaR = (12 + 0.06*200) / 0.1 = 240   (= 200 + 0.04*100/0.1)
# weight 0:   {cn} 172 < {cn,jp} 176 < {jp} 360.
# weight 0.1: {cn} 172 + 73 = 245; {cn,jp} 176 + 24 = 200; {jp} 360 + 30 = 390 -> {cn,jp}.
@pytest.mark.parametrize(
    ("weight", "objective", "chosen", "expected", "cvar", "costs"),
    [
        (0.0, 172, {"cn"}, 172, 730, {"nominal": 100, "embargo": 1000, "squeeze": 550}),
        (0.1, 200, {"cn", "jp"}, 116, 240, {"nominal": 100, "embargo": 300, "squeeze": 200}),
    ],
)
def test_cvar_weight_changes_contracts(
    weight: float,
    objective: float,
    chosen: set[str],
    expected: float,
    cvar: float,
    costs: dict[str, float],
) -> None:
    res = run(tail_mix(weight))
    assert res.objective == approx(objective)
    assert contracts(res) == chosen
    assert res.risk is not None
    assert res.risk["expected_cost"] == approx(expected)
    assert res.risk["cvar"] == approx(cvar)
    assert res.risk["cvar_level"] == approx(0.9)
    assert res.risk["weight"] == approx(weight)
    assert res.costs["risk"] == approx(weight * cvar)
    assert res.costs["fixed"] == approx(60 if "jp" in chosen else 0)
    assert {s: stage(res, s)["cost"] for s in costs} == {s: approx(c) for s, c in costs.items()}
    assert [stage(res, s)["probability"] for s in costs] == [
        approx(0.88),
        approx(0.04),
        approx(0.08),
    ]


# --- (c) capacity factors multiply ----------------------------------------------------------


def factors() -> Data:
    """a (KR) at 1, b (JP) at 2, c (US) at 3, each capacity 100; d (US) at 4, unlimited.
    Demand 200. squeeze (p = 0.1): KR 0.5, a 0.4, allies 0.5, JP 0.8;
    blackout (p = 0.05): allies 0 (JP, US and EU: b, c and d, unlimited d included)."""
    return make(
        suppliers=[
            sup("a", "KR", 1, capacity=100),
            sup("b", "JP", 2, capacity=100),
            sup("c", "US", 3, capacity=100),
            sup("d", "US", 4),
        ],
        demand=[{"product": "chip", "quantity": 200}],
        scenarios=[
            {
                "id": "squeeze",
                "probability": 0.1,
                "capacity_factor": {"KR": 0.5, "a": 0.4, "allies": 0.5, "JP": 0.8},
            },
            {"id": "blackout", "probability": 0.05, "capacity_factor": {"allies": 0}},
        ],
    )


# No fixed costs and every unit cost below the penalty, so contracting all four is optimal.
# Scaled capacities in squeeze: a 100 * 0.5 (KR) * 0.4 (a) = 20; b 100 * 0.5 (allies) * 0.8 (JP)
# = 40; c 100 * 0.5 = 50; d unlimited * 0.5 = unlimited.
#   nominal:  a 100 + b 100 = 100 + 200                         = 300
#   squeeze:  a 20 + b 40 + c 50 + d 90 = 20 + 80 + 150 + 360   = 610
#   blackout: a 100, 100 unmet = 100 + 1000                     = 1100
# objective = 0.85 * 300 + 0.1 * 610 + 0.05 * 1100 = 255 + 61 + 55 = 371
def test_capacity_factors_multiply() -> None:
    res = run(factors())
    assert res.objective == approx(371)
    assert contracts(res) == {"a", "b", "c", "d"}
    assert stage_flows(res, "nominal") == {"a": approx(100), "b": approx(100)}
    assert stage_flows(res, "squeeze") == {
        "a": approx(20),
        "b": approx(40),
        "c": approx(50),
        "d": approx(90),
    }
    assert stage_flows(res, "blackout") == {"a": approx(100)}
    assert [stage(res, s)["cost"] for s in ("nominal", "squeeze", "blackout")] == [
        approx(300),
        approx(610),
        approx(1100),
    ]
    assert stage(res, "blackout")["shortage"] == approx(100)
    assert stage(res, "blackout")["shortage_share"] == approx(0.5)
    assert res.risk is not None
    assert res.risk["expected_shortage"] == approx(5)


# --- (d) what holds in a scenario and what does not -----------------------------------------


def banned() -> Data:
    """Products chip and mem (penalty 10 each, demand 100 each). cn (CN) sells both at 1,
    unlimited, but ban `no-cn-chip` stops its chip; jp (JP) sells chip at 3, capacity 100.
    quake (p = 0.1): JP x 0.5."""
    return make(
        products=[{"id": "chip", "shortage_penalty": 10}, {"id": "mem", "shortage_penalty": 10}],
        suppliers=[
            {
                "id": "cn",
                "region": "CN",
                "offers": [
                    {"product": "chip", "unit_cost": 1},
                    {"product": "mem", "unit_cost": 1},
                ],
            },
            sup("jp", "JP", 3, capacity=100),
        ],
        demand=[{"product": "chip", "quantity": 100}, {"product": "mem", "quantity": 100}],
        policies={"bans": [{"id": "no-cn-chip", "group": "CN", "products": ["chip"]}]},
        scenarios=[{"id": "quake", "probability": 0.1, "capacity_factor": {"JP": 0.5}}],
    )


# Both contracted (no fixed costs). nominal: chip from jp 100 (300) + mem from cn 100 (100) = 400.
# quake: jp delivers 50 chip (150); cn could cover the other 50 at 1 but is banned, so 50 unmet
# (500); mem from cn (100): 750. objective = 0.9 * 400 + 0.1 * 750 = 435.
def test_ban_holds_in_scenario() -> None:
    res = run(banned())
    assert res.objective == approx(435)
    assert contracts(res) == {"cn", "jp"}
    assert res.scenario_flows is not None
    quake = res.scenario_flows[res.scenario_flows["scenario"] == "quake"]
    assert {(r.supplier, r.product): r.quantity for r in quake.itertuples()} == {
        ("jp", "chip"): approx(50),
        ("cn", "mem"): approx(100),
    }
    assert stage(res, "quake")["cost"] == approx(750)
    assert stage(res, "quake")["shortage"] == approx(50)
    assert stage(res, "quake")["products_hit"] == "chip"


def min_order() -> Data:
    """jp (JP) at 1, capacity 100; kr (KR) at 2, capacity 100, min_order 40.
    quake (p = 0.1): JP x 0.8; both (p = 0.1): JP x 0.8 and KR x 0.3."""
    return make(
        suppliers=[
            sup("jp", "JP", 1, capacity=100),
            sup("kr", "KR", 2, capacity=100, min_order=40),
        ],
        scenarios=[
            {"id": "quake", "probability": 0.1, "capacity_factor": {"JP": 0.8}},
            {"id": "both", "probability": 0.1, "capacity_factor": {"JP": 0.8, "KR": 0.3}},
        ],
    )


# Both contracted (no fixed costs). nominal: jp 100 = 100.
# quake: jp capacity 80. kr delivers 0 or >= 40: kr 0 -> jp 80 + 20 unmet = 80 + 200 = 280;
#   kr 40 -> jp 60 = 60 + 80 = 140 (the 120 of jp 80 + kr 20 breaks the minimum order). 140.
# both: kr capacity 30 < min_order 40, so kr cannot deliver: jp 80 + 20 unmet = 280.
# objective = 0.8 * 100 + 0.1 * 140 + 0.1 * 280 = 80 + 14 + 28 = 122.
def test_min_order_holds_in_scenario() -> None:
    res = run(min_order())
    assert res.objective == approx(122)
    assert stage_flows(res, "quake") == {"jp": approx(60), "kr": approx(40)}
    assert stage_flows(res, "both") == {"jp": approx(80)}
    assert [stage(res, s)["cost"] for s in ("nominal", "quake", "both")] == [
        approx(100),
        approx(140),
        approx(280),
    ]
    assert stage(res, "both")["shortage"] == approx(20)


def nominal_policies() -> Data:
    """cn (CN) at 1, unlimited; jp (JP) at 3, capacity 100. Cap CN <= 50 %, floor allies >= 50 %,
    max_supplier_share 0.5, min_suppliers 2. quake (p = 0.1): JP x 0.2 (jp capacity 20)."""
    return make(
        suppliers=[sup("cn", "CN", 1), sup("jp", "JP", 3, capacity=100)],
        policies={
            "caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.5}],
            "floors": [{"id": "allied-floor", "group": "allies", "min_share": 0.5}],
            "max_supplier_share": 0.5,
            "min_suppliers": 2,
        },
        scenarios=[{"id": "quake", "probability": 0.1, "capacity_factor": {"JP": 0.2}}],
    )


# nominal: the policies force cn 50 + jp 50 = 50 + 150 = 200.
# quake: policies do not bind, so cn delivers all 100 (share 1 > cap, > max_supplier_share,
# allies 0 < floor, one supplier) = 100. Were they binding: cn 20, jp 20, 60 unmet = 680.
# objective = 0.9 * 200 + 0.1 * 100 = 190.
def test_policies_bind_the_nominal_plan_only() -> None:
    res = run(nominal_policies())
    assert res.objective == approx(190)
    assert stage_flows(res, "nominal") == {"cn": approx(50), "jp": approx(50)}
    assert stage_flows(res, "quake") == {"cn": approx(100)}
    assert stage(res, "quake")["cost"] == approx(100)
    assert stage(res, "quake")["shortage"] == 0


# --- (e) N-1 resilience ------------------------------------------------------------------------


def resilient(share: float | None) -> Data:
    """cn (CN) at 1, unlimited; jp (JP) at 3, capacity 60, fixed cost 40; no scenarios."""
    data = make(suppliers=[sup("cn", "CN", 1), sup("jp", "JP", 3, fixed_cost=40, capacity=60)])
    if share is not None:
        data["resilience"] = {"max_outage_shortage": share}
    return data


# Without resilience: {cn} = 100 ({cn,jp} = 140, {jp} = 40 + 580, {} = 1000).
# With max_outage_shortage 0.5 (at most 50 of the 100 unmet under any one region's outage):
#   {cn}     outage:CN leaves 100 unmet > 50            -> not allowed
#   {jp}     outage:JP leaves 100 unmet                 -> not allowed
#   {cn,jp}  outage:CN: jp 60, 40 unmet <= 50; outage:JP: cn 100     -> 40 + 100 = 140
# The outage stages have probability 0, so they add nothing to the objective: extra cost 40.
def test_resilience_forces_an_extra_contract() -> None:
    plain = run(resilient(None))
    assert plain.objective == approx(100)
    assert contracts(plain) == {"cn"}
    res = run(resilient(0.5))
    assert res.objective == approx(140)
    assert contracts(res) == {"cn", "jp"}
    assert res.objective - plain.objective == approx(40)
    assert res.costs["fixed"] == approx(40)
    assert res.costs["purchase"] == approx(100)
    assert res.scenarios is not None
    assert list(res.scenarios["scenario"]) == ["nominal"] + [
        f"outage:{r}" for r in ("CN", "KR", "JP", "US", "EU")
    ]
    outage = stage(res, "outage:CN")
    assert outage["probability"] == 0
    assert outage["shortage"] == approx(40)
    assert outage["shortage_share"] == approx(0.4)
    assert outage["cost"] == approx(60 * 3 + 40 * 10)
    assert stage_flows(res, "outage:CN") == {"jp": approx(60)}
    assert stage(res, "outage:JP")["shortage"] == 0
    assert stage_flows(res, "outage:JP") == {"cn": approx(100)}
    assert stage(res, "nominal")["probability"] == 1


# With 0.3, outage:CN must leave at most 30 unmet, but jp (the only supplier outside CN) has 60:
# at least 40 go unmet whatever is contracted.
def test_resilience_no_plan_can_meet() -> None:
    res = run(resilient(0.3), status="infeasible")
    assert res.objective is None
    assert res.diagnosis is not None
    repairs = [r for r in res.diagnosis["repairs"] if r["element"] == "resilience"]
    assert [r["required"] for r in repairs] == [approx(0.4)]


def three_suppliers(share: float) -> Data:
    """cn (CN) at 1, unlimited; jp (JP) at 3, capacity 30, fixed 20; kr (KR) at 2, capacity 60,
    fixed 70."""
    return make(
        suppliers=[
            sup("cn", "CN", 1),
            sup("jp", "JP", 3, fixed_cost=20, capacity=30),
            sup("kr", "KR", 2, fixed_cost=70, capacity=60),
        ],
        resilience={"max_outage_shortage": share},
    )


# max_outage_shortage 0.3: outage:CN needs >= 70 from jp + kr, so both (capacity 90, 10 unmet);
# {cn,jp,kr} = 100 + 20 + 70 = 190 (every other set fails outage:CN). Every supplier is contracted,
# so nothing outside the plan is left for the outage stages to use.
def test_resilience_needs_every_supplier() -> None:
    res = run(three_suppliers(0.3))
    assert res.objective == approx(190)
    assert contracts(res) == {"cn", "jp", "kr"}
    assert stage(res, "outage:CN")["shortage"] == approx(10)


# max_outage_shortage 0.7: outage:CN may leave 70 unmet, so jp (30) suffices:
#   {cn}     100 unmet under outage:CN           -> not allowed
#   {cn,jp}  outage:CN: jp 30, 70 unmet          -> 100 + 20 = 120
#   {cn,kr}  outage:CN: kr 60, 40 unmet          -> 100 + 70 = 170
#   {cn,jp,kr}                                   -> 190
#   without cn: nominal at least 30*3 + 60*2 + 10*10 = 310 -> worse
# Optimum 120 with {cn, jp}. kr is not contracted, so it may not deliver in outage:CN either.
def test_outage_recourse_uses_only_contracted_suppliers() -> None:
    res = run(three_suppliers(0.7))
    assert res.objective == approx(120)
    assert contracts(res) == {"cn", "jp"}
    assert stage_flows(res, "outage:CN") == {"jp": approx(30)}
    assert stage(res, "outage:CN")["shortage"] == approx(70)


# --- (f) penalties are required --------------------------------------------------------------


def test_scenarios_need_a_penalty_on_every_product() -> None:
    data = make(
        products=[{"id": "chip", "shortage_penalty": 10}, {"id": "mem"}],
        suppliers=[sup("cn", "CN", 1)],
        scenarios=[{"id": "embargo", "probability": 0.1, "capacity_factor": {"CN": 0}}],
    )
    with pytest.raises(InstanceError) as caught:
        Instance.from_data(data)
    assert (
        "products[1].shortage_penalty: required when the instance has disruption scenarios: "
        "demand may go unmet in a disruption, at this penalty"
    ) in str(caught.value)
    assert "products[0]" not in str(caught.value)


def test_resilience_needs_no_penalty() -> None:
    """An N-1 outage may leave any product unmet, penalty or not (SPEC section 4): the
    requirement limits the share unmet, and the outage costs nothing in the objective."""
    data = make(
        products=[{"id": "chip", "shortage_penalty": 10}, {"id": "mem"}],
        suppliers=[sup("cn", "CN", 1)],
        resilience={"max_outage_shortage": 0.5},
    )
    assert Instance.from_data(data).resilience is not None


# --- (g) the checker covers every stage --------------------------------------------------------


def with_stage(plan: Plan, scenario: str, **changes: Any) -> Plan:
    """`plan` with one stage's flows and/or unmet demand replaced."""
    old = plan.scenarios[scenario]
    new = StagePlan(flows=changes.get("flows", old.flows), unmet=changes.get("unmet", old.unmet))
    return replace(plan, scenarios={**plan.scenarios, scenario: new})


def solved(data: Data) -> tuple[Instance, Plan]:
    instance = Instance.from_data(data)
    res = solve(instance)
    assert res.plan is not None
    assert check_plan(instance, res.plan) == []
    return instance, res.plan


CELL = ("chip", "default", 1)


def key(supplier: str, product: str = "chip") -> tuple[str, str, str, int]:
    return (supplier, product, "default", 1)


def test_checker_flags_flow_above_scaled_capacity() -> None:
    instance, plan = solved(factors())
    # squeeze: a 30 (scaled capacity 20) and d 80; the objective moves by 0.1 * (10 - 40) = -3,
    # so only the capacity is wrong
    flows = {**plan.scenarios["squeeze"].flows, key("a"): 30.0, key("d"): 80.0}
    tampered = replace(with_stage(plan, "squeeze", flows=flows), objective=plan.objective - 3)
    assert check_plan(instance, tampered) == [
        "scenario squeeze: supplier a delivers 30 in period 1, above its capacity 20"
    ]


def test_checker_flags_a_wrong_objective() -> None:
    instance, plan = solved(factors())
    violations = check_plan(instance, replace(plan, objective=plan.objective + 1))
    assert len(violations) == 1
    assert "differs from its recomputed total cost 371" in violations[0]
    # a cheaper recourse than reported is also a different objective: blackout all unmet
    cheaper = with_stage(plan, "blackout", flows={}, unmet={CELL: 200.0})
    assert any("differs from its recomputed total" in v for v in check_plan(instance, cheaper))


def test_checker_flags_a_missing_recourse() -> None:
    instance, plan = solved(factors())
    scenarios = {k: v for k, v in plan.scenarios.items() if k != "blackout"}
    violations = check_plan(instance, replace(plan, scenarios=scenarios))
    assert "scenario blackout: the plan has no recourse for it" in violations


def test_checker_flags_recourse_from_an_uncontracted_supplier() -> None:
    instance, plan = solved(embargo(fixed=50))  # contracts {cn}: jp is not contracted
    tampered = with_stage(plan, "embargo", flows={key("jp"): 60.0}, unmet={CELL: 40.0})
    violations = check_plan(instance, tampered)
    assert (
        "scenario embargo: flow jp -> default of chip in period 1 (60): "
        "supplier jp is not contracted"
    ) in violations


def test_checker_flags_banned_and_small_recourse() -> None:
    instance, plan = solved(banned())
    flows = {**plan.scenarios["quake"].flows, key("cn"): 50.0}
    violations = check_plan(instance, with_stage(plan, "quake", flows=flows, unmet={}))
    assert (
        "scenario quake: flow cn -> default of chip in period 1 (50): banned by ban no-cn-chip"
    ) in violations
    instance, plan = solved(min_order())
    flows = {key("jp"): 80.0, key("kr"): 20.0}
    violations = check_plan(instance, with_stage(plan, "quake", flows=flows))
    assert (
        "scenario quake: supplier kr delivers 20 of chip in period 1, below its min_order 40"
    ) in violations


def period_map_outage() -> Data:
    """Periods 1 and 2, demand 100 in each. cn (CN) at 1 with capacity {1: 50} and offer
    capacity {1: 80}: unlimited in period 2. jp (JP) at 3, unlimited.
    embargo (p = 0.1): CN x 0, which makes cn's capacity 0 in both periods."""
    return make(
        periods=[1, 2],
        suppliers=[
            {
                "id": "cn",
                "region": "CN",
                "capacity": {1: 50},
                "offers": [{"product": "chip", "unit_cost": 1, "capacity": {1: 80}}],
            },
            sup("jp", "JP", 3),
        ],
        scenarios=[{"id": "embargo", "probability": 0.1, "capacity_factor": {"CN": 0}}],
    )


# nominal: period 1 cn 50 + jp 50 = 200, period 2 cn 100 = 100; embargo: jp 100 + 100 = 600.
# objective = 0.9 * 300 + 0.1 * 600 = 330.
def test_factor_zero_stops_a_capacity_missing_from_its_map() -> None:
    res = run(period_map_outage())
    assert res.objective == approx(330)
    assert stage_flows(res, "embargo") == {"jp": approx(200)}


def test_checker_flags_recourse_from_a_zeroed_unlimited_period() -> None:
    instance, plan = solved(period_map_outage())
    # embargo, period 2: cn 10 instead of 10 of jp's; objective moves by 0.1 * (10 - 30) = -2
    flows = {
        **plan.scenarios["embargo"].flows,
        ("cn", "chip", "default", 2): 10.0,
        ("jp", "chip", "default", 2): 90.0,
    }
    tampered = replace(with_stage(plan, "embargo", flows=flows), objective=plan.objective - 2)
    assert any(
        "scenario embargo: supplier cn delivers 10" in v for v in check_plan(instance, tampered)
    )


# --- the JSON output -----------------------------------------------------------------------


def cli_runner() -> CliRunner:
    """stdout and stderr apart (the default from click 8.2; click 8.1 needs mix_stderr)."""
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    return CliRunner()


def test_solve_json_reports_scenarios_and_risk(tmp_path: Path) -> None:
    # The embargo instance with F = 30 (see test_embargo_risk_neutral): {cn, jp}, 178.
    path = tmp_path / "embargo.json"
    path.write_text(json.dumps(embargo(fixed=30)), encoding="utf-8")
    result = cli_runner().invoke(main, ["solve", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["objective"] == approx(178)
    scenarios = payload["scenarios"]
    assert [s["id"] for s in scenarios] == ["nominal", "embargo"]
    for entry in scenarios:
        assert {"id", "probability", "cost", "shortage", "shortages", "suppliers"} <= set(entry)
    nominal, disrupted = scenarios
    assert nominal["probability"] == approx(0.9)
    assert nominal["cost"] == approx(100)
    assert nominal["shortage"] == 0
    assert nominal["shortages"] == []
    assert nominal["suppliers"] == [{"supplier": "cn", "quantity": approx(100)}]
    assert disrupted["probability"] == approx(0.1)
    assert disrupted["cost"] == approx(580)
    assert disrupted["shortage"] == approx(40)
    assert disrupted["shortages"] == [
        {"product": "chip", "market": "default", "quantity": approx(40)}
    ]
    assert disrupted["suppliers"] == [{"supplier": "jp", "quantity": approx(60)}]
    # CVaR at the default level 0.95: the worst 5 % lies inside embargo (p = 0.1), so 580.
    assert payload["risk"] == {
        "expected_cost": approx(148),
        "cvar": approx(580),
        "cvar_level": approx(0.95),
        "weight": 0,
        "expected_shortage": approx(4),
    }


# --- the generator's scenarios ------------------------------------------------------------------


def test_generated_scenarios_are_seeded_and_bounded() -> None:
    plain = generate_data("S", seed=4)
    data = generate_data("S", seed=4, scenarios=30)
    assert data == generate_data("S", seed=4, scenarios=30)
    assert {k: v for k, v in data.items() if k not in ("scenarios", "name")} == {
        k: v for k, v in plain.items() if k != "name"
    }
    scenarios = data["scenarios"]
    assert len({s["id"] for s in scenarios}) == 30
    assert 0 < sum(s["probability"] for s in scenarios) <= 0.3
    assert all(s["probability"] > 0 for s in scenarios)
    assert all(0 <= f <= 0.8 for s in scenarios for f in s["capacity_factor"].values())
    # a larger count extends a smaller one
    first = generate_data("S", seed=4, scenarios=5)["scenarios"]
    assert [s["capacity_factor"] for s in first] == [s["capacity_factor"] for s in scenarios[:5]]
    instance = generate("S", seed=4, scenarios=30)
    assert all(p.shortage_penalty is not None for p in instance.products)
    assert generate_data("S", seed=4, scenarios=0) == plain
