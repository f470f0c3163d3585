"""Building blocks of the HTML pages (`report.html`, `compare.html`): one self-contained page,
tables sortable by a click on a header, and charts drawn here as inline SVG.

A page makes no network request: its style and script are inline, it loads no font, image or
script, and its Content-Security-Policy forbids any. The figures are in the static HTML; the
script only sorts tables, and every chart mark carries its value in an SVG `<title>` (shown on
hover without any script). Every text that comes from an instance (ids, names, units, messages)
goes through `esc`; no such text is ever put inside the script.

`page` holds the document, text helpers and tables; `svg` the chart primitives; `charts` the
bars and lines; `sankey` the flow diagram.
"""

from sourcing.output.html.charts import ShareBar, bars, line_chart, paired_bars, stacked_shares
from sourcing.output.html.page import (
    POLICY,
    SCRIPT,
    STYLE,
    Cell,
    esc,
    headline,
    num,
    number,
    page,
    paragraph,
    percent,
    section,
    share_cell,
    table,
)
from sourcing.output.html.sankey import sankey
from sourcing.output.html.svg import PALETTE, colours, legend

__all__ = [
    "PALETTE",
    "POLICY",
    "SCRIPT",
    "STYLE",
    "Cell",
    "ShareBar",
    "bars",
    "colours",
    "esc",
    "headline",
    "legend",
    "line_chart",
    "num",
    "number",
    "page",
    "paired_bars",
    "paragraph",
    "percent",
    "sankey",
    "section",
    "share_cell",
    "stacked_shares",
    "table",
]
