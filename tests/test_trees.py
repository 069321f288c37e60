"""Troubleshooting trees: structure checks, their ``tests:`` walks, and ``walk()``.

Each broken tree is written out in full so the line in the expected message can
be read off the text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from portal.content import load_site
from portal.content.problems import Problems
from portal.content.trees import load_tree, walk

REPO_ROOT = Path(__file__).resolve().parent.parent
PATH = "troubleshooting_trees/router.yaml"

ROUTER = """\
id: router
title: Fix your router
category: hub
start: light
nodes:
  light:
    type: question
    text: What colour is the light?
    options:
      - id: orange
        label: Orange
        next: restart
      - id: red
        label: Red
        next: escalate
  restart:
    type: solution
    text: Restart the Hub.
    if_not_solved: escalate
  escalate:
    type: escalate
    reason: Light still wrong after a restart
tests:
  - answers: [orange, solved]
    outcome: solved
  - answers: [orange, not-solved]
    outcome: escalate
"""


def load(text: str):
    problems = Problems(PATH)
    tree = load_tree(PATH, textwrap.dedent(text), problems)
    return tree, [str(p) for p in problems]


def test_valid_tree_loads_without_problems():
    tree, problems = load(ROUTER)
    assert problems == []
    assert tree is not None
    assert tree.id == "router"
    assert tree.start == "light"
    assert list(tree.nodes) == ["light", "restart", "escalate"]
    assert [o.id for o in tree.nodes["light"].options] == ["orange", "red"]
    assert tree.nodes["escalate"].priority == "normal"
    assert len(tree.tests) == 2


def test_unknown_node_reference():
    _, problems = load(
        """\
        id: router
        title: Fix your router
        category: hub
        start: light
        nodes:
          light:
            type: question
            text: What colour is the light?
            options:
              - id: orange
                label: Orange
                next: restart
              - id: red
                label: Red
                next: call-us
          restart:
            type: solution
            text: Restart the Hub.
            if_not_solved: gone
        """
    )
    assert problems == [
        f"{PATH}:13: 'light' leads to node 'call-us', which does not exist",
        f"{PATH}:16: 'restart' leads to node 'gone', which does not exist",
    ]


def test_start_node_missing():
    _, problems = load(ROUTER.replace("start: light", "start: begin"))
    assert problems == [f"{PATH}:4: start node 'begin' does not exist"]


def test_unreachable_node():
    _, problems = load(
        ROUTER.replace("tests:\n", "  forgotten:\n    type: solution\n    text: Nobody gets here.\ntests:\n")
    )
    assert problems == [f"{PATH}:23: node 'forgotten' cannot be reached from the start node 'light'"]


def test_cycle():
    _, problems = load(
        """\
        id: router
        title: Fix your router
        category: hub
        start: light
        nodes:
          light:
            type: question
            text: What colour is the light?
            options:
              - id: orange
                label: Orange
                next: check-cable
              - id: red
                label: Red
                next: restart
          check-cable:
            type: question
            text: Is the cable in?
            options:
              - id: cable-yes
                label: It is plugged in
                next: restart
              - id: cable-no
                label: No, start again
                next: light
          restart:
            type: solution
            text: Restart the Hub.
        """
    )
    assert problems == [f"{PATH}:6: cycle: light → check-cable → light (a walk could go round forever)"]


def test_solution_that_leads_back_is_a_cycle():
    _, problems = load(ROUTER.replace("if_not_solved: escalate", "if_not_solved: light"))
    assert problems == [f"{PATH}:6: cycle: light → restart → light (a walk could go round forever)"]


def test_question_with_one_option():
    _, problems = load(
        """\
        id: router
        title: Fix your router
        category: hub
        start: light
        nodes:
          light:
            type: question
            text: What colour is the light?
            options:
              - id: orange
                label: Orange
                next: restart
          restart:
            type: solution
            text: Restart the Hub.
        """
    )
    assert problems == [f"{PATH}:9: question 'light' needs at least two options, it has 1"]


def test_option_without_next_and_duplicate_option_ids():
    _, problems = load(
        """\
        id: router
        title: Fix your router
        category: hub
        start: light
        nodes:
          light:
            type: question
            text: What colour is the light?
            options:
              - id: orange
                label: Orange
                next: restart
              - id: orange
                label: Orange again
                next: restart
              - id: red
                label: Red
          restart:
            type: solution
            text: Restart the Hub.
        """
    )
    assert problems == [
        f"{PATH}:13: duplicate option id 'orange' in 'light' (first on line 10)",
        f"{PATH}:16: option 'red' of 'light' leads nowhere: add 'next'",
    ]


def test_duplicate_node_ids():
    _, problems = load(
        ROUTER.replace(
            "  escalate:\n",
            "  restart:\n    type: solution\n    text: Again.\n  escalate:\n",
        )
    )
    assert problems == [
        f"{PATH}:20: duplicate key 'restart' (first on line 16)",
        # The second 'restart' wins, and it has no if_not_solved.
        f"{PATH}:29: test fails: answers ['orange', 'not-solved'] end on 'ticket', expected 'escalate'",
    ]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    type: solution\n",
            "    type: teapot\n",
            "17: node 'restart' needs 'type: question', 'solution' or 'escalate', not 'teapot'",
        ),
        (
            "    reason: Light",
            "    priority: whenever\n    reason: Light",
            "22: 'priority' must be one of low, normal, high, urgent, not 'whenever'",
        ),
        ("id: router\n", "id: modem\n", "1: tree id 'modem' must match the file name 'router'"),
        (
            "    text: Restart the Hub.\n",
            "    text: Restart the Hub.\n    next: escalate\n",
            "19: warning: unknown key 'next' in solution node 'restart' (ignored)",
        ),
    ],
    ids=["node-type", "priority", "tree-id", "unknown-key"],
)
def test_node_fields(old, new, expected):
    _, problems = load(ROUTER.replace(old, new))
    assert f"{PATH}:{expected}" in problems


def test_failing_tests_are_reported_on_their_line():
    _, problems = load(
        ROUTER
        + """\
  - name: wrong option
    answers: [blue]
    outcome: escalate
  - answers: [orange, not-solved]
    outcome: restart
  - answers: [orange, maybe]
    outcome: solved
  - answers: [red, solved]
    outcome: solved
  - answers: [orange, solved, red]
    outcome: solved
