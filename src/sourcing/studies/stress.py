"""Stress tests: how a plan's contracts hold up when one region (or bloc) loses capacity.

The plan's contracts are fixed; for each outage the flows are re-optimised among them, with the
group's capacity multiplied by `factor` (0 = full outage). As in disruption scenarios, caps,
floors and diversity rules are left out (they bind the nominal plan), bans and minimum orders
hold, and demand may go unmet at its shortage penalty. A product without a penalty is treated
as costing `MISSING_PENALTY_FACTOR` times the dearest unit cost per unit unmet.
"""

from __future__ import annotations

from typing import Any

from sourcing.instance.fields import lookup
from sourcing.instance.schema import Instance
from sourcing.model.data import Mode, build_data, demand_table
from sourcing.solver import SolveOptions
from sourcing.solver.recourse import ZERO, Recourse, solve_recourse

MISSING_PENALTY_FACTOR = 100.0


def with_penalties(instance: Instance) -> Instance:
    """A copy in which every product has a shortage penalty (see the module docstring)."""
    if all(p.shortage_penalty is not None for p in instance.products):
        return instance
    costs = [
        value
        for s in instance.suppliers
        for o in s.offers
        for t in instance.periods
        if (value := lookup(o.unit_cost, t)) is not None
    ]
    penalty = MISSING_PENALTY_FACTOR * max(costs, default=1.0)
    products = [
        p if p.shortage_penalty is not None else p.model_copy(update={"shortage_penalty": penalty})
        for p in instance.products
    ]
    # no re-validation: only penalties change, and 100 x a unit cost may exceed the limit of a
    # penalty in a file (fields.MAX_UNIT_MONEY) while the model still solves it reliably
    return instance.model_copy(update={"products": products})


def recourse(
    instance: Instance,
    contracts: frozenset[str],
    capacity_factor: dict[str, float],
    options: SolveOptions,
) -> Recourse:
    """Re-optimise the flows among `contracts` with capacities scaled by `capacity_factor`."""
    data = build_data(
        instance, Mode.DISRUPTION, capacity_factor=capacity_factor, suppliers=contracts
    )
    return solve_recourse(data, contracts, options)


def outage_table(
    instance: Instance,
    contracts: frozenset[str],
    *,
    factor: float = 0.0,
    blocs: bool = False,
    options: SolveOptions | None = None,
) -> list[dict[str, Any]]:
    """One row per outage: shortage (units and share of demand), cost, extra cost, products hit,
    and the kind of group taken out ("region" or "bloc"), with the keys in that order.

    `extra_cost` is against the same contracts re-optimised without any outage.
    """
    options = options or SolveOptions()
    instance = with_penalties(instance)
    demand = sum(demand_table(instance).values())
    baseline = recourse(instance, contracts, {}, options)
    groups = [(r.id, "region") for r in instance.regions]
    if blocs:
        groups += [(b.id, "bloc") for b in instance.blocs]
    rows = []
    for group, kind in groups:
        outcome = recourse(instance, contracts, {group: factor}, options)
        shortage = sum(outcome.unmet.values(), 0.0)
        hit = sorted(
            {
                product
                for (product, market, period), q in outcome.unmet.items()
                if q > baseline.unmet.get((product, market, period), 0.0) + ZERO
            }
        )
        rows.append(  # the keys of SPEC.md first, then `kind`
            {
                "outage": group,
                "factor": factor,
                "shortage": round(shortage, 9),
                "shortage_share": shortage / demand if demand else 0.0,
                "cost": round(outcome.cost, 9),
                "extra_cost": round(outcome.cost - baseline.cost, 9),
                "products_hit": hit,
                "kind": kind,
            }
        )
    return rows
