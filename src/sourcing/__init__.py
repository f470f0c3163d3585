"""`sourcing`: semiconductor sourcing under de-risking caps, alliance floors and export controls.

>>> from sourcing import load_instance, solve
>>> results = solve(load_instance())          # the bundled default instance
>>> results.status, results.objective

>>> from sourcing import Pipeline, SolveOptions   # the same, step by step
>>> pipeline = Pipeline(load_instance(), SolveOptions(time_limit=60))
>>> model = pipeline.build()                      # tables and the Pyomo model
>>> handed = pipeline.hand_over()                 # its arrays in HiGHS
>>> outcome = pipeline.run()                      # the search
>>> results = pipeline.finish()                   # the plan, checked, and its tables

Names are imported on first use, so that `import sourcing` and the command line's start are
quick (Pyomo, pandas and HiGHS load only when something needs them).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    "solve": "sourcing.api",
    "CheckError": "sourcing.errors",
    "InfeasibleError": "sourcing.errors",
    "InstanceError": "sourcing.errors",
    "NoSolutionError": "sourcing.errors",
    "SourcingError": "sourcing.errors",
    "UsageError": "sourcing.errors",
    "DEFAULT_INSTANCE": "sourcing.instance.io",
    "dump_instance": "sourcing.instance.io",
    "load_instance": "sourcing.instance.io",
    "Pipeline": "sourcing.pipeline",
    "Results": "sourcing.explain.results",
    "SolveOptions": "sourcing.solver.options",
    "solve_with": "sourcing.api",
    "Instance": "sourcing.instance.schema",
}

if TYPE_CHECKING:
    from sourcing.api import solve, solve_with
    from sourcing.errors import (
        CheckError,
        InfeasibleError,
        InstanceError,
        NoSolutionError,
        SourcingError,
        UsageError,
    )
    from sourcing.explain.results import Results
    from sourcing.instance.io import DEFAULT_INSTANCE, dump_instance, load_instance
    from sourcing.instance.schema import Instance
    from sourcing.pipeline import Pipeline
    from sourcing.solver.options import SolveOptions


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'sourcing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "DEFAULT_INSTANCE",
    "CheckError",
    "InfeasibleError",
    "Instance",
    "InstanceError",
    "NoSolutionError",
    "Pipeline",
    "Results",
    "SolveOptions",
    "SourcingError",
    "UsageError",
    "dump_instance",
    "load_instance",
    "solve",
    "solve_with",
]
