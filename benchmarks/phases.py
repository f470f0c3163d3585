"""The phases of one solve on a generated instance, as the benchmarks and `report.py` time them.

load+validate -> build -> hand-over -> solve -> extract, plus the floor (the same arrays passed
to HiGHS in one call) and a what-if re-solve (warm `Resolver` vs a cold `solve`). Settings that
the benchmarks, the report and the README must agree on live here.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from sourcing.api import solve_with
from sourcing.explain.results import Results
from sourcing.instance.generate import SIZES, generate
from sourcing.instance.io import dump_instance
from sourcing.instance.overrides import apply_overrides
from sourcing.instance.schema import Instance
from sourcing.model import Stage
from sourcing.model.data import ModelData
from sourcing.pipeline import Pipeline, model_size
from sourcing.solver import HandedOver, SolveOptions, SolverOutcome
from sourcing.studies.resolver import Resolver

SEED = 1
ORDER = tuple(SIZES)  # smallest first
DEFAULT_SIZES = ("S", "M", "L", "XL", "XXL", "LANES")
SMOKE_SIZES = ("S", "M")

# Solve: S and M to a 1e-4 gap; L and XL to 1 % within 120 s (a 1e-4 gap at XL takes minutes).
TIGHT = SolveOptions(mip_gap=1e-4)
LOOSE = SolveOptions(mip_gap=1e-2, time_limit=120.0)

# What-if: tighten the China cap from 0.2 to 0.15 and re-solve to a 1e-6 gap, so that the
# effect of the change is not hidden in the gap; warm and cold must agree to 1e-6 relative.
WHATIF_SIZES = ("S", "M", "L")
WHATIF_PATH = "policies.caps[cn-cap].max_share"
WHATIF_BEFORE = 0.2
WHATIF_AFTER = 0.15
WHATIF_OPTIONS = SolveOptions(mip_gap=1e-6)
AGREEMENT = 1e-6

# Peak memory: the whole pipeline in a fresh process, the solve cut short at this limit (s).
MEMORY_TIME_LIMIT = 10.0
MEMORY_SCRIPT = Path(__file__).with_name("memory.py")

T = TypeVar("T")


def solve_options(size: str) -> SolveOptions:
    """The gap (and time limit) the solve phase runs to at `size`."""
    return TIGHT if ORDER.index(size) <= ORDER.index("M") else LOOSE


def describe(options: SolveOptions) -> str:
    limit = f", {options.time_limit:g} s limit" if options.time_limit is not None else ""
    return f"gap {options.mip_gap:g}{limit}"


def parse_sizes(text: str) -> list[str]:
    """`S,M,L` as generated sizes (`sourcing.instance.generate`), smallest first; unknown names
    raise ValueError."""
    names = [name.strip().upper() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SIZES]
    if unknown or not names:
        raise ValueError(f"unknown sizes {unknown or text!r}; choose among {','.join(ORDER)}")
    return sorted(set(names), key=ORDER.index)


def write_instance(instance: Instance, directory: Path, fmt: str = "yaml") -> Path:
    """The instance as a file (`dump_instance`, the project's own writer) in `directory`."""
    path = Path(directory) / f"{instance.name}.{fmt}"
    dump_instance(instance, path)
    return path


def build(instance: Instance, options: SolveOptions | None = None) -> Pipeline:
    """The build phase (`Pipeline.build`): the sparse tables, the stages, the Pyomo model."""
    pipeline = Pipeline(instance, options or SolveOptions())
    pipeline.build()
    return pipeline


# --- the floor ---------------------------------------------------------------------------


# --- one size, built once and kept --------------------------------------------------------


@dataclass
class SizeCase:
    """The instance, model and hand-over of one size, each made on first use and kept; the
    phases run through `sourcing.pipeline.Pipeline`, step by step."""

    size: str
    seed: int = SEED
    _solved: tuple[HandedOver, SolverOutcome] | None = field(default=None, repr=False)
    objectives: dict[str, float] = field(default_factory=dict)  # what-if: "warm"/"cold"

    @cached_property
    def instance(self) -> Instance:
        return generate(self.size, seed=self.seed)

    @cached_property
    def built(self) -> Pipeline:
        return build(self.instance, self.options)

    @property
    def data(self) -> ModelData:
        assert self.built.data is not None
        return self.built.data

    @property
    def stages(self) -> list[Stage]:
        assert self.built.stages is not None
        return self.built.stages

    @property
    def model(self) -> Any:
        return self.built.model

    @cached_property
    def handed(self) -> HandedOver:
        return self.hand_over()

    def hand_over(self) -> HandedOver:
        """The hand-over phase: the built model's arrays in a new HiGHS."""
        return self.built.hand_over()

    def _with(self, handed: HandedOver, outcome: SolverOutcome | None = None) -> Pipeline:
        """The built pipeline at a given hand-over (and outcome), with fresh timings."""
        return replace(self.built, handed=handed, outcome=outcome, timings={})

    @property
    def size_info(self) -> dict[str, int]:
        """Rows, columns, binaries and nonzeros as handed to HiGHS."""
        return model_size(self.handed)

    @property
    def options(self) -> SolveOptions:
        return solve_options(self.size)

    def solve(self, handed: HandedOver) -> SolverOutcome:
        """The solve phase on a fresh hand-over; the outcome is kept for the extract phase."""
        outcome = self._with(handed).run()
        self._solved = (handed, outcome)
        return outcome

    def solved(self) -> tuple[HandedOver, SolverOutcome]:
        """A hand-over and what HiGHS returned for it (solving once if no one has yet)."""
        if self._solved is None:
            self.solve(self.hand_over())
        assert self._solved is not None
        return self._solved

    def extract(self, handed: HandedOver, outcome: SolverOutcome) -> Results:
        """The extract phase: the plan read back, checked independently, and its tables."""
        return self._with(handed, outcome).finish()

    # What-if ------------------------------------------------------------------------------
    @cached_property
    def whatif_base(self) -> Instance:
        return apply_overrides(self.instance, {WHATIF_PATH: WHATIF_BEFORE})

    @cached_property
    def whatif_changed(self) -> Instance:
        return apply_overrides(self.instance, {WHATIF_PATH: WHATIF_AFTER})

    def warm_resolver(self) -> Resolver:
        """A `Resolver` that has solved the base instance (untimed set-up of the warm run)."""
        resolver = Resolver(WHATIF_OPTIONS)
        resolver.solve(self.whatif_base).raise_for_status()
        return resolver

    def warm(self, resolver: Resolver) -> Results:
        """The warm re-solve: the model kept in HiGHS is updated, the last plan is the start."""
        results = resolver.solve(self.whatif_changed)
        self.objectives["warm"] = _objective(results)
        return results

    def cold(self) -> Results:
        """The cold re-solve: `solve` of the changed instance from scratch."""
        results = solve_with(self.whatif_changed, WHATIF_OPTIONS)
        self.objectives["cold"] = _objective(results)
        return results

    def objective(self, kind: str) -> float:
        """The what-if objective of the warm or cold run (running it, untimed, if needed)."""
        if kind not in self.objectives:
            if kind == "warm":
                self.warm(self.warm_resolver())
            else:
                self.cold()
        return self.objectives[kind]


def _objective(results: Results) -> float:
    results.raise_for_status()
    if results.status != "optimal" or results.objective is None:
        raise AssertionError(f"what-if re-solve ended {results.status}: {results.message}")
    return float(results.objective)


def agree(first: float, second: float) -> bool:
    """Whether two objectives agree to `AGREEMENT` relative."""
    return abs(first - second) <= AGREEMENT * max(abs(first), abs(second), 1.0)


# --- peak memory, in a fresh process --------------------------------------------------------


def peak_memory(size: str, time_limit: float = MEMORY_TIME_LIMIT) -> dict[str, Any]:
    """Run `memory.py SIZE` (a fresh interpreter, started from a small one) and return what it
    reports (peak in MiB)."""
    done = subprocess.run(
        [sys.executable, str(MEMORY_SCRIPT), size, "--time-limit", str(time_limit)],
        check=False,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"memory.py {size} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- timing helpers for the report ----------------------------------------------------------


def timed(function: Callable[[], T]) -> tuple[float, T]:
    clock = time.perf_counter()
    result = function()
    return time.perf_counter() - clock, result


def best_of(count: int, function: Callable[[], T]) -> tuple[float, T]:
    """The fastest of `count` runs, and the last result."""
    best = float("inf")
    result: Any = None
    for _ in range(count):
        result = None  # free the previous result before the next run
        seconds, result = timed(function)
        best = min(best, seconds)
    return best, result


# --- the machine ----------------------------------------------------------------------------


def environment() -> dict[str, str]:
    """The machine and versions the numbers were taken on."""
    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as lines:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                cpu,
            )
        with open("/proc/meminfo", encoding="utf-8") as lines:
            kib = next(int(line.split()[1]) for line in lines if line.startswith("MemTotal"))
            memory = f"{kib / 1024**2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    return {
        "cpus": str(
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        ),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "pyomo": version("pyomo"),
        "highspy": version("highspy"),
        "numpy": version("numpy"),
    }
