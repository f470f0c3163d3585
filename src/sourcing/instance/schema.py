"""The instance file format: pydantic v2 models and their cross-reference checks.

Field validation (types, ranges, unknown keys) is done by pydantic, strictly: a number field
takes a number (not the text "5", not `true`), a text field takes text (not 7), a flag takes
`true` or `false`, and every number lies in the range the model solves reliably (the kinds of
value and their limits are in `sourcing.instance.fields`, explained in docs/limits.md). Checks that
need the whole instance (unknown or duplicate ids, unknown periods in per-period maps) run in
`Instance._check_references` and raise `InstanceError` with every problem at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

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
    PriceFactor,
    Quantity,
    RiskWeight,
    Share,
    TariffRate,
    Text,
    UnitMoney,
    period_key,
)
from sourcing.instance.references import (
    error_message,
    error_path,
    group_members,
    reference_problems,
)

DEFAULT_MARKET = "default"


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
    value: UnitMoney | None = None  # money per unit: weighs shares whose basis is value


Basis = Literal["quantity", "value"]
"""What a share counts: units delivered, or their value (units times the product's `value`)."""


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


class Site(Supplier):
    """A back-end site (assembly, test and packaging): every unit delivered passes through one
    site that offers its product, in the period it is made (SPEC section 6). Its fields work
    like a supplier's: `fixed_cost` is paid once if used, `capacity` bounds all its products
    per period, each offer adds its own unit cost (money/unit) and capacity."""


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


Tier = Literal["front", "back"]
"""Which tier a policy matches: wafer fabs (`front`, suppliers) or back-end sites (`back`)."""


class Scope(Base):
    """Products, markets and periods a policy covers; None means all. `stage` says whether
    `group` is matched among the suppliers (front end) or the back-end sites."""

    id: Id
    name: Text | None = None
    group: Id
    stage: Tier = "front"
    products: CoveredIds = None
    markets: CoveredIds = None
    periods: CoveredPeriods = None


class Cap(Scope):
    """De-risking cap: `group` delivers at most `max_share` of the covered supply."""

    max_share: Share
    pooled: Flag = False
    basis: Basis = "quantity"


class Floor(Scope):
    """Alliance floor: `group` delivers at least `min_share` of the covered supply."""

    min_share: Share
    pooled: Flag = False
    basis: Basis = "quantity"


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
    """A disruption: from `start` (default the first period) for `duration` periods (default to
    the end), capacities times `capacity_factor` and unit costs times `price_factor`."""

    id: Id
    name: Text | None = None
    probability: Share
    capacity_factor: dict[Id, CapacityFactor] = Field(default_factory=dict)
    price_factor: dict[Id, PriceFactor] = Field(default_factory=dict)
    start: Period | None = None
    duration: Count | None = None


def scenario_periods(
    periods: list[Period], scenario: Scenario
) -> tuple[list[Period], list[Period]]:
    """(the periods before `scenario` starts, the periods it disrupts) among `periods`."""
    keys = [period_key(p) for p in periods]
    first = 0 if scenario.start is None else keys.index(period_key(scenario.start))
    last = len(keys) if scenario.duration is None else min(len(keys), first + scenario.duration)
    return list(periods[:first]), list(periods[first:last])


Per = Literal["total", "product", "cell"]
"""Where an outage's unmet share is measured: all demand, each product's, or each cell's."""


class Resilience(Base):
    """N-1 requirement: with any one group of `outages` at `factor` of its capacity, at most
    `max_outage_shortage` of the demand goes unmet, measured `per` total, product or cell."""

    max_outage_shortage: Share
    per: Per = "product"
    outages: CoveredIds = None  # regions, blocs or suppliers; None: every region
    factor: Share = 0.0


class Expansion(Base):
    """Capacity that may be built: `capacity` more per period for `supplier` (and for the
    offers of `products`, default all its offers) from `available` on, for `capex` paid once."""

    id: Id
    name: Text | None = None
    supplier: Id
    capacity: Quantity
    products: CoveredIds = None
    capex: FixedCost
    available: Period | None = None


class Program(Base):
    """A subsidy programme: it pays up to `rate` of the capex of each built expansion whose
    supplier belongs to `groups` (default every expansion), up to `budget` in all."""

    id: Id
    name: Text | None = None
    rate: Share
    budget: FixedCost | None = None
    groups: CoveredIds = None


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
    backend: list[Site] = Field(default_factory=list)
    demand: list[Demand]
    transport: list[Transport] = Field(default_factory=list)
    tariffs: list[Tariff] = Field(default_factory=list)
    policies: Policies = Field(default_factory=Policies)
    scenarios: list[Scenario] = Field(default_factory=list)
    risk: Risk | None = None
    resilience: Resilience | None = None
    expansions: list[Expansion] = Field(default_factory=list)
    programs: list[Program] = Field(default_factory=list)

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
            problems = [
                Problem(error_path(data, error), error_message(error)) for error in exc.errors()
            ]
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
        problems = list(reference_problems(self))
        if problems:
            raise InstanceError(problems)
        return self

    def members_of(self, group: str) -> frozenset[str]:
        """Ids of the suppliers and back-end sites a region, bloc, supplier or site id stands
        for (blocs resolve nested)."""
        return group_members(self)[group]
