"""The MILP on tiny instances whose optimum is computed by hand, one constraint family at a time.

Base instance (see conftest.py): one period, one market "default", product `chip` demanded 100;
cn (region CN) sells at 1, jp (region JP) at 3; no fixed costs, capacities or policies.
Each test states the hand computation of its optimum in a comment.
"""

from __future__ import annotations

from typing import Any

import pytest

from sourcing import Results

REL = 1e-9
TWO_MARKETS = [{"id": "eu", "region": "EU"}, {"id": "us", "region": "US"}]


def approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=1e-9)


def sup(ident: str, region: str, cost: Any, product: str = "chip", **fields: Any) -> dict:
    """A supplier selling one product."""
    offer = {"product": product, "unit_cost": cost}
    offer.update(fields.pop("offer", {}))
    return {"id": ident, "region": region, "offers": [offer], **fields}


def two_product_supplier(ident: str, region: str, chip: Any, mem: Any, **fields: Any) -> dict:
    return {
        "id": ident,
        "region": region,
        "offers": [{"product": "chip", "unit_cost": chip}, {"product": "mem", "unit_cost": mem}],
        **fields,
    }


KR = sup("kr", "KR", 2)
CHIP_MEM = [{"id": "chip"}, {"id": "mem"}]
DEMAND_CHIP_MEM = [
    {"product": "chip", "quantity": 100},
    {"product": "mem", "quantity": 100},
]


def qty(res: Results, **where: Any) -> float:
    """Total delivered quantity of the flows matching every `column=value` given."""
    frame = res.flows
    for column, value in where.items():
        frame = frame[frame[column] == value]
    return float(frame["quantity"].sum())


def contracts(res: Results) -> set[str]:
    return set(res.contracts["supplier"])


def stock(res: Results) -> dict[tuple[str, str, Any], float]:
    return {(row.product, row.market, row.period): row.quantity for row in res.stock.itertuples()}


# --- fixed costs and contracts ----------------------------------------------------------------


def test_cheapest_supplier_takes_all(base, run) -> None:
    # cn at 1 beats jp at 3: 100 * 1 = 100.
    res = run(base)
    assert res.objective == approx(100)
    assert qty(res, supplier="cn") == approx(100)
    assert qty(res, supplier="jp") == 0
    assert contracts(res) == {"cn"}
    assert res.costs["purchase"] == approx(100)
    assert res.costs.drop("purchase").sum() == 0
    assert res.shortages.empty and res.stock.empty


@pytest.mark.parametrize(
    ("demand", "winner", "objective", "fixed"),
    [
        (30, "b", 60, 0),  # a: 30*1 + 50 = 80;  b: 30*2 = 60
        (60, "a", 110, 50),  # a: 60*1 + 50 = 110; b: 60*2 = 120
    ],
)
def test_cheap_variable_vs_cheap_fixed(make, run, demand, winner, objective, fixed) -> None:
    # Splitting never helps: once a is contracted, every unit is cheaper at a.
    data = make(
        suppliers=[sup("a", "CN", 1, fixed_cost=50), sup("b", "JP", 2)],
        demand=[{"product": "chip", "quantity": demand}],
    )
    res = run(data)
    assert res.objective == approx(objective)
    assert contracts(res) == {winner}
    assert qty(res, supplier=winner) == approx(demand)
    assert res.costs["fixed"] == approx(fixed)


def test_fixed_cost_is_paid_once_over_the_horizon(make, run) -> None:
    # Two periods of 30: a = 60*1 + 50 = 110 < b = 60*2 = 120 (a per-period fee would give 160).
    data = make(
        periods=[1, 2],
        suppliers=[sup("a", "CN", 1, fixed_cost=50), sup("b", "JP", 2)],
        demand=[{"product": "chip", "quantity": 30}],
    )
    res = run(data)
    assert res.objective == approx(110)
    assert contracts(res) == {"a"}
    assert qty(res, supplier="a", period=1) == approx(30)
    assert qty(res, supplier="a", period=2) == approx(30)


def test_both_fixed_costs_when_both_needed(make, run) -> None:
    # a (cost 1, fixed 10, capacity 60) cannot cover 100 alone; b (cost 2, fixed 20) covers the
    # rest: 60 + 10 + 40*2 + 20 = 170. b alone: 200 + 20 = 220.
    data = make(
        suppliers=[
            sup("a", "CN", 1, fixed_cost=10, capacity=60),
            sup("b", "JP", 2, fixed_cost=20),
        ]
    )
    res = run(data)
    assert res.objective == approx(170)
    assert contracts(res) == {"a", "b"}
    assert res.costs["fixed"] == approx(30)
    assert qty(res, supplier="a") == approx(60)


# --- capacities -------------------------------------------------------------------------------


def test_supplier_capacity_number(make, run) -> None:
    # cn capped at 40: 40*1 + 60*3 = 220.
    res = run(make(cn={"capacity": 40}))
    assert res.objective == approx(220)
    assert qty(res, supplier="cn") == approx(40)
    assert qty(res, supplier="jp") == approx(60)


def test_supplier_capacity_per_period_map(make, run) -> None:
    # Capacity {1: 40}; period 2 missing from the map = unlimited.
    # Period 1: 40*1 + 60*3 = 220; period 2: 100*1 = 100; total 320.
    res = run(make(periods=[1, 2], cn={"capacity": {1: 40}}))
    assert res.objective == approx(320)
    assert qty(res, supplier="cn", period=1) == approx(40)
    assert qty(res, supplier="jp", period=1) == approx(60)
    assert qty(res, supplier="cn", period=2) == approx(100)
    assert qty(res, supplier="jp", period=2) == 0


