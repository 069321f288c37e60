"""Guided troubleshooting: the list of trees, and a walk through one.

The walk's state is the answers so far, in the URL (``?a=every-device.orange``),
so Back, Refresh and shared links all work without JavaScript or a session.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from flask import Blueprint, abort, render_template, request

from portal.content.trees import NOT_SOLVED
from portal.published import current
from portal.views.helpers import categories_by_slug, direction

bp = Blueprint("troubleshoot", __name__)
MAX_ANSWERS = 50


@bp.get("/troubleshoot")
def index() -> str:
    snapshot = current()
    categories = categories_by_slug(snapshot)
    trees = sorted(
        snapshot.catalog.collection("trees"), key=lambda t: categories.get(t["category"], {}).get("order", 999)
    )
    groups = [
        (categories.get(cat, {"title": cat}), list(items)) for cat, items in groupby(trees, key=lambda t: t["category"])
    ]
    return render_template("troubleshoot/index.html", groups=groups)


def follow(tree: dict[str, Any], answers: list[str]) -> tuple[list[dict[str, Any]], str, bool]:
    """Walk ``answers`` through the tree. Returns the steps taken (node, chosen
    option), the node reached, and whether an answer had to be dropped because
    it no longer exists (a stale or edited URL)."""
    nodes = tree["nodes"]
    current_id = tree["start"]
    steps: list[dict[str, Any]] = []
    for answer in answers[:MAX_ANSWERS]:
        node = nodes[current_id]
        option = next((o for o in node["options"] if o["id"] == answer), None)
        if option is None and answer == NOT_SOLVED and node["if_not_solved"]:
            option = {"id": NOT_SOLVED, "label": "Still not working", "next": node["if_not_solved"]}
        if option is None:
            return steps, current_id, True
        steps.append({"node": node, "node_id": current_id, "option": option})
        current_id = option["next"]
    return steps, current_id, False


@bp.get("/troubleshoot/<tree_id>")
def walk(tree_id: str) -> str:
    tree = next((t for t in current().catalog.collection("trees") if t["id"] == tree_id), None)
    if tree is None:
        abort(404)
    answers = [a for a in request.args.get("a", "").split(".") if a]
    steps, node_id, stale = follow(tree, answers)
    outcome = request.args.get("outcome", "")
    return render_template(
        "troubleshoot/walk.html",
        tree=tree,
        dir=direction(tree["lang"]),
        steps=steps,
        node=tree["nodes"][node_id],
        node_id=node_id,
        trail=[s["option"]["id"] for s in steps],
        stale=stale,
        outcome=outcome if outcome in ("solved", "not-solved") else "",
    )
