"""Troubleshooting analytics: how customers walk each tree, and where they stop.

Each walker request is recorded as it is served (:func:`record`): one
:class:`~portal.models.TreeWalk` row per visitor per tree per UTC day, keyed by a
keyed hash of (visitor, tree, day), and a :class:`~portal.models.TreeStep` row
for each node reached and each answer given, once per walk. Refresh, Back and
"Start over" therefore never count twice. Nothing stored says who walked: no IP
address, no cookie value, no email. Crawlers and ``HEAD`` requests are not
recorded, and a failure to record is logged, never shown to the customer.

A walk ends *solved* (a "yes" at a solution) or *escalated* (an escalation node,
or "no" at a solution with nothing left to try); a later outcome the same day
replaces an earlier one. A walk without an outcome that has not moved for
:data:`ABANDON_AFTER` is *abandoned* at its last node; otherwise it is *in
progress*.

:func:`tree_report` and :func:`report_all` count in SQL, grouped by the
database, then build a :class:`TreeReport` from the counts with pure code that
reads labels from the published tree only. Nodes and options removed from a
tree since they were walked are listed as ``(removed)`` rather than dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from flask import current_app, request
from sqlalchemy import ColumnElement, Select, and_, case, distinct, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal import db, visitors
from portal.insights import events
from portal.models import TreeStep, TreeWalk
from portal.tree_walk import NOT_SOLVED_LABEL, SOLVED_LABEL, Walk, plain_text, shorten

# A walk with no outcome that has not moved for this long is abandoned. Long
# enough for a customer to restart a router and come back to the page.
ABANDON_AFTER = dt.timedelta(minutes=30)
SOLVED, NOT_SOLVED, ESCALATED = "solved", "not-solved", "escalated"
REACHED = ""  # TreeStep.choice for "reached this node"
REMOVED = "(removed)"
FORMATS = ("text", "json", "csv")
SOLUTION_ANSWERS = {SOLVED: SOLVED_LABEL, NOT_SOLVED: NOT_SOLVED_LABEL}
TEXT_LENGTH = 60  # node text shown in reports, in characters


def utcnow() -> dt.datetime:
    """Now in UTC, without a zone, as the tables store times (tests replace it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _as_stored(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the tables hold times: UTC without a zone (an aware time
    compared with stored ones would compare as text on SQLite)."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


# Recording -------------------------------------------------------------------------


def _insert(session: Session, table: Any) -> Any:
    """An INSERT that can say ON CONFLICT, in the session's dialect."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def step_rows(walk: Walk) -> list[tuple[str, str]]:
    """``(node, choice)`` for everything this request shows the walk did: each
    node reached, each answer, and the answer to "Did this solve it?"."""
    rows = [(step.node_id, REACHED) for step in walk.steps]
    rows.append((walk.node_id, REACHED))
    rows += [(step.node_id, step.option_id) for step in walk.steps]
    if walk.outcome in (SOLVED, NOT_SOLVED):
        rows.append((walk.node_id, walk.outcome))
    return list(dict.fromkeys(rows))  # one of each, in order


def outcome_of(walk: Walk) -> str | None:
    if walk.solved:
        return SOLVED
    if walk.escalated:
        return ESCALATED
    return None


def record_walk(
    session: Session, tree: Mapping[str, Any], walk: Walk, key: str, now: dt.datetime, visit: str | None = None
) -> None:
    """Upsert the walk ``key`` and add the steps this request shows, in one
    transaction. A request without an outcome keeps the walk's earlier one; a
    request with an outcome replaces it (the latest word counts).

    With ``visit``, the insights events go in the same transaction, once per
    walk: ``tree_start`` when the walk is first recorded, ``tree_outcome`` when
    it gets an outcome, or a different one."""
    outcome = outcome_of(walk)
    before = None if visit is None else session.execute(select(TreeWalk.outcome).where(TreeWalk.walk == key)).first()
    stmt = _insert(session, TreeWalk).values(
        walk=key,
        tree=tree["id"],
        lang=tree.get("lang") or "en",
        started=now,
        updated=now,
        last_node=walk.node_id,
        outcome=outcome,
        outcome_node=walk.node_id if outcome else None,
    )
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=["walk"],
            set_={
                "updated": now,
                "last_node": walk.node_id,
                "outcome": func.coalesce(stmt.excluded.outcome, TreeWalk.outcome),
                "outcome_node": func.coalesce(stmt.excluded.outcome_node, TreeWalk.outcome_node),
            },
        )
    )
    rows = [{"walk": key, "node": node, "choice": choice} for node, choice in step_rows(walk)]
    session.execute(_insert(session, TreeStep).values(rows).on_conflict_do_nothing())
    if visit is not None:
        subject = events.item(events.TREE, tree["id"])
        lang, category = tree.get("lang") or "en", tree.get("category") or ""
        changes = [("tree_start", "")] if before is None else []
        if outcome and (before is None or before.outcome != outcome):
            changes.append(("tree_outcome", outcome))
        for kind, detail in changes:
            session.add(
                events.make(kind, visit=visit, at=now, subject=subject, detail=detail, lang=lang, category=category)
            )
    session.commit()


def walk_key(tree_id: str, day: dt.date) -> str:
    """This visitor's walk of ``tree_id`` on ``day``: a keyed hash, one purpose
    per (day, tree), so walks cannot be linked across trees or days."""
    return visitors.hashed(f"tree-walk.{day.isoformat()}.{tree_id}")


def record(tree: Mapping[str, Any], walk: Walk) -> None:
    """Record this walker request: skipped for crawlers and ``HEAD`` requests;
    a database failure is logged and the page goes on."""
    if request.method == "HEAD" or visitors.is_bot():
        return
    now = utcnow()
    session = db.session()
    try:
        record_walk(session, tree, walk, walk_key(tree["id"], now.date()), now, visitors.visit_hash(now.date()))
    except SQLAlchemyError as exc:
        session.rollback()
        current_app.logger.warning("could not record a walk of tree %r: %s", tree["id"], exc)


# Counting --------------------------------------------------------------------------


@dataclass
class Counts:
    """What the database counted for one tree: walk totals, walks per (node,
    choice), walks that answered at each node, abandoned walks per last node."""

    started: int = 0
    solved: int = 0
    escalated: int = 0
    abandoned: int = 0
    choices: dict[tuple[str, str], int] = field(default_factory=dict)
    answered: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


def _within(stmt: Select[Any], trees: Sequence[str] | None, since: dt.date | None, until: dt.date | None) -> Any:
    """Walks of ``trees`` (all when None) started from ``since`` to ``until``, inclusive."""
    if trees is not None:
        stmt = stmt.where(TreeWalk.tree.in_(trees))
    if since is not None:
        stmt = stmt.where(TreeWalk.started >= dt.datetime.combine(since, dt.time()))
    if until is not None:
        stmt = stmt.where(TreeWalk.started < dt.datetime.combine(until + dt.timedelta(days=1), dt.time()))
    return stmt


def _abandoned(now: dt.datetime) -> ColumnElement[bool]:
    return and_(TreeWalk.outcome.is_(None), TreeWalk.updated < now - ABANDON_AFTER)


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def count_walks(
    session: Session,
    trees: Sequence[str] | None,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> dict[str, Counts]:
    """Counts per tree id, in four grouped queries whatever the number of walks."""
    found: dict[str, Counts] = defaultdict(Counts)
    abandoned = _abandoned(now)
    totals = select(
        TreeWalk.tree,
        func.count(),
        _count(TreeWalk.outcome == SOLVED),
        _count(TreeWalk.outcome == ESCALATED),
        _count(abandoned),
    ).group_by(TreeWalk.tree)
    for tree, started, solved, escalated, gave_up in session.execute(_within(totals, trees, since, until)):
        found[tree].started, found[tree].solved = int(started), int(solved)
        found[tree].escalated, found[tree].abandoned = int(escalated), int(gave_up)
    steps = select(TreeWalk.tree, TreeStep.node, TreeStep.choice, func.count()).join(
        TreeWalk, TreeStep.walk == TreeWalk.walk
    )
    steps = _within(steps, trees, since, until).group_by(TreeWalk.tree, TreeStep.node, TreeStep.choice)
    for tree, node, choice, count in session.execute(steps):
        found[tree].choices[node, choice] = int(count)
    answered = (
        select(TreeWalk.tree, TreeStep.node, func.count(distinct(TreeStep.walk)))
        .join(TreeWalk, TreeStep.walk == TreeWalk.walk)
        .where(TreeStep.choice != REACHED)
    )
    answered = _within(answered, trees, since, until).group_by(TreeWalk.tree, TreeStep.node)
    for tree, node, count in session.execute(answered):
        found[tree].answered[node] = int(count)
    dropped = select(TreeWalk.tree, TreeWalk.last_node, func.count()).where(abandoned)
    dropped = _within(dropped, trees, since, until).group_by(TreeWalk.tree, TreeWalk.last_node)
    for tree, node, count in session.execute(dropped):
        found[tree].dropped[node] = int(count)
    return dict(found)


# The report ------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCount:
    """Walks that gave one answer at a node. ``label`` is what customers read,
    or ``(removed)`` for an option no longer in the tree."""

    option_id: str
    label: str
    count: int


@dataclass(frozen=True)
class NodeStats:
    """One node: ``reached`` walks got to it, ``answered`` of them answered it
    (by option in ``answers``), ``dropped`` abandoned walks stopped here;
    ``drop_off_rate`` is dropped / reached (None before anyone reached it).
    ``kind`` is question, solution, escalate, or ``(removed)``; ``text`` the
    node's words, shortened."""

    node_id: str
    kind: str
    text: str
    reached: int
    answered: int
    answers: tuple[OptionCount, ...]
    dropped: int
    drop_off_rate: float | None


@dataclass(frozen=True)
class SolutionStats:
    """A solution: ``shown`` to so many walks, ``yes`` and ``no`` answers to
    "Did this solve it?"; ``solved_rate`` is yes / shown (a customer who did not
    answer was not helped as far as we know)."""

    node_id: str
    text: str
    shown: int
    yes: int
    no: int
    solved_rate: float | None


@dataclass(frozen=True)
class TreeReport:
    """One tree's walks started from ``since`` to ``until`` (UTC days, inclusive;
    None is open-ended), as they stood at ``now``.

    ``started`` = ``solved`` + ``escalated`` + ``abandoned`` + ``in_progress``;
    ``solved_rate`` is solved / started. ``nodes`` are in the tree's order,
    nodes no longer in the tree last; ``solutions`` are the solution nodes.
    ``removed`` is true when the tree itself is no longer published.
    """

    tree_id: str
    title: str
    lang: str
    since: dt.date | None
    until: dt.date | None
    now: dt.datetime
    started: int
    solved: int
    escalated: int
    abandoned: int
    in_progress: int
    solved_rate: float | None
    nodes: tuple[NodeStats, ...]
    solutions: tuple[SolutionStats, ...]
    removed: bool = False

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; dates as ISO strings, rates to four places."""
        data = asdict(self)
        data["since"] = self.since.isoformat() if self.since else None
        data["until"] = self.until.isoformat() if self.until else None
        data["now"] = self.now.isoformat(timespec="seconds")
        data["solved_rate"] = _round(self.solved_rate)
        for node in data["nodes"]:
            node["drop_off_rate"] = _round(node["drop_off_rate"])
        for solution in data["solutions"]:
            solution["solved_rate"] = _round(solution["solved_rate"])
        return data


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _labels(node: Mapping[str, Any] | None) -> dict[str, str]:
    """Answer id → label at a published node, in the order customers see them."""
    if node is None:
        return {}
    if node.get("kind") == "solution":
        return dict(SOLUTION_ANSWERS)
    return {o["id"]: o["label"] for o in node.get("options", ())}


def build_report(
    tree: Mapping[str, Any],
    counts: Counts,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
    removed: bool = False,
) -> TreeReport:
    """The report for ``tree`` from the database's counts (pure)."""
    published: Mapping[str, Mapping[str, Any]] = tree.get("nodes", {})
    seen = {node for node, _ in counts.choices} | set(counts.dropped)
    order = list(published) + sorted(seen - set(published))
    nodes: list[NodeStats] = []
    solutions: list[SolutionStats] = []
    for node_id in order:
        node = published.get(node_id)
        labels = _labels(node)
        recorded = sorted(c for n, c in counts.choices if n == node_id and c != REACHED and c not in labels)
        answers = tuple(
            OptionCount(choice, labels.get(choice, REMOVED), counts.choices.get((node_id, choice), 0))
            for choice in [*labels, *recorded]
        )
        reached = counts.choices.get((node_id, REACHED), 0)
        dropped = counts.dropped.get(node_id, 0)
        text = shorten(plain_text(node.get("text", "")), TEXT_LENGTH) if node else REMOVED
        kind = node.get("kind", "") if node else REMOVED
        nodes.append(
            NodeStats(
                node_id, kind, text, reached, counts.answered.get(node_id, 0), answers, dropped, rate(dropped, reached)
            )
        )
        if kind == "solution":
            yes = counts.choices.get((node_id, SOLVED), 0)
            no = counts.choices.get((node_id, NOT_SOLVED), 0)
            solutions.append(SolutionStats(node_id, text, reached, yes, no, rate(yes, reached)))
    in_progress = counts.started - counts.solved - counts.escalated - counts.abandoned
    return TreeReport(
        tree_id=tree["id"],
        title=tree.get("title", REMOVED),
        lang=tree.get("lang", ""),
        since=since,
        until=until,
        now=now,
        started=counts.started,
        solved=counts.solved,
        escalated=counts.escalated,
        abandoned=counts.abandoned,
        in_progress=in_progress,
        solved_rate=rate(counts.solved, counts.started),
        nodes=tuple(nodes),
        solutions=tuple(solutions),
        removed=removed,
    )


def tree_report(
    session: Session,
    tree: Mapping[str, Any],
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> TreeReport:
    """One published tree's report (``tree`` as the catalog holds it)."""
    now = _as_stored(now)
    counts = count_walks(session, [tree["id"]], since, until, now).get(tree["id"], Counts())
    return build_report(tree, counts, since, until, now)


def report_all(
    session: Session,
    trees: Iterable[Mapping[str, Any]],
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> list[TreeReport]:
    """A report for every published tree, in the order given, then one for each
    tree that has walks but is no longer published (``removed``), by id."""
    now = _as_stored(now)
    published = {t["id"]: t for t in trees}
    counts = count_walks(session, None, since, until, now)
    reports = [build_report(t, counts.get(tree_id, Counts()), since, until, now) for tree_id, t in published.items()]
    reports += [_removed_report(t, counts[t], since, until, now) for t in sorted(set(counts) - set(published))]
    return reports


def _removed_report(
    tree_id: str, counts: Counts, since: dt.date | None, until: dt.date | None, now: dt.datetime
) -> TreeReport:
    """The walks of a tree no longer published: every node ``(removed)``."""
    gone = {"id": tree_id, "title": REMOVED, "lang": "", "nodes": {}}
    return build_report(gone, counts, since, until, now, removed=True)


# Output for the command line -------------------------------------------------------


class ReportError(Exception):
    """Why no report could be made; the command prints it without a traceback."""


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _period(since: dt.date | None, until: dt.date | None) -> str:
    if since and until:
        return f"from {since} to {until}"
    if since:
        return f"since {since}"
    if until:
        return f"until {until}"
    return "so far"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], left: int = 1) -> list[str]:
    """Columns padded to their widest cell; the first ``left`` columns and the
    last one read left-aligned, numbers right-aligned."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [
            c.ljust(w) if i < left or i == len(row) - 1 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return lines


def format_text(reports: Sequence[TreeReport]) -> str:
    """A report a person reads in a terminal; "no walks yet" when there are none."""
    if not any(r.started for r in reports):
        if reports and (reports[0].since or reports[0].until):
            return f"no walks {_period(reports[0].since, reports[0].until)}\n"
        return "no walks yet\n"
    blocks = []
    for r in reports:
        head = f"{r.tree_id}: {r.title}" + (f" ({r.lang})" if r.lang else "")
        if not r.started:
            blocks.append(f"{head}\n  no walks\n")
            continue
        lines = [
            head,
            f"Walks {_period(r.since, r.until)}, as of {r.now:%Y-%m-%d %H:%M} UTC: {r.started} started, "
            f"{r.solved} solved ({_percent(r.solved_rate)}), {r.escalated} escalated, "
            f"{r.abandoned} abandoned, {r.in_progress} in progress",
            "",
        ]
        lines += _table(
            ("Node", "Kind", "Reached", "Answered", "Dropped", "Drop-off", "Answers"),
            [
                (
                    n.node_id,
                    n.kind,
                    n.reached,
                    n.answered,
                    n.dropped,
                    _percent(n.drop_off_rate),
                    ", ".join(f"{a.label} {a.count}" for a in n.answers),
                )
                for n in r.nodes
            ],
            left=2,
        )
        if r.solutions:
            lines.append("")
            lines += _table(
                ("Solution", "Shown", "Yes", "No", "Solved"),
                [(s.node_id, s.shown, s.yes, s.no, _percent(s.solved_rate)) for s in r.solutions],
            )
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def format_json(reports: Sequence[TreeReport]) -> str:
    data = {"abandon_after_minutes": int(ABANDON_AFTER.total_seconds() // 60), "trees": [r.as_dict() for r in reports]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


CSV_COLUMNS = ("tree", "node", "choice", "metric", "value", "label")


def csv_rows(report: TreeReport) -> list[tuple[object, ...]]:
    """One number per row (tree, node, choice, metric, value, label): easy to
    filter or pivot in a spreadsheet. Rates are fractions, empty when undefined."""
    t = report.tree_id

    def fraction(value: float | None) -> str:
        return "" if value is None else f"{value:.4f}"

    rows: list[tuple[object, ...]] = [
        (t, "", "", "started", report.started, report.title),
        (t, "", "", "solved", report.solved, ""),
        (t, "", "", "escalated", report.escalated, ""),
        (t, "", "", "abandoned", report.abandoned, ""),
        (t, "", "", "in_progress", report.in_progress, ""),
        (t, "", "", "solved_rate", fraction(report.solved_rate), ""),
    ]
    for n in report.nodes:
        rows += [
            (t, n.node_id, "", "reached", n.reached, n.text),
            (t, n.node_id, "", "answered", n.answered, ""),
            (t, n.node_id, "", "dropped", n.dropped, ""),
            (t, n.node_id, "", "drop_off_rate", fraction(n.drop_off_rate), ""),
        ]
        rows += [(t, n.node_id, a.option_id, "answered", a.count, a.label) for a in n.answers]
    for s in report.solutions:
        rows += [
            (t, s.node_id, "", "shown", s.shown, s.text),
            (t, s.node_id, SOLVED, "yes", s.yes, ""),
            (t, s.node_id, NOT_SOLVED, "no", s.no, ""),
            (t, s.node_id, "", "solved_rate", fraction(s.solved_rate), ""),
        ]
    return rows


def format_csv(reports: Sequence[TreeReport]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for report in reports:
        writer.writerows(csv_rows(report))
    return out.getvalue()


FORMATTERS = {"text": format_text, "json": format_json, "csv": format_csv}


def command_output(tree_id: str | None, since: dt.date | None, until: dt.date | None, fmt: str) -> str:
    """What ``flask --app portal tree-report`` prints, for the published trees.

    :raise ReportError: no published build, an unknown tree, dates the wrong
        way round, or a database that cannot be read.
    """
    from portal.published import NotBuilt, current

    if since and until and since > until:
        raise ReportError(f"--since {since} is after --until {until}")
    try:
        trees = current().catalog.collection("trees")
    except NotBuilt as exc:
        raise ReportError(f"{exc}; run build_index.py first") from exc
    now = utcnow()
    session = db.database().read_session()
    try:
        reports = _reports(session, trees, tree_id, since, until, now)
    except SQLAlchemyError as exc:
        raise ReportError(f"could not read the database: {exc}") from exc
    finally:
        session.close()
    if not reports:
        known = ", ".join(sorted(t["id"] for t in trees)) or "none"
        raise ReportError(f"no troubleshooting tree '{tree_id}' in the published build (trees: {known})")
    return FORMATTERS[fmt](reports)


def _reports(
    session: Session,
    trees: Sequence[Mapping[str, Any]],
    tree_id: str | None,
    since: dt.date | None,
    until: dt.date | None,
    now: dt.datetime,
) -> list[TreeReport]:
    """Every tree's report, or the one asked for: published, or removed but walked."""
    if tree_id is None:
        return report_all(session, trees, since, until, now)
    tree = next((t for t in trees if t["id"] == tree_id), None)
    if tree is not None:
        return [tree_report(session, tree, since, until, now)]
    counts = count_walks(session, [tree_id], since, until, now)
    return [_removed_report(tree_id, counts[tree_id], since, until, now)] if tree_id in counts else []
