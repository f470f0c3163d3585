"""A sourcing plan in plain Python terms: what the solver chose, independent of any model."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sourcing.instance.schema import Period

FlowKey = tuple[str, str, str, Period]
"""(supplier, product, market, period)."""
CellKey = tuple[str, str, Period]
"""(product, market, period)."""
PathKey = tuple[str, str, str, str, Period]
"""(supplier, back-end site, product, market, period)."""


@dataclass(frozen=True)
class StagePlan:
    """Deliveries and unmet demand re-chosen in one disruption scenario."""

    flows: Mapping[FlowKey, float] = field(default_factory=dict)
    unmet: Mapping[CellKey, float] = field(default_factory=dict)
    back_flows: Mapping[FlowKey, float] = field(default_factory=dict)
    paths: Mapping[PathKey, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Contracts, delivered quantities and unmet demand; periods are the instance's labels.

    `flows` and `unmet` are the nominal (undisrupted) plan; `scenarios` holds the recourse of
    each disruption scenario by id. `builds` are the expansions built and `subsidies` what each
    programme pays for each. `objective` is the total the solver reported (money units).

    With back-end sites (SPEC section 6), `flows` are the front end's (supplier -> market),
    `back_flows` the sites' (site -> market, keyed like flows by the site's id), and `paths`
    how the units split into (supplier, site) paths; `contracts` holds used sites too.
    """

    contracts: frozenset[str]
    flows: Mapping[FlowKey, float] = field(default_factory=dict)
    unmet: Mapping[CellKey, float] = field(default_factory=dict)
    objective: float = 0.0
    scenarios: Mapping[str, StagePlan] = field(default_factory=dict)
    builds: frozenset[str] = frozenset()  # expansions built
    subsidies: Mapping[tuple[str, str], float] = field(default_factory=dict)  # (expansion, program)
    back_flows: Mapping[FlowKey, float] = field(default_factory=dict)
    paths: Mapping[PathKey, float] = field(default_factory=dict)
