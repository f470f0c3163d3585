"""Pictures of sweeps and frontiers (PNG, with a CSV of the same numbers beside them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_sweep(frame: pd.DataFrame, path: Path, *, money: str, title: str) -> Path:
    """Objective against the first swept parameter (one line per value of a second one)."""
    plt = _pyplot()
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


def plot_frontier(frame: pd.DataFrame, path: Path, *, group: str, money: str, title: str) -> Path:
    """Cost against the largest share allowed to `group`, with the breakpoints labelled."""
    plt = _pyplot()
    solved = frame[frame["status"].isin(["optimal", "feasible"])]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    ax.plot(100 * solved["max_share"], solved["objective"], marker=".", color="C0")
    for row in solved[solved["breakpoint"]].itertuples(index=False):
        ax.plot(100 * row.max_share, row.objective, marker="o", color="C3")
        label = (
            f"{row.newly_binding} binds"
            if row.newly_binding
            else f"{row.released} released"
            if row.released
            else "breakpoint"
        )
        ax.annotate(
            label,
            (100 * row.max_share, row.objective),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize="small",
            color="C3",
        )
    ax.set_xlabel(f"largest share of {group} in any product, market and period (%)")
    ax.set_ylabel(f"total cost ({money})")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
