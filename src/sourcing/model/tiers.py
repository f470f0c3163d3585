"""What joins the two tiers (SPEC section 6): fabs make wafers, back-end sites package them.

A unit delivered is a path (supplier, site, product, market, period). The model does not
build every path: that would multiply suppliers by sites. It keeps one flow per tier, both
attributed to the market, and balances them per cell:

    sum_s flow[s,p,m,t] = sum_k flow[k,p,m,t]                   (`backend_balance`)

Any such pair of flows splits into paths (in proportion, say), so shares by market are exact
for both tiers. Only the tariff needs more: its rate follows the supplier and applies to both
tiers' unit costs, so the cost of a site's unit depends on whose wafer it holds. Front flows
of one cell with the same positive rate form a class c, and a path variable per (class, site)
carries that cross term, where some site's unit cost is positive:

    sum_k path[k,p,m,t,c] = sum_{s in c} flow[s,p,m,t]          (`tariff_path_supply`)
    sum_c path[k,p,m,t,c] <= flow[k,p,m,t]                      (`tariff_path_site`)

at cost rate_c * unit_cost[k] per unit of path. Classes are few (one per distinct rate), so
these grow with sites times rates, never with sites times suppliers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from sourcing.instance.fields import lookup

if TYPE_CHECKING:  # the tables import this module
    from sourcing.instance.schema import Instance, Period
    from sourcing.model.data import ModelData

TariffPath = tuple[str, str, str, Any, int]
"""(site, product, market, period, tariff class of the cell)."""

Reach = dict[tuple[str, Any], list[tuple[str, float]]]


def tier_reach(instance: Instance, reachable: Reach) -> tuple[Reach, Reach]:
    """The (product, period) -> markets reach of each tier: without back-end sites, the
    suppliers reach what demand allows; with them, each tier reaches only the (product,
    period) pairs the other tier offers too (a wafer no site packages is never delivered)."""
    if not instance.backend:
        return reachable, {}
    front = _offered(instance.suppliers, instance.periods)
    back = _offered(instance.backend, instance.periods)
    return (
        {key: markets for key, markets in reachable.items() if key in back},
        {key: markets for key, markets in reachable.items() if key in front},
    )


def _offered(producers: Any, periods: list[Period]) -> set[tuple[str, Any]]:
    return {
        (offer.product, period)
        for producer in producers
        for offer in producer.offers
        for period in periods
        if lookup(offer.unit_cost, period) is not None
    }


def add_tariff_paths(data: ModelData) -> None:
    """The tariff classes and path variables of `data` (see the module's docstring)."""
    if not data.tariff_rate:
        return
    for cell, site_flows in data.back_cell_flows.items():
        if not any(data.unit_cost[f] for f in site_flows):
            continue  # no site adds to the customs value here
        by_rate: dict[float, list[Any]] = defaultdict(list)
        for flow in data.cell_flows.get(cell, ()):
            rate = data.tariff_rate.get(flow)
            if rate:
                by_rate[rate].append(flow)
        if not by_rate:
            continue
        classes = [by_rate[rate] for rate in sorted(by_rate)]
        data.tariff_classes[cell] = classes
        for index, members in enumerate(classes):
            rate = data.tariff_rate[members[0]]
            supply = sum(data.flow_bound[f] for f in members)
            for site_flow in site_flows:
                key: TariffPath = (site_flow[0], *cell, index)
                data.tariff_paths.append(key)
                data.tariff_path_bound[key] = min(supply, data.flow_bound[site_flow])
                data.tariff_path_cost[key] = rate * data.unit_cost[site_flow]


def decompose(
    data: ModelData,
    flows: dict[tuple, float],
    back_flows: dict[tuple, float],
    tariff_paths: dict[TariffPath, float],
) -> dict[tuple, float]:
    """Split balanced front and back flows into paths (supplier, site, product, market,
    period) -> units. A tariff class's units follow its path variables, shared among its
    suppliers in proportion to what each delivers; the rest go through what each site has
    left, in proportion too. So each path's tariff matches what the model paid."""
    front_by_cell: dict[tuple, dict[str, float]] = defaultdict(dict)
    for (supplier, *cell), quantity in flows.items():
        front_by_cell[tuple(cell)][supplier] = quantity
    back_by_cell: dict[tuple, dict[str, float]] = defaultdict(dict)
    for (site, *cell), quantity in back_flows.items():
        back_by_cell[tuple(cell)][site] = quantity
    classed: dict[tuple, dict[str, float]] = defaultdict(dict)  # (cell, index) -> site -> units
    for (site, *cell, index), quantity in tariff_paths.items():
        classed[(*cell, index)][site] = quantity
    paths: dict[tuple, float] = defaultdict(float)
    for cell, front in front_by_cell.items():
        left = dict(back_by_cell.get(cell, {}))
        rest = dict(front)
        for index, members in enumerate(data.tariff_classes.get(cell, [])):
            suppliers = {f[0]: front[f[0]] for f in members if f[0] in front}
            _spread(paths, suppliers, classed.get((*cell, index), {}), cell)
            for site, quantity in classed.get((*cell, index), {}).items():
                left[site] = left.get(site, 0.0) - quantity
            for supplier in suppliers:
                rest.pop(supplier, None)
        _spread(paths, rest, {k: q for k, q in left.items() if q > 0}, cell)
    return {key: round(q, 9) for key, q in paths.items() if q > 1e-9}


def _spread(
    paths: dict[tuple, float], suppliers: dict[str, float], sites: dict[str, float], cell: tuple
) -> None:
    """Add paths from `suppliers` to `sites`, each supplier's units spread over the sites in
    proportion to what each site takes."""
    total = sum(sites.values())
    if total <= 0:
        return
    for supplier, quantity in suppliers.items():
        for site, taken in sites.items():
            paths[(supplier, site, *cell)] += quantity * taken / total
