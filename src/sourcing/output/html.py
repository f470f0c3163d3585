"""Building blocks of the HTML pages (`report.html`, `compare.html`): one self-contained page,
tables sortable by a click on a header, and charts drawn here as inline SVG.

A page makes no network request: its style and script are inline, it loads no font, image or
script, and its Content-Security-Policy forbids any. The figures are in the static HTML; the
script only sorts tables, and every chart mark carries its value in an SVG `<title>` (shown on
hover without any script). Every text that comes from an instance (ids, names, units, messages)
goes through `esc`; no such text is ever put inside the script.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#1f5f8b",
    "#8cd17d",
    "#b6992d",
    "#d37295",
    "#499894",
    "#86bcb6",
)
"""Colours of groups (regions), in order; they repeat after the last."""

POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
"""The page's Content-Security-Policy: nothing may be fetched."""

STYLE = """
:root{--ink:#1d2433;--muted:#5b6475;--line:#d9dde5;--bg:#fff;--soft:#f4f6f9}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--ink);background:var(--bg);margin:0 auto;max-width:1200px;padding:24px 28px 60px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;
border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 6px}
p.note,.note{color:var(--muted);font-size:13px;margin:4px 0 8px}
.headline{display:flex;flex-wrap:wrap;gap:10px 28px;margin:14px 0 4px;padding:12px 16px;
background:var(--soft);border-radius:6px}
.headline div{min-width:110px}.headline dt{color:var(--muted);font-size:12px}
.headline dd{margin:0;font-size:20px;font-weight:600;font-variant-numeric:tabular-nums}
.status-optimal{color:#2e7d32}.status-feasible{color:#b26a00}
.status-infeasible,.status-no_solution,.status-error{color:#c62828}
table{border-collapse:collapse;margin:6px 0 10px;font-variant-numeric:tabular-nums}
th,td{padding:3px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;background:var(--soft);white-space:nowrap;user-select:none}
th.sortable{cursor:pointer}th.sortable:after{content:" \\2195";color:#aab}
th[aria-sort=ascending]:after{content:" \\25B2";color:var(--ink)}
th[aria-sort=descending]:after{content:" \\25BC";color:var(--ink)}
td.num,th.num{text-align:right}td:first-child{white-space:nowrap}tr.total td{font-weight:600}
td.up{color:#c62828}td.down{color:#2e7d32}
.chart{display:block;max-width:100%;height:auto;margin:6px 0 4px}
.chart text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:var(--ink)}
.chart .axis{stroke:#8a93a3;stroke-width:1}.chart .grid{stroke:#e6e9ef;stroke-width:1}
.chart .muted{fill:var(--muted)}.chart .gap{stroke:#bbb;stroke-dasharray:3 3}
.chart rect:hover,.chart path:hover,.chart circle:hover{opacity:.75}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px;margin:2px 0 6px;padding:0;
list-style:none}.legend li{display:flex;align-items:center;gap:5px}
.legend span{display:inline-block;width:12px;height:12px;border-radius:2px}
pre{background:var(--soft);padding:10px 12px;border-radius:4px;white-space:pre-wrap}
details summary{cursor:pointer;color:var(--muted);margin:6px 0}
footer{margin-top:40px;color:var(--muted);font-size:12px}
"""

SCRIPT = """
(function(){
  function key(cell){
    var v=cell.getAttribute("data-v");
    if(v!==null&&v!==""&&!isNaN(+v))return{n:+v};
    return{s:cell.textContent.trim().toLowerCase()};
  }
  function compare(a,b){
    if("n"in a&&"n"in b)return a.n-b.n;
    if("n"in a)return -1;if("n"in b)return 1;
    return a.s<b.s?-1:a.s>b.s?1:0;
  }
  document.querySelectorAll("table.sortable").forEach(function(table){
    var body=table.tBodies[0];if(!body)return;
    table.querySelectorAll("thead th").forEach(function(th,col){
      th.classList.add("sortable");th.setAttribute("tabindex","0");
      function sort(){
        var down=th.getAttribute("aria-sort")==="ascending";
        table.querySelectorAll("thead th").forEach(function(o){o.removeAttribute("aria-sort");});
        th.setAttribute("aria-sort",down?"descending":"ascending");
        var rows=Array.prototype.slice.call(body.rows);
        rows.sort(function(r,s){
          var c=compare(key(r.cells[col]),key(s.cells[col]));return down?-c:c;
        });
        rows.forEach(function(r){body.appendChild(r);});
      }
      th.addEventListener("click",sort);
      th.addEventListener("keydown",function(e){if(e.key==="Enter")sort();});
    });
  });
})();
"""


