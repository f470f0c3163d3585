"""The hand-over from the row record (made while building) against Pyomo's own compiler.

Both must give HiGHS the same problem: the same coefficient for every (row, column), the same
row bounds and the same costs. Pyomo's compiler leaves out fixed variables (their value moves
to the right-hand side), so those are compared through the right-hand side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyomo.environ as pyo
import pytest

from sourcing.instance.generate import generate
from sourcing.instance.io import INSTANCES_DIR, load_instance
from sourcing.instance.schema import Instance
from sourcing.model import build_model, disruption_stages
from sourcing.model.data import build_data
from sourcing.model.rows import RECORD
from sourcing.solver import SolveOptions, handover, run
from sourcing.solver.arrays import _compiled, _from_record, standard_form

FILES = sorted(Path(INSTANCES_DIR).glob("**/*.yaml"))


def _instances() -> list[tuple[str, Instance]]:
    found = [
        (path.name, load_instance(path)) for path in FILES if not path.name.endswith("whatifs.yaml")
    ]
    found.append(("generated-S-scenarios", generate("S", seed=3, scenarios=4)))
    found.append(("generated-M", generate("M", seed=1)))
    return found


def _model(instance: Instance) -> pyo.ConcreteModel:
    return build_model(build_data(instance), disruption_stages(instance))


def _as_dict(form, fixed_value) -> tuple[dict, dict, dict]:
    """Entries by (row, column) ids, row (kind, rhs) by row id, cost by column id.

    Fixed columns are folded into the right-hand side and the offset, as Pyomo does."""
    entries, rhs = {}, {i: float(r) for i, r in enumerate(form.rhs)}
    for r, c, value in zip(*form.matrix.entries(), strict=True):
        column = form.columns[c]
        if column.fixed:
            rhs[r] -= value * fixed_value(column)
        else:
            entries[(id(form.rows[r]), id(column))] = float(value)
    rows = {id(form.rows[i]): (int(form.kinds[i]), rhs[i]) for i in range(len(form.rows))}
    costs = {
        id(v): float(c) for v, c in zip(form.columns, form.cost, strict=True) if c and not v.fixed
    }
    return entries, rows, costs


@pytest.mark.parametrize(
    ("name", "instance"), _instances(), ids=lambda x: x if isinstance(x, str) else ""
)
def test_record_matches_pyomo_compiler(name, instance):
    model = _model(instance)
    recorded = _from_record(model.__dict__[RECORD])
    compiled = _compiled(model)
    value = lambda v: float(v.value)  # noqa: E731
    entries, rows, costs = _as_dict(recorded, value)
    expected_entries, expected_rows, expected_costs = _as_dict(compiled, value)
    assert entries.keys() == expected_entries.keys()
    for key, coefficient in expected_entries.items():
        assert entries[key] == pytest.approx(coefficient, rel=1e-12)
    # Pyomo drops rows left without variables; the record keeps them (all fixed, satisfied).
    assert expected_rows.keys() <= rows.keys()
    for key, (kind, bound) in expected_rows.items():
        assert rows[key][0] == kind
        assert rows[key][1] == pytest.approx(bound, abs=1e-9)
    assert costs.keys() == expected_costs.keys()
    for key, cost in expected_costs.items():
        assert costs[key] == pytest.approx(cost, rel=1e-12)


def test_record_is_used_only_for_the_model_as_built():
    instance = generate("S", seed=1)
    model = _model(instance)
    assert standard_form(model).rows == model.__dict__[RECORD].constraints
    model.extra = pyo.Constraint(expr=model.use_supplier[instance.suppliers[0].id] <= 0)
    form = standard_form(model)
    assert any(row is model.extra for row in form.rows)


def test_both_routes_give_the_same_optimum():
    """Size S, seed 2: the changed model (an extra, slack row) goes through Pyomo's compiler."""
    instance = generate("S", seed=2)
    options = SolveOptions(mip_gap=1e-9)
    recorded = run(handover(_model(instance)), options)
    model = _model(instance)
    model.slack = pyo.Constraint(expr=model.use_supplier[instance.suppliers[0].id] <= 1)
    compiled = run(handover(model), options)
    assert recorded.objective == pytest.approx(compiled.objective, rel=1e-9)
    assert np.isfinite(recorded.objective)


def test_a_deactivated_row_or_block_sends_the_model_through_pyomo():
    instance = generate("S", seed=3, scenarios=2)
    model = _model(instance)
    record = model.__dict__[RECORD]
    assert record.matches(model)
    first = next(iter(model.demand_balance.values()))
    first.deactivate()
    assert not record.matches(model)
    assert all(row is not first for row in standard_form(model).rows)
    first.activate()
    assert record.matches(model)
    next(iter(model.recourse.values())).deactivate()
    assert not record.matches(model)
