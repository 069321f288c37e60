"""The staff desk at ``/staff``: sign-in, the ticket queue, a ticket with what
the customer tried, replies and notes, tickets opened for callers, finding a
ticket by the reference a caller reads out, and the troubleshooting report.

Every page and action needs a signed-in agent (:func:`portal.staff.auth.login_required`)
and every post a CSRF token; every response under ``/staff`` is ``no-store``
and ``noindex``. Actions post, then redirect to the ticket with a confirmation
(POST-redirect-GET), so Refresh never sends a reply twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext, ngettext
from flask_limiter.util import get_remote_address
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from portal import db, i18n, tree_analytics
from portal.csrf import CSRFError
from portal.errors import render_error
from portal.i18n import lazy_gettext
from portal.models import Staff, Ticket
from portal.published import NotBuilt, current
from portal.staff import accounts, auth, labels, throttle
from portal.staff import queue as ticket_queue
from portal.staff.auth import login_required
from portal.staff.customer_context import read_context
from portal.staff.forms import (
    LoginForm,
    NoteForm,
    PasswordForm,
    PhoneTicketForm,
    ReplyForm,
    UpdateForm,
)
from portal.tickets import history, reference, service
from portal.tickets.forms import new_submission, submission_token
from portal.tickets.sla import DEFAULT, Sla, format_duration
from portal.views.helpers import categories_by_slug

bp = Blueprint("staff", __name__, url_prefix="/staff")
PREFIX = "/staff"
WRONG_LOGIN = lazy_gettext("That email and password don't match an account that can sign in.")
STALE_FORM = lazy_gettext("This page had been open for a long time, so that wasn't sent. Please send it again.")
# L10n: what the SLA column and the ticket page call each state of service.sla_state.
SLA_LABELS = {
    "breached": lazy_gettext("Breached"),
    "due-soon": lazy_gettext("Due soon"),
    "ok": lazy_gettext("On time"),
    "met": lazy_gettext("Met"),
}


# Shared helpers ---------------------------------------------------------------------


def _sla() -> Sla:
    """The SLA loaded at start-up; the built-in one if none was."""
    loaded = current_app.extensions.get("portal.sla")
    return loaded if isinstance(loaded, Sla) else DEFAULT


def _categories() -> dict[str, dict[str, Any]]:
    """The help center's categories by slug; none while no build is published
    (the desk still works, showing slugs)."""
    try:
        return categories_by_slug(current())
    except NotBuilt:
        return {}


def _staff_names(session: Session) -> dict[int, str]:
    return {s.id: s.name for s in accounts.all_staff(session)}


def _ticket_or_404(session: Session, typed: str) -> Ticket:
    """:raise 404: not a well-formed reference, or no ticket has it."""
    parsed = reference.parse(typed)
    ticket = service.find(session, parsed.reference) if parsed.ok else None
    if ticket is None:
        raise NotFound()
    return ticket


def _me(session: Session) -> Staff:
    """The signed-in agent, in ``session`` (for writes)."""
    staff = session.get(Staff, g.staff.id)
    assert staff is not None  # the session row's foreign key guarantees it
    return staff


def _client() -> str:
    return get_remote_address() or "unknown"


@bp.app_template_filter("staff_time")
def _staff_time(when: dt.datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M") if when else "—"


@bp.app_template_filter("staff_span")
def _staff_span(when: dt.datetime, now: dt.datetime) -> str:
    """How far ``when`` is from ``now``, either way: ``2 hours 5 minutes``,
    ``3 days 4 hours``; two units at most, to the minute."""
    return format_duration(abs(when - now), units=2)


@bp.app_template_filter("staff_relative")
def _staff_relative(when: dt.datetime | None, now: dt.datetime) -> str:
    """``in 2 hours 5 minutes`` or ``3 days 4 hours ago``."""
    if when is None:
        return ""
    if abs(when - now) < dt.timedelta(minutes=1):
        return gettext("now")
    span = _staff_span(when, now)
    return gettext("in %(span)s", span=span) if when > now else gettext("%(span)s ago", span=span)


@bp.context_processor
def _labels() -> dict[str, Any]:
    """The words for stored values (``pending``, ``urgent``, ``phone``) and history
    entries in every desk page."""
    return {
        "status_name": labels.status_name,
        "priority_name": labels.priority_name,
        "channel_name": labels.channel_name,
        "node_kinds": labels.NODE_KINDS,
        "history_line": history.describe,
    }


@bp.after_app_request
def _desk_headers(response: Response) -> Response:
    """Nothing under /staff is stored by a browser or proxy, or indexed (error
    pages included: they are not served by this blueprint's views)."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.vary.add("Cookie")
    return response


# Signing in and out -------------------------------------------------------------------


def _login_page(form: LoginForm, error: str = "", notice: str = "", status: int = 200, retry_after: int = 0) -> Any:
    page = render_template("staff/login.html", form=form, error=error, notice=notice, status_code=status)
    return page, status, ({"Retry-After": str(retry_after)} if retry_after else {})


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    """The sign-in form. An unknown email, a wrong password and a disabled
    account get the same answer; a client that failed too often is asked to
    wait (429) before its password is even checked."""
    form = LoginForm()
    if request.method == "GET":
        if auth.load() is not None:
            return redirect(auth.safe_next(request.args.get("next")))
        form.next.data = request.args.get("next", "")[:2000]
        return _login_page(form)
    email, password, client = form.email.data or "", form.password.data or "", _client()
    wait = throttle.wait(email, client)
    if wait:
        minutes = max(1, round(wait / 60))
        notice = ngettext(
            "Too many failed sign-ins from here. Please wait about %(num)s minute "
            "and try again, or ask a colleague to reset your password.",
            "Too many failed sign-ins from here. Please wait about %(num)s minutes "
            "and try again, or ask a colleague to reset your password.",
            minutes,
        )
        return _login_page(form, notice=notice, status=429, retry_after=wait)
    staff = accounts.authenticate(db.reader(), email, password)
    if staff is None:
        throttle.failed(email, client)
        return _login_page(form, error=str(WRONG_LOGIN))
    throttle.succeeded(email, client)
    writer = db.session()
    old = request.cookies.get(auth.COOKIE)
    if old:
        auth.end(writer, old)  # whatever session this browser had is over
    token = auth.start(writer, staff, auth.utcnow())
    writer.commit()
    response = redirect(auth.safe_next(form.next.data), code=303)
    auth.set_cookie(response, token)
    return response


@bp.post("/logout")
def logout() -> Response:
    """End this browser's session (its row is deleted: a copy of the cookie is worthless)."""
    token = request.cookies.get(auth.COOKIE)
    if token:
        writer = db.session()
        auth.end(writer, token)
        writer.commit()
    flash(gettext("You have signed out."))
    response = redirect(url_for("staff.login"), code=303)
    auth.clear_cookie(response)
    return response


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    """Change one's own password; every other session of the agent ends."""
    form = PasswordForm()
    if request.method == "GET":
        return render_template("staff/password.html", form=form, section="password")
    if not form.validate():
        return render_template("staff/password.html", form=form, section="password"), 400
    me, client = g.staff, _client()
    wait = throttle.wait(me.email, client)
    if wait:
        form.current.errors = [gettext("Too many wrong passwords from here. Please wait a few minutes.")]
        return render_template("staff/password.html", form=form, section="password"), 429, {"Retry-After": str(wait)}
    if accounts.authenticate(db.reader(), me.email, form.current.data or "") is None:
        throttle.failed(me.email, client)
        form.current.errors = [gettext("That is not your current password.")]
        return render_template("staff/password.html", form=form, section="password"), 400
    if not form.check_new(me.email):
        return render_template("staff/password.html", form=form, section="password"), 400
    writer = db.session()
    staff, now = _me(writer), auth.utcnow()
    accounts.set_password(writer, staff, form.new.data or "", now)
    token = auth.start(writer, staff, now)
    writer.commit()
    flash(gettext("Password changed. You have been signed out everywhere else."))
    response = redirect(url_for("staff.queue"), code=303)
    auth.set_cookie(response, token)
    return response


# The queue ----------------------------------------------------------------------------


@bp.get("", strict_slashes=False)
@login_required
def queue() -> str:
    """Tickets, filtered and sorted as the URL says, with the SLA's breaches counted."""
    categories = _categories()
    filters = ticket_queue.parse_filters(request.args, categories)
    reader, now, sla = db.reader(), auth.utcnow(), _sla()
    page = ticket_queue.fetch(reader, filters, g.staff.id, now, sla)
    rows = [(ticket, service.sla_state(ticket, sla, now)) for ticket in page.tickets]
    return render_template(
        "staff/queue.html",
        section="queue",
        filters=filters,
        page=page,
        rows=rows,
        counts=ticket_queue.sla_counts(reader, now, sla),
        categories=categories,
        names=_staff_names(reader),
        now=now,
        sla_labels=SLA_LABELS,
        status_filters=ticket_queue.STATUS_FILTERS,
        assignee_filters=ticket_queue.ASSIGNEE_FILTERS,
        sla_filters=ticket_queue.SLA_FILTERS,
        sorts=ticket_queue.SORTS,
        priorities=service.PRIORITIES,
    )


# A ticket -----------------------------------------------------------------------------


def _assignee_choices(session: Session, ticket: Ticket) -> list[tuple[str, str]]:
    """Active agents, plus the current assignee even if since disabled."""
    agents = [s for s in accounts.all_staff(session) if s.active or s.id == ticket.assignee_id]
    return [("", gettext("Nobody")), *[(str(s.id), s.name) for s in agents]]


def _ticket_page(
    ticket: Ticket,
    reply_form: ReplyForm | None = None,
    note_form: NoteForm | None = None,
    update_form: UpdateForm | None = None,
    notice: str = "",
    status: int = 200,
) -> Any:
    reader, now, sla = db.reader(), auth.utcnow(), _sla()
    if update_form is None:
        update_form = UpdateForm(
            formdata=None,
            status=ticket.status,
            priority=ticket.priority,
            assignee=str(ticket.assignee_id or ""),
        )
    update_form.assignee.choices = _assignee_choices(reader, ticket)
    categories = _categories()
    page = render_template(
        "staff/ticket.html",
        section="ticket",
        ticket=ticket,
        messages=service.messages(reader, ticket, internal=True),
        names=_staff_names(reader),
        context=read_context(ticket.context),
        category=categories.get(ticket.category, {}).get("title", ticket.category),
        sla_state=service.sla_state(ticket, sla, now),
        sla_labels=SLA_LABELS,
        now=now,
        reply_form=reply_form or ReplyForm(formdata=None),
        note_form=note_form or NoteForm(formdata=None),
        update_form=update_form,
        notice=notice,
    )
    return page, status


@bp.get("/tickets/<reference_text>")
@login_required
def ticket(reference_text: str) -> Any:
    """:raise 404: no ticket has that reference."""
    return _ticket_page(_ticket_or_404(db.reader(), reference_text))


def _back_to(ticket: Ticket, message: str) -> Response:
    flash(message)
    return redirect(url_for("staff.ticket", reference_text=ticket.reference), code=303)


@bp.post("/tickets/<reference_text>/reply")
@login_required
def reply(reference_text: str) -> Any:
    """Email a reply to the customer (through the outbox), optionally setting the status."""
    form = ReplyForm()
    if not form.validate():  # checked before the write transaction begins
        return _ticket_page(_ticket_or_404(db.reader(), reference_text), reply_form=form, status=400)
    writer = db.session()
    ticket = _ticket_or_404(writer, reference_text)
    staff, now = _me(writer), auth.utcnow()
    service.staff_reply(writer, ticket, staff, form.body.data or "", now)
    if form.status.data:
        service.update(writer, ticket, staff, now, _sla(), status=form.status.data)
    writer.commit()
    return _back_to(ticket, _reply_sent(ticket.email, ticket.status))


def _reply_sent(email: str, status: str) -> str:
    """The confirmation after a reply: one whole sentence per status, for translators."""
    sentences = {
        "new": lambda: gettext("Reply sent to %(email)s. Status: new.", email=email),
        "open": lambda: gettext("Reply sent to %(email)s. Status: open.", email=email),
        "pending": lambda: gettext("Reply sent to %(email)s. Status: pending.", email=email),
        "solved": lambda: gettext("Reply sent to %(email)s. Status: solved.", email=email),
        "closed": lambda: gettext("Reply sent to %(email)s. Status: closed.", email=email),
    }
    return sentences[status]() if status in sentences else gettext("Reply sent to %(email)s.", email=email)


@bp.post("/tickets/<reference_text>/note")
@login_required
def note(reference_text: str) -> Any:
    """An internal note: staff see it, the customer never does."""
    form = NoteForm()
    if not form.validate():
        return _ticket_page(_ticket_or_404(db.reader(), reference_text), note_form=form, status=400)
    writer = db.session()
    ticket = _ticket_or_404(writer, reference_text)
    service.internal_note(writer, ticket, _me(writer), form.body.data or "", auth.utcnow())
    writer.commit()
    return _back_to(ticket, gettext("Internal note added."))


@bp.post("/tickets/<reference_text>/update")
@login_required
def update(reference_text: str) -> Any:
    """Change status, priority and assignee; each change is logged in the history."""
    shown = _ticket_or_404(db.reader(), reference_text)
    form = UpdateForm()
    form.assignee.choices = _assignee_choices(db.reader(), shown)
    if not form.validate():
        return _ticket_page(shown, update_form=form, status=400)
    wanted = (form.status.data, form.priority.data, int(form.assignee.data) if form.assignee.data else None)
    if wanted == (shown.status, shown.priority, shown.assignee_id):
        return _back_to(shown, gettext("Nothing to change."))
    writer = db.session()
    ticket = _ticket_or_404(writer, reference_text)
    assignee = writer.get(Staff, wanted[2]) if wanted[2] is not None else None
    service.update(
        writer,
        ticket,
        _me(writer),
        auth.utcnow(),
        _sla(),
        status=form.status.data,
        priority=form.priority.data,
        assignee=assignee,
    )
    writer.commit()
    return _back_to(ticket, gettext("Ticket updated."))


# Call centre ----------------------------------------------------------------------------


def _ticket_form() -> PhoneTicketForm:
    form = PhoneTicketForm()
    form.set_categories((slug, c.get("title", slug)) for slug, c in _categories().items())
    return form


@bp.route("/tickets/new", methods=["GET", "POST"])
@login_required
def new_ticket() -> Any:
    """Open a ticket for a caller (channel ``phone``). The form carries a
    one-time submission key, so a double click makes one ticket."""
    form = _ticket_form()
    if request.method == "GET":
        form.submission.data = new_submission()
        form.lang.data = i18n.current_lang()
        return render_template("staff/new_ticket.html", form=form, section="new")
    if not form.validate():
        return render_template("staff/new_ticket.html", form=form, section="new"), 400
    draft = service.Draft(
        name=form.name.data or "",
        email=form.email.data or "",
        category=form.category.data or "",
        subject=form.subject.data or "",
        description=form.description.data or "",
        product=form.product.data or "",
        account_number=form.account_number.data or "",
        lang=form.lang.data or i18n.DEFAULT,  # the caller's emails are written in it
        priority=form.priority.data or None,
        channel="phone",
        submission=submission_token(form.submission.data),
        opened_by=g.staff.id,
    )
    writer = db.session()
    opened = service.open_ticket(writer, draft, _sla(), auth.utcnow())
    writer.commit()
    ticket = opened.ticket
    if not opened.created:
        return _back_to(ticket, gettext("This ticket was already opened: %(reference)s.", reference=ticket.reference))
    return _back_to(
        ticket,
        gettext(
            "Ticket %(reference)s opened. Read the reference to the caller; it is also emailed.",
            reference=ticket.reference,
        ),
    )


FIND_MESSAGES = {
    "empty": lazy_gettext("Type the reference the caller reads out, such as %(example)s.", example="K7QM-4DXP"),
    "format": lazy_gettext(
        "That isn't a ticket reference. References have 8 letters and digits, such as %(example)s, "
        "and never use 0, O, 1, I or L. Ask the caller to read it again.",
        example="K7QM-4DXP",
    ),
    "check": lazy_gettext(
        "That reference has a typing mistake: one character is wrong or two are swapped. "
        "Ask the caller to read it again, one character at a time."
    ),
    "missing": lazy_gettext(
        "No ticket has this reference. It is well formed, so the caller may be reading "
        "another number (an account or order number?)."
    ),
}


@bp.get("/find")
@login_required
def find() -> Any:
    """Go to the ticket whose reference was typed (any case, spaces or none);
    say whether a miss is a typo (the check character) or an unknown ticket."""
    typed = request.args.get("reference", "")[:100]
    parsed = reference.parse(typed)
    if parsed.ok:
        found = service.find(db.reader(), parsed.reference)
        if found is not None:
            return redirect(url_for("staff.ticket", reference_text=found.reference), code=303)
        problem = "missing"
    else:
        problem = "empty" if not typed.strip() else parsed.problem
    page = render_template(
        "staff/find.html", typed=typed, problem=problem, message=FIND_MESSAGES[problem], canonical=parsed.reference
    )
    return page, 404 if problem == "missing" else 200


# Troubleshooting report -----------------------------------------------------------------


def _date_arg(name: str) -> tuple[dt.date | None, str]:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None, ""
    try:
        return dt.date.fromisoformat(raw[:10]), ""
    except ValueError:
        return None, gettext("“%(typed)s” is not a date; use YYYY-MM-DD.", typed=raw[:20])


@bp.get("/troubleshooting")
@login_required
def troubleshooting() -> str:
    """Each troubleshooting tree's walks: solved, escalated, abandoned, and where customers stop."""
    since, since_error = _date_arg("since")
    until, until_error = _date_arg("until")
    if since and until and since > until:
        since, until, until_error = (
            since,
            None,
            gettext("The end date comes before the start date; it was ignored."),
        )
    try:
        trees = current().catalog.collection("trees")
    except NotBuilt:
        trees = []
    reports = tree_analytics.report_all(db.reader(), trees, since, until, auth.utcnow())
    return render_template(
        "staff/troubleshooting.html",
        section="troubleshooting",
        reports=reports,
        since=since,
        until=until,
        errors=[e for e in (since_error, until_error) if e],
        abandon_minutes=int(tree_analytics.ABANDON_AFTER.total_seconds() // 60),
    )


# Refused posts --------------------------------------------------------------------------


@bp.errorhandler(CSRFError)
def csrf_failed(_exc: CSRFError) -> Any:
    """A stale or missing CSRF token: the same form again with what was typed
    (never acted on), or the plain 400 page for someone not signed in."""
    if request.endpoint == "staff.login":
        return _login_page(LoginForm(), notice=str(STALE_FORM), status=400)
    if auth.load() is None:
        return render_error(400)
    if request.endpoint == "staff.new_ticket":
        page = render_template("staff/new_ticket.html", form=_ticket_form(), notice=str(STALE_FORM), section="new")
        return page, 400
    if request.endpoint in ("staff.reply", "staff.note", "staff.update"):
        typed = (request.view_args or {}).get("reference_text", "")
        parsed = reference.parse(typed)
        found = service.find(db.reader(), parsed.reference) if parsed.ok else None
        if found is not None:
            forms: dict[str, Any] = {}
            if request.endpoint == "staff.reply":
                forms["reply_form"] = ReplyForm()
            elif request.endpoint == "staff.note":
                forms["note_form"] = NoteForm()
            return _ticket_page(found, notice=str(STALE_FORM), status=400, **forms)
    return render_error(400)
