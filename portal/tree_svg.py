"""Troubleshooting trees drawn as SVG on the server, in pure Python.

Authors must see the diagram, and the site serves no Mermaid JavaScript (the
Content-Security-Policy allows no CDN) and does not depend on graphviz. Trees are
small (a few dozen boxes), so a plain layered drawing, as ``dot`` makes it, is enough:

1. rows: each node on the row of its longest path from the start, the outcomes on
   the bottom row; an edge that closes a cycle (the build rejects those) is turned
   round for the layout only, so a broken tree still draws;
2. every edge gets a box for its label on the row below its upper end, and a bend
   point on each further row it crosses, so no arrow or label crosses a box;
3. order within rows: a few barycenter sweeps, keeping the order with fewest crossings;
4. x: each box pulled towards its neighbours while rows keep their order and
   spacing (exactly, by weighted isotonic regression); right-to-left trees mirrored;
5. arrows run straight down through every row and curve only in the gaps.

Colours and shapes are SVG presentation attributes, never ``style``: the page's
CSP refuses inline styles, and a downloaded file must look the same on its own.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from portal.content.trees import ESCALATE, NOT_SOLVED, QUESTION, SOLUTION, SOLVED, TICKET
from portal.tree_diagram import MISSING, OPTION, PALETTE, DiagramEdge, DiagramNode, outline

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Noto Sans Hebrew', Arial, sans-serif"
TEXT_SIZE, ID_SIZE, LABEL_SIZE = 13, 11, 12  # px: box text, the node id above it, arrow labels
LINE_HEIGHT = 1.3  # in font sizes
NODE_WIDTH = (120, 230)  # narrowest and widest box
NODE_LINES, LABEL_LINES = 4, 2  # lines of text before "…"
LABEL_WIDTH = 170
PAD_X, PAD_Y = 12, 8
NOTCH = 12  # how far an escalation's hexagon points out
MARGIN = 24
ROW_GAP = 32  # between rows, where arrows curve
START_ROOM = 34  # above the top row, for the start marker
LEGEND_ROOM = 36
BEND_WEIGHT, LABEL_WEIGHT = 8.0, 2.0  # long arrows stay straight, labels near their arrow; boxes give way
SWEEPS, PASSES = 4, 8
INK, MUTED, BACKGROUND = "#1b2430", "#52606d", "#ffffff"
EDGE_COLOURS = {OPTION: "#52606d", SOLVED: "#2b7a4b", NOT_SOLVED: "#7b8794", TICKET: "#b45309"}
OUTCOMES = (SOLVED, TICKET)
LEGEND = [
    (QUESTION, "Question"),
    (SOLUTION, "Solution"),
    (ESCALATE, "Escalation"),
    (SOLVED, "Solved"),
    (TICKET, "Ticket to support"),
    (NOT_SOLVED, "Not solved"),
    (MISSING, "No such node"),
]
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass
class Box:
    """Anything with a place in a row: a node, an arrow's label, or the bend point
    where a long arrow crosses a row. ``x`` and ``y`` are its centre; ``margin`` is
    the room kept clear on each side; ``weight`` how firmly it holds its place."""

    key: str
    rank: int
    width: float
    height: float
    lines: tuple[str, ...] = ()
    node: DiagramNode | None = None
    margin: float = 14.0
    weight: float = 1.0
    x: float = 0.0
    y: float = 0.0

    @property
    def top(self) -> float:
        return self.y - self.height / 2

    @property
    def bottom(self) -> float:
        return self.y + self.height / 2


@dataclass(frozen=True)
class Route:
    """An arrow as SVG path data, and the box of its label: none for an arrow from
    a node to itself, whose label ``beside`` its loop is (x, y, text-anchor)."""

    edge: DiagramEdge
    d: str
    label: Box | None
    beside: tuple[float, float, str] | None = None


@dataclass(frozen=True)
class Layout:
    """Where everything goes, (0, 0) being the top left of the drawing."""

    width: float
    height: float
    nodes: dict[str, Box]
    routes: list[Route]


# --- text --------------------------------------------------------------------------


def text_width(text: str, size: float) -> float:
    """An estimate of ``text``'s width in px without font metrics: per-class
    advances a little wider than common sans-serif faces, so text stays inside."""
    total = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if unicodedata.east_asian_width(ch) in "WF":
            total += 1.0
        elif ch in "iljtfI.,:;'|!`·":
            total += 0.32
        elif ch in "mwMW@%—":
            total += 0.9
        elif ch.isupper() or ch.isdigit():
            total += 0.68
        else:
            total += 0.58
    return total * size


def _ellipsize(line: str, width: float, size: float) -> str:
    """``line`` ending in "…" within ``width``: whole words go first."""
    while " " in line and text_width(line + "…", size) > width:
        line = line.rsplit(" ", 1)[0]
    while line and text_width(line + "…", size) > width:
        line = line[:-1]
    return line.rstrip(" .,;:-–—") + "…"


def wrap(text: str, width: float, size: float, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` px; a word wider than a line is cut, and text
    beyond ``max_lines`` ends in "…"."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if text_width(trial, size) <= width:
            line = trial
            continue
        if line:
            lines.append(line)
        while len(word) > 1 and text_width(word, size) > width:
            cut = next((n for n in range(len(word) - 1, 1, -1) if text_width(word[:n], size) <= width), 1)
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _ellipsize(lines[max_lines - 1], width, size)]
    return lines


# --- layout ------------------------------------------------------------------------


def _node_box(node: DiagramNode, indegree: int) -> Box:
    if node.kind in OUTCOMES:  # wide enough for every arrow to arrive apart
        width = max(text_width(node.label, TEXT_SIZE) * 1.1 + 40, 60 + 16 * indegree)
        return Box(node.ref, 0, width, 34, (node.label,), node)
    sides = 2 * PAD_X + (2 * NOTCH if node.kind == ESCALATE else 0)
    lines = tuple(wrap(node.label, NODE_WIDTH[1] - sides, TEXT_SIZE, NODE_LINES))
    widest = max([text_width(s, TEXT_SIZE) for s in lines] + [text_width(node.id, ID_SIZE)])
    width = min(max(widest + sides, NODE_WIDTH[0]), NODE_WIDTH[1])
    height = 2 * PAD_Y + ID_SIZE * LINE_HEIGHT + 2 + len(lines) * TEXT_SIZE * LINE_HEIGHT
    return Box(node.ref, 0, width, height, lines, node)


def _label_box(key: str, rank: int, edge: DiagramEdge) -> Box:
    lines = tuple(wrap(edge.label, LABEL_WIDTH, LABEL_SIZE, LABEL_LINES)) or ("",)
    width = max(text_width(s, LABEL_SIZE) for s in lines) + 12
    height = len(lines) * LABEL_SIZE * LINE_HEIGHT + 6
    return Box(key, rank, width, height, lines, margin=8, weight=LABEL_WEIGHT)


def _back_edges(order: list[str], edges: list[DiagramEdge]) -> set[int]:
    """Indexes of the edges that close a cycle, self-loops included: depth-first
    from the start node (``order[0]``), then from any box it does not reach."""
    out: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for i, e in enumerate(edges):
        out[e.source].append((i, e.target))
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    back: set[int] = set()
    for root in order:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            ref, todo = stack[-1]
            for i, target in todo:
                if state.get(target) == 1:
                    back.add(i)
                elif target not in state:
                    state[target] = 1
                    stack.append((target, iter(out[target])))
                    break
            else:
                state[ref] = 2
                stack.pop()
    return back


def _layers(nodes: list[DiagramNode], links: list[tuple[str, str]]) -> dict[str, int]:
    """Longest path from the roots over the acyclic ``links`` (upper, lower); the
    outcomes on one row below everything else."""
    indegree = {n.ref: 0 for n in nodes}
    lower_of: dict[str, list[str]] = defaultdict(list)
    for upper, lower in links:
        lower_of[upper].append(lower)
        indegree[lower] += 1
    layer = dict.fromkeys(indegree, 0)
    ready = [ref for ref, d in indegree.items() if d == 0]
    while ready:
        ref = ready.pop()
        for lower in lower_of[ref]:
            layer[lower] = max(layer[lower], layer[ref] + 1)
            indegree[lower] -= 1
            if indegree[lower] == 0:
                ready.append(lower)
    outcomes = {n.ref for n in nodes if n.kind in OUTCOMES}
    bottom = max((n for ref, n in layer.items() if ref not in outcomes), default=-1) + 1
    return {ref: bottom if ref in outcomes else n for ref, n in layer.items()}


class _Graph:
    """The boxes by row, linked row to row along each edge's chain."""

    def __init__(self) -> None:
        self.rows: dict[int, list[Box]] = defaultdict(list)
        self.above: dict[str, list[Box]] = defaultdict(list)
        self.below: dict[str, list[Box]] = defaultdict(list)

    def add(self, box: Box) -> None:
        self.rows[box.rank].append(box)

    def chain(self, boxes: list[Box]) -> None:
        for a, b in pairwise(boxes):
            self.below[a.key].append(b)
            self.above[b.key].append(a)

    def crossings(self) -> int:
        pos = {b.key: i for row in self.rows.values() for i, b in enumerate(row)}
        total = 0
        for row in self.rows.values():
            links = [(pos[a.key], pos[b.key]) for a in row for b in self.below[a.key]]
            total += sum((p[0] - q[0]) * (p[1] - q[1]) < 0 for i, p in enumerate(links) for q in links[i + 1 :])
        return total


