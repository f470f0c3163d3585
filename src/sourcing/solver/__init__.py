"""The solver: settings, the hand-over of a model to HiGHS, the search, and the second stage.

- `options`: `SolveOptions`, and `configure`, the one place where they become HiGHS settings;
- `arrays`: the model's coefficient arrays passed to HiGHS in one call (`handover`);
- `search`: `run` HiGHS with a first plan, Ctrl-C handling and an exact LP polish;
- `recourse`: a stage's flows re-optimised with the contracts held fixed.
"""

from sourcing.solver.arrays import Csc, HandedOver, StandardForm, handover, new_highs, row_key
from sourcing.solver.options import (
    MIN_TIME_LIMIT,
    SOLVER_KEYWORDS,
    SolveOptions,
    configure,
    set_time_limit,
)
from sourcing.solver.search import (
    STATUSES,
    LpStart,
    SolverOutcome,
    lp_start,
    relative_gap,
    repair_start,
    run,
)

__all__ = [
    "MIN_TIME_LIMIT",
    "SOLVER_KEYWORDS",
    "STATUSES",
    "Csc",
    "HandedOver",
    "LpStart",
    "SolveOptions",
    "SolverOutcome",
    "StandardForm",
    "configure",
    "handover",
    "lp_start",
    "new_highs",
    "relative_gap",
    "repair_start",
    "row_key",
    "run",
    "set_time_limit",
]
