"""Seeded generator of realistic sourcing instances at fixed sizes, for tests and benchmarks.

The same (size, seed) always gives the same instance. Every instance has fixed costs (a share of
the supplier's business, see `QUALIFICATION`), per-period
capacities, minimum orders, several markets with transport and tariffs, a China cap, an allied
floor and an export-control ban, and is feasible (shortage penalties bound every product).
With `scenarios=n`, it also has n seeded disruption scenarios (see `disruption_scenarios`);
with `backend=n`, n back-end sites (see `back_end_sites`), a cap on Chinese packaging and a
ban on packaging one product in China.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

from sourcing.instance.schema import Instance

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
    """Dimensions of a generated instance, and its shape.

    `contracts=False` makes it LP-shaped (no fixed costs, no minimum orders: no binaries).
    `lanes=True` makes it a capacitated facility-location shape: every supplier and market
    sits at a seeded point, transport is one entry per (supplier, market) lane priced by
    distance, and demand is `load` times what the offers can deliver, so capacities bind.
    """

    suppliers_per_region: int
    products: int
    markets: int
    periods: int
    offers_per_supplier: int
    contracts: bool = True
    lanes: bool = False
    load: float = 0.0


SIZES = {
    "XS": Size(1, 2, 1, 1, 2),
    "S": Size(2, 4, 2, 3, 3),
    "M": Size(6, 8, 3, 4, 5),
    "L": Size(20, 12, 5, 5, 8),
    "XL": Size(50, 20, 10, 5, 10),
    # about 220k flows, no binaries: the cost of everything outside HiGHS shows
    "XXL": Size(38, 60, 3, 12, 20, contracts=False),
    # 104 suppliers x 1,000 markets, a transport entry per lane
    "LANES": Size(13, 3, 1000, 1, 2, lanes=True, load=0.6),
}


def estimated_flows(size: Size) -> int:
    """Upper bound on the number of flow variables of an instance of this size."""
    suppliers = size.suppliers_per_region * len(REGIONS)
    return suppliers * size.offers_per_supplier * size.markets * size.periods


# A contract costs this share of one period's business at full capacity (qualifying a fab
# for a product takes months of engineering): an assumption that makes contracts matter.
QUALIFICATION = (0.2, 0.6)


def _fixed_cost(share: float, offers: list[dict[str, Any]], capacity: dict[Any, float]) -> float:
    """`share` of the supplier's mean capacity priced at its mean first-period unit cost."""
    unit = sum(next(iter(o["unit_cost"].values())) for o in offers) / len(offers)
    return round(share * unit * sum(capacity.values()) / len(capacity), 1)


MAX_SCENARIO_PROBABILITY = 0.3
MAX_SCENARIO_FACTOR = 0.8


def disruption_scenarios(
    count: int,
    seed: int,
    suppliers: list[str],
    blocs: list[str],
    periods: list[Any] | None = None,
) -> list[dict[str, Any]]:
    """`count` seeded disruption scenarios over these suppliers and blocs (and `REGIONS`).

    Each scenario names one or two random keys (a region most often, else a bloc or a
    supplier) with a capacity factor in [0, `MAX_SCENARIO_FACTOR`] (a full outage one time in
    four); the probabilities add up to at most `MAX_SCENARIO_PROBABILITY`. Keys and factors of
    scenario i depend only on `seed` and i, so a larger `count` extends a smaller one.

    With `periods`, the scenarios are timed: each starts in a random period and lasts a random
    number of periods, and raises the unit costs of one random key by 20-60 % (`price_factor`).
    """
    if count < 0:
        raise ValueError(f"scenarios must be >= 0, got {count}")
    if count == 0:
        return []
    rng = random.Random(f"scenarios-{seed}")
    drawn: list[tuple[dict[str, float], float]] = []
    for _ in range(count):
        factors: dict[str, float] = {}
        for _ in range(rng.choice([1, 1, 2])):
            pool = rng.choices([REGIONS, blocs or REGIONS, suppliers], weights=[6, 1, 3])[0]
            key = rng.choice(pool)
            full = rng.random() < 0.25
            factors[key] = 0.0 if full else round(rng.uniform(0.0, MAX_SCENARIO_FACTOR), 2)
        drawn.append((factors, rng.uniform(0.5, 1.5)))
    budget = random.Random(f"probability-{seed}-{count}").uniform(0.1, MAX_SCENARIO_PROBABILITY)
    weights = sum(weight for _, weight in drawn)
    scenarios = [
        {
            "id": f"disruption-{i:02d}",
            # rounded down, so the total stays within the budget
            "probability": math.floor(budget * weight / weights * 1e6) / 1e6,
            "capacity_factor": factors,
        }
        for i, (factors, weight) in enumerate(drawn)
    ]
    if periods:
        timing = random.Random(f"timing-{seed}")
        for scenario in scenarios:
            first = timing.randrange(len(periods))
            scenario["start"] = periods[first]
            scenario["duration"] = timing.randint(1, len(periods) - first)
            key = timing.choice(REGIONS)
            scenario["price_factor"] = {key: round(timing.uniform(1.2, 1.6), 2)}
    return scenarios


LANE_COST = 2.0  # per unit and unit of distance on the unit square


