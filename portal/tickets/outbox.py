"""The outbox: emails are rows first and messages second.

:func:`enqueue` adds a row in the caller's transaction, so a ticket and its
acknowledgement are committed together or not at all, and a slow or broken
mail server can never lose a ticket or hold up a page. :func:`deliver_due`,
run by ``flask --app portal send-mail`` (once, from cron, or ``--loop`` as a
service), sends what is due through SMTP.

Delivery is at least once, never zero times:

- A row is *claimed* before it is sent: in one short transaction, its
  ``next_attempt`` is moved :data:`LEASE` into the future and ``attempts``
  counted. Another worker looking for due rows then passes it by. PostgreSQL
  workers claim with ``FOR UPDATE SKIP LOCKED``, so they never wait for each
  other; SQLite write transactions begin ``IMMEDIATE`` (:mod:`portal.db`), so
  claims take turns. A worker that dies after claiming leaves the row to be
  retried when the lease runs out.
- Accepted by the server: ``sent`` is set. Refused for now (a 4xx answer, a
  timeout, a server that is down): ``last_error`` is kept and the row waits
  1, 2, 4 … minutes, at most an hour (:func:`backoff`). A server that cannot be
  reached ends the run, and everything not yet tried stays due.
- Refused for good (a 5xx answer to the recipient or the message, or a
  message :mod:`email` will not build, such as a header with a line break), or
  :data:`MAX_ATTEMPTS` temporary failures: the row is *stopped*. It is kept,
  reported by ``send-mail`` and can be retried with ``send-mail --retry-stopped``.
  An unreachable server never stops a message: it is not the message's fault.

The one duplicate possible: the server accepted a message and the worker died
(or lost its database) before recording it. The retry has the same
``Message-ID``, so mail clients show it once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from portal.models import OutboxMessage, Ticket
from portal.tickets.emails import Email

MAX_ATTEMPTS = 20  # about 15 hours of retries (1+2+4+…+32 minutes, then hourly)
FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_WAIT = dt.timedelta(hours=1)
# Longer than one message can take (connect, log in, send: each within SMTP_TIMEOUT),
# so a row is never sent by a second worker while the first is still at it.
LEASE = dt.timedelta(minutes=10)
ERROR_LENGTH = 500
AUTOMATIC_KINDS = ("acknowledgement", "csat")  # written by the portal, not by a person


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the mail server; ``host`` empty means not configured.
    ``security`` is ``none``, ``starttls`` or ``ssl``."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    security: str = "none"
    timeout: float = 30.0
    mail_from: str = "help@localhost"
    reply_to: str = ""

    @property
    def configured(self) -> bool:
        return bool(self.host)

    @property
    def domain(self) -> str:
        """The sender's domain, for Message-IDs."""
        return parseaddr(self.mail_from)[1].rpartition("@")[2] or "localhost"

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SmtpSettings:
        mail_from = str(config.get("MAIL_FROM") or config.get("SUPPORT_EMAIL") or "help@localhost")
        support = str(config.get("SUPPORT_EMAIL") or "")
        same = parseaddr(support)[1].casefold() == parseaddr(mail_from)[1].casefold()
        return cls(
            host=str(config.get("SMTP_HOST") or ""),
            port=int(config.get("SMTP_PORT") or 25),
            username=str(config.get("SMTP_USERNAME") or ""),
            password=str(config.get("SMTP_PASSWORD") or ""),
            security=str(config.get("SMTP_SECURITY") or "none"),
            timeout=float(config.get("SMTP_TIMEOUT") or 30.0),
            mail_from=mail_from,
            reply_to="" if same else support,
        )

    def __repr__(self) -> str:  # never print the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, security={self.security!r})"


@dataclass(frozen=True)
class Failure:
    """A message that was not delivered in a run, for the command's report."""

    outbox_id: int
    kind: str
    reference: str
    error: str
    stopped: bool


@dataclass(frozen=True)
class DeliveryResult:
    """What one :func:`deliver_due` run did. ``unreachable`` is the error
    when the server could not be reached (the run stopped there);
    ``not_configured`` is true when there is no ``SMTP_HOST`` (nothing tried)."""

    sent: int = 0
    failures: tuple[Failure, ...] = ()
    unreachable: str = ""
    not_configured: bool = False

    @property
    def retrying(self) -> int:
        return sum(not f.stopped for f in self.failures)

    @property
    def stopped(self) -> int:
        return sum(f.stopped for f in self.failures)

    @property
    def ok(self) -> bool:
        return not self.failures and not self.unreachable and not self.not_configured


@dataclass(frozen=True)
class QueueState:
    """The outbox at a glance: ``waiting`` unsent rows still being tried (of
    which ``due`` now), ``stopped`` ones given up on, the oldest waiting one."""

    waiting: int
    due: int
    stopped: int
    oldest_waiting: dt.datetime | None
    stopped_rows: tuple[Failure, ...] = ()


