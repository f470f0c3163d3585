"""What the schema's field types cannot say: ids unique across regions, blocs, suppliers and
back-end sites,
references that name something, blocs without cycles, and pydantic's errors told as field
paths of the file (`suppliers[2].capacity.2026`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from sourcing.errors import Problem
from sourcing.instance.fields import (
    describe,
    key_text,
    lookup,
    period_key,
)

if TYPE_CHECKING:  # the schema validates through this module
    from sourcing.instance.schema import Instance, Link

NOMINAL = "nominal"  # the id of the undisrupted scenario, which no scenario may take


def _location(data: Any, loc: tuple[Any, ...]) -> str:
    """The field path of pydantic's `loc` in `data`: `suppliers[2].capacity.2026`.

    Walking the data tells a list index (`[2]`) from a mapping key that is a number (`.2026`);
    pydantic's own markers (`[key]` for a bad key of a map) are left out.
    """
    text = ""
    current: Any = data
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(current, list) and isinstance(part, int):
            text += f"[{part}]"
            current = current[part] if -len(current) <= part < len(current) else None
            continue
        if isinstance(current, Mapping):
            if part not in current:  # pydantic spells some keys as text: None as 'None'
                part = next((key for key in current if str(key) == part), part)
            current = current.get(part)
        else:
            current = None
        name = key_text(part)
        text += f".{name}" if text else name
    return text


def error_path(data: Any, error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error.get("type") == "invalid_key" and loc:  # pydantic spells the key True as 1
        loc = (*loc[:-1], error.get("input"))
    return _location(data, loc)


def error_message(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "string_unicode":  # a key with a lone surrogate (text values: see `_text`)
        return f"not valid text: {error.get('input')!r} holds a lone surrogate, not a character"
    if kind == "invalid_key":
        return f"a key must be text, got {describe(error.get('input'))}"
    message = str(error.get("msg", "invalid value"))
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return message


def _duplicate_problems(field: str, ids: list[str]) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, ident in enumerate(ids):
        if ident in seen:
            yield Problem(f"{field}[{i}].id", f"duplicate id {ident!r}")
        seen.add(ident)


def group_members(instance: Instance) -> dict[str, frozenset[str]]:
    """Map every region, bloc, supplier and back-end site id to the supplier and site ids it
    stands for (a region holds its suppliers and its sites; a policy's `stage` picks a tier)."""
    producers = [*instance.suppliers, *instance.backend]
    by_region: dict[str, set[str]] = {r.id: set() for r in instance.regions}
    for producer in producers:
        by_region.setdefault(producer.region, set()).add(producer.id)
    groups: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in by_region.items()}
    groups.update({s.id: frozenset({s.id}) for s in producers})
    blocs = {b.id: b for b in instance.blocs}

    def resolve(bloc_id: str, trail: tuple[str, ...]) -> frozenset[str]:
        if bloc_id in groups:
            return groups[bloc_id]
        if bloc_id in trail or bloc_id not in blocs:
            return frozenset()
        found: set[str] = set()
        for member in blocs[bloc_id].members:
            found |= resolve(member, (*trail, bloc_id))
        return frozenset(found)

    for bloc_id in blocs:
        groups[bloc_id] = resolve(bloc_id, ())
    return groups


def _bloc_cycles(instance: Instance) -> Iterator[str]:
    blocs = {b.id: b for b in instance.blocs}

    def reaches(start: str, current: str, seen: set[str]) -> bool:
        for member in blocs[current].members:
            if member == start:
                return True
            if member in blocs and member not in seen:
                seen.add(member)
                if reaches(start, member, seen):
                    return True
        return False

    for bloc_id in blocs:
        if reaches(bloc_id, bloc_id, set()):
            yield bloc_id


