"""Investment: which expansions to build, and what the subsidy programmes pay for them.

    build[e] in {0, 1}                                   (decided once, for every scenario)
    subsidy[e, g] <= rate_g * capex_e * build[e]         (`subsidy_rate`)
    sum_e subsidy[e, g] <= budget_g                      (`program_budget`)
    sum_g subsidy[e, g] <= capex_e * build[e]            (`subsidy_capex`, where rates add > 1)

with subsidy[e, g] only where programme g may fund expansion e (its supplier is in one of g's
groups; no groups: every expansion). The objective adds sum_e capex_e build[e] - sum subsidy.
A built expansion adds capacity through `sourcing.model.capacity` (see `model/growth.py`).
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from sourcing.instance.schema import Instance, group_members
from sourcing.model.rows import add_rows, less
from sourcing.model.variables import declare_binaries, var_of

PROGRAM_BUDGET = "program_budget"
SUBSIDY_RATE = "subsidy_rate"
SUBSIDY_CAPEX = "subsidy_capex"


def eligible(instance: Instance) -> list[tuple[str, str]]:
    """(expansion, programme) pairs where the programme may fund the expansion."""
    members = group_members(instance) if instance.programs else {}
    pairs = []
    for e in instance.expansions:
        for g in instance.programs:
            groups = g.groups
            if groups is None or any(e.supplier in members[group] for group in groups):
                pairs.append((e.id, g.id))
    return pairs


def add_builds(m: pyo.ConcreteModel, instance: Instance) -> None:
    """`build[e]` in {0, 1} for every expansion (none without expansions)."""
    if not instance.expansions:
        return
    m.expansions = pyo.Set(initialize=[e.id for e in instance.expansions], ordered=True)
    m.build = pyo.Var(m.expansions, domain=pyo.Binary)
    declare_binaries(m, m.build)


def add_subsidies(m: pyo.ConcreteModel, instance: Instance) -> list[tuple[float, Any]]:
    """Subsidy variables and rows; returns the objective's terms: capex - subsidy."""
    if not instance.expansions:
        return []
    build = var_of(m, "build")
    capex = {e.id: e.capex for e in instance.expansions}
    terms: list[tuple[float, Any]] = [(capex[e], build[e]) for e in capex if capex[e]]
    pairs = [(e, g) for e, g in eligible(instance) if capex[e] > 0]
    if not pairs:
        return terms
    m.subsidy_pairs = pyo.Set(initialize=pairs, dimen=2, ordered=True)
    m.subsidy = pyo.Var(m.subsidy_pairs, domain=pyo.NonNegativeReals)
    subsidy = var_of(m, "subsidy")
    programs = {g.id: g for g in instance.programs}
    add_rows(
        m,
        SUBSIDY_RATE,
        {
            (e, g): less([subsidy[e, g], build[e]], [1.0, -programs[g].rate * capex[e]], 0)
            for e, g in pairs
        },
    )
    budgets = {}
    for g, program in programs.items():
        funded = [subsidy[e, h] for e, h in pairs if h == g]
        if funded and program.budget is not None:
            budgets[g] = less(funded, None, program.budget)
    add_rows(m, PROGRAM_BUDGET, budgets)
    together = {}
    for e in capex:
        funding = [g for f, g in pairs if f == e]
        if sum(programs[g].rate for g in funding) > 1:
            variables = [*(subsidy[e, g] for g in funding), build[e]]
            together[e] = less(variables, [1.0] * len(funding) + [-capex[e]], 0)
    add_rows(m, SUBSIDY_CAPEX, together)
    return terms + [(-1.0, subsidy[pair]) for pair in pairs]
