"""Instances as Excel workbooks (`.xlsx`): the layout, the reader and the writer.

One sheet per list of the instance, one row per entry under a header row of keys; the scalar
keys on the sheet `settings` (rows of `key`, `value`); lists that belong to an entry on their
own sheets, keyed by the entry's id (`offers` by `supplier`). The layout in full:
docs/model.md, "Workbooks".

The reader turns a workbook into the plain data a YAML file gives, and remembers where each
value came from, so that every problem of the instance is told by sheet, row and column
(`sheet suppliers, row 4, column capacity.2027: ...`) instead of its field path. A cell means
what it says: a number cell is a number, a text cell is text (the text "5" is refused where a
number is required, as a quoted number is in YAML), an empty cell leaves the key out; formulas,
dates and error values are refused. The writer (`instance_workbook`) writes what the reader
reads back as the same instance.

openpyxl is imported only when a workbook is read or written.
"""

from __future__ import annotations

import datetime
import difflib
import io
import math
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sourcing.errors import InstanceError, Problem, UsageError
from sourcing.instance.fields import describe, key_text, period_key
from sourcing.instance.schema import (
    Ban,
    Bloc,
    Cap,
    Demand,
    Expansion,
    Floor,
    Instance,
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

if TYPE_CHECKING:
    from openpyxl import Workbook

MAX_UNPACKED_BYTES = 256 * 2**20
"""The most a workbook may unpack to (its sheets and strings, uncompressed): 256 MiB."""
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
_BY_NAME = {sheet.name: sheet for sheet in SHEETS}
_LIST_SHEETS = {sheet.list_path: sheet for sheet in SHEETS if sheet.parent is None}
_PARENT_KINDS = {"suppliers": "supplier", "backend": "back-end site"}

LIST_COLUMNS = frozenset({"members", "products", "markets", "periods", "outages", "groups"})
"""Columns (and settings) whose cell holds a list as comma-separated text: `JP, KR, US`."""
PERIOD_LISTS = frozenset({"periods"})
"""Lists of periods: an item that is a whole number (`2026`) is the number, as in YAML."""
LIST_SETTINGS = frozenset({"periods", "resilience.outages"})
_WHOLE = re.compile(r"-?[0-9]+")


def _sheet_text(name: str) -> str:
    return f"sheet {name}" if re.fullmatch(r"[\w.-]+", name) else f"sheet {name!r}"


def _column_letter(column: int) -> str:
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


# --- where a value came from ----------------------------------------------------------------


@dataclass
class Places:
    """Where the values of the data came from: field path -> `sheet S, row R, column C`."""

    cells: dict[str, str] = field(default_factory=dict)
    rows: dict[str, tuple[str, int]] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)

    def place(self, problem: Problem) -> Problem:
        """`problem` told by sheet, row and column instead of its field path."""
        path, message = problem.path, _cell_message(problem.message)
        keyed = re.match(r"period '([^']*)': ", message)  # a per-period map's entry: its cell
        if keyed and f"{path}.{key_text(keyed[1])}" in self.cells:
            path, message = f"{path}.{key_text(keyed[1])}", message[keyed.end() :]
        if path in self.cells:
            return Problem(self.cells[path], message)
        for prefix in _prefixes(path):
            if prefix in self.cells:
                rest = path[len(prefix) :]
                item = re.fullmatch(r"\[(\d+)\]", rest)
                where = f"item {int(item[1]) + 1}" if item else rest.lstrip(".")
                return Problem(f"{self.cells[prefix]} ({where})", message)
            if prefix in self.rows:
                sheet, row = self.rows[prefix]
                column = path[len(prefix) :].lstrip(".")
                return Problem(f"{_sheet_text(sheet)}, row {row}, column {column}", message)
        if path in self.rows:
            sheet, row = self.rows[path]
            return Problem(f"{_sheet_text(sheet)}, row {row}", message)
        if path in self.sheets:
            return Problem(_sheet_text(self.sheets[path]), message)
        if path in _LIST_SHEETS:
            if problem.message == "required key is missing":
                return Problem(_sheet_text(_LIST_SHEETS[path].name), "required sheet is missing")
            return Problem(_sheet_text(_LIST_SHEETS[path].name), message)
        if path:
            return Problem(f"{_sheet_text(SETTINGS)}, key {path}", message)
        return Problem(path, message)