def reference_problems(inst: Instance) -> Iterator[Problem]:
    """Every cross-reference problem of a structurally valid instance."""
    period_keys = [period_key(p) for p in inst.periods]
    seen_periods: set[str] = set()
    for i, key in enumerate(period_keys):
        if key in seen_periods:
            yield Problem(f"periods[{i}]", f"duplicate period {key!r}")
        seen_periods.add(key)
    known_periods = set(period_keys)

    seen_groups: dict[str, str] = {}
    fields = ("regions", "blocs", "suppliers", "backend")
    across = (
        "regions, blocs, suppliers and back-end sites"
        if inst.backend
        else ("regions, blocs and suppliers")
    )
    group_kind = "region, bloc, supplier or site" if inst.backend else "region, bloc or supplier"
    for field in fields:
        for i, entry in enumerate(getattr(inst, field)):
            if entry.id in seen_groups:
                yield Problem(
                    f"{field}[{i}].id",
                    f"duplicate id {entry.id!r} (already used in {seen_groups[entry.id]}); ids "
                    f"must be unique across {across}",
                )
            else:
                seen_groups[entry.id] = field
    region_ids = {r.id for r in inst.regions}
    group_ids = set(seen_groups)
    product_ids = [p.id for p in inst.products]
    market_ids = [m.id for m in inst.markets]
    for field, ids in (("products", product_ids), ("markets", market_ids)):
        yield from _duplicate_problems(field, ids)
    products, markets = set(product_ids), set(market_ids)
    market_targets = markets | region_ids | {b.id for b in inst.blocs}

    def unknown(kind: str, value: str) -> str:
        return f"unknown {kind} {value!r}"

    def check_period_map(path: str, value: Any) -> Iterator[Problem]:
        if isinstance(value, dict):
            for key in value:
                if period_key(key) not in known_periods:
                    yield Problem(f"{path}.{key}", unknown("period", str(key)))

    for i, bloc in enumerate(inst.blocs):
        for j, member in enumerate(bloc.members):
            if member not in group_ids:
                yield Problem(f"blocs[{i}].members[{j}]", unknown(group_kind, member))
    for bloc_id in _bloc_cycles(inst):
        index = [b.id for b in inst.blocs].index(bloc_id)
        yield Problem(f"blocs[{index}].members", f"bloc {bloc_id!r} contains itself")
    for i, market in enumerate(inst.markets):
        if market.region is not None and market.region not in region_ids:
            yield Problem(f"markets[{i}].region", unknown("region", market.region))

    producers = [("suppliers", i, s) for i, s in enumerate(inst.suppliers)]
    producers += [("backend", i, s) for i, s in enumerate(inst.backend)]
    for field, i, supplier in producers:
        if supplier.region not in region_ids:
            yield Problem(f"{field}[{i}].region", unknown("region", supplier.region))
        yield from check_period_map(f"{field}[{i}].capacity", supplier.capacity)
        offered: list[str] = []
        for j, offer in enumerate(supplier.offers):
            path = f"{field}[{i}].offers[{j}]"
            if offer.product not in products:
                yield Problem(f"{path}.product", unknown("product", offer.product))
            elif offer.product in offered:
                yield Problem(f"{path}.product", f"product {offer.product!r} is offered twice")
            offered.append(offer.product)
            yield from check_period_map(f"{path}.unit_cost", offer.unit_cost)
            yield from check_period_map(f"{path}.capacity", offer.capacity)

    seen_demand: dict[tuple[str, str, str], int] = {}
    for i, entry in enumerate(inst.demand):
        path = f"demand[{i}]"
        if entry.product not in products:
            yield Problem(f"{path}.product", unknown("product", entry.product))
        if entry.market is None:
            if len(markets) > 1:
                yield Problem(f"{path}.market", "required when there are several markets")
            market_id = market_ids[0]
        else:
            market_id = entry.market
            if market_id not in markets:
                yield Problem(f"{path}.market", unknown("market", market_id))
        if entry.period is not None and period_key(entry.period) not in known_periods:
            yield Problem(f"{path}.period", unknown("period", str(entry.period)))
        covered = (
            list(dict.fromkeys(period_keys)) if entry.period is None else [period_key(entry.period)]
        )
        for key in covered:
            cell = (entry.product, market_id, key)
            if cell in seen_demand:
                yield Problem(
                    path,
                    f"demand for {entry.product!r} in market {market_id!r}, period {key!r} is "
                    f"already given by demand[{seen_demand[cell]}]",
                )
                break
            seen_demand[cell] = i

    links: list[tuple[str, list[Link]]] = [
        ("transport", list(inst.transport)),
        ("tariffs", list(inst.tariffs)),
    ]
    for field, entries in links:
        for i, entry in enumerate(entries):
            if entry.from_ not in group_ids:
                yield Problem(f"{field}[{i}].from", unknown(group_kind, entry.from_))
            if entry.to is not None and entry.to not in market_targets:
                yield Problem(f"{field}[{i}].to", unknown("market, region or bloc", entry.to))
    for i, tariff in enumerate(inst.tariffs):
        for j, product in enumerate(tariff.products or []):
            if product not in products:
                yield Problem(f"tariffs[{i}].products[{j}]", unknown("product", product))

    policy_ids: dict[str, str] = {}
    for field in ("caps", "floors", "bans"):
        for i, policy in enumerate(getattr(inst.policies, field)):
            path = f"policies.{field}[{i}]"
            if policy.id in policy_ids:
                yield Problem(
                    f"{path}.id",
                    f"duplicate policy id {policy.id!r} (already used in {policy_ids[policy.id]})",
                )
            policy_ids.setdefault(policy.id, f"policies.{field}")
            if policy.group not in group_ids:
                yield Problem(f"{path}.group", unknown(group_kind, policy.group))
            for j, product in enumerate(policy.products or []):
                if product not in products:
                    yield Problem(f"{path}.products[{j}]", unknown("product", product))
            for j, market in enumerate(policy.markets or []):
                if market not in markets:
                    yield Problem(f"{path}.markets[{j}]", unknown("market", market))
            for j, period in enumerate(policy.periods or []):
                if period_key(period) not in known_periods:
                    yield Problem(f"{path}.periods[{j}]", unknown("period", str(period)))
            if policy.stage == "back" and not inst.backend:
                yield Problem(
                    f"{path}.stage",
                    "stage 'back' matches back-end sites, and the instance has no `backend`",
                )
            elif seen_groups.get(policy.group) == _OTHER_TIER[policy.stage]:
                kind, other = _TIER_NAMES[policy.stage]
                yield Problem(
                    f"{path}.group",
                    f"{policy.group!r} is {kind}, which stage {policy.stage!r} never matches; "
                    f"write stage: {other}",
                )

    yield from _duplicate_problems("scenarios", [s.id for s in inst.scenarios])
    for i, scenario in enumerate(inst.scenarios):
        for field in ("capacity_factor", "price_factor"):
            for key in getattr(scenario, field):
                if key not in group_ids:
                    yield Problem(f"scenarios[{i}].{field}.{key}", unknown(group_kind, key))
        if scenario.start is not None and period_key(scenario.start) not in known_periods:
            yield Problem(f"scenarios[{i}].start", unknown("period", str(scenario.start)))
    if inst.resilience is not None:
        for j, group in enumerate(inst.resilience.outages or []):
            if group not in group_ids:
                yield Problem(f"resilience.outages[{j}]", unknown(group_kind, group))
    yield from _value_problems(inst)
    yield from _investment_problems(inst, group_ids, known_periods)
    for i, scenario in enumerate(inst.scenarios):
        if scenario.id == NOMINAL:
            yield Problem(f"scenarios[{i}].id", f"{NOMINAL!r} names the undisrupted scenario")
    total_probability = sum(s.probability for s in inst.scenarios)
    if total_probability > 1 + 1e-9:
        yield Problem("scenarios", f"probabilities add up to {total_probability:g}, above 1")
    if inst.scenarios:
        for i, entry in enumerate(inst.products):
            if entry.shortage_penalty is None:
                yield Problem(
                    f"products[{i}].shortage_penalty",
                    "required when the instance has disruption scenarios: demand may go unmet "
                    "in a disruption, at this penalty",
                )


