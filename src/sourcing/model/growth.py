"""Where expansions add capacity: to a supplier's capacity and to its offers', from a period on.

An expansion adds `capacity` per period, from its `available` period on, to its supplier's
capacity and to the capacity of each offer it names (default all), wherever that capacity is
finite; a disruption scales it like the supplier's own. The tables keep the base capacity and
the additions apart, so that the rows can count an addition only if it is built.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sourcing.instance.fields import period_key
from sourcing.instance.schema import Instance, Period

Added = list[tuple[str, float]]  # (expansion id, capacity it adds)


@dataclass(frozen=True)
class _Candidate:
    id: str
    capacity: float
    products: frozenset[str] | None
    first: int  # index of its first period


class Growth:
    """The expansions of an instance, indexed by supplier."""

    def __init__(self, instance: Instance) -> None:
        keys = [period_key(p) for p in instance.periods]
        self.position = {period_key(p): i for i, p in enumerate(instance.periods)}
        self.by_supplier: dict[str, list[_Candidate]] = defaultdict(list)
        for e in instance.expansions:
            first = 0 if e.available is None else keys.index(period_key(e.available))
            products = None if e.products is None else frozenset(e.products)
            self.by_supplier[e.supplier].append(_Candidate(e.id, e.capacity, products, first))

    def added(self, supplier: str, product: str | None, period: Period, factor: float) -> Added:
        """What the supplier's expansions add in `period` to its capacity (`product` None) or
        to its offer of `product`, scaled by `factor`."""
        found = self.by_supplier.get(supplier)
        if not found:
            return []
        index = self.position[period_key(period)]
        return [
            (c.id, c.capacity * factor)
            for c in found
            if c.first <= index and (product is None or c.products is None or product in c.products)
        ]


def total(added: Added) -> float:
    return sum(amount for _, amount in added)
