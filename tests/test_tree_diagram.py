"""Diagrams of troubleshooting trees: the outline and Mermaid text, the SVG
drawing and its layout, the author page, the downloads and the command."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import TREE
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import publish
from portal.build import build
from portal.catalog import FILENAME, Catalog
from portal.tree_diagram import escape_label, mermaid, one_line, outline, plain_text
from portal.tree_svg import layout, svg, svg_document, wrap

REPO_ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = ["<script>alert(1)</script>", "Tom & Jerry", "\"quoted\" and 'single'", "]]> end", "bell\x07 char"]


def published_tree(app) -> dict:
    from portal.published import current

    with app.app_context():
        return next(t for t in current().catalog.collection("trees") if t["id"] == TREE["id"])


def hostile_tree() -> dict:
    return {
        "id": "hostile",
        "title": "Hostile <b>title</b> & co",
        "lang": "en",
        "start": "end",
        "nodes": {
            "end": {
                "kind": "question",
                "text": '<p>Is it "on" [really] #1?<br>\nSay <script>alert(1)</script> &amp; more</p>',
                "options": [
                    {"id": "a", "label": 'He said "yes"]', "next": "fix.it"},
                    {"id": "b", "label": "<script>x</script> | {b} (c) #2", "next": "fix_it"},
                    *({"id": f"h{i}", "label": label, "next": "fix.it"} for i, label in enumerate(HOSTILE)),
                ],
            },
            "fix.it": {"kind": "solution", "text": "<p>Try this.</p>", "options": [], "if_not_solved": ""},
            "fix_it": {"kind": "escalate", "text": "", "reason": "Needs a person", "options": []},
        },
    }


def broken_tree() -> dict:
    """What the build refuses, built by hand: a cycle (ask → fix → ask), a node
    leading to itself, and references to nodes that do not exist."""
    return {
        "id": "broken",
        "title": "Broken",
        "lang": "en",
        "start": "ask",
        "nodes": {
            "ask": {
                "kind": "question",
                "text": "<p>Ask</p>",
                "options": [
                    {"id": "a", "label": "Fix", "next": "fix"},
                    {"id": "b", "label": "Nowhere", "next": "gone"},
                    {"id": "c", "label": "Again", "next": "loop"},
                    {"id": "d", "label": "Empty", "next": ""},
                ],
            },
            "fix": {"kind": "solution", "text": "<p>Fix it</p>", "options": [], "if_not_solved": "ask"},
            "loop": {
                "kind": "question",
                "text": "<p>Loop</p>",
                "options": [{"id": "x", "label": "Me", "next": "loop"}],
            },
        },
    }


def parse(text: str) -> ET.Element:
    # Our own output: parsing it is the test that it is well-formed.
    return ET.fromstring(text.removeprefix('<?xml version="1.0" encoding="UTF-8"?>\n'))  # noqa: S314


def classes(element: ET.Element) -> set[str]:
    return set(element.get("class", "").split())


def assert_drawing_matches(tree: dict, *, rtl: bool = False) -> ET.Element:
    """The drawing parses as XML and has one shape per box and one path per edge."""
    nodes, edges = outline(tree, rtl=rtl)
    root = parse(svg(tree, rtl=rtl))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").get("id") == root.get("aria-labelledby")
    groups = [g for g in root.iter(f"{SVG}g") if "node" in classes(g)]
    assert len(groups) == len(nodes)
    for group, node in zip(groups, nodes, strict=True):
        assert f"node-{node.kind}" in classes(group)
        assert len([s for s in group if "shape" in classes(s)]) == 1
    assert len([p for p in root.iter(f"{SVG}path") if "edge-line" in classes(p)]) == len(edges)
    assert not any(e.get("style") for e in root.iter())  # the page's CSP refuses inline styles
    return root


def assert_no_overlaps(tree: dict, *, rtl: bool = False) -> None:
    """No two boxes (nodes and arrow labels) overlap, nor leave the drawing."""
    drawing = layout(*outline(tree, rtl=rtl), rtl=rtl)
    boxes = list(drawing.nodes.values()) + [r.label for r in drawing.routes if r.label is not None]
    for a, b in itertools.combinations(boxes, 2):
        apart_x = abs(a.x - b.x) >= (a.width + b.width) / 2
        apart_y = abs(a.y - b.y) >= (a.height + b.height) / 2
        assert apart_x or apart_y, (a.key, b.key)
    for box in boxes:
        assert box.x - box.width / 2 >= -0.01 and box.x + box.width / 2 <= drawing.width + 0.01, box.key
        assert box.top >= -0.01 and box.bottom <= drawing.height + 0.01, box.key


# --- outline and Mermaid -------------------------------------------------------------


def test_fixture_diagram_has_every_node_and_option(app):
    text = mermaid(published_tree(app))
    assert text.startswith("flowchart TD\n")
    assert '    n_colour{"What colour is the light on your Harbor Hub?"}' in text
    assert '    n_restart("Restart the Hub and wait three minutes."' in text
    assert '    n_escalate_fault{{"We\'ll take it from here."}}' in text
    for spec in TREE["nodes"].values():
        for option in spec.get("options", []):
            assert f'-->|"{option["label"]}"|' in text
    assert 'n_colour -->|"Orange"| n_restart' in text
    assert 'n_colour -->|"Red"| n_escalate_fault' in text
    assert 'n_restart -->|"solved"| outcome_solved' in text
    assert 'n_restart -.->|"not solved"| n_escalate_fault' in text
    assert 'outcome_solved(["Solved"])' in text
    assert "    class n_colour start\n" in text
    assert "    class n_colour question\n" in text


def test_solution_without_if_not_solved_leads_to_ticket():
    nodes, edges = outline(hostile_tree())
    assert [n.id for n in nodes] == ["end", "fix.it", "fix_it", "solved", "ticket"]
    assert [n.start for n in nodes] == [True, False, False, False, False]
    assert ("n_fix_it", "outcome_ticket", True) in [(e.source, e.target, e.dashed) for e in edges]
    assert 'n_fix_it -.->|"not solved"| outcome_ticket' in mermaid(hostile_tree())


def test_a_node_called_ticket_is_not_the_ticket_outcome():
    tree = {
        "start": "ticket",
        "nodes": {"ticket": {"kind": "solution", "text": "<p>Raise a ticket</p>", "options": [], "if_not_solved": ""}},
    }
    nodes, edges = outline(tree)
    assert [(n.id, n.ref, n.kind) for n in nodes] == [
        ("ticket", "n_ticket", "solution"),
        ("solved", "outcome_solved", "solved"),
        ("ticket", "outcome_ticket", "ticket"),
    ]
    assert [(e.source, e.target) for e in edges] == [("n_ticket", "outcome_solved"), ("n_ticket", "outcome_ticket")]


def test_hostile_labels_and_ids_are_escaped_in_mermaid():
    text = mermaid(hostile_tree())
    # Mermaid-safe, unique ids: no keyword ``end``, no dot, no clash of fix.it / fix_it.
    declared = ["n_end", "n_fix_it", "n_fix_it_2", "outcome_solved", "outcome_ticket"]
    assert re.findall(r"^    (\w+)[{(\[]", text, re.M) == declared
    for line in text.splitlines()[1:]:
        if line.startswith("    class"):
            continue
        inner = re.findall(r'"([^"]*)"', line)
        assert inner, line  # every label is quoted, and no quote is left inside one
        for label in inner:
            assert not set(label) & set('"<>[]{}()|`'), label
    assert "#quot;on#quot; #91;really#93; #35;1?" in text
    assert "#lt;script#gt;" in text
    assert "<script>" not in text
    assert text.count("\n") == len(text.splitlines())  # one line per statement
    assert 'n_end -->|"He said #quot;yes#quot;#93;"| n_fix_it' in text
    assert 'n_fix_it_2{{"Escalate: Needs a person"}}' in text


def test_plain_text_strips_tags_and_cuts_after_a_word():
    assert plain_text("<p>Hello <strong>there</strong>&amp;\nbye</p>") == "Hello there& bye"
    assert plain_text("<p>Your <strong>Hub</strong>?</p><ol><li>One</li><li>Two</li></ol>") == "Your Hub? One Two"
    long = plain_text("<p>" + "word " * 40 + "</p>")
    assert len(long) <= 80 and long.endswith("word…")
    assert one_line("a" * 100, 10) == "a" * 9 + "…"  # one long word is cut where it must be
    assert escape_label('a "b"\n#c') == "a #quot;b#quot; #35;c"


def test_right_to_left_labels_keep_english_ones_left_to_right():
    tree = {
        "lang": "he",
        "start": "q",
        "nodes": {
            "q": {"kind": "question", "text": "<p>מה קרה?</p>", "options": [{"id": "a", "label": "כן", "next": "e"}]},
            "e": {"kind": "escalate", "text": "", "reason": "Customer used the Hebrew guide.", "options": []},
        },
    }
    nodes, edges = outline(tree, rtl=True)
    assert [(n.id, n.dir) for n in nodes] == [("q", "rtl"), ("e", "ltr"), ("ticket", "ltr")]
    assert [(e.label, e.dir) for e in edges] == [("כן", "rtl"), ("contact support", "ltr")]


# --- layout and SVG ----------------------------------------------------------------


def test_fixture_tree_draws_every_box_and_arrow(app):
    tree = published_tree(app)
    root = assert_drawing_matches(tree)
    assert_no_overlaps(tree)
    texts = [t.text for t in root.iter(f"{SVG}text")]
    question = next(g for g in root.iter(f"{SVG}g") if "node-question" in classes(g))
    lines = ["colour", "What colour is the light on", "your Harbor Hub?", "Start"]  # id, text, start marker
    assert [t.text for t in question.iter(f"{SVG}text")] == lines
    assert {"Orange", "Red", "solved", "not solved", "Solved", "Ticket to support", "Start"} <= set(texts)
    start = [g for g in root.iter(f"{SVG}g") if "node-start" in classes(g)]
    assert len(start) == 1 and start[0].find(f"{SVG}title").text.startswith("question colour:")
    dashed = [p for p in root.iter(f"{SVG}path") if p.get("stroke-dasharray")]
    assert len(dashed) == 1  # restart → escalate-fault, "not solved"


def test_rows_follow_the_longest_path_and_arrows_go_down(app):
    drawing = layout(*outline(published_tree(app)))
    y = {ref: box.y for ref, box in drawing.nodes.items()}
    # colour → restart → escalate-fault: escalate-fault goes below restart, though
    # colour also leads to it directly; the outcomes share the bottom row.
    assert y["n_colour"] < y["n_restart"] < y["n_escalate_fault"] < y["outcome_solved"] == y["outcome_ticket"]


def test_hostile_labels_are_escaped_in_svg():
    text = svg_document(hostile_tree())
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    root = assert_drawing_matches(hostile_tree())
    assert "<script" not in text and "<b>" not in text and "\x07" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "]]&gt; end" in text and "Tom &amp; Jerry" in text and "&quot;quoted&quot;" in text
    assert not [e for e in root.iter() if e.tag.removeprefix(SVG) in ("script", "foreignObject", "a")]
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"<script>alert(1)</script>", "Tom & Jerry", "]]> end", "bell char"} <= texts
    assert "Hostile <b>title</b> & co" in root.find(f"{SVG}title").text


def test_broken_tree_still_draws():
    tree = broken_tree()
    nodes, edges = outline(tree)
    assert [(n.id, n.kind) for n in nodes if n.kind == "missing"] == [("gone", "missing"), ("", "missing")]
    root = assert_drawing_matches(tree)
    assert_no_overlaps(tree)
    assert "no such node" in {t.text for t in root.iter(f"{SVG}text")}
    drawing = layout(nodes, edges)
    y = {ref: box.y for ref, box in drawing.nodes.items()}
    assert y["n_ask"] < y["n_fix"]  # the edge back up to the start is drawn up, not laid out up
    mermaid(tree)  # and the Mermaid text too


def test_tree_whose_start_is_missing_still_draws():
    tree = broken_tree() | {"start": "nowhere"}
    assert_drawing_matches(tree)
    assert not any(n.start for n in outline(tree)[0])


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 9).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(0, n), st.integers(0, n)), max_size=18))
    )
)
def test_any_graph_draws_without_overlap(graph):
    """Random questions with random (also cyclic, missing) targets never raise,
    loop or overlap."""
    count, links = graph
    nodes = {
        f"n{i}": {
            "kind": "question",
            "text": f"<p>Question {i} {'with more words ' * (i % 3)}</p>",
            "options": [
                {"id": f"o{j}", "label": f"to {b}", "next": f"n{b}"} for j, (a, b) in enumerate(links) if a == i
            ],
        }
        for i in range(count)
    }
    tree = {"start": "n0", "nodes": nodes}
    assert_drawing_matches(tree)
    assert_no_overlaps(tree)


def test_right_to_left_tree_is_mirrored():
    tree = {
        "lang": "he",
        "start": "q",
        "nodes": {
            "q": {
                "kind": "question",
                "text": "<p>מה צבע הנורית בחזית ה-<strong>Harbor Hub</strong>?</p>",
                "options": [{"id": "a", "label": "כתום", "next": "a"}, {"id": "b", "label": "אדום", "next": "b"}],
            },
            "a": {"kind": "escalate", "text": "<p>נבדוק</p>", "options": []},
            "b": {"kind": "escalate", "text": "<p>נבדוק שוב</p>", "options": []},
        },
    }
    ltr, rtl = layout(*outline(tree)), layout(*outline(tree, rtl=True), rtl=True)
    assert ltr.nodes["n_a"].x < ltr.nodes["n_b"].x
    assert rtl.nodes["n_a"].x > rtl.nodes["n_b"].x  # the first answer on the right
    root = parse(svg(tree, rtl=True))
    question = next(t for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("מה צבע"))
    assert (question.get("direction"), question.get("unicode-bidi")) == ("rtl", "embed")
    outcome = next(t for t in root.iter(f"{SVG}text") if t.text == "Ticket to support")
    assert outcome.get("direction") is None


def test_wrap_keeps_to_the_width_and_line_count():
    lines = wrap("one two three four five six seven eight nine ten " * 3, 80, 13, 3)
    assert len(lines) == 3 and lines[-1].endswith("…")
    assert wrap("Supercalifragilisticexpialidocious", 60, 13, 5)[0] != "Supercalifragilisticexpialidocious"
    assert wrap("", 80, 13, 3) == []


# --- the page, the downloads and the command ---------------------------------------


def test_diagram_page(client):
    response = client.get("/troubleshoot/hub-light/diagram")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    drawing = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
    root = parse(drawing)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "tree-diagram-title"
    assert "style=" not in drawing
    assert "<code>colour</code> (question, start)" in page
    assert "<code>restart</code> → <code>escalate-fault</code>:" in page
    assert 'href="/troubleshoot/hub-light/diagram.svg"' in page
    assert 'href="/troubleshoot/hub-light/diagram.mmd"' in page
    assert "<summary>Mermaid source</summary>" in page and "flowchart TD" in page


def test_diagram_page_of_unknown_tree_is_a_friendly_404(client):
    for suffix in ("", ".svg", ".mmd"):
        response = client.get(f"/troubleshoot/no-such-tree/diagram{suffix}")
        assert response.status_code == 404
        assert 'role="search"' in response.get_data(as_text=True)  # the site's error page


def test_diagram_downloads(client, app):
    response = client.get("/troubleshoot/hub-light/diagram.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert parse(response.get_data(as_text=True)).tag == f"{SVG}svg"
    response = client.get("/troubleshoot/hub-light/diagram.mmd")
    assert response.mimetype == "text/plain"
    assert response.get_data(as_text=True) == mermaid(published_tree(app))


def test_cli_writes_the_format_its_file_names(app, tmp_path: Path):
    runner = app.test_cli_runner()
    for name, check in (
        ("hub.svg", lambda t: parse(t).tag == f"{SVG}svg"),
        ("hub.mmd", lambda t: t == mermaid(published_tree(app))),
    ):
        result = runner.invoke(args=["tree-diagram", "hub-light", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        assert check((tmp_path / name).read_text(encoding="utf-8"))
    result = runner.invoke(args=["tree-diagram", "hub-light", str(tmp_path / "hub.txt"), "--format", "svg"])
    assert result.exit_code == 0 and (tmp_path / "hub.txt").read_text(encoding="utf-8").startswith("<?xml")
    result = runner.invoke(args=["tree-diagram", "hub-light", str(tmp_path / "hub.png")])
    assert result.exit_code == 2 and "can't tell the format of 'hub.png'" in result.output


def test_cli_prints_to_stdout_and_rejects_unknown_trees(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tree-diagram", "hub-light"])
    assert result.exit_code == 0
    assert result.output.startswith("flowchart TD\n")
    assert runner.invoke(args=["tree-diagram", "hub-light", "--format", "svg"]).output.startswith("<?xml")
    result = runner.invoke(args=["tree-diagram", "nope"])
    assert result.exit_code == 1
    assert "no troubleshooting tree 'nope' in the published build (trees: hub-light)" in result.output


def test_cli_on_an_unbuilt_site(content_dir, tmp_path: Path):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": tmp_path / "empty-index",
            "INSTANCE_DIR": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
        }
    )
    try:
        result = app.test_cli_runner().invoke(args=["tree-diagram", "hub-light"])
    finally:
        app.extensions["portal.db"].dispose()
    assert result.exit_code == 1
    assert "no build published" in result.output and "build_index.py" in result.output
    assert "Traceback" not in result.output


# --- the repository's own trees ------------------------------------------------------


@pytest.fixture(scope="module")
def repo_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The repository's content, built as the site publishes it."""
    index_dir = tmp_path_factory.mktemp("repo") / "index"
    report = build(REPO_ROOT, index_dir)
    assert not report.failed, [str(p) for p in report.problems]
    catalog = Catalog(publish.current_build(index_dir) / FILENAME)
    try:
        return {t["id"]: t for t in catalog.collection("trees")}
    finally:
        catalog.close()


REPO_TREE_IDS = sorted(p.stem for p in (REPO_ROOT / "troubleshooting_trees").glob("*.y*ml"))


@pytest.mark.parametrize("tree_id", REPO_TREE_IDS)
def test_every_repository_tree_draws(repo_trees, tree_id):
    tree = repo_trees[tree_id]
    rtl = tree["lang"] in ("he", "fa", "ar")
    root = assert_drawing_matches(tree, rtl=rtl)
    assert_no_overlaps(tree, rtl=rtl)
    directions = {t.get("direction") for t in root.iter(f"{SVG}text")}
    assert ("rtl" in directions) == rtl