def test_supplier_capacity_is_shared_by_products(make, run) -> None:
    # cn (capacity 50) sells chip and mem at 1; jp sells chip at 3, mem at 4.
    # Demand chip 30, mem 40. With x chip and y mem from cn: cost = 250 - 2x - 3y,
    # x + y <= 50, y <= 40 -> y = 40, x = 10: 110.
    data = make(
        products=CHIP_MEM,
        suppliers=[
            two_product_supplier("cn", "CN", 1, 1, capacity=50),
            two_product_supplier("jp", "JP", 3, 4),
        ],
        demand=[{"product": "chip", "quantity": 30}, {"product": "mem", "quantity": 40}],
    )
    res = run(data)
    assert res.objective == approx(110)
    assert qty(res, supplier="cn", product="mem") == approx(40)
    assert qty(res, supplier="cn", product="chip") == approx(10)
    assert qty(res, supplier="jp", product="chip") == approx(20)
    assert qty(res, supplier="jp", product="mem") == 0


def test_offer_capacity_number(make, run) -> None:
    # cn's chip offer capped at 30: 30*1 + 70*3 = 240.
    res = run(make(cn={"offer": {"capacity": 30}}))
    assert res.objective == approx(240)
    assert qty(res, supplier="cn") == approx(30)
    assert qty(res, supplier="jp") == approx(70)


def test_offer_capacity_per_period_map(make, run) -> None:
    # Offer capacity {1: 30}, unlimited in period 2: 240 + 100 = 340.
    res = run(make(periods=[1, 2], cn={"offer": {"capacity": {1: 30}}}))
    assert res.objective == approx(340)
    assert qty(res, supplier="cn", period=1) == approx(30)
    assert qty(res, supplier="cn", period=2) == approx(100)


def test_offer_capacity_within_supplier_capacity(make, run) -> None:
    # cn: capacity 50, chip offer capped at 20, both products at 1; jp: chip 3, mem 2.
    # Demand 40 + 40. cost = x + y + 3(40-x) + 2(40-y) = 200 - 2x - y with x <= 20, x + y <= 50:
    # x = 20, y = 30 -> 130.
    cn = two_product_supplier("cn", "CN", 1, 1, capacity=50)
    cn["offers"][0]["capacity"] = 20
    data = make(
        products=CHIP_MEM,
        suppliers=[cn, two_product_supplier("jp", "JP", 3, 2)],
        demand=[{"product": "chip", "quantity": 40}, {"product": "mem", "quantity": 40}],
    )
    res = run(data)
    assert res.objective == approx(130)
    assert qty(res, supplier="cn", product="chip") == approx(20)
    assert qty(res, supplier="cn", product="mem") == approx(30)
    assert qty(res, supplier="jp", product="chip") == approx(20)
    assert qty(res, supplier="jp", product="mem") == approx(10)


# --- minimum orders ---------------------------------------------------------------------------


def test_min_order_satisfied_by_large_demand(make, run) -> None:
    # min_order 50 <= demand 100: cn still takes all, 100.
    res = run(make(cn={"min_order": 50}))
    assert res.objective == approx(100)
    assert qty(res, supplier="cn") == approx(100)


def test_min_order_forces_a_larger_delivery(make, run) -> None:
    # Demand 110; cn (1, capacity 100), kr (2, min_order 30), jp (5).
    # cn 100 + kr 10 breaks the min order; kr 30 + cn 80 = 140; cn 100 + jp 10 = 150.
    data = make(
        suppliers=[
            sup("cn", "CN", 1, capacity=100),
            sup("kr", "KR", 2, min_order=30),
            sup("jp", "JP", 5),
        ],
        demand=[{"product": "chip", "quantity": 110}],
    )
    res = run(data)
    # HiGHS returns kr = 29.999999 with use_offer = 1 (a 1e-6 row violation, within its
    # mip_feasibility_tolerance): see test_min_order_delivery_is_exact for the exact answer.
    assert res.objective == pytest.approx(140, abs=1e-5)
    assert qty(res, supplier="kr") == pytest.approx(30, abs=1e-5)
    assert qty(res, supplier="cn") == pytest.approx(80, abs=1e-5)
    assert qty(res, supplier="jp") == 0


def test_min_order_delivery_is_exact(make, run) -> None:
    # Same instance as test_min_order_forces_a_larger_delivery: optimum 140, kr exactly 30.
    data = make(
        suppliers=[
            sup("cn", "CN", 1, capacity=100),
            sup("kr", "KR", 2, min_order=30),
            sup("jp", "JP", 5),
        ],
        demand=[{"product": "chip", "quantity": 110}],
    )
    res = run(data)
    assert res.objective == approx(140)
    assert qty(res, supplier="kr") >= 30


@pytest.mark.parametrize(("min_order", "objective"), [(0, 40), (30, 120)])
def test_min_order_makes_cheap_supplier_unattractive(make, run, min_order, objective) -> None:
    # Two periods of demand 20, holding 10 per unit and period; cn at 1, jp at 3.
    # min_order 0: cn delivers 20 + 20 = 40.
    # min_order 30: cn cannot deliver in period 2 (only 20 can be used then); delivering
    # x in [30, 40] in period 1 costs x + 10(x - 20) + 3(40 - x) = 8x - 80 >= 160 > jp's 120.
    data = make(
        periods=[1, 2],
        products=[{"id": "chip", "holding_cost": 10}],
        cn={"min_order": min_order},
        demand=[{"product": "chip", "quantity": 20}],
    )
    res = run(data)
    assert res.objective == approx(objective)
    if min_order:
        assert contracts(res) == {"jp"}
        assert qty(res, supplier="jp") == approx(40)
        assert res.stock.empty


