"""Explain an infeasible instance in its own terms: what conflicts, and what to relax by how much.

Two steps:

1. Structural checks that need no solver (a demand nobody may serve; caps and floors that cannot
   add up to 100 % of a cell's supply; too few eligible suppliers for `min_suppliers`; too
   little capacity for a product that cannot be stored or left unmet). They are reported first
   (`sourcing.explain.structural`).
2. An elastic model (`sourcing.explain.elastic`): the same MILP with capacities as rows,
   banned flows built, and every demand allowed to go unmet; each relaxable element (a cap, a
   floor, a ban, a supplier's or an offer's capacity, a minimum order, a product's demand, the
   diversity rules) gets slack columns that cost nothing in the real objective. Minimising the
   weighted slack names the elements in conflict; minimising one element's slack with all
   others held firm gives the smallest change to that element alone that restores
   feasibility.

Share elements use one slack `delta` per policy, in share units: a cap row becomes
`group - share * total <= delta * D`, with `D` the demand the row covers, so `share + delta` is
the relaxed share wherever delivered supply equals demand; every such value is re-checked by
solving the instance with it (`_verify`). Under a resilience requirement, an outage that no
plan survives is named with the least shortage it leaves (`_resilience_findings`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyomo.environ as pyo

from sourcing.errors import InfeasibleError, InstanceError
from sourcing.explain.elastic import ZERO, ElasticModel, fmt, rounded
from sourcing.explain.structural import structural_conflicts
from sourcing.instance.fields import lookup, period_key
from sourcing.instance.schema import Instance, Supplier
from sourcing.model import Stage
from sourcing.model.build import outage_groups
from sourcing.model.data import Mode, ModelData, build_data
from sourcing.model.disruptions import with_penalties
from sourcing.pipeline import Pipeline
from sourcing.solver import SolveOptions, run


def diagnose(instance: Instance, options: SolveOptions | None = None) -> dict[str, Any]:
    """A diagnosis of an infeasible instance, as plain data (see `docs/model.md`)."""
    options = (options or SolveOptions()).started()
    structural = list(structural_conflicts(instance))
    elastic = ElasticModel(instance.replace(resilience=None, scenarios=[]), options)
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


def _resilience_findings(
    instance: Instance, options: SolveOptions
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Outages that leave more unmet than `resilience` allows, whatever the plan.

    For each outage group and each part the requirement measures (all demand, a product, or a
    cell, as `per` says): the least unmet demand of that part under the outage, over all plans
    that meet the nominal policies (contracts free), against the allowed share of its demand.
    Cells are tried only for products that cannot be served in full.
    """
    resilience = instance.resilience
    assert resilience is not None
    allowed = resilience.max_outage_shortage
    nominal = instance.replace(resilience=None, scenarios=[])
    penalised = with_penalties(nominal)
    findings = []
    for group in outage_groups(instance):
        stage = Stage(
            f"outage:{group}",
            0.0,
            build_data(penalised, Mode.DISRUPTION, capacity_factor={group: resilience.factor}),
        )
        least = _LeastUnmet(nominal, stage, options)
        for part, cells in _parts(stage.data, resilience.per):
            if options.expired():
                break
            unmet = least.of(cells)
            demand = sum(stage.data.demand.get(c, 0.0) for c in cells)
            if unmet is None or not demand or unmet / demand <= allowed + ZERO:
                continue
            if resilience.per == "cell" and part[0] == "product":  # look at its cells
                for cell in cells:
                    found = least.of([cell])
                    need = stage.data.demand.get(cell, 0.0)
                    if found is not None and need and found / need > allowed + ZERO:
                        findings.append(_finding(group, ("cell", cell), found, need, resilience))
                continue
            findings.append(_finding(group, part, unmet, demand, resilience))
    if not findings:
        return [], None
    required = rounded(max(f["share"] for f in findings))
    repair = {
        "element": "resilience",
        "kind": "resilience",
        "parameter": "max_outage_shortage",
        "current": allowed,
        "required": required,
        "regions": list(dict.fromkeys(f["outage"] for f in findings)),
        "message": (f"raise resilience max_outage_shortage from {fmt(allowed)} to {fmt(required)}"),
    }
    return findings, repair


