"""Writing an instance as a workbook that reads back as the same instance.

The bytes are the same for the same content (`workbook_bytes`). openpyxl is imported only when
a workbook is written.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sourcing.errors import UsageError
from sourcing.instance.fields import describe, period_key
from sourcing.instance.schema import Instance
from sourcing.instance.workbook.layout import (
    FIXED_TIME,
    LIST_SHEETS,
    MAX_CELL_TEXT,
    SETTINGS,
    SETTINGS_COLUMNS,
    SHEETS,
    Sheet,
    short_text,
)

if TYPE_CHECKING:
    from openpyxl import Workbook


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
        if key in LIST_SHEETS:
            continue
        if isinstance(value, dict):
            if not value and isinstance(getattr(instance, key, None), BaseModel):
                value = getattr(instance, key).model_dump(by_alias=True, exclude_none=True)
            for sub, item in value.items():
                if f"{key}.{sub}" not in LIST_SHEETS:
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
            f"{path}: the text {short_text(text)!r} holds the control character "
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
