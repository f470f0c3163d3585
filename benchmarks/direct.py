"""The direct floor: the plain sourcing model built straight from a parsed instance into numpy
arrays and handed to HiGHS in one call.

A second, independent implementation of the plain model of `docs/model.md` (no tightening
rows): it reads the `Instance` only, never `sourcing.model.data` or `sourcing.model`, so that an
objective equal to the project's checks both. It covers what the generated instances use:
offers, capacities, minimum orders, fixed costs, stock, unmet demand, transport, tariffs, caps,
floors (pooled or not) and bans. An instance with scenarios, resilience, a risk weight,
`max_supplier_share` or `min_suppliers` raises `NotImplementedError`.

Every row is written once with its own terms (caps and floors in the dense form
`sum_s (1[s in G] - share) x <= 0`), and the matrix is assembled by numpy from coordinate lists.
"""

from __future__ import annotations

import gc
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np

from sourcing.instance.schema import Instance


@dataclass
class Floor:
    """A model as the arrays `Highs.passModel` takes, passed in one call: read back from the
    hand-over's HiGHS (`of`, the floor of `phases.py`), or built by `build_direct`."""

    num_col: int
    num_row: int
    nnz: int
    a_format: int
    sense: int
    offset: float
    col_cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_start: np.ndarray
    a_index: np.ndarray
    a_value: np.ndarray
    integrality: np.ndarray

    @classmethod
    def of(cls, handed: Any) -> Floor:
        """Read the model back from HiGHS (outside any timing)."""
        lp = handed.highs.getLp()
        matrix = lp.a_matrix_
        values = np.asarray(matrix.value_, dtype=np.float64)
        return cls(
            num_col=int(lp.num_col_),
            num_row=int(lp.num_row_),
            nnz=len(values),
            a_format=int(matrix.format_),
            sense=int(lp.sense_),
            offset=float(lp.offset_),
            col_cost=np.asarray(lp.col_cost_, dtype=np.float64),
            col_lower=np.asarray(lp.col_lower_, dtype=np.float64),
            col_upper=np.asarray(lp.col_upper_, dtype=np.float64),
            row_lower=np.asarray(lp.row_lower_, dtype=np.float64),
            row_upper=np.asarray(lp.row_upper_, dtype=np.float64),
            a_start=np.asarray(matrix.start_, dtype=np.int32),
            a_index=np.asarray(matrix.index_, dtype=np.int32),
            a_value=values,
            integrality=np.array([int(kind) for kind in lp.integrality_], dtype=np.int32),
        )

    def pass_model(self) -> highspy.Highs:
        """What is timed as the floor: a new `Highs` (output off) and one `passModel` call."""
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        status = highs.passModel(
            self.num_col,
            self.num_row,
            self.nnz,
            self.a_format,
            self.sense,
            self.offset,
            self.col_cost,
            self.col_lower,
            self.col_upper,
            self.row_lower,
            self.row_upper,
            self.a_start,
            self.a_index,
            self.a_value,
            self.integrality,
        )
        if status != highspy.HighsStatus.kOk:
            raise RuntimeError(f"passModel returned {status}")
        return highs


@dataclass
class DirectModel:
    """The plain model as the arrays `Highs.passModel` takes (column-wise), and its flows."""

    arrays: Floor
    flows: list[tuple[str, str, str, Any]]

    @property
    def nonzeros(self) -> int:
        return self.arrays.nnz

    @property
    def rows(self) -> int:
        return self.arrays.num_row

    @property
    def columns(self) -> int:
        return self.arrays.num_col

    def highs(self, mip_gap: float, threads: int | None = None) -> highspy.Highs:
        """A new HiGHS holding this model (output off), ready to run."""
        highs = self.arrays.pass_model()
        highs.setOptionValue("mip_rel_gap", mip_gap)
        if threads:
            highs.setOptionValue("threads", threads)
        return highs


