"""The customer's side of a ticket: find it, read it, answer it, close it, rate it.

``/tickets/status`` finds a ticket by its reference and the email address it
was opened with, and sends the customer on to ``/tickets/view/<token>``, the
signed address the emails link to (:mod:`portal.tickets.links`). Nothing on
these pages tells whether a reference exists:

- a wrong reference, a wrong email, or both get the same page, after the same
  query and the same constant-time comparison (:func:`find_ticket`);
- a reference whose check character fails is called mistyped: that is
  arithmetic on what was typed (:mod:`portal.tickets.reference`), true or false
  whatever tickets there are, and it saves an honest customer a wasted try;
- failed lookups are rate limited per client (:data:`LOOKUP_LIMIT`; only
  failures count). With 27.5 billion possible references that makes guessing
  hopeless even before the email has to match.

Pages that carry a token are the customer's alone: ``Cache-Control: private,
no-store`` (no shared or back-button copy), ``Referrer-Policy: no-referrer``
(a link followed from the page does not hand the token to another site) and
``noindex``. Every post needs the CSRF token; a refused post (stale token,
too many posts) comes back in the site's layout with what was typed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal import db, i18n
from portal.csrf import CSRFError
from portal.errors import render_error
from portal.i18n import format_number, lazy_gettext
from portal.models import BODY_LENGTH, EMAIL_LENGTH, MISSING_LENGTH, Staff, Ticket
from portal.ratelimit import limiter
from portal.tickets import forms, links, reference, service
from portal.tickets.emails import CSAT_CHOICES

bp = Blueprint("ticket_status", __name__)

# Counted only when a lookup finds nothing: a customer who mistypes twice is
# never in the way, a script trying references is stopped after ten.
LOOKUP_LIMIT = "10 per 15 minutes"
LOOKUP_RETRY_SECONDS = 15 * 60
# Replies, closing and rating: generous for a person, tight for a script.
ACTION_LIMIT = "10 per minute; 60 per hour"
REFERENCE_INPUT_LENGTH = 64
_FAILED = "portal_ticket_lookup_failed"

# L10n: what each status means to the customer.
STATUS_LABELS = {
    "new": (lazy_gettext("Received"), lazy_gettext("We have your request. A member of our team will answer soon.")),
    "open": (lazy_gettext("With our team"), lazy_gettext("Our team is working on your request.")),
    "pending": (
        lazy_gettext("Waiting for your reply"),
        lazy_gettext("We've answered and are waiting to hear from you."),
    ),
    "solved": (
        lazy_gettext("Solved"),
        lazy_gettext("We think this is sorted. If it isn't, reply below and we'll pick it up again."),
    ),
    "closed": (lazy_gettext("Closed"), lazy_gettext("This request is closed.")),
}
NOT_FOUND = lazy_gettext(
    "We couldn't find a request with that reference and email address. "
    "Check both against the email we sent when you contacted us."
)
MISTYPED = lazy_gettext(
    "This reference looks mistyped: one character is wrong or two are swapped. Check it against the email we sent you."
)
BAD_FORMAT = lazy_gettext("A reference has eight letters and digits, like %(example)s.", example="K7QM-4DXP")

# Compared with the email digest when there is no ticket, so a lookup does the
# same work whether the reference exists or not.
_NO_TICKET = hashlib.sha256(b"portal: no such ticket").digest()


# Pure helpers ------------------------------------------------------------------


def text_problem(value: str, limit: int, *, multiline: bool = False, required: bool = True) -> str:
    """What is wrong with a typed value, for the field's error message; ``""``
    when nothing is. The same rules as the ticket form (:mod:`portal.tickets.forms`:
    no NUL or other control characters, nothing lost in decoding, one-line
    fields on one line), plus presence and size."""
    if required and not value.strip():
        return gettext("Please fill this in.")
    problem = forms.text_problem(value, single_line=not multiline)
    if problem:
        return problem
    if len(value) > limit:
        return gettext(
            "Please keep this under %(limit)s characters (it has %(length)s).",
            limit=format_number(limit),
            length=format_number(len(value)),
        )
    return ""


def tidy(value: str) -> str:
    """Free text as the ticket form stores it: NFC, ``\\n`` line breaks, trimmed."""
    return forms.normalise(value, single_line=False)


def _email_digest(email: str) -> bytes:
    return hashlib.sha256(email.strip().casefold().encode("utf-8", "surrogatepass")).digest()


def find_ticket(session: Session, ref: str, email: str) -> Ticket | None:
    """The ticket with reference ``ref`` (canonical form) opened with ``email``
    (any case), else ``None``: always one query and one constant-time
    comparison, whichever of the two is wrong."""
    ticket = service.find(session, ref)
    stored = _email_digest(ticket.email) if ticket is not None else _NO_TICKET
    matches = hmac.compare_digest(stored, _email_digest(email))
    return ticket if matches and ticket is not None else None


def parse_score(raw: str) -> int | None:
    """A CSAT score 1-5 from a form value, else ``None``."""
    raw = raw.strip()
    if len(raw) != 1 or not raw.isdigit() or int(raw) not in CSAT_CHOICES:
        return None
    return int(raw)


NPS_CHOICES = tuple(range(11))  # "How likely are you to recommend us?": 0 (not at all) to 10


def parse_nps(raw: str) -> int | None:
    """An answer 0-10 to "How likely are you to recommend us?" from a form
    value, else ``None`` (not answered, or not a number in range)."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 2 or int(raw) not in NPS_CHOICES:
        return None
    return int(raw)


