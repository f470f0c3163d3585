"""The instance indexed for the checker (`CheckData`), and a plan's quantities cleaned of
solver noise (`Cleaned`), with the tolerance they are compared with."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from sourcing.instance.fields import lookup, period_key
from sourcing.instance.schema import (
    Ban,
    Instance,
    Offer,
    Period,
    Product,
    Supplier,
    Tariff,
    Transport,
    group_members,
)
from sourcing.plan import CellKey, FlowKey, PathKey, Plan


def fmt(value: float) -> str:
    """A number as short readable text (`30`, `0.3`, `1.5e-05`)."""
    return f"{value:.6g}"


@dataclass(frozen=True)
class Cleaned:
    """The plan's quantities under known keys, with periods as the instance's labels."""

    flows: dict[FlowKey, float]
    unmet: dict[CellKey, float]
    problems: list[str]
    back_flows: dict[FlowKey, float] = field(default_factory=dict)  # by back-end site
    paths: dict[PathKey, float] = field(default_factory=dict)


class CheckData:
    """Lookups over one instance that every check shares."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.periods: list[Period] = list(instance.periods)
        self.label = {period_key(p): p for p in self.periods}
        self.products: dict[str, Product] = {p.id: p for p in instance.products}
        self.markets: list[str] = [m.id for m in instance.markets]
        self.market_ids = frozenset(self.markets)
        self.suppliers: dict[str, Supplier] = {s.id: s for s in instance.suppliers}
        self.sites: dict[str, Supplier] = {s.id: s for s in instance.backend}
        self.producers: dict[str, Supplier] = {**self.suppliers, **self.sites}
        self.offers: dict[tuple[str, str], Offer] = {
            (s.id, o.product): o for s in self.producers.values() for o in s.offers
        }
        self.demand = demand_of(instance)
        self.market_region = {m.id: m.region for m in instance.markets}
        self.bloc_regions = _bloc_regions(instance)
        self._members = group_members(instance)
        self._bans: dict[str, list[Ban]] = defaultdict(list)
        for ban in instance.policies.bans:
            for supplier in self.members(ban.group):
                if (supplier in self.sites) == (ban.stage == "back"):  # its tier only
                    self._bans[supplier].append(ban)
        # Transport and tariff entries by the keys they name their source and target by.
        self._links: dict[tuple[str, str | None], list[tuple[int, Any]]] = defaultdict(list)
        for index, entry in enumerate([*instance.transport, *instance.tariffs]):
            self._links[(entry.from_, entry.to)].append((index, entry))
        self._blocs_of: dict[str, list[str]] = defaultdict(list)
        for bloc in instance.blocs:
            for supplier in self.members(bloc.id):
                self._blocs_of[supplier].append(bloc.id)
        self._pair_links: dict[tuple[str, str, type], list[Any]] = {}
        self._blocs_of_region: dict[str, list[str]] = defaultdict(list)
        for bloc_id, regions in self.bloc_regions.items():
            for region in regions:
                self._blocs_of_region[region].append(bloc_id)
        self._transport: dict[tuple[str, str], float] = {}
        self._tariff: dict[tuple[str, str, str], float] = {}

    def members(self, group: str) -> frozenset[str]:
        """Supplier and site ids a region, bloc, supplier or site id stands for (blocs
        resolve nested)."""
        return self._members.get(group, frozenset())

    def bans_of(self, supplier: str) -> list[Ban]:
        """The bans whose group holds `supplier` (or site) in its tier, in the file's order."""
        return self._bans.get(supplier, [])

    def links(self, supplier: Supplier, market: str, kind: type) -> list[Any]:
        """The transport or tariff entries (`kind`) whose `from` and `to` may name `supplier`
        and `market`, in the file's order: only those can match the pair (cached)."""
        key = (supplier.id, market, kind)
        if key not in self._pair_links:
            self._pair_links[key] = self._find_links(supplier, market, kind)
        return self._pair_links[key]

    def _find_links(self, supplier: Supplier, market: str, kind: type) -> list[Any]:
        sources = [supplier.id, supplier.region, *self._blocs_of[supplier.id]]
        region = self.market_region[market]
        targets: list[str | None] = [market]
        if region is not None:
            targets += [region, *self._blocs_of_region[region]]
        targets.append(None)
        found = [
            item
            for source in dict.fromkeys(sources)
            for target in dict.fromkeys(targets)
            for item in self._links.get((source, target), [])
        ]
        return [
            entry for _, entry in sorted(found, key=lambda item: item[0]) if isinstance(entry, kind)
        ]

    def transport(self, supplier: str, market: str) -> float:
        """Cached `lane_transport_cost`."""
        key = (supplier, market)
        if key not in self._transport:
            self._transport[key] = lane_transport_cost(self, self.producers[supplier], market)
        return self._transport[key]

    def tariff(self, supplier: str, product: str, market: str) -> float:
        """Cached `lane_tariff_rate`."""
        key = (supplier, product, market)
        if key not in self._tariff:
            self._tariff[key] = lane_tariff_rate(self, self.producers[supplier], product, market)
        return self._tariff[key]

    def period(self, value: Period) -> Period | None:
        """The instance's label of a period given by any spelling, or None if unknown."""
        return self.label.get(period_key(value))

    def covered_periods(self, periods: list[Period] | None) -> list[Period]:
        """The labels a policy's `periods` list covers (None = all), in horizon order."""
        if periods is None:
            return list(self.periods)
        wanted = {period_key(p) for p in periods}
        return [p for p in self.periods if period_key(p) in wanted]

    def unit_cost(self, supplier: str, product: str, period: Period) -> float | None:
        """Unit cost of an offer in a period; None if not offered then."""
        offer = self.offers.get((supplier, product))
        return None if offer is None else lookup(offer.unit_cost, period)


