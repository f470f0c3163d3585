"""A comparison for people and scripts: the progress line, the table, notes, the picture, the
JSON with the machine it ran on, and the files of `--output`."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich import box
from rich.markup import escape
from rich.table import Table

from sourcing.bench.cbc import cbc_version, find_cbc
from sourcing.bench.runs import GAP_DEFINITION, SolverRun
from sourcing.bench.scip import scip_version
from sourcing.output.outdir import csv_file, text_file
from sourcing.output.outdir import write as write_run
from sourcing.output.plots import pyplot

BENCH_FILES = ("bench.json", "bench.csv", "bench.png")  # what `write_bench` writes


def machine(cbc: str | Path | None = None) -> dict[str, Any]:
    """The machine and solver versions behind the numbers."""
    binary, _ = find_cbc(cbc)
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cores": os.cpu_count(),
        "highspy": package_version("highspy"),
        "pyscipopt": package_version("pyscipopt"),
        "scip": scip_version(),
        "cbc": cbc_version(binary),
        "cbc_path": None if binary is None else str(binary),
    }


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def progress_line(run: SolverRun) -> str:
    """One line on a finished run, e.g. "optimal, objective 18,905.29, gap 0.00 %, 0.15 s"."""
    if run.status in ("unavailable", "error"):
        return f"{run.status}: {run.message}"
    parts = [run.status]
    if run.objective is not None:
        parts.append(f"objective {run.objective:,.2f}")
    if run.gap is not None:
        parts.append(f"gap {100 * run.gap:.2f} %")
    if run.seconds is not None:
        parts.append(f"{run.seconds:.2f} s")
    return ", ".join(parts)


_TABLE_COLUMNS = {
    "instance": "instance",
    "solver": "solver",
    "columns": "columns",
    "binaries": "binaries",
    "status": "status",
    "objective": "objective",
    "gap": "gap\n(%)",
    "root_gap": "root\ngap (%)",
    "first_solution_seconds": "first\nsol. (s)",
    "one_percent_gap_seconds": "1 % gap\n(s)",
    "seconds": "total\n(s)",
}


def bench_table(frame: pd.DataFrame) -> Table:
    """The runs as a table (rows and nonzeros are in the CSV), the gap's definition below it;
    see `bench_notes` for the runs' messages."""
    table = Table(
        title="Solvers on the same exported model",
        title_justify="left",
        caption=escape(f"gap = {GAP_DEFINITION}"),
        caption_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for column, label in _TABLE_COLUMNS.items():
        left = column in ("instance", "solver", "status")
        table.add_column(escape(label), justify="left" if left else "right", no_wrap=True)
    for row in frame.to_dict(orient="records"):
        table.add_row(*(escape(_cell(row[c], c)) for c in _TABLE_COLUMNS))
    return table


def _cell(value: Any, column: str) -> str:
    if pd.isna(value):
        return "-"
    if column in ("gap", "root_gap"):  # in %, to 0.001 % below 10 %
        return f"{100 * value:.3f}" if value < 0.1 else f"{100 * value:.1f}"
    if column == "objective":
        return f"{value:,.2f}"
    if column.endswith("seconds"):
        return f"{value:.2f}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


def bench_notes(frame: pd.DataFrame) -> list[str]:
    """The runs' messages, each once with the solvers and instances it concerns."""
    seen: dict[str, tuple[dict[str, None], dict[str, None]]] = {}
    for row in frame.itertuples():
        if row.message:
            solvers, instances = seen.setdefault(str(row.message), ({}, {}))
            solvers[str(row.solver)] = instances[str(row.instance)] = None
    return [
        f"{', '.join(solvers)} on {', '.join(instances)}: {message}"
        for message, (solvers, instances) in seen.items()
    ]


def plot_bench(frame: pd.DataFrame, path: Path) -> Path:
    """Total time and time to a 1 % gap against model columns, log-log, one line per solver."""
    plt = pyplot()
    solved = frame[frame["status"].isin(["optimal", "feasible"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5), dpi=120)
    panels = (("seconds", "total time (s)"), ("one_percent_gap_seconds", "time to 1 % gap (s)"))
    for ax, (column, label) in zip(axes, panels, strict=True):
        points = solved.dropna(subset=[column, "columns"])
        for solver, part in points.groupby("solver", sort=False):
            part = part.sort_values("columns")
            seconds = np.maximum(part[column].to_numpy(dtype=float), 1e-3)
            ax.plot(part["columns"], seconds, marker="o", label=solver)
        if len(points):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, "no run to show", transform=ax.transAxes, ha="center")
        ax.set_xlabel("model columns")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Solvers on the same exported models (times below 1 ms drawn at 1 ms)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def bench_json(
    frame: pd.DataFrame, settings: Mapping[str, Any], machine_info: Mapping[str, Any]
) -> dict[str, Any]:
    """The runs with the settings, the gap definition and the machine, for bench.json."""
    return {
        "gap_definition": GAP_DEFINITION,
        "settings": dict(settings),
        "machine": dict(machine_info),
        "runs": json.loads(frame.to_json(orient="records", double_precision=15)),
    }


def write_bench(
    frame: pd.DataFrame,
    directory: str | Path,
    *,
    settings: Mapping[str, Any],
    machine_info: Mapping[str, Any],
) -> Path:
    """bench.json, bench.csv and bench.png into `directory`, as one run of `bench`.

    Written by `sourcing.output.outdir.write`, as `Results.to_dir` writes a solve's files: each file
    atomically, recorded in the folder's `sourcing-run.json`; an earlier run's other files are
    removed, nothing else is touched; `OutputError` if it cannot.
    """
    document = bench_json(frame, settings, machine_info)
    files = {
        "bench.json": text_file(json.dumps(document, indent=2) + "\n"),
        "bench.csv": csv_file(frame),
        "bench.png": lambda path: plot_bench(frame, path),
    }
    return write_run(directory, files, command="bench")
