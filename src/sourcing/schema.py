"""The instance file format: pydantic v2 models and their cross-reference checks.

Field validation (types, ranges, unknown keys) is done by pydantic, strictly: a number field
takes a number (not the text "5", not `true`), a text field takes text (not 7), a flag takes
`true` or `false`, and every number lies in the range the model solves reliably (the limits
below, explained in docs/limits.md). Checks that need the whole instance (unknown or duplicate
ids, unknown periods in per-period maps) run in `Instance._check_references` and raise
`InstanceError` with every problem at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from sourcing.errors import InstanceError, Problem

# --- limits: the ranges HiGHS solves reliably (measured; docs/limits.md gives the reasons) -----

MAX_QUANTITY = 1e9
"""Largest demand, capacity or minimum order (quantity units per period)."""
MIN_QUANTITY = 1e-3
"""Smallest positive quantity: HiGHS's absolute tolerances (1e-7) and the reported 1e-7 zero."""
MAX_UNIT_MONEY = 1e9
"""Largest unit cost, transport cost, shortage penalty or holding cost (money per unit)."""
MAX_FIXED_COST = 1e12
"""Largest fixed cost of a supplier (money)."""
MIN_MONEY = 1e-6
"""Smallest positive amount of money: HiGHS's cost tolerance (1e-7) and absolute gap (1e-6)."""
MAX_TARIFF_RATE = 100.0
"""Largest ad-valorem tariff rate of one entry (100 = 10,000 %)."""
MAX_CAPACITY_FACTOR = 1e3
"""Largest capacity factor of a scenario key."""
MAX_RISK_WEIGHT = 1e3
"""Largest weight of the CVaR in the objective."""
MAX_MIN_SUPPLIERS = 1_000_000
"""Largest `min_suppliers`."""

LIMITS_DOC = "docs/limits.md"


def _g(number: float) -> str:
    """A number as short, exact text: 1e9 as `1e9`, 1.5e9 as `1.5e9`, 0.2 as `0.2`, 101.0 as
    `101`, 1234567.0 as `1234567`: the shorter of the plain and the exponent form."""
    if number == int(number) and abs(number) < 1e16:
        plain = str(int(number))
    else:
        plain = repr(number).replace("e+", "e")
    mantissa, power = f"{number:.15e}".split("e")
    exponent = f"{mantissa.rstrip('0').rstrip('.')}e{int(power)}"
    if float(exponent) == number and len(exponent) < len(plain):
        return exponent
    return plain


def describe(value: Any) -> str:
    """A value as an error message shows it: `the text '0.2'`, `true`, `null`, `1e16`, `a list`."""
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        if abs(value) < 10**15:
            return str(value)
        if abs(value) < 1e300:
            return _g(float(value)) if float(value) == value else f"about {_g(float(value))}"
        return f"a number of {math.floor(math.log10(abs(value))) + 1} digits"
    if isinstance(value, float):
        return _g(value) if math.isfinite(value) else repr(value)
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _number(value: Any, expected: str = "a number") -> int | float:
    """`value` if it is a finite number: not text, not a boolean, not NaN or infinite."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"expected {expected}, got {describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {describe(value)}")
    return value


@dataclass(frozen=True)
class Range:
    """The numbers a field takes: its meaning's bounds, then the solver's limits.

    `low`, `high` and `below` (strict) are what the number means (a share is in [0, 1]);
    `limit` and `smallest` (the least positive value) are what the solver handles reliably,
    and their messages say what `what` stands for and which unit to change.
    """

    low: float = 0.0
    high: float | None = None
    below: float | None = None
    limit: float | None = None
    smallest: float = 0.0
    what: str = ""
    unit: str = ""

    def check(self, value: Any) -> float:
        number = _number(value)
        if number < self.low:
            raise ValueError(f"Input should be greater than or equal to {_g(self.low)}")
        if self.high is not None and number > self.high:
            raise ValueError(f"Input should be less than or equal to {_g(self.high)}")
        if self.below is not None and number >= self.below:
            raise ValueError(f"Input should be less than {_g(self.below)}")
        if self.limit is not None and number > self.limit:
            raise ValueError(
                f"must be at most {_g(self.limit)}, got {describe(number)}: larger {self.what} "
                f"are beyond what the solver handles reliably ({self._advice('larger')})"
            )
        if 0 < number < self.smallest:
            raise ValueError(
                f"must be 0 or at least {_g(self.smallest)}, got {describe(number)}: smaller "
                f"{self.what} are lost in the solver's tolerances ({self._advice('smaller')})"
            )
        return float(number)

    def _advice(self, size: str) -> str:
        change = f"use a {size} {self.unit} unit; " if self.unit else ""
        return f"{change}see {LIMITS_DOC}"


QUANTITY = Range(limit=MAX_QUANTITY, smallest=MIN_QUANTITY, what="quantities", unit="quantity")
UNIT_MONEY = Range(
    limit=MAX_UNIT_MONEY, smallest=MIN_MONEY, what="amounts of money per unit", unit="money"
)
FIXED_COST = Range(limit=MAX_FIXED_COST, smallest=MIN_MONEY, what="fixed costs", unit="money")
TARIFF_RATE = Range(limit=MAX_TARIFF_RATE, what="tariff rates")
CAPACITY_FACTOR = Range(limit=MAX_CAPACITY_FACTOR, what="capacity factors")
RISK_WEIGHT = Range(limit=MAX_RISK_WEIGHT, what="risk weights")
SHARE = Range(high=1.0)
CVAR_LEVEL = Range(below=1.0)

Quantity = Annotated[float, Field(ge=0, le=MAX_QUANTITY), BeforeValidator(QUANTITY.check)]
UnitMoney = Annotated[float, Field(ge=0, le=MAX_UNIT_MONEY), BeforeValidator(UNIT_MONEY.check)]
FixedCost = Annotated[float, Field(ge=0, le=MAX_FIXED_COST), BeforeValidator(FIXED_COST.check)]
TariffRate = Annotated[float, Field(ge=0, le=MAX_TARIFF_RATE), BeforeValidator(TARIFF_RATE.check)]
CapacityFactor = Annotated[
    float, Field(ge=0, le=MAX_CAPACITY_FACTOR), BeforeValidator(CAPACITY_FACTOR.check)
]
RiskWeight = Annotated[float, Field(ge=0, le=MAX_RISK_WEIGHT), BeforeValidator(RISK_WEIGHT.check)]
Share = Annotated[float, Field(ge=0, le=1), BeforeValidator(SHARE.check)]
CvarLevel = Annotated[float, Field(ge=0, lt=1), BeforeValidator(CVAR_LEVEL.check)]


def _count(value: Any) -> int:
    """A whole number of suppliers: 2 or 2.0 (YAML 1.2 reads `2e0` as 2.0), not 2.5 or true."""
    number = _number(value, "a whole number")
    if isinstance(number, float) and not number.is_integer():
        raise ValueError(f"expected a whole number, got {describe(number)}")
    if number < 1:
        raise ValueError("Input should be greater than or equal to 1")
    if number > MAX_MIN_SUPPLIERS:
        raise ValueError(
            f"must be at most {_g(MAX_MIN_SUPPLIERS)}, got {describe(number)} (see {LIMITS_DOC})"
        )
    return int(number)


Count = Annotated[int, Field(ge=1, le=MAX_MIN_SUPPLIERS), BeforeValidator(_count)]


def _flag(value: Any) -> bool:
    """`true` or `false` only: not the text 'yes' (YAML 1.2 reads `yes` as text), not 1."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {describe(value)}")
    return value


