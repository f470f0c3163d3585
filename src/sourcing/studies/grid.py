"""Parameter grids of sweeps: `path=start:stop:step` or `a,b,c` values, and every combination
of them, at most `MAX_POINTS` points."""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sourcing.errors import UsageError
from sourcing.instance.overrides import parse_value

MAX_POINTS = 10_000
"""The most points a sweep, a range or a frontier may have (each point is one solve)."""


_NUMBER = r"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*"


def _finite(part: str, text: str) -> float:
    value = float(part)
    if not math.isfinite(value):
        raise UsageError(f"range {text!r}: {part.strip()!r} is not a finite number")
    return value


def _too_many(count: float, what: str) -> UsageError:
    return UsageError(f"{what} has {count:.4g} points; at most {MAX_POINTS:,} are allowed")


def parse_values(text: str) -> list[Any]:
    """`start:stop:step` (stop included), `a,b,c`, or one value; at most `MAX_POINTS`."""
    if re.fullmatch(f"{_NUMBER}(:{_NUMBER})+", text) and text.count(":") != 2:
        raise UsageError(f"range {text!r} needs the form start:stop:step")
    if re.fullmatch(f"{_NUMBER}:{_NUMBER}:{_NUMBER}", text):
        start, stop, step = (_finite(part, text) for part in text.split(":"))
        span = (stop - start) / step if step else math.nan
        if not span >= 0:  # also a zero step, or one pointing away from the end
            raise UsageError(f"range {text!r} never reaches its end")
        if span + 1 > MAX_POINTS:
            raise _too_many(span + 1, f"range {text!r}")
        count = math.floor(span + 1e-9) + 1
        return [round(start + i * step, 12) for i in range(count)]
    if "," in text and not text.strip().startswith(("{", "[")):
        parts = text.split(",")
        if len(parts) > MAX_POINTS:
            raise _too_many(len(parts), f"list {text[:20]!r}...")
        return [parse_value(part) for part in parts]
    return [parse_value(text)]


def parse_setting(text: str) -> tuple[str, list[Any]]:
    """`path=values` of a sweep (see `parse_values`)."""
    if "=" not in text:
        raise UsageError(f"--set {text!r} needs the form path=values")
    path, values = text.split("=", 1)
    return path.strip(), parse_values(values)


def grid(settings: Mapping[str, Iterable[Any]]) -> list[dict[str, Any]]:
    """Every combination of the settings' values, as {path: value}, in order (at most
    `MAX_POINTS` of them)."""
    paths = list(settings)
    values = [list(v) for v in settings.values()]
    count = math.prod(len(v) for v in values)
    if count > MAX_POINTS:
        raise _too_many(count, "the grid")
    return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