def _first_order(graph: _Graph, roots: list[Box]) -> None:
    """Rows in depth-first order from the start, so each subtree starts together."""
    seen: dict[str, int] = {}
    for root in roots:
        stack = [root]
        while stack:
            box = stack.pop()
            if box.key not in seen:
                seen[box.key] = len(seen)
                stack.extend(reversed(graph.below[box.key]))
    for row in graph.rows.values():
        row.sort(key=lambda b: seen.get(b.key, len(seen)))


def _barycenter(row: list[Box], neighbours: dict[str, list[Box]], other: list[Box]) -> None:
    """Sort ``row`` by the mean position of each box's neighbours in the ``other``
    row; a box without any keeps its place, and ties keep their order."""
    pos = {b.key: i for i, b in enumerate(other)}
    keys = {}
    for i, box in enumerate(row):
        linked = [pos[n.key] for n in neighbours[box.key] if n.key in pos]
        keys[box.key] = (sum(linked) / len(linked) if linked else float(i), i)
    row.sort(key=lambda b: keys[b.key])


def _under_sources(graph: _Graph, r: int) -> None:
    """A label row in the order of the row above, and each node's labels in the
    order of where their arrows go: every answer sits right under its question,
    and arrows cross, if they must, after their labels."""
    above = {b.key: i for i, b in enumerate(graph.rows.get(r - 1, []))}
    below = {b.key: i for i, b in enumerate(graph.rows.get(r + 1, []))}
    graph.rows[r].sort(
        key=lambda b: (
            min((above[n.key] for n in graph.above[b.key] if n.key in above), default=0),
            min((below[n.key] for n in graph.below[b.key] if n.key in below), default=0),
        )
    )


