"""The rules of the instance, each checked against a plan: flows, capacities (with those of the
built expansions), unmet demand, stock, shares, diversity, builds and subsidies, the disruption
stages and the objective."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sourcing.check.costs import expected_costs
from sourcing.check.investment import as_built, investment_violations
from sourcing.check.paths import path_violations, stage_plan_of
from sourcing.check.stages import (
    anticipation_violations,
    outage_violations,
    stage_data,
    stage_definitions,
)
from sourcing.check.tables import (
    CheckData,
    Cleaned,
    clean,
    delivered_by_cell,
    fmt,
    quantity_tolerance,
    stock_of,
)
from sourcing.errors import CheckError
from sourcing.instance.fields import lookup, period_key
from sourcing.instance.schema import Cap, Floor, Instance, Period
from sourcing.plan import CellKey, FlowKey, Plan


def _stage_violations(
    instance: Instance, plan: Plan, nominal: Cleaned, atol: float
) -> Iterator[str]:
    """Each disruption's recourse holds capacities, offers, bans, minimum orders and stock;
    a scenario follows the nominal plan before it starts; an outage meets the resilience limit."""
    for stage in stage_definitions(instance):
        if stage.id not in plan.scenarios:
            yield f"scenario {stage.id}: the plan has no recourse for it"
            continue
        data = stage_data(instance, stage)
        sub = stage_plan_of(plan, stage.id)
        cleaned = clean(data, sub, atol)
        outage = stage.outage is not None
        rules = itertools.chain(
            cleaned.problems,
            _flow_rules(data, sub, cleaned, atol),
            _capacity_rules(data, cleaned, atol),
            _tier_rules(data, sub, cleaned, atol),
            _unmet_rules(data, cleaned, atol, penalty_needed=not outage),
            _stock_rules(data, cleaned, atol),
            anticipation_violations(stage, nominal, cleaned, atol),
            outage_violations(instance, data, cleaned, atol) if outage else (),
        )
        yield from (f"scenario {stage.id}: {v}" for v in rules)


def _tier_rules(data: CheckData, plan: Plan, cleaned: Cleaned, atol: float) -> Iterator[str]:
    """With back-end sites: their flows obey offers, contracts, bans and capacities, and
    the plan's paths add up to each tier's flows (so every unit went through one site)."""
    if not data.sites:
        return
    yield from _flow_rules(data, plan, cleaned, atol, back=True)
    yield from _capacity_rules(data, cleaned, atol, back=True)
    yield from path_violations(cleaned, atol)


def _ban_of(data: CheckData, flow: FlowKey) -> str | None:
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


def _flow_rules(
    data: CheckData, plan: Plan, cleaned: Cleaned, atol: float, back: bool = False
) -> Iterator[str]:
    """Offer, availability, contract and ban of every positive flow (`back`: of every
    back-end site's flow)."""
    flows, noun = (cleaned.back_flows, "back-end site") if back else (cleaned.flows, "supplier")
    for key, qty in flows.items():
        if qty <= atol:
            continue
        supplier, product, market, period = key
        what = f"flow {supplier} -> {market} of {product} in period {period} ({fmt(qty)})"
        if back:
            what = f"back-end {what}"
        if (supplier, product) not in data.offers:
            yield f"{what}: {supplier} does not offer {product}"
        elif data.unit_cost(supplier, product, period) is None:
            yield f"{what}: the offer has no unit_cost in period {period}, so it is not available"
        if supplier not in plan.contracts:
            yield f"{what}: {noun} {supplier} is not contracted"
        if (ban := _ban_of(data, key)) is not None:
            yield f"{what}: banned by ban {ban}"


def _capacity_rules(
    data: CheckData, cleaned: Cleaned, atol: float, back: bool = False
) -> Iterator[str]:
    """Supplier capacity, offer capacity and minimum order, per period (`back`: the back-end
    sites')."""
    flows, noun = (cleaned.back_flows, "back-end site") if back else (cleaned.flows, "supplier")
    per_supplier: dict[tuple[str, Period], float] = defaultdict(float)
    per_offer: dict[tuple[str, str, Period], float] = defaultdict(float)
    for (supplier, product, _, period), qty in flows.items():
        per_supplier[(supplier, period)] += qty
        per_offer[(supplier, product, period)] += qty
    for (supplier, period), qty in per_supplier.items():
        limit = lookup(data.producers[supplier].capacity, period)
        if limit is not None and qty > limit + atol:
            yield (
                f"{noun} {supplier} delivers {fmt(qty)} in period {period}, "
                f"above its capacity {fmt(limit)}"
            )
    for (supplier, product, period), qty in per_offer.items():
        offer = data.offers.get((supplier, product))
        limit = None if offer is None else lookup(offer.capacity, period)
        if limit is not None and qty > limit + atol:
            yield (
                f"{noun} {supplier} delivers {fmt(qty)} of {product} in period {period}, "
                f"above the offer's capacity {fmt(limit)}"
            )
        min_order = data.producers[supplier].min_order
        if qty > atol and qty < min_order - atol:
            yield (
                f"{noun} {supplier} delivers {fmt(qty)} of {product} in period {period}, "
                f"below its min_order {fmt(min_order)}"
            )


def _unmet_rules(
    data: CheckData, cleaned: Cleaned, atol: float, penalty_needed: bool = True
) -> Iterator[str]:
    """Unmet demand within the demand, and only of products with a shortage penalty (outage
    stages may leave any product unmet)."""
    for (product, market, period), qty in cleaned.unmet.items():
        where = f"of {product} in {market}, period {period}"
        demand = data.demand.get((product, market, period), 0.0)
        if qty > demand + atol:
            yield f"unmet demand {fmt(qty)} {where} exceeds the demand {fmt(demand)}"
        if penalty_needed and qty > atol and data.products[product].shortage_penalty is None:
            yield (
                f"unmet demand {fmt(qty)} {where}, but {product} has no shortage_penalty "
                "so its demand must be met"
            )


def _stock_rules(data: CheckData, cleaned: Cleaned, atol: float) -> Iterator[str]:
    """Balance: no negative stock, none left at the end, none for products without holding."""
    stock = stock_of(data, cleaned)
    delivered = delivered_by_cell(cleaned.flows)
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
                        f"stock of {product} in {market} is negative ({fmt(level)}) at the end "
                        f"of period {period}: demand is neither delivered nor left unmet"
                    )
            final = stock[(product, market, last)]
            if final > atol:
                yield (
                    f"stock of {product} in {market} is {fmt(final)} after the last period "
                    f"{last}; it must be 0"
                )


