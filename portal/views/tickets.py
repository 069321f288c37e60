"""Opening a ticket on the web: the form, its acknowledgement, and the articles
suggested while the customer types a subject.

Post, redirect, get: a valid post stores the ticket and redirects (303) to its
acknowledgement, so refreshing that page never posts again. The form carries a
random ``submission`` token; posting the same form twice (a double click, Back
and Send, a retry after a timeout) finds the ticket the first post made and
shows the same acknowledgement.

Whatever goes wrong, what the customer typed comes back in the form: a field
error (422), an expired page (CSRF, 400), too many requests (429) or a database
that could not take the write just then (503). Only a post too large to read
(413) cannot be shown again; the page says how to go back to it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BuildError

from portal import db, i18n, tree_walk, visitors
from portal.content.trees import ESCALATE
from portal.csrf import CSRFError
from portal.errors import render_error
from portal.i18n import lazy_gettext
from portal.insights import events
from portal.models import BODY_LENGTH, EMAIL_LENGTH, NAME_LENGTH, SUBJECT_LENGTH, SuggestionOpened, Ticket
from portal.published import current
from portal.ratelimit import limiter
from portal.search import Filters, parse_query
from portal.search.engine import ARTICLE
from portal.tickets import context, forms, links, reference, service, sla
from portal.tickets.forms import TicketForm

bp = Blueprint("tickets", __name__)
SUGGEST_LIMIT = "120 per minute"  # one request per pause in typing
OPENED_LIMIT = "30 per minute"
SUGGESTIONS = 5
SUGGEST_MIN_CHARS = 3
# A suggestion opened this long before a ticket is submitted counts as part of
# the same visit: linked to the ticket, it is not a deflection.
SUGGESTION_WINDOW = dt.timedelta(days=1)
_DECOY_SALT = "portal.tickets.decoy"
_DECOY_MAX_AGE = 24 * 3600

# L10n: notices above the form when a post was refused.
NOTICE_CSRF = lazy_gettext(
    "This page had been open for a long time, so we couldn't send it. "
    "Everything you wrote is below: please press Send again."
)
NOTICE_LIMITED = lazy_gettext(
    "You've sent several requests in a short time. "
    "Everything you wrote is below: please wait a minute, then press Send again."
)
NOTICE_STORAGE = lazy_gettext(
    "We couldn't save your request just now. Everything you wrote is below: please press Send again in a moment."
)


def ticket_rate_limit() -> str:
    """``TICKET_RATE_LIMIT``, read per request so each app (and test) has its own."""
    return str(current_app.config.get("TICKET_RATE_LIMIT") or "5 per minute; 30 per hour")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def scoped_submission(channel: str, token: str | None) -> str | None:
    """The key stored in ``Ticket.submission``: a hash of the channel and the
    client's token, so a token from one channel can never name another's ticket."""
    return hashlib.sha256(f"{channel}:{token}".encode()).hexdigest() if token else None


def endpoint_url(endpoint: str, fallback: str | None = None, **values: Any) -> str | None:
    """``url_for`` for a page another part of the portal provides, or
    ``fallback`` while that part is not installed."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return fallback


def status_lookup_url() -> str:
    return endpoint_url("ticket_status.lookup", "/tickets/status") or "/tickets/status"


def categories() -> list[tuple[str, str]]:
    return [(c["slug"], c["title"]) for c in current().catalog.collection("categories")]


