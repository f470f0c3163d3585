"""The one way results become tables: given columns, period labels kept as given."""

from __future__ import annotations

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