def _reorder(graph: _Graph) -> None:
    """Barycenter sweeps down and up, keeping the order with fewest crossings
    (ties go to the earlier order: a tree already drawn well is left alone).
    Node rows have even ranks; the label rows between them follow the nodes."""
    ranks = sorted(graph.rows)
    best, fewest = {r: list(graph.rows[r]) for r in ranks}, graph.crossings()
    for _ in range(SWEEPS):
        for sweep, neighbours, step in ((ranks[1:], graph.above, -1), (ranks[-2::-1], graph.below, 1)):
            for r in sweep:
                if r % 2:
                    _under_sources(graph, r)
                else:
                    _barycenter(graph.rows[r], neighbours, graph.rows.get(r + step, []))
        if (count := graph.crossings()) < fewest:
            best, fewest = {r: list(graph.rows[r]) for r in ranks}, count
    graph.rows.update(best)


def _fit(row: list[Box], wanted: list[float]) -> None:
    """Put ``row``'s boxes as near ``wanted`` as their weights allow, in order and
    apart: with y = x less the spacing so far, this is isotonic regression, solved
    exactly by pooling adjacent violators."""
    offsets = [0.0]
    for a, b in pairwise(row):
        offsets.append(offsets[-1] + (a.width + b.width) / 2 + a.margin + b.margin)
    blocks: list[tuple[float, float, int]] = []  # weighted sum, weight, boxes
    for box, want, offset in zip(row, wanted, offsets, strict=True):
        block = (box.weight * (want - offset), box.weight, 1)
        while blocks and blocks[-1][0] / blocks[-1][1] > block[0] / block[1]:
            last = blocks.pop()
            block = (last[0] + block[0], last[1] + block[1], last[2] + block[2])
        blocks.append(block)
    i = 0
    for total, weight, count in blocks:
        for _ in range(count):
            row[i].x = total / weight + offsets[i]
            i += 1


