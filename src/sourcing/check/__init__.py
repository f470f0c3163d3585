"""Independent feasibility and cost checker for a `Plan`, working from the `Instance` alone.

Nothing here uses the optimisation model: every rule of the instance (SPEC sections 1, 2, 4, 5) is
re-derived from the validated data, so a bug in the model shows up as a violation here.
`tables` indexes the instance, `investment` adds the built expansions' capacity (`as_built`) and
checks builds and subsidies (SPEC section 5), `stages` defines the disruption stages (scenarios
with their timing, resilience outages) and the instance each sees, `costs` recomputes a plan's
costs, `rules` checks each rule.

Tolerances: quantities are compared with `tol * max(1, quantity scale)`, where the scale is the
largest demand, capacity or minimum order in the instance (solvers leave ~1e-7 feasibility error);
subsidy amounts with `tol * max(1, largest capex or budget)`; the objective with
`tol * max(1, |total|) + tol`.
"""

from sourcing.check.costs import (
    COST_KEYS,
    FIRST_STAGE_KEYS,
    VARIABLE_KEYS,
    cvar,
    plan_costs,
    stage_costs,
    tariff_rate,
    transport_cost,
)
from sourcing.check.investment import as_built, investment_costs, money_tolerance
from sourcing.check.rules import assert_plan_ok, check_plan
from sourcing.check.stages import Stage, stage_definitions, stage_instance
from sourcing.check.tables import plan_stock, plan_stocks, quantity_tolerance

__all__ = [
    "COST_KEYS",
    "FIRST_STAGE_KEYS",
    "VARIABLE_KEYS",
    "Stage",
    "as_built",
    "assert_plan_ok",
    "check_plan",
    "cvar",
    "investment_costs",
    "money_tolerance",
    "plan_costs",
    "plan_stock",
    "plan_stocks",
    "quantity_tolerance",
    "stage_costs",
    "stage_definitions",
    "stage_instance",
    "tariff_rate",
    "transport_cost",
]
