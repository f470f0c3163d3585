"""What each policy costs: binding rows priced by LP duals, and the cost of having a policy.

Marginal prices come from the LP with the contracts (all integer decisions) fixed, solved after
the MIP. A share row reads `sum_s (1[s in G] - share) x_s <= 0` (cap) or `>= 0` (floor); moving
`share` by one percentage point moves the row's right-hand side by `0.01 * T`, where `T` is the
supply the row covers, so the price of one point is `|dual| * T * 0.01` (money per point): what
tightening the policy by one point costs, and to first order what loosening it saves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sourcing.explain.stages import worst_shares
from sourcing.instance.schema import Instance
from sourcing.model.data import ModelData
from sourcing.model.families import GROUP_SHARE_MAX, GROUP_SHARE_MIN, SUPPLIER_SHARE_MAX
from sourcing.model.investment import PROGRAM_BUDGET
from sourcing.model.scopes import ShareRow
from sourcing.plan import Plan
from sourcing.solver import row_key

RowDuals = dict[tuple[str, tuple[Any, ...]], float]
"""Row dual per (constraint family, index), e.g. ("group_share_max", ("cn-cap", p, m, t))."""

SHARE_TOLERANCE = 1e-6
POINT = 0.01


def row_duals(rows: list[Any], duals: Any) -> RowDuals:
    """Map the duals of the solver's rows back to the model's constraint names and indices."""
    found: RowDuals = {}
    for constraint, dual in zip(rows, duals, strict=True):
        found[row_key(constraint)] = float(dual)
    return found


def _share_of(row: ShareRow, flows: dict[Any, float]) -> tuple[float, float]:
    total = sum(flows.get(f, 0.0) for f in row.flows)
    group = sum(flows.get(f, 0.0) for f in row.group_flows)
    return group, total


def _binds(part: float, share: float, total: float) -> bool:
    return total > SHARE_TOLERANCE and abs(part - share * total) <= SHARE_TOLERANCE * max(1, total)


def _price(duals: RowDuals, family: str, key: tuple[Any, ...], total: float) -> float | None:
    dual = duals.get((family, key))
    return None if dual is None else abs(dual) * total * POINT


def binding_rows(data: ModelData, plan: Plan, duals: RowDuals) -> list[dict[str, Any]]:
    """Policies that hold with equality in the plan (where supply is positive), with prices."""
    flows = dict(plan.flows)
    tiers = {**flows, **plan.back_flows}  # a share row counts one tier's flows (ids differ)
    rows: list[dict[str, Any]] = []
    for kind, family, share_rows in (
        ("cap", GROUP_SHARE_MAX, data.caps),
        ("floor", GROUP_SHARE_MIN, data.floors),
    ):
        for row in share_rows:
            group, total = _share_of(row, tiers)
            if not _binds(group, row.share, total):
                continue
            product, market, period = row.key
            rows.append(
                {
                    "policy": row.policy,
                    "kind": kind,
                    "product": product,
                    "market": market,
                    "period": period,
                    "value": group / total,
                    "limit": row.share,
                    "price_per_point": _price(duals, family, (row.policy, *row.key), total),
                }
            )
    rows += _supplier_share_rows(data, flows, duals)
    rows += _resilience_rows(data, plan)
    rows += _budget_rows(data, plan, duals)
    if data.min_suppliers is not None:
        for product, count in counted_suppliers(data, plan).items():
            if count == data.min_suppliers:
                rows.append(
                    {
                        "policy": "min_suppliers",
                        "kind": "min_suppliers",
                        "product": product,
                        "value": float(count),
                        "limit": float(data.min_suppliers),
                    }
                )
    return rows


def _supplier_share_rows(
    data: ModelData, flows: dict[Any, float], duals: RowDuals
) -> list[dict[str, Any]]:
    share = data.max_supplier_share
    if share is None or share >= 1:
        return []
    totals: dict[tuple[str, str, Any], float] = {}
    for (_, p, mk, t), q in flows.items():
        totals[(p, mk, t)] = totals.get((p, mk, t), 0.0) + q
    rows = []
    for (s, p, mk, t), q in flows.items():
        total = totals[(p, mk, t)]
        if _binds(q, share, total):
            rows.append(
                {
                    "policy": "max_supplier_share",
                    "kind": "supplier_share",
                    "product": p,
                    "market": mk,
                    "period": t,
                    "supplier": s,
                    "value": q / total,
                    "limit": share,
                    "price_per_point": _price(duals, SUPPLIER_SHARE_MAX, (s, p, mk, t), total),
                }
            )
    return rows


def _budget_rows(data: ModelData, plan: Plan, duals: RowDuals) -> list[dict[str, Any]]:
    """Programmes whose budget is spent in full. Their price is what one more unit of budget
    would save (the budget row's dual, with the build decisions fixed), in money per money."""
    rows = []
    for program in data.instance.programs:
        if program.budget is None or program.budget <= 0:
            continue
        spent = sum(q for (_, g), q in plan.subsidies.items() if g == program.id)
        if abs(spent - program.budget) <= SHARE_TOLERANCE * max(1.0, program.budget):
            dual = duals.get((PROGRAM_BUDGET, (program.id,)))
            rows.append(
                {
                    "policy": program.id,
                    "kind": "budget",
                    "value": spent,
                    "limit": program.budget,
                    "price_per_point": None if dual is None else abs(dual),
                }
            )
    return rows


def _resilience_rows(data: ModelData, plan: Plan) -> list[dict[str, Any]]:
    """Outages that leave exactly the unmet share the resilience requirement allows, measured
    as its `per` says (all demand, the worst product or the worst cell)."""
    resilience = data.instance.resilience
    demand = sum(data.demand.values())
    if resilience is None or demand <= 0:
        return []
    rows = []
    for stage, recourse in plan.scenarios.items():
        if not stage.startswith("outage:"):
            continue
        unmet = dict(recourse.unmet)
        _, worst_product, worst_cell = worst_shares(unmet, data.demand)
        share = {
            "total": sum(unmet.values()) / demand,
            "product": worst_product,
            "cell": worst_cell,
        }[resilience.per]
        if abs(share - resilience.max_outage_shortage) <= SHARE_TOLERANCE:
            rows.append(
                {
                    "policy": "resilience",
                    "kind": "resilience",
                    "product": stage,
                    "value": share,
                    "limit": resilience.max_outage_shortage,
                }
            )
    return rows


def counted_suppliers(data: ModelData, plan: Plan) -> dict[str, int]:
    """How many contracted suppliers deliver at least `min_supplier_share` of each product."""
    delivered: dict[tuple[str, str], float] = {}
    for (s, p, _, _), q in plan.flows.items():
        delivered[(p, s)] = delivered.get((p, s), 0.0) + q
    counts: dict[str, int] = {}
    for product, demand in data.product_demand.items():
        if demand <= 0:
            continue
        if data.min_supplier_share == 0:
            counts[product] = sum(
                1 for (p, s) in data.product_supplier_flows if p == product and s in plan.contracts
            )
            continue
        total = sum(q for (p, _), q in delivered.items() if p == product)
        threshold = data.min_supplier_share * total - SHARE_TOLERANCE * max(1.0, total)
        counts[product] = sum(
            1
            for (p, s), q in delivered.items()
            if p == product and s in plan.contracts and q >= threshold
        )
    return counts


def policy_list(instance: Instance) -> list[tuple[str, str]]:
    """Every policy of the instance as (id, kind); diversity rules use their key as id."""
    policies = instance.policies
    found = [(c.id, "cap") for c in policies.caps]
    found += [(f.id, "floor") for f in policies.floors]
    found += [(b.id, "ban") for b in policies.bans]
    if policies.max_supplier_share is not None:
        found.append(("max_supplier_share", "supplier_share"))
    if policies.min_suppliers is not None:
        found.append(("min_suppliers", "min_suppliers"))
    return found


def without_policy(instance: Instance, policy: str) -> Instance:
    """A copy of `instance` with one policy (by id, or a diversity key) removed."""
    policies = instance.policies
    if policy in ("max_supplier_share", "min_suppliers"):
        return instance.replace(policies=policies.model_copy(update={policy: None}))
    update = {
        field: [p for p in getattr(policies, field) if p.id != policy]
        for field in ("caps", "floors", "bans")
    }
    return instance.replace(policies=policies.model_copy(update=update))


def policy_costs(
    instance: Instance, objective: float, solve: Callable[[Instance], Any]
) -> list[dict[str, Any]]:
    """The cost of having each policy: the objective with it minus the objective without it.

    `solve` maps an instance to results with `status` and `objective`. Removing a policy only
    relaxes the problem, so each re-solve has a plan whenever the original has one.
    """
    rows = []
    for policy, kind in policy_list(instance):
        results = solve(without_policy(instance, policy))
        without = results.objective
        rows.append(
            {
                "policy": policy,
                "kind": kind,
                "status_without": results.status,
                "objective_without": without,
                "cost": None if without is None else objective - without,
            }
        )
    return rows
