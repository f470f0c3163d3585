"""Who supplies what: each region's and bloc's share of the delivered supply.

One row per group and (product, market, period), by quantity. Where products have a `value`,
each row also gives `value_share` (for one product it equals the quantity share), and rows
with product "*" pool every product delivered to a market in a period, where quantity and
value shares differ: a wafer of advanced logic weighs its value, not one unit. With back-end
sites, every row says its `stage`: the front end's rows share out the wafers by the region of
the fab, the back end's the packaged units by the region of the site.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sourcing.instance.schema import Instance, group_members
from sourcing.plan import FlowKey, Plan

SHARE_COLUMNS = ["group", "kind", "product", "market", "period", "quantity", "share"]
VALUE_COLUMNS = ["value", "value_share"]
POOLED = "*"  # the product of a row that pools every product of a market and period


def share_columns(instance: Instance) -> list[str]:
    """The columns of the shares table: value columns only where products have values,
    `stage` only with back-end sites."""
    columns = SHARE_COLUMNS + (VALUE_COLUMNS if _values(instance) else [])
    return [*columns, "stage"] if instance.backend else columns


def _values(instance: Instance) -> dict[str, float]:
    return {p.id: p.value for p in instance.products if p.value is not None}


def share_rows(instance: Instance, plan: Plan) -> list[dict[str, Any]]:
    """Share of each region and bloc in the delivered supply of each product, market, period
    (and, where products have values, of all products of a market and period together); with
    back-end sites, for each stage."""
    if not instance.backend:
        return _tier_rows(instance, plan.flows)
    return [
        *(dict(row, stage="front") for row in _tier_rows(instance, plan.flows)),
        *(dict(row, stage="back") for row in _tier_rows(instance, plan.back_flows)),
    ]


def _tier_rows(instance: Instance, flows: Mapping[FlowKey, float]) -> list[dict[str, Any]]:
    """The share rows of one tier's `flows`."""
    members = group_members(instance)
    groups = [(r.id, "region") for r in instance.regions] + [(b.id, "bloc") for b in instance.blocs]
    values = _values(instance)
    by_cell: dict[tuple[str, str, Any], dict[str, float]] = defaultdict(dict)
    for (s, p, mk, t), q in flows.items():
        cell = by_cell[(p, mk, t)]
        cell[s] = cell.get(s, 0.0) + q
    order = {p: i for i, p in enumerate(instance.periods)}
    rows = []
    for p, mk, t in sorted(by_cell, key=lambda c: (c[0], c[1], order[c[2]])):
        delivered = by_cell[(p, mk, t)]
        rows += _rows(groups, members, {(s, p): q for s, q in delivered.items()}, p, mk, t, values)
    if values:
        pooled: dict[tuple[str, Any], dict[tuple[str, str], float]] = defaultdict(dict)
        for (s, p, mk, t), q in flows.items():
            pooled[(mk, t)][(s, p)] = pooled[(mk, t)].get((s, p), 0.0) + q
        for mk, t in sorted(pooled, key=lambda c: (c[0], order[c[1]])):
            rows += _rows(groups, members, pooled[(mk, t)], POOLED, mk, t, values)
    return rows


def _rows(
    groups: list[tuple[str, str]],
    members: dict[str, frozenset[str]],
    delivered: dict[tuple[str, str], float],
    product: str,
    market: str,
    period: Any,
    values: dict[str, float],
) -> list[dict[str, Any]]:
    """The groups' rows of one cell (or pooled cell), `delivered` by (supplier, product)."""
    total = sum(delivered.values())
    if total <= 0:
        return []
    valued = all(p in values for _, p in delivered)
    worth = sum(q * values[p] for (_, p), q in delivered.items()) if valued else 0.0
    rows = []
    for group, kind in groups:
        mine = {k: q for k, q in delivered.items() if k[0] in members[group]}
        quantity = sum(mine.values())
        row: dict[str, Any] = {
            "group": group,
            "kind": kind,
            "product": product,
            "market": market,
            "period": period,
            "quantity": quantity,
            "share": quantity / total,
        }
        if values:
            value = sum(q * values[p] for (_, p), q in mine.items()) if valued else None
            row["value"] = value
            row["value_share"] = value / worth if value is not None and worth > 0 else None
        rows.append(row)
    return rows
