"""SVG primitives shared by the charts: colours, legends, the `<svg>` element and its marks.
Every mark carries its value in a `<title>`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sourcing.output.html.page import esc

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


def colours(groups: Iterable[str]) -> dict[str, str]:
    """A colour for each group, in order."""
    return {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(dict.fromkeys(groups))}


def legend(palette: Mapping[str, str]) -> str:
    """A list of colour swatches with their group names."""
    items = "".join(
        f'<li><span style="background:{c}"></span>{esc(g)}</li>' for g, c in palette.items()
    )
    return f'<ul class="legend">{items}</ul>'


def svg(width: float, height: float, body: str, label: str) -> str:
    """An `<svg>` chart element around `body` (already SVG), labelled for screen readers."""
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{esc(label)}" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}">{body}</svg>'
    )


def coord(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def rect(x: float, y: float, w: float, h: float, fill: str, title: str, css: str = "") -> str:
    """A rectangle with its `title` shown on hover."""
    cls = f' class="{css}"' if css else ""
    size = f'width="{coord(max(w, 0.0))}" height="{coord(h)}"'
    return (
        f'<rect{cls} x="{coord(x)}" y="{coord(y)}" {size} '
        f'fill="{fill}"><title>{esc(title)}</title></rect>'
    )


def rule(x1: float, x2: float, y1: float, y2: float, css: str = "axis", extra: str = "") -> str:
    """A straight line (an axis or grid line by its class)."""
    ends = f'x1="{coord(x1)}" x2="{coord(x2)}" y1="{coord(y1)}" y2="{coord(y2)}"'
    return f'<line class="{css}" {ends}{extra}/>'


def text_at(x: float, y: float, text: str, anchor: str = "start", css: str = "") -> str:
    """A label at (x, y)."""
    cls = f' class="{css}"' if css else ""
    return f'<text{cls} x="{coord(x)}" y="{coord(y)}" text-anchor="{anchor}">{esc(text)}</text>'


def label_width(labels: Iterable[str], most: float = 320) -> float:
    """Room for the longest label at about 7 px a character."""
    return min(most, 16 + 7 * max((len(s) for s in labels), default=4))