def _place(graph: _Graph) -> None:
    """x for every box: packed, then pulled towards its neighbours row by row."""
    ranks = sorted(graph.rows)
    for r in ranks:
        _fit(graph.rows[r], [0.0] * len(graph.rows[r]))
    for _ in range(PASSES):
        for sweep, neighbours in ((ranks[1:], graph.above), (ranks[-2::-1], graph.below)):
            for r in sweep:
                wanted = []
                for box in graph.rows[r]:
                    xs = [n.x for n in neighbours[box.key]]
                    if box.lines and box.node is None:  # a label: mostly under its source
                        xs = [n.x for n in graph.above[box.key]] * 2 + [n.x for n in graph.below[box.key]]
                    wanted.append(sum(xs) / len(xs) if xs else box.x)
                _fit(graph.rows[r], wanted)


def _ports(box: Box, ends: list[Box]) -> dict[str, float]:
    """x of each arrow on one side of ``box``, spread in the order of the boxes at
    their other ends, so arrows leave and arrive without crossing."""
    inset = box.height / 2 if box.node and box.node.kind in OUTCOMES else PAD_X + NOTCH
    keys = [b.key for b in sorted(ends, key=lambda b: b.x)]
    if len(keys) < 2:
        return dict.fromkeys(keys, box.x)
    step = min(36.0, max(box.width - 2 * inset, 0.0) / (len(keys) - 1))
    return {k: box.x + (i - (len(keys) - 1) / 2) * step for i, k in enumerate(keys)}


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _path(spans: list[tuple[float, float, float]]) -> str:
    """Straight along each (x, from y, to y) span, curving between spans with
    vertical tangents, so every arrow meets its box head on."""
    x, y0, y1 = spans[0]
    d = [f"M{_n(x)},{_n(y0)}"] + ([f"V{_n(y1)}"] if y1 != y0 else [])
    for nx, ny0, ny1 in spans[1:]:
        mid = (y1 + ny0) / 2
        d.append(f"C{_n(x)},{_n(mid)} {_n(nx)},{_n(mid)} {_n(nx)},{_n(ny0)}")
        if ny1 != ny0:
            d.append(f"V{_n(ny1)}")
        x, y1 = nx, ny1
    return " ".join(d)


def _loop(box: Box, edge: DiagramEdge, rtl: bool) -> Route:
    """A node that leads to itself (a cycle the build rejects): a loop on its side."""
    side, sign = (box.x - box.width / 2, -1) if rtl else (box.x + box.width / 2, 1)
    d = f"M{_n(side)},{_n(box.y - 8)} c{_n(sign * 36)},-14 {_n(sign * 36)},30 0,16"
    return Route(edge, d, None, (side + sign * 40, box.y + 4, "end" if rtl else "start"))