@dataclass
class DirectRun:
    objective: float | None
    mip_gap: float | None
    build_seconds: float
    solve_seconds: float
    rows: int
    columns: int
    nonzeros: int


def solve_direct(
    instance: Instance, mip_gap: float = 1e-4, time_limit: float | None = None
) -> DirectRun:
    """Build the plain model directly, pass it to HiGHS and solve it."""
    clock = time.perf_counter()
    model = build_direct(instance)
    highs = model.highs(mip_gap)
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(time_limit))
    built = time.perf_counter() - clock
    clock = time.perf_counter()
    highs.run()
    solved = time.perf_counter() - clock
    info = highs.getInfo()
    has_plan = info.primal_solution_status == 2
    return DirectRun(
        objective=float(info.objective_function_value) if has_plan else None,
        mip_gap=float(info.mip_gap) if has_plan else None,
        build_seconds=built,
        solve_seconds=solved,
        rows=model.rows,
        columns=model.columns,
        nonzeros=model.nonzeros,
    )


# --- building --------------------------------------------------------------------------------


def _value(entry: float | dict[str, float] | None, period: Any) -> float | None:
    if entry is None or isinstance(entry, int | float):
        return entry
    return entry.get(str(period))


def _members(instance: Instance) -> dict[str, set[str]]:
    """Supplier ids per region, bloc (nested) and supplier id."""
    found: dict[str, set[str]] = defaultdict(set)
    for supplier in instance.suppliers:
        found[supplier.region].add(supplier.id)
        found[supplier.id].add(supplier.id)
    blocs = {b.id: b.members for b in instance.blocs}

    def expand(bloc: str, trail: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for member in blocs[bloc]:
            if member in blocs and member not in trail:
                out |= expand(member, trail | {member})
            else:
                out |= found.get(member, set())
        return out

    for bloc in blocs:
        found[bloc] = expand(bloc, frozenset({bloc}))
    return found


def _bloc_regions(instance: Instance) -> dict[str, set[str]]:
    """Region ids per bloc (nested)."""
    regions = {r.id for r in instance.regions}
    blocs = {b.id: b.members for b in instance.blocs}

    def expand(bloc: str, trail: frozenset[str]) -> set[str]:
        out: set[str] = set()
        for member in blocs[bloc]:
            if member in regions:
                out.add(member)
            elif member in blocs and member not in trail:
                out |= expand(member, trail | {member})
        return out

    return {bloc: expand(bloc, frozenset({bloc})) for bloc in blocs}


def _transport(instance: Instance, members: dict[str, set[str]]) -> dict[tuple[str, str], float]:
    """Per (supplier, market): the entry whose (source, target) naming is the most specific."""
    first: dict[tuple[str, str | None], float] = {}
    for entry in instance.transport:
        first.setdefault((entry.from_, entry.to), entry.cost)
    blocs_of_supplier: dict[str, list[str]] = defaultdict(list)
    for bloc in instance.blocs:
        for supplier in members[bloc.id]:
            blocs_of_supplier[supplier].append(bloc.id)
    bloc_regions = _bloc_regions(instance)
    costs = {}
    for market in instance.markets:
        targets = [(3, market.id)]
        if market.region is not None:
            targets.append((2, market.region))
            targets += [(1, b) for b, regions in bloc_regions.items() if market.region in regions]
        targets.append((0, None))
        for supplier in instance.suppliers:
            sources = [(3, supplier.id), (2, supplier.region)]
            sources += [(1, b) for b in blocs_of_supplier[supplier.id]]
            best = None
            for source_level, source in sources:
                for target_level, target in targets:
                    cost = first.get((source, target))
                    if cost is not None and (
                        best is None or (source_level, target_level) > best[0]
                    ):
                        best = ((source_level, target_level), cost)
            costs[(supplier.id, market.id)] = best[1] if best else 0.0
    return costs


def _tariff(instance: Instance, members: dict[str, set[str]]) -> dict[tuple[str, str], list]:
    """Per (supplier, market): the (rate, products or None) of every matching entry."""
    bloc_regions = _bloc_regions(instance)
    found: dict[tuple[str, str], list] = defaultdict(list)
    for entry in instance.tariffs:
        markets = [
            m.id
            for m in instance.markets
            if entry.to is None
            or entry.to == m.id
            or (
                m.region is not None
                and (entry.to == m.region or m.region in bloc_regions.get(entry.to, ()))
            )
        ]
        products = None if entry.products is None else set(entry.products)
        for supplier in members.get(entry.from_, ()):
            for market in markets:
                found[(supplier, market)].append((entry.rate, products))
    return found


class _Coords:
    """Rows in coordinate form."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.cols: list[int] = []
        self.vals: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

    def add(self, cols: Iterable[int], vals: Iterable[float], lower: float, upper: float) -> None:
        row = len(self.lower)
        cols = list(cols)
        self.cols += cols
        self.rows += [row] * len(cols)
        self.vals += vals
        self.lower.append(lower)
        self.upper.append(upper)


def build_direct(instance: Instance) -> DirectModel:
    """The plain model of `instance` as arrays."""
    if instance.scenarios or instance.resilience is not None or instance.risk is not None:
        raise NotImplementedError("the direct floor has no scenarios, resilience or risk")
    policies = instance.policies
    if policies.max_supplier_share is not None or policies.min_suppliers is not None:
        raise NotImplementedError("the direct floor has no supplier-diversity rules")
    inf = highspy.kHighsInf
    periods = list(instance.periods)
    last = len(periods) - 1
    products = {p.id: p for p in instance.products}
    members = _members(instance)
    transport = _transport(instance, members)
    tariffs = _tariff(instance, members)

    demand: dict[tuple[str, str, int], float] = defaultdict(float)
    position = {str(t): i for i, t in enumerate(periods)}
    for entry in instance.demand:
        market = entry.market or instance.markets[0].id
        at = range(len(periods)) if entry.period is None else [position[str(entry.period)]]
        for i in at:
            demand[(entry.product, market, i)] = entry.quantity
    by_pair: dict[tuple[str, str], list[float]] = {}
    for (product, market, i), quantity in demand.items():
        by_pair.setdefault((product, market), [0.0] * len(periods))[i] += quantity
    reach: dict[tuple[str, str, int], float] = {}  # demand a delivery in (p, m, t) can serve
    for (product, market), series in by_pair.items():
        storable = products[product].holding_cost is not None
        remaining = 0.0
        for i in range(last, -1, -1):
            remaining = remaining + series[i] if storable else series[i]
            if remaining > 0:
                reach[(product, market, i)] = remaining
    markets_of: dict[str, list[str]] = defaultdict(list)
    for product, market in by_pair:
        markets_of[product].append(market)

    bans: dict[str, list] = defaultdict(list)  # per supplier: (products, markets, periods)
    for ban in policies.bans:
        scope = (
            None if ban.products is None else set(ban.products),
            None if ban.markets is None else set(ban.markets),
            None if ban.periods is None else {str(t) for t in ban.periods},
        )
        for supplier in members[ban.group]:
            bans[supplier].append(scope)

    def banned(s: str, p: str, m: str, t: Any) -> bool:
        return any(
            (ps is None or p in ps) and (ms is None or m in ms) and (ts is None or str(t) in ts)
            for ps, ms, ts in bans.get(s, ())
        )

    cost: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    integer: list[int] = []

    def column(c: float, lo: float, up: float, kind: int = 0) -> int:
        cost.append(c)
        lower.append(lo)
        upper.append(up)
        integer.append(kind)
        return len(cost) - 1

    rows = _Coords()
    flows: list[tuple[str, str, str, Any]] = []
    cell_flows: dict[tuple[str, str, int], list[int]] = defaultdict(list)
    supplier_of: dict[int, str] = {}
    for supplier in instance.suppliers:
        contract = column(supplier.fixed_cost, 0.0, 1.0, 1)
        for i, t in enumerate(periods):
            supplier_cap = _value(supplier.capacity, t)
            in_period: list[int] = []
            for offer in supplier.offers:
                unit = _value(offer.unit_cost, t)
                offer_cap = _value(offer.capacity, t)
                if unit is None or (offer_cap is not None and offer_cap <= 0):
                    continue
                if supplier_cap is not None and supplier_cap <= 0:
                    continue
                p = offer.product
                offer_flows = []
                for m in markets_of[p]:
                    serves = reach.get((p, m, i), 0.0)
                    if serves <= 0 or banned(supplier.id, p, m, t):
                        continue
                    rate = sum(
                        r for r, ps in tariffs.get((supplier.id, m), ()) if ps is None or p in ps
                    )
                    bound = min(b for b in (serves, offer_cap, supplier_cap) if b is not None)
                    col = column(unit * (1 + rate) + transport[(supplier.id, m)], 0.0, bound)
                    flows.append((supplier.id, p, m, t))
                    supplier_of[col] = supplier.id
                    cell_flows[(p, m, i)].append(col)
                    offer_flows.append((col, bound))
                if not offer_flows:
                    continue
                in_period += [c for c, _ in offer_flows]
                limit = min(
                    b
                    for b in (sum(b for _, b in offer_flows), offer_cap, supplier_cap)
                    if b is not None
                )
                switch = contract
                if supplier.min_order > 0:
                    switch = column(0.0, 0.0, 1.0, 1)
                    cols = [c for c, _ in offer_flows]
                    rows.add([*cols, switch], [1.0] * len(cols) + [-supplier.min_order], 0.0, inf)
                    rows.add([switch, contract], [1.0, -1.0], -inf, 0.0)
                cols = [c for c, _ in offer_flows]
                rows.add([*cols, switch], [1.0] * len(cols) + [-limit], -inf, 0.0)
            if supplier_cap is not None and in_period:
                rows.add(
                    [*in_period, contract], [1.0] * len(in_period) + [-supplier_cap], -inf, 0.0
                )

    # Demand balance per (product, market, period), with stock and unmet demand.
    for (product, market), series in by_pair.items():
        item = products[product]
        held = None
        for i in range(len(periods)):
            cols = list(cell_flows.get((product, market, i), []))
            vals = [1.0] * len(cols)
            if held is not None:
                cols.append(held)
                vals.append(1.0)
            if series[i] > 0 and item.shortage_penalty is not None:
                cols.append(column(item.shortage_penalty, 0.0, series[i]))
                vals.append(1.0)
            held = None
            later = reach.get((product, market, i + 1), 0.0) if i < last else 0.0
            if item.holding_cost is not None and later > 0 and cols:
                held = column(item.holding_cost, 0.0, later)
                cols.append(held)
                vals.append(-1.0)
            if cols:
                rows.add(cols, vals, series[i], series[i])
            elif series[i] > 0:
                raise ValueError(f"demand for {product} in {market} cannot be served")

    # Caps and floors, dense: one coefficient per flow of the covered cells.
    for policy, share, sense in [
        *((c, c.max_share, "max") for c in policies.caps),
        *((f, f.min_share, "min") for f in policies.floors),
    ]:
        if (sense == "max" and share >= 1) or (sense == "min" and share <= 0):
            continue
        group = members[policy.group]
        covered_products = [p for p in products if policy.products is None or p in policy.products]
        covered_markets = [
            m.id for m in instance.markets if policy.markets is None or m.id in policy.markets
        ]
        keys = None if policy.periods is None else {str(t) for t in policy.periods}
        for m in covered_markets:
            for i, t in enumerate(periods):
                if keys is not None and str(t) not in keys:
                    continue
                batches = [covered_products] if policy.pooled else [[p] for p in covered_products]
                for batch in batches:
                    cols = [c for p in batch for c in cell_flows.get((p, m, i), [])]
                    if not cols:
                        continue
                    vals = [(1.0 if supplier_of[c] in group else 0.0) - share for c in cols]
                    if sense == "max":
                        if all(v < 0 for v in vals):
                            continue
                        rows.add(cols, vals, -inf, 0.0)
                    else:
                        rows.add(cols, vals, 0.0, inf)
    return _assemble(cost, lower, upper, integer, rows, flows)


def _assemble(
    cost: list[float],
    lower: list[float],
    upper: list[float],
    integer: list[int],
    rows: _Coords,
    flows: list[tuple[str, str, str, Any]],
) -> DirectModel:
    cols = np.asarray(rows.cols, dtype=np.int32)
    order = np.argsort(cols, kind="stable")
    start = np.zeros(len(cost) + 1, dtype=np.int32)
    np.cumsum(np.bincount(cols, minlength=len(cost)), out=start[1:])
    arrays = Floor(
        num_col=len(cost),
        num_row=len(rows.lower),
        nnz=len(rows.vals),
        a_format=1,  # column-wise
        sense=1,  # minimise
        offset=0.0,
        col_cost=np.asarray(cost, dtype=float),
        col_lower=np.asarray(lower, dtype=float),
        col_upper=np.asarray(upper, dtype=float),
        row_lower=np.asarray(rows.lower, dtype=float),
        row_upper=np.asarray(rows.upper, dtype=float),
        a_start=start,
        a_index=np.asarray(rows.rows, dtype=np.int32)[order],
        a_value=np.asarray(rows.vals, dtype=float)[order],
        integrality=np.asarray(integer, dtype=np.int32),
    )
    return DirectModel(arrays=arrays, flows=flows)


# --- the project's path against the floor ----------------------------------------------------


@dataclass
class Against:
    """One instance solved both ways, from the same JSON file, to the same gap and limit."""

    direct_nonzeros: int
    plain_nonzeros: int
    tight_nonzeros: int
    direct_build: float  # parsed instance -> HiGHS holding the model
    direct_end_to_end: float  # load + build + HiGHS
    direct_objective: float | None
    outside: float  # load + build + hand-over + extract and check (the project, default path)
    end_to_end: float
    objective: float | None
    solver: float  # inside HiGHS (the project's search and LP polish)


def against(path: Any, mip_gap: float, time_limit: float | None) -> Against:
    """Solve the instance file at `path` directly and with `sourcing.solve`."""
    from sourcing import solve
    from sourcing.instance.io import load_instance
    from sourcing.pipeline import Pipeline, model_size
    from sourcing.solver import SolveOptions

    gc.collect()  # no garbage of earlier work for the collector to walk while timing
    clock = time.perf_counter()
    results = solve(load_instance(path), mip_gap=mip_gap, time_limit=time_limit)
    end_to_end = time.perf_counter() - clock
    inside = results.timings.get("solve", 0.0)

    gc.collect()
    clock = time.perf_counter()
    instance = load_instance(path)
    load = time.perf_counter() - clock
    direct = solve_direct(instance, mip_gap, time_limit)
    plain_options = SolveOptions(formulation="plain")
    plain = model_size(Pipeline(instance, plain_options, stages=[]).hand_over())
    gc.collect()
    return Against(
        direct_nonzeros=direct.nonzeros,
        plain_nonzeros=plain["nonzeros"],
        tight_nonzeros=results.model_size["nonzeros"],
        direct_build=direct.build_seconds,
        direct_end_to_end=load + direct.build_seconds + direct.solve_seconds,
        direct_objective=direct.objective,
        outside=end_to_end - inside,
        end_to_end=end_to_end,
        objective=results.objective,
        solver=inside,
    )