def enqueue(session: Session, email: Email, now: dt.datetime, ticket: Ticket | None = None) -> OutboxMessage:
    row = OutboxMessage(
        ticket_id=ticket.id if ticket is not None else None,
        kind=email.kind,
        recipient=email.recipient,
        subject=email.subject,
        body_text=email.text,
        body_html=email.html,
        lang=email.lang,
        created=now,
        attempts=0,
        next_attempt=now,
        last_error="",
    )
    session.add(row)
    return row


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 1 minute, doubling
    each time, at most :data:`LONGEST_WAIT`."""
    return min(FIRST_RETRY * 2 ** max(0, min(attempts - 1, 20)), LONGEST_WAIT)


# Delivery ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    """A claimed row's contents, read inside the claim so sending needs no session."""

    id: int
    kind: str
    recipient: str
    subject: str
    body_text: str
    body_html: str
    created: dt.datetime
    attempts: int
    reference: str


class _Permanent(Exception):
    """This message can never be delivered as it is."""


class _Unreachable(Exception):
    """The server could not be reached or refused us as a client: no message's fault."""


def _due(now: dt.datetime) -> Any:
    return (
        OutboxMessage.sent.is_(None),
        OutboxMessage.next_attempt <= now,
        OutboxMessage.attempts < MAX_ATTEMPTS,
    )


def _claim(session_factory: Callable[[], Session], now: dt.datetime, skip: set[int]) -> _Claimed | None:
    """Lease the next due row to this worker, or ``None`` when nothing is due."""
    query = (
        select(OutboxMessage, Ticket.reference)
        .outerjoin(Ticket, Ticket.id == OutboxMessage.ticket_id)
        .where(*_due(now))
        .order_by(OutboxMessage.next_attempt, OutboxMessage.id)
        .limit(1)
        # Locks the outbox row only; SQLite ignores it and serialises instead.
        .with_for_update(skip_locked=True, of=OutboxMessage)
    )
    if skip:
        query = query.where(OutboxMessage.id.not_in(skip))
    with session_factory() as session, session.begin():
        found = session.execute(query).first()
        if found is None:
            return None
        row, reference = found
        row.attempts += 1
        row.next_attempt = now + LEASE
        return _Claimed(
            row.id,
            row.kind,
            row.recipient,
            row.subject,
            row.body_text,
            row.body_html,
            row.created,
            row.attempts,
            reference or "",
        )


def build_message(claimed: _Claimed, settings: SmtpSettings, now: dt.datetime) -> EmailMessage:
    """The message as it goes out. :class:`EmailMessage` refuses header values
    with CR or LF; a recipient that is not exactly one address is refused too,
    so no stored value can ever add a header or a recipient.

    :raise _Permanent: the row cannot become a valid message.
    """
    try:
        name, address = parseaddr(claimed.recipient)
        if name or address != claimed.recipient.strip() or "@" not in address:
            raise ValueError(f"the recipient is not one plain address: {claimed.recipient!r}")
        recipient = Address(addr_spec=address)
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = recipient
        if settings.reply_to:
            message["Reply-To"] = settings.reply_to
        message["Subject"] = claimed.subject
        message["Date"] = format_datetime(now.replace(tzinfo=dt.UTC))
        message["Message-ID"] = _message_id(claimed, settings.domain)
        if claimed.reference:
            # Mail clients thread every email about a ticket together.
            thread = f"<ticket.{claimed.reference}@{settings.domain}>"
            message["References"] = thread
            message["In-Reply-To"] = thread
            message["X-Ticket-Reference"] = claimed.reference
        if claimed.kind in AUTOMATIC_KINDS:
            message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay quiet
        message.set_content(claimed.body_text)
        if claimed.body_html:
            message.add_alternative(claimed.body_html, subtype="html")
        if len(message["To"].addresses) != 1:
            raise ValueError("the recipient is not one address")
    except Exception as exc:  # ValueError, email.errors.HeaderParseError and kin
        raise _Permanent(f"cannot build the message: {exc}") from exc
    return message


def _message_id(claimed: _Claimed, domain: str) -> str:
    """The same for every attempt at a row (so a duplicate shows once), and
    saying nothing about how many emails were sent."""
    digest = hashlib.sha256(f"{claimed.id}:{claimed.created.isoformat()}:{claimed.recipient}".encode()).hexdigest()
    return f"<{digest[:32]}@{domain}>"


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    """An open, authenticated connection. :raise _Unreachable: on any failure."""
    smtp: smtplib.SMTP | None = None
    try:
        if settings.security == "ssl":
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
            if settings.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password)
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            _close(smtp)
        raise _Unreachable(f"{settings.host}:{settings.port}: {_describe(exc)}") from exc
    return smtp


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return f"{exc.smtp_code} {detail}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {msg.decode('utf-8', 'replace') if isinstance(msg, bytes) else msg}"
            for code, msg in exc.recipients.values()
        )
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _send(smtp: smtplib.SMTP, message: EmailMessage, settings: SmtpSettings) -> None:
    """Hand one message to the server.

    :raise _Permanent: refused for good (5xx to the recipient or the message).
    :raise _Unreachable: the connection failed, or the server refused the
        sender (a configuration problem, not the message's).
    :raise smtplib.SMTPException: refused for now (4xx).
    """
    try:
        smtp.send_message(message, from_addr=parseaddr(settings.mail_from)[1])
    except smtplib.SMTPRecipientsRefused as exc:
        if all(code >= 500 for code, _ in exc.recipients.values()):
            raise _Permanent(_describe(exc)) from exc
        raise
    except smtplib.SMTPDataError as exc:
        if exc.smtp_code >= 500:
            raise _Permanent(_describe(exc)) from exc
        raise
    except smtplib.SMTPNotSupportedError as exc:  # an address that needs SMTPUTF8, which the server lacks
        raise _Permanent(_describe(exc)) from exc
    except (smtplib.SMTPServerDisconnected, smtplib.SMTPSenderRefused, OSError) as exc:
        raise _Unreachable(_describe(exc)) from exc


