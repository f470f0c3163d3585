"""Infeasible instances are explained: the elements in conflict and the smallest repairs.

Each instance below is tiny, and its minimal relaxations are derived by hand in its comment.
"""

from __future__ import annotations

from typing import Any

import pytest

from sourcing import InfeasibleError, Instance, solve
from sourcing.explain.diagnose import diagnose


def instance(**extra: Any) -> Instance:
    """CN at 6 (unlimited), JP at 10 with capacity 50; demand 100 of chip (no penalty)."""
    data: dict[str, Any] = {
        "name": "tiny",
        "regions": [{"id": "CN"}, {"id": "JP"}],
        "products": [{"id": "chip"}],
        "suppliers": [
            {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]},
            {
                "id": "jp",
                "region": "JP",
                "capacity": 50,
                "offers": [{"product": "chip", "unit_cost": 10}],
            },
        ],
        "demand": [{"product": "chip", "quantity": 100}],
    }
    data.update(extra)
    return Instance.from_data(data)


def repairs(inst: Instance) -> list[str]:
    results = solve(inst)
    assert results.status == "infeasible"
    return [r["message"] for r in results.diagnosis["repairs"]]


def test_cap_against_capacity():
    # CN <= 0.2 T and JP <= 50 with T = 100: CN must deliver 50 (share 0.5), or JP 80, or only
    # 62.5 can be delivered at all (CN <= 0.25 JP <= 12.5), leaving 37.5 unmet.
    inst = instance(policies={"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]})
    assert repairs(inst) == [
        "raise cn-cap max_share from 0.2 to 0.5",
        "raise jp capacity from 50 to 80 in period 1",
        "leave part of the demand for chip in default unmet (37.5 in period 1), e.g. by giving "
        "the product a shortage_penalty or lowering its demand",
    ]
    diagnosis = solve(inst).diagnosis
    assert {c["element"] for c in diagnosis["conflicts"]} == {
        "cn-cap",
        "jp",
        "demand:chip/default",
    }
    verified = {r["element"]: r["verified"] for r in diagnosis["repairs"]}
    assert verified == {"cn-cap": True, "jp": True, "demand:chip/default": None}


def test_floor_against_capacity():
    # JP >= 0.6 T with JP <= 50 and T = 100: the floor must drop to 0.5, or JP's capacity rise
    # to 60, or T <= 50 / 0.6 = 83.333333 (16.666667 unmet).
    inst = instance(policies={"floors": [{"id": "jp-floor", "group": "JP", "min_share": 0.6}]})
    assert repairs(inst) == [
        "lower jp-floor min_share from 0.6 to 0.5",
        "raise jp capacity from 50 to 60 in period 1",
        "leave part of the demand for chip in default unmet (16.666667 in period 1), e.g. by "
        "giving the product a shortage_penalty or lowering its demand",
    ]


def test_capacity_per_period():
    # Two periods, demand 100 then 90; CN capped at 20 %: JP must make 80 and 72.
    inst = instance(
        periods=[1, 2],
        demand=[
            {"product": "chip", "period": 1, "quantity": 100},
            {"product": "chip", "period": 2, "quantity": 90},
        ],
        policies={"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]},
    )
    assert (
        repairs(inst)[1] == "raise jp capacity from 50 to 80 in period 1, from 50 to 72 in period 2"
    )


def test_offer_capacity():
    inst = instance(policies={"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]})
    data = inst.model_dump(by_alias=True)
    data["suppliers"][1]["capacity"] = None
    data["suppliers"][1]["offers"][0]["capacity"] = 50
    assert repairs(Instance.from_data(data))[1] == (
        "raise jp capacity for chip from 50 to 80 in period 1"
    )


def test_ban_on_the_only_supplier_is_structural():
    inst = instance(
        suppliers=[{"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]}],
        demand=[{"product": "chip", "quantity": 10}],
        policies={"bans": [{"id": "no-cn", "group": "CN"}]},
    )
    diagnosis = solve(inst).diagnosis
    assert [s["message"] for s in diagnosis["structural"]] == [
        "demand of 10 for chip in market default, period 1 cannot be served: no supplier may "
        "deliver it (after bans, offers and capacities) and the product has no shortage_penalty"
    ]
    assert [r["message"] for r in diagnosis["repairs"]] == [
        "leave part of the demand for chip in default unmet (10 in period 1), e.g. by giving the "
        "product a shortage_penalty or lowering its demand",
        "lift ban no-cn for chip to default",
    ]
    assert diagnosis["repairs"][1]["flows"] == [
        {"supplier": "cn", "product": "chip", "market": "default", "period": 1, "quantity": 10.0}
    ]


def test_caps_on_every_eligible_supplier_are_structural():
    # After the ban on KR, only CN (<= 20 %) and JP (<= 30 %) may deliver: 50 % at most.
    inst = instance(
        regions=[{"id": "CN"}, {"id": "JP"}, {"id": "KR"}],
        suppliers=[
            {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 6}]},
            {"id": "jp", "region": "JP", "offers": [{"product": "chip", "unit_cost": 10}]},
            {"id": "kr", "region": "KR", "offers": [{"product": "chip", "unit_cost": 10}]},
        ],
        policies={
            "caps": [
                {"id": "cn-cap", "group": "CN", "max_share": 0.2},
                {"id": "jp-cap", "group": "JP", "max_share": 0.3},
            ],
            "bans": [{"id": "no-kr", "group": "KR"}],
        },
    )
    diagnosis = solve(inst).diagnosis
    assert diagnosis["structural"][0]["elements"] == ["cn-cap", "jp-cap"]
    assert diagnosis["structural"][0]["message"] == (
        "chip to default in period 1: the shares allowed to the 2 supplier(s) that may deliver "
        "it (cn, jp) cannot add up to 100 % under cn-cap (at most 20% CN), jp-cap (at most 30% JP)"
    )
    assert [r["message"] for r in diagnosis["repairs"]][:2] == [
        "raise cn-cap max_share from 0.2 to 0.7",
        "raise jp-cap max_share from 0.3 to 0.8",
    ]
    assert "lift ban no-kr for chip to default" in [r["message"] for r in diagnosis["repairs"]]


def test_max_supplier_share_with_two_suppliers():
    # Two suppliers at most 40 % each: at most 80 % of the supply; 50 % each is needed.
    inst = instance(policies={"max_supplier_share": 0.4})
    diagnosis = solve(inst).diagnosis
    assert diagnosis["structural"][0]["elements"] == ["max_supplier_share"]
    assert diagnosis["repairs"][0]["message"] == "raise max_supplier_share from 0.4 to 0.5"


def test_min_suppliers_above_the_eligible_count():
    inst = instance(policies={"min_suppliers": 3})
    diagnosis = solve(inst).diagnosis
    assert [s["message"] for s in diagnosis["structural"]] == [
        "min_suppliers asks for 3 suppliers of chip, but only 2 may deliver it"
    ]
    assert [r["message"] for r in diagnosis["repairs"]] == [
        "lower min_suppliers from 3 to 2 (chip)"
    ]


def test_min_order_above_demand():
    # KR is the only supplier and must deliver at least 30, but only 10 are wanted and the chip
    # cannot be stored: the minimum order must drop to 10.
    inst = instance(
        regions=[{"id": "KR"}],
        suppliers=[
            {
                "id": "kr",
                "region": "KR",
                "min_order": 30,
                "offers": [{"product": "chip", "unit_cost": 2}],
            }
        ],
        demand=[{"product": "chip", "quantity": 10}],
    )
    assert repairs(inst)[0] == "lower kr min_order from 30 to 10"


def test_raise_for_status_carries_the_diagnosis():
    inst = instance(policies={"caps": [{"id": "cn-cap", "group": "CN", "max_share": 0.2}]})
    with pytest.raises(InfeasibleError) as caught:
        solve(inst).raise_for_status()
    assert caught.value.diagnosis["repairs"][0]["element"] == "cn-cap"
    assert "raise cn-cap max_share from 0.2 to 0.5" in str(caught.value)


def test_diagnose_directly_on_a_feasible_instance_finds_nothing():
    diagnosis = diagnose(instance())
    assert diagnosis["structural"] == []
    assert diagnosis["conflicts"] == []
