"""A sourcing plan in plain Python terms: what the solver chose, independent of any model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sourcing.instance.schema import Period

FlowKey = tuple[str, str, str, Period]
"""(supplier, product, market, period)."""
CellKey = tuple[str, str, Period]
"""(product, market, period)."""


@dataclass(frozen=True)
class StagePlan:
    """Deliveries and unmet demand re-chosen in one disruption scenario."""

    flows: Mapping[FlowKey, float] = field(default_factory=dict)
    unmet: Mapping[CellKey, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Contracts, delivered quantities and unmet demand; periods are the instance's labels.

    `flows` and `unmet` are the nominal (undisrupted) plan; `scenarios` holds the recourse of
    each disruption scenario by id. `builds` are the expansions built and `subsidies` what each
    programme pays for each. `objective` is the total the solver reported (money units).
    """

    contracts: frozenset[str]
    flows: Mapping[FlowKey, float] = field(default_factory=dict)
    unmet: Mapping[CellKey, float] = field(default_factory=dict)
    objective: float = 0.0
    scenarios: Mapping[str, StagePlan] = field(default_factory=dict)
    builds: frozenset[str] = frozenset()  # expansions built
    subsidies: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (expansion, program)