def esc(value: Any) -> str:
    """`value` as text safe inside HTML and SVG, in element content and in quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def number(value: float | None, digits: int = 2) -> str:
    """`1,234.57`; `-` for a missing value; never `-0.00`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    text = f"{value:,.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.,") else text


def percent(value: float | None, digits: int = 1) -> str:
    """A share (0.253) as `25.3 %`."""
    return "-" if value is None or value != value else f"{100 * value:.{digits}f} %"


def _attribute(value: Any) -> str:
    """A raw number for sorting (`data-v`), or empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float) and math.isfinite(value):
        return repr(float(value))
    return ""


@dataclass(frozen=True)
class Cell:
    """A table cell: the text shown, the number it sorts by, and an optional CSS class."""

    text: str
    value: float | None = None
    css: str = ""


def num(value: float | None, digits: int = 2, *, signed: bool = False) -> Cell:
    """A right-aligned number cell; `signed` adds `+` and colours rises and falls."""
    text = number(value, digits)
    css = "num"
    if signed and value is not None and value == value and abs(value) >= 0.5 * 10**-digits:
        text = ("+" if value > 0 else "") + text
        css += " up" if value > 0 else " down"
    return Cell(text, value, css)


def share_cell(value: float | None, *, signed: bool = False) -> Cell:
    """A share shown in percent (one decimal); `signed` for a difference in points."""
    if value is None or value != value:
        return Cell("-", None, "num")
    cell = num(100 * value, 1, signed=signed)
    return Cell(cell.text if signed else f"{cell.text} %", value, cell.css)


def table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    numeric: Iterable[int] = (),
    caption: str = "",
    total: Sequence[Any] | None = None,
    element_id: str = "",
) -> str:
    """A sortable table. A cell is a `Cell` or a plain value (shown as text); columns listed in
    `numeric` are right-aligned; `total` is a last row kept out of the sorting."""
    right = set(numeric)
    head = "".join(
        f'<th class="num">{esc(c)}</th>' if i in right else f"<th>{esc(c)}</th>"
        for i, c in enumerate(columns)
    )
    body = "".join(f"<tr>{_cells(row, right)}</tr>" for row in rows)
    foot = f'<tfoot><tr class="total">{_cells(total, right)}</tr></tfoot>' if total else ""
    ident = f' id="{esc(element_id)}"' if element_id else ""
    note = f"<caption class=note>{esc(caption)}</caption>" if caption else ""
    return (
        f'<table class="sortable"{ident}>{note}<thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody>{foot}</table>"
    )


def _cells(row: Sequence[Any], right: set[int]) -> str:
    parts = []
    for i, cell in enumerate(row):
        if not isinstance(cell, Cell):
            cell = Cell("" if cell is None else str(cell))
        css = cell.css or ("num" if i in right else "")
        value = _attribute(cell.value)
        attributes = (f' class="{css}"' if css else "") + (f' data-v="{value}"' if value else "")
        parts.append(f"<td{attributes}>{esc(cell.text)}</td>")
    return "".join(parts)


def section(title: str, *parts: str, element_id: str = "") -> str:
    ident = f' id="{esc(element_id)}"' if element_id else ""
    return f"<section{ident}><h2>{esc(title)}</h2>{''.join(parts)}</section>"


def paragraph(text: str, css: str = "note") -> str:
    return f'<p class="{css}">{esc(text)}</p>'


def headline(items: Sequence[tuple[str, str, str, Any]]) -> str:
    """The headline figures: (id, label, text shown, raw value for `data-value`)."""
    parts = []
    for ident, label, text, value in items:
        data = "" if value is None else f' data-value="{esc(value)}"'
        css = f' class="status-{esc(text)}"' if ident.endswith("status") else ""
        parts.append(
            f'<div><dt>{esc(label)}</dt><dd id="{esc(ident)}"{css}{data}>{esc(text)}</dd></div>'
        )
    return f'<dl class="headline">{"".join(parts)}</dl>'


def page(title: str, subtitle: str, body: str, footer: str = "") -> str:
    """A whole HTML document around `body` (already HTML), with the style and sorting script."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>\n<body>"
        f"<header><h1>{esc(title)}</h1>{paragraph(subtitle) if subtitle else ''}</header>\n"
        f"{body}\n<footer>{esc(footer)}</footer>\n<script>{SCRIPT}</script></body></html>\n"
    )