def test_min_order_above_demand_excludes_supplier(make, run) -> None:
    # min_order 150 > the 100 that can ever be used: jp 100*3 = 300.
    res = run(make(cn={"min_order": 150}))
    assert res.objective == approx(300)
    assert contracts(res) == {"jp"}


@pytest.mark.parametrize(
    "cn",
    [
        {"capacity": 40, "min_order": 50},
        {"min_order": 50, "offer": {"capacity": 40}},
        {"min_order": 50, "capacity": {1: 40}},
    ],
    ids=["supplier-capacity", "offer-capacity", "capacity-map"],
)
def test_min_order_above_capacity_excludes_supplier(make, run, cn) -> None:
    # cn can deliver at most 40 but must deliver at least 50 if at all: jp 300
    # (without the min order it would be 40 + 60*3 = 220).
    res = run(make(cn=cn))
    assert res.objective == approx(300)
    assert contracts(res) == {"jp"}
    assert qty(res, supplier="cn") == 0


def test_min_order_is_summed_over_markets(make, run) -> None:
    # Two markets with 20 each; cn's min_order 30 applies to its total per product and period
    # (20 + 20 = 40 >= 30): cn serves both, 40.
    data = make(
        markets=TWO_MARKETS,
        cn={"min_order": 30},
        demand=[
            {"product": "chip", "market": "eu", "quantity": 20},
            {"product": "chip", "market": "us", "quantity": 20},
        ],
    )
    res = run(data)
    assert res.objective == approx(40)
    assert qty(res, supplier="cn", market="eu") == approx(20)
    assert qty(res, supplier="cn", market="us") == approx(20)


# --- stock and holding ------------------------------------------------------------------------


def test_buy_early_when_later_cost_is_higher(make, run) -> None:
    # cn costs 1 then 2.5 (jp 3); holding 0.5: buying for period 2 in period 1 costs 1.5 < 2.5.
    # 200*1 + 100*0.5 = 250; stock 100 after period 1.
    data = make(
        periods=[1, 2],
        products=[{"id": "chip", "holding_cost": 0.5}],
        cn={"offer": {"unit_cost": {1: 1, 2: 2.5}}},
    )
    res = run(data)
    assert res.objective == approx(250)
    assert qty(res, supplier="cn", period=1) == approx(200)
    assert qty(res, period=2) == 0
    assert stock(res) == {("chip", "default", 1): approx(100)}
    assert res.costs["holding"] == approx(50)
    assert res.costs["purchase"] == approx(200)


def test_no_prebuy_when_holding_costs_more_than_it_saves(make, run) -> None:
    # Holding 2: pre-buying costs 1 + 2 = 3 > 2.5, so buy each period: 100 + 250 = 350.
    data = make(
        periods=[1, 2],
        products=[{"id": "chip", "holding_cost": 2}],
        cn={"offer": {"unit_cost": {1: 1, 2: 2.5}}},
    )
    res = run(data)
    assert res.objective == approx(350)
    assert qty(res, supplier="cn", period=2) == approx(100)
    assert res.stock.empty


def test_buy_early_when_later_capacity_is_short(make, run) -> None:
    # cn capacity {2: 40}; holding 0.5; demand 100 per period. Pre-buying 60 costs 1.5 < jp's 3:
    # period 1 cn 160, period 2 cn 40: 200*1 + 60*0.5 = 230.
    data = make(
        periods=[1, 2],
        products=[{"id": "chip", "holding_cost": 0.5}],
        cn={"capacity": {2: 40}},
    )
    res = run(data)
    assert res.objective == approx(230)
    assert qty(res, supplier="cn", period=1) == approx(160)
    assert qty(res, supplier="cn", period=2) == approx(40)
    assert qty(res, supplier="jp") == 0
    assert stock(res) == {("chip", "default", 1): approx(60)}


def test_stock_over_two_periods(make, run) -> None:
    # Only cn: costs 1, 5, 5; holding 1; demand 10 per period. Holding for one period costs 2,
    # for two 3, both < 5: buy 30 in period 1; stock 20 then 10: 30 + 20 + 10 = 60.
    data = make(
        periods=[1, 2, 3],
        products=[{"id": "chip", "holding_cost": 1}],
        suppliers=[sup("cn", "CN", {1: 1, 2: 5, 3: 5})],
        demand=[{"product": "chip", "quantity": 10}],
    )
    res = run(data)
    assert res.objective == approx(60)
    assert qty(res, period=1) == approx(30)
    assert stock(res) == {("chip", "default", 1): approx(20), ("chip", "default", 2): approx(10)}


def test_product_without_holding_cost_cannot_prebuy(make, run) -> None:
    # No holding_cost = no stock: period 1 cn 100*1, period 2 cn 100*2.5: 350.
    data = make(periods=[1, 2], cn={"offer": {"unit_cost": {1: 1, 2: 2.5}}})
    res = run(data)
    assert res.objective == approx(350)
    assert qty(res, supplier="cn", period=1) == approx(100)
    assert qty(res, supplier="cn", period=2) == approx(100)
    assert res.stock.empty


