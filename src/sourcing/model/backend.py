"""The rows that join the two tiers: back-end balance and tariff paths (see
`sourcing.model.tiers` for the formulation)."""

from __future__ import annotations

from collections import defaultdict

import pyomo.environ as pyo

from sourcing.model.data import ModelData
from sourcing.model.families import BACKEND_BALANCE
from sourcing.model.rows import add_rows, equal, less
from sourcing.model.variables import var_of


def add_backend_balance(m: pyo.Block, data: ModelData) -> None:
    """sum_s flow[s,p,m,t] - sum_k flow[k,p,m,t] = 0 for every cell either tier can serve."""
    if not data.two_tier:
        return
    flow = var_of(m, "flow")
    rows = {}
    for cell in dict.fromkeys([*data.cell_flows, *data.back_cell_flows]):
        front = data.cell_flows.get(cell, [])
        back = data.back_cell_flows.get(cell, [])
        rows[cell] = equal(
            [*(flow[f] for f in front), *(flow[f] for f in back)],
            [1.0] * len(front) + [-1.0] * len(back),
            0.0,
        )
    add_rows(m, BACKEND_BALANCE, rows)


def add_tariff_path_rows(m: pyo.Block, data: ModelData) -> None:
    """Rows `tariff_path_supply` (each class's front flows go through some site) and
    `tariff_path_site` (a site carries no more tariffed units than it packages)."""
    if not data.tariff_paths:
        return
    flow, path = var_of(m, "flow"), var_of(m, "tariff_path")
    by_class: dict[tuple, list] = defaultdict(list)
    by_site: dict[tuple, list] = defaultdict(list)
    for key in data.tariff_paths:
        site, product, market, period, index = key
        by_class[(product, market, period, index)].append(path[key])
        by_site[(site, product, market, period)].append(path[key])
    supply = {}
    for (product, market, period, index), paths in by_class.items():
        members = data.tariff_classes[(product, market, period)][index]
        supply[(product, market, period, index)] = equal(
            [*paths, *(flow[f] for f in members)],
            [1.0] * len(paths) + [-1.0] * len(members),
            0.0,
        )
    site_rows = {
        key: less([*paths, flow[key]], [1.0] * len(paths) + [-1.0], 0.0)
        for key, paths in by_site.items()
    }
    add_rows(m, "tariff_path_supply", supply)
    add_rows(m, "tariff_path_site", site_rows)
