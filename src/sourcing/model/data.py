"""The validated instance as sparse index sets and parameter tables for the model.

Only combinations that can carry a positive quantity are built: a flow (supplier, product,
market, period) exists when the supplier offers the product in that period, the market has
demand it can serve (now or, for storable products, later), no ban covers it and its
capacities are not zero. With back-end sites (SPEC section 6), the sites' flows (site, product,
market, period) are built the same way and kept apart in `back_flows`; `sourcing.model.tiers`
adds what joins the two tiers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from pyomo.common.gc_manager import PauseGC

from sourcing.instance.fields import lookup, period_key
from sourcing.instance.schema import (
    Instance,
    Offer,
    Period,
    Supplier,
    group_members,
)
from sourcing.model.disruptions import Disruption, supplier_factors
from sourcing.model.growth import Added, Growth, total
from sourcing.model.links import LinkKeys, TariffRates, TransportCosts
from sourcing.model.scopes import (
    BanIndex,
    Cell,
    Flow,
    ShareRow,
    ban_index,
    first_ban,
    share_rows,
)
from sourcing.model.tiers import TariffPath, add_tariff_paths, tier_reach

SupplierProductPeriod = tuple[str, str, Period]


SupplierPeriod = tuple[str, Period]


class Mode(Enum):
    """What a set of tables describes, and so how they are derived (see `build_data`)."""

    PLAN = "plan"
    """The nominal plan: capacities as bounds, banned flows left out, the buyer's policies."""
    DISRUPTION = "disruption"
    """A disruption's stage: capacities scaled, every demand may go unmet, no policies."""
    ELASTIC = "elastic"
    """The diagnosis: capacities as rows, banned flows built, every demand may go unmet."""


@dataclass
class ModelData:
    """Index sets and parameters derived from an `Instance`, ready for the model builder."""

    instance: Instance
    periods: list[Period]
    mode: Mode = Mode.PLAN
    factor: dict[str, float] = field(default_factory=dict)  # capacity, by supplier
    price: dict[str, float] = field(default_factory=dict)  # unit cost, by supplier
    disrupted: frozenset[Period] | None = None  # where factor and price apply; None: every period
    anticipated: tuple[Period, ...] = ()  # periods before the disruption: as the nominal plan
    demand: dict[Cell, float] = field(default_factory=dict)
    flows: list[Flow] = field(default_factory=list)
    flow_bound: dict[Flow, float] = field(default_factory=dict)
    unit_cost: dict[Flow, float] = field(default_factory=dict)
    tariff_cost: dict[Flow, float] = field(default_factory=dict)
    transport_cost: dict[Flow, float] = field(default_factory=dict)
    suppliers: list[str] = field(default_factory=list)
    fixed_cost: dict[str, float] = field(default_factory=dict)
    offer_periods: list[SupplierProductPeriod] = field(default_factory=list)
    offer_bound: dict[SupplierProductPeriod, float] = field(default_factory=dict)
    offer_flows: dict[SupplierProductPeriod, list[Flow]] = field(default_factory=dict)
    min_order: dict[SupplierProductPeriod, float] = field(default_factory=dict)
    offer_limit: dict[SupplierProductPeriod, float] = field(default_factory=dict)
    banned: dict[Flow, str] = field(default_factory=dict)  # the first ban covering a flow
    supplier_capacity: dict[SupplierPeriod, float] = field(default_factory=dict)  # base
    supplier_growth: dict[SupplierPeriod, Added] = field(default_factory=dict)  # if built
    offer_growth: dict[SupplierProductPeriod, tuple[float, Added]] = field(default_factory=dict)
    capex: dict[str, float] = field(default_factory=dict)  # by expansion
    supplier_flows: dict[SupplierPeriod, list[Flow]] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    cell_flows: dict[Cell, list[Flow]] = field(default_factory=dict)
    stock_bound: dict[Cell, float] = field(default_factory=dict)
    holding_cost: dict[Cell, float] = field(default_factory=dict)
    unmet_bound: dict[Cell, float] = field(default_factory=dict)
    shortage_penalty: dict[Cell, float] = field(default_factory=dict)
    caps: list[ShareRow] = field(default_factory=list)
    floors: list[ShareRow] = field(default_factory=list)
    max_supplier_share: float | None = None
    min_suppliers: int | None = None
    min_supplier_share: float = 0.1
    product_demand: dict[str, float] = field(default_factory=dict)
    product_supplier_flows: dict[tuple[str, str], list[Flow]] = field(default_factory=dict)
    # Back-end sites (SPEC section 6); empty without `backend`. Their flows share the tables
    # above that are keyed by flow or offer (bounds, costs, capacities, minimum orders).
    sites: list[str] = field(default_factory=list)
    back_flows: list[Flow] = field(default_factory=list)
    back_cell_flows: dict[Cell, list[Flow]] = field(default_factory=dict)
    tariff_rate: dict[Flow, float] = field(default_factory=dict)  # front flows with a rate
    tariff_classes: dict[Cell, list[list[Flow]]] = field(default_factory=dict)
    tariff_paths: list[TariffPath] = field(default_factory=list)
    tariff_path_bound: dict[TariffPath, float] = field(default_factory=dict)
    tariff_path_cost: dict[TariffPath, float] = field(default_factory=dict)

    @property
    def two_tier(self) -> bool:
        """Whether the instance has back-end sites."""
        return bool(self.instance.backend)

    def factor_at(self, supplier: str, period: Period) -> float:
        """The capacity multiplier of `supplier` in `period`."""
        if self.disrupted is not None and period not in self.disrupted:
            return 1.0
        return self.factor.get(supplier, 1.0)

    def price_at(self, supplier: str, period: Period) -> float:
        """The unit-cost multiplier of `supplier` in `period`."""
        if self.disrupted is not None and period not in self.disrupted:
            return 1.0
        return self.price.get(supplier, 1.0)

    def previous(self, period: Period) -> Period | None:
        index = self.periods.index(period)
        return self.periods[index - 1] if index > 0 else None


