"""Explain an infeasible instance in its own terms: what conflicts, and what to relax by how much.

Two steps:

1. Structural checks that need no solver (a demand nobody may serve; caps and floors that cannot
   add up to 100 % of a cell's supply; too few eligible suppliers for `min_suppliers`; too
   little capacity for a product that cannot be stored or left unmet). They are reported first.
2. An elastic model: the same MILP with capacities as rows, banned flows built, and every demand
   allowed to go unmet; each relaxable element (a cap, a floor, a ban, a supplier's or an
   offer's capacity, a minimum order, a product's demand, the diversity rules) gets slack
   columns that cost nothing in the real objective. Minimising the weighted slack names the
   elements in conflict; minimising one element's slack with all others held firm gives the
   smallest change to that element alone that restores feasibility.

Share elements use one slack `delta` per policy, in share units: a cap row becomes
`group - share * total <= delta * D`, with `D` the demand the row covers, so `share + delta` is
the relaxed share wherever delivered supply equals demand; every such value is re-checked by
solving the instance with it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo

from sourcing.errors import InfeasibleError, InstanceError
from sourcing.instance.fields import lookup
from sourcing.instance.schema import Cap, Floor, Instance, group_members, period_key
from sourcing.model import Stage
from sourcing.model.data import Coverage, Mode, ModelData, build_data
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


def diagnose(instance: Instance, options: SolveOptions | None = None) -> dict[str, Any]:
    """A diagnosis of an infeasible instance, as plain data (see `docs/model.md`)."""
    options = (options or SolveOptions()).started()
    structural = list(structural_conflicts(instance))
    elastic = _Elastic(instance.replace(resilience=None, scenarios=[]), options)
    combined = elastic.combined_relaxation()
    repairs = elastic.repairs()
    if not combined and instance.resilience is not None:
        outages, repair = _resilience_findings(instance, options)
        structural += outages
        repairs += [repair] if repair else []
    for repair in repairs:
        repair["verified"] = _verify(instance, repair, options)
    conflicts: dict[str, str] = {}
    for entry in combined + repairs:
        conflicts.setdefault(entry["element"], entry["kind"])
    lines = [f["message"] for f in structural]
    if conflicts:
        lines.append("in conflict: " + ", ".join(f"{e} ({k})" for e, k in conflicts.items()))
    if repairs:
        lines.append("any one of these changes restores feasibility:")
        lines += [f"  - {r['message']}" for r in repairs]
    elif combined:
        lines.append("no single change restores feasibility; relax these together:")
        lines += [f"  - {c['message']}" for c in combined]
    if options.expired():
        lines.append(
            f"(the time limit of {options.time_limit:g} s ended the diagnosis early; "
            "it may be incomplete)"
        )
    return {
        "summary": "\n".join(lines) or "no plan satisfies the instance",
        "structural": structural,
        "conflicts": [{"element": e, "kind": k} for e, k in conflicts.items()],
        "repairs": repairs,
        "combined": combined,
        "untested": elastic.untested,
    }


# --- structural checks -------------------------------------------------------------------


def structural_conflicts(instance: Instance) -> Iterator[dict[str, Any]]:
    """Conflicts provable without the MILP, each with the elements involved and a message."""
    data = build_data(instance)
    products = {p.id: p for p in instance.products}
    strict = {
        p
        for p, product in products.items()
        if product.shortage_penalty is None and product.holding_cost is None
    }
    unservable = {p for p, product in products.items() if product.shortage_penalty is None}
    for (product, market, period), demand in data.demand.items():
        if product in unservable and not data.cell_flows.get((product, market, period)):
            stock = products[product].holding_cost is not None and _earlier_flows(
                data, product, market, period
            )
            if not stock:
                yield {
                    "elements": [f"demand:{product}/{market}/{period}"],
                    "kind": "demand",
                    "message": (
                        f"demand of {demand:g} for {product} in market {market}, period {period} "
                        "cannot be served: no supplier may deliver it (after bans, offers and "
                        "capacities) and the product has no shortage_penalty"
                    ),
                }
    shares = _ShareScopes.of(instance)
    for cell in sorted(data.cell_flows, key=str):
        if cell[0] in strict and data.demand.get(cell, 0) > 0:
            yield from _share_conflicts(instance, data, cell, shares)
    yield from _capacity_shortfalls(instance, data, strict)
    yield from _too_few_suppliers(data)


def _earlier_flows(data: ModelData, product: str, market: str, period: Any) -> bool:
    index = data.periods.index(period)
    return any(data.cell_flows.get((product, market, t)) for t in data.periods[:index])


@dataclass(frozen=True)
class _ShareScopes:
    """The per-cell caps and floors of an instance with their coverage, and group members."""

    caps: list[tuple[Cap, Coverage]]
    floors: list[tuple[Floor, Coverage]]
    members: dict[str, frozenset[str]]

    @classmethod
    def of(cls, instance: Instance) -> _ShareScopes:
        policies = instance.policies
        return cls(
            caps=[(c, Coverage.of(c)) for c in policies.caps if not c.pooled],
            floors=[(f, Coverage.of(f)) for f in policies.floors if not f.pooled],
            members=group_members(instance),
        )


def _share_conflicts(
    instance: Instance, data: ModelData, cell: tuple[str, str, Any], scopes: _ShareScopes
) -> Iterator[dict[str, Any]]:
    """Caps, floors and max_supplier_share that cannot share out 100 % of one cell's supply."""
    product, market, period = cell
    suppliers = sorted({f[0] for f in data.cell_flows[cell]})
    policies = instance.policies
    caps = [c for c, coverage in scopes.caps if coverage.covers(*cell)]
    floors = [f for f, coverage in scopes.floors if coverage.covers(*cell)]
    if not caps and not floors and policies.max_supplier_share is None:
        return
    n = len(suppliers)
    rows, bounds = [], []
    for cap in caps:
        members = scopes.members[cap.group]
        rows.append([1.0 if s in members else 0.0 for s in suppliers])
        bounds.append(cap.max_share)
    for floor in floors:
        members = scopes.members[floor.group]
        rows.append([-1.0 if s in members else 0.0 for s in suppliers])
        bounds.append(-floor.min_share)
    from scipy.optimize import linprog  # heavy to import; a diagnosis is rare

    upper = policies.max_supplier_share if policies.max_supplier_share is not None else 1.0
    found = linprog(
        c=np.zeros(n),
        A_ub=np.array(rows) if rows else None,
        b_ub=np.array(bounds) if rows else None,
        A_eq=np.ones((1, n)),
        b_eq=np.array([1.0]),
        bounds=[(0.0, upper)] * n,
        method="highs",
    )
    if found.status != 2:  # 2 = infeasible
        return
    names = [f"{c.id} (at most {c.max_share:.0%} {c.group})" for c in caps]
    names += [f"{f.id} (at least {f.min_share:.0%} {f.group})" for f in floors]
    if policies.max_supplier_share is not None:
        names.append(f"max_supplier_share ({policies.max_supplier_share:.0%} each)")
    yield {
        "elements": [c.id for c in caps]
        + [f.id for f in floors]
        + (["max_supplier_share"] if policies.max_supplier_share is not None else []),
        "kind": "shares",
        "product": product,
        "market": market,
        "period": period,
        "message": (
            f"{product} to {market} in period {period}: the shares allowed to the "
            f"{n} supplier(s) that may deliver it ({', '.join(suppliers)}) cannot add up to "
            f"100 % under {', '.join(names)}"
        ),
    }


