"""Diagrams of troubleshooting trees for authors: the outline, and Mermaid text.

Works on a tree as the published build stores it (``catalog.collection("trees")``:
nodes with ``kind``, HTML ``text``, ``options`` and ``if_not_solved``), so the
diagram shows exactly what customers walk. :func:`outline` gives the boxes and
arrows as plain data, for the readable lists on the diagram page and for
:mod:`portal.tree_svg`, which draws them; :func:`mermaid` writes the same outline
as ``flowchart TD`` text for authors who keep diagrams in Mermaid. Both are pure
and never raise on a broken tree (a missing node or a cycle is drawn, not
refused: the author is looking at the diagram to find such mistakes).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from portal.content.trees import ESCALATE, NOT_SOLVED, QUESTION, SOLUTION, SOLVED, TICKET

LABEL_LIMIT = 80
# Kinds of box besides the three node kinds: the two outcomes, and the target of a
# reference to a node the tree lacks (the build rejects these; a diagram shows them).
MISSING = "missing"
# Kinds of arrow: a question's answer, the two answers at a solution (``SOLVED``,
# ``NOT_SOLVED``) and an escalation's hand-off to support (``TICKET``).
OPTION = "option"
KIND_NAMES = {
    QUESTION: "question",
    SOLUTION: "solution",
    ESCALATE: "escalation",
    SOLVED: "outcome",
    TICKET: "outcome",
    MISSING: "no such node",
}
OUTCOME_LABELS = {SOLVED: "Solved", TICKET: "Ticket to support"}
# One palette for the SVG and the Mermaid classes: (fill, stroke, text colour).
PALETTE = {
    QUESTION: ("#eaf2fb", "#0b5cab", "#1b2430"),
    SOLUTION: ("#e8f5ec", "#2b7a4b", "#1b2430"),
    ESCALATE: ("#fdf0e4", "#b45309", "#1b2430"),
    SOLVED: ("#2b7a4b", "#1f5c38", "#ffffff"),
    TICKET: ("#9a3412", "#7c2d12", "#ffffff"),
    MISSING: ("#fdecec", "#b91c1c", "#7f1d1d"),
}
# Shape brackets around a quoted Mermaid label, per kind.
SHAPES = {
    QUESTION: ("{", "}"),
    SOLUTION: ("(", ")"),
    ESCALATE: ("{{", "}}"),
    SOLVED: ("([", "])"),
    TICKET: ("([", "])"),
}
# Characters that could end a label, start an entity or be read as markup,
# written as Mermaid entity codes (``#quot;``; numbers are decimal).
ESCAPES = {
    "#": "#35;",
    '"': "#quot;",
    "&": "#amp;",
    "<": "#lt;",
    ">": "#gt;",
    "[": "#91;",
    "]": "#93;",
    "(": "#40;",
    ")": "#41;",
    "{": "#123;",
    "}": "#125;",
    "|": "#124;",
    "`": "#96;",
    ";": "#59;",
}
# Tags that end a line or a block become a space ("<li>a</li><li>b</li>" → "a b");
# inline tags vanish ("<strong>Hub</strong>?" → "Hub?").
_BLOCK_TAG = re.compile(r"</?(?:p|br|li|ul|ol|div|h[1-6]|blockquote|pre|table|tr|td|th|hr|dd|dt)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class DiagramNode:
    """One box. ``id`` is what the author wrote: the node's id in the YAML file,
    ``solved`` or ``ticket`` for the outcomes, or the id an option points to when
    no node has it. ``ref`` is unique and Mermaid-safe and is what edges use, since
    a tree may well have a node called ``ticket``. ``kind`` is a node kind,
    ``SOLVED``, ``TICKET`` or ``MISSING``; ``dir`` is the direction of ``label``
    (the author's text reads in the tree's direction, generated labels are English)."""

    id: str
    ref: str
    kind: str
    label: str
    dir: str = "ltr"
    start: bool = False

    @property
    def kind_name(self) -> str:
        return KIND_NAMES.get(self.kind, self.kind)


@dataclass(frozen=True)
class DiagramEdge:
    """One arrow between two node refs. ``kind`` is ``OPTION`` (a question's
    answer), ``SOLVED`` or ``NOT_SOLVED`` (the answers at a solution) or ``TICKET``
    (an escalation's hand-off)."""

    source: str
    target: str
    label: str
    kind: str = OPTION
    dir: str = "ltr"

    @property
    def dashed(self) -> bool:
        """The "not solved" way out of a solution, drawn dashed: the path a
        customer takes when a fix failed."""
        return self.kind == NOT_SOLVED


def one_line(text: str, limit: int = LABEL_LIMIT) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis, after a
    whole word when one ends in the second half (so "link." never reads "lin…")."""
    text = _SPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" .,;:-–—") + "…"


def plain_text(html_text: str, limit: int = LABEL_LIMIT) -> str:
    """The words of an HTML fragment on one line, cut to ``limit`` characters."""
    return one_line(html.unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", html_text))), limit)


def escape_label(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label: one line, no character that
    ends the label or is read as markup."""
    return "".join(ESCAPES.get(ch, ch) for ch in _SPACE.sub(" ", text).strip())


def text_direction(text: str, default: str = "ltr") -> str:
    """The direction of ``text`` by its first strong character, as HTML's
    ``dir="auto"`` decides; ``default`` when it has none (digits, punctuation)."""
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi == "L":
            return "ltr"
        if bidi in ("R", "AL"):
            return "rtl"
    return default


class _Refs:
    """Mermaid ids: a prefix and the id with anything but ``[A-Za-z0-9_]`` as
    ``_`` (so no keyword such as ``end``), made unique with a number when two ids
    map to the same one (``fix.it`` and ``fix_it``)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, prefix: str, node_id: str) -> str:
        base = prefix + _UNSAFE_ID.sub("_", node_id)
        ref, n = base, 2
        while ref in self.taken:
            ref, n = f"{base}_{n}", n + 1
        self.taken.add(ref)
        return ref


def _label(node: dict[str, Any], node_id: str) -> tuple[str, bool]:
    """The box's text, and whether it is the customers' text (rather than the
    staff ``reason``, which stays in English in every tree, or the bare id)."""
    text = plain_text(node.get("text") or "")
    if text:
        return text, True
    if node.get("kind") == ESCALATE and node.get("reason"):
        return one_line(f"Escalate: {node['reason']}"), False
    return node_id, False


def outline(tree: dict[str, Any], *, rtl: bool = False) -> tuple[list[DiagramNode], list[DiagramEdge]]:
    """The tree's boxes and arrows. Boxes come start node first, then in file
    order, then any missing targets (in order of first mention), then the
    outcomes ``solved`` and ``ticket`` when some arrow reaches them. ``rtl`` is the
    tree's direction, given to the author's labels."""
    nodes: dict[str, dict[str, Any]] = tree.get("nodes") or {}
    start = tree.get("start", "")
    authored = "rtl" if rtl else "ltr"
    order = [start, *(n for n in nodes if n != start)] if start in nodes else list(nodes)
    refs = _Refs()
    ref_of = {node_id: refs.new("n_", node_id) for node_id in order}
    boxes: list[DiagramNode] = []
    for node_id in order:
        label, customers = _label(nodes[node_id], node_id)
        direction = authored if customers else text_direction(label)
        kind = nodes[node_id].get("kind", "")
        boxes.append(DiagramNode(node_id, ref_of[node_id], kind, label, direction, node_id == start))
    missing: dict[str, str] = {}
    outcomes = {SOLVED: "outcome_solved", TICKET: "outcome_ticket"}
    refs.taken.update(outcomes.values())

    def node_ref(target: str) -> str:
        if target in ref_of:
            return ref_of[target]
        if target not in missing:
            missing[target] = refs.new("missing_", target)
        return missing[target]

    edges: list[DiagramEdge] = []
    for node_id in order:
        node, source = nodes[node_id], ref_of[node_id]
        if node.get("kind") == QUESTION:
            for option in node.get("options") or ():
                target = node_ref(option.get("next") or "")
                edges.append(DiagramEdge(source, target, one_line(option.get("label") or ""), OPTION, authored))
        elif node.get("kind") == SOLUTION:
            edges.append(DiagramEdge(source, outcomes[SOLVED], "solved", SOLVED))
            following = node.get("if_not_solved")
            target = node_ref(following) if following else outcomes[TICKET]
            edges.append(DiagramEdge(source, target, "not solved", NOT_SOLVED))
        elif node.get("kind") == ESCALATE:
            edges.append(DiagramEdge(source, outcomes[TICKET], "contact support", TICKET))
    boxes += [DiagramNode(target, ref, MISSING, "no such node") for target, ref in missing.items()]
    reached = {e.target for e in edges}
    boxes += [DiagramNode(o, ref, o, OUTCOME_LABELS[o]) for o, ref in outcomes.items() if ref in reached]
    return boxes, edges


def mermaid(tree: dict[str, Any]) -> str:
    """The tree as Mermaid ``flowchart TD`` text: questions as rhombi, solutions
    rounded, escalations as hexagons, outcomes as stadiums, each kind in the
    colours of the SVG; an edge per option labelled with the option, and a dashed
    "not solved" edge from each solution. A missing node is a plain box."""
    nodes, edges = outline(tree)
    lines = ["flowchart TD"]
    for n in nodes:
        opening, closing = SHAPES.get(n.kind, ("[", "]"))
        label = f"{n.id}: {n.label}" if n.kind == MISSING else n.label
        lines.append(f'    {n.ref}{opening}"{escape_label(label)}"{closing}')
    for e in edges:
        arrow = "-.->" if e.dashed else "-->"
        lines.append(f'    {e.source} {arrow}|"{escape_label(e.label)}"| {e.target}')
    for kind, (fill, stroke, color) in PALETTE.items():
        members = [n.ref for n in nodes if n.kind == kind]
        if members:
            lines.append(f"    classDef {kind} fill:{fill},stroke:{stroke},color:{color}")
            lines.append(f"    class {','.join(members)} {kind}")
    start = next((n.ref for n in nodes if n.start), None)
    if start:
        lines.append("    classDef start stroke-width:3px")
        lines.append(f"    class {start} start")
    return "\n".join(lines) + "\n"
