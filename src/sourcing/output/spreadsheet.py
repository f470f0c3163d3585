"""`results.xlsx`: a run's tables as one Excel workbook, beside the CSV files.

The sheet `summary` first (rows of `key`, `value`: status, objective, gap, bound, units,
costs, ...), then one sheet per CSV table, named as its file without `.csv`, with the same
columns and rows. The same results give the same bytes (no timings, fixed times in the file).
openpyxl is imported only when the file is written.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sourcing.output.outdir import Renderer

if TYPE_CHECKING:
    import pandas as pd

WORKBOOK = "results.xlsx"
SUMMARY = "summary"
SKIPPED = frozenset({"timings"})
"""Summary keys left out: they differ from one solve of the same instance to the next."""


def summary_rows(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(key, value) rows of the summary: the scalar entries of `document` (a run's JSON
    object), one level of groups flattened (`units.money`, `costs.fixed`); lists (the tables)
    and `SKIPPED` keys left out, deeper values as JSON text."""
    rows: list[tuple[str, Any]] = []
    for key, value in document.items():
        if key in SKIPPED or isinstance(value, list):
            continue
        if isinstance(value, Mapping):
            rows.extend((f"{key}.{sub}", _scalar(item)) for sub, item in value.items())
        else:
            rows.append((key, _scalar(value)))
    return rows


def _scalar(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value)
    return value


def results_workbook(tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any]) -> Renderer:
    """A renderer of `results.xlsx`: `summary` (see `summary_rows`) and one sheet per table
    (`flows.csv` -> sheet `flows`)."""

    def render(path: Path) -> None:
        from openpyxl import Workbook

        from sourcing.instance.workbook import workbook_bytes

        book = Workbook(write_only=True)
        sheet = book.create_sheet(SUMMARY)
        sheet.append(["key", "value"])
        for key, value in summary_rows(summary):
            sheet.append([_cell(sheet, key), _cell(sheet, value)])
        for name, table in tables.items():
            sheet = book.create_sheet(Path(name).stem[:31])
            sheet.freeze_panes = "A2"
            sheet.append([_cell(sheet, str(column)) for column in table.columns])
            for row in table.itertuples(index=False, name=None):
                sheet.append([_cell(sheet, value) for value in row])
        path.write_bytes(workbook_bytes(book))

    return render


def _cell(sheet: Any, value: Any) -> Any:
    """A value as a cell holds it: numbers and flags as they are, missing values empty, text
    without the control characters a workbook cannot hold (shown as `\\x01`), never a formula."""
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    if isinstance(value, Mapping | list):  # a sweep point's parameters, say
        value = json.dumps(value, default=str)
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = ILLEGAL_CHARACTERS_RE.sub(lambda m: repr(m[0])[1:-1], str(value))
    if not text.startswith("="):
        return text
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, text)
    cell.data_type = "s"  # text, never a formula
    return cell