def _parts(data: ModelData, per: str) -> list[tuple[tuple[Any, ...], list[Any]]]:
    """What the requirement measures, as (part, its cells): everything, or each product (also
    for `per: cell`, whose cells are looked at only where the product falls short)."""
    cells = [c for c in data.unmet_bound if data.demand.get(c, 0.0) > 0]
    if per == "total":
        return [(("total",), cells)]
    products: dict[str, list[Any]] = {}
    for cell in cells:
        products.setdefault(cell[0], []).append(cell)
    return [(("product", p), found) for p, found in products.items()]


def _finding(
    group: str, part: tuple[Any, ...], unmet: float, demand: float, resilience: Any
) -> dict[str, Any]:
    """One outage that no plan survives: which part, how much is unmet at least, the limit."""
    share = unmet / demand
    what = {"total": "", "product": f" of {part[-1]}", "cell": ""}[part[0]]
    if part[0] == "cell":
        product, market, period = part[1]
        what = f" of {product} in {market}, {period}"
    outage = (
        "a full outage" if resilience.factor == 0 else f"an outage ({resilience.factor:.0%} left)"
    )
    return {
        "elements": ["resilience", f"outage:{group}"],
        "kind": "resilience",
        "region": group,
        "outage": group,
        "product": None if part[0] == "total" else part[1] if part[0] == "product" else part[1][0],
        "cell": list(part[1]) if part[0] == "cell" else None,
        "unmet": rounded(unmet),
        "share": rounded(share),
        "message": (
            f"{outage} of {group} leaves at least {fmt(unmet)} of {fmt(demand)}{what} unmet "
            f"({share:.1%}) whatever is contracted; the requirement allows "
            f"{resilience.max_outage_shortage:.1%} per {resilience.per}"
        ),
    }


class _LeastUnmet:
    """One outage stage in HiGHS, with the nominal plan's policies: the least unmet demand of
    any set of its cells, by changing which unmet columns the objective counts."""

    def __init__(self, nominal: Instance, stage: Stage, options: SolveOptions) -> None:
        self.options = options
        pipeline = Pipeline(nominal, options, stages=[stage], edit=_least_unmet)
        self.handed = pipeline.hand_over()
        block = pipeline.model.recourse[stage.id]
        position = {id(v): i for i, v in enumerate(self.handed.columns)}
        self.column = {
            c: position[id(block.unmet[c])]
            for c in stage.data.unmet_bound
            if id(block.unmet[c]) in position
        }

    def of(self, cells: list[Any]) -> float | None:
        """The least total unmet demand of `cells` (None if not found in time)."""
        cost = np.zeros(len(self.handed.columns))
        counted = [self.column[c] for c in cells if c in self.column]
        cost[counted] = 1.0
        highs = self.handed.highs
        highs.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
        self.handed.cost = cost
        outcome = run(self.handed, self.options)
        return outcome.objective


def _least_unmet(model: Any, data: ModelData) -> None:
    """The objective of the model's one outage stage: its total unmet demand, nothing else."""
    model.total_cost.deactivate()
    (stage,) = model.recourse.values()
    model.least_unmet = pyo.Objective(expr=pyo.quicksum(stage.unmet.values()))


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
        assert instance.resilience is not None
        update = {"max_outage_shortage": repair["required"]}
        return instance.replace(resilience=instance.resilience.model_copy(update=update))
    if kind in ("max_supplier_share", "min_suppliers"):
        value = repair["required"]
        if kind == "min_suppliers" and value == 0:
            value = None
        return instance.replace(policies=policies.model_copy(update={kind: value}))
    if kind == "capacity":
        changed = {period_key(c["period"]): c["required"] for c in repair["changes"]}

        def raised(s: Supplier) -> Supplier:
            capacity = {
                period_key(t): changed.get(period_key(t), lookup(s.capacity, t))
                for t in instance.periods
                if changed.get(period_key(t), lookup(s.capacity, t)) is not None
            }
            return s.model_copy(update={"capacity": capacity})

        return _with_producer(instance, repair["element"], raised)
    if kind == "min_order":
        return _with_producer(
            instance,
            repair["element"],
            lambda s: s.model_copy(update={"min_order": repair["required"]}),
        )
    return None


def _with_producer(
    instance: Instance, ident: str, change: Callable[[Supplier], Supplier]
) -> Instance:
    """`instance` with the supplier or back-end site `ident` changed by `change`."""
    return instance.replace(
        **{
            field: [change(s) if s.id == ident else s for s in getattr(instance, field)]
            for field in ("suppliers", "backend")
        }
    )


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