def test_zero_holding_cost_allows_free_stock(make, run) -> None:
    # holding_cost 0 (given) may hold stock for free: 200*1 = 200.
    data = make(
        periods=[1, 2],
        products=[{"id": "chip", "holding_cost": 0}],
        cn={"offer": {"unit_cost": {1: 1, 2: 2.5}}},
    )
    res = run(data)
    assert res.objective == approx(200)
    assert stock(res) == {("chip", "default", 1): approx(100)}


# --- shortages --------------------------------------------------------------------------------


def test_shortage_when_penalty_below_cost(make, run) -> None:
    # Penalty 2 < jp's 3; cn capped at 40: 40*1 + 60*2 = 160, 60 unmet.
    data = make(products=[{"id": "chip", "shortage_penalty": 2}], cn={"capacity": 40})
    res = run(data)
    assert res.objective == approx(160)
    assert qty(res, supplier="jp") == 0
    assert len(res.shortages) == 1
    row = res.shortages.iloc[0]
    assert (row["product"], row["market"], row["period"]) == ("chip", "default", 1)
    assert row["quantity"] == approx(60)
    assert res.costs["shortage"] == approx(120)


def test_no_shortage_when_penalty_above_cost(make, run) -> None:
    # Penalty 10 > jp's 3: 40*1 + 60*3 = 220, nothing unmet.
    data = make(products=[{"id": "chip", "shortage_penalty": 10}], cn={"capacity": 40})
    res = run(data)
    assert res.objective == approx(220)
    assert res.shortages.empty


def test_infeasible_without_penalty_when_capacity_short(make, run) -> None:
    # Only cn, capacity 40 < demand 100, no penalty: no feasible plan.
    res = run(make(suppliers=[sup("cn", "CN", 1, capacity=40)]), status="infeasible")
    assert res.objective is None
    assert res.flows.empty


@pytest.mark.parametrize(("penalty", "objective"), [(None, None), (7, 700)])
def test_everything_banned(make, run, penalty, objective) -> None:
    # Both suppliers banned: infeasible without a penalty, all 100 unmet at 7 with one.
    product: dict[str, Any] = {"id": "chip"}
    if penalty is not None:
        product["shortage_penalty"] = penalty
    data = make(
        products=[product],
        policies={"bans": [{"id": "all", "group": "east"}, {"id": "all2", "group": "JP"}]},
    )
    res = run(data, status="optimal" if penalty else "infeasible")
    if objective is None:
        assert res.objective is None
    else:
        assert res.objective == approx(objective)
        assert float(res.shortages["quantity"].sum()) == approx(100)


# --- caps -------------------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["CN", "cn"])
def test_cap_per_product(make, run, group) -> None:
    # CN (region, or the supplier id) at most 20 %: cn 20, jp 80: 20 + 240 = 260.
    res = run(make(policies={"caps": [{"id": "cap", "group": group, "max_share": 0.2}]}))
    assert res.objective == approx(260)
    assert qty(res, supplier="cn") == approx(20)
    assert qty(res, supplier="jp") == approx(80)


def test_cap_of_zero(make, run) -> None:
    # max_share 0 shuts CN out: jp 300.
    res = run(make(policies={"caps": [{"id": "cap", "group": "CN", "max_share": 0}]}))
    assert res.objective == approx(300)
    assert contracts(res) == {"jp"}


def test_cap_on_bloc(make, run) -> None:
    # east = CN + KR at most 30 %: cn (1) 30 and jp 70; kr (2) is also in east, so it cannot
    # help: 30 + 210 = 240.
    data = make(
        suppliers=[*make()["suppliers"], KR],
        policies={"caps": [{"id": "cap", "group": "east", "max_share": 0.3}]},
    )
    res = run(data)
    assert res.objective == approx(240)
    assert qty(res, supplier="cn") == approx(30)
    assert qty(res, supplier="kr") == 0
    assert qty(res, supplier="jp") == approx(70)


def test_cap_restricted_to_products(make, run) -> None:
    # Cap CN 20 % on chip only: chip 20*1 + 80*3 = 260; mem cn 100. Total 360.
    data = make(
        products=CHIP_MEM,
        suppliers=[two_product_supplier("cn", "CN", 1, 1), two_product_supplier("jp", "JP", 3, 3)],
        demand=DEMAND_CHIP_MEM,
        policies={"caps": [{"id": "cap", "group": "CN", "max_share": 0.2, "products": ["chip"]}]},
    )
    res = run(data)
    assert res.objective == approx(360)
    assert qty(res, supplier="cn", product="chip") == approx(20)
    assert qty(res, supplier="cn", product="mem") == approx(100)


def test_cap_restricted_to_markets(make, run) -> None:
    # Cap CN 20 % in eu only: eu 20 + 240 = 260; us cn 100. Total 360.
    data = make(
        markets=TWO_MARKETS,
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        policies={"caps": [{"id": "cap", "group": "CN", "max_share": 0.2, "markets": ["eu"]}]},
    )
    res = run(data)
    assert res.objective == approx(360)
    assert qty(res, supplier="cn", market="eu") == approx(20)
    assert qty(res, supplier="jp", market="eu") == approx(80)
    assert qty(res, supplier="cn", market="us") == approx(100)


