"""What a disruption changes in the tables, and when: capacity and price multipliers per
supplier, the periods they apply in, and the periods before it (`Disruption`); and the
stand-in penalty of products without one, for outages that may leave any product unmet."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sourcing.instance.fields import lookup
from sourcing.instance.schema import (
    Instance,
    Period,
    Scenario,
    group_members,
    scenario_periods,
)


@dataclass(frozen=True)
class Disruption:
    """What a disruption changes, and when: capacity and unit-cost multipliers by group
    (region, bloc or supplier ids; the factors of all matching keys multiply), the periods they
    apply in (None: every period), and the periods before it, in which the stage equals the
    nominal plan (nobody knows the disruption is coming)."""

    capacity_factor: Mapping[str, float] = field(default_factory=dict)
    price_factor: Mapping[str, float] = field(default_factory=dict)
    disrupted: frozenset[Period] | None = None
    anticipated: tuple[Period, ...] = ()

    @classmethod
    def of(cls, instance: Instance, scenario: Scenario) -> Disruption:
        """The disruption a scenario describes, with its timing."""
        before, during = scenario_periods(list(instance.periods), scenario)
        return cls(
            dict(scenario.capacity_factor),
            dict(scenario.price_factor),
            frozenset(during),
            tuple(before),
        )


MISSING_PENALTY_FACTOR = 100.0


def with_penalties(instance: Instance) -> Instance:
    """A copy in which a product without a shortage penalty costs `MISSING_PENALTY_FACTOR`
    times the dearest unit cost per unit unmet: an outage may leave any product unmet, and its
    re-optimised flows should still serve what they can."""
    if all(p.shortage_penalty is not None for p in instance.products):
        return instance
    costs = [
        value
        for s in instance.suppliers
        for o in s.offers
        for t in instance.periods
        if (value := lookup(o.unit_cost, t)) is not None
    ]
    penalty = MISSING_PENALTY_FACTOR * max(costs, default=1.0)
    products = [
        p if p.shortage_penalty is not None else p.model_copy(update={"shortage_penalty": penalty})
        for p in instance.products
    ]
    # no re-validation: only penalties change, and 100 x a unit cost may exceed the limit of a
    # penalty in a file (fields.MAX_UNIT_MONEY) while the model still solves it reliably
    return instance.model_copy(update={"products": products})


def supplier_factors(instance: Instance, capacity_factor: Mapping[str, float]) -> dict[str, float]:
    """Multiplier of each supplier and back-end site: the factors of all keys that match it
    multiply."""
    members = group_members(instance) if capacity_factor else {}
    factors = dict.fromkeys((s.id for s in [*instance.suppliers, *instance.backend]), 1.0)
    for key, value in capacity_factor.items():
        for supplier in members.get(key, ()):
            factors[supplier] *= value
    return factors