def demand_table(instance: Instance) -> dict[Cell, float]:
    """Demand per (product, market, period); entries without market/period are expanded."""
    only_market = instance.markets[0].id
    table: dict[Cell, float] = {}
    by_key = {period_key(p): p for p in instance.periods}
    for entry in instance.demand:
        market = entry.market or only_market
        periods = instance.periods if entry.period is None else [by_key[period_key(entry.period)]]
        for period in periods:
            table[(entry.product, market, period)] = entry.quantity
    return table


def _future_demand(instance: Instance, demand: dict[Cell, float]) -> dict[Cell, float]:
    """Demand a delivery in (p, m, t) can serve: from t on if storable, else at t only."""
    storable = {p.id for p in instance.products if p.holding_cost is not None}
    by_pair: dict[tuple[str, str], dict[Period, float]] = defaultdict(dict)
    for (product, market, period), quantity in demand.items():
        by_pair[(product, market)][period] = quantity
    future: dict[Cell, float] = {}
    for (product, market), series in by_pair.items():
        remaining = 0.0
        for period in reversed(instance.periods):
            here = series.get(period, 0.0)
            remaining = remaining + here if product in storable else here
            if remaining > 0:
                future[(product, market, period)] = remaining
    return future


@dataclass(frozen=True)
class _Context:
    """Tables shared while the supplier offers are turned into flows."""

    reachable: dict[tuple[str, Period], list[tuple[str, float]]]  # see `_reachable`
    back_reachable: dict[tuple[str, Period], list[tuple[str, float]]]  # the same, for sites
    two_tier: bool
    transport: TransportCosts
    tariffs: TariffRates
    bans: BanIndex  # see `ban_index`
    growth: Growth


def _reachable(
    future: dict[Cell, float], market_ids: list[str]
) -> dict[tuple[str, Period], list[tuple[str, float]]]:
    """Per (product, period), the markets (in the instance's order) with demand a delivery
    then can serve, and how much: an offer visits only those."""
    position = {m: i for i, m in enumerate(market_ids)}
    found: dict[tuple[str, Period], list[tuple[str, float]]] = defaultdict(list)
    for (product, market, period), reach in future.items():
        if reach > 0:
            found[(product, period)].append((market, reach))
    for markets in found.values():
        markets.sort(key=lambda item: position[item[0]])
    return found


def _bound(*values: float | None) -> float:
    return min(v for v in values if v is not None)


def _scaled(capacity: float | None, factor: float) -> float | None:
    """A capacity times a factor; unlimited stays unlimited unless the factor is zero."""
    if capacity is None:
        return None if factor > 0 else 0.0
    return capacity * factor


