"""`report.html` of one solve (`results_page`), built from the blocks of `sourcing.output.html`,
and what the study report shares with it (`REPORT`, limits, `footer`)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import pandas as pd

from sourcing.explain.tiers import stage_parts
from sourcing.output import html as h

if TYPE_CHECKING:
    from sourcing.explain.results import Results

REPORT = "report.html"
"""The page's file name in an output folder."""
MAX_BARS = 240
"""Bars of one share chart at most (a table in the folder's CSV holds every cell)."""
MAX_ROWS = 600
"""Rows of one table at most."""
SOLVED = ("optimal", "feasible")


def footer() -> str:
    try:
        return f"written by sourcing {version('sourcing')}"
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "written by sourcing"


def results_headline(results: Results) -> str:
    """Status, total cost, gap, bound and units, as static HTML."""
    money, quantity = results.units["money"], results.units["quantity"]
    items: list[tuple[str, str, str, Any]] = [("status", "status", results.status, None)]
    if results.objective is not None:
        items.append(
            ("objective", f"total cost ({money})", h.number(results.objective), results.objective)
        )
    if results.mip_gap is not None:
        items.append(("gap", "gap", f"{100 * results.mip_gap:.3g} %", results.mip_gap))
    if results.bound is not None:
        items.append(("bound", f"bound ({money})", h.number(results.bound), results.bound))
    items.append(("quantity-unit", "quantity in", quantity, None))
    items.append(("money-unit", "money in", money, None))
    return h.headline(items)


def results_page(results: Results) -> str:
    """The whole report of one solve."""
    body = [results_headline(results)]
    if results.has_plan:
        body += [
            cost_section(results),
            share_section(results),
            flow_section(results),
            contract_section(results),
        ]
        if results.expansions is not None:
            body.append(expansion_section(results))
        body.append(binding_section(results))
        if results.policy_costs is not None:
            body.append(policy_cost_section(results))
        if not results.shortages.empty:
            body.append(shortage_section(results))
        if results.scenarios is not None:
            body.append(scenario_section(results))
        if results.message:
            body.append(h.paragraph(results.message))
    elif results.status == "infeasible":
        body.append(diagnosis_section(results))
    elif results.message:
        body.append(h.section("No plan", h.paragraph(results.message, "")))
    subtitle = "Semiconductor sourcing plan: costs, supply shares, contracts and policies"
    return h.page(results.instance, subtitle, "\n".join(body), footer())


def cost_section(results: Results) -> str:
    money = results.units["money"]
    costs = [(str(k), float(v)) for k, v in results.costs.items()]
    total = sum(v for _, v in costs)
    rows = [[name, h.num(v), h.share_cell(v / total if total else None)] for name, v in costs]
    return h.section(
        f"Cost breakdown ({money})",
        h.bars(costs, unit=money, label="cost by component"),
        h.table(
            ["component", "cost", "share"],
            rows,
            numeric=(1, 2),
            total=["total", h.num(total), ""],
            element_id="costs",
        ),
        element_id="cost-breakdown",
    )


def region_order(shares: pd.DataFrame) -> list[str]:
    """Regions in the order of the shares table (the instance's), those with supply only."""
    regions = shares[shares["kind"] == "region"]
    supplied = regions.groupby("group", sort=False)["quantity"].sum()
    return [str(g) for g, q in supplied.items() if q > 0]


def share_bars(shares: pd.DataFrame) -> tuple[list[h.ShareBar], list[int]]:
    """One bar per (product, market, period) of the region rows of `shares`, and the indices
    where a new product starts."""
    regions = shares[shares["kind"] == "region"]
    found: list[h.ShareBar] = []
    starts: list[int] = []
    last = None
    for (product, market, period), cell in regions.groupby(
        ["product", "market", "period"], sort=False
    ):
        if product != last:
            starts.append(len(found))
            last = product
        name = "all products" if product == "*" else str(product)
        found.append(
            h.ShareBar(
                f"{name} \u00b7 {market} \u00b7 {period}",
                float(cell["quantity"].sum()),
                {str(g): float(s) for g, s in zip(cell["group"], cell["share"], strict=True)},
            )
        )
    return found, starts


def share_section(results: Results) -> str:
    quantity = results.units["quantity"]
    palette = h.colours(region_order(results.shares))
    parts = [
        h.paragraph(
            f"Share of each region in the {quantity} delivered, per product, market and period "
            "(hover a bar for its figures; the number at the right is the quantity delivered)."
        )
    ]
    for title, shares in stage_parts(results.shares):
        rows, starts = share_bars(shares)
        if title:
            parts.append(f"<h3>{h.esc(title.capitalize())}</h3>")
        if not rows:
            parts.append(h.paragraph("Nothing delivered."))
            continue
        shown = rows[:MAX_BARS]
        if len(rows) > len(shown):
            parts.append(
                h.paragraph(
                    f"The first {len(shown)} of {len(rows)} cells; shares.csv holds them all."
                )
            )
        chart = h.stacked_shares(
            shown,
            palette,
            unit=quantity,
            label=f"supply share by region{', ' + title if title else ''}",
            gaps=starts,
        )
        parts.append(chart)
        parts.append(_share_table(rows, palette))
    return h.section("Supply share by region", *parts, element_id="shares")


