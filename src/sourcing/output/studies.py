"""Sweeps and frontiers for people: their labels, and their files (a CSV, a PNG picture,
results.xlsx and report.html)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sourcing.output import outdir
from sourcing.output.plots import plot_frontier, plot_sweep
from sourcing.output.report import REPORT
from sourcing.output.spreadsheet import WORKBOOK, results_workbook
from sourcing.output.study_report import study_page


@dataclass(frozen=True)
class StudyLabels:
    """How a study is shown: `kind` ("sweep" or "frontier", which names its files), the
    picture's title and x axis (the level times `scale`), the table's heading, the unit of
    money, and the groups whose share columns the table shows (None: all regions)."""

    kind: str
    title: str
    heading: str
    money: str
    xlabel: str = ""
    scale: float = 100.0
    shares: tuple[str, ...] | None = None


def study_files(kind: str) -> tuple[str, str, str, str]:
    """The files a study of `kind` writes: `kind`.csv, `kind`.png, results.xlsx (the table as
    a workbook) and report.html."""
    return f"{kind}.csv", f"{kind}.png", WORKBOOK, REPORT


def draw(frame: pd.DataFrame, path: Path, labels: StudyLabels) -> Path:
    """The study's picture at `path` (PNG)."""
    if labels.kind == "sweep":
        return plot_sweep(frame, path, money=labels.money, title=labels.title)
    return plot_frontier(
        frame,
        path,
        xlabel=labels.xlabel,
        money=labels.money,
        title=labels.title,
        scale=labels.scale,
    )


def write_study(frame: pd.DataFrame, output: str | Path, labels: StudyLabels) -> Path:
    """`kind`.csv, `kind`.png, results.xlsx and report.html into `output`, as one run of the
    command `kind` (through the one writer of output folders, `sourcing.output.outdir`)."""
    table, picture, workbook, report = study_files(labels.kind)
    summary = {"command": labels.kind, "title": labels.title, "points": len(frame)}
    files = {
        table: outdir.csv_file(frame),
        picture: lambda path: draw(frame, path, labels),
        workbook: results_workbook({table: frame}, summary),
        report: outdir.text_file(study_page(frame, labels)),
    }
    return outdir.write(output, files, command=labels.kind)
