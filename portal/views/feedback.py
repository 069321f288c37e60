"""Votes ("Was this helpful?") on articles and FAQ entries, and FAQ view counts.

Without JavaScript a vote is a form post answered by a redirect back to the
item, where the box shows the next step (``?vote=missing`` asks what was
missing, ``?vote=thanks`` thanks); the state is in the URL rather than the
session so a cached copy of the page can never hide it. With JavaScript
(``site.js``) the same post is sent by ``fetch`` with ``X-Requested-With: fetch``
and answered with the box alone, swapped in place.

A refused post (stale CSRF token: 400; too many votes: 429) answers with the box
again, filled with what the visitor wrote, in the site's layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from portal import activity, db, visitors
from portal.csrf import CSRFError, csrf
from portal.errors import render_error
from portal.insights import events
from portal.published import current
from portal.ratelimit import limiter

bp = Blueprint("feedback", __name__)
# Two posts per vote (the "no", then what was missing); generous for someone
# working through the FAQ, tight for a script.
VOTE_LIMIT = "20 per minute; 200 per hour"
VIEW_LIMIT = "120 per minute"
STATES = ("missing", "thanks")


@dataclass(frozen=True)
class VoteBox:
    """What ``_vote.html`` shows for one item: the question, the "what was
    missing" form (``state == "missing"``) or thanks (``"thanks"``), with the
    values to show again after a refused post."""

    kind: str
    key: str
    action: str
    state: str = ""
    view_url: str = ""
    missing: str = ""
    reasons: tuple[str, ...] = ()
    notice: str = ""
    reason_choices: dict[str, str] = field(default_factory=lambda: activity.REASONS)

    @property
    def anchor(self) -> str:
        return f"vote-{self.kind}-{self.key}"


def vote_box(kind: str, key: str, state: str | None = None, **refill: Any) -> VoteBox:
    """The box for an item; its state comes from the URL unless given."""
    if state is None:
        state = request.args.get("vote", "") if request.args.get("item") == f"{kind}:{key}" else ""
    if kind == "faq":
        action = url_for("feedback.vote_faq", entry_id=key)
        view_url = url_for("feedback.faq_view", entry_id=key)
    else:
        action, view_url = url_for("feedback.vote_article", slug=key), ""
    return VoteBox(kind, key, action, state if state in STATES else "", view_url, **refill)


@bp.app_template_global("vote_box")
def _vote_box_global(kind: str, key: str) -> VoteBox:
    return vote_box(kind, key)


@dataclass(frozen=True)
class Item:
    kind: str
    key: str
    lang: str
    title: str
    url: str
    category: str = ""


def _item(kind: str, key: str) -> Item | None:
    catalog = current().catalog
    if kind == "article":
        page = catalog.article(key)  # current slugs only: an old alias is not votable
        if page is None:
            return None
        return Item(kind, key, page.lang, page.title, url_for("articles.article", slug=key), page.category)
    entry = next((f for f in catalog.collection("faq") if f["id"] == key), None)
    if entry is None:
        return None
    return Item(kind, key, entry["lang"], entry["question"], url_for("faq.index") + f"#{key}", entry["category"])


def _item_or_404(kind: str, key: str) -> Item:
    item = _item(kind, key)
    if item is None:
        abort(404)
    return item


def _vote(item: Item) -> Response | str:
    ballot = activity.parse_ballot(request.form)
    if ballot is None:
        abort(400)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    activity.record_vote(db.session(), item.kind, item.key, item.lang, visitors.hashed("vote"), ballot, now)
    events.record(
        "vote", f"{item.kind}:{item.key}", ",".join(ballot.reasons), int(ballot.helpful), item.lang, item.category
    )
    state = "missing" if not ballot.helpful and not ballot.details else "thanks"
    if request.headers.get("X-Requested-With") == "fetch":
        return render_template("_vote.html", vote=vote_box(item.kind, item.key, state))
    return redirect(_back(item, state), code=303)  # POST, then GET the page


def _back(item: Item, state: str) -> str:
    """The item's page, scrolled to its box, showing ``state``."""
    query = {"vote": state, "item": f"{item.kind}:{item.key}"}
    if item.kind == "faq":
        return url_for("faq.index", **query) + f"#{item.key}"  # the entry, opened
    return url_for("articles.article", slug=item.key, **query) + f"#vote-article-{item.key}"


@bp.post("/articles/<slug>/vote")
@limiter.limit(VOTE_LIMIT)
def vote_article(slug: str) -> Response | str:
    """:raise 404: no article of that slug. :raise 400: neither yes nor no."""
    return _vote(_item_or_404("article", slug))


@bp.post("/faq/<entry_id>/vote")
@limiter.limit(VOTE_LIMIT)
def vote_faq(entry_id: str) -> Response | str:
    """:raise 404: no FAQ entry of that id. :raise 400: neither yes nor no."""
    return _vote(_item_or_404("faq", entry_id))


@bp.post("/faq/<entry_id>/view")
@csrf.exempt  # a beacon: at worst a forged one counts a view, once per visitor per day
@limiter.limit(VIEW_LIMIT)
def faq_view(entry_id: str) -> tuple[str, int]:
    """Count a view of an FAQ entry opened on the FAQ page (sent by site.js)."""
    item = _item_or_404("faq", entry_id)
    view = events.for_request("view", events.item(events.FAQ, entry_id), lang=item.lang, category=item.category)
    activity.count_view("faq", entry_id, view)
    return "", 204


@bp.get("/faq/<entry_id>")
def faq_permalink(entry_id: str) -> Response:
    """The FAQ entry's shareable address: counts a view, then shows the entry on
    the FAQ page. :raise 404: no FAQ entry of that id."""
    item = _item_or_404("faq", entry_id)
    view = events.for_request("view", events.item(events.FAQ, entry_id), lang=item.lang, category=item.category)
    activity.count_view("faq", entry_id, view)
    return redirect(url_for("faq.index") + f"#{entry_id}")


def _refused(exc: HTTPException, notice: str) -> Any:
    """The vote box again, filled with what was sent, in the site's layout."""
    status = exc.code or 400
    kind = "faq" if request.endpoint == "feedback.vote_faq" else "article"
    key = (request.view_args or {}).get("entry_id" if kind == "faq" else "slug", "")
    item = _item(kind, key) if request.endpoint in ("feedback.vote_article", "feedback.vote_faq") else None
    if item is None:  # the beacon, or an item that does not exist
        return ("", status) if request.endpoint == "feedback.faq_view" else render_error(status)
    ballot = activity.parse_ballot(request.form)
    state = "missing" if ballot is not None and not ballot.helpful else ""
    refill = {"missing": ballot.missing, "reasons": ballot.reasons} if ballot else {}
    box = vote_box(kind, key, state, notice=notice, **refill)
    current_app.logger.info("vote refused (%s) on %s %r", status, kind, key)
    page = render_template("feedback/refused.html", item=item, vote=box, status=status)
    headers = {"Retry-After": "60"} if status == 429 else {}
    return page, status, headers


@bp.errorhandler(CSRFError)
def csrf_failed(exc: CSRFError) -> Any:
    return _refused(exc, "This page had been open for a long time, so we couldn't save that. Please send it again.")


@bp.errorhandler(429)
def too_many(exc: HTTPException) -> Any:
    return _refused(exc, "You've sent a lot of feedback in a short time. Please wait a minute, then send it again.")
