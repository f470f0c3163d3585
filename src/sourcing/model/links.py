"""Transport costs and tariff rates per (supplier, market) pair, looked up by index.

A transport or tariff entry names its ends by region, bloc or id; only the few keys that can
name a given pair are tried (`LinkKeys`), and each pair's cost is found once, on first use. So
the work grows with the entries and the pairs used, never with their product."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from sourcing.instance.schema import (
    Instance,
    Tariff,
    group_members,
)


def bloc_regions(instance: Instance) -> dict[str, frozenset[str]]:
    """Region ids inside each bloc (nested blocs resolved)."""
    blocs = {b.id: b for b in instance.blocs}
    regions = {r.id for r in instance.regions}

    def resolve(bloc_id: str, trail: frozenset[str]) -> frozenset[str]:
        found: set[str] = set()
        for member in blocs[bloc_id].members:
            if member in regions:
                found.add(member)
            elif member in blocs and member not in trail:
                found |= resolve(member, trail | {member})
        return frozenset(found)

    return {bloc_id: resolve(bloc_id, frozenset({bloc_id})) for bloc_id in blocs}


class LinkKeys:
    """The keys a transport or tariff entry's `from` and `to` may name a (supplier or site,
    market) pair by, with how specifically: from 3 the supplier's id, 2 its region, 1 a bloc
    that holds it; to 3 the market's id, 2 its region, 1 a bloc that holds the region, 0 none (every
    market). Entries indexed by (from, to) are found by looking up only these few keys."""

    def __init__(self, instance: Instance, members: dict[str, frozenset[str]]) -> None:
        blocs_of: dict[str, list[str]] = defaultdict(list)
        for bloc in instance.blocs:
            for supplier in members.get(bloc.id, ()):
                blocs_of[supplier].append(bloc.id)
        self._sources = {
            s.id: [(3, s.id), (2, s.region), *((1, b) for b in blocs_of[s.id])]
            for s in [*instance.suppliers, *instance.backend]
        }
        blocs_of_region: dict[str, list[str]] = defaultdict(list)
        for bloc, regions in bloc_regions(instance).items():
            for region in regions:
                blocs_of_region[region].append(bloc)
        self._targets: dict[str, list[tuple[int, str | None]]] = {}
        for market in instance.markets:
            found: list[tuple[int, str | None]] = [(3, market.id)]
            if market.region is not None:
                found += [(2, market.region), *((1, b) for b in blocs_of_region[market.region])]
            self._targets[market.id] = [*found, (0, None)]

    def pairs(self, supplier: str, market: str) -> Iterator[tuple[int, int, str, str | None]]:
        """(from level, to level, from key, to key) for every key pair that may name the pair."""
        for source_level, source in self._sources[supplier]:
            for target_level, target in self._targets[market]:
                yield source_level, target_level, source, target


class TransportCosts:
    """Cost per unit from a supplier to a market: the most specific entry wins (the source
    first, then the target; the earlier entry among equals).

    The entries are indexed by (from, to) once; a (supplier, market) pair looks up only the few
    keys that can name it (`LinkKeys`), on first use.
    """

    def __init__(self, instance: Instance, keys: LinkKeys | None = None) -> None:
        # the first entry per (from, to), with its position negated: larger ranks win
        self._entries: dict[tuple[str, str | None], tuple[int, float]] = {}
        for position, entry in enumerate(instance.transport):
            self._entries.setdefault((entry.from_, entry.to), (-position, entry.cost))
        self._keys = keys or LinkKeys(instance, group_members(instance))
        self._pairs: dict[tuple[str, str], float] = {}

    def cost(self, supplier: str, market: str) -> float:
        found = self._pairs.get((supplier, market))
        if found is None:
            found = self._pairs[(supplier, market)] = self._choose(supplier, market)
        return found

    def _choose(self, supplier: str, market: str) -> float:
        best: tuple[int, int, int] | None = None
        cost = 0.0
        for source_level, target_level, source, target in self._keys.pairs(supplier, market):
            found = self._entries.get((source, target))
            if found is None:
                continue
            rank = (source_level, target_level, found[0])
            if best is None or rank > best:
                best, cost = rank, found[1]
        return cost


def transport_costs(instance: Instance) -> dict[tuple[str, str], float]:
    """`TransportCosts` of every (supplier, market) pair."""
    costs = TransportCosts(instance)
    return {
        (s.id, m.id): costs.cost(s.id, m.id) for s in instance.suppliers for m in instance.markets
    }


class TariffRates:
    """Ad-valorem rate per (supplier, product, market): the rates of all matching entries add.

    Indexed by (from, to) once; a (supplier, market) pair gathers its entries on first use.
    """

    def __init__(self, instance: Instance, keys: LinkKeys | None = None) -> None:
        self._entries: dict[tuple[str, str | None], list[Tariff]] = defaultdict(list)
        for entry in instance.tariffs:
            self._entries[(entry.from_, entry.to)].append(entry)
        self._keys = keys or LinkKeys(instance, group_members(instance))
        self._pairs: dict[tuple[str, str], list[Tariff]] = {}

    def rate(self, supplier: str, product: str, market: str) -> float:
        if not self._entries:
            return 0.0
        pair = self._pairs.get((supplier, market))
        if pair is None:
            # a market id may also be a region id: count an entry once
            keys = dict.fromkeys((s, t) for _, _, s, t in self._keys.pairs(supplier, market))
            pair = self._pairs[(supplier, market)] = [
                entry for key in keys for entry in self._entries.get(key, ())
            ]
        return sum(e.rate for e in pair if e.products is None or product in e.products)
