"""Walking a troubleshooting tree: where a customer's answers lead, how far they
have still to go, and what support needs to know when they ask for a person.

Works on a tree as the published build stores it (``catalog.collection("trees")``:
``start`` and ``nodes`` with ``kind``, HTML ``text``, ``options`` and
``if_not_solved``), so the walker, the ticket form and analytics all read the
same thing. Everything here is pure and never raises on what arrives in a URL:
answers are untrusted text, and a wrong one only stops the walk early.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from portal.content.trees import ESCALATE, NOT_SOLVED, QUESTION, SOLUTION, SOLVED

# More answers than any real walk needs (trees are checked to be acyclic, so a
# walk is at most as long as the tree has nodes); the rest of a longer URL is dropped.
MAX_ANSWERS = 50
OUTCOMES = (SOLVED, NOT_SOLVED)
SEPARATOR = "."
# L10n: what the transcript says the customer answered at "Did this solve it?".
SOLVED_LABEL = "Yes, it's fixed"
NOT_SOLVED_LABEL = "Still not working"
DID_IT_SOLVE = "Did this solve it?"
# Transcript lines are for reading at a glance; a long node is cut to this many characters.
TRANSCRIPT_LIMIT = 300
FIRST_LINE_LIMIT = 160

_BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote|pre|dt|dd|td|th)>|<br\s*/?>|<(?:ul|ol|table)\b[^>]*>", re.I)
# Block tags become a space between words; inline ones (strong, a, code) vanish, so
# "a **cable**, or" reads "a cable, or" and not "a cable , or".
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|li|ul|ol|h[1-6]|blockquote|pre|table|thead|tbody|tr|td|th|dl|dt|dd|br|hr|aside|section)\b[^>]*>",
    re.I,
)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain_text(html_text: str) -> str:
    """Rendered node HTML as one line of text: tags dropped, entities decoded,
    whitespace collapsed."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", html_text or ""))
    return _SPACE.sub(" ", html.unescape(text)).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:-") + "…"


def first_line(html_text: str, limit: int = FIRST_LINE_LIMIT) -> str:
    """The first paragraph or list item of a node's text: how a solution is
    named in a transcript ("Tried: …")."""
    for chunk in _BLOCK_END.split(html_text or ""):
        text = plain_text(chunk)
        if text:
            return shorten(text, limit)
    return ""


@dataclass(frozen=True)
class Step:
    """One answer given: at question ``node_id`` (its text as plain ``question``)
    the option ``option_id`` labelled ``answer``; or, at a solution (``kind``
    ``solution``), ``not-solved`` to move on to its ``if_not_solved`` node."""

    node_id: str
    question: str
    option_id: str
    answer: str
    kind: str = QUESTION

    @property
    def prompt(self) -> str:
        """What was asked, as the breadcrumb and transcript show it."""
        return DID_IT_SOLVE if self.kind == SOLUTION else self.question


@dataclass(frozen=True)
class Walk:
    """Where answers lead in one tree: the ``steps`` taken and the node shown
    now. ``stale`` means an answer no longer exists (the tree was edited, or
    the URL tampered with) and the walk stopped at the last valid step.
    ``outcome`` is the answer to "Did this solve it?" at the current solution
    node, or ``""``."""

    tree_id: str
    steps: tuple[Step, ...]
    node_id: str
    stale: bool
    outcome: str
    kind: str = ""  # the current node's kind: question, solution or escalate

    @property
    def trail(self) -> list[str]:
        """The option ids so far: the walk's ``a=`` in a URL."""
        return [s.option_id for s in self.steps]

    @property
    def solved(self) -> bool:
        return self.outcome == SOLVED and self.kind == SOLUTION

    @property
    def escalated(self) -> bool:
        """Handed to a person: at an escalate node, or out of solutions to try."""
        return self.kind == ESCALATE or (self.kind == SOLUTION and self.outcome == NOT_SOLVED)

    @property
    def ended(self) -> bool:
        return self.solved or self.escalated


def parse_answers(raw: str) -> list[str]:
    """``a=every-device.orange`` as a list; empty parts skipped. Splits at most
    a little past :data:`MAX_ANSWERS`, so a huge value costs no more than a short one."""
    return [a for a in (raw or "").split(SEPARATOR, MAX_ANSWERS + 1)[: MAX_ANSWERS + 1] if a]


