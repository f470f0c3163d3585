"""The hand-over: a Pyomo model's coefficient arrays passed to HiGHS in one call.

The arrays come from the row record kept while the model was built, or from Pyomo's own
standard-form compiler for a model changed afterwards (see `standard_form`); this is the only
place that knows how the model reaches the solver."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from sourcing.errors import SourcingError
from sourcing.model.rows import RECORD, RowRecord


def row_key(constraint: Any) -> tuple[str, tuple[Any, ...]]:
    """A solver row's constraint as (family, index), e.g. ("group_share_max", ("cn-cap", ...))."""
    index = constraint.index()
    return constraint.parent_component().local_name, (
        index if isinstance(index, tuple) else (index,)
    )


@dataclass
class HandedOver:
    """A model loaded into HiGHS, with the Pyomo variables behind its columns."""

    highs: highspy.Highs
    columns: list[pyo.Var]
    rows: list[Any]
    row_kinds: np.ndarray
    offset: float
    num_rows: int
    num_integer: int
    nonzeros: int
    integer_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0))
    upper: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cost: np.ndarray = field(default_factory=lambda: np.zeros(0))


@dataclass(frozen=True)
class StandardForm:
    """A model as arrays: min cost x + offset, rows of `matrix` (CSC) against `rhs` by kind.

    Row kinds follow Pyomo's standard-form compiler: 1 is <=, 0 is =, -1 is >=.
    """

    columns: list[Any]
    rows: list[Any]
    kinds: np.ndarray
    rhs: np.ndarray
    matrix: Csc
    cost: np.ndarray
    offset: float
    lower: np.ndarray  # column bounds and integrality (1.0 or 0.0); nan where not yet known
    upper: np.ndarray
    integer: np.ndarray


