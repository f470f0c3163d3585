"""The results of a two-tier plan (SPEC section 6): each flow, share and contract says its
`stage` (front: a supplier's wafers; back: a back-end site's packaged units), and the plan's
paths (supplier, site, product, market, period) give the customs value each unit paid on."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from sourcing.instance.schema import Instance
from sourcing.model.data import ModelData
from sourcing.plan import Plan

FRONT, BACK = "front", "back"
STAGE_TITLES = {FRONT: "front end (wafer fabs)", BACK: "back end (sites)"}
PATH_COLUMNS = ["supplier", "site", "product", "market", "period", "quantity", "tariff"]


def stage_parts(frame: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """(title, rows) per stage of a table with a `stage` column (`STAGE_TITLES`); one untitled
    part, the whole table, without back-end sites."""
    if "stage" not in frame.columns:
        return [("", frame)]
    return [(title, frame[frame["stage"] == stage]) for stage, title in STAGE_TITLES.items()]


def staged_columns(instance: Instance, columns: list[str]) -> list[str]:
    """`columns` and, with back-end sites, `stage` last."""
    return [*columns, "stage"] if instance.backend else list(columns)


def back_flow_rows(data: ModelData, plan: Plan) -> list[dict[str, Any]]:
    """One row per back-end flow, in the columns of the flows table. `tariff` is the tariff
    per unit on the site's unit cost, averaged over the wafers it packaged (their supplier's
    rate applies to both tiers' unit costs)."""
    sites = {s.id: s for s in data.instance.backend}
    tariff = _site_tariffs(data, plan)
    return [
        flow_row(
            key,
            sites[key[0]].region,
            q,
            data.unit_cost[key],
            tariff.get(key, 0.0) / q if q else 0.0,
            data.transport_cost[key],
            stage=BACK,
        )
        for key, q in plan.back_flows.items()
    ]


def flow_row(
    key: tuple, region: str, q: float, unit: float, tariff: float, transport: float, **extra: Any
) -> dict[str, Any]:
    """One row of the flows table: a flow's quantity and its costs per unit and in all."""
    supplier, product, market, period = key
    return {
        "supplier": supplier,
        "region": region,
        "product": product,
        "market": market,
        "period": period,
        "quantity": q,
        "unit_cost": unit,
        "tariff": tariff,
        "transport": transport,
        "cost": q * (unit + tariff + transport),
        **extra,
    }


def _site_tariffs(data: ModelData, plan: Plan) -> dict[tuple, float]:
    """The tariff each back-end flow's units paid on the site's unit cost (money)."""
    paid: dict[tuple, float] = defaultdict(float)
    for (supplier, site, p, mk, t), q in plan.paths.items():
        rate = data.tariff_rate.get((supplier, p, mk, t), 0.0)
        if rate:
            paid[(site, p, mk, t)] += q * rate * data.unit_cost[(site, p, mk, t)]
    return paid


def path_rows(data: ModelData, plan: Plan) -> list[dict[str, Any]]:
    """One row per path, with the tariff it paid on both tiers' unit costs (money)."""
    rows = []
    for (supplier, site, p, mk, t), q in plan.paths.items():
        rate = data.tariff_rate.get((supplier, p, mk, t), 0.0)
        customs = data.unit_cost.get((supplier, p, mk, t), 0.0)
        customs += data.unit_cost.get((site, p, mk, t), 0.0)
        rows.append(
            {
                "supplier": supplier,
                "site": site,
                "product": p,
                "market": mk,
                "period": t,
                "quantity": q,
                "tariff": q * rate * customs,
            }
        )
    return rows
