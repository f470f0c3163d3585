"""The page: its document shell, style, sorting script and Content-Security-Policy, the text
helpers (escaping, numbers, shares), tables and sections."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

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