def layout(nodes: list[DiagramNode], edges: list[DiagramEdge], *, rtl: bool = False) -> Layout:
    """Places the boxes of :func:`portal.tree_diagram.outline` and routes its arrows."""
    refs = {n.ref for n in nodes}
    edges = [e for e in edges if e.source in refs and e.target in refs]
    back = _back_edges([n.ref for n in nodes], edges)
    ends = [(e.target, e.source) if i in back else (e.source, e.target) for i, e in enumerate(edges)]
    layer = _layers(nodes, [(upper, lower) for upper, lower in ends if upper != lower])
    boxes = {n.ref: _node_box(n, sum(e.target == n.ref for e in edges)) for n in nodes}
    graph, chains = _Graph(), {}
    for box in boxes.values():
        box.rank = 2 * layer[box.key]
        graph.add(box)
    for i, (upper, lower) in enumerate(ends):
        if upper == lower:  # room beside the node for its loop and label
            boxes[upper].margin += 40 + text_width(edges[i].label[:16], LABEL_SIZE)
            continue
        top, bottom = boxes[upper].rank, boxes[lower].rank
        middle = [_label_box(f"e{i}", top + 1, edges[i])]
        middle += [Box(f"e{i}.{r}", r, 0, 0, margin=6, weight=BEND_WEIGHT) for r in range(top + 2, bottom)]
        for box in middle:
            graph.add(box)
        chains[i] = [boxes[upper], *middle, boxes[lower]]
        graph.chain(chains[i])
    _first_order(graph, [boxes[n.ref] for n in nodes if n.start] + list(boxes.values()))
    _reorder(graph)
    _place(graph)

    every = [b for row in graph.rows.values() for b in row]
    left = min((b.x - b.width / 2 - b.margin for b in every), default=0.0)
    width = max((b.x + b.width / 2 + b.margin for b in every), default=0.0) - left
    rows: dict[int, tuple[float, float]] = {}  # rank: (top, bottom)
    y = 0.0
    last = max(graph.rows, default=-1)
    for r in range(last + 1):
        if r == last and r > 0:  # every arrow to an outcome converges here: room to do it gently
            y += ROW_GAP
        height = max((b.height for b in graph.rows.get(r, [])), default=0.0)
        rows[r] = (y, y + height)
        for b in graph.rows.get(r, []):
            b.x = width - (b.x - left) if rtl else b.x - left
            b.y = y + height / 2
        y += height + ROW_GAP

    leaving = {key: _ports(boxes[key], ends) for key, ends in graph.below.items() if key in boxes}
    arriving = {key: _ports(boxes[key], ends) for key, ends in graph.above.items() if key in boxes}
    routes = []
    for i, edge in enumerate(edges):
        if i not in chains:
            routes.append(_loop(boxes[edge.source], edge, rtl))
            continue
        first, *middle, last = chains[i]
        spans = [(leaving[first.key][middle[0].key], first.bottom, rows[first.rank][1])]
        spans += [(b.x, *rows[b.rank]) for b in middle]
        spans.append((arriving[last.key][middle[-1].key], rows[last.rank][0], last.top))
        if i in back:  # drawn the way it goes: up, into the bottom of its target
            spans = [(x, y1, y0) for x, y0, y1 in reversed(spans)]
        routes.append(Route(edge, _path(spans), middle[0]))
    return Layout(width, max(y - ROW_GAP, 0.0), boxes, routes)


# --- drawing -----------------------------------------------------------------------


def esc(text: str) -> str:
    """``text`` safe as XML character data or a quoted attribute value: markup
    escaped, and the characters XML forbids (control characters) dropped."""
    return html.escape(_NOT_XML.sub("", text), quote=True)


def _text(x: float, y: float, content: str, size: float, fill: str, **options: Any) -> str:
    """One line of text, centred unless ``anchor`` says otherwise; right-to-left
    text is embedded as such, so Hebrew reads right to left with its Latin words."""
    attrs = f' text-anchor="{options.get("anchor", "middle")}"'
    if options.get("bold"):
        attrs += ' font-weight="bold"'
    if options.get("rtl"):
        attrs += ' direction="rtl" unicode-bidi="embed"'
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}"{attrs}>{esc(content)}</text>'


