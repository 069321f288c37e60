"""The ticket history's change entries: stored as data by portal/tickets/service.py,
read by staff as a sentence in the desk's language (portal/tickets/history.py),
entries stored before as English text shown as they were, and no raw entry on
any page."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal import db
from portal.models import Staff, Ticket, TicketMessage
from portal.staff import accounts, auth
from portal.tickets import history, links, service
from portal.tickets.sla import DEFAULT

FSI, PDI = "\u2068", "\u2069"
PASSWORD = "harbour-lights-42"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
OLD_ROW = "Status changed from new to pending by Sam"
RAW_ENTRY, RAW_ENTRY_ESCAPED = '{"history"', "{&#34;history&#34;"  # a stored entry printed as it is


@pytest.fixture
def app(app_on_shared_build):
    return app_on_shared_build


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")


def describe_in(app, lang: str, body: str) -> str:
    with app.test_request_context(), force_locale(lang):
        return history.describe(body)


def isolated(name: str) -> str:
    return f"{FSI}{name}{PDI}"


# Each kind of change, in each language -------------------------------------------------------

ENTRIES = {
    "status": history.status_changed("new", "pending", "Sam"),
    "status by the customer": history.status_changed("solved", "open", None),
    "priority": history.priority_changed("normal", "urgent", "Sam"),
    "assignee": history.assigned("Kim", "Sam"),
    "unassigned": history.assigned(None, "Sam"),
}


@pytest.mark.parametrize(
    ("entry", "lang", "expected"),
    [
        ("status", "en", "Status changed from New to Pending by Sam"),
        ("status", "he", f"הסטטוס שונה מ־חדש ל־ממתין על ידי {isolated('Sam')}"),
        ("status", "fa", f"وضعیت توسط {isolated('Sam')} از جدید به در انتظار تغییر کرد"),
        ("status by the customer", "en", "Status changed from Solved to Open by the customer"),
        ("status by the customer", "he", "הסטטוס שונה מ־נפתר ל־פתוח על ידי הלקוח"),
        ("status by the customer", "fa", "وضعیت توسط مشتری از حل‌شده به باز تغییر کرد"),
        ("priority", "en", "Priority changed from Normal to Urgent by Sam"),
        ("priority", "he", f"העדיפות שונתה מ־רגילה ל־דחופה על ידי {isolated('Sam')}"),
        ("priority", "fa", f"اولویت توسط {isolated('Sam')} از عادی به فوری تغییر کرد"),
        ("assignee", "en", "Assigned to Kim by Sam"),
        ("assignee", "he", f"הפנייה הועברה לטיפול {isolated('Kim')} על ידי {isolated('Sam')}"),
        ("assignee", "fa", f"تیکت توسط {isolated('Sam')} به {isolated('Kim')} سپرده شد"),
        ("unassigned", "en", "Unassigned by Sam"),
        ("unassigned", "he", f"הנציג המטפל הוסר על ידי {isolated('Sam')}"),
        ("unassigned", "fa", f"مسئول تیکت توسط {isolated('Sam')} برداشته شد"),
    ],
)
def test_each_change_reads_in_the_desks_language(app, entry, lang, expected):
    assert describe_in(app, lang, ENTRIES[entry]) == expected


def test_entries_are_small_json_objects_with_names_readable_in_the_database():
    assert history.status_changed("new", "open", "דנה") == (
        '{"history":1,"event":"status","from":"new","to":"open","by":"דנה"}'
    )
    assert history.assigned(None, "Sam") == '{"history":1,"event":"assignee","to":null,"by":"Sam"}'


def test_a_status_the_desk_has_no_name_for_is_shown_as_stored(app):
    body = history.status_changed("new", "escalated", "Sam")
    assert describe_in(app, "en", body) == "Status changed from New to escalated by Sam"


# Entries from before, and entries that cannot be read ------------------------------------------


@pytest.mark.parametrize("lang", ["en", "he", "fa"])
@pytest.mark.parametrize(
    "body",
    [
        OLD_ROW,
        "Assigned to nobody by Sam",
        "{not json at all",
        '{"event": "status", "from": "new"}',  # JSON, but not a history entry
        "[1, 2]",
        "",
    ],
)
def test_text_that_is_not_an_entry_is_shown_exactly_as_stored(app, lang, body):
    assert describe_in(app, lang, body) == body


@pytest.mark.parametrize(
    "body",
    [
        '{"history": 2, "event": "status", "from": "new", "to": "open", "by": "Sam"}',
        '{"history": 1, "event": "merged", "by": "Sam"}',
        '{"history": 1, "event": "status", "from": "new", "by": "Sam"}',
        '{"history": 1, "event": "priority", "from": "low", "to": "high", "by": null}',
        '{"history": 1, "event": "assignee", "to": ["Kim"], "by": "Sam"}',
        '{"history": 1}',
    ],
)
def test_an_entry_this_version_cannot_read_is_a_neutral_line_not_json(app, body):
    with pytest.raises(history.Unreadable):
        history.parse(body)
    assert describe_in(app, "en", body) == "The ticket was changed."
    assert describe_in(app, "he", body) == "הפנייה שונתה."


# What the service writes -----------------------------------------------------------------------


def test_the_service_records_who_changed_what_as_entries(app):
    with app.test_request_context(), db.database(app).session() as session:
        sam = accounts.create(session, "sam@example.com", "Sam Agent", PASSWORD, auth.utcnow())
        kim = accounts.create(session, "kim@example.com", "Kim Colleague", PASSWORD, auth.utcnow())
        draft = service.Draft(name="Dana", email="dana@example.com", category="hub", subject="s", description="d")
        ticket = service.open_ticket(session, draft, DEFAULT, auth.utcnow()).ticket
        service.update(session, ticket, sam, auth.utcnow(), DEFAULT, status="pending", priority="high", assignee=kim)
        service.update(session, ticket, sam, auth.utcnow(), DEFAULT, assignee=None)
        service.customer_reply(session, ticket, "Still orange.", auth.utcnow())
        session.commit()
        query = select(TicketMessage.body).where(TicketMessage.author == "system").order_by(TicketMessage.id)
        changes = [history.parse(body) for body in session.scalars(query)]
    assert changes == [
        history.Change("status", "new", "pending", "Sam Agent"),
        history.Change("priority", "normal", "high", "Sam Agent"),
        history.Change("assignee", None, "Kim Colleague", "Sam Agent"),
        history.Change("assignee", None, None, "Sam Agent"),
        history.Change("status", "pending", "open", None),
    ]


# The pages -------------------------------------------------------------------------------------


def _ticket_with_history(app) -> tuple[str, str]:
    """A ticket with one change stored the old way and one the new way; its
    reference and the customer's link token."""
    with app.test_request_context(), db.database(app).session() as session:
        sam = session.scalar(select(Staff).where(Staff.email == "sam@example.com"))
        draft = service.Draft(name="Dana", email="dana@example.com", category="hub", subject="s", description="d")
        ticket = service.open_ticket(session, draft, DEFAULT, auth.utcnow()).ticket
        session.add(TicketMessage(ticket_id=ticket.id, created=auth.utcnow(), author="system", body=OLD_ROW))
        service.update(session, ticket, sam, auth.utcnow(), DEFAULT, status="open", priority="urgent")
        session.commit()
        return ticket.reference, links.token_for(session.get(Ticket, ticket.id))


