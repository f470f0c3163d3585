"""Independent feasibility and cost checker for a `Plan`, working from the `Instance` alone.

Nothing here uses the optimisation model: every rule of the instance (SPEC sections 1-2) is
re-derived from the validated data, so a bug in the model shows up as a violation here.

Tolerances: quantities are compared with `tol * max(1, quantity scale)`, where the scale is the
largest demand, capacity or minimum order in the instance (solvers leave ~1e-7 feasibility error);
the objective is compared with `tol * max(1, |total|) + tol`.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sourcing.errors import CheckError
from sourcing.instance.fields import lookup
from sourcing.instance.schema import (
    NOMINAL,
    Ban,
    Cap,
    Floor,
    Instance,
    Offer,
    Period,
    Product,
    Supplier,
    Tariff,
    Transport,
    group_members,
    period_key,
)
from sourcing.plan import CellKey, FlowKey, Plan, StagePlan

COST_KEYS = (
    "fixed",
    "purchase",
    "tariff",
    "transport",
    "holding",
    "shortage",
    "risk",
    "total",
)
VARIABLE_KEYS = ("purchase", "tariff", "transport", "holding", "shortage")


def _fmt(value: float) -> str:
    """A number as short readable text (`30`, `0.3`, `1.5e-05`)."""
    return f"{value:.6g}"


@dataclass(frozen=True)
class _Cleaned:
    """The plan's quantities under known keys, with periods as the instance's labels."""

    flows: dict[FlowKey, float]
    unmet: dict[CellKey, float]
    problems: list[str]


class _Data:
    """Lookups over one instance that every check shares."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.periods: list[Period] = list(instance.periods)
        self.label = {period_key(p): p for p in self.periods}
        self.products: dict[str, Product] = {p.id: p for p in instance.products}
        self.markets: list[str] = [m.id for m in instance.markets]
        self.market_ids = frozenset(self.markets)
        self.suppliers: dict[str, Supplier] = {s.id: s for s in instance.suppliers}
        self.offers: dict[tuple[str, str], Offer] = {
            (s.id, o.product): o for s in instance.suppliers for o in s.offers
        }
        self.demand = _demand(instance)
        self.market_region = {m.id: m.region for m in instance.markets}
        self.bloc_regions = _bloc_regions(instance)
        self._members = group_members(instance)
        self._bans: dict[str, list[Ban]] = defaultdict(list)
        for ban in instance.policies.bans:
            for supplier in self.members(ban.group):
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
        for bloc, regions in self.bloc_regions.items():
            for region in regions:
                self._blocs_of_region[region].append(bloc)
        self._transport: dict[tuple[str, str], float] = {}
        self._tariff: dict[tuple[str, str, str], float] = {}

    def members(self, group: str) -> frozenset[str]:
        """Supplier ids a region, bloc or supplier id stands for (blocs resolve nested)."""
        return self._members.get(group, frozenset())

    def bans_of(self, supplier: str) -> list[Ban]:
        """The bans whose group holds `supplier`, in the file's order."""
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
        """Cached `_transport_cost`."""
        key = (supplier, market)
        if key not in self._transport:
            self._transport[key] = _transport_cost(self, self.suppliers[supplier], market)
        return self._transport[key]

    def tariff(self, supplier: str, product: str, market: str) -> float:
        """Cached `_tariff_rate`."""
        key = (supplier, product, market)
        if key not in self._tariff:
            self._tariff[key] = _tariff_rate(self, self.suppliers[supplier], product, market)
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


def _demand(instance: Instance) -> dict[CellKey, float]:
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
    for supplier in instance.suppliers:
        scale.extend(_numbers(supplier.capacity))
        scale.append(supplier.min_order)
        for offer in supplier.offers:
            scale.extend(_numbers(offer.capacity))
    return tol * max(scale)


# --- reading the plan -------------------------------------------------------------------------


