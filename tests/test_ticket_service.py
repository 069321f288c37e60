"""What happens to a ticket whichever channel asks: the rules in
portal/tickets/service.py and portal/tickets/sla.py, on SQLite."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from portal import db
from portal.content.problems import Problems
from portal.models import OutboxMessage, Staff, Ticket, TicketMessage
from portal.tickets import history, reference, service
from portal.tickets.sla import DEFAULT, format_duration, load_sla, parse_duration

NOW = dt.datetime(2026, 11, 23, 9, 0)


def draft(**changes) -> service.Draft:
    values = {
        "name": "Dana Levi",
        "email": "dana@example.com",
        "category": "account",
        "subject": "Locked out",
        "description": "It says my account is locked.",
    }
    return service.Draft(**{**values, **changes})


@pytest.fixture
def session(app):
    with app.test_request_context(), db.database(app).session() as session:
        yield session


@pytest.fixture
def agent(session) -> Staff:
    staff = Staff(
        email="sam@example.com", name="Sam", password_hash="x", active=True, created=NOW, password_changed=NOW
    )
    session.add(staff)
    session.flush()
    return staff


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_new_ticket_has_a_valid_reference_its_message_and_its_acknowledgement(session):
    ticket, created = service.open_ticket(session, draft(), DEFAULT, NOW)
    session.commit()
    assert created
    assert reference.parse(ticket.reference).reference == ticket.reference
    assert ticket.status == "new"
    assert [m.body for m in service.messages(session, ticket)] == ["It says my account is locked."]
    [mail] = session.scalars(select(OutboxMessage))
    assert mail.kind == "acknowledgement"
    assert mail.recipient == "dana@example.com"
    assert ticket.reference in mail.subject and ticket.reference in mail.body_text
    assert "8 hours" in mail.body_text  # the normal priority's first-response target


def test_due_times_follow_the_sla_of_the_priority(session):
    ticket, _ = service.open_ticket(session, draft(priority="urgent"), DEFAULT, NOW)
    assert ticket.first_response_due == NOW + dt.timedelta(hours=1)
    assert ticket.resolution_due == NOW + dt.timedelta(hours=8)


def test_the_same_submission_makes_one_ticket(session):
    first, created = service.open_ticket(session, draft(submission="form-123"), DEFAULT, NOW)
    again, created_again = service.open_ticket(session, draft(submission="form-123"), DEFAULT, NOW)
    session.commit()
    assert created and not created_again
    assert again.id == first.id
    assert count(session, Ticket) == 1 and count(session, OutboxMessage) == 1


def test_a_taken_reference_is_retried_not_fatal(session, monkeypatch):
    taken, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    session.commit()
    fresh = reference.generate()
    choices = iter([taken.reference, taken.reference, fresh])
    monkeypatch.setattr(reference, "generate", lambda: next(choices))
    ticket, created = service.open_ticket(session, draft(email="other@example.com"), DEFAULT, NOW)
    session.commit()
    assert created and ticket.reference == fresh
    assert count(session, Ticket) == 2


def test_first_staff_reply_meets_the_first_response_and_waits_on_the_customer(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    later = NOW + dt.timedelta(hours=2)
    service.staff_reply(session, ticket, agent, "Unlocked it for you.", later)
    session.commit()
    assert ticket.first_response == later
    assert ticket.status == "pending"
    assert service.sla_state(ticket, DEFAULT, later) == "ok"
    kinds = [m.kind for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    assert kinds == ["acknowledgement", "reply"]


def test_internal_notes_and_history_are_for_staff_only(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.internal_note(session, ticket, agent, "Customer called twice", NOW)
    service.update(session, ticket, agent, NOW, DEFAULT, status="open", assignee=agent)
    session.commit()
    assert [m.author for m in service.messages(session, ticket)] == ["customer"]
    staff_view = [m.author for m in service.messages(session, ticket, internal=True)]
    assert staff_view.count("note") == 1 and staff_view.count("system") == 2
    assert ticket.assignee_id == agent.id


def test_a_customer_reply_brings_a_waiting_ticket_back_to_staff(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.staff_reply(session, ticket, agent, "Can you try again?", NOW)
    service.customer_reply(session, ticket, "Still locked.", NOW + dt.timedelta(hours=1))
    assert ticket.status == "open"


def test_solving_asks_for_satisfaction_once(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    assert not service.rate(session, ticket, 5, "", NOW)  # not solved yet
    service.update(session, ticket, agent, NOW, DEFAULT, status="solved")
    session.commit()
    assert count(session, OutboxMessage) == 2  # acknowledgement, survey
    assert service.rate(session, ticket, 4, "Quick, thanks", NOW)
    assert not service.rate(session, ticket, 1, "changed my mind", NOW)
    assert (ticket.csat_score, ticket.csat_comment) == (4, "Quick, thanks")
    for bad in (0, 6):
        other, _ = service.open_ticket(session, draft(email=f"{bad}@example.com"), DEFAULT, NOW)
        service.customer_close(session, other, NOW)
        assert not service.rate(session, other, bad, "", NOW)


def test_a_new_priority_moves_the_due_times_from_when_the_ticket_was_opened(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.update(session, ticket, agent, NOW + dt.timedelta(hours=3), DEFAULT, priority="urgent")
    assert ticket.first_response_due == NOW + dt.timedelta(hours=1)
    assert service.sla_state(ticket, DEFAULT, NOW + dt.timedelta(hours=3)) == "breached"


@pytest.mark.parametrize(
    ("hours", "state"),
    [(1, "ok"), (6.5, "due-soon"), (8.5, "breached")],
)
def test_sla_state_before_the_first_response(session, hours, state):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    assert service.sla_state(ticket, DEFAULT, NOW + dt.timedelta(hours=hours)) == state


def test_a_late_first_response_stays_a_breach(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.staff_reply(session, ticket, agent, "Sorry for the wait", NOW + dt.timedelta(hours=9))
    assert service.sla_state(ticket, DEFAULT, NOW + dt.timedelta(hours=9)) == "breached"


def test_the_history_names_who_changed_what(session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.update(session, ticket, agent, NOW, DEFAULT, status="open", priority="high")
    session.commit()
    entries = session.scalars(select(TicketMessage.body).where(TicketMessage.author == "system")).all()
    # Stored as data (portal/tickets/history.py), worded for whoever reads it.
    assert [history.describe(body) for body in entries] == [
        "Status changed from New to Open by Sam",
        "Priority changed from Normal to High by Sam",
    ]


# --- sla.yaml ---------------------------------------------------------------------


SLA_YAML = """\
priorities:
  urgent: {first_response: 30m, resolution: 4h}
  high: {first_response: 2h, resolution: 1d}
  normal: {first_response: 1d, resolution: 3d 12h}
  low: {first_response: 2d, resolution: 5d}
