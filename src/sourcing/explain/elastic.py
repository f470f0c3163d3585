"""The elastic model of the diagnosis: the same MILP (built in `Mode.ELASTIC`) with slack
columns for each relaxable element, and what each element's least slack means in the
instance's own terms (the smallest change to that element that restores feasibility)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np

from sourcing.instance.fields import lookup
from sourcing.instance.schema import Instance, Supplier
from sourcing.model.data import Mode
from sourcing.model.families import (
    GROUP_SHARE_MAX,
    GROUP_SHARE_MIN,
    MIN_ORDER,
    MIN_SUPPLIERS,
    OFFER_LIMIT,
    SUPPLIER_CAPACITY,
    SUPPLIER_SHARE_MAX,
)
from sourcing.pipeline import Pipeline
from sourcing.solver import HandedOver, SolveOptions, configure, row_key

MAX_SINGLE_TESTS = 60


ELASTIC_GAP = 1e-9  # the least slack is found exactly: it is the size of a repair


ZERO = 1e-7


@dataclass
class Element:
    """A relaxable part of the instance and its slack columns in the elastic model."""

    key: tuple[Any, ...]
    kind: str
    columns: list[int] = field(default_factory=list)
    # What each column relaxes: (product, market, period) or (period,), for the report.
    where: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.key[1]) if len(self.key) > 1 else str(self.key[0])


class ElasticModel:
    """The elastic MILP in HiGHS, with one group of slack columns per relaxable element."""

    def __init__(self, instance: Instance, options: SolveOptions) -> None:
        self.instance = instance
        self.options = options
        # never infeasible: every demand may go unmet
        pipeline = Pipeline(instance, options, mode=Mode.ELASTIC)
        self.handed: HandedOver = pipeline.hand_over()
        assert pipeline.data is not None
        self.data = pipeline.data
        self.highs = self.handed.highs
        self.elements: dict[tuple[Any, ...], Element] = {}
        self.weights: dict[int, float] = {}
        self.untested: list[str] = []
        self.combined: list[dict[str, Any]] = []
        self._zero_costs()
        self._add_slacks()

    # Building -------------------------------------------------------------------------
    def _zero_costs(self) -> None:
        n = len(self.handed.columns)
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
        self.highs.changeObjectiveOffset(0.0)

    def _element(self, key: tuple[Any, ...], kind: str) -> Element:
        return self.elements.setdefault(key, Element(key, kind))

    def _new_column(
        self, element: Element, rows: dict[int, float], weight: float, where: tuple[Any, ...]
    ) -> None:
        """A slack column that loosens each row by `rows[i]` per unit, whichever its sense."""
        index = self.highs.getNumCol()
        indices = np.array(list(rows), dtype=np.int32)
        # A row with an upper bound (kind 1) is loosened by subtracting, else by adding.
        signs = np.where(self.handed.row_kinds[indices] == 1, -1.0, 1.0)
        values = signs * np.array(list(rows.values()), dtype=float)
        self.highs.addCol(weight, 0.0, highspy.kHighsInf, len(indices), indices, values)
        element.columns.append(index)
        element.where.append(where)
        self.weights[index] = weight

    def _add_slacks(self) -> None:
        data = self.data
        rows: dict[str, dict[tuple[Any, ...], int]] = defaultdict(dict)
        for i, constraint in enumerate(self.handed.rows):
            family, key = row_key(constraint)
            rows[family][key] = i
        total_demand = max(sum(data.demand.values()), 1.0)
        product_demand = {p: max(d, 1.0) for p, d in data.product_demand.items()}

        share_policies = (
            (GROUP_SHARE_MAX, "cap", data.caps),
            (GROUP_SHARE_MIN, "floor", data.floors),
        )
        for family, kind, share_rows in share_policies:
            by_policy: dict[str, dict[int, float]] = defaultdict(dict)
            for row in share_rows:
                covered = self._covered_demand(row.flows)
                # A row whose coefficients all vanish (a 100 % floor on a cell only the group
                # serves) holds trivially and never reached the solver.
                index = rows[family].get((row.policy, *row.key))
                if covered > 0 and index is not None:
                    by_policy[row.policy][index] = covered
            for policy, entries in by_policy.items():
                self._new_column(self._element((kind, policy), kind), entries, 1.0, ())
        if SUPPLIER_SHARE_MAX in rows:
            entries = {
                i: self._covered_demand(data.cell_flows[(p, mk, t)])
                for (s, p, mk, t), i in rows[SUPPLIER_SHARE_MAX].items()
            }
            element = self._element(("max_supplier_share",), "max_supplier_share")
            self._new_column(element, entries, 1.0, ())
        for (s, t), i in rows.get(SUPPLIER_CAPACITY, {}).items():
            element = self._element(("capacity", s), "capacity")
            self._new_column(element, {i: 1.0}, 1.0 / total_demand, (t,))
        for (s, p, t), i in rows.get(OFFER_LIMIT, {}).items():
            element = self._element(("offer_capacity", s, p), "offer_capacity")
            self._new_column(element, {i: 1.0}, 1.0 / product_demand[p], (t,))
        for (s, p, t), i in rows.get(MIN_ORDER, {}).items():
            element = self._element(("min_order", s), "min_order")
            self._new_column(element, {i: 1.0}, 1.0 / product_demand[p], (p, t))
        for (p,), i in rows.get(MIN_SUPPLIERS, {}).items():
            element = self._element(("min_suppliers",), "min_suppliers")
            self._new_column(element, {i: 1.0}, 0.5, (p,))
        self._mark_existing_columns(product_demand)

    def _covered_demand(self, flows: Any) -> float:
        cells = {(f[1], f[2], f[3]) for f in flows}
        return sum(self.data.demand.get(c, 0.0) for c in cells)

    def _mark_existing_columns(self, product_demand: dict[str, float]) -> None:
        """Unmet demand of products without a penalty, and banned flows, are slack too."""
        data = self.data
        model = self.handed.columns[0].model() if self.handed.columns else None
        if model is None:
            return
        position = {id(v): i for i, v in enumerate(self.handed.columns)}
        products = {p.id: p for p in self.instance.products}
        for cell in data.unmet_bound:
            product, market, period = cell
            if products[product].shortage_penalty is not None:
                continue
            index = position.get(id(model.unmet[cell]))
            if index is not None:
                element = self._element(("demand", product, market), "demand")
                self._attach(element, index, 1.0 / product_demand[product], (period,))
        for flow, ban in data.banned.items():
            index = position.get(id(model.flow[flow]))
            if index is None:
                continue
            element = self._element(("ban", ban), "ban")
            self._attach(element, index, 1.0 / product_demand[flow[1]], flow)

    def _attach(self, element: Element, index: int, weight: float, where: tuple[Any, ...]) -> None:
        self.highs.changeColCost(index, weight)
        element.columns.append(index)
        element.where.append(where)
        self.weights[index] = weight

    # Solving ------------------------------------------------------------------------------
    def _solve(self, active: list[Element]) -> np.ndarray | None:
        """Minimise the slack of `active` with every other element held at zero."""
        live = {c for e in active for c in e.columns}
        for element in self.elements.values():
            for column in element.columns:
                upper = highspy.kHighsInf if column in live else 0.0
                if element.kind in ("demand", "ban") and column in live:
                    upper = self._original_upper(column)
                self.highs.changeColBounds(column, 0.0, upper)
                self.highs.changeColCost(column, self.weights[column] if column in live else 0.0)
        if self.options.expired():
            return None
        configure(self.highs, replace(self.options, verbose=False, mip_gap=ELASTIC_GAP))
        self.highs.run()
        if self.highs.getInfo().primal_solution_status != 2:
            return None
        return np.asarray(self.highs.getSolution().col_value, dtype=float)

    def _original_upper(self, column: int) -> float:
        upper = self.handed.upper
        return float(upper[column]) if column < len(upper) else highspy.kHighsInf

    def combined_relaxation(self) -> list[dict[str, Any]]:
        """The least weighted relaxation of all elements together."""
        values = self._solve(list(self.elements.values()))
        if values is None:
            return []
        found = []
        for element in self.elements.values():
            if any(values[c] > ZERO for c in element.columns):
                found.append(self._describe(element, values))
        self.combined = found
        return found

    def repairs(self) -> list[dict[str, Any]]:
        candidates = sorted(self.elements.values(), key=lambda e: (_ORDER[e.kind], str(e.key)))
        combined = {r["element"] for r in self.combined}
        if len(candidates) > MAX_SINGLE_TESTS:
            policies = [e for e in candidates if e.kind in POLICY_KINDS or e.name in combined]
            rest = [e for e in candidates if e not in policies]
            keep = policies + rest[: max(0, MAX_SINGLE_TESTS - len(policies))]
            self.untested = [e.name for e in candidates if e not in keep]
            candidates = keep
        found = []
        for position, element in enumerate(candidates):
            if self.options.expired():
                self.untested += [e.name for e in candidates[position:]]
                break
            values = self._solve([element])
            if values is not None and any(values[c] > ZERO for c in element.columns):
                found.append(self._describe(element, values))
        return found

    # Reporting ----------------------------------------------------------------------------
    def _describe(self, element: Element, values: np.ndarray) -> dict[str, Any]:
        amounts = [
            (where, float(values[c]))
            for c, where in zip(element.columns, element.where, strict=True)
            if values[c] > ZERO
        ]
        return _REPORTERS[element.kind](self.instance, element, amounts)


def rounded(value: float) -> float:
    return round(value, 6)


def fmt(value: float) -> str:
    """A quantity or share as text, to 6 decimals without trailing zeros."""
    return f"{round(value, 6):.12g}"


def _cap_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    policy = next(c for c in inst.policies.caps if c.id == e.name)
    delta = max(v for _, v in amounts)
    new = rounded(min(1.0, policy.max_share + delta))
    return {
        "element": policy.id,
        "kind": "cap",
        "parameter": "max_share",
        "current": policy.max_share,
        "required": new,
        "message": f"raise {policy.id} max_share from {fmt(policy.max_share)} to {fmt(new)}",
    }


def _floor_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    policy = next(f for f in inst.policies.floors if f.id == e.name)
    delta = max(v for _, v in amounts)
    new = rounded(max(0.0, policy.min_share - delta))
    return {
        "element": policy.id,
        "kind": "floor",
        "parameter": "min_share",
        "current": policy.min_share,
        "required": new,
        "message": f"lower {policy.id} min_share from {fmt(policy.min_share)} to {fmt(new)}",
    }


def _supplier_share_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    current = inst.policies.max_supplier_share or 0.0
    new = rounded(min(1.0, current + max(v for _, v in amounts)))
    return {
        "element": "max_supplier_share",
        "kind": "max_supplier_share",
        "parameter": "max_supplier_share",
        "current": current,
        "required": new,
        "message": f"raise max_supplier_share from {fmt(current)} to {fmt(new)}",
    }


def _capacity_changes(
    capacity: float | dict[str, float] | None, amounts: list
) -> tuple[list[dict[str, Any]], str]:
    """Per-period capacity increases, as data and as text."""
    changes = []
    for (period,), extra in amounts:
        current = lookup(capacity, period) or 0.0
        changes.append({"period": period, "current": current, "required": rounded(current + extra)})
    text = ", ".join(
        f"from {fmt(c['current'])} to {fmt(c['required'])} in period {c['period']}" for c in changes
    )
    return changes, text


def _producer(inst: Instance, ident: str) -> tuple[Supplier, str]:
    """The supplier or back-end site `ident`, and how a message names it."""
    for supplier in inst.suppliers:
        if supplier.id == ident:
            return supplier, ident
    site = next(s for s in inst.backend if s.id == ident)
    return site, f"back-end site {ident}"


def _capacity_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    supplier, name = _producer(inst, e.name)
    changes, text = _capacity_changes(supplier.capacity, amounts)
    return {
        "element": supplier.id,
        "kind": "capacity",
        "parameter": "capacity",
        "changes": changes,
        "message": f"raise {name} capacity {text}",
    }


def _offer_capacity_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    _, supplier_id, product = e.key
    supplier, name = _producer(inst, supplier_id)
    offer = next(o for o in supplier.offers if o.product == product)
    changes, text = _capacity_changes(offer.capacity, amounts)
    return {
        "element": f"{supplier_id}/{product}",
        "kind": "offer_capacity",
        "parameter": "capacity",
        "supplier": supplier_id,
        "product": product,
        "changes": changes,
        "message": f"raise {name} capacity for {product} {text}",
    }


def _min_order_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    supplier, name = _producer(inst, e.name)
    new = rounded(max(0.0, supplier.min_order - max(v for _, v in amounts)))
    return {
        "element": supplier.id,
        "kind": "min_order",
        "parameter": "min_order",
        "current": supplier.min_order,
        "required": new,
        "message": f"lower {name} min_order from {fmt(supplier.min_order)} to {fmt(new)}",
    }


def _min_suppliers_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    current = inst.policies.min_suppliers or 0
    new = max(0, current - math.ceil(max(v for _, v in amounts) - 1e-6))
    products = sorted(str(where[0]) for where, _ in amounts)
    return {
        "element": "min_suppliers",
        "kind": "min_suppliers",
        "parameter": "min_suppliers",
        "current": current,
        "required": new,
        "products": products,
        "message": f"lower min_suppliers from {current} to {new} ({', '.join(products)})",
    }


def _demand_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    _, product, market = e.key
    changes = [{"period": where[0], "unmet": rounded(v)} for where, v in amounts]
    text = ", ".join(f"{fmt(c['unmet'])} in period {c['period']}" for c in changes)
    return {
        "element": f"demand:{product}/{market}",
        "kind": "demand",
        "product": product,
        "market": market,
        "changes": changes,
        "message": (
            f"leave part of the demand for {product} in {market} unmet ({text}), e.g. by "
            "giving the product a shortage_penalty or lowering its demand"
        ),
    }


def _ban_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    flows = [
        {"supplier": s, "product": p, "market": m, "period": t, "quantity": rounded(v)}
        for (s, p, m, t), v in amounts
    ]
    cells = sorted({f"{f['product']} to {f['market']}" for f in flows})
    return {
        "element": e.name,
        "kind": "ban",
        "parameter": "ban",
        "flows": flows,
        "message": f"lift ban {e.name} for {', '.join(cells)}",
    }


_REPORTERS = {
    "cap": _cap_report,
    "floor": _floor_report,
    "max_supplier_share": _supplier_share_report,
    "capacity": _capacity_report,
    "offer_capacity": _offer_capacity_report,
    "min_order": _min_order_report,
    "min_suppliers": _min_suppliers_report,
    "demand": _demand_report,
    "ban": _ban_report,
}


_ORDER = {kind: i for i, kind in enumerate(_REPORTERS)}


POLICY_KINDS = {"cap", "floor", "max_supplier_share", "min_suppliers", "ban", "demand"}
