"""The instance file format: pydantic v2 models and their cross-reference checks.

Field validation (types, ranges, unknown keys) is done by pydantic, strictly: a number field
takes a number (not the text "5", not `true`), a text field takes text (not 7), a flag takes
`true` or `false`, and every number lies in the range the model solves reliably (the kinds of
value and their limits are in `sourcing.instance.fields`, explained in docs/limits.md). Checks that
need the whole instance (unknown or duplicate ids, unknown periods in per-period maps) run in
`Instance._check_references` and raise `InstanceError` with every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from sourcing.errors import InstanceError, Problem
from sourcing.instance.fields import (
    CapacityFactor,
    Count,
    CoveredIds,
    CoveredPeriods,
    CvarLevel,
    FixedCost,
    Flag,
    Id,
    Period,
    PerPeriodQuantity,
    PerPeriodUnitMoney,
    Quantity,
    RiskWeight,
    Share,
    TariffRate,
    Text,
    UnitMoney,
    describe,
    key_text,
    period_key,
)

DEFAULT_MARKET = "default"
NOMINAL = "nominal"
DEFAULT_MIN_SUPPLIER_SHARE = 0.1


class Base(BaseModel):
    """Strict base: unknown keys are errors, and validated objects never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Units(Base):
    """Labels of the quantity and money units, shown in output."""

    quantity: Text = "units"
    money: Text = "money"


class Region(Base):
    id: Id
    name: Text | None = None


def _has_members(value: list[str]) -> list[str]:
    if not value:
        raise ValueError("a bloc needs at least one member")
    return value


class Bloc(Base):
    """A named group of regions (or suppliers, or other blocs)."""

    id: Id
    name: Text | None = None
    members: Annotated[list[Id], AfterValidator(_has_members)]


class Product(Base):
    id: Id
    name: Text | None = None
    shortage_penalty: UnitMoney | None = None
    holding_cost: UnitMoney | None = None


class Market(Base):
    id: Id
    name: Text | None = None
    region: Id | None = None


class Offer(Base):
    """A product a supplier sells: unit cost (money/unit) and optional capacity (units/period)."""

    product: Id
    unit_cost: PerPeriodUnitMoney
    capacity: PerPeriodQuantity | None = None


class Supplier(Base):
    id: Id
    name: Text | None = None
    region: Id
    fixed_cost: FixedCost = 0.0
    capacity: PerPeriodQuantity | None = None
    min_order: Quantity = 0.0
    offers: list[Offer] = Field(default_factory=list)


class Demand(Base):
    product: Id
    market: Id | None = None
    period: Period | None = None
    quantity: Quantity


