"""What happens to a ticket, whichever channel asks: the web form, the API,
the staff desk or the customer's status page.

Each function takes the caller's :class:`~sqlalchemy.orm.Session`, changes
rows and queues emails in it, and leaves the commit to the caller, so a change
and the email announcing it are stored together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy import update as update_rows
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from portal.insights import events
from portal.models import PRIORITIES, TICKET_STATUSES, Staff, Ticket, TicketMessage
from portal.tickets import emails, history, outbox, reference
from portal.tickets.sla import Sla

REFERENCE_ATTEMPTS = 8  # a collision in 27.5 billion is rare; eight in a row is impossible in practice
OPEN_STATUSES = ("new", "open", "pending")
CSAT_STATUSES = ("solved", "closed")


@dataclass(frozen=True)
class Draft:
    """A ticket as a channel received it, already validated.

    ``submission`` is the channel's idempotency key (a token in the form, the
    ``Idempotency-Key`` header of the API); ``priority`` ``None`` means the
    category's priority from the SLA."""

    name: str
    email: str
    category: str
    subject: str
    description: str
    product: str = ""
    account_number: str = ""
    lang: str = "en"
    context: Mapping[str, Any] = field(default_factory=dict)
    priority: str | None = None
    channel: str = "web"
    submission: str | None = None
    opened_by: int | None = None
    visit: str = ""  # the web visitor's insights visit (portal.insights.events.visit); "" for staff and API


class Opened(NamedTuple):
    ticket: Ticket
    created: bool  # false: the same submission had already made this ticket


def find(session: Session, ref: str) -> Ticket | None:
    """The ticket with the canonical reference ``ref`` (see :func:`reference.parse`)."""
    return session.scalar(select(Ticket).where(Ticket.reference == ref))


def _by_submission(session: Session, submission: str | None) -> Ticket | None:
    if not submission:
        return None
    return session.scalar(select(Ticket).where(Ticket.submission == submission))


def open_ticket(session: Session, draft: Draft, sla: Sla, now: dt.datetime) -> Opened:
    """Store a new ticket, its first message and its acknowledgement email.

    A repeated submission returns the ticket it made the first time. The
    reference is random and the database's unique constraint decides: a
    collision is retried with a new one inside a savepoint, so the caller's
    transaction survives it.
    """
    existing = _by_submission(session, draft.submission)
    if existing is not None:
        return Opened(existing, False)
    priority = draft.priority if draft.priority in PRIORITIES else sla.priority_for(draft.category)
    first_due, resolution_due = sla.due(priority, now)
    for _ in range(REFERENCE_ATTEMPTS):
        ticket = Ticket(
            reference=reference.generate(),
            submission=draft.submission,
            created=now,
            updated=now,
            status="new",
            priority=priority,
            channel=draft.channel,
            category=draft.category,
            subject=draft.subject,
            name=draft.name,
            email=draft.email,
            lang=draft.lang,
            product=draft.product,
            account_number=draft.account_number,
            context=dict(draft.context),
            opened_by_id=draft.opened_by,
            first_response_due=first_due,
            resolution_due=resolution_due,
        )
        try:
            with session.begin_nested():
                session.add(ticket)
                session.flush()
        except IntegrityError:
            # Either the same submission won a race with us (return its ticket)
            # or the reference was taken (try another).
            raced = _by_submission(session, draft.submission)
            if raced is not None:
                return Opened(raced, False)
            continue
        session.add(TicketMessage(ticket_id=ticket.id, created=now, author="customer", body=draft.description))
        session.add(
            events.make(
                "ticket",
                visit=draft.visit,
                at=now,
                subject=draft.category,
                detail=draft.channel,
                lang=draft.lang,
                category=draft.category,
            )
        )
        outbox.enqueue(session, emails.acknowledgement(ticket, sla), now, ticket)
        return Opened(ticket, True)
    raise RuntimeError("could not find an unused ticket reference")


def messages(session: Session, ticket: Ticket, internal: bool = False) -> list[TicketMessage]:
    """The conversation in order; internal notes and system entries only for staff."""
    query = select(TicketMessage).where(TicketMessage.ticket_id == ticket.id)
    if not internal:
        query = query.where(TicketMessage.author.in_(("customer", "staff")))
    return list(session.scalars(query.order_by(TicketMessage.created, TicketMessage.id)))


def _log(session: Session, ticket: Ticket, now: dt.datetime, entry: str, staff: Staff | None) -> None:
    """Add a history entry; ``entry`` is made by :mod:`portal.tickets.history`,
    which also words it for the reader."""
    session.add(
        TicketMessage(
            ticket_id=ticket.id, created=now, author="system", staff_id=staff.id if staff else None, body=entry
        )
    )