def _share_table(rows: list[h.ShareBar], palette: dict[str, str]) -> str:
    groups = list(palette)
    body = [
        [
            bar.label,
            h.num(bar.total, 1),
            *(h.share_cell(bar.shares.get(g)) if bar.shares.get(g) else "" for g in groups),
        ]
        for bar in rows[:MAX_ROWS]
    ]
    table = h.table(
        ["product \u00b7 market \u00b7 period", "delivered", *groups],
        body,
        numeric=range(1, len(groups) + 2),
    )
    return f"<details><summary>The shares as a table</summary>{table}</details>"


def flow_section(results: Results) -> str:
    quantity = results.units["quantity"]
    palette = h.colours(region_order(results.shares))
    parts = [
        h.paragraph(
            f"Where the {quantity} come from and go, summed over the periods: region, product, "
            "market (band widths are quantities; hover a band for its figure)."
        )
    ]
    for title, flows in stage_parts(results.flows):
        if title:
            parts.append(f"<h3>{h.esc(title.capitalize())}</h3>")
        columns = ["region", "product", "market"]
        grouped = flows.groupby(columns, sort=False)["quantity"].sum()
        links = [(str(r), str(p), str(m), float(q)) for (r, p, m), q in grouped.items()]
        order = [list(palette), *(list(pd.unique(flows[c].astype(str))) for c in columns[1:])]
        region = "region of the site" if title.startswith("back") else "region"
        chart = h.sankey(
            links,
            heads=(region, "product", "market"),
            unit=quantity,
            label=f"flows{', ' + title if title else ''}",
            palette=palette,
            order=order,
        )
        parts.append(chart or h.paragraph("Nothing delivered."))
    return h.section("Flows", *parts, element_id="flows")


def contract_section(results: Results) -> str:
    money, quantity = results.units["money"], results.units["quantity"]
    staged = "stage" in results.contracts.columns
    delivered = results.flows.groupby("supplier")["quantity"].sum()
    columns = ["supplier", "name", "region", f"fixed cost ({money})", f"delivered ({quantity})"]
    rows = [
        [
            row["supplier"],
            row["name"],
            row["region"],
            h.num(row["fixed_cost"]),
            h.num(float(delivered.get(row["supplier"], 0.0)), 1),
            *([row["stage"]] if staged else []),
        ]
        for row in results.contracts.to_dict("records")
    ]
    title = "Contracted suppliers and back-end sites" if staged else "Contracted suppliers"
    return h.section(
        title,
        h.table([*columns, *(["stage"] if staged else [])], rows, numeric=(3, 4)),
        element_id="contracts",
    )


def expansion_section(results: Results) -> str:
    assert results.expansions is not None
    frame = results.expansions
    programs = [c for c in frame.columns if c.startswith("subsidy_")]
    rows = [
        [
            row["expansion"],
            row["supplier"],
            "yes" if row["built"] else "no",
            h.num(row["capex"]),
            *(h.num(row[c]) for c in programs),
            h.num(row["net"]),
        ]
        for row in frame.to_dict("records")
    ]
    columns = ["expansion", "supplier", "built", "capex", *(c[8:] for c in programs), "net"]
    return h.section(
        f"Expansions ({results.units['money']})",
        h.table(columns, rows, numeric=range(3, len(columns))),
        element_id="expansions",
    )


def _blank(value: Any) -> str:
    if value is None or value == "" or (isinstance(value, float) and pd.isna(value)):
        return "all"
    return str(value)


def binding_section(results: Results) -> str:
    money = results.units["money"]
    frame = results.binding_policies
    if frame.empty:
        return h.section(
            "Binding policies", h.paragraph("No policy binds at the optimum."), element_id="binding"
        )
    rows = []
    for row in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        limit = row["limit"]
        kind = row["kind"]
        price = row["price_per_point"]
        rows.append(
            [
                row["policy"],
                kind,
                "(pooled)" if row["product"] == "*" else _blank(row["product"]),
                _blank(row["market"]),
                _blank(row["period"]),
                row["supplier"] or "",
                h.Cell(f"{limit:g} suppliers", limit, "num")
                if kind == "min_suppliers"
                else h.share_cell(limit),
                h.Cell("-", None, "num")
                if price is None
                else h.Cell(f"{price:,.3g}", price, "num"),
            ]
        )
    return h.section(
        "Binding policies",
        h.paragraph(
            f"Policies that hold with equality at the optimum. Price per point: {money} saved by "
            "one percentage point more room in the policy (or lost by one point less), with the "
            "contracts fixed. Click a header to sort."
        ),
        h.table(
            [
                "policy",
                "kind",
                "product",
                "market",
                "period",
                "supplier",
                "limit",
                "price per point",
            ],
            rows,
            numeric=(6, 7),
            element_id="binding-policies",
        ),
        element_id="binding",
    )