def _clean(data: _Data, plan: Plan, atol: float) -> _Cleaned:
    """Keep the quantities whose keys are known; report the others and bad numbers."""
    problems: list[str] = []
    flows: dict[FlowKey, float] = defaultdict(float)
    for (supplier, product, market, period), qty in plan.flows.items():
        what = f"flow {supplier} -> {market} of {product} in period {period}"
        unknown = _unknown_names(data, product, market, period)
        if supplier not in data.suppliers:
            unknown.insert(0, f"supplier {supplier!r}")
        label = data.period(period)
        if _accept(what, qty, unknown, atol, problems) and label is not None:
            flows[(supplier, product, market, label)] += float(qty)
    unmet: dict[CellKey, float] = defaultdict(float)
    for (product, market, period), qty in plan.unmet.items():
        what = f"unmet demand of {product} in {market}, period {period}"
        unknown = _unknown_names(data, product, market, period)
        label = data.period(period)
        if _accept(what, qty, unknown, atol, problems) and label is not None:
            unmet[(product, market, label)] += float(qty)
    return _Cleaned(dict(flows), dict(unmet), problems)


def _accept(what: str, qty: float, unknown: list[str], atol: float, problems: list[str]) -> bool:
    """Report unknown names and bad quantities; True if the quantity can be used."""
    if unknown:
        problems.append(f"{what} names an unknown {', '.join(unknown)}")
        return False
    if isinstance(qty, bool) or not isinstance(qty, int | float) or not math.isfinite(qty):
        problems.append(f"{what} has quantity {qty!r}, not a finite number")
        return False
    if qty < -atol:
        problems.append(f"{what} has negative quantity {_fmt(qty)}")
    return True


def _unknown_names(data: _Data, product: str, market: str, period: Period) -> list[str]:
    """Which of a product, market and period the instance does not know."""
    found = []
    if product not in data.products:
        found.append(f"product {product!r}")
    if market not in data.market_ids:
        found.append(f"market {market!r}")
    if data.period(period) is None:
        found.append(f"period {period!r}")
    return found


def _delivered(flows: dict[FlowKey, float]) -> dict[CellKey, float]:
    """Total delivered per (product, market, period)."""
    result: dict[CellKey, float] = defaultdict(float)
    for (_, product, market, period), qty in flows.items():
        result[(product, market, period)] += qty
    return result


def _stock(data: _Data, cleaned: _Cleaned) -> dict[CellKey, float]:
    delivered = _delivered(cleaned.flows)
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
    data = _Data(instance)
    return _stock(data, _clean(data, plan, quantity_tolerance(instance)))


# --- costs ------------------------------------------------------------------------------------


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


def _to_rank(data: _Data, to: str | None, market: str) -> int | None:
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


def _from_rank(data: _Data, source: str, supplier: Supplier) -> int | None:
    """How specifically `source` names `supplier`: 0 its id, 1 its region, 2 a bloc; or None."""
    if source == supplier.id:
        return 0
    if source == supplier.region:
        return 1
    if supplier.id in data.members(source):
        return 2
    return None


def _transport_cost(data: _Data, supplier: Supplier, market: str) -> float:
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


def _tariff_rate(data: _Data, supplier: Supplier, product: str, market: str) -> float:
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


def transport_cost(instance: Instance, supplier: str, market: str) -> float:
    """Transport cost per unit from `supplier` to `market` (most specific entry; 0 if none)."""
    return _Data(instance).transport(supplier, market)


def tariff_rate(instance: Instance, supplier: str, product: str, market: str) -> float:
    """Tariff rate on the unit cost of `product` from `supplier` to `market` (rates add up)."""
    return _Data(instance).tariff(supplier, product, market)


def _costs(data: _Data, plan: Plan, cleaned: _Cleaned) -> dict[str, float]:
    costs = dict.fromkeys(COST_KEYS, 0.0)
    costs["fixed"] = sum(
        data.suppliers[s].fixed_cost for s in plan.contracts if s in data.suppliers
    )
    for (supplier, product, market, period), qty in cleaned.flows.items():
        price = data.unit_cost(supplier, product, period)
        if price is None:
            continue
        costs["purchase"] += qty * price
        costs["tariff"] += qty * price * data.tariff(supplier, product, market)
        costs["transport"] += qty * data.transport(supplier, market)
    for (product, _, _), level in _stock(data, cleaned).items():
        holding = data.products[product].holding_cost
        if holding is not None:
            costs["holding"] += holding * level
    for (product, _, _), qty in cleaned.unmet.items():
        penalty = data.products[product].shortage_penalty
        if penalty is not None:
            costs["shortage"] += penalty * qty
    costs["total"] = sum(costs[key] for key in COST_KEYS if key != "total")
    return costs


