"""Ticket emails: built escaped, queued with the ticket, delivered through a real
SMTP server on loopback (aiosmtpd), retried with back-off while the server is
down, never lost and never sent twice, even by two workers at once."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal import db
from portal.models import OutboxMessage, Staff, Ticket
from portal.tickets import emails, mailer, outbox, service, sla
from portal.tickets.emails import Email
from portal.tickets.outbox import DeliveryResult, QueueState, SmtpSettings

NOW = dt.datetime(2026, 11, 2, 12, 0)
HOSTILE = "<script>alert('x')</script>"


# A real SMTP server ------------------------------------------------------------------


class Inbox:
    """What the SMTP server received. ``refuse`` maps a recipient to the answer
    its RCPT TO gets (``"451 …"`` for now, ``"550 …"`` for good)."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.refuse: dict[str, str] = {}
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def recipients(self) -> list[str]:
        with self.lock:
            return [r for e in self.envelopes for r in e.rcpt_tos]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    """A loopback port nothing listens on (until a test starts a server there)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    smtp = SmtpServer(free_port())
    smtp.start()
    yield smtp
    smtp.stop()


def smtp_settings(port: int) -> SmtpSettings:
    return SmtpSettings(
        host="127.0.0.1",
        port=port,
        timeout=5,
        mail_from='"Harbor Fibre Help" <help@harborfibre.example>',
        reply_to="support@harborfibre.example",
    )


@pytest.fixture
def sqlite_db(tmp_path) -> Iterator[db.Database]:
    """The database alone, for tests that need no app (no tickets, no links)."""
    database = db.Database(f"sqlite:///{tmp_path / 'outbox.sqlite3'}", tmp_path / "instance")
    db.upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def app(app_on_shared_build):
    return app_on_shared_build


# Tickets and rows --------------------------------------------------------------------


def open_ticket(app, now: dt.datetime = NOW, **fields) -> Ticket:
    values = {
        "name": "Dana Levi",
        "email": "dana@example.com",
        "category": "hub",
        "subject": "Hub light is orange",
        "description": "Since this morning.",
    }
    with app.test_request_context():
        session = db.session()
        ticket = service.open_ticket(session, service.Draft(**{**values, **fields}), sla.DEFAULT, now).ticket
        session.commit()
        return ticket


def rows(database: db.Database) -> list[OutboxMessage]:
    with database.session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def queue(database: db.Database, *mails: Email, now: dt.datetime = NOW) -> None:
    with database.session() as session:
        for mail in mails:
            outbox.enqueue(session, mail, now)
        session.commit()


def plain(n: int, recipient: str = "") -> Email:
    return Email("reply", recipient or f"customer{n}@example.com", f"Message {n}", f"Body {n}\n")


# What the emails say ---------------------------------------------------------------------


def test_a_queued_acknowledgement_is_delivered_with_its_headers_and_body(app, server):
    ticket = open_ticket(app, lang="en")
    database = db.database(app)
    [row] = rows(database)
    assert (row.kind, row.sent, row.attempts) == ("acknowledgement", None, 0)  # queued with the ticket

    result = outbox.deliver_due(database.session, smtp_settings(server.port), NOW, limit=10)

    assert (result.sent, result.failures, result.ok) == (1, (), True)
    [mail] = server.inbox.messages()
    assert server.inbox.recipients() == ["dana@example.com"]
    [sender] = mail["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Harbor Fibre Help", "help@harborfibre.example")
    assert mail["To"] == "dana@example.com"
    assert mail["Reply-To"] == "support@harborfibre.example"
    assert mail["Subject"] == f"[{ticket.reference}] Hub light is orange"
    assert mail["X-Ticket-Reference"] == ticket.reference
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["Message-ID"].endswith("@harborfibre.example>")
    assert mail["Date"].datetime == NOW.replace(tzinfo=dt.UTC)
    body = mail.get_body(("plain",)).get_content()
    assert ticket.reference in body and "We aim to reply within 8 hours" in body
    assert "http://localhost/tickets/view/" in body  # the signed link
    html = mail.get_body(("html",)).get_content()
    assert '<bdi dir="ltr" class="reference"' in html and ticket.reference in html
    [sent] = rows(database)
    assert sent.sent == NOW and sent.attempts == 1 and sent.last_error == ""
    # Sent once: the next run finds nothing.
    again = outbox.deliver_due(database.session, smtp_settings(server.port), NOW + dt.timedelta(hours=1), limit=10)
    assert again.sent == 0 and len(server.inbox.messages()) == 1


def test_hostile_names_and_subjects_are_escaped_in_html_and_inert_in_text(app):
    ticket = open_ticket(app, name=HOSTILE, subject=f'Help {HOSTILE} <img src=x onerror="y()">', lang="he")
    with app.test_request_context():
        session = db.session()
        ticket = session.get(Ticket, ticket.id)
        staff = Staff(
            email="sam@harborfibre.example", name=f"Sam {HOSTILE}", password_hash="-", created=NOW, password_changed=NOW
        )
        session.add(staff)
        session.flush()
        message = service.staff_reply(session, ticket, staff, f"Try this:\n{HOSTILE}\n\nThen restart.", NOW)
        built = [
            emails.acknowledgement(ticket, sla.DEFAULT),
            emails.staff_reply(ticket, message, staff.name),
            emails.satisfaction_survey(ticket),
        ]
    for mail in built:
        assert "<script>" not in mail.html and "<img" not in mail.html, mail.kind
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in mail.html, mail.kind
        assert HOSTILE in mail.text, mail.kind  # plain text: shown as typed, never run
        # Right-to-left customers get their direction; the reference stays left-to-right.
        assert '<html lang="he" dir="rtl">' in mail.html
        assert '<div lang="he" dir="rtl"' in mail.html  # the words are the ticket's language too
        assert '<bdi dir="ltr" class="reference"' in mail.html and ticket.reference in mail.html
    reply = built[1]
    assert "Try this:<br>&lt;script&gt;" in reply.html and ">Then restart.</p>" in reply.html
    survey = built[2]
    for score in range(1, 6):
        assert f"?rate={score}#csat" in survey.text and f"?rate={score}#csat" in survey.html


# Retries and back-off ----------------------------------------------------------------------


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    waits = [outbox.backoff(n) for n in range(1, 10)]
    assert [w.total_seconds() / 60 for w in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert outbox.backoff(1000) == dt.timedelta(hours=1)


def test_smtp_down_keeps_everything_queued_with_back_off_then_delivers_once(sqlite_db):
    database = sqlite_db
    queue(database, plain(1), plain(2), plain(3))
    down = SmtpServer(free_port())  # nothing listens there yet
    settings = smtp_settings(down.port)

    first = outbox.deliver_due(database.session, settings, NOW, limit=10)
    assert first.sent == 0 and not first.ok and "127.0.0.1" in first.unreachable
    one, two, three = rows(database)
    # The message tried waits a minute; the run stopped there, so the others are still due.
    assert (one.attempts, one.next_attempt, one.sent) == (1, NOW + dt.timedelta(minutes=1), None)
    assert one.last_error and "refused" in one.last_error.lower()
    assert (two.attempts, two.next_attempt) == (0, NOW) and (three.attempts, three.next_attempt) == (0, NOW)

    # Each run tries the message that has waited longest, finds the server still
    # down, and stops: so three runs try each message once more.
    later = NOW + dt.timedelta(minutes=1)
    for _ in range(3):
        outbox.deliver_due(database.session, settings, later, limit=10)
    one, two, three = rows(database)
    assert (one.attempts, one.next_attempt) == (2, later + dt.timedelta(minutes=2))  # waits twice as long
    assert (two.attempts, two.next_attempt) == (1, later + dt.timedelta(minutes=1))
    assert (three.attempts, three.next_attempt) == (1, later + dt.timedelta(minutes=1))

    # A long outage never stops a message: the server being away is not its fault.
    moment = later
    for _ in range(outbox.MAX_ATTEMPTS + 5):
        moment += dt.timedelta(hours=1)
        outbox.deliver_due(database.session, settings, moment, limit=10)
    assert all(r.sent is None and r.attempts < outbox.MAX_ATTEMPTS for r in rows(database))

    down.start()  # the server is back
    try:
        moment += dt.timedelta(hours=1)
        back = outbox.deliver_due(database.session, settings, moment, limit=10)
        assert (back.sent, back.ok) == (3, True)
        assert outbox.deliver_due(database.session, settings, moment + dt.timedelta(days=1), limit=10).sent == 0
        subjects = sorted(m["Subject"] for m in down.inbox.messages())
        assert subjects == ["Message 1", "Message 2", "Message 3"]  # each exactly once
        assert all(r.sent == moment for r in rows(database))
    finally:
        down.stop()


def test_a_temporary_refusal_is_retried_then_stopped_visibly_and_can_be_retried(sqlite_db, server):
    database = sqlite_db
    server.inbox.refuse["busy@example.com"] = "451 4.2.1 Mailbox busy, try later"
    queue(database, plain(1, "busy@example.com"), plain(2))
    settings = smtp_settings(server.port)

    result = outbox.deliver_due(database.session, settings, NOW, limit=10)
    assert result.sent == 1 and result.retrying == 1 and result.stopped == 0  # the other one still went
    busy = rows(database)[0]
    assert busy.attempts == 1 and busy.next_attempt == NOW + dt.timedelta(minutes=1)
    assert "451" in busy.last_error and "busy" in busy.last_error

    moment = NOW
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        moment = rows(database)[0].next_attempt
        result = outbox.deliver_due(database.session, settings, moment, limit=10)
    assert result.stopped == 1
    busy = rows(database)[0]
    assert busy.sent is None and busy.attempts == outbox.MAX_ATTEMPTS and busy.last_error.startswith("stopped:")
    # Stopped means kept, not retried, and shown.
    assert outbox.deliver_due(database.session, settings, moment + dt.timedelta(days=2), limit=10).failures == ()
    with database.session() as session:
        state = outbox.queue_state(session, moment)
    assert (state.stopped, state.waiting) == (1, 0)
    assert "451" in state.stopped_rows[0].error

    del server.inbox.refuse["busy@example.com"]
    with database.session() as session:
        assert outbox.retry_stopped(session, moment) == 1
        session.commit()
    assert outbox.deliver_due(database.session, settings, moment, limit=10).sent == 1
    assert server.inbox.recipients().count("busy@example.com") == 1


def test_a_permanent_refusal_stops_that_message_only(sqlite_db, server):
    database = sqlite_db
    server.inbox.refuse["gone@example.com"] = "550 5.1.1 No such user"
    queue(database, plain(1, "gone@example.com"), plain(2))

    result = outbox.deliver_due(database.session, smtp_settings(server.port), NOW, limit=10)

    assert (result.sent, result.stopped, result.retrying) == (1, 1, 0)
    gone, delivered = rows(database)
    assert gone.attempts == outbox.MAX_ATTEMPTS and "550" in gone.last_error and gone.sent is None
    assert delivered.sent == NOW


@pytest.mark.parametrize(
    ("recipient", "subject"),
    [
        ("victim@example.com", "Hello\r\nBcc: evil@example.com"),
        ("victim@example.com", "Hello\nBcc: evil@example.com"),
        ("victim@example.com\r\nBcc: evil@example.com", "Hello"),
        ("victim@example.com, evil@example.com", "Hello"),
        ("Victim <victim@example.com>", "Hello"),
        ("", "Hello"),
    ],
)
def test_header_injection_stops_that_row_and_never_reaches_anyone(sqlite_db, server, recipient, subject):
    database = sqlite_db
    queue(database, Email("reply", recipient, subject, "Hi\n"), plain(2))

    result = outbox.deliver_due(database.session, smtp_settings(server.port), NOW, limit=10)

    assert (result.sent, result.stopped) == (1, 1)  # the worker carried on with the next message
    assert server.inbox.recipients() == ["customer2@example.com"]
    [mail] = server.inbox.messages()
    assert "Bcc" not in mail and "evil" not in mail.as_string()
    bad = rows(database)[0]
    assert bad.sent is None and bad.last_error.startswith("stopped: cannot build the message")


# Two workers at once -----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> Iterator[db.Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
    database = db.Database(url, tmp_path / "instance")
    db.upgrade(database)
    yield database
    database.dispose()


WORKERS = 4
MESSAGES = 40


def test_workers_running_at_once_never_send_a_message_twice(database, server):
    queue(database, *(plain(n) for n in range(MESSAGES)))
    settings = smtp_settings(server.port)
    start = threading.Barrier(WORKERS)
    results: list[DeliveryResult] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=10)
            results.append(outbox.deliver_due(database.session, settings, NOW, limit=MESSAGES))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    ids = [m["Message-ID"] for m in server.inbox.messages()]
    assert len(ids) == MESSAGES and len(set(ids)) == MESSAGES
    assert sorted(m["Subject"] for m in server.inbox.messages()) == sorted(f"Message {n}" for n in range(MESSAGES))
    assert sum(r.sent for r in results) == MESSAGES
    assert all(r.sent == NOW and r.attempts == 1 for r in rows(database))


def test_a_claimed_message_is_left_alone_until_its_lease_runs_out(sqlite_db, server):
    """A worker that died after claiming: the message is retried after the lease."""
    database = sqlite_db
    queue(database, plain(1))
    claimed = outbox._claim(database.session, NOW, set())
    assert claimed is not None
    settings = smtp_settings(server.port)
    assert outbox.deliver_due(database.session, settings, NOW + dt.timedelta(minutes=1), limit=10).sent == 0
    assert outbox.deliver_due(database.session, settings, NOW + outbox.LEASE, limit=10).sent == 1
    assert rows(database)[0].attempts == 2


# The command --------------------------------------------------------------------------------


def _real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=1)


def test_send_mail_says_when_smtp_is_not_configured_and_keeps_the_mail(app):
    ticket = open_ticket(app, _real_now())
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "PORTAL_SMTP_HOST is not set" in result.output and "Waiting: 1 email (1 due now)" in result.output
    assert rows(db.database(app))[0].sent is None and ticket.reference not in result.output


def test_send_mail_delivers_and_reports(app, server):
    ticket = open_ticket(app, _real_now())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Sent 1 email.")
    [mail] = server.inbox.messages()
    assert mail["X-Ticket-Reference"] == ticket.reference
    [sender] = mail["From"].addresses  # the defaults: the site's name and support address
    assert (sender.display_name, sender.addr_spec) == ("Harbor Fibre Help Centre", "support@harborfibre.example")
    assert "Reply-To" not in mail  # MAIL_FROM is the support address already
    again = app.test_cli_runner().invoke(args=["send-mail"])
    assert (again.exit_code, again.output.strip()) == (0, "Nothing was due.")


def test_send_mail_fails_loudly_when_the_server_is_down_and_loses_nothing(app):
    open_ticket(app, _real_now())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=5)
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 1
    assert "could not be reached" in result.output and "Nothing is lost" in result.output
    assert "Waiting: 1 email (0 due now)" in result.output  # backing off
    assert rows(db.database(app))[0].attempts == 1


def test_send_mail_lists_stopped_emails_and_retries_them_on_request(app, server):
    database = db.database(app)
    server.inbox.refuse["gone@example.com"] = "550 5.1.1 No such user"
    queue(database, plain(1, "gone@example.com"), now=_real_now())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_TIMEOUT=5)
    first = app.test_cli_runner().invoke(args=["send-mail"])
    assert first.exit_code == 1
    assert "Stopped: 1 email" in first.output and "550 5.1.1 No such user" in first.output
    assert "gone@example.com" not in first.output  # no addresses in logs
    del server.inbox.refuse["gone@example.com"]
    retried = app.test_cli_runner().invoke(args=["send-mail", "--retry-stopped"])
    assert retried.exit_code == 0, retried.output
    assert "1 stopped email will be tried again." in retried.output and "Sent 1 email." in retried.output


def test_the_worker_loop_reports_what_happens_and_survives_database_errors():
    stop = threading.Event()
    said: list[str] = []
    calls = {"n": 0}
    empty = QueueState(0, 0, 0, None)

    def run() -> tuple[DeliveryResult, QueueState]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))
        if calls["n"] == 2:
            return DeliveryResult(sent=2), empty
        if calls["n"] == 3:
            return DeliveryResult(), empty  # quiet: nothing to report
        stop.set()
        return DeliveryResult(), empty

    mailer.serve(run, 0, stop, said.append, limit=100)

    assert calls["n"] == 4
    assert len(said) == 2
    assert "database error, retrying" in said[0] and "Sent 2 emails." in said[1]


def test_settings_come_from_the_configuration_and_hide_the_password():
    settings = SmtpSettings.from_config(
        {
            "SMTP_HOST": "mail.example.com",
            "SMTP_PORT": 587,
            "SMTP_SECURITY": "starttls",
            "SMTP_PASSWORD": "hunter2",
            "MAIL_FROM": "Help <help@example.com>",
            "SUPPORT_EMAIL": "support@example.com",
        }
    )
    assert settings.configured and settings.reply_to == "support@example.com" and settings.domain == "example.com"
    assert "hunter2" not in repr(settings)
    assert not SmtpSettings.from_config({"SMTP_HOST": ""}).configured
