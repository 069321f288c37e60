"""Guided troubleshooting: the list of trees, and a walk through one.

The walk's state is the answers so far, in the URL (``?a=every-device.orange``),
so Back, Refresh and shared links all work without JavaScript or a session.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for

from portal import i18n, tree_analytics, tree_walk
from portal.content.trees import SOLUTION
from portal.published import Snapshot, current
from portal.tree_diagram import mermaid, outline
from portal.tree_svg import svg, svg_document
from portal.views.helpers import categories_by_slug, direction, in_reader_language

bp = Blueprint("troubleshoot", __name__)


@bp.get("/troubleshoot")
def index() -> str:
    """Every tree, grouped by category in the help centre's order; within a
    category the reader's language first, then English, then by title."""
    snapshot = current()
    categories = categories_by_slug(snapshot)
    order = {slug: c.get("order", 999) for slug, c in categories.items()}
    lang = i18n.current_lang()
    trees = sorted(
        snapshot.catalog.collection("trees"),
        key=lambda t: (order.get(t["category"], 999), t["category"], t["lang"] != lang, t["lang"] != "en", t["title"]),
    )
    groups = [
        (categories.get(cat, {"title": cat}), list(items)) for cat, items in groupby(trees, key=lambda t: t["category"])
    ]
    return render_template(
        "troubleshoot/index.html",
        groups=groups,
        steps={t["id"]: tree_walk.longest_remaining(t, t["start"]) for t in trees},
    )


def find_tree(tree_id: str) -> dict[str, Any]:
    tree = next((t for t in current().catalog.collection("trees") if t["id"] == tree_id), None)
    if tree is None:
        abort(404)
    return tree


@bp.get("/troubleshoot/<tree_id>")
def walk(tree_id: str) -> str:
    """One step of a walk, from the answers in the URL (``a``, ``outcome``).

    :raise 404: no tree of that id. Answers that no longer fit never fail: the
    walk stops at the last valid step and says so.
    """
    snapshot = current()
    tree = find_tree(tree_id)
    answers = tree_walk.parse_answers(request.args.get("a", ""))
    state = tree_walk.follow(tree, answers, request.args.get("outcome", ""))
    tree_analytics.record(tree, state)
    node = tree["nodes"][state.node_id]
    return render_template(
        "troubleshoot/walk.html",
        tree=tree,
        dir=direction(tree["lang"]),
        walk=state,
        node=node,
        progress=tree_walk.progress(tree, state),
        articles=_articles(snapshot, node["articles"]),
        option_links={o["id"]: _option_links(snapshot, tree["lang"], o) for o in node["options"]},
        told=_told(tree, state) if state.escalated else [],
        ticket_url=tree_walk.ticket_url(state),
    )


def _told(tree: dict[str, Any], state: tree_walk.Walk) -> list[dict[str, str]]:
    """What the customer told us, as the escalation page repeats it: the tree's
    words as written, each solution tried by its first line (the template adds
    the portal's own words in the reader's language). The ticket keeps the
    transcript proper (portal.tree_walk.transcript)."""
    nodes = tree["nodes"]

    def tried(node_id: str) -> str:
        line = tree_walk.first_line(nodes[node_id]["text"]).rstrip(" :;,")
        return line + ("" if line.endswith((".", "?", "!", "…")) else ".")

    told = [
        {"solution": tried(s.node_id), "solved": False}
        if s.kind == SOLUTION
        else {"question": tree_walk.shorten(s.question, tree_walk.TRANSCRIPT_LIMIT), "answer": s.answer}
        for s in state.steps
    ]
    if state.kind == SOLUTION and state.outcome:
        told.append({"solution": tried(state.node_id), "solved": state.solved})
    return told


def _articles(snapshot: Snapshot, slugs: list[str]) -> list[dict[str, str]]:
    """Linked articles by title; a slug missing from this build is left out
    (the build checks links, so only a build mid-switch could miss one)."""
    found = snapshot.catalog.articles(list(slugs)) if slugs else []
    found = in_reader_language(snapshot.catalog, found, i18n.current_lang())
    return [{"title": a.title, "url": url_for("articles.article", slug=a.slug), "lang": a.lang} for a in found]


def _option_links(snapshot: Snapshot, lang: str, option: dict[str, Any]) -> list[dict[str, str]]:
    """The articles and glossary terms an option links, for a discreet line beside it."""
    links = [{**a, "kind": "article"} for a in _articles(snapshot, option["articles"])]
    if option["glossary"]:
        terms = {
            name.casefold(): term
            for term in snapshot.catalog.collection("glossary")
            if term["lang"] == lang
            for name in (term["term"], *term["aliases"])
        }
        for name in option["glossary"]:
            term = terms.get(name.casefold())
            if term:
                links.append(
                    {
                        "title": name,
                        "url": url_for(
                            "glossary.index", lang=None if lang == i18n.current_lang() else lang, _anchor=term["id"]
                        ),
                        "definition": term["definition"]["text"],
                        "kind": "term",
                    }
                )
    return links


@bp.get("/troubleshoot/<tree_id>/diagram")
def diagram(tree_id: str) -> str:
    """For authors: the tree drawn as customers walk it (an inline SVG), with its
    nodes and edges as lists (the drawing's text alternative) and downloads.

    :raise 404: no tree of that id.
    """
    tree = find_tree(tree_id)
    rtl = direction(tree["lang"]) == "rtl"
    nodes, edges = outline(tree, rtl=rtl)
    return render_template(
        "troubleshoot/diagram.html",
        tree=tree,
        dir=direction(tree["lang"]),
        drawing=svg(tree, rtl=rtl),
        source=mermaid(tree),
        nodes=nodes,
        edges=edges,
        by_ref={n.ref: n for n in nodes},
    )


# A downloaded drawing opened on its own is a document of our origin: it needs
# nothing, so it may load and run nothing.
SVG_POLICY = "default-src 'none'; frame-ancestors 'none'"


@bp.get("/troubleshoot/<tree_id>/diagram.svg")
def diagram_svg(tree_id: str) -> Response:
    """The drawing as an SVG file. :raise 404: no tree of that id."""
    tree = find_tree(tree_id)
    response = Response(svg_document(tree, rtl=direction(tree["lang"]) == "rtl"), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_POLICY
    return response


@bp.get("/troubleshoot/<tree_id>/diagram.mmd")
def diagram_source(tree_id: str) -> Response:
    """The Mermaid ``flowchart`` text, for authors who keep diagrams in Mermaid.
    :raise 404: no tree of that id."""
    return Response(mermaid(find_tree(tree_id)), mimetype="text/plain")