def demand_of(instance: Instance) -> dict[CellKey, float]:
    """Demand per (product, market, period label); market None = the only market."""
    result: dict[CellKey, float] = {}
    only_market = instance.markets[0].id
    labels = {period_key(p): p for p in instance.periods}
    for entry in instance.demand:
        market = only_market if entry.market is None else entry.market
        periods = instance.periods if entry.period is None else [labels[period_key(entry.period)]]
        for period in periods:
            result[(entry.product, market, period)] = entry.quantity
    return result


def _numbers(value: float | dict[str, float] | None) -> Iterator[float]:
    if isinstance(value, dict):
        yield from value.values()
    elif value is not None:
        yield value


def quantity_tolerance(instance: Instance, tol: float = 1e-6) -> float:
    """Absolute tolerance on quantities: `tol * max(1, largest demand, capacity or min order)`."""
    scale = [1.0, *(d.quantity for d in instance.demand)]
    for supplier in [*instance.suppliers, *instance.backend]:
        scale.extend(_numbers(supplier.capacity))
        scale.append(supplier.min_order)
        for offer in supplier.offers:
            scale.extend(_numbers(offer.capacity))
    return tol * max(scale)


def clean(data: CheckData, plan: Plan, atol: float) -> Cleaned:
    """Keep the quantities whose keys are known; report the others and bad numbers."""
    problems: list[str] = []

    def keep(entries: Mapping[Any, float], name: str, owners: list[tuple[str, Any]]) -> dict:
        """`entries` keyed by (owner ids..., product, market, period), summed under the
        instance's period labels; `owners` name the kind and known ids of each owner."""
        kept: dict[Any, float] = defaultdict(float)
        for key, qty in entries.items():
            *ids, product, market, period = key
            where = " -> ".join([*ids, market]) if ids else f"in {market},"
            what = f"{name} {where} of {product} in period {period}"
            if not ids:
                what = f"{name} of {product} in {market}, period {period}"
            unknown = _unknown_names(data, product, market, period)
            unknown[:0] = [
                f"{noun} {ident!r}"
                for ident, (noun, known) in zip(ids, owners, strict=True)
                if ident not in known
            ]
            label = data.period(period)
            if _accept(what, qty, unknown, atol, problems) and label is not None:
                kept[(*ids, product, market, label)] += float(qty)
        return dict(kept)

    supplier, site = ("supplier", data.suppliers), ("back-end site", data.sites)
    flows = keep(plan.flows, "flow", [supplier])
    unmet = keep(plan.unmet, "unmet demand", [])
    back = keep(plan.back_flows, "back-end flow", [site])
    paths = keep(plan.paths, "path", [supplier, site])
    return Cleaned(flows, unmet, problems, back, paths)


def _accept(what: str, qty: float, unknown: list[str], atol: float, problems: list[str]) -> bool:
    """Report unknown names and bad quantities; True if the quantity can be used."""
    if unknown:
        problems.append(f"{what} names an unknown {', '.join(unknown)}")
        return False
    if isinstance(qty, bool) or not isinstance(qty, int | float) or not math.isfinite(qty):
        problems.append(f"{what} has quantity {qty!r}, not a finite number")
        return False
    if qty < -atol:
        problems.append(f"{what} has negative quantity {fmt(qty)}")
    return True