def _shape(kind: str, box: Box, stroke_width: float) -> str:
    fill, stroke, _ = PALETTE.get(kind, PALETTE[MISSING])
    x0, x1, y0, y1 = box.x - box.width / 2, box.x + box.width / 2, box.top, box.bottom
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(stroke_width)}"'
    if kind == ESCALATE:
        notch = min(NOTCH, box.height / 2)
        points = [(x0 + notch, y0), (x1 - notch, y0), (x1, box.y), (x1 - notch, y1), (x0 + notch, y1), (x0, box.y)]
        return f'<polygon class="shape" points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}" {paint}/>'
    radius = {QUESTION: 3, SOLUTION: min(14, box.height / 2)}.get(kind, box.height / 2 if kind in OUTCOMES else 0)
    dash = ' stroke-dasharray="5 3"' if kind == MISSING else ""
    return (
        f'<rect class="shape" x="{_n(x0)}" y="{_n(y0)}" width="{_n(box.width)}" height="{_n(box.height)}"'
        f' rx="{_n(radius)}" {paint}{dash}/>'
    )


def _node(box: Box) -> list[str]:
    node = box.node
    assert node is not None
    colour = PALETTE.get(node.kind, PALETTE[MISSING])[2]
    classes = f"node node-{node.kind}" + (" node-start" if node.start else "")
    out = [f'<g class="{esc(classes)}">', f"<title>{esc(f'{node.kind_name} {node.id}: {node.label}')}</title>"]
    out.append(_shape(node.kind, box, 3 if node.start else 1.5))
    if node.kind in OUTCOMES:
        out.append(_text(box.x, box.y + TEXT_SIZE * 0.36, node.label, TEXT_SIZE, colour, bold=True))
    else:
        out.append(_text(box.x, box.top + PAD_Y + ID_SIZE, node.id, ID_SIZE, MUTED if colour == INK else colour))
        first = box.top + PAD_Y + ID_SIZE * LINE_HEIGHT + 2 + TEXT_SIZE
        rtl = node.dir == "rtl"
        for i, line in enumerate(box.lines):
            out.append(_text(box.x, first + i * TEXT_SIZE * LINE_HEIGHT, line, TEXT_SIZE, colour, rtl=rtl))
    if node.start:
        out.append(f'<circle cx="{_n(box.x)}" cy="{_n(box.top - 26)}" r="6" fill="{INK}"/>')
        out.append(
            f'<path d="M{_n(box.x)},{_n(box.top - 20)} V{_n(box.top)}" stroke="{INK}" stroke-width="1.5"'
            ' marker-end="url(#tree-diagram-arrow-start)"/>'
        )
        out.append(_text(box.x + 12, box.top - 22, "Start", ID_SIZE, INK, anchor="start", bold=True))
    return [*out, "</g>"]


def _edge(route: Route, names: dict[str, str]) -> list[str]:
    e = route.edge
    dash = ' stroke-dasharray="6 4"' if e.dashed else ""
    out = [
        f'<g class="edge edge-{esc(e.kind)}">',
        f"<title>{esc(f'{names[e.source]} → {names[e.target]}: {e.label}')}</title>",
        f'<path class="edge-line" d="{route.d}" fill="none" stroke="{EDGE_COLOURS.get(e.kind, MUTED)}"'
        f' stroke-width="1.5"{dash} marker-end="url(#tree-diagram-arrow-{esc(e.kind)})"/>',
    ]
    if route.beside:
        x, y, anchor = route.beside
        out.append(_text(x, y, e.label[:16], LABEL_SIZE, INK, anchor=anchor, rtl=e.dir == "rtl"))
    return [*out, "</g>"]


def _label(box: Box, edge: DiagramEdge) -> list[str]:
    out = [
        '<g class="edge-label">',
        f'<rect x="{_n(box.x - box.width / 2)}" y="{_n(box.top)}" width="{_n(box.width)}"'
        f' height="{_n(box.height)}" rx="4" fill="{BACKGROUND}" stroke="{EDGE_COLOURS.get(edge.kind, MUTED)}"/>',
    ]
    first = box.top + 3 + LABEL_SIZE
    for i, line in enumerate(box.lines):
        out.append(_text(box.x, first + i * LABEL_SIZE * LINE_HEIGHT, line, LABEL_SIZE, INK, rtl=edge.dir == "rtl"))
    return [*out, "</g>"]


