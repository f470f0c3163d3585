"""Where each value of a workbook's data came from, so that a problem names its cell."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from sourcing.errors import Problem
from sourcing.instance.fields import key_text
from sourcing.instance.workbook.layout import LIST_SHEETS, SETTINGS, sheet_text


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
                return Problem(f"{sheet_text(sheet)}, row {row}, column {column}", message)
        if path in self.rows:
            sheet, row = self.rows[path]
            return Problem(f"{sheet_text(sheet)}, row {row}", message)
        if path in self.sheets:
            return Problem(sheet_text(self.sheets[path]), message)
        if path in LIST_SHEETS:
            if problem.message == "required key is missing":
                return Problem(sheet_text(LIST_SHEETS[path].name), "required sheet is missing")
            return Problem(sheet_text(LIST_SHEETS[path].name), message)
        if path:
            return Problem(f"{sheet_text(SETTINGS)}, key {path}", message)
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