def _capacity_shortfalls(
    instance: Instance, data: ModelData, strict: set[str]
) -> Iterator[dict[str, Any]]:
    """Products that can be neither stored nor left unmet, with too little capacity."""
    by_offer = {(s.id, o.product): (s, o) for s in instance.suppliers for o in s.offers}
    demands: dict[tuple[str, Any], float] = defaultdict(float)
    for (p, _, t), q in data.demand.items():
        demands[(p, t)] += q
    for product in sorted(strict):
        for period in data.periods:
            demand = demands.get((product, period), 0.0)
            if demand <= 0:
                continue
            suppliers = {
                f[0]
                for m in (mk.id for mk in instance.markets)
                for f in data.cell_flows.get((product, m, period), [])
            }
            capacity = 0.0
            for s in suppliers:
                supplier, offer = by_offer[(s, product)]
                limits = [lookup(offer.capacity, period), lookup(supplier.capacity, period)]
                known = [v for v in limits if v is not None]
                capacity += min(known) if known else math.inf
            if suppliers and capacity < demand - ZERO:  # no supplier: reported as demand
                yield {
                    "elements": [f"capacity:{s}" for s in sorted(suppliers)],
                    "kind": "capacity",
                    "product": product,
                    "period": period,
                    "message": (
                        f"{product} in period {period}: the suppliers that may deliver it can make "
                        f"at most {capacity:g}, demand is {demand:g}, and the product can be "
                        "neither stored nor left unmet"
                    ),
                }