def _legend(kinds: set[str]) -> tuple[list[str], float]:
    """A key to the shapes, left to right; returns its elements and width."""
    out, x = ['<g class="legend">'], 0.0
    for kind, name in LEGEND:
        if kind == MISSING and kind not in kinds:
            continue
        if kind == NOT_SOLVED:
            out.append(
                f'<line x1="{_n(x)}" y1="10" x2="{_n(x + 28)}" y2="10" stroke="{EDGE_COLOURS[kind]}"'
                ' stroke-width="1.5" stroke-dasharray="6 4"/>'
            )
        else:
            out.append(_shape(kind, Box(kind, 0, 28, 16, x=x + 14, y=10), 1.5))
        out.append(_text(x + 34, 14, name, LABEL_SIZE, INK, anchor="start"))
        x += 34 + text_width(name, LABEL_SIZE) + 20
    return [*out, "</g>"], x - 20


def svg(tree: dict[str, Any], *, rtl: bool = False) -> str:
    """The tree as an ``<svg>`` element to inline in a page or save as a file:
    role="img" with a title that names it, the page's lists of nodes and edges
    being its text alternative. ``rtl`` is the tree's direction: its text reads
    right to left and each question's first answer is drawn on the right."""
    nodes, edges = outline(tree, rtl=rtl)
    drawing = layout(nodes, edges, rtl=rtl)
    legend, legend_width = _legend({n.kind for n in nodes})
    top = MARGIN + LEGEND_ROOM + (START_ROOM if any(n.start for n in nodes) else 0)
    width = max(drawing.width, legend_width) + 2 * MARGIN
    height = top + drawing.height + MARGIN
    counts = {k: sum(n.kind == k for n in nodes) for k in (QUESTION, SOLUTION, ESCALATE)}
    title = (
        f"Diagram of the troubleshooting tree “{tree.get('title') or tree.get('id', '')}”: {counts[QUESTION]} "
        f"questions, {counts[SOLUTION]} solutions and {counts[ESCALATE]} escalations"
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="tree-diagram" width="{_n(width)}" height="{_n(height)}"'
        f' viewBox="0 0 {_n(width)} {_n(height)}" role="img" aria-labelledby="tree-diagram-title"'
        # ltr: the legend and the ids read left to right even inside a right-to-left page.
        f' font-family="{esc(FONT)}" direction="ltr">',
        f'<title id="tree-diagram-title">{esc(title)}</title>',
        "<defs>",
    ]
    for kind, colour in [*EDGE_COLOURS.items(), ("start", INK)]:
        out.append(
            f'<marker id="tree-diagram-arrow-{kind}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8"'
            ' markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
            f'<polygon points="0,0 10,5 0,10" fill="{colour}"/></marker>'
        )
    out += ["</defs>", f'<rect width="100%" height="100%" fill="{BACKGROUND}"/>']
    legend_x = width - MARGIN - legend_width if rtl else MARGIN  # where reading starts
    out += [f'<g transform="translate({_n(legend_x)},{MARGIN})">', *legend, "</g>"]
    shift = (width - drawing.width) / 2  # a drawing narrower than the legend is centred
    out.append(f'<g class="drawing" transform="translate({_n(shift)},{_n(top)})">')
    names = {n.ref: n.id for n in nodes}
    out.append('<g class="edges">')
    for route in drawing.routes:
        out += _edge(route, names)
    out.append('</g>\n<g class="edge-labels">')
    for route in drawing.routes:
        if route.label is not None:
            out += _label(route.label, route.edge)
    out.append('</g>\n<g class="nodes">')
    for node in nodes:
        out += _node(drawing.nodes[node.ref])
    out += ["</g>", "</g>", "</svg>"]
    return "\n".join(out) + "\n"


def svg_document(tree: dict[str, Any], *, rtl: bool = False) -> str:
    """:func:`svg` as a file of its own, with an XML declaration."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + svg(tree, rtl=rtl)