@dataclass(frozen=True)
class Csc:
    """A matrix by columns: column j holds rows `indices[indptr[j]:indptr[j+1]]`, with `data`."""

    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    @property
    def nnz(self) -> int:
        return len(self.data)

    @classmethod
    def from_entries(cls, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int) -> Csc:
        """Repeated (row, column) entries summed, zeros dropped; rows sorted in each column."""
        order = np.lexsort((rows, cols))
        rows, cols, values = rows[order], cols[order], values[order]
        if len(values):
            new = np.ones(len(values), dtype=bool)
            new[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
            starts = np.flatnonzero(new)
            rows, cols, values = rows[starts], cols[starts], np.add.reduceat(values, starts)
        kept = values != 0
        rows, cols, values = rows[kept], cols[kept], values[kept]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(cols, minlength=n), out=indptr[1:])
        return cls(indptr, rows, values)

    def entries(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of every entry."""
        cols = np.repeat(np.arange(len(self.indptr) - 1), np.diff(self.indptr))
        return self.indices, cols, self.data


def standard_form(model: pyo.ConcreteModel) -> StandardForm:
    """The arrays of `model`: from its row record when it is as built, else compiled by Pyomo.

    `sourcing.model.rows` records every row's coefficients while the model is built, so
    nothing needs to walk the Pyomo expressions again. A model changed afterwards (another
    objective, constraints added directly) goes through Pyomo's standard-form compiler.
    """
    record = model.__dict__.get(RECORD)
    if record is not None and record.matches(model):
        return _from_record(record)
    return _compiled(model)


def _from_record(record: RowRecord) -> StandardForm:
    n = len(record.columns)
    matrix = Csc.from_entries(  # numpy only: importing scipy next to Pyomo takes a second
        np.frombuffer(record.row_of_entry, np.intc),
        np.frombuffer(record.column_of_entry, np.intc),
        np.frombuffer(record.values, dtype=float),
        n,
    )
    cost = np.zeros(n)
    if record.cost:
        cost[np.fromiter(record.cost.keys(), dtype=np.int64)] = list(record.cost.values())
    return StandardForm(
        columns=record.columns,
        rows=record.constraints,
        kinds=np.frombuffer(record.kinds, dtype=np.int8).astype(int),
        rhs=np.frombuffer(record.rhs, dtype=float),
        matrix=matrix,
        cost=cost,
        offset=0.0,
        lower=np.frombuffer(record.lower, dtype=float),
        upper=np.frombuffer(record.upper, dtype=float),
        integer=np.frombuffer(record.integer, dtype=float),
    )


def _compiled(model: pyo.ConcreteModel) -> StandardForm:
    # imported here: it pulls in all of scipy (about a second), and a recorded model skips it
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    repn = LinearStandardFormCompiler().write(model, mixed_form=True, set_sense=None)
    n = len(repn.columns)
    compressed = repn.A.tocsc()
    return StandardForm(
        columns=list(repn.columns),
        rows=[row.constraint for row in repn.rows],
        kinds=np.array([row.bound_type for row in repn.rows], dtype=int),
        rhs=np.asarray(repn.rhs, dtype=float),
        matrix=Csc(compressed.indptr, compressed.indices, compressed.data),
        cost=np.asarray(repn.c.toarray()).ravel()[:n] if repn.c.shape[0] else np.zeros(n),
        offset=float(repn.c_offset[0]) if len(repn.c_offset) else 0.0,
        lower=np.full(n, np.nan),
        upper=np.full(n, np.nan),
        integer=np.full(n, np.nan),
    )


def _column_bounds(form: StandardForm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds and integrality of the columns; a fixed variable is held at
    its value. Only bounds the form does not carry are read from Pyomo (slow per variable)."""
    columns = form.columns
    lower, upper, integer = form.lower.copy(), form.upper.copy(), form.integer.copy()
    for i in np.flatnonzero(np.isnan(lower) | np.isnan(upper) | np.isnan(integer)):
        lb, ub = columns[i].bounds
        lower[i] = -np.inf if lb is None else lb
        upper[i] = np.inf if ub is None else ub
        integer[i] = columns[i].is_integer()
    for i in np.flatnonzero([v.fixed for v in columns]):
        lower[i] = upper[i] = columns[i].value
    return lower, upper, integer.astype(bool)


def new_highs() -> highspy.Highs:
    """An empty HiGHS instance with its output off (and without its start-up banner)."""
    with stdout_to(os.devnull):
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    return highs


def handover(model: pyo.ConcreteModel) -> HandedOver:
    """Pass `model` to a new HiGHS instance as arrays, in one call (see `standard_form`)."""
    with PauseGC():
        form = standard_form(model)
        lower, upper, integer = _column_bounds(form)
    n, rhs, kinds = len(form.columns), form.rhs, form.kinds
    matrix = form.matrix
    highs = new_highs()
    status = highs.passModel(
        n,
        len(rhs),
        int(matrix.nnz),
        int(highspy.MatrixFormat.kColwise),
        int(highspy.ObjSense.kMinimize),
        form.offset,
        form.cost,
        lower,
        upper,
        np.where(kinds <= 0, rhs, -np.inf),
        np.where(kinds >= 0, rhs, np.inf),
        matrix.indptr.astype(np.int32),
        matrix.indices.astype(np.int32),
        matrix.data.astype(float),
        integer.astype(np.int32),
    )
    if status == highspy.HighsStatus.kError:  # validation keeps numbers in range: a bug if seen
        raise SourcingError(
            "HiGHS refused the model: a coefficient, bound or cost lies beyond what it accepts "
            "(see docs/limits.md)"
        )
    return HandedOver(
        highs=highs,
        columns=form.columns,
        rows=form.rows,
        row_kinds=kinds,
        offset=form.offset,
        num_rows=len(rhs),
        num_integer=int(integer.sum()),
        nonzeros=int(matrix.nnz),
        integer_columns=np.flatnonzero(integer).astype(np.int32),
        lower=lower,
        upper=upper,
        cost=form.cost,
    )


@contextlib.contextmanager
def stdout_to(target: str | int) -> Iterator[None]:
    """Send what native code writes to stdout (descriptor 1) to a path or a descriptor."""
    sys.stdout.flush()
    saved = os.dup(1)
    descriptor = os.open(target, os.O_WRONLY) if isinstance(target, str) else target
    try:
        os.dup2(descriptor, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        if isinstance(target, str):
            os.close(descriptor)