class Link(Base):
    """From a supplier, region or bloc to a market (or a region or bloc of markets; None = all)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: Id = Field(alias="from")
    to: Id | None = None


class Transport(Link):
    """Cost per unit shipped along the link (money/unit)."""

    cost: UnitMoney


class Tariff(Link):
    """Ad-valorem rate on the unit cost of the covered products shipped along the link."""

    rate: TariffRate
    products: CoveredIds = None


class Scope(Base):
    """Products, markets and periods a policy covers; None means all."""

    id: Id
    name: Text | None = None
    group: Id
    products: CoveredIds = None
    markets: CoveredIds = None
    periods: CoveredPeriods = None


class Cap(Scope):
    """De-risking cap: `group` delivers at most `max_share` of the covered supply."""

    max_share: Share
    pooled: Flag = False


class Floor(Scope):
    """Alliance floor: `group` delivers at least `min_share` of the covered supply."""

    min_share: Share
    pooled: Flag = False


class Ban(Scope):
    """Export control or procurement ban: `group` may not deliver the covered products."""


class Policies(Base):
    caps: list[Cap] = Field(default_factory=list)
    floors: list[Floor] = Field(default_factory=list)
    bans: list[Ban] = Field(default_factory=list)
    max_supplier_share: Share | None = None
    min_suppliers: Count | None = None
    min_supplier_share: Share = DEFAULT_MIN_SUPPLIER_SHARE


class Scenario(Base):
    id: Id
    name: Text | None = None
    probability: Share
    capacity_factor: dict[Id, CapacityFactor] = Field(default_factory=dict)


class Resilience(Base):
    """N-1 requirement: under a full outage of any one region, at most this share goes unmet."""

    max_outage_shortage: Share


class Risk(Base):
    cvar_level: CvarLevel = 0.95
    weight: RiskWeight = 0.0


def _has_periods(value: list[Period]) -> list[Period]:
    if not value:
        raise ValueError("at least one period; leave the key out for one period labelled 1")
    return value


def _has_markets(value: list[Market]) -> list[Market]:
    if not value:
        raise ValueError(
            f"at least one market; leave the key out for one market named {DEFAULT_MARKET!r}"
        )
    return value


class Instance(Base):
    """A whole sourcing problem, as read from one instance file."""

    name: Id
    description: Text | None = None
    units: Units = Field(default_factory=Units)
    periods: Annotated[list[Period], AfterValidator(_has_periods)] = Field(
        default_factory=lambda: list[Period]([1])
    )
    regions: list[Region]
    blocs: list[Bloc] = Field(default_factory=list)
    products: list[Product]
    markets: Annotated[list[Market], AfterValidator(_has_markets)] = Field(
        default_factory=lambda: [Market(id=DEFAULT_MARKET)]
    )
    suppliers: list[Supplier]
    demand: list[Demand]
    transport: list[Transport] = Field(default_factory=list)
    tariffs: list[Tariff] = Field(default_factory=list)
    policies: Policies = Field(default_factory=Policies)
    scenarios: list[Scenario] = Field(default_factory=list)
    risk: Risk | None = None
    resilience: Resilience | None = None

    @classmethod
    def from_data(cls, data: Any, source: str | None = None) -> Instance:
        """Validate raw data (a dict); raise `InstanceError` listing every problem."""
        if not isinstance(data, Mapping):
            kind = "empty" if data is None else type(data).__name__
            raise InstanceError(
                [Problem("", f"expected a mapping of instance keys at the top level, got {kind}")],
                source,
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = [Problem(_where(data, error), _message(error)) for error in exc.errors()]
            raise InstanceError(problems, source) from None
        except InstanceError as exc:
            raise exc.with_source(source) if source else exc from None

    def replace(self, **changes: Any) -> Instance:
        """A re-validated copy with top-level fields replaced; `self` never changes."""
        data = self.model_dump(by_alias=True, exclude_unset=False)
        for key, value in changes.items():
            data[key] = value.model_dump(by_alias=True) if isinstance(value, BaseModel) else value
            if isinstance(value, list):
                data[key] = [
                    v.model_dump(by_alias=True) if isinstance(v, BaseModel) else v for v in value
                ]
        return Instance.from_data(data)

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        problems = list(_reference_problems(self))
        if problems:
            raise InstanceError(problems)
        return self

    def members_of(self, group: str) -> frozenset[str]:
        """Ids of the suppliers a region, bloc or supplier id stands for (blocs resolve nested)."""
        return group_members(self)[group]


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


def _where(data: Any, error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error.get("type") == "invalid_key" and loc:  # pydantic spells the key True as 1
        loc = (*loc[:-1], error.get("input"))
    return _location(data, loc)


def _message(error: Mapping[str, Any]) -> str:
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
    """Map every region, bloc and supplier id to the supplier ids it stands for."""
    by_region: dict[str, set[str]] = {r.id: set() for r in instance.regions}
    for supplier in instance.suppliers:
        by_region.setdefault(supplier.region, set()).add(supplier.id)
    groups: dict[str, frozenset[str]] = {k: frozenset(v) for k, v in by_region.items()}
    groups.update({s.id: frozenset({s.id}) for s in instance.suppliers})
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


def _reference_problems(inst: Instance) -> Iterator[Problem]:
    """Every cross-reference problem of a structurally valid instance."""
    period_keys = [period_key(p) for p in inst.periods]
    seen_periods: set[str] = set()
    for i, key in enumerate(period_keys):
        if key in seen_periods:
            yield Problem(f"periods[{i}]", f"duplicate period {key!r}")
        seen_periods.add(key)
    known_periods = set(period_keys)

    seen_groups: dict[str, str] = {}
    for field in ("regions", "blocs", "suppliers"):
        for i, entry in enumerate(getattr(inst, field)):
            if entry.id in seen_groups:
                yield Problem(
                    f"{field}[{i}].id",
                    f"duplicate id {entry.id!r} (already used in {seen_groups[entry.id]}); ids "
                    "must be unique across regions, blocs and suppliers",
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
                yield Problem(
                    f"blocs[{i}].members[{j}]", unknown("region, bloc or supplier", member)
                )
    for bloc_id in _bloc_cycles(inst):
        index = [b.id for b in inst.blocs].index(bloc_id)
        yield Problem(f"blocs[{index}].members", f"bloc {bloc_id!r} contains itself")
    for i, market in enumerate(inst.markets):
        if market.region is not None and market.region not in region_ids:
            yield Problem(f"markets[{i}].region", unknown("region", market.region))

    for i, supplier in enumerate(inst.suppliers):
        if supplier.region not in region_ids:
            yield Problem(f"suppliers[{i}].region", unknown("region", supplier.region))
        yield from check_period_map(f"suppliers[{i}].capacity", supplier.capacity)
        offered: list[str] = []
        for j, offer in enumerate(supplier.offers):
            path = f"suppliers[{i}].offers[{j}]"
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
                yield Problem(
                    f"{field}[{i}].from", unknown("region, bloc or supplier", entry.from_)
                )
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
                yield Problem(f"{path}.group", unknown("region, bloc or supplier", policy.group))
            for j, product in enumerate(policy.products or []):
                if product not in products:
                    yield Problem(f"{path}.products[{j}]", unknown("product", product))
            for j, market in enumerate(policy.markets or []):
                if market not in markets:
                    yield Problem(f"{path}.markets[{j}]", unknown("market", market))
            for j, period in enumerate(policy.periods or []):
                if period_key(period) not in known_periods:
                    yield Problem(f"{path}.periods[{j}]", unknown("period", str(period)))

    yield from _duplicate_problems("scenarios", [s.id for s in inst.scenarios])
    for i, scenario in enumerate(inst.scenarios):
        for key in scenario.capacity_factor:
            if key not in group_ids:
                yield Problem(
                    f"scenarios[{i}].capacity_factor.{key}",
                    unknown("region, bloc or supplier", key),
                )
    for i, scenario in enumerate(inst.scenarios):
        if scenario.id == NOMINAL:
            yield Problem(f"scenarios[{i}].id", f"{NOMINAL!r} names the undisrupted scenario")
    total_probability = sum(s.probability for s in inst.scenarios)
    if total_probability > 1 + 1e-9:
        yield Problem("scenarios", f"probabilities add up to {total_probability:g}, above 1")
    if inst.scenarios or inst.resilience is not None:
        reason = "disruption scenarios" if inst.scenarios else "a resilience requirement"
        for i, entry in enumerate(inst.products):
            if entry.shortage_penalty is None:
                yield Problem(
                    f"products[{i}].shortage_penalty",
                    f"required when the instance has {reason}: demand may go unmet in a "
                    "disruption, at this penalty",
                )