def _no_stock_rule(
    data: CheckData,
    cleaned: Cleaned,
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
                f"balance of {product} in {market}, period {period}: delivered {fmt(got)} + "
                f"unmet {fmt(short)} != demand {fmt(demand)} ({product} has no holding_cost, "
                "so it holds no stock)"
            )


def _share_text(part: float, total: float) -> str:
    return fmt(part / total) if total > 0 else "n/a"


def _group_delivered(flows: dict[FlowKey, float], members: frozenset[str]) -> dict[CellKey, float]:
    """Delivered per (product, market, period) by the suppliers (or sites) in `members`."""
    result: dict[CellKey, float] = defaultdict(float)
    for (supplier, product, market, period), qty in flows.items():
        if supplier in members:
            result[(product, market, period)] += qty
    return result


def _share_rules(data: CheckData, cleaned: Cleaned, atol: float) -> Iterator[str]:
    """Caps and floors: a group's share of the delivered quantity (or, with `basis: value`, of
    its value: each unit weighs its product's `value`), per covered cell or pooled."""
    policies = data.instance.policies
    scopes: list[tuple[str, Cap | Floor, float]] = [("cap", c, c.max_share) for c in policies.caps]
    scopes += [("floor", f, f.min_share) for f in policies.floors]
    for kind, policy, share in scopes:
        flows = cleaned.back_flows if policy.stage == "back" else cleaned.flows
        delivered = delivered_by_cell(flows)
        by_group = _group_delivered(flows, data.members(policy.group))
        products = policy.products if policy.products is not None else list(data.products)
        markets = policy.markets if policy.markets is not None else data.markets
        blocks = [products] if policy.pooled else [[p] for p in products]
        for block, market, period in itertools.product(
            blocks, markets, data.covered_periods(policy.periods)
        ):
            values, slack = _weights(data, policy, block, atol)
            weight = values or dict.fromkeys(block, 1.0)
            total = sum(weight[p] * delivered.get((p, market, period), 0.0) for p in block)
            part = sum(weight[p] * by_group.get((p, market, period), 0.0) for p in block)
            if kind == "cap" and part > share * total + slack:
                sign = ">"
            elif kind == "floor" and part < share * total - slack:
                sign = "<"
            else:
                continue
            notes = [
                n for n, on in (("pooled", policy.pooled), ("by value", values is not None)) if on
            ]
            label = ", ".join(block) + (f" ({', '.join(notes)})" if notes else "")
            where = " at the back end" if policy.stage == "back" else ""
            yield (
                f"{kind} {policy.id}: group {policy.group}{where} delivers {fmt(part)} of "
                f"{fmt(total)} "
                f"(share {_share_text(part, total)} {sign} {fmt(share)}) of {label} to {market} "
                f"in period {period}"
            )