def _prefixes(path: str) -> Iterator[str]:
    """The field paths that `path` lies inside, longest first: `a[2].b` -> `a[2]`, `a`."""
    for end in range(len(path) - 1, 0, -1):
        if path[end] in ".[":
            yield path[:end]


def _cell_message(message: str) -> str:
    """A validation message as a workbook's reader needs it: YAML advice becomes cell advice."""
    message = message.replace("(put it in quotes to use it as text)", "(store the cell as text)")
    number = re.search(r"got the text '([^']*)'", message)
    if number and "expected" in message and _is_number_text(number[1]):
        message += " (a text cell: store the number as a number)"
    return message


def _is_number_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- reading --------------------------------------------------------------------------------


@dataclass
class _Grid:
    """One sheet's cells that hold something: row -> column -> value."""

    name: str
    rows: dict[int, dict[int, Any]] = field(default_factory=dict)


def read_workbook(raw: bytes) -> tuple[dict[str, Any], Places]:
    """The plain data of an instance workbook (as a YAML file gives it) and where each value
    came from; `InstanceError` (without a file name) for a workbook that cannot be read."""
    grids = _read_grids(raw)
    reader = _Reader()
    data = reader.read(grids)
    if reader.problems:
        raise InstanceError(reader.problems)
    return data, reader.places


def _refuse(message: str) -> InstanceError:
    return InstanceError([Problem("", message)])


