"""The troubleshooting walker as customers see it: the trail of answers that
takes them back, progress, linked articles and terms, "Did this solve it?", and
"Contact support" carrying their answers; and URLs that no longer fit, or were
never meant to, landing on a page rather than an error.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import write_file, write_site

from portal.build import build
from portal.content import load_site

REPO_ROOT = Path(__file__).resolve().parent.parent

ROUTER = """\
id: router
title: Fix your router
description: Three questions about your Hub.
category: hub
start: light
nodes:
  light:
    type: question
    text: What colour is the light on your **Harbor Hub**?
    hint: Look at the single light on the front.
    options:
      - id: orange
        label: Orange
        next: cable
        articles: [harbor-hub-lights]
        glossary: [ONT]
      - id: red
        label: Red
        next: fault
  cable:
    type: question
    text: Is the cable from the ONT plugged into the Hub?
    options:
      - id: plugged
        label: Yes, it's plugged in
        next: restart
      - id: unplugged
        label: No, or I'm not sure
        next: plug
  restart:
    type: solution
    text: Restart the Hub and wait three minutes.
    articles: [restart-your-harbor-hub, harbor-hub-lights]
    if_not_solved: line
  plug:
    type: solution
    text: Push the cable into the grey WAN port until it clicks.
  line:
    type: escalate
    text: We'll run a line check from our side.
    reason: Orange light after a restart
    ticket_category: hub
    priority: high
  fault:
    type: escalate
    reason: Red light on the Hub
tests:
  - answers: [orange, plugged, solved]
    outcome: solved
  - answers: [orange, plugged, not-solved]
    outcome: line
  - answers: [orange, unplugged, not-solved]
    outcome: ticket
  - answers: [red]
    outcome: fault
"""

HEBREW = """\
id: password-he
title: שכחתי את הסיסמה
description: נחזיר אתכם לחשבון.
lang: he
category: account
start: what
nodes:
  what:
    type: question
    text: מה קרה?
    options:
      - id: forgot
        label: שכחתי את הסיסמה
        next: reset
      - id: locked
        label: החשבון נעול
        next: team
  reset:
    type: solution
    text: בקשו קישור איפוס.
    articles: [reset-your-password-he]
  team:
    type: escalate
    reason: Locked account (Hebrew)
tests:
  - answers: [forgot, solved]
    outcome: solved
"""


def serve(content: Path, root: Path):
    """An app over ``content`` built into ``root``, for tests that only read."""
    from portal import create_app

    report = build(content, root / "index")
    assert not report.failed, [str(p) for p in report.problems]
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content,
            "INDEX_DIR": root / "index",
            "INSTANCE_DIR": root / "instance",
            "DATABASE_URL": f"sqlite:///{root / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
        }
    )


def close(app) -> None:
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The fixture help centre plus a tree three questions deep and a Hebrew one,
    built once for this module (the walker only reads it)."""
    root = tmp_path_factory.mktemp("walker-site")
    content = write_site(root / "content")
    write_file(content, "troubleshooting_trees/router.yaml", ROUTER)
    write_file(content, "troubleshooting_trees/password-he.yaml", HEBREW)
    app = serve(content, root)
    yield app.test_client()
    close(app)


