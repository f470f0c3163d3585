"""Solver settings (`SolveOptions`) and the one place where they become HiGHS settings."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import highspy

from sourcing.errors import UsageError
from sourcing.model.tighten import FORMULATIONS, Formulation


@dataclass(frozen=True)
class SolveOptions:
    """Solver settings: time limit (s), relative MIP gap, threads, random seed, log output, and
    whether to offer HiGHS a first plan rounded from the LP relaxation (see `lp_start`).

    The time limit bounds a whole run, not one call of HiGHS: `started()` turns it into a
    `deadline` (on the `time.perf_counter` clock) that every solve of the run shares: the
    search, the LP polish, a diagnosis, re-optimised outages.
    """

    time_limit: float | None = None
    mip_gap: float = 1e-6
    threads: int | None = None
    seed: int = 0
    verbose: bool = False
    lp_start: bool = True
    deadline: float | None = None
    formulation: str = "tight"  # a key of sourcing.model.FORMULATIONS: the rows to build

    def __post_init__(self) -> None:
        if self.time_limit is not None and not 0 < self.time_limit < math.inf:
            raise UsageError(
                f"time limit must be a positive number of seconds, got {self.time_limit}"
            )
        if not 0 <= self.mip_gap < 1:
            raise UsageError(f"mip gap must be in [0, 1), got {self.mip_gap}")
        if self.formulation not in FORMULATIONS:
            raise UsageError(
                f"formulation must be one of {', '.join(FORMULATIONS)}, got {self.formulation!r}"
            )
        if self.threads is not None and self.threads < 1:
            raise UsageError(f"threads must be at least 1, got {self.threads}")

    def started(self) -> SolveOptions:
        """These options with the clock of the time limit started now (once: a deadline that
        is already set stays)."""
        if self.time_limit is None or self.deadline is not None:
            return self
        return replace(self, deadline=time.perf_counter() + self.time_limit)

    def remaining(self) -> float:
        """Seconds left before the deadline (infinite without a time limit)."""
        if self.deadline is None:
            return math.inf if self.time_limit is None else self.time_limit
        return self.deadline - time.perf_counter()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def time_up(self, where: str = "") -> str:
        """What the time limit stopped, in the user's terms: `time limit of 30 s reached`,
        then `where` (e.g. " while loading")."""
        return f"time limit of {self.time_limit:g} s reached{where}"

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, Any]) -> SolveOptions:
        """The settings among keyword options (as `solve` takes them, the log included);
        others are ignored. The LP-rounded start follows the formulation, as in `solve`."""
        settings = {k: keywords[k] for k in (*SOLVER_KEYWORDS, "verbose") if k in keywords}
        formulation = FORMULATIONS.get(settings.get("formulation", "tight"))
        if formulation is not None:
            settings["lp_start"] = formulation.lp_start
        return cls(**settings)

    @classmethod
    def of(cls, **keywords: Any) -> SolveOptions:
        """`from_keywords` for a function's `**options`: an unknown name is a TypeError, as
        it would be in a call of `solve`."""
        unknown = sorted(set(keywords) - {*SOLVER_KEYWORDS, "verbose"})
        if unknown:
            raise TypeError(f"unexpected solver option {unknown[0]!r}")
        return cls.from_keywords(keywords)

    @property
    def tightening(self) -> Formulation:
        """The rows `formulation` names (see `sourcing.model.tighten`)."""
        return FORMULATIONS[self.formulation]

    def keywords(self) -> dict[str, Any]:
        """The limits as `solve` keywords, without the solver log (for re-solves within the
        run: once started, with its deadline)."""
        return {k: getattr(self, k) for k in SOLVER_KEYWORDS}


SOLVER_KEYWORDS = ("time_limit", "mip_gap", "threads", "seed", "deadline", "formulation")


MIN_TIME_LIMIT = 1e-3  # seconds: what HiGHS gets when the time is up (it then stops at once)


def configure(highs: highspy.Highs, options: SolveOptions) -> None:
    """The one place where options become HiGHS settings: log, gap, seed, threads and the
    time left (when there is a time limit)."""
    highs.setOptionValue("output_flag", options.verbose)
    highs.setOptionValue("mip_rel_gap", options.mip_gap)
    highs.setOptionValue("random_seed", options.seed)
    if options.threads is not None:
        highs.setOptionValue("threads", options.threads)
    set_time_limit(highs, options.remaining())


def set_time_limit(highs: highspy.Highs, seconds: float) -> None:
    """HiGHS's time limit: `seconds` (infinite allowed), at least `MIN_TIME_LIMIT`."""
    highs.setOptionValue("time_limit", max(seconds, MIN_TIME_LIMIT))
