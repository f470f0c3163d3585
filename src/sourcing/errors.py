"""Exceptions raised by `sourcing`; the CLI maps each one to an exit code."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class SourcingError(Exception):
    """Base class of every error `sourcing` raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One problem in an instance: where it is (`suppliers[2].offers[0].product`) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def format_path(loc: tuple[Any, ...] | list[Any]) -> str:
    """Turn a location such as ("suppliers", 2, "offers", 0) into `suppliers[2].offers[0]`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


class InstanceError(SourcingError):
    """An instance is invalid; holds every problem found, each with its field path."""

    def __init__(self, problems: list[Problem], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.describe())

    def with_source(self, source: str) -> InstanceError:
        """The same problems, attributed to the file `source`."""
        return InstanceError(self.problems, source)

    def describe(self) -> str:
        prefix = f"{self.source}: " if self.source else ""
        return "\n".join(f"{prefix}{problem}" for problem in self.problems)


class UsageError(SourcingError):
    """A bad argument from the caller (not a problem of the instance file)."""


class InfeasibleError(SourcingError):
    """No plan satisfies the instance; `diagnosis` says what conflicts, if known."""

    def __init__(self, message: str, diagnosis: dict[str, Any] | None = None) -> None:
        self.diagnosis = diagnosis
        super().__init__(message)


class NoSolutionError(SourcingError):
    """The solver stopped at a limit before it found any plan."""


class CheckError(SourcingError):
    """A plan returned by the solver violates the instance: a bug, never user error."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = list(violations)
        shown = "\n".join(f"  - {v}" for v in self.violations[:20])
        more = len(self.violations) - 20
        tail = f"\n  ... and {more} more" if more > 0 else ""
        super().__init__(f"the plan fails the independent check:\n{shown}{tail}")


class OutputError(UsageError):
    """An output folder cannot take a run's files: it is not writable, not a folder, or holds a
    file of the same name that `sourcing` did not write. Nothing was written."""
