"""How a comparison of two plans is shown: rich tables for a terminal, and `compare.html`
(built from the blocks of `sourcing.output.html`, as `report.html` is)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from sourcing.explain.compare import Comparison, Side
from sourcing.explain.tiers import stage_parts
from sourcing.output import html as h
from sourcing.output import outdir
from sourcing.output.report import footer
from sourcing.output.terminal import _number, _table

COMPARE_PAGE, COMPARE_JSON = "compare.html", "compare.json"
"""The files a comparison writes into an output folder (the CLI's `COMPARE_FILES`)."""
POLICY_HEADS = ("change", "policy", "kind", "product", "market", "supplier")
MOST_PRODUCT_ROWS = 60
"""Rows of the per-product share changes in the terminal at most."""


def _signed(value: float | None, digits: int = 2) -> str:
    if value is None or value != value:
        return "-"
    text = _number(value, digits)
    return f"+{text}" if value > 0 and text.strip("0.,") else text


def _points(value: float | None) -> str:
    return "-" if value is None or value != value else _signed(100 * value, 1)


def _side_text(name: str, side: Side, money: str) -> Text:
    text = Text()
    text.append(f"{name}: ", style="bold")
    text.append(f"{side.source} ({side.instance}) ")
    style = {"optimal": "green", "feasible": "yellow"}.get(side.status, "red")
    text.append(side.status, style=f"bold {style}")
    if side.objective is not None:
        text.append(f"   total cost {_number(side.objective)} {money}")
    return text


def cost_table(comparison: Comparison) -> Table:
    money = comparison.a.units["money"]
    table = _table(f"Cost by component ({money})")
    for column in ("component", "A", "B", "B - A"):
        table.add_column(column, justify="left" if column == "component" else "right")
    for row in comparison.costs.to_dict("records"):
        table.add_row(
            escape(str(row["component"])),
            "-" if row["a"] is None else _number(row["a"]),
            "-" if row["b"] is None else _number(row["b"]),
            _signed(row["difference"]),
            style="bold" if row["component"] == "total" else None,
        )
    return table


def share_tables(comparison: Comparison) -> list[Table]:
    quantity = comparison.a.units["quantity"]
    tables = []
    for title, frame in stage_parts(comparison.shares):
        where = f", {title}" if title else ""
        table = _table(f"Share by region{where}, % of delivered {escape(quantity)}")
        for column in ("region", "A", "B", "B - A (points)"):
            table.add_column(column, justify="left" if column == "region" else "right")
        for row in frame.to_dict("records"):
            table.add_row(
                escape(str(row["region"])),
                f"{100 * row['share_a']:.1f}",
                f"{100 * row['share_b']:.1f}",
                _points(row["difference"]),
            )
        tables.append(table)
    return tables


def product_share_table(comparison: Comparison) -> Table:
    frame = comparison.product_shares
    staged = "stage" in frame.columns
    table = _table("Shares by product that moved (% over markets and periods)")
    columns = [*(["stage"] if staged else []), "product", "region", "A", "B", "B - A (points)"]
    for column in columns:
        table.add_column(column, justify="right" if column[0] in "AB" else "left")
    for row in frame.head(MOST_PRODUCT_ROWS).to_dict("records"):
        table.add_row(
            *([str(row["stage"])] if staged else []),
            escape(str(row["product"])),
            escape(str(row["region"])),
            f"{100 * row['share_a']:.1f}",
            f"{100 * row['share_b']:.1f}",
            _points(row["difference"]),
        )
    if len(frame) > MOST_PRODUCT_ROWS:
        table.caption = f"the {MOST_PRODUCT_ROWS} first of {len(frame)} rows; all in --format json"
        table.caption_justify = "left"
    return table


def contract_table(comparison: Comparison) -> Table:
    money = comparison.a.units["money"]
    frame = comparison.contracts
    staged = "stage" in frame.columns
    table = _table("Contracts won and lost (won: in B only; lost: in A only)")
    columns = ["change", "supplier", "name", "region", f"fixed cost ({money})"]
    for column in [*columns, *(["stage"] if staged else [])]:
        table.add_column(escape(column), justify="right" if column.startswith("fixed") else "left")
    for row in frame.to_dict("records"):
        fixed = row.get("fixed_cost")
        table.add_row(
            row["change"],
            escape(str(row["supplier"])),
            escape(str(row["name"])),
            escape(str(row["region"])),
            "-" if fixed is None or fixed != fixed else _number(float(fixed)),
            *([escape(str(row["stage"]))] if staged else []),
        )
    return table


def policy_table(comparison: Comparison) -> Table:
    table = _table("Policies that start or stop binding (price: mean per point)")
    heads = [h for h in POLICY_HEADS if h != "kind"]
    for column in [*heads, "periods A", "periods B", "price A", "price B"]:
        table.add_column(
            column,
            justify="right" if column.startswith("price") else "left",
            no_wrap=column in ("policy", "product", "supplier"),
        )
    for row in comparison.policies.to_dict("records"):
        table.add_row(
            row["change"],
            *(escape(str(row[k]) or "-") for k in ("policy", "product", "market")),
            escape(str(row["supplier"])),
            escape(row["periods_a"] or "-"),
            escape(row["periods_b"] or "-"),
            _price(row["price_a"]),
            _price(row["price_b"]),
        )
    return table


def _price(value: Any) -> str:
    return "-" if value is None or value != value else f"{float(value):,.3g}"


def render_comparison(comparison: Comparison, console: Console) -> None:
    """What changed from A to B, in the terminal."""
    money = comparison.a.units["money"]
    parts: list[Any] = [
        _side_text("A", comparison.a, money),
        _side_text("B", comparison.b, money),
    ]
    if comparison.difference is not None:
        parts.append(Text(f"B - A: {_signed(comparison.difference)} {money}", style="bold"))
    parts.append(cost_table(comparison))
    if not (comparison.a.has_plan and comparison.b.has_plan):
        parts.append(Text("Shares, contracts and policies need a plan on both sides.", "dim"))
        console.print(Group(*parts))
        return
    parts += share_tables(comparison)
    if not comparison.product_shares.empty:
        parts.append(product_share_table(comparison))
    if comparison.contracts.empty:
        parts.append(Text("The same contracts in both plans.", style="dim"))
    else:
        parts.append(contract_table(comparison))
    if comparison.policies.empty:
        parts.append(Text("The same policies bind in both plans.", style="dim"))
    else:
        parts.append(policy_table(comparison))
    console.print(Group(*parts))


# The page


def comparison_page(comparison: Comparison) -> str:
    """compare.html: the headline, then each table of the comparison, with charts."""
    a, b = comparison.a, comparison.b
    money = a.units["money"]
    items: list[tuple[str, str, str, Any]] = [
        ("status-a", "status A", a.status, None),
        ("status-b", "status B", b.status, None),
    ]
    if a.objective is not None:
        items.append(("objective-a", f"cost A ({money})", h.number(a.objective), a.objective))
    if b.objective is not None:
        items.append(("objective-b", f"cost B ({money})", h.number(b.objective), b.objective))
    difference = comparison.difference
    if difference is not None:
        shown = ("+" if difference > 0 else "") + h.number(difference)
        items.append(("difference", f"B - A ({money})", shown, difference))
    sides = h.table(
        ["", "source", "instance", "status", f"total cost ({money})"],
        [
            [name, side.source, side.instance, side.status, h.num(side.objective)]
            for name, side in (("A", a), ("B", b))
        ],
        numeric=(4,),
        element_id="sides",
    )
    body = [h.headline(items), sides, _cost_section(comparison)]
    if a.has_plan and b.has_plan:
        body += [_share_section(comparison), _contract_section(comparison)]
        body.append(_policy_section(comparison))
    else:
        body.append(h.paragraph("Shares, contracts and policies need a plan on both sides."))
    title = f"{a.instance} against {b.instance}"
    return h.page(title, "What changed from plan A to plan B", "\n".join(body), footer())


def _cost_section(comparison: Comparison) -> str:
    money = comparison.a.units["money"]
    frame = comparison.costs
    parts = []
    rows = frame[frame["component"] != "total"].to_dict("records")
    if comparison.a.has_plan and comparison.b.has_plan:
        items = [(str(r["component"]), float(r["a"]), float(r["b"])) for r in rows]
        parts.append(h.paired_bars(items, ("A", "B"), unit=money, label="cost by component"))
    body = [
        [r["component"], h.num(r["a"]), h.num(r["b"]), h.num(r["difference"], signed=True)]
        for r in rows
    ]
    total = frame[frame["component"] == "total"].to_dict("records")[0]
    parts.append(
        h.table(
            ["component", "A", "B", "B - A"],
            body,
            numeric=(1, 2, 3),
            total=[
                "total",
                h.num(total["a"]),
                h.num(total["b"]),
                h.num(total["difference"], signed=True),
            ],
            element_id="cost-changes",
        )
    )
    return h.section(f"Cost by component ({money})", *parts, element_id="costs")


def _share_section(comparison: Comparison) -> str:
    quantity = comparison.a.units["quantity"]
    palette = h.colours(str(r) for r in comparison.shares["region"])
    parts = [
        h.paragraph(
            f"Each region's share of all {quantity} delivered, over products, markets and "
            "periods; differences in percentage points."
        )
    ]
    for title, frame in stage_parts(comparison.shares):
        if title:
            parts.append(f"<h3>{h.esc(title.capitalize())}</h3>")
        records = frame.to_dict("records")
        bars = [
            h.ShareBar(
                name,
                float(sum(r[f"quantity_{key}"] for r in records)),
                {str(r["region"]): float(r[f"share_{key}"]) for r in records},
            )
            for name, key in (("A", "a"), ("B", "b"))
        ]
        parts.append(h.stacked_shares(bars, palette, unit=quantity, label=f"shares {title}"))
        parts.append(
            h.table(
                ["region", "A", "B", "B - A (points)"],
                [
                    [
                        r["region"],
                        h.share_cell(r["share_a"]),
                        h.share_cell(r["share_b"]),
                        h.share_cell(r["difference"], signed=True),
                    ]
                    for r in records
                ],
                numeric=(1, 2, 3),
            )
        )
    moved = comparison.product_shares
    if not moved.empty:
        staged = "stage" in moved.columns
        parts.append("<h3>Shares by product that moved</h3>")
        parts.append(
            h.table(
                [*(["stage"] if staged else []), "product", "region", "A", "B", "B - A (points)"],
                [
                    [
                        *([r["stage"]] if staged else []),
                        r["product"],
                        r["region"],
                        h.share_cell(r["share_a"]),
                        h.share_cell(r["share_b"]),
                        h.share_cell(r["difference"], signed=True),
                    ]
                    for r in moved.to_dict("records")
                ],
                numeric=range(3 if staged else 2, 6 if staged else 5),
                element_id="product-shares",
            )
        )
    return h.section("Shares by region", *parts, element_id="shares")


def _contract_section(comparison: Comparison) -> str:
    frame = comparison.contracts
    if frame.empty:
        return h.section(
            "Contracts won and lost",
            h.paragraph("The same contracts in both plans."),
            element_id="contracts",
        )
    money = comparison.a.units["money"]
    staged = "stage" in frame.columns
    columns = ["change", "supplier", "name", "region", f"fixed cost ({money})"]
    rows = [
        [
            r["change"],
            r["supplier"],
            r["name"],
            r["region"],
            h.num(r["fixed_cost"]),
            *([r["stage"]] if staged else []),
        ]
        for r in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    return h.section(
        "Contracts won and lost",
        h.paragraph("Won: contracted in B only; lost: in A only."),
        h.table([*columns, *(["stage"] if staged else [])], rows, numeric=(4,)),
        element_id="contracts",
    )


def _policy_section(comparison: Comparison) -> str:
    frame = comparison.policies
    if frame.empty:
        return h.section(
            "Policies that start or stop binding",
            h.paragraph("The same policies bind in both plans."),
            element_id="policies",
        )
    money = comparison.a.units["money"]
    rows = [
        [
            r["change"],
            r["policy"],
            r["kind"],
            r["product"],
            r["market"],
            r["supplier"],
            r["periods_a"] or "-",
            r["periods_b"] or "-",
            h.Cell(_price(r["price_a"]), r["price_a"], "num"),
            h.Cell(_price(r["price_b"]), r["price_b"], "num"),
        ]
        for r in frame.astype(object).where(frame.notna(), None).to_dict("records")
    ]
    return h.section(
        "Policies that start or stop binding",
        h.paragraph(f"Price: the mean over the periods, {money} per percentage point."),
        h.table(
            [*POLICY_HEADS, "periods A", "periods B", "price A", "price B"],
            rows,
            numeric=(8, 9),
            element_id="policy-changes",
        ),
        element_id="policies",
    )


def write_comparison(comparison: Comparison, output: str | Path) -> Path:
    """compare.html and compare.json into `output`, as one run of `compare` (through
    `outdir.write`)."""
    files = {
        COMPARE_PAGE: outdir.text_file(comparison_page(comparison)),
        COMPARE_JSON: outdir.text_file(json.dumps(comparison.to_dict(), indent=2) + "\n"),
    }
    return outdir.write(output, files, command="compare")
