"""The flow diagram: bands through three columns of nodes, drawn as inline SVG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sourcing.output.html.page import esc, number
from sourcing.output.html.svg import colours, coord, label_width, rect, svg, text_at


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
    label_room = label_width([*columns[0], *columns[2]], 200)
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
                rect(xs[k], y, node_width, h, fill, f"{heads[k]} {node}: {number(q, 1)} {unit}")
            )
            if k == 0:
                parts.append(text_at(xs[k] - 6, y + h / 2 + 4, node, "end"))
            elif k == 2:
                parts.append(text_at(xs[k] + node_width + 6, y + h / 2 + 4, node))
            else:
                parts.append(text_at(xs[k] + node_width + 4, y + h / 2 + 4, node))
            y += q * scale + gap
        positions.append(placed)
    for k, head in enumerate(heads):
        anchor = ("start", "middle", "end")[k]
        hx = (4, xs[1] + node_width / 2, width - 4)[k]
        parts.append(text_at(hx, 14, head, anchor, "muted"))
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
            c0, c1, m = coord(x0), coord(x1), coord(mid)
            top0, top1, low0, low1 = coord(y0), coord(y1), coord(y0 + w), coord(y1 + w)
            d = (
                f"M{c0},{top0}C{m},{top0} {m},{top1} {c1},{top1}"
                f"L{c1},{low1}C{m},{low1} {m},{low0} {c0},{low0}Z"
            )
            title = f"{a} \u2192 {b}: {number(q, 1)} {unit}"
            bands.append(
                f'<path d="{d}" fill="{colour}" fill-opacity="0.45">'
                f"<title>{esc(title)}</title></path>"
            )
    return svg(width, height, "".join(bands) + "".join(parts), label)