@bp.url_value_preprocessor
def _read_post(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    """Bound the request and keep its raw body, before anything reads it.

    URL value preprocessors run before every before_request hook, CSRF's
    included (it reads the form): an oversized post is refused unread (413),
    and the body is cached so :func:`_form` can decode it again itself
    (see :func:`portal.tickets.forms.decode_form`).
    """
    request.max_content_length = forms.MAX_REQUEST_BYTES
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        request.get_data(cache=True, parse_form_data=False)


# The troubleshooting walk a ticket came from ---------------------------------


@dataclass(frozen=True)
class FromTree:
    """A walk recomputed from the URL or the form's hidden fields: never from
    text the customer could edit."""

    walk: tree_walk.Walk
    transcript: tree_walk.Transcript

    @property
    def priority(self) -> str | None:
        """An escalation's priority; otherwise the SLA's for the category."""
        return self.transcript.priority if self.walk.kind == ESCALATE else None

    def as_dict(self) -> dict[str, Any]:
        return {**self.transcript.as_dict(), "answers": self.walk.trail, "outcome": self.walk.outcome}


def from_tree(tree_id: str | None, answers: str | None, outcome: str | None) -> FromTree | None:
    if not tree_id:
        return None
    tree = next((t for t in current().catalog.collection("trees") if t["id"] == tree_id), None)
    if tree is None:
        return None
    walk = tree_walk.follow(tree, tree_walk.parse_answers(answers or ""), outcome or "")
    if not (walk.steps or walk.ended):
        return None  # opened the troubleshooter and left at once: nothing to pass on
    return FromTree(walk, tree_walk.transcript(tree, walk))


# The form ------------------------------------------------------------------------


def _form() -> TicketForm:
    """The form, bound to what was posted (on a post)."""
    posted = None
    if request.method == "POST" and request.mimetype == "application/x-www-form-urlencoded":
        posted = forms.decode_form(request.get_data(cache=True, parse_form_data=False))
    form = TicketForm(formdata=posted) if posted is not None else TicketForm()
    form.set_categories(categories())
    return form


def _prefill(form: TicketForm) -> None:
    """A new form: its submission token, and what the link it came from says
    (``tree``/``a``/``outcome`` from a troubleshooter; ``subject``/``category``
    from a "Contact support" link on an article or search)."""
    args = request.args
    form.submission.data = forms.new_submission()
    form.tree.data = args.get("tree", "")[:80]
    form.a.data = args.get("a", "")[:4200]
    form.outcome.data = args.get("outcome", "")[:16]
    known = {slug for slug, _title in categories()}
    walk = from_tree(form.tree.data, form.a.data, form.outcome.data)
    subject = forms.normalise(args.get("subject", ""))[:SUBJECT_LENGTH]
    if forms.text_problem(subject, single_line=True):
        subject = ""
    form.subject.data = subject or (walk.transcript.tree_title[:SUBJECT_LENGTH] if walk else "")
    category = args.get("category", "") or (walk.transcript.ticket_category if walk else "")
    form.category.data = category if category in known else ""


def _page(form: TicketForm, status: int = 200, notice: str = "", headers: dict[str, str] | None = None) -> Response:
    """The form, with what was typed and why it came back."""
    for field in form:
        field.data = forms.displayable(field.data)
    visit = context.visit_context(current().catalog.articles)
    html = render_template(
        "tickets/new.html",
        form=form,
        from_tree=from_tree(form.tree.data, form.a.data, form.outcome.data),
        visit=visit,
        notice=notice,
        limits={
            "name": NAME_LENGTH,
            "email": EMAIL_LENGTH,
            "subject": SUBJECT_LENGTH,
            "description": BODY_LENGTH,
            "account_number": forms.ACCOUNT_LENGTH,
        },
        status=status if status >= 400 else None,
    )
    response = make_response(html, status, headers or {})
    # The visitor's own page (their searches, their token): never in a shared
    # cache, but kept in the browser's history, so Back shows the same form
    # with the same submission token and sending it again finds the same ticket.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.route("/tickets/new", methods=["GET", "POST"])
@limiter.limit(ticket_rate_limit, methods=["POST"])
def new() -> Response:
    """The form; a valid post opens the ticket and redirects to its acknowledgement."""
    form = _form()
    if request.method != "POST":
        _prefill(form)
        return _page(form)
    if not form.validate():
        return _page(form, 422)
    if forms.filled_honeypot(form):
        current_app.logger.info("ticket form: honeypot filled, nothing stored")
        return redirect(url_for(".acknowledged", token=_decoy_token(form)), code=303)
    walk = from_tree(form.tree.data, form.a.data, form.outcome.data)
    visit = context.visit_context(current().catalog.articles) if form.include_context.data else None
    ticket_context = visit.as_dict() if visit else {}
    if walk:
        ticket_context["tree"] = walk.as_dict()
    draft = service.Draft(
        name=form.name.data,
        email=form.email.data,
        category=form.category.data,
        subject=form.subject.data,
        description=form.description.data,
        product=form.product.data or "",
        account_number=form.account_number.data or "",
        # The language the customer reads the portal in: their emails follow it.
        lang=i18n.current_lang(),
        context=ticket_context,
        priority=walk.priority if walk else None,
        channel="web",
        submission=scoped_submission("web", forms.submission_token(form.submission.data)),
        visit=events.visit(),
    )
    now = utcnow()
    session = db.session()
    try:
        opened = service.open_ticket(session, draft, sla.current(), now)
        if opened.created:
            _link_suggestions(opened.ticket, now)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        current_app.logger.exception("ticket form: could not store a ticket")
        return _page(form, 503, str(NOTICE_STORAGE), {"Retry-After": "5"})
    context.clear()
    return redirect(url_for(".acknowledged", token=links.token_for(opened.ticket)), code=303)


def _link_suggestions(ticket: Ticket, now: dt.datetime) -> None:
    """This visitor's recently opened suggestions did not answer their question."""
    if visitors.COOKIE not in request.cookies:
        return  # opening a suggestion gives the cookie; without one, none was opened
    db.session().execute(
        update(SuggestionOpened)
        .where(
            SuggestionOpened.visit == visitors.hashed("suggestion"),
            SuggestionOpened.ticket_id.is_(None),
            SuggestionOpened.created >= now - SUGGESTION_WINDOW,
        )
        .values(ticket_id=ticket.id)
    )


def _refused(notice: str, status: int, headers: dict[str, str] | None = None) -> Response:
    """A post turned away before the view ran: the form again, as it was sent."""
    form = _form()
    form.validate()  # so the fields hold their cleaned values; errors are not shown
    for field in form:
        field.errors = []
    if not forms.submission_token(form.submission.data):
        form.submission.data = forms.new_submission()
    return _page(form, status, notice, headers)


@bp.errorhandler(CSRFError)
def csrf_failed(_exc: CSRFError) -> Response:
    if request.endpoint != "tickets.new":
        return _plain_error(400)
    return _refused(str(NOTICE_CSRF), 400)


@bp.errorhandler(429)
def too_many(_exc: HTTPException) -> Response:
    if request.endpoint != "tickets.new":
        return _plain_error(429)
    return _refused(str(NOTICE_LIMITED), 429, {"Retry-After": "60"})


@bp.errorhandler(413)
def too_large(_exc: HTTPException) -> Response:
    page = render_template(
        "tickets/too_large.html",
        status=413,
        limits={"description": BODY_LENGTH, "subject": SUBJECT_LENGTH},
    )
    return make_response(page, 413)


def _plain_error(status: int) -> Response:
    return make_response(*render_error(status))


# The acknowledgement ---------------------------------------------------------------


@dataclass(frozen=True)
class Acknowledgement:
    """What the page after a submitted form shows."""

    reference: str
    subject: str
    email: str
    first_response: str
    status_url: str
    ticket_url: str | None = None


def _decoy_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_DECOY_SALT)


