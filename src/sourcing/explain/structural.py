"""Conflicts provable without the MILP: a demand nobody may serve; caps and floors that cannot
add up to 100 % of a cell's supply; too little capacity for a product that cannot be stored
or left unmet; too few eligible suppliers for `min_suppliers`."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sourcing.explain.elastic import ZERO
from sourcing.instance.fields import lookup
from sourcing.instance.schema import Cap, Floor, Instance, group_members
from sourcing.model.data import ModelData, build_data
from sourcing.model.scopes import Coverage


def structural_conflicts(instance: Instance) -> Iterator[dict[str, Any]]:
    """Conflicts provable without the MILP, each with the elements involved and a message."""
    data = build_data(instance)
    products = {p.id: p for p in instance.products}
    strict = {
        p
        for p, product in products.items()
        if product.shortage_penalty is None and product.holding_cost is None
    }
    unservable = {p for p, product in products.items() if product.shortage_penalty is None}
    paired = " with a back-end site that packages it" if instance.backend else ""
    for (product, market, period), demand in data.demand.items():
        if product in unservable and not data.cell_flows.get((product, market, period)):
            stock = products[product].holding_cost is not None and _earlier_flows(
                data, product, market, period
            )
            if not stock:
                yield {
                    "elements": [f"demand:{product}/{market}/{period}"],
                    "kind": "demand",
                    "message": (
                        f"demand of {demand:g} for {product} in market {market}, period {period} "
                        f"cannot be served: no supplier{paired} may deliver it (after bans, offers "
                        "and capacities) and the product has no shortage_penalty"
                    ),
                }
    shares = _ShareScopes.of(instance)
    for cell in sorted(data.cell_flows, key=str):
        if cell[0] in strict and data.demand.get(cell, 0) > 0:
            yield from _share_conflicts(instance, data, cell, shares)
    yield from _capacity_shortfalls(instance, data, strict)
    yield from _too_few_suppliers(data)


def _earlier_flows(data: ModelData, product: str, market: str, period: Any) -> bool:
    index = data.periods.index(period)
    return any(data.cell_flows.get((product, market, t)) for t in data.periods[:index])


@dataclass(frozen=True)
class _ShareScopes:
    """The per-cell caps and floors of an instance with their coverage, and group members."""

    caps: list[tuple[Cap, Coverage]]
    floors: list[tuple[Floor, Coverage]]
    members: dict[str, frozenset[str]]

    @classmethod
    def of(cls, instance: Instance) -> _ShareScopes:
        policies = instance.policies
        return cls(
            caps=[(c, Coverage.of(c)) for c in policies.caps if not c.pooled],
            floors=[(f, Coverage.of(f)) for f in policies.floors if not f.pooled],
            members=group_members(instance),
        )


def _share_conflicts(
    instance: Instance, data: ModelData, cell: tuple[str, str, Any], scopes: _ShareScopes
) -> Iterator[dict[str, Any]]:
    """Caps, floors and max_supplier_share that cannot share out 100 % of one cell's supply."""
    product, market, period = cell
    suppliers = sorted({f[0] for f in data.cell_flows[cell]})
    policies = instance.policies
    caps = [c for c, coverage in scopes.caps if coverage.covers(*cell)]
    floors = [f for f, coverage in scopes.floors if coverage.covers(*cell)]
    if not caps and not floors and policies.max_supplier_share is None:
        return
    n = len(suppliers)
    rows, bounds = [], []
    for cap in caps:
        members = scopes.members[cap.group]
        rows.append([1.0 if s in members else 0.0 for s in suppliers])
        bounds.append(cap.max_share)
    for floor in floors:
        members = scopes.members[floor.group]
        rows.append([-1.0 if s in members else 0.0 for s in suppliers])
        bounds.append(-floor.min_share)
    from scipy.optimize import linprog  # heavy to import; a diagnosis is rare

    upper = policies.max_supplier_share if policies.max_supplier_share is not None else 1.0
    found = linprog(
        c=np.zeros(n),
        A_ub=np.array(rows) if rows else None,
        b_ub=np.array(bounds) if rows else None,
        A_eq=np.ones((1, n)),
        b_eq=np.array([1.0]),
        bounds=[(0.0, upper)] * n,
        method="highs",
    )
    if found.status != 2:  # 2 = infeasible
        return
    names = [f"{c.id} (at most {c.max_share:.0%} {c.group})" for c in caps]
    names += [f"{f.id} (at least {f.min_share:.0%} {f.group})" for f in floors]
    if policies.max_supplier_share is not None:
        names.append(f"max_supplier_share ({policies.max_supplier_share:.0%} each)")
    yield {
        "elements": [c.id for c in caps]
        + [f.id for f in floors]
        + (["max_supplier_share"] if policies.max_supplier_share is not None else []),
        "kind": "shares",
        "product": product,
        "market": market,
        "period": period,
        "message": (
            f"{product} to {market} in period {period}: the shares allowed to the "
            f"{n} supplier(s) that may deliver it ({', '.join(suppliers)}) cannot add up to "
            f"100 % under {', '.join(names)}"
        ),
    }