def colours(groups: Iterable[str]) -> dict[str, str]:
    """A colour for each group, in order."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(dict.fromkeys(groups))}


def legend(palette: Mapping[str, str]) -> str:
    items = "".join(
        f'<li><span style="background:{c}"></span>{esc(g)}</li>' for g, c in palette.items()
    )
    return f'<ul class="legend">{items}</ul>'


def _svg(width: float, height: float, body: str, label: str) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{esc(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">{body}</svg>'
    )


def _f(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str, css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return (
        f'<rect{cls} x="{_f(x)}" y="{_f(y)}" width="{_f(max(w, 0.0))}" height="{_f(h)}" '
        f'fill="{fill}"><title>{esc(title)}</title></rect>'
    )


def _line(x1: float, x2: float, y1: float, y2: float, css: str = "axis", extra: str = "") -> str:
    return f'<line class="{css}" x1="{_f(x1)}" x2="{_f(x2)}" y1="{_f(y1)}" y2="{_f(y2)}"{extra}/>'


def _text(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    cls = f' class="{css}"' if css else ""
    return f'<text{cls} x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}">{esc(text)}</text>'


def _label_width(labels: Iterable[str], most: float = 320) -> float:
    """Room for the longest label at about 7 px a character."""
    return min(most, 16 + 7 * max((len(s) for s in labels), default=4))


def bars(
    items: Sequence[tuple[str, float]],
    *,
    unit: str,
    label: str,
    width: float = 760,
    digits: int = 2,
    colour: str = PALETTE[0],
) -> str:
    """Horizontal bars from a zero line (negative values to its left), value at each bar."""
    if not items:
        return ""
    left = _label_width(s for s, _ in items)
    right = 90.0
    low = min(0.0, *(v for _, v in items))
    high = max(0.0, *(v for _, v in items))
    span = (high - low) or 1.0
    plot = width - left - right
    row = 22.0
    height = row * len(items) + 8

    def x(value: float) -> float:
        return left + plot * (value - low) / span

    parts = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        start, end = sorted((x(0.0), x(value)))
        fill = colour if value >= 0 else PALETTE[2]
        parts.append(_text(left - 8, y + 15, name, "end"))
        parts.append(
            _rect(
                start,
                y + 3,
                max(end - start, 0.5),
                row - 6,
                fill,
                f"{name}: {number(value, digits)} {unit}",
            )
        )
        parts.append(_text(max(end, x(0.0)) + 5, y + 15, number(value, digits), css="muted"))
    parts.append(
        f'<line class="axis" x1="{_f(x(0))}" x2="{_f(x(0))}" y1="2" y2="{_f(height - 2)}"/>'
    )
    return _svg(width, height, "".join(parts), label)


def paired_bars(
    items: Sequence[tuple[str, float, float]],
    names: tuple[str, str],
    *,
    unit: str,
    label: str,
    width: float = 760,
) -> str:
    """Two horizontal bars per item (A and B), from a zero line."""
    if not items:
        return ""
    palette = (PALETTE[0], PALETTE[1])
    left = _label_width(s for s, _, _ in items)
    right = 90.0
    values = [v for _, a, b in items for v in (a, b)]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    plot = width - left - right
    row = 34.0
    height = row * len(items) + 8

    def x(value: float) -> float:
        return left + plot * (value - low) / span

    parts = []
    for i, (name, a, b) in enumerate(items):
        y = 4 + i * row
        parts.append(_text(left - 8, y + 20, name, "end"))
        for k, value in enumerate((a, b)):
            start, end = sorted((x(0.0), x(value)))
            top = y + 3 + k * 14
            title = f"{name}, {names[k]}: {number(value)} {unit}"
            parts.append(_rect(start, top, max(end - start, 0.5), 12, palette[k], title))
            parts.append(_text(max(end, x(0.0)) + 5, top + 10, number(value), css="muted"))
    parts.append(
        f'<line class="axis" x1="{_f(x(0))}" x2="{_f(x(0))}" y1="2" y2="{_f(height - 2)}"/>'
    )
    key = legend(dict(zip(names, palette, strict=True)))
    return key + _svg(width, height, "".join(parts), label)


@dataclass(frozen=True)
class ShareBar:
    """One bar of a stacked share chart: its label, the total it divides (NaN: none shown),
    and the shares by group."""

    label: str
    total: float
    shares: Mapping[str, float]


def stacked_shares(
    rows: Sequence[ShareBar],
    palette: Mapping[str, str],
    *,
    unit: str,
    label: str,
    width: float = 900,
    gaps: Iterable[int] = (),
) -> str:
    """100 % stacked horizontal bars, one per row, split by group; a gap before each row index
    in `gaps` (to separate products)."""
    if not rows:
        return ""
    left = _label_width(r.label for r in rows)
    right = 70.0
    plot = width - left - right
    row, gap = 18.0, 8.0
    before = {i for i in gaps if 0 < i < len(rows)}
    height = 22.0 + row * len(rows) + gap * len(before) + 6
    parts = []
    y = 22.0
    for tick in range(0, 101, 25):
        tx = left + plot * tick / 100
        parts.append(_line(tx, tx, 18, height - 4, "grid"))
        parts.append(_text(tx, 13, f"{tick} %", "middle", "muted"))
    for i, bar in enumerate(rows):
        if i in before:
            y += gap
        parts.append(_text(left - 8, y + 13, bar.label, "end"))
        x = left
        known = bar.total == bar.total  # not NaN: the bar has a total to show
        for group, share in bar.shares.items():
            if share <= 0:
                continue
            w = plot * share
            title = f"{bar.label}: {group} {percent(share)}"
            if known:
                title += f" ({number(share * bar.total, 1)} of {number(bar.total, 1)} {unit})"
            parts.append(_rect(x, y + 2, w, row - 3, palette.get(group, "#999"), title))
            x += w
        if known:
            parts.append(_text(left + plot + 6, y + 13, number(bar.total, 1), css="muted"))
        y += row
    shown = {g for bar in rows for g, v in bar.shares.items() if v > 0}
    key = legend({g: c for g, c in palette.items() if g in shown})
    return key + _svg(width, height, "".join(parts), label)


def sankey(
    links: Sequence[tuple[str, str, str, float]],
    *,
    heads: tuple[str, str, str],
    unit: str,
    label: str,
    palette: Mapping[str, str] | None = None,
    order: Sequence[Sequence[str]] = ((), (), ()),
    width: float = 900,
    height: float | None = None,
) -> str:
    """Flows through three columns of nodes (e.g. region -> product -> market): `links` are
    (left, middle, right, quantity); band widths are proportional to the quantity. Nodes are
    placed in `order` (one list per column; others after, as they come). The height grows with
    the nodes of the fullest column unless given."""
    links = [link for link in links if link[3] > 0]
    if not links:
        return ""
    columns: list[dict[str, float]] = [{}, {}, {}]
    first: dict[tuple[str, str], float] = {}
    second: dict[tuple[str, str], float] = {}
    for a, b, c, q in links:
        for k, node in enumerate((a, b, c)):
            columns[k][node] = columns[k].get(node, 0.0) + q
        first[(a, b)] = first.get((a, b), 0.0) + q
        second[(b, c)] = second.get((b, c), 0.0) + q
    for k, column in enumerate(columns):
        rank = {node: i for i, node in enumerate(order[k])}
        columns[k] = dict(sorted(column.items(), key=lambda item: rank.get(item[0], len(rank))))
    total = sum(columns[0].values())
    gap = 8.0
    top = 26.0
    most = max(len(c) for c in columns)
    height = height or max(200.0, min(720.0, 70.0 + 36.0 * most))
    scale = (height - top - 8 - gap * (most - 1)) / total
    node_width = 14.0
    label_room = _label_width([*columns[0], *columns[2]], 200)
    xs = (label_room, width / 2 - node_width / 2, width - label_room - node_width)
    palette = dict(palette or colours(columns[0]))
    positions: list[dict[str, float]] = []
    parts = []
    for k, column in enumerate(columns):
        used = sum(column.values()) * scale + gap * (len(column) - 1)
        y = top + (height - top - 8 - used) / 2
        placed = {}
        for node, q in column.items():
            placed[node] = y
            h = max(q * scale, 1.0)
            fill = palette.get(node, "#6b7280") if k == 0 else "#6b7280"
            parts.append(
                _rect(xs[k], y, node_width, h, fill, f"{heads[k]} {node}: {number(q, 1)} {unit}")
            )
            if k == 0:
                parts.append(_text(xs[k] - 6, y + h / 2 + 4, node, "end"))
            elif k == 2:
                parts.append(_text(xs[k] + node_width + 6, y + h / 2 + 4, node))
            else:
                parts.append(_text(xs[k] + node_width + 4, y + h / 2 + 4, node))
            y += q * scale + gap
        positions.append(placed)
    for k, head in enumerate(heads):
        anchor = ("start", "middle", "end")[k]
        hx = (4, xs[1] + node_width / 2, width - 4)[k]
        parts.append(_text(hx, 14, head, anchor, "muted"))
    bands = []
    for k, pairs in enumerate((first, second)):
        out = dict(positions[k])
        into = dict(positions[k + 1])
        order = list(positions[k + 1])
        ordered = sorted(pairs.items(), key=lambda item: (item[0][0], order.index(item[0][1])))
        ordered.sort(key=lambda item: list(positions[k]).index(item[0][0]))
        for (a, b), q in ordered:
            w = q * scale
            x0, x1 = xs[k] + node_width, xs[k + 1]
            y0, y1 = out[a], into[b]
            out[a] += w
            into[b] += w
            mid = (x0 + x1) / 2
            colour = palette.get(a, "#6b7280") if k == 0 else "#8a93a3"
            d = (
                f"M{_f(x0)},{_f(y0)}C{_f(mid)},{_f(y0)} {_f(mid)},{_f(y1)} {_f(x1)},{_f(y1)}"
                f"L{_f(x1)},{_f(y1 + w)}C{_f(mid)},{_f(y1 + w)} {_f(mid)},{_f(y0 + w)} "
                f"{_f(x0)},{_f(y0 + w)}Z"
            )
            title = f"{a} \u2192 {b}: {number(q, 1)} {unit}"
            bands.append(
                f'<path d="{d}" fill="{colour}" fill-opacity="0.45">'
                f"<title>{esc(title)}</title></path>"
            )
    return _svg(width, height, "".join(bands) + "".join(parts), label)


def line_chart(
    series: Sequence[tuple[str, Sequence[tuple[float, float]]]],
    *,
    xlabel: str,
    ylabel: str,
    label: str,
    marks: Sequence[tuple[float, float, str]] = (),
    gaps: Sequence[float] = (),
    width: float = 760,
    height: float = 380,
) -> str:
    """Lines through points (x, y), one per series; `marks` are labelled points (breakpoints),
    `gaps` x values without a plan (dotted vertical lines)."""
    points = [p for _, line in series for p in line]
    if not points:
        return ""
    xs = [p[0] for p in points] + list(gaps)
    ys = [p[1] for p in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(ys), max(ys)
    if x_high == x_low:
        x_low, x_high = x_low - 1, x_high + 1
    pad = (y_high - y_low) * 0.08 or max(abs(y_high) * 0.05, 1.0)
    y_low, y_high = y_low - pad, y_high + pad
    left, right, top, bottom = 90.0, 30.0, 16.0, 50.0
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(x: float) -> float:
        return left + plot_w * (x - x_low) / (x_high - x_low)

    def py(y: float) -> float:
        return top + plot_h * (1 - (y - y_low) / (y_high - y_low))

    parts = []
    for i in range(5):
        value = y_low + (y_high - y_low) * i / 4
        parts.append(_line(left, left + plot_w, py(value), py(value), "grid"))
        parts.append(_text(left - 6, py(value) + 4, _tick(value), "end", "muted"))
    for i in range(5):
        value = x_low + (x_high - x_low) * i / 4
        parts.append(_text(px(value), top + plot_h + 16, _tick(value), "middle", "muted"))
    parts.append(_line(left, left + plot_w, top + plot_h, top + plot_h))
    parts.append(_line(left, left, top, top + plot_h))
    parts.append(_text(left + plot_w / 2, height - 8, xlabel, "middle"))
    parts.append(
        f'<text x="14" y="{_f(top + plot_h / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_f(top + plot_h / 2)})">{esc(ylabel)}</text>'
    )
    for x in gaps:
        title = esc(f"no plan at {_tick(x)}")
        parts.append(
            f'<line class="gap" x1="{_f(px(x))}" x2="{_f(px(x))}" y1="{_f(top)}" '
            f'y2="{_f(top + plot_h)}"><title>{title}</title></line>'
        )
    palette = colours(name for name, _ in series)
    for name, line in series:
        line = sorted(line)
        colour = palette[name]
        if len(line) > 1:
            path = " ".join(f"{_f(px(x))},{_f(py(y))}" for x, y in line)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y in line:
            title = f"{name + ': ' if name else ''}{xlabel} {_tick(x)}: {number(y)}"
            parts.append(
                f'<circle cx="{_f(px(x))}" cy="{_f(py(y))}" r="3.5" fill="{colour}">'
                f"<title>{esc(title)}</title></circle>"
            )
    for x, y, text in marks:
        parts.append(
            f'<circle cx="{_f(px(x))}" cy="{_f(py(y))}" r="6" fill="none" stroke="{PALETTE[2]}" '
            f'stroke-width="2"><title>{esc(f"{text} at {_tick(x)}: {number(y)}")}</title></circle>'
        )
        parts.append(_text(px(x) + 8, py(y) - 8, text))
    key = legend(palette) if len(series) > 1 else ""
    return key + _svg(width, height, "".join(parts), label)


def _tick(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"