def plan_costs(instance: Instance, plan: Plan) -> dict[str, float]:
    """Cost breakdown of a plan in money units: fixed, then purchase, tariff, transport,
    holding and shortage (expected over the nominal and disruption scenarios), risk (the CVaR
    weight times the CVaR of the scenario costs) and their total, which is the objective.
    Quantities under unknown keys or not on offer cost nothing here (`check_plan` reports them).
    """
    return _expected(instance, plan)[0]


# --- scenarios --------------------------------------------------------------------------------


def stage_definitions(instance: Instance) -> list[tuple[str, float, dict[str, float]]]:
    """Disruption stages as (id, probability, capacity factors): the instance's scenarios, then
    under `resilience` one full outage per region, with probability zero."""
    stages = [(s.id, s.probability, dict(s.capacity_factor)) for s in instance.scenarios]
    if instance.resilience is not None:
        stages += [(f"outage:{r.id}", 0.0, {r.id: 0.0}) for r in instance.regions]
    return stages


def _scale(
    value: float | dict[str, float] | None, factor: float
) -> float | dict[str, float] | None:
    """A capacity times a factor. A factor of 0 leaves nothing, whatever the capacity (an
    unlimited one, or a map lacking a period); otherwise unlimited stays unlimited."""
    if factor == 0:
        return 0.0
    if value is None:
        return None
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    return value * factor


def _stage_instance(instance: Instance, factors: dict[str, float]) -> Instance:
    """The instance as one disruption sees it: capacities scaled, only bans as policies."""
    suppliers = []
    members = group_members(instance)
    for supplier in instance.suppliers:
        factor = math.prod(
            value for key, value in factors.items() if supplier.id in members.get(key, ())
        )
        offers = [
            offer.model_copy(update={"capacity": _scale(offer.capacity, factor)})
            for offer in supplier.offers
        ]
        suppliers.append(
            supplier.model_copy(
                update={"capacity": _scale(supplier.capacity, factor), "offers": offers}
            )
        )
    policies = instance.policies.model_copy(
        update={
            "caps": [],
            "floors": [],
            "max_supplier_share": None,
            "min_suppliers": None,
        }
    )
    return instance.model_copy(
        update={"suppliers": suppliers, "policies": policies, "scenarios": [], "resilience": None}
    )


def cvar(costs: list[tuple[float, float]], level: float) -> float:
    """CVaR at `level` of a discrete distribution given as (probability, cost) pairs.

    Rockafellar-Uryasev: min over eta of eta + E[max(0, L - eta)] / (1 - level); the minimum
    is reached at one of the costs, so those are the only candidates.
    """
    candidates = [c for p, c in costs if p > 0] or [c for _, c in costs]
    return min(
        eta + sum(p * max(0.0, c - eta) for p, c in costs) / (1 - level) for eta in candidates
    )


def _expected(instance: Instance, plan: Plan) -> tuple[dict[str, float], dict[str, float]]:
    """Expected cost breakdown (with risk and total) and the variable cost L of every stage."""
    data = _Data(instance)
    atol = quantity_tolerance(instance)
    nominal = _costs(data, plan, _clean(data, plan, atol))
    stages = stage_definitions(instance)
    weights = {NOMINAL: 1.0 - sum(p for _, p, _ in stages)}
    breakdowns = {NOMINAL: nominal}
    for stage_id, probability, factors in stages:
        stage_plan = plan.scenarios.get(stage_id, StagePlan())
        stage_data = _Data(_stage_instance(instance, factors))
        sub = Plan(contracts=plan.contracts, flows=stage_plan.flows, unmet=stage_plan.unmet)
        breakdowns[stage_id] = _costs(stage_data, sub, _clean(stage_data, sub, atol))
        weights[stage_id] = probability
    variable = {k: b["total"] - b["fixed"] for k, b in breakdowns.items()}
    expected = dict.fromkeys(COST_KEYS, 0.0)
    expected["fixed"] = nominal["fixed"]
    for key in VARIABLE_KEYS:
        expected[key] = sum(weights[k] * b[key] for k, b in breakdowns.items())
    risk = instance.risk
    if risk is not None and risk.weight > 0:
        pairs = [(weights[k], variable[k]) for k in variable]
        expected["risk"] = risk.weight * cvar(pairs, risk.cvar_level)
    expected["total"] = sum(expected[key] for key in COST_KEYS if key != "total")
    return expected, variable