"""
    )
    assert problems == [
        f"{PATH}:28: test 'wrong option' fails: question 'light' has no option 'blue'",
        f"{PATH}:31: test fails: answers ['orange', 'not-solved'] end on 'escalate', expected 'restart'",
        f"{PATH}:33: test fails: at solution 'restart' answer 'solved' or 'not-solved', not 'maybe'",
        f"{PATH}:35: test fails: escalate node 'escalate' takes no answer ('solved')",
        f"{PATH}:37: test fails: answers continue after 'solved'",
    ]


def test_yes_and_no_are_usable_option_ids_and_labels():
    text = (
        ROUTER.replace("id: orange", "id: yes")
        .replace("id: red", "id: no")
        .replace("label: Orange", "label: Yes")
        .replace("label: Red", "label: No")
        .replace("[orange", "[yes")
    )
    tree, problems = load(text)
    assert problems == []
    assert [(o.id, o.label) for o in tree.nodes["light"].options] == [("yes", "Yes"), ("no", "No")]


# --- walk() ----------------------------------------------------------------


@pytest.fixture
def router():
    tree, problems = load(ROUTER)
    assert problems == []
    return tree


def test_walk_solved(router):
    result = walk(router, ["orange", "solved"])
    assert (result.outcome, result.path, result.error) == ("solved", ("light", "restart"), "")


def test_walk_not_solved_goes_to_if_not_solved(router):
    result = walk(router, ["orange", "not-solved"])
    assert (result.outcome, result.path, result.error) == ("escalate", ("light", "restart", "escalate"), "")


def test_walk_not_solved_without_if_not_solved_offers_a_ticket():
    tree, problems = load(
        ROUTER.replace("    if_not_solved: escalate\n", "").replace("outcome: escalate", "outcome: ticket")
    )
    assert problems == []
    result = walk(tree, ["orange", "not-solved"])
    assert (result.outcome, result.error) == ("ticket", "")


def test_walk_stops_at_a_wrong_answer(router):
    result = walk(router, ["purple", "solved"])
    assert result.outcome == "light"
    assert result.path == ("light",)
    assert result.error == "question 'light' has no option 'purple'"


def test_walk_with_no_answers_stays_at_the_start(router):
    assert walk(router, []).outcome == "light"


@pytest.mark.parametrize(
    "answers", [["red", "red"], ["orange", "yes"], ["\x00", "\ud800"], ["orange", "solved", "again"]]
)
def test_walk_never_raises_on_odd_answers(router, answers):
    assert walk(router, answers).error


# --- references checked against the whole site ------------------------------


def test_missing_article_and_glossary_term_links(content_dir, write):
    write(
        content_dir,
        "troubleshooting_trees/router.yaml",
        """\
        id: router
        title: Fix your router
        category: hub
        start: light
        nodes:
          light:
            type: question
            text: What colour is the light?
            options:
              - id: orange
                label: Orange
                next: restart
                articles: [harbor-hub-lights, nope]
                glossary: [ONT, Hub, Modem]
              - id: red
                label: Red
                next: escalate
          restart:
            type: solution
            text: Restart the Hub.
            articles: [reboot-your-hub, gone]
          escalate:
            type: escalate
            reason: Light still wrong
            ticket_category: routers
        """,
    )
    problems = [str(p) for p in load_site(content_dir)[1]]
    assert problems == [
        f"{PATH}:10: article 'nope' does not exist",
        f"{PATH}:10: glossary term 'Modem' does not exist in 'en'",
        f"{PATH}:18: article 'gone' does not exist",
        f"{PATH}:22: unknown ticket_category 'routers'; declare it in categories.yaml",
    ]


def test_glossary_terms_are_checked_in_the_tree_language(content_dir, write):
    tree = (content_dir / "troubleshooting_trees/hub-light.yaml").read_text(encoding="utf-8")
    write(content_dir, "troubleshooting_trees/hub-light.yaml", tree.replace("lang: en", "lang: he"))
    problems = [str(p) for p in load_site(content_dir)[1]]
    line = tree.splitlines().index("    - id: orange") + 1
    assert problems == [f"troubleshooting_trees/hub-light.yaml:{line}: glossary term 'ONT' does not exist in 'he'"]


@pytest.mark.parametrize("text", ["", "# TODO: write this tree\n"])
def test_empty_tree_file_is_reported(content_dir, write, text):
    write(content_dir, "troubleshooting_trees/empty.yaml", text)
    assert [p.path for p in load_site(content_dir)[1]] == ["troubleshooting_trees/empty.yaml"]


# --- the repository's own trees ---------------------------------------------


@pytest.fixture(scope="module")
def repo_site():
    return load_site(REPO_ROOT)


REPO_TREES = sorted(p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "troubleshooting_trees").glob("*.y*ml"))


@pytest.mark.parametrize("path", REPO_TREES)
def test_repository_tree_passes_its_own_tests(repo_site, path):
    site, problems = repo_site
    assert [str(p) for p in problems if p.path == path] == []
    (tree,) = [t for t in site.trees if t.path == path]
    assert tree.tests, "a tree without tests: proves nothing"
    for test in tree.tests:
        result = walk(tree, test.answers)
        assert (result.outcome, result.error) == (test.outcome, "")
