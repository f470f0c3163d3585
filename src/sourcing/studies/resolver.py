"""Persistent re-solves for what-if sweeps: change only what changed, warm-start from the last plan.

A `Resolver` builds the model of one instance and keeps it in HiGHS. For each new (overridden)
instance it derives the sparse tables again (cheap) and compares them with the built ones:

- if only numbers that live in the objective or in the coefficients of share rows differ
  (unit costs, tariffs, transport, fixed costs, holding costs, shortage penalties, the shares of
  caps and floors, `max_supplier_share`), it changes those entries in HiGHS in place;
- anything else (other numbers, other index sets, scenarios, back-end sites) rebuilds the
  model from scratch.

Either way the previous plan is offered to HiGHS as a starting solution. The results are the
same as `solve`'s: the plan is extracted the same way and passes the same independent check.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sourcing.errors import InfeasibleError
from sourcing.explain.results import Results
from sourcing.instance.schema import Instance
from sourcing.model import disruption_stages
from sourcing.model.data import ModelData, build_data
from sourcing.model.families import GROUP_SHARE_MAX, GROUP_SHARE_MIN, SUPPLIER_SHARE_MAX
from sourcing.model.policies import count_products, share_layout, share_terms, supplier_rule
from sourcing.model.scopes import ShareRow
from sourcing.model.tighten import interchangeable_suppliers
from sourcing.pipeline import Pipeline
from sourcing.solver import HandedOver, SolveOptions, row_key

# Tables that must match exactly for an in-place update (everything but costs and shares).
_FIXED_TABLES = (
    "periods",
    "demand",
    "flows",
    "flow_bound",
    "suppliers",
    "offer_periods",
    "offer_bound",
    "min_order",
    "supplier_capacity",
    "supplier_growth",
    "offer_growth",
    "cells",
    "stock_bound",
    "unmet_bound",
    "min_suppliers",
    "min_supplier_share",
    "product_demand",
)


def _twins(data: ModelData) -> list[list[str]]:
    return interchangeable_suppliers(data.instance, data.suppliers)


def _share_shape(rows: list[ShareRow]) -> list[tuple[Any, ...]]:
    return [(r.policy, r.key, r.flows, r.group_flows, r.weights) for r in rows]


@dataclass
class Resolver:
    """One model kept in HiGHS across the points of a sweep."""

    options: SolveOptions = field(default_factory=SolveOptions)
    rebuilds: int = 0
    updates: int = 0
    _data: ModelData | None = None
    _pipeline: Pipeline | None = None
    _column: dict[int, int] = field(default_factory=dict)
    _row: dict[tuple[str, tuple[Any, ...]], int] = field(default_factory=dict)
    _start: np.ndarray | None = None
    _twin_groups: list[list[str]] = field(default_factory=list)

    def solve(self, instance: Instance) -> Results:
        """Results for `instance`, re-using the model kept from the previous call if it can.

        The time limit bounds each call, as it bounds one call of `sourcing.solve`."""
        pipeline = Pipeline(instance, self.options)
        clock = time.perf_counter()
        data = build_data(instance)
        stages = disruption_stages(instance)
        tables = time.perf_counter() - clock
        if not stages and not data.two_tier and self._can_update(data):
            assert self._pipeline is not None
            self._update(data)
            self.updates += 1
            pipeline.data, pipeline.stages = data, stages
            pipeline.model, pipeline.handed = self._pipeline.model, self._pipeline.handed
            pipeline.timings["update"] = time.perf_counter() - clock
        else:
            pipeline.data, pipeline.stages = data, stages
            try:
                self._rebuild(pipeline)
            except InfeasibleError:
                self._data = None
                return pipeline.infeasible({})  # the diagnosis, as `solve` gives it
            self.rebuilds += 1
            pipeline.timings["build"] += tables
        handed = pipeline.handed
        assert handed is not None
        start = self._start
        if start is not None and len(start) != len(handed.columns):
            start = None
        outcome = pipeline.run(start)
        if outcome.values is not None:
            self._start = np.asarray(outcome.values, dtype=float)
        results = pipeline.finish()
        if stages:
            self._data = None  # a model with scenarios is never updated in place
        return results

    # Building -------------------------------------------------------------------------
    def _rebuild(self, pipeline: Pipeline) -> None:
        pipeline.build()
        handed = pipeline.hand_over()
        self._pipeline = pipeline
        self._data = pipeline.data
        assert self._data is not None
        self._twin_groups = _twins(self._data)
        self._column = {id(v): i for i, v in enumerate(handed.columns)}
        self._row = {row_key(constraint): i for i, constraint in enumerate(handed.rows)}
        self._start = None

    def _can_update(self, data: ModelData) -> bool:
        old = self._data
        if old is None:
            return False
        if _twins(data) != self._twin_groups:  # symmetry rows hold only for identical twins
            return False
        if any(getattr(old, name) != getattr(data, name) for name in _FIXED_TABLES):
            return False
        investment = ("expansions", "programs")  # build and subsidy rows are not updated
        if any(getattr(old.instance, k) != getattr(data.instance, k) for k in investment):
            return False
        if _share_shape(old.caps) != _share_shape(data.caps):
            return False
        if _share_shape(old.floors) != _share_shape(data.floors):
            return False
        if (old.max_supplier_share is None) != (data.max_supplier_share is None):
            return False
        if share_layout(old, count_products(old)) != share_layout(data, count_products(data)):
            return False
        # A row whose coefficients all vanished at hand-over cannot be given new ones.
        keys = [(GROUP_SHARE_MAX, (r.policy, *r.key)) for r in data.caps]
        keys += [(GROUP_SHARE_MIN, (r.policy, *r.key)) for r in data.floors]
        if supplier_rule(data):
            keys += [(SUPPLIER_SHARE_MAX, f) for f in data.flows]
        return all(key in self._row for key in keys)

    # Updating in place -----------------------------------------------------------------
    def _col(self, var: Any) -> int | None:
        return self._column.get(id(var))

    @property
    def _handed(self) -> HandedOver:
        assert self._pipeline is not None and self._pipeline.handed is not None
        return self._pipeline.handed

    def _update(self, data: ModelData) -> None:
        highs = self._handed.highs
        m = self._pipeline.model if self._pipeline is not None else None
        costs: dict[int, float] = {}
        for f in data.flows:
            if (c := self._col(m.flow[f])) is not None:
                costs[c] = data.unit_cost[f] + data.tariff_cost[f] + data.transport_cost[f]
        for s in data.suppliers:
            if (c := self._col(m.use_supplier[s])) is not None:
                costs[c] = data.fixed_cost[s]
        for cell, value in data.holding_cost.items():
            if (c := self._col(m.stock[cell])) is not None:
                costs[c] = value
        for cell, value in data.shortage_penalty.items():
            if (c := self._col(m.unmet[cell])) is not None:
                costs[c] = value
        if costs:
            indices = np.fromiter(costs, dtype=np.int32)
            values = np.fromiter(costs.values(), dtype=float)
            highs.changeColsCost(len(indices), indices, values)
            self._handed.cost = self._handed.cost.copy()
            self._handed.cost[indices] = values
        for family, rows in ((GROUP_SHARE_MAX, data.caps), (GROUP_SHARE_MIN, data.floors)):
            for row in rows:
                self._set_share_row(
                    family,
                    (row.policy, *row.key),
                    row.share,
                    row.flows,
                    set(row.group_flows),
                    row.weights,
                )
        if supplier_rule(data):
            assert data.max_supplier_share is not None
            for f in data.flows:
                same_cell = data.cell_flows[(f[1], f[2], f[3])]
                self._set_share_row(SUPPLIER_SHARE_MAX, f, data.max_supplier_share, same_cell, {f})
        self._data = data

    def _set_share_row(
        self,
        family: str,
        key: tuple[Any, ...],
        share: float,
        flows: Any,
        group: set[Any],
        weights: dict[str, float] | None = None,
    ) -> None:
        """Coefficients of a share row, as `share_terms` writes them for the new share."""
        assert self._pipeline is not None
        row = self._row[(family, key)]
        model = self._pipeline.model
        for variable, value in zip(*share_terms(model, flows, group, share, weights), strict=True):
            column = self._col(variable)
            if column is not None:
                self._handed.highs.changeCoeff(row, column, value)