def test_cap_restricted_to_periods(make, run) -> None:
    # Cap CN 20 % in period 2 only (no stock): period 1 100; period 2 260. Total 360.
    data = make(
        periods=[1, 2],
        policies={"caps": [{"id": "cap", "group": "CN", "max_share": 0.2, "periods": [2]}]},
    )
    res = run(data)
    assert res.objective == approx(360)
    assert qty(res, supplier="cn", period=1) == approx(100)
    assert qty(res, supplier="cn", period=2) == approx(20)


@pytest.mark.parametrize(("pooled", "objective"), [(False, 700), (True, 300)])
def test_pooled_vs_per_product_cap(make, run, pooled, objective) -> None:
    # cn sells chip and mem at 1; jp chip at 2, mem at 10; demand 100 each; CN at most 50 %.
    # Per product: chip 50 + 100 = 150, mem 50 + 500 = 550 -> 700.
    # Pooled: cn <= 100 in total; cost = 1200 - x_chip - 9 x_mem -> all cn on mem:
    # mem 100, chip jp 200 -> 300.
    data = make(
        products=CHIP_MEM,
        suppliers=[two_product_supplier("cn", "CN", 1, 1), two_product_supplier("jp", "JP", 2, 10)],
        demand=DEMAND_CHIP_MEM,
        policies={"caps": [{"id": "cap", "group": "CN", "max_share": 0.5, "pooled": pooled}]},
    )
    res = run(data)
    assert res.objective == approx(objective)
    if pooled:
        assert qty(res, supplier="cn", product="mem") == approx(100)
        assert qty(res, supplier="cn", product="chip") == 0
        assert qty(res, supplier="jp", product="chip") == approx(100)
    else:
        for product in ("chip", "mem"):
            assert qty(res, supplier="cn", product=product) == approx(50)


# --- floors -----------------------------------------------------------------------------------


def test_bloc_floor_forces_allied_supply(make, run) -> None:
    # allies (JP, US, EU) at least 60 %: jp 60*3 + cn 40*1 = 220.
    res = run(make(policies={"floors": [{"id": "f", "group": "allies", "min_share": 0.6}]}))
    assert res.objective == approx(220)
    assert qty(res, supplier="jp") == approx(60)
    assert qty(res, supplier="cn") == approx(40)


def test_floor_uses_every_allied_supplier(make, run) -> None:
    # jp (3) capped at 30, us (US, 5): allies need 60: jp 30*3 + us 30*5 + cn 40 = 280.
    data = make(
        suppliers=[sup("cn", "CN", 1), sup("jp", "JP", 3, capacity=30), sup("us", "US", 5)],
        policies={"floors": [{"id": "f", "group": "allies", "min_share": 0.6}]},
    )
    res = run(data)
    assert res.objective == approx(280)
    assert qty(res, supplier="jp") == approx(30)
    assert qty(res, supplier="us") == approx(30)
    assert qty(res, supplier="cn") == approx(40)


def test_floor_restricted_to_one_market(make, run) -> None:
    # Floor 60 % in eu only: eu 220, us cn 100 -> 320.
    data = make(
        markets=TWO_MARKETS,
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        policies={"floors": [{"id": "f", "group": "allies", "min_share": 0.6, "markets": ["eu"]}]},
    )
    res = run(data)
    assert res.objective == approx(320)
    assert qty(res, supplier="jp", market="eu") == approx(60)
    assert qty(res, supplier="jp", market="us") == 0
    assert qty(res, supplier="cn", market="us") == approx(100)


# --- bans -------------------------------------------------------------------------------------


def test_ban_removes_cheapest_supplier_for_one_market(make, run) -> None:
    # CN may not deliver to us: eu cn 100, us jp 300 -> 400.
    data = make(
        markets=TWO_MARKETS,
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        policies={"bans": [{"id": "ban", "group": "CN", "markets": ["us"]}]},
    )
    res = run(data)
    assert res.objective == approx(400)
    assert qty(res, supplier="cn", market="eu") == approx(100)
    assert qty(res, supplier="cn", market="us") == 0
    assert qty(res, supplier="jp", market="us") == approx(100)


@pytest.mark.parametrize(
    ("group", "winner", "objective"),
    [
        ("east", "jp", 300),  # bloc CN + KR: jp 100*3
        ("cn", "kr", 200),  # supplier id: kr 100*2
        ("CN", "kr", 200),  # region
    ],
)
def test_ban_by_group(make, run, group, winner, objective) -> None:
    data = make(
        suppliers=[*make()["suppliers"], KR],
        policies={"bans": [{"id": "ban", "group": group}]},
    )
    res = run(data)
    assert res.objective == approx(objective)
    assert contracts(res) == {winner}


def test_ban_restricted_to_products(make, run) -> None:
    # CN banned for mem only: chip cn 100, mem jp 300 -> 400.
    data = make(
        products=CHIP_MEM,
        suppliers=[two_product_supplier("cn", "CN", 1, 1), two_product_supplier("jp", "JP", 3, 3)],
        demand=DEMAND_CHIP_MEM,
        policies={"bans": [{"id": "ban", "group": "CN", "products": ["mem"]}]},
    )
    res = run(data)
    assert res.objective == approx(400)
    assert qty(res, supplier="cn", product="chip") == approx(100)
    assert qty(res, supplier="cn", product="mem") == 0