Flag = Annotated[bool, BeforeValidator(_flag)]


def _text(value: Any) -> Any:
    """Text stays text (a lone surrogate such as '\\ud800' is not); a number is not text."""
    if value is None or isinstance(value, bool):
        raise ValueError(f"expected text, got {describe(value)}")
    if isinstance(value, int | float):
        raise ValueError(
            f"expected text, got the number {describe(value)} (put it in quotes to use it as text)"
        )
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"not valid text: {value[exc.start]!r} at position {exc.start} is a lone "
                "surrogate, not a character"
            ) from None
    return value


Text = Annotated[str, BeforeValidator(_text)]
Id = Annotated[str, Field(min_length=1), BeforeValidator(_text)]


def _period(value: Any) -> int | str:
    """A period label: a whole number or a non-empty text (one error message, not two)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if (isinstance(value, int) and not isinstance(value, bool)) or (
        isinstance(value, str) and value
    ):
        return _text(value) if isinstance(value, str) else value
    raise ValueError(f"expected a period label (a whole number or text), got {describe(value)}")


Period = Annotated[int | str, BeforeValidator(_period)]


def _covers_something(value: list[Any] | None) -> list[Any] | None:
    if value == []:
        raise ValueError("an empty list covers nothing; leave the key out to cover all")
    return value


Coverage = Annotated[list[Id] | None, AfterValidator(_covers_something)]
PeriodCoverage = Annotated[list[Period] | None, AfterValidator(_covers_something)]


DEFAULT_MARKET = "default"
NOMINAL = "nominal"
DEFAULT_MIN_SUPPLIER_SHARE = 0.1


def _per_period(checked: Range, empty: str) -> Callable[[Any], float | dict[str, float]]:
    """A validator of a number, or a map {period: number} keyed by the period's text."""

    def number(item: Any) -> float:
        if _number(item) < 0:
            raise ValueError(f"must be >= 0, got {describe(item)}")
        return checked.check(item)

    def validate(value: Any) -> float | dict[str, float]:
        if not isinstance(value, Mapping):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(
                    "expected a non-negative number or a map {period: number}, got "
                    f"{describe(value)}"
                )
            return number(value)
        if not value:
            raise ValueError(empty)
        result: dict[str, float] = {}
        for key, item in value.items():
            try:
                label = period_key(_period(key))
            except ValueError:
                raise ValueError(
                    f"the key {describe(key)} is not a period (a whole number or text)"
                ) from None
            if label in result:
                raise ValueError(f"period {label!r} is given twice")
            try:
                result[label] = number(item)
            except ValueError as exc:
                raise ValueError(f"period {key!r}: {exc}") from None
        return result

    return validate


PerPeriodQuantity = Annotated[
    float | dict[str, float],
    BeforeValidator(
        _per_period(QUANTITY, "an empty map limits nothing; leave the key out for no limit")
    ),
]
PerPeriodUnitMoney = Annotated[
    float | dict[str, float],
    BeforeValidator(
        _per_period(
            UNIT_MONEY,
            "an empty map offers the product in no period; leave the offer out instead",
        )
    ),
]


def period_key(period: Period) -> str:
    """Periods match by their text, so `2026` in YAML equals `"2026"` in JSON or TOML."""
    return str(period)


def lookup(value: float | dict[str, float] | None, period: Period) -> float | None:
    """The value of a per-period entry in `period`; None when the map lacks that period."""
    if value is None or isinstance(value, float | int):
        return value
    return value.get(period_key(period))


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
    products: Coverage = None


class Scope(Base):
    """Products, markets and periods a policy covers; None means all."""

    id: Id
    name: Text | None = None
    group: Id
    products: Coverage = None
    markets: Coverage = None
    periods: PeriodCoverage = None


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


def key_text(key: Any) -> str:
    """A mapping key in a field path, spelt as in the file: `2026`, `null`, `true`."""
    return describe(key) if key is None or isinstance(key, bool) else str(key)


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
