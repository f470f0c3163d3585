"""The layout of an instance workbook: its sheets, their columns and the limits of a cell.

One sheet per list of the instance, one row per entry under a header row of keys; the scalar
keys on the sheet `settings` (rows of `key`, `value`); lists that belong to an entry on their
own sheets, keyed by the entry's id (`offers` by `supplier`). The layout in full:
docs/model.md, "Workbooks".
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from sourcing.instance.schema import (
    Ban,
    Bloc,
    Cap,
    Demand,
    Expansion,
    Floor,
    Market,
    Offer,
    Product,
    Program,
    Region,
    Scenario,
    Site,
    Supplier,
    Tariff,
    Transport,
)

MAX_CELL_TEXT = 32_767
"""The longest text a cell holds (Excel's limit)."""
FIXED_TIME = datetime.datetime(2000, 1, 1)
"""The creation time written into workbooks, so that the same content gives the same bytes."""

OTHER_SPREADSHEETS = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".csv"})
"""Spreadsheet files that are not read: save them as .xlsx."""

SETTINGS = "settings"
"""The sheet of the scalar keys: rows of `key` and `value`."""
SETTINGS_COLUMNS = ("key", "value")


@dataclass(frozen=True)
class Sheet:
    """A sheet of entries: `path` is where their list sits in the data (`policies.caps`).

    A sheet whose entries belong to the entries of another (`offers` to `suppliers`) names
    that `parent` sheet, the column holding the parent's id (`key`) and the parent's key that
    holds the list (`field`).
    """

    name: str
    path: tuple[str, ...]
    model: type[BaseModel]
    parent: str | None = None
    key: str = ""
    field: str = ""
    required: bool = False

    @property
    def list_path(self) -> str:
        return ".".join(self.path)


SHEETS = (
    Sheet("regions", ("regions",), Region, required=True),
    Sheet("blocs", ("blocs",), Bloc),
    Sheet("products", ("products",), Product, required=True),
    Sheet("markets", ("markets",), Market),
    Sheet("suppliers", ("suppliers",), Supplier, required=True),
    Sheet("offers", ("suppliers",), Offer, parent="suppliers", key="supplier", field="offers"),
    Sheet("backend", ("backend",), Site),
    Sheet("backend_offers", ("backend",), Offer, parent="backend", key="site", field="offers"),
    Sheet("demand", ("demand",), Demand, required=True),
    Sheet("transport", ("transport",), Transport),
    Sheet("tariffs", ("tariffs",), Tariff),
    Sheet("caps", ("policies", "caps"), Cap),
    Sheet("floors", ("policies", "floors"), Floor),
    Sheet("bans", ("policies", "bans"), Ban),
    Sheet("scenarios", ("scenarios",), Scenario),
    Sheet("expansions", ("expansions",), Expansion),
    Sheet("programs", ("programs",), Program),
)
SHEET_NAMES = (SETTINGS, *(sheet.name for sheet in SHEETS))
"""The names of all sheets, `settings` first."""
BY_NAME = {sheet.name: sheet for sheet in SHEETS}
LIST_SHEETS = {sheet.list_path: sheet for sheet in SHEETS if sheet.parent is None}
"""The sheets of the instance's own lists, by the list's path (`policies.caps`)."""
PARENT_KINDS = {"suppliers": "supplier", "backend": "back-end site"}
"""What the entries of a parent sheet are called in messages."""

LIST_COLUMNS = frozenset({"members", "products", "markets", "periods", "outages", "groups"})
"""Columns (and settings) whose cell holds a list as comma-separated text: `JP, KR, US`."""
PERIOD_LISTS = frozenset({"periods"})
"""Lists of periods: an item that is a whole number (`2026`) is the number, as in YAML."""
LIST_SETTINGS = frozenset({"periods", "resilience.outages"})


def sheet_text(name: str) -> str:
    """`sheet NAME` as a message names it (quoted if the name is not a plain word)."""
    return f"sheet {name}" if re.fullmatch(r"[\w.-]+", name) else f"sheet {name!r}"


def column_letter(column: int) -> str:
    """A column's letters: 1 -> `A`, 27 -> `AA`."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def short_text(value: Any) -> str:
    """`value` as text, cut to 40 characters for a message."""
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."