def _lanes(suppliers: list[dict[str, Any]], markets: list[str], seed: int) -> list[dict[str, Any]]:
    """One transport entry per (supplier, market) lane, priced by the distance between seeded
    points: suppliers near their region's centre, markets anywhere."""
    rng = random.Random(f"lanes-{seed}")
    centre = {r: (rng.random(), rng.random()) for r in REGIONS}
    where: dict[str, tuple[float, float]] = {}
    for supplier in suppliers:
        x, y = centre[supplier["region"]]
        where[supplier["id"]] = (x + rng.gauss(0, 0.05), y + rng.gauss(0, 0.05))
    for market in markets:
        where[market] = (rng.random(), rng.random())
    return [
        {
            "from": supplier["id"],
            "to": market,
            "cost": round(LANE_COST * math.dist(where[supplier["id"]], where[market]), 3),
        }
        for supplier in suppliers
        for market in markets
    ]


BACKEND_REGIONS = ("CN", "TW", "MY", "KR", "JP", "US", "EU")
"""Where generated back-end sites are, in turn (Malaysia is added to the regions)."""


def back_end_sites(
    count: int, seed: int, products: list[str], base_cost: dict[str, float], periods: list[int]
) -> list[dict[str, Any]]:
    """`count` seeded back-end sites: each packages about half of the products (every product
    at two sites at least) at 5-15 % of its base cost, with a fixed cost, a capacity per period
    and, at some, a minimum order."""
    rng = random.Random(f"backend-{seed}")
    sites = []
    for k in range(count):
        region = BACKEND_REGIONS[k % len(BACKEND_REGIONS)]
        offered = set(rng.sample(products, max(1, len(products) // 2)))
        offered |= {p for i, p in enumerate(products) if i % max(1, count) in (k, (k + 1) % count)}
        sites.append(
            {
                "id": f"{region.lower()}-site-{k:02d}",
                "region": region,
                "fixed_cost": round(rng.uniform(5, 40), 1),
                "capacity": {t: round(rng.uniform(150, 600), 1) for t in periods},
                "min_order": rng.choice([0.0, 0.0, 5.0]),
                "offers": [
                    {"product": p, "unit_cost": round(base_cost[p] * rng.uniform(0.05, 0.15), 3)}
                    for p in products
                    if p in offered
                ],
            }
        )
    return sites


def generate_data(
    size: str | Size, seed: int = 0, scenarios: int = 0, timed: bool = False, backend: int = 0
) -> dict[str, Any]:
    """The raw instance data (a dict, as read from a file) for `size` and `seed`.

    `scenarios` adds that many seeded disruption scenarios (`disruption_scenarios`) and
    `backend` that many back-end sites (`back_end_sites`); the rest of the instance, but for
    its name, does not depend on them.
    """
    dims = SIZES[size] if isinstance(size, str) else size
    rng = random.Random(seed)
    periods = list(range(2026, 2026 + dims.periods))
    products = [f"p{i:02d}" for i in range(dims.products)]
    markets = (
        [REGIONS[(i + 5) % len(REGIONS)] for i in range(dims.markets)]
        if (dims.markets <= len(REGIONS))
        else [f"m{i:0{len(str(dims.markets - 1))}d}" for i in range(dims.markets)]
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
            qualification = rng.uniform(QUALIFICATION[0], QUALIFICATION[1])
            capacity = {
                t: round(rng.uniform(100, 400) * (1 + 0.05 * i), 1) for i, t in enumerate(periods)
            }
            suppliers.append(
                {
                    "id": f"{region.lower()}-{k:02d}",
                    "region": region,
                    "fixed_cost": _fixed_cost(qualification, offers, capacity)
                    if dims.contracts
                    else 0.0,
                    "capacity": capacity,
                    "min_order": round(rng.choice([0, 0, 5, 10]), 1) if dims.contracts else 0.0,
                    "offers": offers,
                }
            )

    offered_by = dict.fromkeys(products, 0)
    offered_capacity = dict.fromkeys(products, 0.0)
    for supplier in suppliers:
        for offer in supplier["offers"]:
            offered_by[offer["product"]] += 1
            offered_capacity[offer["product"]] += offer["capacity"]
    demand = []
    for product in products:
        for market in markets:
            if dims.load:
                level = dims.load * offered_capacity[product] / len(markets)
            else:
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
        "name": f"generated-{size if isinstance(size, str) else 'custom'}-{seed}"
        + (f"-{scenarios}-scenarios" if scenarios else ""),
        "description": "Seeded synthetic instance from sourcing.instance.generate",
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
        "transport": _lanes(suppliers, markets, seed)
        if dims.lanes
        else [{"from": "CN", "cost": 0.3}, {"from": "allies", "cost": 0.2}]
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
    if scenarios:
        data["scenarios"] = disruption_scenarios(
            scenarios,
            seed,
            [s["id"] for s in suppliers],
            [b["id"] for b in data["blocs"]],
            data["periods"] if timed else None,
        )
    if backend:
        data["name"] += f"-{backend}-sites"
        data["regions"].append({"id": "MY"})
        data["backend"] = back_end_sites(backend, seed, products, base_cost, periods)
        policies = data["policies"]
        policies["caps"].append(
            {"id": "cn-packaging", "group": "CN", "max_share": 0.4, "stage": "back"}
        )
        policies["bans"].append(
            {"id": "no-cn-packaging", "group": "CN", "products": products[:1], "stage": "back"}
        )
        data["transport"].append({"from": "MY", "cost": 0.1})
    return data


def generate(
    size: str | Size, seed: int = 0, scenarios: int = 0, timed: bool = False, backend: int = 0
) -> Instance:
    """A validated generated instance (with `scenarios` disruption scenarios, `timed` ones with
    a start, a duration and a price surge, and `backend` back-end sites)."""
    return Instance.from_data(generate_data(size, seed, scenarios, timed, backend))
