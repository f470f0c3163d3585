"""The model of an instance, built as `sourcing.solve` builds it, written once to an MPS file
that every solver reads (objective constant included)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import highspy

from sourcing.errors import SourcingError
from sourcing.instance.schema import Instance
from sourcing.pipeline import Pipeline
from sourcing.solver import HandedOver


@dataclass(frozen=True)
class ExportedModel:
    """A model written to an MPS file, with its size and the constant of its objective."""

    path: Path
    offset: float
    rows: int
    columns: int
    binaries: int
    nonzeros: int


def export_model(instance: Instance, directory: Path) -> ExportedModel:
    """Build `instance` as `sourcing.solve` does and write it to `directory`/model.mps.

    Raises `InfeasibleError` when the model builder already finds the instance infeasible.
    """
    return write_mps(Pipeline(instance).hand_over(), directory / "model.mps")


def write_mps(handed: HandedOver, path: Path) -> ExportedModel:
    """Write the model handed over to HiGHS to `path` (MPS, objective constant included)."""
    # A warning only says that columns and rows are named c0, c1, ... and r0, r1, ...
    if handed.highs.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise SourcingError(f"HiGHS cannot write the model to {path}")
    return ExportedModel(
        path=path,
        offset=handed.offset,
        rows=handed.num_rows,
        columns=len(handed.columns),
        binaries=handed.num_integer,
        nonzeros=handed.nonzeros,
    )


def offset_lost(read: float, expected: float) -> str:
    """A message when a solver read another objective constant than the model has, else ""."""
    if abs(read - expected) <= 1e-9 * max(1.0, abs(expected)):
        return ""
    return f"objective constant lost in the export: read {read:g}, expected {expected:g}"