def _signed_in(app, prefix: str):
    with app.app_context(), db.database(app).session() as session:
        accounts.create(session, "sam@example.com", "Sam Agent", PASSWORD, auth.utcnow())
        session.commit()
    client = app.test_client()
    page = client.get(f"{prefix}/staff/login").get_data(as_text=True)
    data = {"csrf_token": TOKEN.search(page).group(1), "email": "sam@example.com", "password": PASSWORD}
    assert client.post(f"{prefix}/staff/login", data=data).status_code == 303
    return client


def history_lines(page: str) -> list[str]:
    return re.findall(r'<p class="message-system"><bdi>(.*?)</bdi>', page)


def test_the_hebrew_desk_shows_changes_in_hebrew_and_old_entries_as_they_were(app):
    client = _signed_in(app, "/he")
    ref, _ = _ticket_with_history(app)
    page = client.get(f"/he/staff/tickets/{ref}").get_data(as_text=True)
    assert history_lines(page) == [
        OLD_ROW,
        f"הסטטוס שונה מ־חדש ל־פתוח על ידי {isolated('Sam Agent')}",
        f"העדיפות שונתה מ־רגילה ל־דחופה על ידי {isolated('Sam Agent')}",
    ]
    english = client.get(f"/staff/tickets/{ref}").get_data(as_text=True)
    assert history_lines(english)[1:] == [
        "Status changed from New to Open by Sam Agent",
        "Priority changed from Normal to Urgent by Sam Agent",
    ]
    persian = client.get(f"/fa/staff/tickets/{ref}").get_data(as_text=True)
    assert f"وضعیت توسط {isolated('Sam Agent')} از جدید به باز تغییر کرد" in history_lines(persian)
    for body in (page, english, persian):
        assert RAW_ENTRY not in body and RAW_ENTRY_ESCAPED not in body


def test_the_customers_page_shows_no_history_entries(app):
    _signed_in(app, "")
    _, token = _ticket_with_history(app)
    page = app.test_client().get(f"/tickets/view/{token}").get_data(as_text=True)
    assert RAW_ENTRY not in page and RAW_ENTRY_ESCAPED not in page and "Priority changed" not in page
    assert OLD_ROW not in page