def _set_status(session: Session, ticket: Ticket, status: str, now: dt.datetime, staff: Staff | None) -> None:
    if status == ticket.status:
        return
    _log(session, ticket, now, history.status_changed(ticket.status, status, staff.name if staff else None), staff)
    ticket.status = status
    if status == "solved":
        ticket.solved = now
        if ticket.csat_score is None:
            outbox.enqueue(session, emails.satisfaction_survey(ticket), now, ticket)
    elif status == "closed":
        ticket.closed = now
        ticket.solved = ticket.solved or now
    else:
        ticket.solved = None
        ticket.closed = None


def staff_reply(session: Session, ticket: Ticket, staff: Staff, body: str, now: dt.datetime) -> TicketMessage:
    """A reply the customer receives by email. The first one meets the
    first-response target; a ticket awaiting staff becomes *pending* (awaiting
    the customer) unless staff chose another status alongside."""
    message = TicketMessage(ticket_id=ticket.id, created=now, author="staff", staff_id=staff.id, body=body)
    session.add(message)
    if ticket.first_response is None:
        ticket.first_response = now
    if ticket.status in ("new", "open"):
        _set_status(session, ticket, "pending", now, staff)
    ticket.updated = now
    session.flush()
    outbox.enqueue(session, emails.staff_reply(ticket, message, staff.name), now, ticket)
    return message


def internal_note(session: Session, ticket: Ticket, staff: Staff, body: str, now: dt.datetime) -> TicketMessage:
    message = TicketMessage(ticket_id=ticket.id, created=now, author="note", staff_id=staff.id, body=body)
    session.add(message)
    ticket.updated = now
    return message


def customer_reply(session: Session, ticket: Ticket, body: str, now: dt.datetime) -> TicketMessage:
    """The customer adds to their ticket; one waiting on them, or solved,
    goes back to staff. A closed ticket takes no replies (the caller checks)."""
    message = TicketMessage(ticket_id=ticket.id, created=now, author="customer", body=body)
    session.add(message)
    if ticket.status in ("pending", "solved"):
        _set_status(session, ticket, "open", now, None)
    ticket.updated = now
    return message


def customer_close(session: Session, ticket: Ticket, now: dt.datetime) -> None:
    """The customer says it's sorted: the ticket is solved and closed."""
    if ticket.status != "closed":
        _set_status(session, ticket, "closed", now, None)
        ticket.updated = now


def update(
    session: Session,
    ticket: Ticket,
    staff: Staff,
    now: dt.datetime,
    sla: Sla,
    *,
    status: str | None = None,
    priority: str | None = None,
    assignee: Staff | bool | None = False,
) -> None:
    """Staff change status, priority or assignee (``assignee=None`` unassigns;
    ``False`` leaves it). Each change is logged in the ticket's history. A new
    priority moves the due times, counted from when the ticket was opened."""
    if status is not None and status in TICKET_STATUSES:
        _set_status(session, ticket, status, now, staff)
    if priority is not None and priority in PRIORITIES and priority != ticket.priority:
        _log(session, ticket, now, history.priority_changed(ticket.priority, priority, staff.name), staff)
        ticket.priority = priority
        ticket.first_response_due, ticket.resolution_due = sla.due(priority, ticket.created)
    if assignee is not False:
        new_id = assignee.id if isinstance(assignee, Staff) else None
        if new_id != ticket.assignee_id:
            target = assignee.name if isinstance(assignee, Staff) else None
            _log(session, ticket, now, history.assigned(target, staff.name), staff)
            ticket.assignee_id = new_id
    ticket.updated = now


def rate(session: Session, ticket: Ticket, score: int, comment: str, now: dt.datetime, nps: int | None = None) -> bool:
    """Record the customer's satisfaction, once per ticket and only once it is
    solved, with their answer to "How likely are you to recommend us?" (0-10)
    when the survey asks it (``nps``; ``None``: not asked or not answered).
    Returns whether it was recorded. One conditional UPDATE decides, so two
    answers sent at the same moment (two tabs, a double click) cannot both
    count, on either database."""
    if not 1 <= score <= 5 or (nps is not None and not 0 <= nps <= 10):
        return False
    values = {"csat_score": score, "csat_comment": comment or None, "csat_at": now, "nps_score": nps}
    done = session.execute(
        update_rows(Ticket)
        .where(Ticket.id == ticket.id, Ticket.csat_score.is_(None), Ticket.status.in_(CSAT_STATUSES))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not done.rowcount:
        return False
    for name, value in values.items():
        set_committed_value(ticket, name, value)
    return True


def sla_state(ticket: Ticket, sla: Sla, now: dt.datetime) -> str:
    """``breached`` when a target has passed unmet, ``due-soon`` within the
    SLA's warning window, ``met`` once both targets were met, else ``ok``."""
    pending = []
    if ticket.first_response is None:
        pending.append(ticket.first_response_due)
    elif ticket.first_response > ticket.first_response_due:
        return "breached"
    if ticket.solved is None:
        pending.append(ticket.resolution_due)
    elif ticket.solved > ticket.resolution_due:
        return "breached"
    if not pending:
        return "met"
    due = min(pending)
    if due <= now:
        return "breached"
    return "due-soon" if due - now <= sla.due_soon else "ok"