def _nodes(tree: Mapping[str, Any]) -> Mapping[str, Any]:
    nodes = tree.get("nodes")
    return nodes if isinstance(nodes, Mapping) else {}


def follow(tree: Mapping[str, Any], answers: Sequence[str], outcome: str = "") -> Walk:
    """Follow ``answers`` (option ids, and ``not-solved`` to leave a solution
    that has a next step) from the start node. Never raises: an answer that
    does not fit stops the walk there with ``stale=True``, as do answers beyond
    :data:`MAX_ANSWERS`. ``outcome`` (``solved``, or ``not-solved`` at a
    solution with nothing left to try) is kept only at a solution node it fits.

    A trailing ``solved`` / ``not-solved`` at such a solution is read as the
    outcome, so the answers of a tree's ``tests:`` lead where they do in the build.
    """
    nodes = _nodes(tree)
    tree_id = str(tree.get("id", ""))
    current = str(tree.get("start", ""))
    steps: list[Step] = []
    stale = len(answers) > MAX_ANSWERS
    answers = list(answers[:MAX_ANSWERS])
    for index, answer in enumerate(answers):
        node = nodes.get(current) or {}
        kind = node.get("kind")
        option = next((o for o in node.get("options", ()) if o.get("id") == answer), None) if kind == QUESTION else None
        if option is not None and option.get("next") in nodes:
            steps.append(Step(current, plain_text(node.get("text", "")), answer, str(option.get("label", answer))))
            current = option["next"]
        elif kind == SOLUTION and answer == NOT_SOLVED and node.get("if_not_solved") in nodes:
            steps.append(Step(current, plain_text(node.get("text", "")), NOT_SOLVED, NOT_SOLVED_LABEL, SOLUTION))
            current = node["if_not_solved"]
        elif kind == SOLUTION and answer in OUTCOMES and index == len(answers) - 1 and not outcome:
            outcome = answer
        else:
            stale = True
            break
    kind = str((nodes.get(current) or {}).get("kind", ""))
    return Walk(tree_id, tuple(steps), current, stale, _fitting_outcome(nodes, current, outcome, stale), kind)


def _fitting_outcome(nodes: Mapping[str, Any], node_id: str, outcome: str, stale: bool) -> str:
    node = nodes.get(node_id) or {}
    if stale or node.get("kind") != SOLUTION or outcome not in OUTCOMES:
        return ""
    if outcome == NOT_SOLVED and node.get("if_not_solved"):
        return ""  # there is a next step to try: that is an answer, not an outcome
    return outcome


def url_args(walk: Walk, outcome: str | None = None) -> dict[str, str]:
    """Query arguments for a URL showing ``walk`` (``a`` and ``outcome``, only when set)."""
    args = {"a": SEPARATOR.join(walk.trail), "outcome": walk.outcome if outcome is None else outcome}
    return {k: v for k, v in args.items() if v}


def ticket_url(walk: Walk) -> str:
    """The ticket form for this walk. The form recomputes the transcript from
    these arguments with :func:`follow` and :func:`transcript`, so a customer
    cannot put words in the walk's mouth."""
    query = urlencode([("tree", walk.tree_id), ("a", SEPARATOR.join(walk.trail)), ("outcome", walk.outcome)])
    return f"/tickets/new?{query}"


