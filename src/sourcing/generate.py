"""Seeded generator of realistic sourcing instances at fixed sizes, for tests and benchmarks.

The same (size, seed) always gives the same instance. Every instance has fixed costs, per-period
capacities, minimum orders, several markets with transport and tariffs, a China cap, an allied
floor and an export-control ban, and is feasible (shortage penalties bound every product).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from sourcing.schema import Instance

REGIONS = ("TW", "KR", "JP", "CN", "US", "EU", "UK", "SG")
ALLIES = ("TW", "KR", "JP", "US", "EU", "UK", "SG")
COST_INDEX = {
    "TW": 1.0,
    "KR": 1.0,
    "SG": 1.0,
    "JP": 1.05,
    "CN": 0.75,
    "US": 1.28,
    "EU": 1.22,
    "UK": 1.25,
}


@dataclass(frozen=True)
class Size:
    """Dimensions of a generated instance."""

    suppliers_per_region: int
    products: int
    markets: int
    periods: int
    offers_per_supplier: int


SIZES = {
    "XS": Size(1, 2, 1, 1, 2),
    "S": Size(2, 4, 2, 3, 3),
    "M": Size(6, 8, 3, 4, 5),
    "L": Size(20, 12, 5, 5, 8),
    "XL": Size(50, 20, 10, 5, 10),
}


def estimated_flows(size: Size) -> int:
    """Upper bound on the number of flow variables of an instance of this size."""
    suppliers = size.suppliers_per_region * len(REGIONS)
    return suppliers * size.offers_per_supplier * size.markets * size.periods


def generate_data(size: str | Size, seed: int = 0) -> dict[str, Any]:
    """The raw instance data (a dict, as read from a file) for `size` and `seed`."""
    dims = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    periods = list(range(2026, 2026 + dims.periods))
    products = [f"p{i:02d}" for i in range(dims.products)]
    markets = (
        [REGIONS[(i + 5) % len(REGIONS)] for i in range(dims.markets)]
        if (dims.markets <= len(REGIONS))
        else [f"m{i:02d}" for i in range(dims.markets)]
    )
    market_regions = {
        m: (m if m in REGIONS else REGIONS[i % len(REGIONS)]) for i, m in enumerate(markets)
    }
    base_cost = {p: rng.uniform(2.0, 20.0) for p in products}

    suppliers: list[dict[str, Any]] = []
    for region in REGIONS:
        for k in range(dims.suppliers_per_region):
            offered = rng.sample(products, min(dims.offers_per_supplier, len(products)))
            offers = []
            for product in offered:
                cost = base_cost[product] * COST_INDEX[region] * rng.uniform(0.9, 1.1)
                offers.append(
                    {
                        "product": product,
                        "unit_cost": {
                            t: round(cost * (1 - 0.02 * i), 3) for i, t in enumerate(periods)
                        },
                        "capacity": round(rng.uniform(20, 120), 1),
                    }
                )
            suppliers.append(
                {
                    "id": f"{region.lower()}-{k:02d}",
                    "region": region,
                    "fixed_cost": round(rng.uniform(20, 200), 1),
                    "capacity": {
                        t: round(rng.uniform(100, 400) * (1 + 0.05 * i), 1)
                        for i, t in enumerate(periods)
                    },
                    "min_order": round(rng.choice([0, 0, 5, 10]), 1),
                    "offers": offers,
                }
            )

    offered_by = {
        p: sum(1 for s in suppliers for o in s["offers"] if o["product"] == p) for p in products
    }
    demand = []
    for product in products:
        for market in markets:
            level = 30 * offered_by[product] / (len(markets) * 2.5)
            for i, t in enumerate(periods):
                demand.append(
                    {
                        "product": product,
                        "market": market,
                        "period": t,
                        "quantity": round(level * rng.uniform(0.8, 1.2) * (1 + 0.03 * i), 1),
                    }
                )
    data: dict[str, Any] = {
        "name": f"generated-{size if isinstance(size, str) else 'custom'}-{seed}",
        "description": "Seeded synthetic instance from sourcing.generate",
        "units": {"quantity": "thousand wafers", "money": "EUR million"},
        "periods": periods,
        "regions": [{"id": r} for r in REGIONS],
        "blocs": [{"id": "allies", "members": list(ALLIES)}],
        "products": [
            {
                "id": p,
                "shortage_penalty": round(base_cost[p] * 4, 2),
                "holding_cost": round(base_cost[p] * 0.05, 3),
            }
            for p in products
        ],
        "markets": [{"id": m, "region": market_regions[m]} for m in markets]
        if markets != ["default"]
        else [{"id": "default"}],
        "suppliers": suppliers,
        "demand": demand,
        "transport": [{"from": "CN", "cost": 0.3}, {"from": "allies", "cost": 0.2}]
        + [{"from": market_regions[m], "to": m, "cost": 0.05} for m in markets],
        "tariffs": [{"from": "CN", "to": markets[0], "rate": 0.25}],
        "policies": {
            "caps": [
                {
                    "id": "cn-cap",
                    "group": "CN",
                    "max_share": 0.2,
                    "products": products[: max(1, len(products) // 2)],
                }
            ],
            "floors": [
                {"id": "allied-floor", "group": "allies", "min_share": 0.5, "markets": markets[:1]}
            ],
            "bans": [
                {"id": "cn-ban", "group": "CN", "products": products[-1:], "markets": markets[-1:]}
            ],
        },
    }
    return data


def generate(size: str | Size, seed: int = 0) -> Instance:
    """A validated generated instance."""
    return Instance.from_data(generate_data(size, seed))