def stage_costs(instance: Instance, plan: Plan) -> dict[str, float]:
    """Variable cost L of the nominal stage and of every disruption stage, by id."""
    return _expected(instance, plan)[1]


def _stage_violations(instance: Instance, plan: Plan, atol: float) -> Iterator[str]:
    """Each disruption's recourse holds capacities, offers, bans, minimum orders and stock."""
    demand = sum(_demand(instance).values())
    for stage_id, _, factors in stage_definitions(instance):
        if stage_id not in plan.scenarios:
            yield f"scenario {stage_id}: the plan has no recourse for it"
            continue
        stage_plan = plan.scenarios[stage_id]
        data = _Data(_stage_instance(instance, factors))
        sub = Plan(contracts=plan.contracts, flows=stage_plan.flows, unmet=stage_plan.unmet)
        cleaned = _clean(data, sub, atol)
        rules = itertools.chain(
            cleaned.problems,
            _flow_rules(data, sub, cleaned, atol),
            _capacity_rules(data, cleaned, atol),
            _unmet_rules(data, cleaned, atol),
            _stock_rules(data, cleaned, atol),
        )
        yield from (f"scenario {stage_id}: {v}" for v in rules)
        if stage_id.startswith("outage:") and instance.resilience is not None:
            short = sum(cleaned.unmet.values())
            allowed = instance.resilience.max_outage_shortage * demand
            if short > allowed + atol:
                yield (
                    f"scenario {stage_id}: {_fmt(short)} of {_fmt(demand)} unmet, above the "
                    f"resilience limit of {_fmt(instance.resilience.max_outage_shortage)}"
                )


# --- checks -----------------------------------------------------------------------------------


def _ban_of(data: _Data, flow: FlowKey) -> str | None:
    """The id of the first ban (in the file's order) covering `flow`, None if none does."""
    supplier, product, market, period = flow
    for ban in data.bans_of(supplier):
        if (
            (ban.products is None or product in ban.products)
            and (ban.markets is None or market in ban.markets)
            and (ban.periods is None or period_key(period) in map(period_key, ban.periods))
        ):
            return ban.id
    return None


