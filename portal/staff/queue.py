"""The ticket queue: filters read from the URL, one SQL query, SLA counts.

The SLA conditions here are :func:`portal.tickets.service.sla_state` written in
SQL, so that "breached" and "due soon" can filter, count and paginate in the
database; ``tests/test_staff.py`` checks the two agree ticket by ticket.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from portal.i18n import LazyText, lazy_gettext
from portal.models import PRIORITIES, TICKET_STATUSES, Ticket
from portal.staff.labels import STATUS_NAMES
from portal.tickets.service import OPEN_STATUSES
from portal.tickets.sla import Sla

PER_PAGE = 50
MAX_PAGE = 10_000
# L10n: the queue's choices, in the order the filter menus show them.
STATUS_FILTERS: dict[str, LazyText] = {
    "open": lazy_gettext("All open"),
    **{s: STATUS_NAMES[s] for s in TICKET_STATUSES},
    "any": lazy_gettext("Any status"),
}
ASSIGNEE_FILTERS = {
    "anyone": lazy_gettext("Anyone"),
    "me": lazy_gettext("Me"),
    "unassigned": lazy_gettext("Unassigned"),
}
SLA_FILTERS = {"": lazy_gettext("Any"), "breached": lazy_gettext("Breached"), "due-soon": lazy_gettext("Due soon")}
SORTS = {
    "due": lazy_gettext("Due first"),
    "priority": lazy_gettext("Priority"),
    "created": lazy_gettext("Newest"),
    "updated": lazy_gettext("Recently updated"),
}


@dataclass(frozen=True)
class Filters:
    """What the queue shows: ``status`` one of :data:`STATUS_FILTERS` (``open``
    is new, open and pending), ``category`` a slug or ``""``, ``priority`` or
    ``""``, ``assignee`` one of :data:`ASSIGNEE_FILTERS`, ``sla`` one of
    :data:`SLA_FILTERS`, ``sort`` one of :data:`SORTS`, and the page."""

    status: str = "open"
    category: str = ""
    priority: str = ""
    assignee: str = "anyone"
    sla: str = ""
    sort: str = "due"
    page: int = 1

    def args(self, **changes: object) -> dict[str, object]:
        """Query arguments for a queue URL with ``changes``; defaults left out,
        so the plain queue is plain ``/staff``."""
        values = {**asdict(self), **changes}
        default = asdict(Filters())
        return {k: v for k, v in values.items() if v != default[k]}


def parse_filters(args: Mapping[str, str], categories: Collection[str]) -> Filters:
    """Filters from a query string; anything unknown means that filter's default."""

    def pick(name: str, allowed: Collection[str], default: str) -> str:
        value = args.get(name, default)
        return value if value in allowed else default

    raw_page = str(args.get("page", "1"))
    page = int(raw_page) if raw_page.isdigit() and len(raw_page) < 6 else 1
    return Filters(
        status=pick("status", STATUS_FILTERS, "open"),
        category=pick("category", categories, ""),
        priority=pick("priority", PRIORITIES, ""),
        assignee=pick("assignee", ASSIGNEE_FILTERS, "anyone"),
        sla=pick("sla", SLA_FILTERS, ""),
        sort=pick("sort", SORTS, "due"),
        page=max(1, min(page, MAX_PAGE)),
    )


# SLA in SQL -----------------------------------------------------------------------


def next_due() -> ColumnElement[dt.datetime]:
    """The earliest target not yet met (NULL once both are met)."""
    earliest = case(
        (Ticket.first_response_due <= Ticket.resolution_due, Ticket.first_response_due), else_=Ticket.resolution_due
    )
    return case(
        (and_(Ticket.first_response.is_(None), Ticket.solved.is_(None)), earliest),
        (Ticket.first_response.is_(None), Ticket.first_response_due),
        (Ticket.solved.is_(None), Ticket.resolution_due),
        else_=None,
    )


def breached(now: dt.datetime) -> ColumnElement[bool]:
    """A target met late, or due and still unmet. Never NULL (each comparison
    of a nullable column is guarded), so ``~breached`` means "not breached"."""
    return or_(
        and_(Ticket.first_response.is_not(None), Ticket.first_response > Ticket.first_response_due),
        and_(Ticket.solved.is_not(None), Ticket.solved > Ticket.resolution_due),
        and_(Ticket.first_response.is_(None), Ticket.first_response_due <= now),
        and_(Ticket.solved.is_(None), Ticket.resolution_due <= now),
    )


def due_soon(now: dt.datetime, sla: Sla) -> ColumnElement[bool]:
    """Not breached, and the next target falls within the SLA's warning window."""
    upcoming = next_due()
    return and_(~breached(now), upcoming.is_not(None), upcoming > now, upcoming <= now + sla.due_soon)


# PRIORITIES runs from low to urgent; sorted descending, urgent comes first.
_PRIORITY_RANK = case({p: i for i, p in enumerate(PRIORITIES)}, value=Ticket.priority, else_=-1)


def query(filters: Filters, staff_id: int, now: dt.datetime, sla: Sla) -> Select[tuple[Ticket]]:
    """The tickets ``filters`` select for the agent ``staff_id``, in order (ties by id)."""
    stmt = select(Ticket)
    if filters.status == "open":
        stmt = stmt.where(Ticket.status.in_(OPEN_STATUSES))
    elif filters.status != "any":
        stmt = stmt.where(Ticket.status == filters.status)
    if filters.category:
        stmt = stmt.where(Ticket.category == filters.category)
    if filters.priority:
        stmt = stmt.where(Ticket.priority == filters.priority)
    if filters.assignee == "me":
        stmt = stmt.where(Ticket.assignee_id == staff_id)
    elif filters.assignee == "unassigned":
        stmt = stmt.where(Ticket.assignee_id.is_(None))
    if filters.sla == "breached":
        stmt = stmt.where(breached(now))
    elif filters.sla == "due-soon":
        stmt = stmt.where(due_soon(now, sla))
    upcoming = next_due()
    order = {
        # Nothing due (both targets met) sorts last.
        "due": (upcoming.is_(None), upcoming),
        "priority": (_PRIORITY_RANK.desc(), upcoming.is_(None), upcoming),
        "created": (Ticket.created.desc(),),
        "updated": (Ticket.updated.desc(),),
    }[filters.sort]
    return stmt.order_by(*order, Ticket.id)


@dataclass(frozen=True)
class Page:
    tickets: tuple[Ticket, ...]
    total: int
    page: int
    pages: int


def fetch(session: Session, filters: Filters, staff_id: int, now: dt.datetime, sla: Sla) -> Page:
    """One page of the queue; a page past the end shows the last one."""
    stmt = query(filters, staff_id, now, sla)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(filters.page, pages)
    tickets = session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return Page(tuple(tickets), total, page, pages)


@dataclass(frozen=True)
class SlaCounts:
    """Open tickets (new, open, pending) whose SLA is breached or due soon."""

    breached: int
    due_soon: int


def sla_counts(session: Session, now: dt.datetime, sla: Sla) -> SlaCounts:
    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.execute(
        select(count(breached(now)), count(due_soon(now, sla))).where(Ticket.status.in_(OPEN_STATUSES))
    ).one()
    return SlaCounts(int(row[0]), int(row[1]))