# --- progress -----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """How far along a walk is. ``done`` answers given; ``remaining`` is the most
    answers still needed to reach an end (the longest path from here), so the
    bar never runs backwards as the customer goes on."""

    step: int
    done: int
    remaining: int

    @property
    def complete(self) -> bool:
        return self.remaining == 0

    @property
    def total(self) -> int:
        return self.done + self.remaining

    @property
    def percent(self) -> int:
        return 100 if self.complete else round(100 * self.done / self.total)


def longest_remaining(tree: Mapping[str, Any], node_id: str) -> int:
    """The most answers between ``node_id`` and an end, counting each question
    and each "still not working" that leads on. Trees are checked to be acyclic;
    a cycle (or a missing node) still ends the count rather than looping."""
    nodes = _nodes(tree)
    memo: dict[str, int] = {}

    def depth(current: str, seen: frozenset[str]) -> int:
        if current in memo:
            return memo[current]
        node = nodes.get(current)
        if node is None or current in seen:
            return 0
        seen = seen | {current}
        following = [o.get("next") for o in node.get("options", ())] if node.get("kind") == QUESTION else []
        if node.get("kind") == SOLUTION and node.get("if_not_solved"):
            following.append(node["if_not_solved"])
        nexts = [n for n in following if n in nodes]
        memo[current] = 1 + max(depth(n, seen) for n in nexts) if nexts else 0
        return memo[current]

    return depth(node_id, frozenset())


def progress(tree: Mapping[str, Any], walk: Walk) -> Progress:
    done = len(walk.steps)
    remaining = 0 if walk.ended else longest_remaining(tree, walk.node_id)
    return Progress(step=done + 1, done=done, remaining=remaining)


# --- the transcript handed to support -----------------------------------------


@dataclass(frozen=True)
class Transcript:
    """What the ticket form shows and stores, so nobody asks the customer again.
    ``steps`` are (question, answer) pairs in order, including the answers to
    "Did this solve it?"; ``ended`` says where the walk ended, in plain text.
    ``reason`` is the escalate node's note for staff (never shown to customers)."""

    tree_id: str
    tree_title: str
    lang: str
    steps: tuple[tuple[str, str], ...]
    ended: str
    ticket_category: str
    priority: str
    node_id: str = ""
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "tree_id": self.tree_id,
            "tree_title": self.tree_title,
            "lang": self.lang,
            "steps": [{"question": q, "answer": a} for q, a in self.steps],
            "ended": self.ended,
            "ticket_category": self.ticket_category,
            "priority": self.priority,
            "node_id": self.node_id,
            "reason": self.reason,
        }

    def as_text(self) -> str:
        lines = [f"Troubleshooter: {self.tree_title}"]
        for number, (question, answer) in enumerate(self.steps, 1):
            lines += [f"{number}. {question}", f"   Answer: {answer}"]
        if self.ended:
            lines.append(f"Ended: {self.ended}")
        return "\n".join(lines)


def _tried(node: Mapping[str, Any]) -> str:
    """The solution named by its first line, ending as a sentence so a question can follow."""
    line = first_line(node.get("text", "")).rstrip(" :;,")
    return f"Tried: {line}" + ("" if line.endswith((".", "?", "!", "…")) else ".")


def _asked(question: str) -> str:
    return shorten(question, TRANSCRIPT_LIMIT)


def transcript(tree: Mapping[str, Any], walk: Walk) -> Transcript:
    nodes = _nodes(tree)
    pairs: list[tuple[str, str]] = []
    for step in walk.steps:
        if step.kind == SOLUTION:
            pairs.append((f"{_tried(nodes.get(step.node_id) or {})} {DID_IT_SOLVE}", step.answer))
        else:
            pairs.append((_asked(step.question), step.answer))
    node = nodes.get(walk.node_id) or {}
    category, priority, reason = str(tree.get("category", "")), "normal", ""
    if walk.kind == ESCALATE:
        ended = shorten(plain_text(node.get("text", "")), TRANSCRIPT_LIMIT) or str(node.get("reason", ""))
        category = node.get("ticket_category") or category
        priority = node.get("priority") or priority
        reason = str(node.get("reason", ""))
    elif walk.kind == SOLUTION:
        ended = _tried(node)
        if walk.outcome:
            pairs.append((f"{ended} {DID_IT_SOLVE}", SOLVED_LABEL if walk.solved else NOT_SOLVED_LABEL))
        if walk.solved:
            ended = "Fixed by: " + ended.removeprefix("Tried: ")
    else:
        ended = f"Stopped at: {shorten(plain_text(node.get('text', '')), TRANSCRIPT_LIMIT)}"
    return Transcript(
        tree_id=walk.tree_id,
        tree_title=str(tree.get("title", "")),
        lang=str(tree.get("lang", "en")),
        steps=tuple(pairs),
        ended=ended,
        ticket_category=category,
        priority=priority,
        node_id=walk.node_id,
        reason=reason,
    )
