"""The table view of `Results` for a terminal (rich)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from rich import box
from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sourcing.explain.results import Results
from sourcing.explain.tiers import stage_parts


def _number(value: float, digits: int = 2) -> str:
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text  # no "-0.0"


def _percent(value: float) -> str:
    return f"{100 * value:.1f} %"


def _table(title: str) -> Table:
    return Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)


def summary_text(results: Results) -> Text:
    money = results.units["money"]
    text = Text()
    text.append(f"{results.instance}: ", style="bold")
    style = {"optimal": "green", "feasible": "yellow"}.get(results.status, "red")
    text.append(results.status, style=f"bold {style}")
    if results.objective is not None:
        text.append(f"   total cost {_number(results.objective)} {money}")
        if results.mip_gap is not None:
            text.append(f"   gap {100 * results.mip_gap:.3g} %")
        if results.bound is not None:
            text.append(f"   bound {_number(results.bound)}")
    return text


def cost_table(results: Results) -> Table:
    money = results.units["money"]
    table = _table(f"Cost breakdown ({money})")
    table.add_column("component")
    table.add_column("cost", justify="right")
    table.add_column("share", justify="right")
    total = float(results.costs.sum())
    for name, value in results.costs.items():
        value = float(value)
        table.add_row(name, _number(value), _percent(value / total) if total else "-")
    table.add_row("total", _number(total), "", style="bold")
    return table


def share_tables(results: Results) -> list[Table]:
    """`share_table` of each stage: one table, or with back-end sites one per tier."""
    return [share_table(results, shares, title) for title, shares in stage_parts(results.shares)]


def share_table(
    results: Results, shares: pd.DataFrame | None = None, stage: str | None = None
) -> Table:
    """Share of each region in the delivered supply per product, market and period (of
    `shares`, default all; `stage` names the tier in the title)."""
    shares = results.shares if shares is None else shares
    shares = shares[shares["kind"] == "region"]
    quantity = results.units["quantity"]
    where = f", {stage}" if stage else ""
    table = _table(f"Supply share by region{where}, % of delivered {quantity}")
    if shares.empty:
        table.add_column("nothing delivered")
        return table
    regions = [
        r
        for r in pd.unique(shares["group"])
        if shares.loc[shares["group"] == r, "quantity"].sum() > 0
    ]
    for column in ("product", "market", "period", "delivered"):
        table.add_column(column, justify="right" if column == "delivered" else "left", no_wrap=True)
    for region in regions:
        table.add_column(str(region), justify="right")
    for (product, market, period), cell in shares.groupby(
        ["product", "market", "period"], sort=False
    ):
        by_region = dict(zip(cell["group"], cell["share"], strict=True))
        total = float(cell["quantity"].sum())  # regions partition the suppliers
        table.add_row(
            str(product),
            str(market),
            str(period),
            _number(total, 1),
            *[f"{100 * by_region[r]:.1f}" if by_region.get(r) else "." for r in regions],
        )
    return table


def contract_table(results: Results) -> Table:
    money = results.units["money"]
    staged = "stage" in results.contracts.columns
    table = _table("Contracted suppliers and back-end sites" if staged else "Contracted suppliers")
    columns = ["supplier", "name", "region", f"fixed cost ({money})", "delivered"]
    for column in [*columns, *(["stage"] if staged else [])]:
        table.add_column(column, justify="right" if column.startswith(("fixed", "del")) else "left")
    delivered = results.flows.groupby("supplier")["quantity"].sum()
    for row in results.contracts.to_dict("records"):
        table.add_row(
            row["supplier"],
            row["name"],
            row["region"],
            _number(row["fixed_cost"]),
            _number(float(delivered.get(row["supplier"], 0.0)), 1),
            *([row["stage"]] if staged else []),
        )
    return table


def binding_table(results: Results) -> Table:
    """Binding policies, one row per policy and product/market, with the periods it binds in."""
    money = results.units["money"]
    table = _table("Binding policies (hold with equality at the optimum)")
    table.caption = (
        f"price per point: {money} saved by one percentage point more room in the policy "
        "(or lost by one point less), with the contracts fixed; one value per period"
    )
    table.caption_justify = "left"
    for column in ("policy", "kind", "product", "market", "supplier", "periods", "limit"):
        table.add_column(column, justify="right" if column == "limit" else "left")
    table.add_column("price per point", justify="right")
    frame = results.binding_policies.astype(object).fillna("")
    keys = ["policy", "kind", "product", "market", "supplier"]
    for key, rows in frame.groupby(keys, sort=False):
        policy, kind, product, market, supplier = key
        limit = float(rows["limit"].iloc[0])
        table.add_row(
            str(policy),
            str(kind),
            "(pooled)" if product == "*" else _blank(product),
            _blank(market),
            str(supplier),
            ", ".join(_blank(p) for p in rows["period"]),
            f"{limit:g} suppliers" if kind == "min_suppliers" else _percent(limit),
            ", ".join(_price(p) for p in rows["price_per_point"]),
        )
    return table


def price_lines(results: Results, most: int = 3) -> Text:
    """The binding rows with the highest marginal price, in a sentence each."""
    money = results.units["money"]
    frame = results.binding_policies.dropna(subset=["price_per_point"])
    frame = frame[frame["price_per_point"] > 0].sort_values("price_per_point", ascending=False)
    text = Text()
    for row in frame.head(most).itertuples(index=False):
        where = "/".join(
            str(v) for v in (row.product, row.market, row.period) if v not in (None, "*")
        )
        who = f" ({row.supplier})" if isinstance(row.supplier, str) and row.supplier else ""
        text.append(
            f"{row.policy}{who} binds in {where}: each extra point of share is worth "
            f"{row.price_per_point:,.3g} {money}\n"
        )
    return text


def _price(value: Any) -> str:
    return "-" if value is None or value == "" else f"{float(value):,.3g}"


def policy_cost_table(results: Results) -> Table:
    """The total cost of having each policy: objective with it minus objective without it."""
    money = results.units["money"]
    table = _table(f"Cost of each policy ({money}; re-solved without it)")
    for column in ("policy", "kind", "objective without", "cost of the policy"):
        table.add_column(column, justify="left" if column in ("policy", "kind") else "right")
    assert results.policy_costs is not None
    for row in results.policy_costs.to_dict(orient="records"):
        without, cost = row["objective_without"], row["cost"]
        table.add_row(
            str(row["policy"]),
            str(row["kind"]),
            "-" if without is None else _number(without),
            "-" if cost is None else _number(cost),
        )
    return table


def diagnosis_text(results: Results) -> Text:
    """Why there is no plan, and what would restore one."""
    diagnosis = results.diagnosis or {}
    text = Text()
    text.append("Why no plan exists\n", style="bold")
    text.append(diagnosis.get("summary") or results.message)
    for repair in diagnosis.get("repairs", []):
        if repair.get("verified") is False:
            text.append(f"\n(not confirmed by a re-solve: {repair['message']})", style="dim")
    return text


def _blank(value: Any) -> str:
    """A cell value, with "all" for a policy that spans every market or period."""
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return "all"
    return str(value)


def shortage_table(results: Results) -> Table:
    quantity, money = results.units["quantity"], results.units["money"]
    table = _table("Unmet demand")
    for column in ("product", "market", "period", f"unmet ({quantity})", f"cost ({money})"):
        table.add_column(column)
    for row in results.shortages.itertuples(index=False):
        table.add_row(
            row.product, row.market, str(row.period), _number(row.quantity, 1), _number(row.cost)
        )
    return table


def timing_text(results: Results) -> Text:
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in results.timings.items())
    size = ", ".join(f"{k} {v:,}" for k, v in results.model_size.items())
    return Text(f"timings: {parts}\nmodel size: {size}", style="dim")


def scenario_table(results: Results) -> Table:
    """Cost and unmet demand in the nominal plan and in each disruption."""
    money, quantity = results.units["money"], results.units["quantity"]
    table = _table(f"Scenarios (contracts fixed, flows re-chosen; {money}, {quantity})")
    columns = ("scenario", "probability", "cost", "unmet", "unmet %", "worst product", "hit")
    for column in columns:
        table.add_column(
            column, justify="left" if column in ("scenario", "worst product", "hit") else "right"
        )
    assert results.scenarios is not None
    for row in results.scenarios.itertuples(index=False):
        table.add_row(
            str(row.scenario),
            f"{row.probability:.3g}",
            _number(row.cost),
            _number(row.shortage, 1),
            _percent(row.shortage_share),
            _worst(row.worst_product, row.worst_product_share),
            row.products_hit or "-",
        )
    if results.risk:
        risk = results.risk
        table.caption = (
            f"expected cost {_number(risk['expected_cost'])}, CVaR at {risk['cvar_level']:g}: "
            f"{_number(risk['cvar'])}, expected unmet {_number(risk['expected_shortage'], 1)}"
        )
        table.caption_justify = "left"
    return table


def expansion_table(results: Results) -> Table:
    """Each candidate expansion: built or not, its capex, what each programme pays, the net."""
    money = results.units["money"]
    assert results.expansions is not None
    frame = results.expansions
    programs = [c for c in frame.columns if c.startswith("subsidy_")]
    table = _table(f"Expansions ({money})")
    for column in ("expansion", "supplier", "built", "capex", *programs, "net"):
        name = column.removeprefix("subsidy_")
        table.add_column(name, justify="left" if column in ("expansion", "supplier") else "right")
    for row in frame.to_dict("records"):
        table.add_row(
            str(row["expansion"]),
            str(row["supplier"]),
            "yes" if row["built"] else "no",
            _number(row["capex"]),
            *(_number(row[c]) if row[c] else "-" for c in programs),
            _number(row["net"]),
        )
    return table


def _worst(product: Any, share: float) -> str:
    """`memory (100.0 %)`: the product with the largest share of its demand unmet."""
    return "-" if product is None or pd.isna(product) else f"{product} ({_percent(share)})"


def scenario_period_table(results: Results) -> Table:
    """Per scenario and period: delivered, unmet and in stock, so that when a disruption
    starts, what it costs and the recovery after it show (N-1 outages, which last the whole
    horizon, are in `results.scenario_periods` only)."""
    quantity = results.units["quantity"]
    table = _table(f"Scenarios by period ({quantity})")
    for column in ("scenario", "period", "delivered", "unmet", "unmet %", "stock"):
        table.add_column(column, justify="left" if column == "scenario" else "right")
    assert results.scenario_periods is not None
    periods = results.scenario_periods
    timed = periods[~periods["scenario"].astype(str).str.startswith("outage:")]
    for row in timed.itertuples(index=False):
        table.add_row(
            str(row.scenario),
            str(row.period),
            _number(row.delivered, 1),
            _number(row.shortage, 1),
            _percent(row.shortage_share),
            _number(row.stock, 1),
        )
    return table


def resilience_text(results: Results) -> Text:
    money = results.units["money"]
    resilience = results.resilience or {}
    cost = resilience.get("cost")
    per = resilience.get("per", "total")
    measured = {"total": "of all demand", "product": "of any product", "cell": "in any cell"}
    outages = resilience.get("outages")
    factor = resilience.get("factor") or 0.0
    out = "out" if factor == 0 else f"at {_percent(factor)} of its capacity"
    head = (
        f"Resilience (any one of {', '.join(outages) if outages else 'the regions'} {out}, at "
        f"most {_percent(resilience.get('max_outage_shortage', 0.0))} {measured[per]} unmet)"
    )
    if cost is None:
        return Text(f"{head}: its cost is not known (the plain plan was not solved in time)")
    extra = ", ".join(resilience.get("extra_contracts") or []) or "none"
    return Text(
        f"{head} costs {_number(cost)} {money} over the plain plan; extra contracts: {extra}"
    )


def outage_rows_table(rows: list[dict[str, Any]], units: dict[str, str]) -> Table:
    money, quantity = units["money"], units["quantity"]
    table = _table(f"Outages ({quantity}, {money}; contracts fixed, flows re-optimised)")
    for column in (
        "outage",
        "kind",
        "factor",
        "unmet",
        "unmet %",
        "cost",
        "extra cost",
        "worst product",
        "products hit",
    ):
        table.add_column(
            column,
            justify="left"
            if column in ("outage", "kind", "worst product", "products hit")
            else "right",
        )
    for row in rows:
        table.add_row(
            str(row["outage"]),
            row["kind"],
            f"{row['factor']:g}",
            _number(row["shortage"], 1),
            _percent(row["shortage_share"]),
            _number(row["cost"]),
            _number(row["extra_cost"]),
            _worst(row["worst_product"], row["worst_product_share"]),
            ", ".join(row["products_hit"]) or "-",
        )
    return table


def render_stress(results: Results, rows: list[dict[str, Any]], console: Console) -> None:
    """The plan in one line, then one row per outage."""
    parts: list[Any] = [summary_text(results)]
    if results.resilience:
        parts.append(resilience_text(results))
    parts.append(outage_rows_table(rows, results.units))
    console.print(Group(*parts))


BACK_SHARE = "back_share_"  # a sweep's column of a group's back-end share


def sweep_table(frame: pd.DataFrame, title: str, shares: list[str] | None = None) -> Table:
    """A sweep or frontier: parameters, status, objective, shares, HHI, what binds.

    `shares` picks the groups whose share is shown (default: every region with supply, then
    the back-end shares that change from point to point); a name `back_share_<group>` shows
    that group's back-end share.
    """
    table = _table(escape(title))
    parameters = frame.attrs.get("parameters", [])
    if shares is None:
        shares = [
            c.removeprefix("share_")
            for c in frame.columns
            if c.startswith("share_")
            and frame.attrs.get("kinds", {}).get(c, "region") == "region"
            and frame[c].fillna(0).max() > 0
        ]
        shares += [c for c in frame.columns if c.startswith(BACK_SHARE) and _moves(frame[c])]
    frontier = "breakpoint" in frame.columns
    columns = [
        *parameters,
        "status",
        "objective",
        *(g if g.startswith(BACK_SHARE) else f"share_{g}" for g in shares),
        "hhi",
        "shortage",
        *(["breakpoint", "newly_binding", "released"] if frontier else ["binding"]),
    ]
    columns = [c for c in columns if c in frame.columns]
    for column in columns:
        label = column.removeprefix("share_") + (" %" if column.startswith("share_") else "")
        if column.startswith(BACK_SHARE):
            label = f"{column.removeprefix(BACK_SHARE)} back %"
        left = column in ("status", "binding", "newly_binding", "released")
        table.add_column(escape(label), justify="left" if left else "right")
    for row in frame.to_dict(orient="records"):
        table.add_row(*(escape(_cell(row.get(c), c, parameters)) for c in columns))
    return table


def _moves(column: pd.Series) -> bool:
    """Whether a share has supply and, over several points, changes."""
    values = column.fillna(0)
    return bool(values.max() > 0) and (len(values) == 1 or values.max() - values.min() > 1e-9)


def _cell(value: Any, column: str, parameters: list[str]) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if column.startswith(("share_", BACK_SHARE)):
        return f"{100 * value:.1f}"
    if column == "breakpoint":
        return "*" if value else ""
    if isinstance(value, float):
        return f"{value:,.4g}" if column in parameters or column == "hhi" else _number(value)
    return str(value)


def render(results: Results, console: Console, *, verbose: bool = False) -> None:
    """Print what an analyst reads first: status, costs, shares, contracts, binding policies."""
    parts: list[Any] = [summary_text(results)]
    if results.has_plan:
        parts += [cost_table(results), *share_tables(results), contract_table(results)]
        if results.expansions is not None:
            parts.append(expansion_table(results))
        if results.binding_policies.empty:
            parts.append(Text("No policy binds at the optimum.", style="dim"))
        else:
            parts += [binding_table(results), price_lines(results)]
        if not results.shortages.empty:
            parts.append(shortage_table(results))
        if results.policy_costs is not None:
            parts.append(policy_cost_table(results))
        if results.scenarios is not None:
            parts.append(scenario_table(results))
        periods = results.scenario_periods
        if periods is not None and periods["period"].nunique() > 1:
            parts.append(scenario_period_table(results))
        if results.resilience:
            parts.append(resilience_text(results))
        if results.message:
            parts.append(Text(results.message, style="yellow"))
    elif results.status == "infeasible":
        parts.append(diagnosis_text(results))
    elif results.message:
        parts.append(Text(results.message))
    if verbose:
        parts.append(timing_text(results))
    console.print(Group(*parts))