_OTHER_TIER = {"front": "backend", "back": "suppliers"}
"""The list whose ids a policy of each stage never matches."""
_TIER_NAMES = {"front": ("a back-end site", "back"), "back": ("a supplier", "front")}


def _value_problems(inst: Instance) -> Iterator[Problem]:
    """A cap or floor with `basis: value` needs a `value` on every product it covers."""
    valued = {p.id for p in inst.products if p.value is not None}
    for field in ("caps", "floors"):
        for i, policy in enumerate(getattr(inst.policies, field)):
            if policy.basis != "value":
                continue
            covered = policy.products or [p.id for p in inst.products]
            missing = [p for p in covered if p not in valued]
            if missing:
                names = ", ".join(repr(p) for p in missing)
                yield Problem(
                    f"policies.{field}[{i}].basis",
                    f"basis 'value' needs a value on every product it covers; {names} has none",
                )


def _investment_problems(
    inst: Instance, group_ids: set[str], known_periods: set[str]
) -> Iterator[Problem]:
    """Expansions name a supplier, its offers and a period, and add to some finite capacity;
    programmes name groups; ids are unique among expansions and among programmes."""
    yield from _duplicate_problems("expansions", [e.id for e in inst.expansions])
    yield from _duplicate_problems("programs", [g.id for g in inst.programs])
    suppliers = {s.id: s for s in inst.suppliers}
    keys = [period_key(p) for p in inst.periods]
    for i, expansion in enumerate(inst.expansions):
        path = f"expansions[{i}]"
        supplier = suppliers.get(expansion.supplier)
        if supplier is None:
            yield Problem(f"{path}.supplier", f"unknown supplier {expansion.supplier!r}")
            continue
        offered = {o.product: o for o in supplier.offers}
        for j, product in enumerate(expansion.products or []):
            if product not in offered:
                yield Problem(
                    f"{path}.products[{j}]",
                    f"supplier {supplier.id!r} does not offer product {product!r}",
                )
        first = 0
        if expansion.available is not None:
            if period_key(expansion.available) not in known_periods:
                yield Problem(f"{path}.available", f"unknown period {expansion.available!r}")
                continue
            first = keys.index(period_key(expansion.available))
        named = [offered[p] for p in (expansion.products or offered) if p in offered]
        periods = inst.periods[first:]
        finite = any(
            value is not None
            for t in periods
            for value in [lookup(supplier.capacity, t), *(lookup(o.capacity, t) for o in named)]
        )
        if not finite:
            yield Problem(
                path,
                f"adds to no capacity: supplier {supplier.id!r} and the offers it grows have "
                "no finite capacity in any period from its first on",
            )
    for i, program in enumerate(inst.programs):
        for j, group in enumerate(program.groups or []):
            if group not in group_ids:
                yield Problem(
                    f"programs[{i}].groups[{j}]", f"unknown region, bloc or supplier {group!r}"
                )