@pytest.mark.parametrize(("holding", "objective"), [(None, 400), (0.5, 250)])
def test_ban_restricted_to_a_period(make, run, holding, objective) -> None:
    # CN banned in period 2 only. No stock: 100 + 300 = 400. With holding 0.5, cn delivers
    # period 2's demand in period 1 (the ban covers deliveries in period 2): 200 + 50 = 250.
    product: dict[str, Any] = {"id": "chip"}
    if holding is not None:
        product["holding_cost"] = holding
    data = make(
        periods=[1, 2],
        products=[product],
        policies={"bans": [{"id": "ban", "group": "CN", "periods": [2]}]},
    )
    res = run(data)
    assert res.objective == approx(objective)
    assert qty(res, supplier="cn", period=2) == 0


# --- supplier diversity -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected", "objective"),
    [
        (0.5, {"cn": 50, "kr": 50, "jp": 0}, 150),  # 50 + 100
        (0.4, {"cn": 40, "kr": 40, "jp": 20}, 180),  # 40 + 80 + 60
    ],
)
def test_max_supplier_share(make, run, share, expected, objective) -> None:
    data = make(suppliers=[*make()["suppliers"], KR], policies={"max_supplier_share": share})
    res = run(data)
    assert res.objective == approx(objective)
    for supplier, quantity in expected.items():
        assert qty(res, supplier=supplier) == approx(quantity)


def test_max_supplier_share_too_small_is_infeasible(make, run) -> None:
    # Three suppliers at most 30 % each cover at most 90 % of any positive supply.
    data = make(suppliers=[*make()["suppliers"], KR], policies={"max_supplier_share": 0.3})
    run(data, status="infeasible")


@pytest.mark.parametrize(
    ("policies", "expected", "objective"),
    [
        # 2 suppliers with >= 10 %: cn 90 + kr 10*2 = 110.
        ({"min_suppliers": 2}, {"cn": 90, "kr": 10, "jp": 0}, 110),
        # threshold 30 %: cn 70 + kr 30*2 = 130.
        ({"min_suppliers": 2, "min_supplier_share": 0.3}, {"cn": 70, "kr": 30, "jp": 0}, 130),
        # 3 suppliers: cn 80 + kr 20 + jp 30 = 130.
        ({"min_suppliers": 3}, {"cn": 80, "kr": 10, "jp": 10}, 130),
    ],
)
def test_min_suppliers(make, run, policies, expected, objective) -> None:
    data = make(suppliers=[*make()["suppliers"], KR], policies=policies)
    res = run(data)
    assert res.objective == approx(objective)
    for supplier, quantity in expected.items():
        assert qty(res, supplier=supplier) == approx(quantity)
    assert contracts(res) == {s for s, q in expected.items() if q > 0}


def test_supplier_below_threshold_does_not_count(make, run) -> None:
    # kr (2) can deliver only 5 < 10 % of 100, so it cannot count: jp must deliver 10.
    # cn 90 + jp 30 = 120 (cn 85 + kr 5*2 + jp 30 = 125; kr counting at 5 would give 105).
    data = make(
        suppliers=[*make()["suppliers"], sup("kr", "KR", 2, capacity=5)],
        policies={"min_suppliers": 2},
    )
    res = run(data)
    assert res.objective == approx(120)
    assert qty(res, supplier="cn") == approx(90)
    assert qty(res, supplier="jp") == approx(10)
    assert qty(res, supplier="kr") == 0


def test_min_suppliers_with_fixed_costs(make, run) -> None:
    # kr (2, fixed 50) vs jp (3, no fee) as second supplier: kr 20 + 50 = 70 vs jp 30.
    # cn 90 + jp 30 = 120.
    data = make(
        suppliers=[*make()["suppliers"], sup("kr", "KR", 2, fixed_cost=50)],
        policies={"min_suppliers": 2},
    )
    res = run(data)
    assert res.objective == approx(120)
    assert contracts(res) == {"cn", "jp"}


def test_min_suppliers_counts_over_the_horizon(make, run) -> None:
    # kr sells only in period 1 (unit_cost {1: 2}); demand 100 in each of 2 periods.
    # It counts with 10 % of the 200 delivered over the horizon: kr 20 in period 1.
    # cn 80 + 100 + kr 20*2 = 220.
    data = make(
        periods=[1, 2],
        suppliers=[sup("cn", "CN", 1), sup("kr", "KR", {1: 2})],
        policies={"min_suppliers": 2},
    )
    res = run(data)
    assert res.objective == approx(220)
    assert qty(res, supplier="kr", period=1) == approx(20)
    assert qty(res, supplier="cn", period=2) == approx(100)


def test_min_suppliers_exempts_products_without_demand(make, run) -> None:
    # mem (no demand) is sold only by cn; it does not need 2 suppliers: chip 90 + 20 = 110.
    data = make(
        products=CHIP_MEM,
        suppliers=[two_product_supplier("cn", "CN", 1, 1), sup("kr", "KR", 2)],
        policies={"min_suppliers": 2},
    )
    res = run(data)
    assert res.objective == approx(110)


def test_min_suppliers_more_than_available_is_infeasible(make, run) -> None:
    res = run(make(policies={"min_suppliers": 3}), status="infeasible")
    assert res.objective is None


def test_min_suppliers_when_all_demand_is_unmet(make, run) -> None:
    # Penalty 0.5 < cn's 1: leave all 100 unmet (50). min_suppliers 1 still holds: cn is
    # contracted (free) and delivers 0 >= 10 % of the 0 delivered.
    data = make(
        products=[{"id": "chip", "shortage_penalty": 0.5}],
        suppliers=[sup("cn", "CN", 1)],
        policies={"min_suppliers": 1},
    )
    res = run(data)
    assert res.objective == approx(50)
    assert contracts(res) == {"cn"}