def _flow_rules(data: _Data, plan: Plan, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    """Offer, availability, contract and ban of every positive flow."""
    for key, qty in cleaned.flows.items():
        if qty <= atol:
            continue
        supplier, product, market, period = key
        what = f"flow {supplier} -> {market} of {product} in period {period} ({_fmt(qty)})"
        if (supplier, product) not in data.offers:
            yield f"{what}: {supplier} does not offer {product}"
        elif data.unit_cost(supplier, product, period) is None:
            yield f"{what}: the offer has no unit_cost in period {period}, so it is not available"
        if supplier not in plan.contracts:
            yield f"{what}: supplier {supplier} is not contracted"
        if (ban := _ban_of(data, key)) is not None:
            yield f"{what}: banned by ban {ban}"


def _capacity_rules(data: _Data, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    """Supplier capacity, offer capacity and minimum order, per period."""
    per_supplier: dict[tuple[str, Period], float] = defaultdict(float)
    per_offer: dict[tuple[str, str, Period], float] = defaultdict(float)
    for (supplier, product, _, period), qty in cleaned.flows.items():
        per_supplier[(supplier, period)] += qty
        per_offer[(supplier, product, period)] += qty
    for (supplier, period), qty in per_supplier.items():
        limit = lookup(data.suppliers[supplier].capacity, period)
        if limit is not None and qty > limit + atol:
            yield (
                f"supplier {supplier} delivers {_fmt(qty)} in period {period}, "
                f"above its capacity {_fmt(limit)}"
            )
    for (supplier, product, period), qty in per_offer.items():
        offer = data.offers.get((supplier, product))
        limit = None if offer is None else lookup(offer.capacity, period)
        if limit is not None and qty > limit + atol:
            yield (
                f"supplier {supplier} delivers {_fmt(qty)} of {product} in period {period}, "
                f"above the offer's capacity {_fmt(limit)}"
            )
        min_order = data.suppliers[supplier].min_order
        if qty > atol and qty < min_order - atol:
            yield (
                f"supplier {supplier} delivers {_fmt(qty)} of {product} in period {period}, "
                f"below its min_order {_fmt(min_order)}"
            )


def _unmet_rules(data: _Data, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    for (product, market, period), qty in cleaned.unmet.items():
        where = f"of {product} in {market}, period {period}"
        demand = data.demand.get((product, market, period), 0.0)
        if qty > demand + atol:
            yield f"unmet demand {_fmt(qty)} {where} exceeds the demand {_fmt(demand)}"
        if qty > atol and data.products[product].shortage_penalty is None:
            yield (
                f"unmet demand {_fmt(qty)} {where}, but {product} has no shortage_penalty "
                "so its demand must be met"
            )


def _stock_rules(data: _Data, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    """Balance: no negative stock, none left at the end, none for products without holding."""
    stock = _stock(data, cleaned)
    delivered = _delivered(cleaned.flows)
    last = data.periods[-1]
    for product, info in data.products.items():
        for market in data.markets:
            if info.holding_cost is None:
                yield from _no_stock_rule(data, cleaned, delivered, product, market, atol)
                continue
            for period in data.periods:
                level = stock[(product, market, period)]
                if level < -atol:
                    yield (
                        f"stock of {product} in {market} is negative ({_fmt(level)}) at the end "
                        f"of period {period}: demand is neither delivered nor left unmet"
                    )
            final = stock[(product, market, last)]
            if final > atol:
                yield (
                    f"stock of {product} in {market} is {_fmt(final)} after the last period "
                    f"{last}; it must be 0"
                )


def _no_stock_rule(
    data: _Data,
    cleaned: _Cleaned,
    delivered: dict[CellKey, float],
    product: str,
    market: str,
    atol: float,
) -> Iterator[str]:
    """A product without holding_cost: delivered + unmet == demand in every period."""
    for period in data.periods:
        cell = (product, market, period)
        got, short = delivered.get(cell, 0.0), cleaned.unmet.get(cell, 0.0)
        demand = data.demand.get(cell, 0.0)
        if abs(got + short - demand) > atol:
            yield (
                f"balance of {product} in {market}, period {period}: delivered {_fmt(got)} + "
                f"unmet {_fmt(short)} != demand {_fmt(demand)} ({product} has no holding_cost, "
                "so it holds no stock)"
            )


def _share_text(part: float, total: float) -> str:
    return _fmt(part / total) if total > 0 else "n/a"


def _group_delivered(cleaned: _Cleaned, members: frozenset[str]) -> dict[CellKey, float]:
    """Delivered per (product, market, period) by the suppliers in `members`."""
    result: dict[CellKey, float] = defaultdict(float)
    for (supplier, product, market, period), qty in cleaned.flows.items():
        if supplier in members:
            result[(product, market, period)] += qty
    return result


def _share_rules(data: _Data, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    """Caps and floors: a group's share of the delivered quantity, per covered cell or pooled."""
    delivered = _delivered(cleaned.flows)
    policies = data.instance.policies
    scopes: list[tuple[str, Cap | Floor, float]] = [("cap", c, c.max_share) for c in policies.caps]
    scopes += [("floor", f, f.min_share) for f in policies.floors]
    for kind, policy, share in scopes:
        by_group = _group_delivered(cleaned, data.members(policy.group))
        products = policy.products if policy.products is not None else list(data.products)
        markets = policy.markets if policy.markets is not None else data.markets
        blocks = [products] if policy.pooled else [[p] for p in products]
        for block, market, period in itertools.product(
            blocks, markets, data.covered_periods(policy.periods)
        ):
            total = sum(delivered.get((p, market, period), 0.0) for p in block)
            part = sum(by_group.get((p, market, period), 0.0) for p in block)
            if kind == "cap" and part > share * total + atol:
                sign = ">"
            elif kind == "floor" and part < share * total - atol:
                sign = "<"
            else:
                continue
            label = ", ".join(block) + (" (pooled)" if policy.pooled else "")
            yield (
                f"{kind} {policy.id}: group {policy.group} delivers {_fmt(part)} of {_fmt(total)} "
                f"(share {_share_text(part, total)} {sign} {_fmt(share)}) of {label} to {market} "
                f"in period {period}"
            )


def _max_supplier_share_rule(data: _Data, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    share = data.instance.policies.max_supplier_share
    if share is None:
        return
    delivered = _delivered(cleaned.flows)
    for (supplier, product, market, period), qty in cleaned.flows.items():
        total = delivered[(product, market, period)]
        if qty > share * total + atol:
            yield (
                f"max_supplier_share: supplier {supplier} delivers {_fmt(qty)} of "
                f"{_fmt(total)} (share {_share_text(qty, total)} > {_fmt(share)}) of {product} "
                f"to {market} in period {period}"
            )


def _min_suppliers_rule(data: _Data, plan: Plan, cleaned: _Cleaned, atol: float) -> Iterator[str]:
    """At least k contracted suppliers per demanded product deliver >= min_supplier_share of it."""
    policies = data.instance.policies
    needed = policies.min_suppliers
    if needed is None:
        return
    demanded: dict[str, float] = defaultdict(float)
    for (product, _, _), qty in data.demand.items():
        demanded[product] += qty
    by_supplier: dict[tuple[str, str], float] = defaultdict(float)
    for (supplier, product, _, _), qty in cleaned.flows.items():
        by_supplier[(supplier, product)] += qty
    for product in data.products:
        if demanded[product] <= 0:
            continue
        total = sum(q for (_, p), q in by_supplier.items() if p == product)
        threshold = policies.min_supplier_share * total - atol
        counting = sorted(
            s
            for s in data.suppliers
            if s in plan.contracts
            and (s, product) in data.offers
            and by_supplier.get((s, product), 0.0) >= threshold
        )
        if len(counting) < needed:
            names = ", ".join(counting) or "none"
            yield (
                f"min_suppliers: product {product} has {len(counting)} supplier(s) that count "
                f"({names}), needs {needed}; a supplier counts if contracted and it delivers at "
                f"least {_fmt(policies.min_supplier_share)} of the {_fmt(total)} delivered over "
                "the horizon"
            )


def _objective_rule(plan: Plan, costs: dict[str, float], tol: float) -> Iterator[str]:
    total = costs["total"]
    if (
        not math.isfinite(plan.objective)
        or abs(plan.objective - total) > tol * max(1.0, abs(total)) + tol
    ):
        yield (
            f"objective {plan.objective!r} reported for the plan differs from its recomputed "
            f"total cost {total!r}"
        )


def check_plan(instance: Instance, plan: Plan, tol: float = 1e-6) -> list[str]:
    """Every way `plan` breaks `instance` (or misreports its cost), as readable sentences.

    An empty list means the plan is feasible and its objective equals its recomputed cost.
    """
    data = _Data(instance)
    atol = quantity_tolerance(instance, tol)
    cleaned = _clean(data, plan, atol)
    violations = list(cleaned.problems)
    unknown = sorted(s for s in plan.contracts if s not in data.suppliers)
    violations += [f"contract with unknown supplier {s!r}" for s in unknown]
    groups: Iterable[Iterator[str]] = (
        _flow_rules(data, plan, cleaned, atol),
        _capacity_rules(data, cleaned, atol),
        _unmet_rules(data, cleaned, atol),
        _stock_rules(data, cleaned, atol),
        _share_rules(data, cleaned, atol),
        _max_supplier_share_rule(data, cleaned, atol),
        _min_suppliers_rule(data, plan, cleaned, atol),
        _stage_violations(instance, plan, atol),
        _objective_rule(plan, _expected(instance, plan)[0], tol),
    )
    for group in groups:
        violations.extend(group)
    return violations


def assert_plan_ok(instance: Instance, plan: Plan, tol: float = 1e-6) -> None:
    """Raise `CheckError` listing every violation if `plan` fails `check_plan`."""
    violations = check_plan(instance, plan, tol)
    if violations:
        raise CheckError(violations)