categories:
  account: high
due_soon: 1h
"""


def test_sla_file_sets_targets_category_priorities_and_the_warning_window():
    problems = Problems("sla.yaml")
    sla = load_sla(SLA_YAML, problems, frozenset({"account"}))
    assert list(problems) == []
    assert sla.targets["normal"].resolution == dt.timedelta(days=3, hours=12)
    assert sla.priority_for("account") == "high" and sla.priority_for("hub") == "normal"
    assert sla.due_soon == dt.timedelta(hours=1)


def test_every_sla_problem_is_reported_with_its_line():
    text = """\
priorities:
  urgent: {first_response: soon, resolution: 4h}
  high: {first_response: 2h, resolution: 1h}
  normal: {first_response: 1d, resolution: 3d}
  low: {first_response: 2d, resolution: 5d}
  critical: {first_response: 1m, resolution: 1h}
categories:
  account: top
  billing: high
due_soon: later
colour: blue
"""
    problems = Problems("sla.yaml")
    load_sla(text, problems, frozenset({"account"}))
    assert [str(p) for p in problems] == [
        "sla.yaml:11: warning: unknown key 'colour'",
        "sla.yaml:2: urgent first_response must be a duration such as 30m, 8h or 2d",
        "sla.yaml:3: high resolution comes before its first response",
        "sla.yaml:6: unknown priority 'critical'; use one of low, normal, high, urgent",
        "sla.yaml:8: unknown priority 'top'; use one of low, normal, high, urgent",
        "sla.yaml:9: unknown category 'billing'; categories are declared in categories.yaml",
        "sla.yaml:10: due_soon must be a duration such as 2h",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("30m", dt.timedelta(minutes=30)), ("1d 12h", dt.timedelta(hours=36)), (8, None), ("0h", None), ("8 hrs", None)],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_durations_read_naturally():
    assert format_duration(dt.timedelta(hours=1)) == "1 hour"
    assert format_duration(dt.timedelta(days=1, hours=12)) == "1 day 12 hours"


def test_two_answers_at_once_record_only_the_first(app, session, agent):
    ticket, _ = service.open_ticket(session, draft(), DEFAULT, NOW)
    service.update(session, ticket, agent, NOW, DEFAULT, status="solved")
    session.commit()
    session.close()
    with db.database(app).session() as first, db.database(app).session() as second:
        in_second = second.get(Ticket, ticket.id)  # loaded before the first answer lands
        second.commit()
        assert service.rate(first, first.get(Ticket, ticket.id), 5, "Great", NOW)
        first.commit()
        assert not service.rate(second, in_second, 1, "Awful", NOW)
        second.commit()
    session.expire_all()
    assert session.get(Ticket, ticket.id).csat_score == 5