def _add_offer(
    data: ModelData,
    ctx: _Context,
    supplier: Supplier,
    offer: Offer,
    period: Period,
    supplier_cap: float | None,
    back: bool,
) -> list[Flow]:
    """The flows of one offer in one period (empty if it cannot deliver anything); `back`:
    the offer of a back-end site."""
    elastic = data.mode is Mode.ELASTIC
    cost = lookup(offer.unit_cost, period)
    if cost is not None:
        cost *= data.price_at(supplier.id, period)
    factor = data.factor_at(supplier.id, period)
    base = _scaled(lookup(offer.capacity, period), factor)
    added = [] if base is None else ctx.growth.added(supplier.id, offer.product, period, factor)
    offer_cap = base if base is None else base + total(added)
    if cost is None or (not elastic and offer_cap is not None and offer_cap <= 0):
        return []
    if elastic:  # capacities become rows that may be relaxed, not bounds
        offer_cap_bound, supplier_cap_bound = None, None
    else:
        offer_cap_bound, supplier_cap_bound = offer_cap, supplier_cap
    flows: list[Flow] = []
    cap = _bound(offer_cap_bound, supplier_cap_bound, math.inf)
    product = offer.product
    bans = (supplier.id, None) in ctx.bans or (supplier.id, product) in ctx.bans
    reachable = ctx.back_reachable if back else ctx.reachable
    for market, reach in reachable.get((product, period), ()):
        flow = (supplier.id, product, market, period)
        if bans and (banned_by := first_ban(ctx.bans, flow)) is not None:
            if not elastic:
                continue
            data.banned[flow] = banned_by
        flows.append(flow)
        data.flow_bound[flow] = reach if reach < cap else cap
        data.unit_cost[flow] = cost
        rate = 0.0 if back else ctx.tariffs.rate(supplier.id, product, market)
        data.tariff_cost[flow] = cost * rate
        if rate and ctx.two_tier:  # it applies to the back end's unit cost too
            data.tariff_rate[flow] = rate
        # with back-end sites, transport is paid on the site -> market leg only
        front_leg = ctx.two_tier and not back
        data.transport_cost[flow] = 0.0 if front_leg else ctx.transport.cost(supplier.id, market)
    if not flows:
        return []
    bound = _bound(sum(data.flow_bound[f] for f in flows), offer_cap_bound, supplier_cap_bound)
    if supplier.min_order > bound and not elastic:
        for flow in flows:
            for table in (data.flow_bound, data.unit_cost, data.tariff_cost, data.transport_cost):
                del table[flow]
            data.tariff_rate.pop(flow, None)
        return []
    key = (supplier.id, offer.product, period)
    data.offer_periods.append(key)
    data.offer_bound[key] = bound
    data.offer_flows[key] = flows
    if elastic and offer_cap is not None:
        data.offer_limit[key] = offer_cap  # as if every expansion were built
    elif added and base is not None and base < bound:
        data.offer_growth[key] = (base, added)
    if supplier.min_order > 0:
        data.min_order[key] = supplier.min_order
    return flows


def _add_supplier(data: ModelData, ctx: _Context, supplier: Supplier, back: bool = False) -> None:
    """The flows, offers and capacities of one supplier (or back-end site: `back`)."""
    data.fixed_cost[supplier.id] = supplier.fixed_cost
    elastic = data.mode is Mode.ELASTIC
    used = False
    for period in data.periods:
        factor = data.factor_at(supplier.id, period)
        base = _scaled(lookup(supplier.capacity, period), factor)
        added = [] if base is None else ctx.growth.added(supplier.id, None, period, factor)
        supplier_cap = base if base is None else base + total(added)  # every expansion built
        if supplier_cap is not None and supplier_cap <= 0 and not elastic:
            continue
        period_flows: list[Flow] = []
        for offer in supplier.offers:
            period_flows += _add_offer(data, ctx, supplier, offer, period, supplier_cap, back)
        if not period_flows:
            continue
        used = True
        (data.back_flows if back else data.flows).extend(period_flows)
        reachable = sum(
            data.offer_bound[(supplier.id, o.product, period)]
            for o in supplier.offers
            if (supplier.id, o.product, period) in data.offer_bound
        )
        if elastic and supplier_cap is not None:
            data.supplier_capacity[(supplier.id, period)] = supplier_cap
            data.supplier_flows[(supplier.id, period)] = period_flows
        elif base is not None and base < reachable:
            data.supplier_capacity[(supplier.id, period)] = base
            data.supplier_flows[(supplier.id, period)] = period_flows
            if added:
                data.supplier_growth[(supplier.id, period)] = added
    if used:
        (data.sites if back else data.suppliers).append(supplier.id)