def _unknown_names(data: CheckData, product: str, market: str, period: Period) -> list[str]:
    """Which of a product, market and period the instance does not know."""
    found = []
    if product not in data.products:
        found.append(f"product {product!r}")
    if market not in data.market_ids:
        found.append(f"market {market!r}")
    if data.period(period) is None:
        found.append(f"period {period!r}")
    return found


def delivered_by_cell(flows: dict[FlowKey, float]) -> dict[CellKey, float]:
    """Total delivered per (product, market, period)."""
    result: dict[CellKey, float] = defaultdict(float)
    for (_, product, market, period), qty in flows.items():
        result[(product, market, period)] += qty
    return result


def stock_of(data: CheckData, cleaned: Cleaned) -> dict[CellKey, float]:
    delivered = delivered_by_cell(cleaned.flows)
    stock: dict[CellKey, float] = {}
    for product in data.products:
        for market in data.markets:
            level = 0.0
            for period in data.periods:
                cell = (product, market, period)
                level += delivered.get(cell, 0.0) + cleaned.unmet.get(cell, 0.0)
                level -= data.demand.get(cell, 0.0)
                stock[cell] = level
    return stock


def plan_stock(instance: Instance, plan: Plan) -> dict[CellKey, float]:
    """End-of-period stock per (product, market, period) from the balance, starting at zero.

    stock(t) = stock(t-1) + delivered(t) + unmet(t) - demand(t); flows or unmet under unknown
    keys are ignored.
    """
    return plan_stocks(instance, {None: plan})[None]


def plan_stocks(instance: Instance, plans: Mapping[Any, Plan]) -> dict[Any, dict[CellKey, float]]:
    """`plan_stock` of several plans of one instance (the stages of a plan, say), with the
    instance's tables built once."""
    data = CheckData(instance)
    atol = quantity_tolerance(instance)
    return {key: stock_of(data, clean(data, plan, atol)) for key, plan in plans.items()}


def _bloc_regions(instance: Instance) -> dict[str, frozenset[str]]:
    """Region ids each bloc contains, nested blocs resolved (supplier members are skipped)."""
    regions = {r.id for r in instance.regions}
    blocs = {b.id: b for b in instance.blocs}

    def resolve(bloc_id: str, trail: tuple[str, ...]) -> frozenset[str]:
        found: set[str] = set()
        for member in blocs[bloc_id].members:
            if member in regions:
                found.add(member)
            elif member in blocs and member not in trail:
                found |= resolve(member, (*trail, bloc_id))
        return frozenset(found)

    return {bloc_id: resolve(bloc_id, (bloc_id,)) for bloc_id in blocs}


def _to_rank(data: CheckData, to: str | None, market: str) -> int | None:
    """How specifically `to` names `market`: 0 market id, 1 its region, 2 a bloc, 3 all; or None."""
    if to is None:
        return 3
    if to == market:
        return 0
    region = data.market_region[market]
    if region is None:
        return None
    if to == region:
        return 1
    if region in data.bloc_regions.get(to, frozenset()):
        return 2
    return None


def _from_rank(data: CheckData, source: str, supplier: Supplier) -> int | None:
    """How specifically `source` names `supplier`: 0 its id, 1 its region, 2 a bloc; or None."""
    if source == supplier.id:
        return 0
    if source == supplier.region:
        return 1
    if supplier.id in data.members(source):
        return 2
    return None


def lane_transport_cost(data: CheckData, supplier: Supplier, market: str) -> float:
    """Cost per unit from the most specific matching transport entry, 0 if none matches.

    Ranked by from-specificity (supplier > region > bloc), then to-specificity
    (market id > region > bloc > all markets), then the order of the entries in the file.
    """
    best: tuple[int, int, int] | None = None
    cost = 0.0
    for index, entry in enumerate(data.links(supplier, market, Transport)):
        source = _from_rank(data, entry.from_, supplier)
        target = _to_rank(data, entry.to, market)
        if source is None or target is None:
            continue
        rank = (source, target, index)
        if best is None or rank < best:
            best, cost = rank, entry.cost
    return cost


def lane_tariff_rate(data: CheckData, supplier: Supplier, product: str, market: str) -> float:
    """Sum of the rates of every tariff entry matching (supplier, product, market)."""
    rate = 0.0
    for entry in data.links(supplier, market, Tariff):
        if entry.products is not None and product not in entry.products:
            continue
        if _from_rank(data, entry.from_, supplier) is None:
            continue
        if _to_rank(data, entry.to, market) is None:
            continue
        rate += entry.rate
    return rate
