"""What a policy covers: the cells of a cap, floor or ban (`Coverage`), the share rows of
caps and floors over their stage's flows (`share_rows`), and the bans by supplier (or site)
and product (`ban_index`, `first_ban`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sourcing.instance.fields import period_key
from sourcing.instance.schema import Ban, Cap, Floor, Instance, Period, Scope

Flow = tuple[str, str, str, Period]  # supplier, product, market, period
Cell = tuple[str, str, Period]  # product, market, period


@dataclass(frozen=True)
class ShareRow:
    """One share constraint: suppliers in `group` deliver at most/least `share` of `flows`.

    `flows` are all flows of the covered products to one market in one period; `key` names the
    row (product, market, period) or, when pooled, ("*", market, period).
    """

    policy: str
    key: tuple[str, str, Period]
    share: float
    flows: tuple[Flow, ...]
    group_flows: tuple[Flow, ...]
    weights: dict[str, float] | None = None  # value per unit by product (basis: value)


@dataclass(frozen=True)
class Coverage:
    """The products, markets and periods (by key) a policy covers, as sets; None = all."""

    products: frozenset[str] | None
    markets: frozenset[str] | None
    periods: frozenset[str] | None

    @classmethod
    def of(cls, scope: Scope) -> Coverage:
        return cls(
            products=None if scope.products is None else frozenset(scope.products),
            markets=None if scope.markets is None else frozenset(scope.markets),
            periods=None if scope.periods is None else frozenset(map(period_key, scope.periods)),
        )

    def covers(self, product: str, market: str, period: Period) -> bool:
        """Whether this cell is covered (in constant time)."""
        return (
            (self.products is None or product in self.products)
            and (self.markets is None or market in self.markets)
            and (self.periods is None or period_key(period) in self.periods)
        )


BanIndex = dict[tuple[str, str | None], list[tuple[int, str, Coverage]]]
"""Bans (position, id, coverage) by (supplier, product), or (supplier, None) for every product."""


def share_rows(
    policies: Iterable[Cap | Floor],
    share_of: str,
    instance: Instance,
    tiers: Mapping[str, Mapping[Cell, list[Flow]]],
    members: dict[str, frozenset[str]],
) -> list[ShareRow]:
    """One `ShareRow` per policy and covered (product, market, period), or per (market,
    period) when pooled, over the flows of the policy's stage (`tiers` by stage: each cell's
    flows); `share_of` names the policy's share field."""
    rows: list[ShareRow] = []
    products = [p.id for p in instance.products]
    markets = [m.id for m in instance.markets]
    for policy in policies:
        group = members[policy.group]
        coverage = Coverage.of(policy)
        tier_cells = tiers[policy.stage]
        for market in markets:
            for period in instance.periods:
                covered = [p for p in products if coverage.covers(p, market, period)]
                batches = [covered] if policy.pooled else [[p] for p in covered]
                for batch in batches:
                    flows = tuple(f for p in batch for f in tier_cells.get((p, market, period), []))
                    if not flows:
                        continue
                    key = ("*" if policy.pooled else batch[0], market, period)
                    rows.append(
                        ShareRow(
                            policy=policy.id,
                            key=key,
                            share=getattr(policy, share_of),
                            flows=flows,
                            group_flows=tuple(f for f in flows if f[0] in group),
                            weights=_weights(policy, batch, instance),
                        )
                    )
    return rows


def _weights(
    policy: Cap | Floor, products: list[str], instance: Instance
) -> dict[str, float] | None:
    """The value per unit of each product a share row covers, when its basis is value.

    A single product's weight cancels out of its own share, so only pooled rows need one."""
    if policy.basis != "value" or len(products) < 2:
        return None
    values = {p.id: p.value for p in instance.products}
    return {p: float(values[p] or 0.0) for p in products}


def ban_index(
    bans: Iterable[Ban], members: dict[str, frozenset[str]], sites: frozenset[str]
) -> BanIndex:
    """The bans (position, id, coverage) by the (supplier, product) they name, or by
    (supplier, None) for bans of every product, each list in the instance's order: a flow
    looks up only the bans that may cover it. A ban of `stage` back names back-end sites,
    any other suppliers."""
    found: dict[tuple[str, str | None], list[tuple[int, str, Coverage]]] = defaultdict(list)
    for position, ban in enumerate(bans):
        coverage = Coverage.of(ban)
        back = ban.stage == "back"
        for supplier in members[ban.group]:
            if (supplier in sites) != back:
                continue
            for product in coverage.products if coverage.products is not None else [None]:
                found[(supplier, product)].append((position, ban.id, coverage))
    return found


def first_ban(bans: BanIndex, flow: Flow) -> str | None:
    """The id of the first ban, in the instance's order, that covers `flow` (None if none)."""
    supplier, product, market, period = flow
    first: tuple[int, str] | None = None
    for key in ((supplier, None), (supplier, product)):
        for position, ban, coverage in bans.get(key, ()):
            if first is not None and position > first[0]:
                break
            if coverage.covers(product, market, period):
                first = (position, ban)
                break
    return None if first is None else first[1]
