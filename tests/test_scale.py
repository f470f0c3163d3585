"""Scale: share rows that grow with their cell, not with its square, and lookups by key.

Hand-computed optima on instances whose dense form would be quadratic; the nonzeros of each
constraint family are counted from the record handed to HiGHS.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from sourcing import solve
from sourcing.check import transport_cost
from sourcing.instance.schema import Instance
from sourcing.model import PLAIN, build_model
from sourcing.model.data import build_data
from sourcing.model.links import transport_costs
from sourcing.model.rows import record_of
from sourcing.solver import row_key

SUPPLIERS = 40


def many_suppliers(**policies: Any) -> Instance:
    """40 suppliers of one chip, supplier i at unit cost i; demand 100, one market, one period."""
    return Instance.from_data(
        {
            "name": "many",
            "regions": [{"id": "A"}, {"id": "B"}],
            "products": [{"id": "chip"}],
            "suppliers": [
                {
                    "id": f"s{i:02d}",
                    "region": "A" if i % 2 else "B",
                    "offers": [{"product": "chip", "unit_cost": i}],
                }
                for i in range(1, SUPPLIERS + 1)
            ],
            "demand": [{"product": "chip", "quantity": 100}],
            "policies": policies,
        }
    )


def nonzeros_by_family(instance: Instance) -> Counter[str]:
    model = build_model(build_data(instance), formulation=PLAIN)
    record = record_of(model)
    counts: Counter[str] = Counter()
    for row in record.row_of_entry:
        counts[row_key(record.constraints[row])[0]] += 1
    return counts


def test_supplier_share_rows_hold_two_terms_each() -> None:
    # 40 flows in one cell: dense rows would hold 40 x 40 = 1,600 nonzeros; sparse rows hold
    # 2 each (the flow and the cell's total), plus 41 once to define the total.
    counts = nonzeros_by_family(many_suppliers(max_supplier_share=0.1))
    assert counts["supplier_share_max"] == 2 * SUPPLIERS
    assert counts["delivered_sum"] == SUPPLIERS + 1


def test_supplier_share_optimum() -> None:
    # At most 10 of 100 from each supplier: the ten cheapest deliver 10 each, 10 * (1 + ... + 10).
    results = solve(many_suppliers(max_supplier_share=0.1))
    assert results.objective == pytest.approx(550.0, rel=1e-9)


def test_cap_on_a_cell_with_many_suppliers() -> None:
    # Region A (odd costs) at most 30 %: A's cheapest, s01 (cost 1), brings 30; B's cheapest,
    # s02 (cost 2), brings 70: 30 + 140 = 170. The cap row holds A's 20 flows and the total.
    instance = many_suppliers(
        caps=[{"id": "a-cap", "group": "A", "max_share": 0.3}], max_supplier_share=0.9
    )
    counts = nonzeros_by_family(instance)
    assert counts["group_share_max"] == SUPPLIERS // 2 + 1
    results = solve(instance)
    # the 90 % supplier share (90 of 100) leaves s02's 70 alone
    assert results.objective == pytest.approx(170.0, rel=1e-9)


def test_min_suppliers_counts_against_the_product_total() -> None:
    # Three suppliers must each deliver at least 10 % of the total of 100: s02 and s03 bring 10
    # each, s01 the other 80: 80 * 1 + 10 * 2 + 10 * 3 = 130. Each count_share row holds the
    # supplier's own flow, the product's total and its counter.
    instance = many_suppliers(min_suppliers=3, min_supplier_share=0.1)
    counts = nonzeros_by_family(instance)
    assert counts["count_share"] == 3 * SUPPLIERS
    assert counts["delivered_total_sum"] == SUPPLIERS + 1
    assert solve(instance).objective == pytest.approx(130.0, rel=1e-9)


def test_pooled_cap_over_sparse_cells() -> None:
    # Chip and mem, 40 suppliers each (supplier i at cost i; odd ones in region A), demand 100
    # of each; A at most 30 % of both together, no supplier above 50 % of a product: every cell
    # is sparse. A's 60 come from s01 (cost 1); B's 140 from s02 (50 + 50 at cost 2) and s04
    # (40 at cost 4): 60 + 200 + 160 = 420. The pooled row holds A's 40 flows and 2 totals.
    data = many_suppliers().model_dump(by_alias=True, exclude_none=True)
    data["products"] = [{"id": "chip"}, {"id": "mem"}]
    for supplier in data["suppliers"]:
        supplier["offers"].append({**supplier["offers"][0], "product": "mem"})
    data["demand"].append({"product": "mem", "quantity": 100})
    data["policies"] = {
        "caps": [{"id": "a-cap", "group": "A", "max_share": 0.3, "pooled": True}],
        "max_supplier_share": 0.5,
    }
    instance = Instance.from_data(data)
    counts = nonzeros_by_family(instance)
    assert counts["group_share_max"] == SUPPLIERS + 2
    assert counts["delivered_sum"] == 2 * (SUPPLIERS + 1)
    assert solve(instance).objective == pytest.approx(420.0, rel=1e-9)


def two_blocs(tariff_to: str) -> Instance:
    return Instance.from_data(
        {
            "name": "lanes",
            "regions": [{"id": "CN"}, {"id": "EU"}],
            "blocs": [{"id": "east", "members": ["CN"]}, {"id": "asia", "members": ["CN"]}],
            "products": [{"id": "chip"}],
            "markets": [{"id": "EU", "region": "EU"}],
            "suppliers": [
                {"id": "cn", "region": "CN", "offers": [{"product": "chip", "unit_cost": 10}]}
            ],
            "demand": [{"product": "chip", "quantity": 1}],
            # two entries equally specific (a bloc each): the earlier one in the file wins
            "transport": [{"from": "asia", "cost": 1}, {"from": "east", "cost": 2}],
            "tariffs": [{"from": "CN", "to": tariff_to, "rate": 0.25}],
        }
    )


def test_tariff_to_a_market_named_like_its_region_counts_once() -> None:
    # The market's id and its region are both "EU": the entry matches once. 10 * 1.25 + 1.
    assert solve(two_blocs("EU")).objective == pytest.approx(13.5, rel=1e-9)


def test_equally_specific_transport_entries_keep_the_files_order() -> None:
    instance = two_blocs("EU")
    assert transport_costs(instance)[("cn", "EU")] == 1
    assert transport_cost(instance, "cn", "EU") == 1