# --- markets, transport and tariffs -----------------------------------------------------------

TRANSPORT_TO = [
    {"from": "CN", "cost": 5},
    {"from": "CN", "to": "allies", "cost": 4},
    {"from": "CN", "to": "US", "cost": 3},
    {"from": "CN", "to": "eu", "cost": 2},
]


@pytest.mark.parametrize("order", [1, -1], ids=["general-first", "specific-first"])
def test_transport_most_specific_destination(make, run, order) -> None:
    # Only cn (1); 10 units to each of four markets:
    # eu (market id entry) 2, us (region US) 3, jpm (region JP in bloc allies) 4,
    # cnm (no region: only the entry without `to`) 5. Purchase 40 + transport 140 = 180.
    data = make(
        markets=[
            {"id": "eu", "region": "EU"},
            {"id": "us", "region": "US"},
            {"id": "jpm", "region": "JP"},
            {"id": "cnm"},
        ],
        suppliers=[sup("cn", "CN", 1)],
        demand=[
            {"product": "chip", "market": m, "quantity": 10} for m in ("eu", "us", "jpm", "cnm")
        ],
        transport=TRANSPORT_TO[::order],
    )
    res = run(data)
    assert res.objective == approx(180)
    assert res.costs["transport"] == approx(140)
    per_unit = dict(zip(res.flows["market"], res.flows["transport"], strict=True))
    assert per_unit == {"eu": 2, "us": 3, "jpm": 4, "cnm": 5}


def three_suppliers(cheap: str) -> list[dict]:
    """cn and cn2 in CN, kr in KR; `cheap` sells at 1, the others at 100 (never chosen)."""
    return [
        sup(ident, region, 1 if ident == cheap else 100)
        for ident, region in (("cn", "CN"), ("cn2", "CN"), ("kr", "KR"))
    ]


@pytest.mark.parametrize(
    ("supplier", "objective"),
    [
        ("cn", 200),  # entry for supplier cn: 1
        ("cn2", 400),  # region CN: 3 (beats bloc east's 4)
        ("kr", 500),  # only bloc east: 4
    ],
)
def test_transport_most_specific_origin(make, run, supplier, objective) -> None:
    # 100 units at unit cost 1 from `supplier` (the others cost 100) plus transport per unit.
    data = make(
        suppliers=three_suppliers(supplier),
        transport=[
            {"from": "east", "cost": 4},
            {"from": "CN", "cost": 3},
            {"from": "cn", "cost": 1},
        ],
    )
    res = run(data)
    assert res.objective == approx(objective)
    assert contracts(res) == {supplier}


@pytest.mark.parametrize(
    ("supplier", "objective"),
    [
        ("cn", 200),  # supplier entry (1) beats region + market id entry (2)
        ("cn2", 300),  # region + market id (2) beats region + all markets (3)
    ],
)
def test_transport_origin_ranks_before_destination(make, run, supplier, objective) -> None:
    # As implemented by data.py and check.py alike: the `from` specificity ranks first.
    data = make(
        suppliers=three_suppliers(supplier),
        transport=[
            {"from": "CN", "to": "default", "cost": 2},
            {"from": "CN", "cost": 3},
            {"from": "cn", "cost": 1},
        ],
    )
    assert run(data).objective == approx(objective)


def test_transport_moves_a_market_to_another_supplier(make, run) -> None:
    # Transport CN -> US costs 3: cn lands in us at 4 > jp's 3; eu stays with cn.
    # eu 100 + us 300 = 400.
    data = make(
        markets=TWO_MARKETS,
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        transport=[{"from": "CN", "to": "US", "cost": 3}],
    )
    res = run(data)
    assert res.objective == approx(400)
    assert qty(res, supplier="cn", market="eu") == approx(100)
    assert qty(res, supplier="jp", market="us") == approx(100)


def test_tariffs_add_up(make, run) -> None:
    # cn at 2. Rates on chip from cn: east 0.25 everywhere + CN->US 0.5 (the mem-only entry
    # does not match) -> eu 2*1.25 = 2.5 (+0.4 transport = 2.9 < jp's 3), us 2*1.75 + 0.4 = 3.9
    # > 3 -> jp. Purchase 200 + 300, tariff 50, transport 40 (tariffs apply to unit cost only).
    data = make(
        markets=TWO_MARKETS,
        products=CHIP_MEM,
        cn={"offer": {"unit_cost": 2}},
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        transport=[{"from": "CN", "cost": 0.4}],
        tariffs=[
            {"from": "CN", "to": "US", "rate": 0.5},
            {"from": "east", "rate": 0.25, "products": ["chip"]},
            {"from": "cn", "rate": 0.25, "products": ["mem"]},
        ],
    )
    res = run(data)
    assert res.objective == approx(590)
    assert res.costs["purchase"] == approx(500)
    assert res.costs["tariff"] == approx(50)
    assert res.costs["transport"] == approx(40)
    assert qty(res, supplier="cn", market="eu") == approx(100)
    assert qty(res, supplier="jp", market="us") == approx(100)