def _asks_nps() -> bool:
    return bool(current_app.config.get("SURVEY_NPS"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def when(moment: dt.datetime | None) -> str:
    """``2 November 2026, 14:05 UTC`` in the reader's language (times are stored
    in UTC, and shown in UTC: the portal does not know the customer's zone)."""
    if moment is None:
        return ""
    clock = i18n.digits(f"{moment:%H:%M}")
    # L10n: a date ("2 November 2026"), a time ("14:05"), then the time zone.
    return gettext("%(date)s, %(time)s UTC", date=i18n.format_day(moment.date()), time=clock)


# What a page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class LookupForm:
    """The lookup form as typed, with its field errors and a notice."""

    reference: str = ""
    email: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""


@dataclass(frozen=True)
class Refill:
    """What the customer typed into the ticket page's forms, shown again after a
    refused post, with the field errors and a notice above the forms."""

    body: str = ""
    score: int | None = None
    comment: str = ""
    nps: int | None = None
    errors: dict[str, str] = field(default_factory=dict)
    notice: str = ""
    notice_for: str = ""  # "reply", "close" or "csat": which form the notice is about


def _lookup_page(form: LookupForm, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    return render_template("ticket_status/lookup.html", form=form), status, headers or {}


def _staff_names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {staff_id: name for staff_id, name in session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))}


def _ticket_page(session: Session, ticket: Ticket, token: str, refill: Refill | None = None, status: int = 200) -> Any:
    conversation = service.messages(session, ticket)
    names = _staff_names(session, {m.staff_id for m in conversation if m.staff_id is not None})
    done = request.args.get("done", "")
    preselected = parse_score(request.args.get("rate", ""))
    refill = refill or Refill(score=preselected)
    new_ticket = url_for("tickets.new") if "tickets.new" in current_app.view_functions else None
    page = render_template(
        "ticket_status/ticket.html",
        ticket=ticket,
        token=token,
        conversation=conversation,
        staff_names=names,
        status_label=STATUS_LABELS.get(ticket.status, (ticket.status, ""))[0],
        status_help=STATUS_LABELS.get(ticket.status, ("", ""))[1],
        can_reply=ticket.status != "closed",
        can_close=ticket.status != "closed",
        can_rate=ticket.status in service.CSAT_STATUSES and ticket.csat_score is None,
        done=done if done in ("replied", "closed", "rated") else "",
        refill=refill,
        csat_choices=CSAT_CHOICES,
        ask_nps=_asks_nps(),
        nps_choices=NPS_CHOICES,
        body_limit=BODY_LENGTH,
        comment_limit=MISSING_LENGTH,
        when=when,
        new_ticket=new_ticket,
    )
    return page, status


def _bad_link() -> Any:
    """A token that is tampered with, expired or for a ticket whose email changed."""
    return render_template("ticket_status/bad_link.html", form=LookupForm()), 404


def _ticket_or_none(session: Session, token: str) -> Ticket | None:
    return links.ticket_from_token(session, token)


# Views ---------------------------------------------------------------------------


def _lookup_failed(_response: Response) -> bool:
    return bool(g.get(_FAILED))


@bp.route("/tickets/status", methods=["GET", "POST"])
@limiter.limit(LOOKUP_LIMIT, methods=["POST"], deduct_when=_lookup_failed)
def lookup() -> Any:
    """Find a ticket by reference and email. ``?reference=`` fills the form in.

    A match answers ``303`` to the ticket's page; anything else shows the form
    again with what was typed."""
    if request.method == "GET":
        typed = request.args.get("reference", "")[:REFERENCE_INPUT_LENGTH]
        return _lookup_page(LookupForm(reference=typed if not text_problem(typed, REFERENCE_INPUT_LENGTH) else ""))
    typed_reference = request.form.get("reference", "")
    typed_email = request.form.get("email", "")
    errors = {
        name: problem
        for name, problem in (
            ("reference", text_problem(typed_reference, REFERENCE_INPUT_LENGTH)),
            ("email", text_problem(typed_email, EMAIL_LENGTH)),
        )
        if problem
    }
    if "reference" not in errors:
        parsed = reference.parse(typed_reference)
        if parsed.problem:
            errors["reference"] = str(MISTYPED if parsed.problem == "check" else BAD_FORMAT)
    form = LookupForm(typed_reference, typed_email, errors)
    if errors:
        return _lookup_page(form)
    ticket = find_ticket(db.reader(), parsed.reference, typed_email)
    if ticket is None:
        setattr(g, _FAILED, True)
        return _lookup_page(LookupForm(typed_reference, typed_email, notice=str(NOT_FOUND)))
    return redirect(url_for("ticket_status.view", token=links.token_for(ticket)), code=303)


@bp.get("/tickets/view/<token>")
def view(token: str) -> Any:
    """The ticket's page: status, conversation, reply, close and rate.
    :raise 404: (a friendly page) the link is not valid or has expired."""
    session = db.reader()
    ticket = _ticket_or_none(session, token)
    if ticket is None:
        return _bad_link()
    return _ticket_page(session, ticket, token)


def _back(token: str, done: str, anchor: str) -> Response:
    return redirect(url_for("ticket_status.view", token=token, done=done) + f"#{anchor}", code=303)


@bp.post("/tickets/view/<token>/reply")
@limiter.limit(ACTION_LIMIT)
def reply(token: str) -> Any:
    """Add to the conversation; a ticket waiting on the customer, or solved,
    goes back to the team. A closed ticket takes no replies."""
    session = db.session()
    ticket = _ticket_or_none(session, token)
    if ticket is None:
        return _bad_link()
    body = tidy(request.form.get("body", ""))
    if ticket.status == "closed":
        notice = gettext("This request is closed, so it can't take replies. Please open a new request.")
        return _ticket_page(session, ticket, token, Refill(body=body, notice=notice, notice_for="reply"), 409)
    problem = text_problem(body, BODY_LENGTH, multiline=True)
    if problem:
        return _ticket_page(session, ticket, token, Refill(body=body, errors={"body": problem}))
    service.customer_reply(session, ticket, body, _now())
    session.commit()
    return _back(token, "replied", "latest")


@bp.post("/tickets/view/<token>/close")
@limiter.limit(ACTION_LIMIT)
def close(token: str) -> Any:
    """The customer says their problem is solved: the ticket is closed (and can then be rated)."""
    session = db.session()
    ticket = _ticket_or_none(session, token)
    if ticket is None:
        return _bad_link()
    service.customer_close(session, ticket, _now())
    session.commit()
    return _back(token, "closed", "csat")


@bp.post("/tickets/view/<token>/rate")
@limiter.limit(ACTION_LIMIT)
def rate(token: str) -> Any:
    """The answer to "How satisfied are you?" (and, when the survey asks it,
    "How likely are you to recommend us?"): once per ticket, once it is solved or closed."""
    session = db.session()
    ticket = _ticket_or_none(session, token)
    if ticket is None:
        return _bad_link()
    score = parse_score(request.form.get("score", ""))
    comment = tidy(request.form.get("comment", ""))
    errors = {}
    if score is None:
        errors["score"] = gettext("Please choose how satisfied you are, from 1 to 5.")
    problem = text_problem(comment, MISSING_LENGTH, multiline=True, required=False)
    if problem:
        errors["comment"] = problem
    nps = None
    if _asks_nps():  # a posted answer the page did not ask for is ignored
        raw_nps = request.form.get("nps", "")
        nps = parse_nps(raw_nps)
        if raw_nps.strip() and nps is None:
            errors["nps"] = gettext("Please choose a number from 0 to 10, or leave this question out.")
    refill = Refill(score=score, comment=comment, nps=nps, errors=errors, notice_for="csat")
    # Lock the row (PostgreSQL; SQLite's write transaction is already exclusive),
    # so two posts at once cannot both rate.
    session.refresh(ticket, with_for_update=True)
    if ticket.csat_score is not None:
        return _ticket_page(
            session, ticket, token, Refill(notice=gettext("You've already rated this request. Thank you!"))
        )
    if ticket.status not in service.CSAT_STATUSES:
        notice = gettext("You can rate this request once it is solved.")
        return _ticket_page(session, ticket, token, Refill(comment=comment, notice=notice, notice_for="csat"), 409)
    if errors:
        return _ticket_page(session, ticket, token, refill)
    service.rate(session, ticket, score or 0, comment, _now(), nps=nps)
    session.commit()
    return _back(token, "rated", "csat")


# Refused posts, and the headers of every page here ---------------------------------


def _refused(exc: HTTPException, notice: str) -> Any:
    """The page that was posted from, with what was typed and ``notice``."""
    status = exc.code or 400
    endpoint = request.endpoint or ""
    if endpoint == "ticket_status.lookup":
        form = LookupForm(request.form.get("reference", ""), request.form.get("email", ""), notice=notice)
        retry = LOOKUP_RETRY_SECONDS if status == 429 else None
        return _lookup_page(form, status, {"Retry-After": str(retry)} if retry else None)
    token = (request.view_args or {}).get("token", "")
    if endpoint not in ("ticket_status.reply", "ticket_status.close", "ticket_status.rate"):
        return render_error(status)
    session = db.reader()
    ticket = _ticket_or_none(session, token)
    if ticket is None:
        return _bad_link()
    score = parse_score(request.form.get("score", ""))
    which = endpoint.rpartition(".")[2]
    refill = Refill(
        body=request.form.get("body", ""),
        score=score,
        comment=request.form.get("comment", ""),
        nps=parse_nps(request.form.get("nps", "")),
        notice=notice,
        notice_for={"rate": "csat"}.get(which, which),
    )
    page, _ = _ticket_page(session, ticket, token, refill)
    return page, status, {"Retry-After": "60"} if status == 429 else {}


@bp.errorhandler(CSRFError)
def csrf_failed(exc: CSRFError) -> Any:
    return _refused(
        exc, gettext("This page had been open for a long time, so we couldn't send that. Please send it again.")
    )


@bp.errorhandler(429)
def too_many(exc: HTTPException) -> Any:
    if request.endpoint == "ticket_status.lookup":
        notice = gettext(
            "Too many requests couldn't be found from your connection, so we've paused lookups for a while. "
            "Please try again in 15 minutes, or call us and quote your reference."
        )
    else:
        notice = gettext("You've sent a lot in a short time. Please wait a minute, then send it again.")
    return _refused(exc, notice)


@bp.after_request
def private(response: Response) -> Response:
    """No copies of these pages anywhere but the customer's screen, and no token
    in the Referer of a link followed from them."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    if not (request.endpoint == "ticket_status.lookup" and request.method == "GET"):
        response.headers["X-Robots-Tag"] = "noindex"  # the empty lookup form may be found by search engines
    return response