def _record(session_factory: Callable[[], Session], row_id: int, values: dict[str, Any]) -> None:
    with session_factory() as session, session.begin():
        statement = update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.sent.is_(None))
        session.execute(statement.values(**values))


def _fail(
    session_factory: Callable[[], Session], claimed: _Claimed, now: dt.datetime, error: str, *, stop: bool, count: bool
) -> Failure:
    """Record a failed attempt. ``stop``: never retry; ``count`` false: the
    attempt does not bring the row nearer to being stopped (server unreachable)."""
    attempts = claimed.attempts
    if stop:
        attempts = MAX_ATTEMPTS
    elif not count:
        attempts = min(attempts, MAX_ATTEMPTS - 1)
    stopped = attempts >= MAX_ATTEMPTS
    values = {
        "attempts": attempts,
        "next_attempt": now + backoff(claimed.attempts),
        "last_error": (f"stopped: {error}" if stopped else error)[:ERROR_LENGTH],
    }
    _record(session_factory, claimed.id, values)
    return Failure(claimed.id, claimed.kind, claimed.reference, error[:ERROR_LENGTH], stopped)


def deliver_due(
    session_factory: Callable[[], Session],
    settings: SmtpSettings,
    now: dt.datetime,
    limit: int = 100,
    connect: Callable[[SmtpSettings], smtplib.SMTP] = _connect,
) -> DeliveryResult:
    """Send up to ``limit`` due emails over one SMTP connection, each claimed
    first (see the module's docstring). Safe to run in several processes at
    once. ``session_factory`` makes a new write session (``database.session``).
    """
    if not settings.configured:
        return DeliveryResult(not_configured=True)
    sent = 0
    failures: list[Failure] = []
    smtp: smtplib.SMTP | None = None
    tried: set[int] = set()
    try:
        while len(tried) < limit:
            claimed = _claim(session_factory, now, tried)
            if claimed is None:
                break
            tried.add(claimed.id)
            try:
                message = build_message(claimed, settings, now)
                if smtp is None:
                    smtp = connect(settings)
                _send(smtp, message, settings)
            except _Permanent as exc:
                failures.append(_fail(session_factory, claimed, now, str(exc), stop=True, count=True))
            except _Unreachable as exc:
                failures.append(_fail(session_factory, claimed, now, str(exc), stop=False, count=False))
                return DeliveryResult(sent, tuple(failures), unreachable=str(exc))
            except (smtplib.SMTPException, ValueError) as exc:
                failures.append(_fail(session_factory, claimed, now, _describe(exc), stop=False, count=True))
            else:
                _record(session_factory, claimed.id, {"sent": now, "last_error": ""})
                sent += 1
    finally:
        if smtp is not None:
            _close(smtp)
    return DeliveryResult(sent, tuple(failures))


def queue_state(session: Session, now: dt.datetime, list_stopped: int = 20) -> QueueState:
    """How many emails wait, are due and are stopped; the first stopped ones."""
    unsent = OutboxMessage.sent.is_(None)
    trying = OutboxMessage.attempts < MAX_ATTEMPTS
    waiting, oldest = session.execute(select(func.count(), func.min(OutboxMessage.created)).where(unsent, trying)).one()
    due = session.scalar(select(func.count()).select_from(OutboxMessage).where(*_due(now)))
    stopped_query = (
        select(OutboxMessage, Ticket.reference)
        .outerjoin(Ticket, Ticket.id == OutboxMessage.ticket_id)
        .where(unsent, ~trying)
        .order_by(OutboxMessage.id)
    )
    stopped = session.scalar(select(func.count()).select_from(OutboxMessage).where(unsent, ~trying))
    rows = session.execute(stopped_query.limit(list_stopped)).all()
    listed = tuple(Failure(row.id, row.kind, ref or "", row.last_error, True) for row, ref in rows)
    return QueueState(waiting, due or 0, stopped or 0, oldest, listed)


def retry_stopped(session: Session, now: dt.datetime) -> int:
    """Give every stopped email a fresh set of attempts, due now. Returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sent.is_(None), OutboxMessage.attempts >= MAX_ATTEMPTS)
        .values(attempts=0, next_attempt=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
