"""The cells of a workbook's sheets, read sparsely from its zip archive.

A cell means what it says: a number cell is a number, a text cell is text; formulas, dates and
error values are refused. openpyxl is imported only when a workbook is read; its internal
`WorkSheetParser` reads the cells that hold a value (hence the pin on openpyxl 3.1).
"""

from __future__ import annotations

import datetime
import io
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any

from sourcing.errors import InstanceError, Problem
from sourcing.instance.workbook.layout import column_letter, sheet_text, short_text

MAX_UNPACKED_BYTES = 256 * 2**20
"""The most a workbook may unpack to (its sheets and strings, uncompressed): 256 MiB."""


@dataclass
class Grid:
    """One sheet's cells that hold something: row -> column -> value."""

    name: str
    rows: dict[int, dict[int, Any]] = field(default_factory=dict)


def _refuse(message: str) -> InstanceError:
    return InstanceError([Problem("", message)])


def read_grids(raw: bytes) -> list[Grid]:
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
    grids: list[Grid] = []
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
                            Problem(sheet_text(name), "a chart sheet; a workbook holds only tables")
                        )
                        continue
                    try:
                        grids.append(_read_grid(book, sheet, problems))
                    except Exception as exc:  # a damaged sheet (`<v>NaN</v>`): say which
                        problems.append(
                            Problem(sheet_text(name), f"a cell cannot be read ({_detail(exc)})")
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


def _read_grid(book: Any, sheet: Any, problems: list[Problem]) -> Grid:
    """The cells of `sheet` that hold a value, read sparsely (a cell at column XFD costs no
    more than one at A); formulas, dates and error values are problems."""
    from openpyxl.worksheet._reader import WorkSheetParser

    grid = Grid(sheet.title)
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
                where = f"{sheet_text(grid.name)}, cell {column_letter(column)}{row}"
                if kind == "f":
                    problems.append(
                        Problem(
                            where,
                            f"a formula ({short_text(value)}); an instance workbook holds values: "
                            "replace the formula by its value",
                        )
                    )
                elif kind == "e":
                    problems.append(Problem(where, f"an error value ({short_text(value)})"))
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