def build_data(
    instance: Instance,
    mode: Mode = Mode.PLAN,
    *,
    capacity_factor: Mapping[str, float] | None = None,
    disruption: Disruption | None = None,
    suppliers: frozenset[str] | None = None,
) -> ModelData:
    """Derive the sparse index sets and parameter tables of `instance` for `mode`.

    - `Mode.PLAN`: the nominal plan, with the buyer's caps, floors and diversity rules.
    - `Mode.DISRUPTION`: a disruption's stage. Capacities and unit costs are multiplied as
      `disruption` says, in its periods (`capacity_factor` alone: a whole-horizon disruption of
      capacity), every demand may go unmet (at the product's penalty), and caps, floors and
      diversity rules are left out (they bind the nominal plan only).
    - `Mode.ELASTIC`: the infeasibility diagnosis. Capacities are kept as rows (not folded
      into bounds), banned flows are built and marked in `banned`, and every demand cell may
      go unmet, so that each of these can be relaxed and priced.

    `suppliers` limits the tables to those suppliers (e.g. a plan's contracts).
    """
    with PauseGC():  # the cycle collector would walk the growing tables again and again
        if disruption is None:
            disruption = Disruption(capacity_factor=capacity_factor or {})
        return _build_data(instance, mode, disruption, suppliers)


def _build_data(
    instance: Instance,
    mode: Mode,
    disruption: Disruption,
    suppliers: frozenset[str] | None,
) -> ModelData:
    data = ModelData(
        instance=instance,
        periods=list(instance.periods),
        mode=mode,
        factor=supplier_factors(instance, disruption.capacity_factor),
        price=supplier_factors(instance, disruption.price_factor),
        disrupted=disruption.disrupted,
        anticipated=disruption.anticipated,
    )
    members = group_members(instance)
    products = {p.id: p for p in instance.products}
    market_ids = [m.id for m in instance.markets]
    data.demand = {k: v for k, v in demand_table(instance).items() if v > 0}
    future = _future_demand(instance, data.demand)
    links = LinkKeys(instance, members)
    front_reach, back_reach = tier_reach(instance, _reachable(future, market_ids))
    ctx = _Context(
        reachable=front_reach,
        back_reachable=back_reach,
        two_tier=bool(instance.backend),
        transport=TransportCosts(instance, links),
        tariffs=TariffRates(instance, links),
        bans=ban_index(instance.policies.bans, members, frozenset(s.id for s in instance.backend)),
        growth=Growth(instance),
    )
    data.capex = {e.id: e.capex for e in instance.expansions}
    for supplier in instance.suppliers:
        if suppliers is None or supplier.id in suppliers:
            _add_supplier(data, ctx, supplier)
    for site in instance.backend:
        if suppliers is None or site.id in suppliers:
            _add_supplier(data, ctx, site, back=True)

    for flow in data.flows:
        supplier_id, product_id, market_id, period = flow
        data.cell_flows.setdefault((product_id, market_id, period), []).append(flow)
        data.product_supplier_flows.setdefault((product_id, supplier_id), []).append(flow)
    for flow in data.back_flows:
        data.back_cell_flows.setdefault(flow[1:], []).append(flow)
    add_tariff_paths(data)

    served = {(p, m) for p, m, _ in future}
    for product_id, product in products.items():
        for market in market_ids:
            if (product_id, market) not in served:
                continue
            for index, period in enumerate(data.periods):
                cell = (product_id, market, period)
                data.cells.append(cell)
                demand = data.demand.get(cell, 0.0)
                if (product.shortage_penalty is not None or mode is not Mode.PLAN) and demand > 0:
                    data.unmet_bound[cell] = demand
                    data.shortage_penalty[cell] = product.shortage_penalty or 0.0
                later = (
                    future.get((product_id, market, data.periods[index + 1]), 0.0)
                    if (index + 1 < len(data.periods))
                    else 0.0
                )
                if product.holding_cost is not None and later > 0:
                    data.stock_bound[cell] = later
                    data.holding_cost[cell] = product.holding_cost

    data.product_demand = dict.fromkeys(products, 0.0)
    for (product_id, _, _), quantity in data.demand.items():
        data.product_demand[product_id] += quantity
    if mode is Mode.DISRUPTION:
        return data
    policies = instance.policies
    tiers = {"front": data.cell_flows, "back": data.back_cell_flows}
    data.caps = [
        row
        for row in share_rows(policies.caps, "max_share", instance, tiers, members)
        if row.share < 1 and row.group_flows
    ]
    data.floors = [
        row
        for row in share_rows(policies.floors, "min_share", instance, tiers, members)
        if row.share > 0
    ]
    data.max_supplier_share = policies.max_supplier_share
    data.min_suppliers = policies.min_suppliers
    data.min_supplier_share = policies.min_supplier_share
    return data