def _decoy_token(form: TicketForm) -> str:
    """A bot that filled the honeypot gets an acknowledgement like anyone's,
    for a ticket that does not exist: a fresh reference, stored nowhere."""
    current_sla, now = sla.current(), utcnow()
    first, _ = current_sla.due(current_sla.priority_for(form.category.data), now)
    wait = sla.format_duration(first - now)
    return _decoy_serializer().dumps([reference.generate(), form.subject.data, form.email.data, wait])


def _acknowledgement(token: str) -> Acknowledgement | None:
    ticket = links.ticket_from_token(db.reader(), token)
    if ticket is not None:
        return Acknowledgement(
            reference=ticket.reference,
            subject=ticket.subject,
            email=ticket.email,
            first_response=sla.format_duration(ticket.first_response_due - ticket.created),
            status_url=status_lookup_url(),
            ticket_url=endpoint_url("ticket_status.view", None, token=token),
        )
    if len(token) > 2000:
        return None
    try:
        decoy = _decoy_serializer().loads(token, max_age=_DECOY_MAX_AGE)
    except BadSignature:
        return None
    if not (isinstance(decoy, list) and len(decoy) == 4 and all(isinstance(v, str) for v in decoy)):
        return None
    return Acknowledgement(*decoy, status_url=status_lookup_url())


@bp.get("/tickets/acknowledged/<token>")
def acknowledged(token: str) -> Response:
    """The reference, what happens next, and how to follow the ticket.

    The URL carries the ticket's signed link token, so only the browser that
    sent the form (or someone it shared the URL with) can see it.
    :raise 404: a token that is not ours, or has expired.
    """
    ack = _acknowledgement(token)
    if ack is None:
        abort(404)
    response = make_response(render_template("tickets/acknowledged.html", ack=ack))
    response.headers["Cache-Control"] = "private, no-store"
    # The token in this URL must not travel on in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# Suggestions while typing -----------------------------------------------------------


@bp.get("/tickets/suggest")
@limiter.limit(SUGGEST_LIMIT)
def suggest() -> Response:
    """``{"articles": [{"title", "summary", "url"}]}``: the top articles for
    what has been typed as the subject; each url opens the article through
    :func:`suggested`, which records that it was opened."""
    query = parse_query(request.args.get("q", ""))
    if query.is_empty or len(query.text) < SUGGEST_MIN_CHARS:
        return jsonify(articles=[])
    results = current().index.search(query, Filters(types=(ARTICLE,)), 1, SUGGESTIONS)
    raw = request.args.get("q", "")
    events.record("suggest", events.query_key(raw), events.normalise_query(raw), len(results.hits), i18n.current_lang())
    return jsonify(
        articles=[
            {"title": hit.title, "summary": hit.summary, "url": url_for(".suggested", slug=hit.key)}
            for hit in results.hits
        ]
    )


@bp.get("/tickets/suggested/<slug>")
@limiter.limit(OPENED_LIMIT)
def suggested(slug: str) -> Response:
    """Record that a suggested article was opened, then show it. A row that
    no ticket ever claims (see :func:`_link_suggestions`) is a deflection.
    :raise 404: no article of that slug."""
    page = current().catalog.article(slug)
    if page is None:
        abort(404)
    if request.method == "GET" and not visitors.is_bot():
        session = db.session()
        try:
            session.add(SuggestionOpened(visit=visitors.hashed("suggestion"), slug=page.slug, created=utcnow()))
            session.commit()
        except SQLAlchemyError as exc:
            session.rollback()
            current_app.logger.warning("could not record a suggestion opened: %s", exc)
        events.record("suggest_open", events.item(events.ARTICLE, page.slug), lang=page.lang, category=page.category)
    response = redirect(url_for("articles.article", slug=page.slug), code=303)
    response.headers["Cache-Control"] = "private, no-store"
    return response