def policy_cost_section(results: Results) -> str:
    assert results.policy_costs is not None
    rows = [
        [row["policy"], row["kind"], h.num(row["objective_without"]), h.num(row["cost"])]
        for row in results.policy_costs.astype(object)
        .where(results.policy_costs.notna(), None)
        .to_dict("records")
    ]
    return h.section(
        f"Cost of each policy ({results.units['money']}; re-solved without it)",
        h.table(
            ["policy", "kind", "objective without", "cost of the policy"], rows, numeric=(2, 3)
        ),
        element_id="policy-costs",
    )


def shortage_section(results: Results) -> str:
    quantity, money = results.units["quantity"], results.units["money"]
    rows = [
        [row.product, row.market, row.period, h.num(row.quantity, 1), h.num(row.cost)]
        for row in results.shortages.itertuples(index=False)
    ]
    return h.section(
        "Unmet demand",
        h.table(
            ["product", "market", "period", f"unmet ({quantity})", f"cost ({money})"],
            rows,
            numeric=(3, 4),
        ),
        element_id="shortages",
    )


def scenario_section(results: Results) -> str:
    money, quantity = results.units["money"], results.units["quantity"]
    assert results.scenarios is not None
    frame = results.scenarios.astype(object).where(results.scenarios.notna(), None)
    rows = []
    for row in frame.to_dict("records"):
        worst = row["worst_product"]
        rows.append(
            [
                row["scenario"],
                "outage (N-1)" if str(row["scenario"]).startswith("outage:") else "scenario",
                h.num(row["probability"], 3),
                h.num(row["cost"]),
                h.num(row["shortage"], 1),
                h.share_cell(row["shortage_share"]),
                "-" if worst is None else f"{worst} ({h.percent(row['worst_product_share'])})",
                row["products_hit"] or "-",
            ]
        )
    chart = h.bars(
        [(str(r["scenario"]), float(r["cost"])) for r in frame.to_dict("records")],
        unit=money,
        label="cost by scenario",
    )
    parts = [
        h.paragraph(
            f"The contracts are fixed and the flows re-chosen in each scenario and outage "
            f"({money}, {quantity})."
        ),
        chart,
        h.table(
            ["scenario", "kind", "probability", "cost", "unmet", "unmet %", "worst product", "hit"],
            rows,
            numeric=(2, 3, 4, 5),
            element_id="scenarios",
        ),
    ]
    if results.risk:
        risk = results.risk
        parts.append(
            h.paragraph(
                f"Expected cost {h.number(risk['expected_cost'])}, CVaR at "
                f"{risk['cvar_level']:g}: {h.number(risk['cvar'])}, expected unmet "
                f"{h.number(risk['expected_shortage'], 1)}.",
                "",
            )
        )
    if results.resilience:
        parts.append(h.paragraph(_resilience(results), ""))
    return h.section("Scenarios and outages", *parts, element_id="scenario-section")


def _resilience(results: Results) -> str:
    resilience = results.resilience or {}
    money = results.units["money"]
    outages = ", ".join(resilience.get("outages") or []) or "the regions"
    factor = resilience.get("factor") or 0.0
    out = "out" if factor == 0 else f"at {h.percent(factor)} of its capacity"
    head = (
        f"Resilience: any one of {outages} {out} leaves at most "
        f"{h.percent(resilience.get('max_outage_shortage', 0.0))} unmet "
        f"(measured per {resilience.get('per', 'total')})"
    )
    cost = resilience.get("cost")
    if cost is None:
        return f"{head}; its cost is not known."
    extra = ", ".join(resilience.get("extra_contracts") or []) or "none"
    return (
        f"{head}; it costs {h.number(cost)} {money} over the plain plan; extra contracts: {extra}."
    )


def diagnosis_section(results: Results) -> str:
    diagnosis = results.diagnosis or {}
    parts = [f"<pre>{h.esc(diagnosis.get('summary') or results.message)}</pre>"]
    repairs = diagnosis.get("repairs") or []
    if repairs:
        rows = [
            [
                r.get("element", ""),
                r.get("kind", ""),
                r.get("parameter", ""),
                h.Cell(f"{r['current']:g}", r["current"], "num")
                if isinstance(r.get("current"), int | float)
                else str(r.get("current", "")),
                h.Cell(f"{r['required']:g}", r["required"], "num")
                if isinstance(r.get("required"), int | float)
                else str(r.get("required", "")),
                r.get("message", ""),
                {True: "yes", False: "no"}.get(r.get("verified"), ""),
            ]
            for r in repairs
        ]
        parts.append("<h3>Changes that restore feasibility (any one)</h3>")
        parts.append(
            h.table(
                ["element", "kind", "parameter", "current", "required", "change", "confirmed"],
                rows,
                element_id="repairs",
            )
        )
    conflicts = diagnosis.get("conflicts") or []
    if conflicts:
        parts.append("<h3>In conflict</h3>")
        parts.append(
            h.table(
                ["element", "kind"],
                [[c.get("element", ""), c.get("kind", "")] for c in conflicts],
            )
        )
    return h.section("Why no plan exists", *parts, element_id="diagnosis")
