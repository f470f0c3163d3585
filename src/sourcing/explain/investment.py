"""What a plan builds and what the programmes pay: one row per expansion.

`expansions` (a table): expansion, supplier, built, capex, the subsidy of each programme (one
column `subsidy_<programme>` each), the total subsidy and the net cost (capex - subsidy, 0 if
not built). In JSON: `[{"id", "built", "capex", "subsidies": {program: amount}}]` (SPEC
section 5), where `capex` is what building costs (paid only if built).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from sourcing.instance.schema import Instance
from sourcing.plan import Plan

INVESTMENT_COSTS = ("capex", "subsidy")  # cost components of instances with expansions


def expansion_columns(instance: Instance) -> list[str]:
    programs = [f"subsidy_{g.id}" for g in instance.programs]
    return ["expansion", "supplier", "built", "capex", *programs, "subsidy", "net"]


def expansion_rows(instance: Instance, plan: Plan) -> list[dict[str, Any]]:
    rows = []
    for e in instance.expansions:
        built = e.id in plan.builds
        paid = {g.id: float(plan.subsidies.get((e.id, g.id), 0.0)) for g in instance.programs}
        subsidy = sum(paid.values())
        rows.append(
            {
                "expansion": e.id,
                "supplier": e.supplier,
                "built": built,
                "capex": e.capex,
                **{f"subsidy_{g}": amount for g, amount in paid.items()},
                "subsidy": subsidy,
                "net": e.capex - subsidy if built else 0.0,
            }
        )
    return rows


def expansion_records(frame: pd.DataFrame, programs: list[str]) -> list[dict[str, Any]]:
    """The JSON form of the table (SPEC section 5)."""
    return [
        {
            "id": row["expansion"],
            "supplier": row["supplier"],
            "built": bool(row["built"]),
            "capex": float(row["capex"]),
            "subsidies": {
                g: float(row[f"subsidy_{g}"]) for g in programs if row[f"subsidy_{g}"] > 0
            },
        }
        for row in frame.to_dict("records")
    ]