class _Links(HTMLParser):
    """Every link on a page: its href, its text, and the classes around it."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[set[str]] = []
        self.links: list[dict] = []
        self.open: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("br", "img", "input", "meta", "link"):
            return
        classes = set((attrs.get("class") or "").split())
        self.stack.append(classes)
        if tag == "a":
            link = {"href": attrs.get("href"), "text": "", "within": set().union(*self.stack), **attrs}
            self.links.append(link)
            self.open.append(link)

    def handle_endtag(self, tag):
        if tag in ("br", "img", "input", "meta", "link"):
            return
        if self.stack:
            self.stack.pop()
        if tag == "a" and self.open:
            link = self.open.pop()
            link["text"] = " ".join(link["text"].split())

    def handle_data(self, data):
        for link in self.open:
            link["text"] += data


def links(body: str, within: str | None = None) -> list[dict]:
    """The links on the page, or only those inside an element of class ``within``."""
    parser = _Links()
    parser.feed(body)
    return [link for link in parser.links if within is None or within in link["within"]]


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def progress(body: str) -> tuple[str, int]:
    label = re.search(r'id="walk-progress-label">(.*?)</span>', body).group(1)
    value = int(re.search(r'<progress max="100" value="(\d+)"', body).group(1))
    return label, value


# --- the trail of answers ------------------------------------------------------


def test_the_trail_shows_each_question_and_answer_and_goes_back_to_that_step(client):
    body = get(client, "/troubleshoot/router?a=orange.plugged.not-solved")
    trail = links(body, "walk-trail")
    assert [(link["href"], link["text"]) for link in trail] == [
        ("/troubleshoot/router", "What colour is the light on your Harbor Hub? Orange"),
        ("/troubleshoot/router?a=orange", "Is the cable from the ONT plugged into the Hub? Yes, it's plugged in"),
        ("/troubleshoot/router?a=orange.plugged", "Did this solve it? Still not working"),
    ]
    # Going back to the second step offers its options again, after the first answer.
    back = get(client, trail[1]["href"])
    assert "Is the cable from the ONT plugged into the Hub?" in back
    options = [link["href"] for link in links(back, "options")]
    assert "/troubleshoot/router?a=orange.unplugged" in options
    assert [link["text"] for link in links(back, "walk-trail")] == [
        "What colour is the light on your Harbor Hub? Orange"
    ]


def test_start_over_goes_back_to_the_first_question(client):
    body = get(client, "/troubleshoot/router?a=orange.plugged")
    assert any(link["text"] == "Start over" and link["href"] == "/troubleshoot/router" for link in links(body))


# --- progress -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ("Step 1", 0)),
        ("?a=orange", ("Step 2", 33)),
        ("?a=orange.plugged", ("Step 3", 67)),
        ("?a=orange.plugged.not-solved", ("Complete", 100)),
        ("?a=orange.plugged&outcome=solved", ("Complete", 100)),
        ("?a=red", ("Complete", 100)),
    ],
)
def test_progress_is_shown_and_reaches_complete_at_an_end(client, query, expected):
    body = get(client, "/troubleshoot/router" + query)
    assert progress(body) == expected
    assert 'aria-labelledby="walk-progress-label"' in body


# --- questions, solutions and their links ---------------------------------------


def test_a_question_shows_its_hint_and_each_options_articles_and_terms(client):
    body = get(client, "/troubleshoot/router")
    assert "Look at the single light on the front." in body
    beside = [(link["href"], link["text"]) for link in links(body, "option-links")]
    assert beside == [
        ("/articles/harbor-hub-lights", "What the lights on your Harbor Hub mean"),
        ("/glossary#ont", "ONT"),
    ]
    (term,) = [link for link in links(body, "option-links") if link["href"] == "/glossary#ont"]
    assert term["title"] == "The fibre box on the wall where the fibre comes in."


def test_a_solution_lists_its_articles_by_title_and_asks_if_it_worked(client):
    body = get(client, "/troubleshoot/router?a=orange.plugged")
    assert "Restart the Hub and wait three minutes." in body
    titles = [(link["href"], link["text"]) for link in links(body, "link-list")]
    assert titles == [
        ("/articles/restart-your-harbor-hub", "Restart your Harbor Hub"),
        ("/articles/harbor-hub-lights", "What the lights on your Harbor Hub mean"),
    ]
    assert "Did this solve it?" in body
    answers = {link["text"]: link["href"] for link in links(body, "options")}
    assert answers == {
        "Yes, it's fixed": "/troubleshoot/router?a=orange.plugged&outcome=solved",
        "No, still not working": "/troubleshoot/router?a=orange.plugged.not-solved",
    }


def test_solved_says_thanks_and_leads_back_to_the_help_centre(client):
    body = get(client, "/troubleshoot/router?a=orange.plugged&outcome=solved")
    assert "Glad that fixed it" in body
    assert "Did this solve it?" not in body
    assert "/" in [link["href"] for link in links(body, "step")]
    assert not [link for link in links(body, "walk") if "/tickets/new" in link["href"]]


# --- contact support, with the answers so far -----------------------------------


def test_an_escalation_offers_contact_support_carrying_the_trail_and_shows_the_transcript(client):
    body = get(client, "/troubleshoot/router?a=orange.plugged.not-solved")
    assert "We'll run a line check from our side." in body
    (contact,) = [link for link in links(body, "contact-support") if link["text"] == "Contact support"]
    assert contact["href"] == "/tickets/new?tree=router&a=orange.plugged.not-solved&outcome="
    assert "won't need to repeat them" in html.unescape(body)
    transcript = html.unescape(body[body.index('class="transcript"') :])
    order = [
        "What colour is the light on your Harbor Hub?",
        "Orange",
        "Is the cable from the ONT plugged into the Hub?",
        "Yes, it's plugged in",
        "Tried: Restart the Hub and wait three minutes. Did this solve it?",
        "Still not working",
    ]
    positions = [transcript.index(text) for text in order]
    assert positions == sorted(positions)
    assert "mailto:" not in body[body.index('class="walk"') :].split("</main>")[0]


def test_out_of_solutions_offers_contact_support_with_the_outcome(client):
    body = get(client, "/troubleshoot/router?a=orange.unplugged&outcome=not-solved")
    assert "Sorry that didn't fix it" in html.unescape(body)
    (contact,) = [link for link in links(body, "contact-support") if link["text"] == "Contact support"]
    assert contact["href"] == "/tickets/new?tree=router&a=orange.unplugged&outcome=not-solved"
    assert "Tried: Push the cable into the grey WAN port until it clicks. Did this solve it?" in html.unescape(body)


def test_an_escalate_node_without_text_still_offers_a_person(client):
    body = get(client, "/troubleshoot/router?a=red")
    assert "Let's get a person to help" in html.unescape(body)
    assert [link["href"] for link in links(body, "contact-support")] == ["/tickets/new?tree=router&a=red&outcome="]


# --- URLs that no longer fit, or were never meant to -----------------------------


def test_a_stale_answer_lands_on_the_last_valid_step_with_a_note(client):
    body = get(client, "/troubleshoot/router?a=orange.purple.plugged&outcome=solved")
    assert "has changed since that link was made" in body
    assert "Is the cable from the ONT plugged into the Hub?" in body
    assert "Glad that fixed it" not in body


@pytest.mark.parametrize(
    "query",
    [
        "a=%00",
        "a=" + "x." * 20_000,
        "a=orange." + "not-solved." * 200,
        "a=../../etc/passwd",
        "a=%E2%80%AE%F0%9F%92%A5.%ff%fe",
        "a=orange&a=red&outcome=solved&outcome=x",
        "a=orange.plugged&outcome=%3Cscript%3Ealert(1)%3C/script%3E",
        "a=orange.plugged&outcome=" + "s" * 10_000,
        "a=<b>.&outcome=not-solved",
        "a=__proto__.constructor",
        "outcome=solved",
    ],
)
def test_hostile_query_strings_give_a_page_not_an_error(client, query):
    response = client.get(f"/troubleshoot/router?{query}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Traceback" not in body
    assert "<script>alert" not in body
    assert 'class="walk"' in body


def test_an_unknown_tree_is_a_friendly_404(client):
    response = client.get("/troubleshoot/no-such-tree?a=x")
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)


# --- the list, and right-to-left trees ------------------------------------------


def test_the_list_groups_trees_with_description_size_and_language(client):
    body = get(client, "/troubleshoot")
    assert "Three questions about your Hub." in body
    assert "Up to 3 questions" in body
    section = body[body.index("Account &amp; sign-in") :]
    assert '<div lang="he" dir="rtl">' in section
    assert "עברית" in section


def test_a_hebrew_tree_walks_right_to_left_in_reading_order(client):
    body = get(client, "/troubleshoot/password-he?a=forgot")
    assert '<div class="walk" lang="he" dir="rtl">' in body
    # The trail and progress sit inside the right-to-left container, in reading order.
    walk = body[body.index('class="walk"') :]
    assert walk.index('class="walk-progress"') < walk.index('class="walk-trail"') < walk.index('class="step"')
    assert [link["text"] for link in links(body, "walk-trail")] == ["מה קרה? שכחתי את הסיסמה"]
    # The portal's English words are marked as English, so they read correctly.
    assert '<span lang="en" dir="ltr">Did this solve it?</span>' in body


# --- the repository's own trees, walked through the pages ------------------------


@pytest.fixture(scope="module")
def repo_client(tmp_path_factory):
    app = serve(REPO_ROOT, tmp_path_factory.mktemp("repo-site"))
    yield app.test_client()
    close(app)


REPO_TESTS = [
    (tree.id, test.answers, test.outcome, {n.id: n.kind for n in tree.nodes.values()})
    for tree in load_site(REPO_ROOT)[0].trees
    for test in tree.tests
]


@pytest.mark.parametrize(("tree_id", "answers", "outcome", "kinds"), REPO_TESTS)
def test_repository_tree_tests_walk_through_the_pages(repo_client, tree_id, answers, outcome, kinds):
    body = html.unescape(get(repo_client, f"/troubleshoot/{tree_id}?a={'.'.join(answers)}"))
    assert "has changed since that link was made" not in body
    if outcome == "solved":
        assert "Glad that fixed it" in body
    elif outcome == "ticket" or kinds[outcome] == "escalate":
        assert f'href="/tickets/new?tree={tree_id}&a=' in body
        assert "What you've told us" in body
    elif kinds[outcome] == "solution":
        assert "Did this solve it?" in body
    else:
        assert 'class="button button-option"' in body
