"""Second-stage re-optimisation: the flows of one stage with the contracts held fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sourcing.errors import NoSolutionError, UsageError
from sourcing.model.data import ModelData
from sourcing.model.resilience import ShortageLimit, add_outage_shortage
from sourcing.model.tiers import decompose
from sourcing.solver.options import SolveOptions

ZERO = 1e-7


@dataclass(frozen=True)
class Recourse:
    """Cost (money, fixed costs of the contracts included), flows and unmet demand."""

    cost: float
    flows: dict[tuple[str, str, str, Any], float] = field(default_factory=dict)
    unmet: dict[tuple[str, str, Any], float] = field(default_factory=dict)
    back_flows: dict[tuple[str, str, str, Any], float] = field(default_factory=dict)
    paths: dict[tuple[str, str, str, str, Any], float] = field(default_factory=dict)


def solve_recourse(
    data: ModelData,
    contracts: frozenset[str],
    options: SolveOptions,
    max_shortage: ShortageLimit | None = None,
    builds: frozenset[str] = frozenset(),
) -> Recourse:
    """The cheapest flows of the stage `data` among `contracts` (with the expansions in
    `builds` built), its unmet demand within `max_shortage` (the resilience requirement) if
    given."""
    from sourcing.pipeline import Pipeline  # the pipeline settles outages through this module

    def hold_contracts(model: Any, data: ModelData) -> None:
        add_outage_shortage(model, data, max_shortage)
        for supplier in model.use_supplier:  # the contracts are given: no new ones
            model.use_supplier[supplier].fix(1 if supplier in contracts else 0)
        for expansion in model.__dict__.get("build", {}):  # and so are the expansions built
            model.build[expansion].fix(1 if expansion in builds else 0)
        for pair in model.__dict__.get("subsidy", {}):  # the cost counts their capex in full
            model.subsidy[pair].fix(0)

    pipeline = Pipeline(data.instance, options, data=data, stages=[], edit=hold_contracts)
    outcome = pipeline.run()
    handed, model = pipeline.handed, pipeline.model
    assert handed is not None
    if outcome.status == "no_solution":
        raise NoSolutionError(f"the re-optimisation of a stage stopped: {outcome.message}")
    if outcome.values is None or outcome.objective is None:
        raise UsageError(f"the re-optimisation of a stage found no plan ({outcome.message})")
    values = dict(zip((id(v) for v in handed.columns), outcome.values, strict=True))

    def positive(variables: Any, keys: Any) -> dict:
        found = {}
        for key in keys:
            quantity = round(float(values.get(id(variables[key]), 0.0)), 9)
            if quantity > ZERO:
                found[key] = quantity
        return found

    # The objective holds the fixed costs of the contracts that can still deliver; those
    # that cannot (an outage took all they offer) are paid all the same.
    idle = sum(
        s.fixed_cost
        for s in [*data.instance.suppliers, *data.instance.backend]
        if s.id in contracts and s.id not in model.use_supplier
    )
    flows = positive(model.flow, data.flows)
    back_flows = positive(model.flow, data.back_flows)
    tariffed = positive(model.tariff_path, data.tariff_paths) if data.tariff_paths else {}
    return Recourse(
        cost=outcome.objective + idle,
        flows=flows,
        unmet=positive(model.unmet, data.unmet_bound),
        back_flows=back_flows,
        paths=decompose(data, flows, back_flows, tariffed) if data.two_tier else {},
    )