def test_tariff_rates_add_up_when_every_market_uses_one_supplier(make, run) -> None:
    # Only cn (2): eu rate 0.25 -> 2.5/unit; us rate 0.75 -> 3.5/unit: 250 + 350 = 600,
    # of which tariff 100*0.5 + 100*1.5 = 200.
    data = make(
        markets=TWO_MARKETS,
        suppliers=[sup("cn", "CN", 2)],
        demand=[
            {"product": "chip", "market": "eu", "quantity": 100},
            {"product": "chip", "market": "us", "quantity": 100},
        ],
        tariffs=[{"from": "CN", "to": "US", "rate": 0.5}, {"from": "east", "rate": 0.25}],
    )
    res = run(data)
    assert res.objective == approx(600)
    assert res.costs["tariff"] == approx(200)
    per_unit = dict(zip(res.flows["market"], res.flows["tariff"], strict=True))
    assert per_unit == {"eu": approx(0.5), "us": approx(1.5)}


# --- per-period unit cost -----------------------------------------------------------------------


@pytest.mark.parametrize(("holding", "objective"), [(None, 400), (0.5, 250)])
def test_unit_cost_map_lacking_a_period(make, run, holding, objective) -> None:
    # cn offers only in period 1 (unit_cost {1: 1}). No stock: 100 + jp 300 = 400.
    # Holding 0.5: cn 200 in period 1 + 100*0.5 = 250.
    product: dict[str, Any] = {"id": "chip"}
    if holding is not None:
        product["holding_cost"] = holding
    data = make(periods=[1, 2], products=[product], cn={"offer": {"unit_cost": {1: 1}}})
    res = run(data)
    assert res.objective == approx(objective)
    assert qty(res, supplier="cn", period=2) == 0
    if holding is None:
        assert qty(res, supplier="jp", period=2) == approx(100)
    else:
        assert qty(res, supplier="cn", period=1) == approx(200)


# --- reported shares and binding policies -------------------------------------------------------


def test_shares_and_binding_policies_on_capped_instance(make, run) -> None:
    # cn-cap binds at 0.2 (cn 20, jp 80); jp-cap (0.9) does not.
    data = make(
        policies={
            "caps": [
                {"id": "cn-cap", "group": "CN", "max_share": 0.2},
                {"id": "jp-cap", "group": "JP", "max_share": 0.9},
            ]
        }
    )
    res = run(data)
    assert res.objective == approx(260)
    shares = {(r.group, r.kind): (r.quantity, r.share) for r in res.shares.itertuples()}
    assert shares == {
        ("CN", "region"): (approx(20), approx(0.2)),
        ("KR", "region"): (0, 0),
        ("JP", "region"): (approx(80), approx(0.8)),
        ("US", "region"): (0, 0),
        ("EU", "region"): (0, 0),
        ("east", "bloc"): (approx(20), approx(0.2)),
        ("allies", "bloc"): (approx(80), approx(0.8)),
    }
    assert set(res.shares["product"]) == {"chip"}
    assert set(res.shares["market"]) == {"default"}
    assert set(res.shares["period"]) == {1}
    columns = ["policy", "kind", "product", "market", "period", "value", "limit"]
    rows = res.binding_policies[columns].to_dict(orient="records")
    assert rows == [
        {
            "policy": "cn-cap",
            "kind": "cap",
            "product": "chip",
            "market": "default",
            "period": 1,
            "value": approx(0.2),
            "limit": 0.2,
        }
    ]


def test_binding_pooled_cap_and_floor(make, run) -> None:
    # Pooled cap CN 50 % as in test_pooled_vs_per_product_cap (optimum 300: cn 100 mem,
    # jp 100 chip) plus a pooled floor allies 50 %, which that plan meets exactly: both bind.
    data = make(
        products=CHIP_MEM,
        suppliers=[two_product_supplier("cn", "CN", 1, 1), two_product_supplier("jp", "JP", 2, 10)],
        demand=DEMAND_CHIP_MEM,
        policies={
            "caps": [{"id": "cap", "group": "CN", "max_share": 0.5, "pooled": True}],
            "floors": [{"id": "floor", "group": "allies", "min_share": 0.5, "pooled": True}],
        },
    )
    res = run(data)
    assert res.objective == approx(300)
    rows = {
        (r["policy"], r["kind"], r["product"], r["market"], r["period"]): (r["value"], r["limit"])
        for r in res.binding_policies.to_dict(orient="records")
    }
    assert rows == {
        ("cap", "cap", "*", "default", 1): (approx(0.5), 0.5),
        ("floor", "floor", "*", "default", 1): (approx(0.5), 0.5),
    }
    # Per product shares: CN delivers all mem, none of chip.
    cn = res.shares[res.shares["group"] == "CN"].set_index("product")["share"]
    assert cn["mem"] == approx(1.0)
    assert cn["chip"] == approx(0.0)


def test_binding_supplier_share_and_min_suppliers(make, run) -> None:
    # max_supplier_share 0.5 with cn, kr: 50/50 (150); both rows bind. min_suppliers 2 holds
    # with exactly 2 counting suppliers, so it is reported too.
    data = make(
        suppliers=[*make()["suppliers"], KR],
        policies={"max_supplier_share": 0.5, "min_suppliers": 2},
    )
    res = run(data)
    assert res.objective == approx(150)
    table = res.binding_policies
    share_rows = table[table["kind"] == "supplier_share"]
    assert len(share_rows) == 2
    assert list(share_rows["value"]) == [approx(0.5), approx(0.5)]
    counted = table[table["kind"] == "min_suppliers"]
    assert counted[["policy", "product", "value", "limit"]].to_dict(orient="records") == [
        {"policy": "min_suppliers", "product": "chip", "value": 2.0, "limit": 2.0}
    ]
