"""`sourcing`: semiconductor sourcing under de-risking caps, alliance floors and export controls.

>>> from sourcing import load_instance, solve
>>> results = solve(load_instance())          # the bundled default instance
>>> results.status, results.objective
"""

from sourcing.api import solve
from sourcing.errors import (
    CheckError,
    InfeasibleError,
    InstanceError,
    NoSolutionError,
    SourcingError,
    UsageError,
)
from sourcing.io import DEFAULT_INSTANCE, dump_instance, load_instance
from sourcing.results import Results
from sourcing.schema import Instance

__all__ = [
    "DEFAULT_INSTANCE",
    "CheckError",
    "InfeasibleError",
    "Instance",
    "InstanceError",
    "NoSolutionError",
    "Results",
    "SourcingError",
    "UsageError",
    "dump_instance",
    "load_instance",
    "solve",
]
