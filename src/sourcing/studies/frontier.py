"""The price of de-risking: cost against the largest share one group may hold (epsilon-constraint).

A cap on the group (per product, market and period) is added and tightened from the share the
group holds at the unconstrained optimum down to zero; each level is solved as a sweep point.
A breakpoint is a level where the slope of the cost changes as the set of binding policies
changes; the policies that start to bind there are named.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from sourcing.api import solve_with
from sourcing.errors import UsageError
from sourcing.explain.results import Results
from sourcing.explain.shares import POOLED
from sourcing.instance.overrides import apply_overrides
from sourcing.instance.schema import Instance, group_members
from sourcing.model.data import ModelData
from sourcing.model.hhi import add_hhi_limit
from sourcing.output.studies import StudyLabels
from sourcing.pipeline import Pipeline
from sourcing.solver import SolveOptions
from sourcing.studies.grid import MAX_POINTS
from sourcing.studies.sweep import Progress, point_row, rows_frame, sweep

SLOPE_TOLERANCE = 1e-6
MEASURES = ("share", "hhi", "outage", "budget")
STAGES = ("front", "back")
HHI_TANGENTS = 24


def largest_share(instance: Instance, group: str, stage: str = "front", **options: Any) -> float:
    """The largest share `group` holds in any product, market and period at the optimum (of
    the back-end sites' packaged units when `stage` is "back")."""
    results = solve_with(instance, SolveOptions.of(**options)).raise_for_status()
    shares = results.shares
    if "stage" in shares.columns:
        shares = shares[shares["stage"] == stage]
    shares = shares[(shares["group"] == group) & (shares["product"] != POOLED)]
    return float(shares["share"].max()) if len(shares) else 0.0


def frontier(
    instance: Instance,
    group: str,
    *,
    stage: str = "front",
    points: int = 11,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Cost at `points` levels of the largest share allowed to `group`, from today's to 0
    (at the back end, of the sites' packaged units, when `stage` is "back").

    Columns: max_share, status, objective, the sweep's outcome columns, `breakpoint`,
    `newly_binding` (policies binding at this level that did not at the previous one) and
    `released` (policies that bound at the previous level and no longer do).
    """
    if group not in group_members(instance):
        raise UsageError(f"unknown group {group!r}: name a region, bloc or supplier id")
    if stage not in STAGES:
        raise UsageError(f"stage must be front or back, got {stage!r}")
    if stage == "back" and not instance.backend:
        raise UsageError("a back-end frontier (stage back) needs back-end sites (`backend`)")
    _check_points(points)
    start = largest_share(instance, group, stage, **options)
    cap_id = f"frontier:{group}" if stage == "front" else f"frontier:{group}:back"
    capped = apply_overrides(
        instance,
        [f"+policies.caps={{id: '{cap_id}', group: '{group}', max_share: 1.0, stage: {stage}}}"],
    )
    path = f"policies.caps[{cap_id}].max_share"
    study = {"jobs": jobs, "scheduler": scheduler, "progress": progress}
    levels = _levels(start, 0.0, points)
    return _trace_levels(capped, path, levels, "max_share", cap_id, study, options)


def outage_frontier(
    instance: Instance,
    *,
    points: int = 11,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Cost against the share of demand any single outage may leave unmet (N-1).

    The outages, their factor and where the share is measured (`per`: total, product, cell)
    are the file's `resilience` keys, or their defaults (every region, full outage, per
    product). Levels run from what the unconstrained plan leaves unmet in its worst outage
    down to 0; levels no plan can meet come out infeasible.
    """
    _check_points(points)
    kept = {} if instance.resilience is None else instance.resilience.model_dump(exclude_none=True)
    base = instance.replace(resilience={**kept, "max_outage_shortage": 1.0})
    assert base.resilience is not None
    measured = {
        "total": "shortage_share",
        "product": "worst_product_share",
        "cell": "worst_cell_share",
    }[base.resilience.per]
    results = solve_with(base, SolveOptions.of(**options)).raise_for_status()
    if results.scenarios is None:
        raise UsageError("the instance has no outages to trace a frontier over")
    outages = results.scenarios[results.scenarios["scenario"].str.startswith("outage:")]
    start = float(outages[measured].max()) if len(outages) else 0.0
    path = "resilience.max_outage_shortage"
    study = {"jobs": jobs, "scheduler": scheduler, "progress": progress}
    levels = _levels(start, 0.0, points)
    return _trace_levels(base, path, levels, "max_outage_shortage", "", study, options)


def hhi_frontier(
    instance: Instance,
    *,
    points: int = 11,
    tangents: int = HHI_TANGENTS,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Cost against the concentration of supply: the HHI over regions, from today's down to
    that of an equal split between the regions that can supply.

    Each level adds sum_r q_r^2 <= level, q_r = region r's supply / total demand, with each
    q_r^2 bounded below by `tangents` tangent lines (an outer approximation, off by at most
    (1 / 2 tangents)^2 per region). The `hhi` column is the HHI the plan reaches, computed from
    its flows; where demand goes unmet it may differ from the level.
    """
    _check_points(points)
    settings = SolveOptions.of(**options)
    base = solve_with(instance, settings).raise_for_status()
    start = point_row(instance, {}, base)["hhi"]
    supplying = {s.region for s in instance.suppliers}
    floor = 1.0 / max(1, len(supplying))
    levels = _levels(start, floor, points)
    rows = []
    for done, level in enumerate(levels, start=1):
        results = _solve_with_hhi_limit(instance, level, tangents, settings)
        rows.append(point_row(instance, {"max_hhi": level}, results))
        if progress:
            progress(done, len(levels))
    frame = _level_column(rows_frame(rows), "max_hhi", "max_hhi")
    return _mark_breakpoints(frame, "max_hhi", "")


def frontier_labels(
    instance: Instance,
    measure: str,
    group: str | None = None,
    program: str | None = None,
    stage: str = "front",
) -> StudyLabels:
    """Titles, axis and heading of the frontier of `measure` (and `group` and `stage`, for
    "share"; `program`, for "budget")."""
    money = instance.units.money
    if measure == "hhi":
        return StudyLabels(
            kind="frontier",
            title=f"{instance.name}: the price of spreading supply across regions",
            heading=f"Cost against the HHI of regional supply ({money})",
            money=money,
            xlabel="HHI of supply over regions (0-10,000)",
            scale=10_000.0,
        )
    if measure == "budget":
        return StudyLabels(
            kind="frontier",
            title=f"{instance.name}: what the budget of {program} buys",
            heading=f"Cost against the budget of {program} ({money})",
            money=money,
            xlabel=f"budget of {program} ({money})",
            scale=1.0,
        )
    if measure == "outage":
        return StudyLabels(
            kind="frontier",
            title=f"{instance.name}: the price of surviving any one regional outage",
            heading=f"Cost against the unmet share in the worst outage ({money})",
            money=money,
            xlabel="largest share of demand unmet in any one regional outage (%)",
        )
    tier = " back-end" if stage == "back" else ""
    return StudyLabels(
        kind="frontier",
        title=f"{instance.name}: the price of de-risking from{tier} {group}",
        heading=f"Cost against the largest{tier} share of {group} ({money})",
        money=money,
        xlabel=f"largest{tier} share of {group} in any product, market and period (%)",
        shares=None if group is None else (f"back_share_{group}" if tier else group,),
    )


def budget_frontier(
    instance: Instance,
    program: str,
    *,
    points: int = 11,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Cost against the budget of subsidy programme `program`, from zero to where more stops
    helping: what the programme pays when its budget is unlimited.

    Each level is a sweep point, so the columns are the sweep's: the objective, the expected
    unmet demand and the worst per-product outage share where the instance has scenarios and
    a resilience requirement, the expansions `built` and the `subsidy` paid.
    """
    programs = {g.id: g for g in instance.programs}
    if program not in programs:
        known = ", ".join(programs) or "none"
        raise UsageError(f"unknown programme {program!r}: name one of {known}")
    _check_points(points)
    index = list(programs).index(program)
    unlimited = [
        g.model_copy(update={"budget": None}) if g.id == program else g for g in programs.values()
    ]
    open_ended = solve_with(instance.replace(programs=unlimited), SolveOptions.of(**options))
    open_ended.raise_for_status()
    assert open_ended.plan is not None
    most = sum(q for (_, g), q in open_ended.plan.subsidies.items() if g == program)
    path = f"programs[{index}].budget"
    study = {"jobs": jobs, "scheduler": scheduler, "progress": progress}
    levels = _levels(0.0, most, points)
    return _trace_levels(instance, path, levels, "budget", program, study, options)


def trace(
    instance: Instance,
    measure: str = "share",
    *,
    group: str | None = None,
    program: str | None = None,
    stage: str = "front",
    points: int = 11,
    jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> pd.DataFrame:
    """The frontier of `measure` (one of `MEASURES`): "share" of `group` at `stage` (see
    `frontier`),
    "hhi" (see `hhi_frontier`, solved in this process) or "outage" (see
    `outage_frontier`); `frontier_labels` gives its titles."""
    if measure == "hhi":
        return hhi_frontier(instance, points=points, progress=progress, **options)
    study = {"points": points, "jobs": jobs, "scheduler": scheduler, "progress": progress}
    if measure == "outage":
        return outage_frontier(instance, **study, **options)
    if measure == "budget":
        if program is None:
            raise UsageError("the budget frontier needs a programme (--program)")
        return budget_frontier(instance, program, **study, **options)
    if measure != "share":
        raise UsageError(f"measure must be one of {', '.join(MEASURES)}, got {measure!r}")
    if group is None:
        raise UsageError("the share frontier needs a group (--group): a region, bloc or supplier")
    return frontier(instance, group, stage=stage, **study, **options)


def _solve_with_hhi_limit(
    instance: Instance, level: float, tangents: int, options: SolveOptions
) -> Results:
    """`solve`, with the nominal plan's regional HHI limited to `level` (see `hhi_frontier`)."""

    def limit(model: Any, data: ModelData) -> None:
        add_hhi_limit(model, data, level, tangents)

    return Pipeline(instance, options, edit=limit).solve()


def _check_points(points: int) -> None:
    if not 2 <= points <= MAX_POINTS:
        raise UsageError(f"a frontier needs from 2 to {MAX_POINTS:,} points, got {points:,}")


def _levels(start: float, stop: float, points: int) -> list[float]:
    """`points` evenly spaced levels from `start` to `stop`, both included; one level when
    they are equal (a budget that nothing needs, a group with no share): the same point
    solved again would add nothing."""
    return list(dict.fromkeys(round(float(v), 9) for v in np.linspace(start, stop, points)))


def _trace_levels(
    instance: Instance,
    path: str,
    levels: list[float],
    column: str,
    marker: str,
    study: dict[str, Any],
    options: dict[str, Any],
) -> pd.DataFrame:
    """A frontier traced as a sweep of `path` over `levels`: the level in `column`, and the
    breakpoints where policies (other than `marker`, the frontier's own) start or stop
    binding. `study` holds the sweep's jobs, scheduler and progress."""
    frame = sweep(instance, {path: levels}, **study, **options)
    return _mark_breakpoints(_level_column(frame, path, column), column, marker)


def _level_column(frame: pd.DataFrame, path: str, column: str) -> pd.DataFrame:
    """The sweep's parameter column `path` named `column`, the frontier's level."""
    frame = frame.rename(columns={path: column})
    frame.attrs["parameters"] = [column]
    return frame


def _mark_breakpoints(frame: pd.DataFrame, level: str, cap_id: str) -> pd.DataFrame:
    frame = frame.copy()
    frame["breakpoint"] = False
    frame["newly_binding"] = ""
    frame["released"] = ""
    solved = frame.index[frame["status"].isin(["optimal", "feasible"])].tolist()
    scale = max(1.0, float(frame["objective"].abs().max() or 0.0))
    for before, here in itertools.pairwise(solved):
        old = _binding(frame.loc[before], cap_id)
        now = _binding(frame.loc[here], cap_id)
        frame.loc[here, "newly_binding"] = ", ".join(p for p in now if p not in old)
        frame.loc[here, "released"] = ", ".join(p for p in old if p not in now)
    # A breakpoint: the slope changes where the set of binding policies changes.
    for before, here, after in zip(solved, solved[1:], solved[2:], strict=False):
        slope_in = _slope(frame, level, before, here)
        slope_out = _slope(frame, level, here, after)
        changed = _binding(frame.loc[before], cap_id) != _binding(frame.loc[here], cap_id)
        if changed and abs(slope_out - slope_in) > SLOPE_TOLERANCE * scale:
            frame.loc[here, "breakpoint"] = True
    return frame


def _slope(frame: pd.DataFrame, level: str, a: Any, b: Any) -> float:
    dx = float(frame.loc[b, level]) - float(frame.loc[a, level])
    dy = float(frame.loc[b, "objective"]) - float(frame.loc[a, "objective"])
    return dy / dx if dx else 0.0


def _binding(row: pd.Series, cap_id: str) -> list[str]:
    text = row.get("binding") or ""
    return [p for p in str(text).split(", ") if p and p != cap_id]
