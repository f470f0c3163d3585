"""Charts as inline SVG: bars, paired bars, 100 % stacked share bars and line charts."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from sourcing.output.html.page import esc, number, percent
from sourcing.output.html.svg import (
    PALETTE,
    colours,
    coord,
    label_width,
    legend,
    rect,
    rule,
    svg,
    text_at,
)


def _value_axis(
    labels: list[str], values: list[float], width: float
) -> tuple[float, Callable[[float], float]]:
    """The left margin the bar labels need, and the x position of a value on an axis from
    min(0, values) to max(0, values), with room for the figures at the right."""
    left = label_width(labels)
    plot = width - left - 90.0
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0

    def x(value: float) -> float:
        return left + plot * (value - low) / span

    return left, x


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
    left, x = _value_axis([s for s, _ in items], [v for _, v in items], width)
    row = 22.0
    height = row * len(items) + 8
    parts = []
    for i, (name, value) in enumerate(items):
        y = 4 + i * row
        start, end = sorted((x(0.0), x(value)))
        fill = colour if value >= 0 else PALETTE[2]
        parts.append(text_at(left - 8, y + 15, name, "end"))
        parts.append(
            rect(
                start,
                y + 3,
                max(end - start, 0.5),
                row - 6,
                fill,
                f"{name}: {number(value, digits)} {unit}",
            )
        )
        parts.append(text_at(max(end, x(0.0)) + 5, y + 15, number(value, digits), css="muted"))
    parts.append(rule(x(0), x(0), 2, height - 2))
    return svg(width, height, "".join(parts), label)


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
    values = [v for _, a, b in items for v in (a, b)]
    left, x = _value_axis([s for s, _, _ in items], values, width)
    row = 34.0
    height = row * len(items) + 8
    parts = []
    for i, (name, a, b) in enumerate(items):
        y = 4 + i * row
        parts.append(text_at(left - 8, y + 20, name, "end"))
        for k, value in enumerate((a, b)):
            start, end = sorted((x(0.0), x(value)))
            top = y + 3 + k * 14
            title = f"{name}, {names[k]}: {number(value)} {unit}"
            parts.append(rect(start, top, max(end - start, 0.5), 12, palette[k], title))
            parts.append(text_at(max(end, x(0.0)) + 5, top + 10, number(value), css="muted"))
    parts.append(rule(x(0), x(0), 2, height - 2))
    key = legend(dict(zip(names, palette, strict=True)))
    return key + svg(width, height, "".join(parts), label)


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
    left = label_width(r.label for r in rows)
    right = 70.0
    plot = width - left - right
    row, gap = 18.0, 8.0
    before = {i for i in gaps if 0 < i < len(rows)}
    height = 22.0 + row * len(rows) + gap * len(before) + 6
    parts = []
    y = 22.0
    for tick in range(0, 101, 25):
        tx = left + plot * tick / 100
        parts.append(rule(tx, tx, 18, height - 4, "grid"))
        parts.append(text_at(tx, 13, f"{tick} %", "middle", "muted"))
    for i, bar in enumerate(rows):
        if i in before:
            y += gap
        parts.append(text_at(left - 8, y + 13, bar.label, "end"))
        x = left
        known = bar.total == bar.total  # not NaN: the bar has a total to show
        for group, share in bar.shares.items():
            if share <= 0:
                continue
            w = plot * share
            title = f"{bar.label}: {group} {percent(share)}"
            if known:
                title += f" ({number(share * bar.total, 1)} of {number(bar.total, 1)} {unit})"
            parts.append(rect(x, y + 2, w, row - 3, palette.get(group, "#999"), title))
            x += w
        if known:
            parts.append(text_at(left + plot + 6, y + 13, number(bar.total, 1), css="muted"))
        y += row
    shown = {g for bar in rows for g, v in bar.shares.items() if v > 0}
    key = legend({g: c for g, c in palette.items() if g in shown})
    return key + svg(width, height, "".join(parts), label)


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
        parts.append(rule(left, left + plot_w, py(value), py(value), "grid"))
        parts.append(text_at(left - 6, py(value) + 4, _tick(value), "end", "muted"))
    for i in range(5):
        value = x_low + (x_high - x_low) * i / 4
        parts.append(text_at(px(value), top + plot_h + 16, _tick(value), "middle", "muted"))
    parts.append(rule(left, left + plot_w, top + plot_h, top + plot_h))
    parts.append(rule(left, left, top, top + plot_h))
    parts.append(text_at(left + plot_w / 2, height - 8, xlabel, "middle"))
    parts.append(
        f'<text x="14" y="{coord(top + plot_h / 2)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {coord(top + plot_h / 2)})">{esc(ylabel)}</text>'
    )
    for x in gaps:
        title = esc(f"no plan at {_tick(x)}")
        parts.append(
            f'<line class="gap" x1="{coord(px(x))}" x2="{coord(px(x))}" y1="{coord(top)}" '
            f'y2="{coord(top + plot_h)}"><title>{title}</title></line>'
        )
    palette = colours(name for name, _ in series)
    for name, line in series:
        line = sorted(line)
        colour = palette[name]
        if len(line) > 1:
            path = " ".join(f"{coord(px(x))},{coord(py(y))}" for x, y in line)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for x, y in line:
            title = f"{name + ': ' if name else ''}{xlabel} {_tick(x)}: {number(y)}"
            parts.append(
                f'<circle cx="{coord(px(x))}" cy="{coord(py(y))}" r="3.5" fill="{colour}">'
                f"<title>{esc(title)}</title></circle>"
            )
    for x, y, text in marks:
        parts.append(
            f'<circle cx="{coord(px(x))}" cy="{coord(py(y))}" r="6" fill="none" '
            f'stroke="{PALETTE[2]}" stroke-width="2">'
            f"<title>{esc(f'{text} at {_tick(x)}: {number(y)}')}</title></circle>"
        )
        parts.append(text_at(px(x) + 8, py(y) - 8, text))
    key = legend(palette) if len(series) > 1 else ""
    return key + svg(width, height, "".join(parts), label)


def _tick(value: float) -> str:
    if value == 0:
        return "0"
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    return f"{value:.4g}"
