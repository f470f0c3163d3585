"""The kinds of value an instance file holds, validated strictly: numbers within the ranges the
model solves reliably (the limits, measured: docs/limits.md), text that is text, `true` or
`false`, period labels, per-period maps, and the lists that scope a policy.

A number field takes a number (not the text "5", not `true`); a text field takes text (not 7);
messages say what was given (`describe`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

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
PRICE_FACTOR = Range(limit=MAX_CAPACITY_FACTOR, what="price factors")
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
PriceFactor = Annotated[
    float, Field(ge=0, le=MAX_CAPACITY_FACTOR), BeforeValidator(PRICE_FACTOR.check)
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


CoveredIds = Annotated[list[Id] | None, AfterValidator(_covers_something)]
CoveredPeriods = Annotated[list[Period] | None, AfterValidator(_covers_something)]


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


def key_text(key: Any) -> str:
    """A mapping key in a field path, spelt as in the file: `2026`, `null`, `true`; a key with
    a line break or another control character is quoted with escapes (`'units\\n'`), so that
    every problem stays on one line."""
    if key is None or isinstance(key, bool):
        return describe(key)
    text = str(key)
    return repr(text) if any(not c.isprintable() for c in text) else text
