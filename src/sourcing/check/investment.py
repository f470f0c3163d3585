"""Investment and subsidies as the checker sees them (SPEC section 5).

`as_built` gives the instance with the capacity of the built expansions added, so the capacity
rules (and the disruption stages, which scale it like the supplier's own) need nothing else;
`investment_costs` gives the `capex` and `subsidy` cost components; `investment_violations`
checks the builds and what each programme pays: only for built expansions whose supplier it
covers, at most its rate of the capex, at most its budget in all, and at most the capex from all
programmes together.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator

from sourcing.check.tables import fmt
from sourcing.instance.fields import period_key
from sourcing.instance.schema import Expansion, Instance, Program, group_members
from sourcing.plan import Plan

PerPeriod = float | dict[str, float] | None


def _raise(value: PerPeriod, added: dict[str, float] | None, horizon: list[str]) -> PerPeriod:
    """A capacity plus `added` (by period text) where it is finite: unlimited stays unlimited,
    and a map lacking a period (unlimited then) still lacks it."""
    if not added or value is None:
        return value
    if not isinstance(value, dict):
        value = dict.fromkeys(horizon, value)
    return {k: v + added.get(k, 0.0) for k, v in value.items()}


def as_built(instance: Instance, builds: Iterable[str]) -> Instance:
    """`instance` with every built expansion's `capacity` added to its supplier's capacity and
    to the capacity of each offer it grows (default all the supplier's offers), in each period
    from `available` on, only where that capacity is finite. Capacities that grow become
    per-period maps; unknown ids in `builds` add nothing. Without builds, `instance` itself."""
    wanted = set(builds)
    built = [e for e in instance.expansions if e.id in wanted]
    if not built:
        return instance
    horizon = [period_key(p) for p in instance.periods]
    offered = {s.id: [o.product for o in s.offers] for s in instance.suppliers}
    to_supplier: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    to_offer: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for expansion in built:
        start = expansion.available
        first = 0 if start is None else horizon.index(period_key(start))
        products = expansion.products or offered.get(expansion.supplier, [])
        for key in horizon[first:]:
            to_supplier[expansion.supplier][key] += expansion.capacity
            for product in products:
                to_offer[(expansion.supplier, product)][key] += expansion.capacity
    suppliers = []
    for supplier in instance.suppliers:
        if supplier.id not in to_supplier:
            suppliers.append(supplier)
            continue
        offers = [
            offer.model_copy(
                update={
                    "capacity": _raise(
                        offer.capacity, to_offer.get((supplier.id, offer.product)), horizon
                    )
                }
            )
            for offer in supplier.offers
        ]
        capacity = _raise(supplier.capacity, to_supplier[supplier.id], horizon)
        suppliers.append(supplier.model_copy(update={"capacity": capacity, "offers": offers}))
    return instance.model_copy(update={"suppliers": suppliers})


def _amount(value: object) -> float | None:
    """A subsidy amount as a float, None if it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def investment_costs(instance: Instance, plan: Plan) -> tuple[float, float]:
    """(capex of the built expansions, minus the sum of all subsidies): the `capex` and
    `subsidy` cost components. Unknown builds and amounts that are not finite numbers count 0
    (`check_plan` reports them)."""
    capex = sum(e.capex for e in instance.expansions if e.id in plan.builds)
    paid = sum(a for v in plan.subsidies.values() if (a := _amount(v)) is not None)
    return capex, -paid


def money_tolerance(instance: Instance, tol: float = 1e-6) -> float:
    """Absolute tolerance on subsidy amounts: `tol * max(1, largest capex or budget)`."""
    scale = [1.0, *(e.capex for e in instance.expansions)]
    scale += [g.budget for g in instance.programs if g.budget is not None]
    return tol * max(scale)


def _eligible(program: Program, expansion: Expansion, members: dict[str, frozenset[str]]) -> bool:
    """Whether `program` may pay for `expansion`: no groups, or its supplier is in one."""
    if program.groups is None:
        return True
    return any(expansion.supplier in members.get(group, frozenset()) for group in program.groups)


def investment_violations(instance: Instance, plan: Plan, tol: float = 1e-6) -> Iterator[str]:
    """Builds name known expansions; each subsidy names a known expansion and programme, is a
    finite non-negative amount, goes to a built expansion whose supplier the programme covers,
    and is at most the programme's rate times the capex; a programme pays at most its budget in
    all, and an expansion receives at most its capex from all programmes together."""
    expansions = {e.id: e for e in instance.expansions}
    programs = {g.id: g for g in instance.programs}
    members = group_members(instance)
    mtol = money_tolerance(instance, tol)
    for unknown in sorted(b for b in plan.builds if b not in expansions):
        yield f"build of unknown expansion {unknown!r}"
    per_program: dict[str, float] = defaultdict(float)
    per_expansion: dict[str, dict[str, float]] = defaultdict(dict)
    for key, value in plan.subsidies.items():
        if not isinstance(key, tuple) or len(key) != 2:
            yield f"subsidy key {key!r} is not an (expansion, programme) pair"
            continue
        exp_id, prog_id = key
        amount = _amount(value)
        if amount is None:
            yield (
                f"subsidy from programme {prog_id} to expansion {exp_id} has amount {value!r}, "
                "not a finite number"
            )
            continue
        what = f"subsidy of {fmt(amount)} from programme {prog_id} to expansion {exp_id}"
        per_program[prog_id] += amount
        if amount < -mtol:
            yield f"{what} is negative"
        unknown = [f"expansion {exp_id!r}"] if exp_id not in expansions else []
        if prog_id not in programs:
            unknown.append(f"programme {prog_id!r}")
        if unknown:
            yield f"{what} names an unknown {', '.join(unknown)}"
            continue
        expansion, program = expansions[exp_id], programs[prog_id]
        per_expansion[exp_id][prog_id] = amount
        if exp_id not in plan.builds:
            yield f"{what}: expansion {exp_id} is not built"
        if not _eligible(program, expansion, members):
            groups = ", ".join(program.groups or [])
            yield (
                f"{what}: the programme covers only {groups}, and the expansion's supplier "
                f"{expansion.supplier} is in none of them"
            )
        bound = program.rate * expansion.capex
        if amount > bound + mtol:
            yield (
                f"{what}: above the programme's rate {fmt(program.rate)} x capex "
                f"{fmt(expansion.capex)} = {fmt(bound)}"
            )
    for prog_id, program in programs.items():
        paid = per_program.get(prog_id, 0.0)
        if program.budget is not None and paid > program.budget + mtol:
            yield (
                f"programme {prog_id} pays {fmt(paid)} in all, above its budget "
                f"{fmt(program.budget)}"
            )
    for exp_id, expansion in expansions.items():
        received = per_expansion.get(exp_id, {})
        total = sum(received.values())
        if total > expansion.capex + mtol:
            parts = ", ".join(f"{g} {fmt(a)}" for g, a in received.items())
            yield (
                f"expansion {exp_id} receives {fmt(total)} in subsidies ({parts}), above its "
                f"capex {fmt(expansion.capex)}: programmes together pay at most the capex"
            )