def _weights(
    data: CheckData, policy: Cap | Floor, block: list[str], atol: float
) -> tuple[dict[str, float] | None, float]:
    """The value of each product's units in a share row by value (None: by quantity) and the
    tolerance on the weighted sums (`atol` times the largest value, at least 1). A single
    product's value cancels out of its own share, so a row of one product counts quantities."""
    if policy.basis != "value" or len(block) < 2:
        return None, atol
    values = {p: float(data.products[p].value or 0.0) for p in block}
    return values, atol * max(1.0, *values.values())


def _max_supplier_share_rule(data: CheckData, cleaned: Cleaned, atol: float) -> Iterator[str]:
    share = data.instance.policies.max_supplier_share
    if share is None:
        return
    delivered = delivered_by_cell(cleaned.flows)
    for (supplier, product, market, period), qty in cleaned.flows.items():
        total = delivered[(product, market, period)]
        if qty > share * total + atol:
            yield (
                f"max_supplier_share: supplier {supplier} delivers {fmt(qty)} of "
                f"{fmt(total)} (share {_share_text(qty, total)} > {fmt(share)}) of {product} "
                f"to {market} in period {period}"
            )


def _min_suppliers_rule(
    data: CheckData, plan: Plan, cleaned: Cleaned, atol: float
) -> Iterator[str]:
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
                f"least {fmt(policies.min_supplier_share)} of the {fmt(total)} delivered over "
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
    Capacities include what the plan's built expansions add, in every stage.
    """
    built = as_built(instance, plan.builds)
    data = CheckData(built)
    atol = quantity_tolerance(built, tol)
    cleaned = clean(data, plan, atol)
    violations = list(cleaned.problems)
    unknown = sorted(s for s in plan.contracts if s not in data.producers)
    violations += [f"contract with unknown supplier {s!r}" for s in unknown]
    groups: Iterable[Iterator[str]] = (
        _flow_rules(data, plan, cleaned, atol),
        _capacity_rules(data, cleaned, atol),
        _tier_rules(data, plan, cleaned, atol),
        _unmet_rules(data, cleaned, atol),
        _stock_rules(data, cleaned, atol),
        _share_rules(data, cleaned, atol),
        _max_supplier_share_rule(data, cleaned, atol),
        _min_suppliers_rule(data, plan, cleaned, atol),
        investment_violations(instance, plan, tol),
        _stage_violations(built, plan, cleaned, atol),
        _objective_rule(plan, expected_costs(instance, plan)[0], tol),
    )
    for group in groups:
        violations.extend(group)
    return violations


def assert_plan_ok(instance: Instance, plan: Plan, tol: float = 1e-6) -> None:
    """Raise `CheckError` listing every violation if `plan` fails `check_plan`."""
    violations = check_plan(instance, plan, tol)
    if violations:
        raise CheckError(violations)