def _capacity_shortfalls(
    instance: Instance, data: ModelData, strict: set[str]
) -> Iterator[dict[str, Any]]:
    """Products that can be neither stored nor left unmet, with too little capacity."""
    producers = [*instance.suppliers, *instance.backend]
    by_offer = {(s.id, o.product): (s, o) for s in producers for o in s.offers}
    demands: dict[tuple[str, Any], float] = defaultdict(float)
    for (p, _, t), q in data.demand.items():
        demands[(p, t)] += q
    tiers = [("suppliers", data.cell_flows)]
    if instance.backend:
        tiers.append(("back-end sites", data.back_cell_flows))
    for product, period, (noun, cell_flows) in itertools.product(
        sorted(strict), data.periods, tiers
    ):
        demand = demands.get((product, period), 0.0)
        if demand > 0:
            yield from _shortfall(instance, by_offer, cell_flows, noun, product, period, demand)


def _shortfall(
    instance: Instance,
    by_offer: dict[tuple[str, str], Any],
    cell_flows: dict[Any, list[Any]],
    noun: str,
    product: str,
    period: Any,
    demand: float,
) -> Iterator[dict[str, Any]]:
    """The capacity shortfall of one tier (`noun`) for a product in a period, if any."""
    suppliers = {
        f[0]
        for m in (mk.id for mk in instance.markets)
        for f in cell_flows.get((product, m, period), [])
    }
    capacity = 0.0
    for s in suppliers:
        supplier, offer = by_offer[(s, product)]
        limits = [lookup(offer.capacity, period), lookup(supplier.capacity, period)]
        known = [v for v in limits if v is not None]
        capacity += min(known) if known else math.inf
    if suppliers and capacity < demand - ZERO:  # no supplier: reported as demand
        yield {
            "elements": [f"capacity:{s}" for s in sorted(suppliers)],
            "kind": "capacity",
            "product": product,
            "period": period,
            "message": (
                f"{product} in period {period}: the {noun} that may deliver it can make "
                f"at most {capacity:g}, demand is {demand:g}, and the product can be "
                "neither stored nor left unmet"
            ),
        }


def _too_few_suppliers(data: ModelData) -> Iterator[dict[str, Any]]:
    k = data.min_suppliers
    if k is None:
        return
    for product, demand in data.product_demand.items():
        if demand <= 0:
            continue
        count = sum(1 for (p, _) in data.product_supplier_flows if p == product)
        if count < k:
            yield {
                "elements": ["min_suppliers"],
                "kind": "min_suppliers",
                "product": product,
                "message": (
                    f"min_suppliers asks for {k} suppliers of {product}, but only {count} may "
                    "deliver it"
                ),
            }
