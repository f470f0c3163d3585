"""Pictures of sweeps and frontiers (PNG, with a CSV of the same numbers beside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_sweep(frame: pd.DataFrame, path: Path, *, money: str, title: str) -> Path:
    """Objective against the first swept parameter (one line per value of a second one)."""
    plt = pyplot()
    parameters = frame.attrs.get("parameters", [])
    if not parameters:
        raise ValueError("the sweep has no parameter to plot against")
    x = parameters[0]
    solved = frame[frame["status"].isin(["optimal", "feasible"])]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    groups = solved.groupby(parameters[1]) if len(parameters) > 1 else [(None, solved)]
    for key, part in groups:
        label = None if key is None else f"{parameters[1]} = {key}"
        ax.plot(part[x], part["objective"], marker="o", label=label)
    failed = frame[~frame["status"].isin(["optimal", "feasible"])]
    for value in failed[x]:
        ax.axvline(value, color="0.8", linestyle=":", linewidth=1)
    ax.set_xlabel(x)
    ax.set_ylabel(f"total cost ({money})")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(parameters) > 1:
        ax.legend(fontsize="small")
    if len(failed):
        ax.text(
            0.01,
            0.01,
            "dotted: no plan (infeasible)",
            transform=ax.transAxes,
            fontsize="small",
            color="0.4",
        )
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_frontier(
    frame: pd.DataFrame, path: Path, *, xlabel: str, money: str, title: str, scale: float = 100
) -> Path:
    """Cost against the frontier's level (its first column, times `scale`), breakpoints
    labelled."""
    plt = pyplot()
    level = frame.attrs["parameters"][0]
    solved = frame[frame["status"].isin(["optimal", "feasible"])]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ax.plot(scale * solved[level], solved["objective"], marker=".", color="C0")
    for row in solved[solved["breakpoint"]].to_dict(orient="records"):
        x = scale * row[level]
        ax.plot(x, row["objective"], marker="o", color="C3")
        if row["newly_binding"]:
            label = f"{row['newly_binding']} binds"
        elif row["released"]:
            label = f"{row['released']} released"
        else:
            label = "breakpoint"
        ax.annotate(
            label,
            (x, row["objective"]),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize="small",
            color="C3",
        )
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"total cost ({money})")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
