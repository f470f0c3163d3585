"""Linear constraints made directly from coefficient lists, and recorded for the hand-over.

Every row of the sourcing model is declared through `add_rows`: it builds each Pyomo
constraint body as a `LinearExpression` straight from its variables and coefficients (no
operator overloading), and records the same coefficients in the model's `RowRecord`. The
hand-over (`sourcing.solver.handover`) then passes that record to HiGHS as arrays, without
walking the Pyomo expressions again; a model changed after it was built (a constraint added
another way, an objective swapped) is compiled by Pyomo's own compiler instead.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyomo.environ as pyo
from pyomo.core.expr.numeric_expr import LinearExpression

Terms = tuple[Sequence[Any], Sequence[float] | None]  # variables, coefficients (None: all 1)

RECORD = "_sourcing_rows"
LESS, EQUAL, GREATER = 1, 0, -1  # row kinds, as Pyomo's standard-form compiler numbers them


@dataclass(frozen=True)
class Row:
    """lower <= sum coefs * variables <= upper (None: unbounded on that side)."""

    variables: Sequence[Any]
    coefs: Sequence[float] | None = None
    lower: float | None = None
    upper: float | None = None

    @property
    def kind(self) -> int:
        if self.lower is not None and self.upper is not None:
            if self.lower != self.upper:
                raise ValueError("ranged rows are not used by the sourcing model")
            return EQUAL
        return LESS if self.upper is not None else GREATER


def less(variables: Sequence[Any], coefs: Sequence[float] | None, upper: float) -> Row:
    return Row(variables, coefs, None, upper)


def greater(variables: Sequence[Any], coefs: Sequence[float] | None, lower: float) -> Row:
    return Row(variables, coefs, lower, None)


def equal(variables: Sequence[Any], coefs: Sequence[float] | None, value: float) -> Row:
    return Row(variables, coefs, value, value)


def linear(variables: Sequence[Any], coefs: Sequence[float] | None = None) -> LinearExpression:
    """sum coefs[i] * variables[i] as one Pyomo `LinearExpression`, made directly."""
    if coefs is None:
        return LinearExpression(args=list(variables))
    return LinearExpression(linear_coefs=list(coefs), linear_vars=list(variables))


@dataclass
class RowRecord:
    """The rows and objective of a model in coordinate form, as they were declared."""

    columns: list[Any] = field(default_factory=list)
    column_of: dict[int, int] = field(default_factory=dict)
    # Typed buffers, so that the hand-over reads them as numpy arrays without copying.
    lower: array = field(default_factory=lambda: array("d"))  # nan: read from Pyomo later
    upper: array = field(default_factory=lambda: array("d"))
    integer: array = field(default_factory=lambda: array("d"))  # 1.0, 0.0, or nan
    constraints: list[Any] = field(default_factory=list)
    kinds: array = field(default_factory=lambda: array("b"))
    rhs: array = field(default_factory=lambda: array("d"))
    row_of_entry: array = field(default_factory=lambda: array("i"))
    column_of_entry: array = field(default_factory=lambda: array("i"))
    values: array = field(default_factory=lambda: array("d"))
    objective: Any = None
    cost: dict[int, float] = field(default_factory=dict)

    def declare(
        self,
        variables: Iterable[Any],
        lower: Iterable[float],
        upper: Iterable[float],
        integer: bool,
    ) -> None:
        """Number these new variables as columns, with the bounds they were declared with.

        Reading bounds back from Pyomo costs about a microsecond per variable; the data that
        set them is at hand when they are declared.
        """
        for variable in variables:
            if id(variable) in self.column_of:
                raise ValueError(f"{variable.name} is a column already")
            self.column_of[id(variable)] = len(self.columns)
            self.columns.append(variable)
        self.lower.extend(lower)
        self.upper.extend(upper)
        self.integer.extend([float(integer)] * (len(self.columns) - len(self.integer)))
        if len(self.lower) != len(self.columns) or len(self.upper) != len(self.columns):
            raise ValueError("one lower and one upper bound per declared variable")

    def column(self, variable: Any) -> int:
        """The column of `variable`, numbered on first sight (bounds read when handed over)."""
        key = id(variable)
        found = self.column_of.get(key)
        if found is None:
            found = self.column_of[key] = len(self.columns)
            self.columns.append(variable)
            self.lower.append(math.nan)
            self.upper.append(math.nan)
            self.integer.append(math.nan)
        return found

    def add_row(self, constraint: Any, row: Row) -> None:
        index = len(self.constraints)
        self.constraints.append(constraint)
        kind = row.kind
        self.kinds.append(kind)
        self.rhs.append(float(row.upper if kind == LESS else row.lower))  # type: ignore[arg-type]
        try:  # every variable declared already: one dict lookup each
            columns = list(map(self.column_of.__getitem__, map(id, row.variables)))
        except KeyError:
            columns = [self.column(v) for v in row.variables]
        self.column_of_entry.extend(columns)
        self.row_of_entry.extend([index] * len(columns))
        self.values.extend([1.0] * len(columns) if row.coefs is None else map(float, row.coefs))

    def set_objective(self, objective: Any, terms: Iterable[tuple[float, Any]]) -> None:
        self.objective = objective
        self.cost = {}
        column_of = self.column_of
        for coef, variable in terms:
            column = column_of.get(id(variable))
            if column is None:
                column = self.column(variable)
            self.cost[column] = self.cost.get(column, 0.0) + coef

    def matches(self, model: pyo.ConcreteModel) -> bool:
        """Whether `model` still has exactly the recorded rows and objective, all active."""
        objectives = list(model.component_data_objects(pyo.Objective, active=True))
        if len(objectives) != 1 or objectives[0] is not self.objective:
            return False
        components = model.component_objects(pyo.Constraint, active=True, descend_into=True)
        count = sum(len(component) for component in components)
        return count == len(self.constraints) and all(c.active for c in self.constraints)


def record_of(block: pyo.Block) -> RowRecord:
    """The row record of the model that `block` belongs to (made on first use)."""
    model = block.model()
    record = model.__dict__.get(RECORD)
    if record is None:
        record = RowRecord()
        object.__setattr__(model, RECORD, record)
    return record


def add_rows(block: pyo.Block, name: str, rows: Mapping[Any, Row]) -> None:
    """Declare constraint `name` on `block` with one row per key of `rows` (recorded too).

    Tuple keys of equal length index the constraint by a Pyomo set `<name>_index`; the single
    key None declares a scalar constraint.
    """
    record = record_of(block)
    if list(rows) == [None]:
        only = rows[None]
        constraint = pyo.Constraint(
            expr=(only.lower, linear(only.variables, only.coefs), only.upper)
        )
        block.add_component(name, constraint)
        record.add_row(constraint, only)
        return
    keys = list(rows)
    dimen = len(keys[0]) if keys and isinstance(keys[0], tuple) else 1
    index = pyo.Set(initialize=keys, dimen=dimen, ordered=True)
    block.add_component(f"{name}_index", index)

    def rule(_: pyo.Block, *key: Any) -> tuple[Any, Any, Any]:
        row = rows[key if dimen > 1 else key[0]]
        return (row.lower, linear(row.variables, row.coefs), row.upper)

    constraint = pyo.Constraint(index, rule=rule)
    block.add_component(name, constraint)
    for key in keys:
        record.add_row(constraint[key], rows[key])


def set_objective(model: pyo.ConcreteModel, name: str, terms: list[tuple[float, Any]]) -> None:
    """Minimise sum coef * variable over `terms` (a variable may appear more than once)."""
    objective = pyo.Objective(
        expr=linear([v for _, v in terms], [c for c, _ in terms]), sense=pyo.minimize
    )
    model.add_component(name, objective)
    record_of(model).set_objective(objective, terms)