def _read_grids(raw: bytes) -> list[_Grid]:
    """Every sheet's cells; `InstanceError` for what is not a workbook or holds other things."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise _refuse(
            "not an Excel workbook (.xlsx): the file is not a zip archive "
            "(an .xls or .ods file? save it as .xlsx)"
        ) from None
    with archive:
        unpacked = sum(entry.file_size for entry in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise _refuse(
                f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MiB, the most "
                "an instance workbook may hold"
            )
    problems: list[Problem] = []
    grids: list[_Grid] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on styles and extensions
            from openpyxl import load_workbook
            from openpyxl.worksheet._read_only import ReadOnlyWorksheet

            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=False, keep_links=False)
            try:
                for name in book.sheetnames:
                    sheet = book[name]
                    if not isinstance(sheet, ReadOnlyWorksheet):
                        problems.append(
                            Problem(
                                _sheet_text(name), "a chart sheet; a workbook holds only tables"
                            )
                        )
                        continue
                    try:
                        grids.append(_read_grid(book, sheet, problems))
                    except Exception as exc:  # a damaged sheet (`<v>NaN</v>`): say which
                        problems.append(
                            Problem(_sheet_text(name), f"a cell cannot be read ({_detail(exc)})")
                        )
            finally:
                book.close()
    except InstanceError:
        raise
    except Exception as exc:  # openpyxl on a damaged file: anything; say what and stop
        raise _refuse(f"not a readable Excel workbook (.xlsx): {_detail(exc)}") from None
    if problems:
        raise InstanceError(problems)
    return grids


def _detail(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _read_grid(book: Any, sheet: Any, problems: list[Problem]) -> _Grid:
    """The cells of `sheet` that hold a value, read sparsely (a cell at column XFD costs no
    more than one at A); formulas, dates and error values are problems."""
    from openpyxl.worksheet._reader import WorkSheetParser

    grid = _Grid(sheet.title)
    with sheet._get_source() as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=False,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for _, cells in parser.parse():
            for cell in cells:
                value, kind = cell["value"], cell["data_type"]
                if value is None or value == "":
                    continue
                row, column = cell["row"], cell["column"]
                where = f"{_sheet_text(grid.name)}, cell {_column_letter(column)}{row}"
                if kind == "f":
                    problems.append(
                        Problem(
                            where,
                            f"a formula ({_short(value)}); an instance workbook holds values: "
                            "replace the formula by its value",
                        )
                    )
                elif kind == "e":
                    problems.append(Problem(where, f"an error value ({_short(value)})"))
                elif kind == "d" or isinstance(value, datetime.date | datetime.time):
                    problems.append(
                        Problem(
                            where,
                            "a date or time; write a period label as a whole number or as text",
                        )
                    )
                elif kind in ("n", "s", "b"):
                    grid.rows.setdefault(row, {})[column] = value
                else:
                    problems.append(Problem(where, f"a cell of unknown type {kind!r}"))
    return grid


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


class _Reader:
    """Builds the data of an instance from the grids of its sheets, with the places."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.places = Places()

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, grids: list[_Grid]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        by_name: dict[str, _Grid] = {}
        for grid in grids:
            if grid.name == SETTINGS or grid.name in _BY_NAME:
                by_name[grid.name] = grid
                continue
            close = difflib.get_close_matches(grid.name.lower(), SHEET_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.problem(
                _sheet_text(grid.name),
                f"unknown sheet{hint}; the sheets of an instance workbook are "
                + ", ".join(SHEET_NAMES),
            )
        if SETTINGS in by_name:
            self._settings(by_name[SETTINGS], data)
        entries: dict[str, list[dict[str, Any]]] = {}
        for sheet in SHEETS:
            if sheet.name in by_name:
                entries[sheet.name] = self._entries(sheet, by_name[sheet.name], data, entries)
        return data

    # settings: key, value

    def _settings(self, grid: _Grid, data: dict[str, Any]) -> None:
        header = grid.rows.get(1, {})
        where = _sheet_text(SETTINGS)
        if [header.get(1), header.get(2)] != list(SETTINGS_COLUMNS) or len(header) != 2:
            if grid.rows:
                self.problem(f"{where}, row 1", "the header row must be: key, value")
            return
        seen: dict[str, int] = {}
        for row, cells in sorted(grid.rows.items()):
            if row == 1:
                continue
            for column in cells:
                if column > 2:
                    self.problem(
                        f"{where}, cell {_column_letter(column)}{row}",
                        "a value beside the columns key and value",
                    )
            key, value = cells.get(1), cells.get(2)
            if key is None:
                self.problem(f"{where}, row {row}, column key", "a value without a key")
                continue
            if not isinstance(key, str):
                self.problem(
                    f"{where}, row {row}, column key", f"expected text, got {describe(key)}"
                )
                continue
            if key in seen:
                self.problem(
                    f"{where}, row {row}, column key",
                    f"the key {key} is given twice (also row {seen[key]})",
                )
                continue
            seen[key] = row
            if key in _LIST_SHEETS or key == "policies" or key.split(".")[0] in _BY_NAME:
                name = _LIST_SHEETS[key].name if key in _LIST_SHEETS else key
                self.problem(
                    f"{where}, row {row}, column key",
                    f"{key} is not a setting: its entries go on the sheet {name}"
                    if key in _LIST_SHEETS
                    else f"{key} is not a setting",
                )
                continue
            if value is None:
                continue
            place = f"{where}, row {row}, key {key}"
            if key in LIST_SETTINGS:
                value = self._list(value, place, periods=key in PERIOD_LISTS)
            self._put(data, key.split("."), value, place, key)

    def _put(
        self, data: dict[str, Any], parts: list[str], value: Any, place: str, key: str
    ) -> None:
        """Set `value` at the key path `parts` of `data` (settings only)."""
        node = data
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                self.problem(place, f"{key}: {'.'.join(parts[: depth + 1])} already has a value")
                return
            node = child
        if isinstance(node.get(parts[-1]), dict):
            self.problem(place, f"{key} is a group of settings ({key}.<name>), not one value")
            return
        node[parts[-1]] = value
        self.places.cells[key] = place

    # sheets of entries

    def _entries(
        self,
        sheet: Sheet,
        grid: _Grid,
        data: dict[str, Any],
        done: dict[str, list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        """The entries of `sheet` (in row order), put into `data`."""
        where = _sheet_text(sheet.name)
        header = self._header(grid)
        rows = [(row, cells) for row, cells in sorted(grid.rows.items()) if row > 1]
        columns = set(header.values())
        needs_id = "id" in sheet.model.model_fields
        missing = [c for c in ((sheet.key,) if sheet.parent else ()) if c not in columns]
        if needs_id and "id" not in columns:
            missing.insert(0, "id")
        if rows and missing:
            for needed in missing:
                what = (
                    f"it names the {_PARENT_KINDS[sheet.parent]} of each row"
                    if sheet.parent and needed == sheet.key
                    else "it names each entry"
                )
                self.problem(where, f"no column {needed} ({what}); row 1 must name it")
            return []
        for key in header.values():
            child = next((s for s in SHEETS if s.parent == sheet.name and s.field == key), None)
            if child is not None:
                self.problem(
                    f"{where}, row 1, column {key}",
                    f"{key} go on the sheet {child.name}, one row each",
                )
        entries: list[dict[str, Any]] = []
        places: list[tuple[int, dict[str, str]]] = []
        for row, cells in rows:
            entry: dict[str, Any] = {}
            cell_places: dict[str, str] = {}
            for column, value in sorted(cells.items()):
                name = header.get(column)
                if name is None:
                    self.problem(
                        f"{where}, cell {_column_letter(column)}{row}",
                        "a value in a column without a key in row 1",
                    )
                    continue
                place = f"{where}, row {row}, column {name}"
                if name in LIST_COLUMNS:
                    value = self._list(value, place, periods=name in PERIOD_LISTS)
                head, dot, sub = name.partition(".")
                if dot:
                    group = entry.setdefault(head, {})
                    if not isinstance(group, dict):
                        self._both(place, head)
                        continue
                    group[sub] = value
                    cell_places[f"{head}.{key_text(sub)}"] = place
                else:
                    if isinstance(entry.get(head), dict):
                        self._both(place, head)
                        continue
                    entry[head] = value
                    cell_places[head] = place
            entries.append(entry)
            places.append((row, cell_places))
        if sheet.parent is None:
            self._place_list(sheet, data, entries, places)
        else:
            self._attach(sheet, done.get(sheet.parent, []), entries, places)
        return entries

    def _header(self, grid: _Grid) -> dict[int, str]:
        where = _sheet_text(grid.name)
        header: dict[int, str] = {}
        seen: dict[str, int] = {}
        for column, value in sorted(grid.rows.get(1, {}).items()):
            place = f"{where}, row 1, column {_column_letter(column)}"
            if not isinstance(value, str):
                self.problem(place, f"a column's key must be text, got {describe(value)}")
                continue
            if value in seen:
                self.problem(
                    place,
                    f"the column {value} is given twice "
                    f"(also column {_column_letter(seen[value])})",
                )
                continue
            seen[value] = column
            header[column] = value
        return header

    def _both(self, place: str, head: str) -> None:
        self.problem(
            place,
            f"give {head} either in one column {head} or in columns {head}.<key>, not both",
        )

    def _list(self, value: Any, place: str, periods: bool) -> Any:
        """A list cell: comma-separated text, or one number; whole numbers among periods are
        numbers."""
        if not isinstance(value, str):
            return [value]
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items):
            self.problem(place, f"an empty item in the list {value!r} (items are comma-separated)")
        if periods:
            return [int(item) if _WHOLE.fullmatch(item) else item for item in items]
        return items

    def _place_list(
        self,
        sheet: Sheet,
        data: dict[str, Any],
        entries: list[dict[str, Any]],
        places: list[tuple[int, dict[str, str]]],
    ) -> None:
        node = data
        for part in sheet.path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                self.problem(_sheet_text(sheet.name), f"{part} is set on the sheet settings too")
                return
            node = child
        node[sheet.path[-1]] = entries
        self.places.sheets[sheet.list_path] = sheet.name
        for index, (row, cell_places) in enumerate(places):
            self._record(sheet.name, f"{sheet.list_path}[{index}]", row, cell_places)

    def _attach(
        self,
        sheet: Sheet,
        parents: list[dict[str, Any]],
        entries: list[dict[str, Any]],
        places: list[tuple[int, dict[str, str]]],
    ) -> None:
        """Put each entry of a child sheet into its parent's list (the first parent of that id)."""
        where = _sheet_text(sheet.name)
        kind = _PARENT_KINDS[str(sheet.parent)]
        index: dict[str, int] = {}
        for i, parent in enumerate(parents):
            ident = parent.get("id")
            if isinstance(ident, str):
                index.setdefault(ident, i)
        for entry, (row, cell_places) in zip(entries, places, strict=True):
            place = f"{where}, row {row}, column {sheet.key}"
            owner = entry.pop(sheet.key, None)
            cell_places.pop(sheet.key, None)
            if owner is None:
                self.problem(place, f"empty: name the {kind} of this row")
                continue
            if not isinstance(owner, str):
                self.problem(place, f"expected the id of a {kind} (text), got {describe(owner)}")
                continue
            if owner not in index:
                self.problem(place, f"unknown {kind} {owner!r}")
                continue
            parent = parents[index[owner]]
            children = parent.setdefault(sheet.field, [])
            if not isinstance(children, list):
                continue  # the parent's own column `offers`: reported with its header
            path = f"{sheet.list_path}[{index[owner]}].{sheet.field}[{len(children)}]"
            children.append(entry)
            self._record(sheet.name, path, row, cell_places)

    def _record(self, sheet: str, path: str, row: int, cell_places: dict[str, str]) -> None:
        self.places.rows[path] = (sheet, row)
        for key, place in cell_places.items():
            self.places.cells[f"{path}.{key}"] = place


def load_workbook_instance(raw: bytes, source: str) -> Instance:
    """Validate the workbook `raw` (read from `source`); every problem named by its cell."""
    data, places = read_workbook(raw)
    try:
        return Instance.from_data(data)
    except InstanceError as exc:
        raise InstanceError([places.place(p) for p in exc.problems], source) from None


# --- writing --------------------------------------------------------------------------------


def instance_workbook(instance: Instance) -> bytes:
    """The workbook of `instance` (the bytes of an .xlsx file) that reads back as `instance`.

    `UsageError` if some text cannot be a cell's (a control character, longer than Excel
    holds) or an item of a list holds a comma; checked before anything is written.
    """
    from openpyxl import Workbook

    data = instance.model_dump(by_alias=True, exclude_none=True, exclude_defaults=True)
    data["name"] = instance.name
    periods = {period_key(p): i for i, p in enumerate(instance.periods)}
    settings = [[key, _plain(value, key)] for key, value in _settings_rows(instance, data)]
    tables: list[tuple[str, list[str], list[list[Any]]]] = [
        (SETTINGS, list(SETTINGS_COLUMNS), settings)
    ]
    parents: dict[str, list[dict[str, Any]]] = {}
    for sheet in SHEETS:
        if sheet.parent is None:
            node: Any = data
            for part in sheet.path:
                node = node.get(part) if isinstance(node, dict) else None
            if node is None and not sheet.required:
                continue
            entries = list(node or [])
            parents[sheet.name] = entries
            rows = [
                {k: v for k, v in entry.items() if k not in _child_fields(sheet)}
                for entry in entries
            ]
            paths = [f"{sheet.list_path}[{i}]" for i in range(len(rows))]
        else:
            rows, paths = [], []
            for i, parent in enumerate(parents.get(sheet.parent, [])):
                for j, child in enumerate(parent.get(sheet.field, [])):
                    rows.append({sheet.key: parent["id"], **child})
                    paths.append(f"{sheet.list_path}[{i}].{sheet.field}[{j}]")
            if not rows:
                continue
        columns = _columns(sheet, rows, periods)
        tables.append((sheet.name, columns, _table(columns, rows, paths)))
    book = Workbook(write_only=True)
    for name, columns, values in tables:
        target = book.create_sheet(name)
        _layout(target, [30, 60] if name == SETTINGS else [len(c) for c in columns])
        target.append(columns)
        for row in values:
            target.append([_cell(target, value) for value in row])
    return workbook_bytes(book)


def _layout(sheet: Any, widths: list[int]) -> None:
    """The header row stays in view; columns wide enough for their keys."""
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, width + 2)


def _child_fields(sheet: Sheet) -> set[str]:
    return {s.field for s in SHEETS if s.parent == sheet.name}


def _settings_rows(instance: Instance, data: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(key, value) of the settings sheet: the scalar keys, groups flattened (`risk.weight`);
    a group given with only its defaults (`risk: {}`) is written in full, to stay given."""
    for key, value in data.items():
        if key in _LIST_SHEETS:
            continue
        if isinstance(value, dict):
            if not value and isinstance(getattr(instance, key, None), BaseModel):
                value = getattr(instance, key).model_dump(by_alias=True, exclude_none=True)
            for sub, item in value.items():
                if f"{key}.{sub}" not in _LIST_SHEETS:
                    yield f"{key}.{sub}", item
        else:
            yield key, value


def _columns(sheet: Sheet, rows: list[dict[str, Any]], periods: dict[str, int]) -> list[str]:
    """The columns of `rows` flattened (`capacity.2026`), in the order of the schema's fields;
    a field's own column before its keyed ones, those in the order of `periods` (text ->
    position), then as first seen."""
    order = {name: i for i, name in enumerate(sheet.model.model_fields)}
    for name, info in sheet.model.model_fields.items():
        if info.alias:
            order[info.alias] = order[name]
    if sheet.parent:
        order[sheet.key] = -1
    seen: dict[str, tuple[int, int, int, int]] = {}
    for row in rows:
        for key, value in row.items():
            rank = order.get(key, len(order))
            if isinstance(value, dict):
                for sub in value:
                    period = periods.get(sub, len(periods))
                    seen.setdefault(f"{key}.{sub}", (rank, 1, period, len(seen)))
            else:
                seen.setdefault(key, (rank, 0, 0, len(seen)))
    if not rows:
        return ["id"] if "id" in order else []
    return sorted(seen, key=seen.__getitem__)


def _table(columns: list[str], rows: list[dict[str, Any]], paths: list[str]) -> list[list[Any]]:
    """The cells of `rows` under `columns` (keyed maps flattened: `capacity.2026`)."""
    table = []
    for row, path in zip(rows, paths, strict=True):
        flat: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, dict):
                for sub, item in value.items():
                    flat[f"{key}.{sub}"] = item
            else:
                flat[key] = value
        table.append([_plain(flat.get(name), f"{path}.{name}") for name in columns])
    return table


def _plain(value: Any, path: str) -> Any:
    """What a cell holds for `value` (lists as comma-separated text); `UsageError` for text
    a cell cannot hold."""
    if isinstance(value, list):
        value = ", ".join(_list_item(item, path) for item in value)
    if isinstance(value, str):
        _check_text(value, path)
    return value


def _cell(sheet: Any, value: Any) -> Any:
    """A write-only cell for `value`: text as text (`=...` is not a formula), numbers exactly
    (all the digits a float needs, where openpyxl would write 16)."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"  # never a formula, whatever the text
        return cell
    if isinstance(value, int | float) and not isinstance(value, bool) and not _exact(value):
        cell = WriteOnlyCell(sheet, value)
        cell._value = repr(float(value)) if isinstance(value, float) else str(value)
        return cell
    return value


def _exact(number: float) -> bool:
    """Whether openpyxl's own text of `number` (16 significant digits) reads back as it."""
    if isinstance(number, float) and not math.isfinite(number):
        return False
    try:
        return type(number)(float(f"{number:.16g}")) == number
    except (OverflowError, ValueError):
        return False


def _list_item(item: Any, path: str) -> str:
    text = str(item)
    if not isinstance(item, str | int) or isinstance(item, bool):
        raise UsageError(f"{path}: cannot write {describe(item)} in a list cell")
    if "," in text or text != text.strip() or not text:
        raise UsageError(
            f"{path}: the item {text!r} cannot be written in a workbook's list cell "
            "(items are separated by commas, and spaces around them are dropped)"
        )
    return text


def _check_text(text: str, path: str) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    bad = ILLEGAL_CHARACTERS_RE.search(text)
    if bad:
        raise UsageError(
            f"{path}: the text {_short(text)!r} holds the control character "
            f"{bad[0]!r}, which a workbook cannot hold"
        )
    if len(text) > MAX_CELL_TEXT:
        raise UsageError(
            f"{path}: a text of {len(text)} characters is longer than a cell holds "
            f"({MAX_CELL_TEXT})"
        )


def workbook_bytes(book: Workbook) -> bytes:
    """The .xlsx bytes of `book`, the same for the same content: fixed times in the file's
    properties and its zip entries."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()
    stamped = io.BytesIO()
    with (
        zipfile.ZipFile(first) as source,
        zipfile.ZipFile(stamped, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as target,
    ):
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(entry))
    return stamped.getvalue()
