"""`report.html` of a sweep or frontier (`study_page`): headline, cost and share charts, and
the table of points."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from sourcing.output import html as h
from sourcing.output.report import MAX_BARS, MAX_ROWS, SOLVED, footer

if TYPE_CHECKING:
    from sourcing.output.studies import StudyLabels


def study_page(frame: pd.DataFrame, labels: StudyLabels) -> str:
    """The report of a sweep or frontier: its headline, cost and share charts, and its table."""
    parameters = list(frame.attrs.get("parameters", []))
    solved = frame[frame["status"].isin(SOLVED)]
    items: list[tuple[str, str, str, Any]] = [
        ("study", "study", labels.kind, None),
        ("points", "points", str(len(frame)), len(frame)),
        ("solved", "with a plan", str(len(solved)), len(solved)),
    ]
    if len(solved):
        low, high = float(solved["objective"].min()), float(solved["objective"].max())
        items.append(("lowest", f"lowest cost ({labels.money})", h.number(low), low))
        items.append(("highest", f"highest cost ({labels.money})", h.number(high), high))
    body = [h.headline(items)]
    if parameters:
        body.append(_study_cost_chart(frame, labels, parameters))
        body.append(_study_share_chart(frame, labels, parameters))
    body.append(h.section(labels.heading, _study_table(frame, parameters), element_id="points"))
    return h.page(labels.title, f"sourcing {labels.kind}", "\n".join(body), footer())


def _scaled(labels: StudyLabels) -> float:
    return labels.scale if labels.kind == "frontier" else 1.0


def _study_cost_chart(frame: pd.DataFrame, labels: StudyLabels, parameters: list[str]) -> str:
    x = parameters[0]
    scale = _scaled(labels)
    solved = frame[frame["status"].isin(SOLVED)]
    if len(parameters) > 1:
        series = [
            (f"{parameters[1]} = {key}", list(zip(scale * part[x], part["objective"], strict=True)))
            for key, part in solved.groupby(parameters[1], sort=False)
        ]
    else:
        series = [("", list(zip(scale * solved[x], solved["objective"], strict=True)))]
    series = [(name, [(float(a), float(b)) for a, b in line]) for name, line in series]
    marks = []
    if "breakpoint" in frame.columns:
        for row in solved[solved["breakpoint"].astype(bool)].to_dict("records"):
            if row.get("newly_binding"):
                text = f"{row['newly_binding']} binds"
            elif row.get("released"):
                text = f"{row['released']} released"
            else:
                text = "breakpoint"
            marks.append((float(scale * row[x]), float(row["objective"]), text))
    failed = frame[~frame["status"].isin(SOLVED)]
    gaps = [float(scale * v) for v in failed[x] if isinstance(v, int | float)]
    xlabel = labels.xlabel or x
    chart = h.line_chart(
        series,
        xlabel=xlabel,
        ylabel=f"total cost ({labels.money})",
        label=labels.title,
        marks=marks,
        gaps=gaps,
    )
    note = h.paragraph("Dotted lines: no plan (infeasible) at that value.") if gaps else ""
    return h.section(
        f"Total cost ({labels.money})",
        chart or h.paragraph("No point has a plan."),
        note,
        element_id="cost",
    )


def _point_label(row: dict[str, Any], parameters: list[str], scale: float) -> str:
    parts = []
    for p in parameters:
        value = row[p]
        if isinstance(value, float):
            value = f"{scale * value:.4g}" if p == parameters[0] else f"{value:.4g}"
        parts.append(str(value))
    return ", ".join(parts)


def _study_share_chart(frame: pd.DataFrame, labels: StudyLabels, parameters: list[str]) -> str:
    kinds = frame.attrs.get("kinds", {})
    columns = [
        c
        for c in frame.columns
        if c.startswith("share_")
        and kinds.get(c, "region") == "region"
        and frame[c].fillna(0).max() > 0
    ]
    if not columns:
        return ""
    palette = h.colours(c.removeprefix("share_") for c in columns)
    scale = _scaled(labels)
    rows = [
        h.ShareBar(
            _point_label(row, parameters, scale),
            float("nan"),
            {c.removeprefix("share_"): float(row[c] or 0.0) for c in columns},
        )
        for row in frame[frame["status"].isin(SOLVED)].to_dict("records")
    ]
    chart = h.stacked_shares(
        rows[:MAX_BARS], palette, unit="of the supply", label="supply share by region per point"
    )
    return h.section(
        "Supply share by region at each point",
        h.paragraph(f"Points labelled by {', '.join(parameters)}."),
        chart,
        element_id="study-shares",
    )


def _study_table(frame: pd.DataFrame, parameters: list[str]) -> str:
    kinds = frame.attrs.get("kinds", {})
    shares = [
        c
        for c in frame.columns
        if c.startswith("share_")
        and kinds.get(c, "region") == "region"
        and frame[c].fillna(0).max() > 0
    ]
    costs = [c for c in frame.columns if c.startswith("cost_")]
    tail = (
        ["breakpoint", "newly_binding", "released"]
        if "breakpoint" in frame.columns
        else ["binding"]
    )
    columns = [
        c
        for c in [*parameters, "status", "objective", *costs, *shares, "hhi", "shortage", *tail]
        if c in frame.columns
    ]
    numeric = {i for i, c in enumerate(columns) if c not in ("status", *tail)}
    rows = []
    for row in frame.head(MAX_ROWS).to_dict("records"):
        cells: list[Any] = []
        for c in columns:
            value = row.get(c)
            if c.startswith("share_"):
                cells.append(h.share_cell(value))
            elif c == "breakpoint":
                cells.append("*" if value else "")
            elif isinstance(value, float) and (c in parameters or c == "hhi"):
                cells.append(h.Cell("-" if value != value else f"{value:.4g}", value, "num"))
            elif isinstance(value, float):
                cells.append(h.num(value))
            else:
                cells.append("" if value is None else str(value))
        rows.append(cells)
    heads = [
        c.removeprefix("share_") + " %" if c.startswith("share_") else c.removeprefix("cost_")
        for c in columns
    ]
    return h.table(heads, rows, numeric=numeric, element_id="study-table")