def _too_few_suppliers(data: ModelData) -> Iterator[dict[str, Any]]:
    k = data.min_suppliers
    if k is None:
        return
    for product, demand in data.product_demand.items():
        if demand <= 0:
            continue
        count = sum(1 for (p, _) in data.product_supplier_flows if p == product)
        if count < k:
            yield {
                "elements": ["min_suppliers"],
                "kind": "min_suppliers",
                "product": product,
                "message": (
                    f"min_suppliers asks for {k} suppliers of {product}, but only {count} may "
                    "deliver it"
                ),
            }


# --- the elastic model ---------------------------------------------------------------------


class _Elastic:
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
            policies = [e for e in candidates if e.kind in _POLICY_KINDS or e.name in combined]
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


def _round(value: float) -> float:
    return round(value, 6)


def _fmt(value: float) -> str:
    """A quantity or share as text, to 6 decimals without trailing zeros."""
    return f"{round(value, 6):.12g}"


def _cap_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    policy = next(c for c in inst.policies.caps if c.id == e.name)
    delta = max(v for _, v in amounts)
    new = _round(min(1.0, policy.max_share + delta))
    return {
        "element": policy.id,
        "kind": "cap",
        "parameter": "max_share",
        "current": policy.max_share,
        "required": new,
        "message": f"raise {policy.id} max_share from {_fmt(policy.max_share)} to {_fmt(new)}",
    }


def _floor_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    policy = next(f for f in inst.policies.floors if f.id == e.name)
    delta = max(v for _, v in amounts)
    new = _round(max(0.0, policy.min_share - delta))
    return {
        "element": policy.id,
        "kind": "floor",
        "parameter": "min_share",
        "current": policy.min_share,
        "required": new,
        "message": f"lower {policy.id} min_share from {_fmt(policy.min_share)} to {_fmt(new)}",
    }


def _supplier_share_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    current = inst.policies.max_supplier_share or 0.0
    new = _round(min(1.0, current + max(v for _, v in amounts)))
    return {
        "element": "max_supplier_share",
        "kind": "max_supplier_share",
        "parameter": "max_supplier_share",
        "current": current,
        "required": new,
        "message": f"raise max_supplier_share from {_fmt(current)} to {_fmt(new)}",
    }


def _capacity_changes(
    capacity: float | dict[str, float] | None, amounts: list
) -> tuple[list[dict[str, Any]], str]:
    """Per-period capacity increases, as data and as text."""
    changes = []
    for (period,), extra in amounts:
        current = lookup(capacity, period) or 0.0
        changes.append({"period": period, "current": current, "required": _round(current + extra)})
    text = ", ".join(
        f"from {_fmt(c['current'])} to {_fmt(c['required'])} in period {c['period']}"
        for c in changes
    )
    return changes, text


def _capacity_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    supplier = next(s for s in inst.suppliers if s.id == e.name)
    changes, text = _capacity_changes(supplier.capacity, amounts)
    return {
        "element": supplier.id,
        "kind": "capacity",
        "parameter": "capacity",
        "changes": changes,
        "message": f"raise {supplier.id} capacity {text}",
    }


def _offer_capacity_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    _, supplier_id, product = e.key
    supplier = next(s for s in inst.suppliers if s.id == supplier_id)
    offer = next(o for o in supplier.offers if o.product == product)
    changes, text = _capacity_changes(offer.capacity, amounts)
    return {
        "element": f"{supplier_id}/{product}",
        "kind": "offer_capacity",
        "parameter": "capacity",
        "supplier": supplier_id,
        "product": product,
        "changes": changes,
        "message": f"raise {supplier_id} capacity for {product} {text}",
    }


