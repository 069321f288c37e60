"""What the preview adds to the site: a bar on every page, a reload script, and
the event stream the script listens to.

Every HTML page gets, at the top of its body, the preview bar: the problems that
stopped the last build (each as ``path:line: message``; the page under it is the
last good build), the last build's warnings, and a "Draft" notice on a draft
article or tree. The bar is rendered on the server, so it is there with or without
JavaScript. ``static/preview.js`` (a file, so the Content-Security-Policy's
``script-src 'self'`` allows it) opens ``/__preview/events`` (Server-Sent
Events) and reloads the page when the build generation differs from the one the
page was made from: a new build, or problems appearing or clearing.

Registered only by :mod:`portal.preview.cli`; the normal site has none of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask_babel import gettext
from markupsafe import Markup

from portal.content.drafts import DRAFTS
from portal.preview.rebuild import PreviewState
from portal.published import NotBuilt, current

EXTENSION = "portal.preview"
KEEPALIVE = 15.0  # seconds between comments on an idle stream, so a closed tab is noticed
RETRY_MS = 1000  # how soon a browser reconnects when the preview restarts

bp = Blueprint("preview", __name__, url_prefix="/__preview")

_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def _state() -> PreviewState:
    return current_app.extensions[EXTENSION]


@bp.get("/events")
def events() -> Response:
    """Server-Sent Events: ``event: build`` with the generation, at once and
    after every build."""
    state = _state()

    def stream() -> Iterator[str]:
        generation = state.outcome.generation
        yield f"retry: {RETRY_MS}\nevent: build\ndata: {generation}\n\n"
        while True:
            outcome = state.wait_for(generation, timeout=KEEPALIVE)
            if outcome.generation == generation:
                yield ": still here\n\n"
            else:
                generation = outcome.generation
                yield f"event: build\ndata: {generation}\n\n"

    return Response(
        stream(),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def inject(page: str, head: str, top: str, bottom: str) -> str:
    """``page`` with ``head`` before ``</head>``, ``top`` just inside
    ``<body>`` and ``bottom`` before ``</body>``; a page without those tags
    (a fragment) is left alone."""
    body = _BODY.search(page)
    head_end = _HEAD_END.search(page)
    body_end = _BODY_END.search(page)
    if not (body and head_end and body_end) or not head_end.end() <= body.start() < body_end.start():
        return page
    return (
        page[: head_end.start()]
        + head
        + page[head_end.start() : body.end()]
        + top
        + page[body.end() : body_end.start()]
        + bottom
        + page[body_end.start() :]
    )


def _drafts() -> list[str]:
    try:
        return list(current().catalog.collection(DRAFTS))
    except NotBuilt:
        return []


def draft_pages() -> list[str]:
    """What ``preview.js`` badges besides draft articles: ``tree:<id>``,
    ``faq:<id>`` and ``glossary:<lang>:<id>`` for each draft tree, FAQ entry
    and glossary term the preview build holds."""
    try:
        catalog = current().catalog
        return [
            *(f"tree:{t['id']}" for t in catalog.collection("trees") if t.get("draft")),
            *(f"faq:{f['id']}" for f in catalog.collection("faq") if f.get("draft")),
            *(f"glossary:{t['lang']}:{t['id']}" for t in catalog.collection("glossary") if t.get("draft")),
        ]
    except NotBuilt:
        return []


TREE_PAGES = ("troubleshoot.walk", "troubleshoot.diagram")


def _draft_page(drafts: list[str]) -> str:
    """``"article"`` or ``"tree"`` when this page shows a draft of that kind,
    else ``""``. (Draft FAQ entries and glossary terms share their page with
    published ones: each carries its own badge instead.)"""
    args = request.view_args or {}
    if request.endpoint == "articles.article" and args.get("slug") in drafts:
        return "article"
    if request.endpoint in TREE_PAGES:
        try:
            trees = current().catalog.collection("trees")
        except NotBuilt:
            return ""
        if any(t["id"] == args.get("tree_id") and t.get("draft") for t in trees):
            return "tree"
    return ""


def _decorate(response: Response) -> Response:
    """Add the bar and the script to an HTML page, and make sure no browser
    keeps a copy: a preview page is only ever as good as the last save."""
    if response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough:
        return response
    response.cache_control.no_store = True
    response.cache_control.public = False
    response.cache_control.max_age = None
    response.headers.pop("ETag", None)
    response.headers.pop("Last-Modified", None)
    if response.status_code in (204, 304) or request.method == "HEAD":
        return response
    outcome = _state().outcome
    drafts = _drafts()
    bar = render_template("preview/_bar.html", outcome=outcome, draft=_draft_page(drafts))
    asset_url = current_app.jinja_env.globals["asset_url"]
    head = Markup('<link rel="stylesheet" href="{}">').format(asset_url("preview.css"))
    script = Markup(
        '<script src="{}" data-events="{}" data-generation="{}" data-drafts="{}" data-draft-pages="{}"'
        ' data-draft-label="{}" defer></script>'
    ).format(
        asset_url("preview.js"),
        url_for("preview.events"),
        outcome.generation,
        json.dumps(drafts, ensure_ascii=False),
        json.dumps(draft_pages(), ensure_ascii=False),
        gettext("Draft"),
    )
    response.set_data(inject(response.get_data(as_text=True), str(head), bar, str(script)))
    return response


def _fresh_request() -> None:
    # A browser may hold a copy of a page from before the preview (the same
    # port served the normal site): never answer it with 304, always the page.
    request.environ.pop("HTTP_IF_NONE_MATCH", None)
    request.environ.pop("HTTP_IF_MODIFIED_SINCE", None)


def init_app(app: Flask, state: PreviewState) -> None:
    app.extensions[EXTENSION] = state
    app.config["PREVIEW"] = True
    app.register_blueprint(bp)
    app.before_request(_fresh_request)
    app.after_request(_decorate)
