"""The one way results become tables: given columns, period labels kept as given."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """A table with these columns; `period` keeps its labels as given (no 1 -> 1.0)."""
    return pd.DataFrame(
        {
            column: pd.Series(
                [row.get(column) for row in rows], dtype=object if column == "period" else None
            )
            for column in columns
        },
        columns=columns,
    )


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of `table` as JSON-ready objects: plain Python values, NaN as None."""
    return [{k: _plain(v) for k, v in row.items()} for row in table.to_dict(orient="records")]


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
