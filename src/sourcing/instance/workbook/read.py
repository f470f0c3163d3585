"""Reading an instance workbook into the plain data a YAML file gives, with each value's cell.

Every problem of the instance is then told by sheet, row and column (`sheet suppliers, row 4,
column capacity.2027: ...`) instead of its field path. The text "5" is refused where a number is
required, as a quoted number is in YAML; an empty cell leaves the key out.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from sourcing.errors import InstanceError, Problem
from sourcing.instance.fields import describe, key_text
from sourcing.instance.schema import Instance
from sourcing.instance.workbook.grid import Grid, read_grids
from sourcing.instance.workbook.layout import (
    BY_NAME,
    LIST_COLUMNS,
    LIST_SETTINGS,
    LIST_SHEETS,
    PARENT_KINDS,
    PERIOD_LISTS,
    SETTINGS,
    SETTINGS_COLUMNS,
    SHEET_NAMES,
    SHEETS,
    Sheet,
    column_letter,
    sheet_text,
)
from sourcing.instance.workbook.places import Places

_WHOLE = re.compile(r"-?[0-9]+")
"""A whole number in a list of periods: `2026` is the number, as in YAML."""


def read_workbook(raw: bytes) -> tuple[dict[str, Any], Places]:
    """The plain data of an instance workbook (as a YAML file gives it) and where each value
    came from; `InstanceError` (without a file name) for a workbook that cannot be read."""
    grids = read_grids(raw)
    reader = _Reader()
    data = reader.read(grids)
    if reader.problems:
        raise InstanceError(reader.problems)
    return data, reader.places


class _Reader:
    """Builds the data of an instance from the grids of its sheets, with the places."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.places = Places()

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def read(self, grids: list[Grid]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        by_name: dict[str, Grid] = {}
        for grid in grids:
            if grid.name == SETTINGS or grid.name in BY_NAME:
                by_name[grid.name] = grid
                continue
            close = difflib.get_close_matches(grid.name.lower(), SHEET_NAMES, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            self.problem(
                sheet_text(grid.name),
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

    def _settings(self, grid: Grid, data: dict[str, Any]) -> None:
        header = grid.rows.get(1, {})
        where = sheet_text(SETTINGS)
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
                        f"{where}, cell {column_letter(column)}{row}",
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
            if key in LIST_SHEETS or key == "policies" or key.split(".")[0] in BY_NAME:
                name = LIST_SHEETS[key].name if key in LIST_SHEETS else key
                self.problem(
                    f"{where}, row {row}, column key",
                    f"{key} is not a setting: its entries go on the sheet {name}"
                    if key in LIST_SHEETS
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
        grid: Grid,
        data: dict[str, Any],
        done: dict[str, list[dict[str, Any]]],
    ) -> list[dict[str, Any]]:
        """The entries of `sheet` (in row order), put into `data`."""
        where = sheet_text(sheet.name)
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
                    f"it names the {PARENT_KINDS[sheet.parent]} of each row"
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
                        f"{where}, cell {column_letter(column)}{row}",
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

    def _header(self, grid: Grid) -> dict[int, str]:
        where = sheet_text(grid.name)
        header: dict[int, str] = {}
        seen: dict[str, int] = {}
        for column, value in sorted(grid.rows.get(1, {}).items()):
            place = f"{where}, row 1, column {column_letter(column)}"
            if not isinstance(value, str):
                self.problem(place, f"a column's key must be text, got {describe(value)}")
                continue
            if value in seen:
                self.problem(
                    place,
                    f"the column {value} is given twice (also column {column_letter(seen[value])})",
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
                self.problem(sheet_text(sheet.name), f"{part} is set on the sheet settings too")
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
        where = sheet_text(sheet.name)
        kind = PARENT_KINDS[str(sheet.parent)]
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
