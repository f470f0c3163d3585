"""Instances as Excel workbooks (`.xlsx`): the layout, the reader and the writer.

`layout` names the sheets and their columns; `grid` reads the cells of each sheet from the zip
archive; `places` remembers the cell of each value, so that problems name sheet, row and
column; `read` turns the cells into the plain data a YAML file gives; `write` writes what
`read` reads back as the same instance. The layout in full: docs/model.md, "Workbooks".

openpyxl is imported only when a workbook is read or written.
"""

from sourcing.instance.workbook.grid import MAX_UNPACKED_BYTES
from sourcing.instance.workbook.layout import (
    MAX_CELL_TEXT,
    OTHER_SPREADSHEETS,
    SETTINGS,
    SHEET_NAMES,
    SHEETS,
    Sheet,
)
from sourcing.instance.workbook.places import Places
from sourcing.instance.workbook.read import load_workbook_instance, read_workbook
from sourcing.instance.workbook.write import instance_workbook, workbook_bytes

__all__ = [
    "MAX_CELL_TEXT",
    "MAX_UNPACKED_BYTES",
    "OTHER_SPREADSHEETS",
    "SETTINGS",
    "SHEETS",
    "SHEET_NAMES",
    "Places",
    "Sheet",
    "instance_workbook",
    "load_workbook_instance",
    "read_workbook",
    "workbook_bytes",
]