def _min_order_report(inst: Instance, e: Element, amounts: list) -> dict[str, Any]:
    supplier = next(s for s in inst.suppliers if s.id == e.name)
    new = _round(max(0.0, supplier.min_order - max(v for _, v in amounts)))
    return {
        "element": supplier.id,
        "kind": "min_order",
        "parameter": "min_order",
        "current": supplier.min_order,
        "required": new,
        "message": f"lower {supplier.id} min_order from {_fmt(supplier.min_order)} to {_fmt(new)}",
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
    changes = [{"period": where[0], "unmet": _round(v)} for where, v in amounts]
    text = ", ".join(f"{_fmt(c['unmet'])} in period {c['period']}" for c in changes)
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
        {"supplier": s, "product": p, "market": m, "period": t, "quantity": _round(v)}
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
_POLICY_KINDS = {"cap", "floor", "max_supplier_share", "min_suppliers", "ban", "demand"}


# --- resilience ---------------------------------------------------------------------------


def _resilience_findings(
    instance: Instance, options: SolveOptions
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Regions whose full outage leaves more unmet than `resilience` allows, whatever the plan.

    For each region: the least total unmet demand under its outage over all plans that meet
    the nominal policies (contracts free), against the allowed share of all demand.
    """
    assert instance.resilience is not None
    allowed = instance.resilience.max_outage_shortage
    nominal = instance.replace(resilience=None, scenarios=[])
    demand = sum(build_data(nominal).demand.values())
    findings = []
    worst = allowed
    for region in instance.regions:
        stage = Stage(
            f"outage:{region.id}",
            0.0,
            build_data(nominal, Mode.DISRUPTION, capacity_factor={region.id: 0.0}),
        )
        outcome = Pipeline(nominal, options, stages=[stage], edit=_least_unmet).run()
        if outcome.objective is None or not demand:
            continue
        share = outcome.objective / demand
        if share > allowed + ZERO:
            worst = max(worst, share)
            findings.append(
                {
                    "elements": ["resilience", f"outage:{region.id}"],
                    "kind": "resilience",
                    "region": region.id,
                    "unmet": _round(outcome.objective),
                    "share": _round(share),
                    "message": (
                        f"a full outage of {region.id} leaves at least "
                        f"{_fmt(outcome.objective)} of {_fmt(demand)} unmet ({share:.1%}) "
                        f"whatever is contracted; the requirement allows {allowed:.1%}"
                    ),
                }
            )
    if not findings:
        return [], None
    required = _round(worst)
    repair = {
        "element": "resilience",
        "kind": "resilience",
        "parameter": "max_outage_shortage",
        "current": allowed,
        "required": required,
        "regions": [f["region"] for f in findings],
        "message": (
            f"raise resilience max_outage_shortage from {_fmt(allowed)} to {_fmt(required)}"
        ),
    }
    return findings, repair


def _least_unmet(model: Any, data: ModelData) -> None:
    """The objective of the model's one outage stage: its total unmet demand, nothing else."""
    model.total_cost.deactivate()
    (stage,) = model.recourse.values()
    model.least_unmet = pyo.Objective(expr=pyo.quicksum(stage.unmet.values()))


# --- verification --------------------------------------------------------------------------


def _relaxed(instance: Instance, repair: dict[str, Any]) -> Instance | None:
    """The instance with one repair applied, or None where there is nothing to re-check."""
    kind = repair["kind"]
    policies = instance.policies
    if kind in ("cap", "floor"):
        field_name = "caps" if kind == "cap" else "floors"
        update = [
            p.model_copy(update={repair["parameter"]: repair["required"]})
            if p.id == repair["element"]
            else p
            for p in getattr(policies, field_name)
        ]
        return instance.replace(policies=policies.model_copy(update={field_name: update}))
    if kind == "resilience":
        return instance.replace(resilience={"max_outage_shortage": repair["required"]})
    if kind in ("max_supplier_share", "min_suppliers"):
        value = repair["required"]
        if kind == "min_suppliers" and value == 0:
            value = None
        return instance.replace(policies=policies.model_copy(update={kind: value}))
    if kind == "capacity":
        changed = {period_key(c["period"]): c["required"] for c in repair["changes"]}
        suppliers = []
        for s in instance.suppliers:
            if s.id == repair["element"]:
                capacity = {
                    period_key(t): changed.get(period_key(t), lookup(s.capacity, t))
                    for t in instance.periods
                    if changed.get(period_key(t), lookup(s.capacity, t)) is not None
                }
                s = s.model_copy(update={"capacity": capacity})
            suppliers.append(s)
        return instance.replace(suppliers=suppliers)
    if kind == "min_order":
        suppliers = [
            s.model_copy(update={"min_order": repair["required"]})
            if s.id == repair["element"]
            else s
            for s in instance.suppliers
        ]
        return instance.replace(suppliers=suppliers)
    return None


def _verify(instance: Instance, repair: dict[str, Any], options: SolveOptions) -> bool | None:
    """Whether the instance with this one repair has a plan (None: not re-checked)."""
    try:
        relaxed = _relaxed(instance, repair)
    except InstanceError:  # the repaired value is outside the limits of an instance file
        return None
    if relaxed is None:
        return None
    pipeline = Pipeline(relaxed, options)
    try:
        pipeline.build()
    except InfeasibleError:
        return False
    if options.expired():
        return None
    outcome = pipeline.run()
    if outcome.status == "no_solution":
        return None
    return outcome.status in ("optimal", "feasible")
