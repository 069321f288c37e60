"""Walking a published tree (``portal.tree_walk``): what every kind of URL state
leads to, how far along it is, and the transcript handed to support.

The tree is written in the shape the build publishes (``kind``, HTML ``text``),
as the walker, the ticket form and analytics all receive it.
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.build import _tree_data
from portal.content import load_site
from portal.content.problems import Problems
from portal.content.trees import NODE_KEYS, OPTION_KEYS, SOLVED, TEST_KEYS, TICKET, TREE_KEYS, load_tree, walk
from portal.tree_walk import (
    MAX_ANSWERS,
    Step,
    first_line,
    follow,
    longest_remaining,
    parse_answers,
    plain_text,
    progress,
    shorten,
    ticket_url,
    transcript,
)

REPO_ROOT = Path(__file__).resolve().parent.parent


def question(text, *options, hint=""):
    return {
        "kind": "question",
        "text": text,
        "hint": hint,
        "options": [{"id": i, "label": label, "next": n, "articles": [], "glossary": []} for i, label, n in options],
        "articles": [],
        "if_not_solved": "",
    }


def solution(text, if_not_solved=""):
    return {"kind": "solution", "text": text, "hint": "", "options": [], "articles": [], "if_not_solved": if_not_solved}


def escalate(text, reason, ticket_category="", priority="normal"):
    return {
        "kind": "escalate",
        "text": text,
        "hint": "",
        "options": [],
        "articles": [],
        "if_not_solved": "",
        "reason": reason,
        "ticket_category": ticket_category,
        "priority": priority,
    }


# light ─orange→ cable ─yes→ restart ─not-solved→ line
#   │                 └─no→ plug (nothing after it)
#   └─red→ fault
TREE = {
    "id": "router",
    "title": "Fix your router",
    "lang": "en",
    "category": "hub",
    "start": "light",
    "nodes": {
        "light": question(
            "<p>What colour is the <strong>light</strong>?</p>", ("orange", "Orange", "cable"), ("red", "Red", "fault")
        ),
        "cable": question("<p>Is the cable\nplugged in?</p>", ("yes", "Yes", "restart"), ("no", "No", "plug")),
        "restart": solution(
            "<p>Restart the Hub &amp; wait:</p>\n<ol>\n<li>Press power.</li>\n<li>Wait.</li>\n</ol>", "line"
        ),
        "plug": solution("<ol>\n<li>Plug the cable into the <code>WAN</code> port</li>\n</ol>"),
        "line": escalate("<p>We'll check your line.</p>", "Orange after restart: line check", "internet", "high"),
        "fault": escalate("", "Red light: Hub fault"),
    },
}


# --- follow(): every kind of URL state ------------------------------------------


def test_no_answers_is_the_start():
    result = follow(TREE, [])
    assert (result.node_id, result.steps, result.stale, result.outcome) == ("light", (), False, "")
    assert not result.solved and not result.escalated


def test_answers_lead_through_questions_with_their_plain_questions_and_labels():
    result = follow(TREE, ["orange", "yes"])
    assert result.node_id == "restart"
    assert result.trail == ["orange", "yes"]
    assert result.steps == (
        Step("light", "What colour is the light?", "orange", "Orange"),
        Step("cable", "Is the cable plugged in?", "yes", "Yes"),
    )
    assert not result.stale


def test_not_solved_leaves_a_solution_for_its_next_node():
    result = follow(TREE, ["orange", "yes", "not-solved"])
    assert result.node_id == "line"
    last = result.steps[-1]
    assert (last.node_id, last.option_id, last.answer, last.kind) == (
        "restart",
        "not-solved",
        "Still not working",
        "solution",
    )
    assert last.prompt == "Did this solve it?"
    assert result.escalated and not result.solved


def test_solved_at_a_solution():
    result = follow(TREE, ["orange", "yes"], "solved")
    assert result.solved and not result.escalated
    assert result.outcome == "solved"


def test_not_solved_at_the_last_solution_escalates():
    result = follow(TREE, ["orange", "no"], "not-solved")
    assert result.escalated and not result.solved
    assert result.node_id == "plug"


def test_reaching_an_escalate_node_escalates_without_an_outcome():
    result = follow(TREE, ["red"])
    assert (result.node_id, result.outcome, result.escalated) == ("fault", "", True)


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ([], "solved"),  # at a question
        (["red"], "solved"),  # at an escalate node
        (["orange", "yes"], "not-solved"),  # this solution has a next step: that is an answer, not an outcome
        (["orange", "yes"], "maybe"),
        (["orange", "yes"], "SOLVED"),
        (["orange", "yes"], "<script>"),
    ],
)
def test_an_outcome_that_does_not_fit_is_ignored(answers, outcome):
    result = follow(TREE, answers, outcome)
    assert result.outcome == ""
    assert not result.stale
    assert not result.solved


@pytest.mark.parametrize(
    ("answers", "node", "trail"),
    [
        (["purple"], "light", []),
        (["orange", "purple", "yes"], "cable", ["orange"]),
        (["red", "more"], "fault", ["red"]),  # nothing follows an escalate node
        (["orange", "not-solved"], "cable", ["orange"]),  # not-solved is no answer to a question
        (["orange", "no", "not-solved", "x"], "plug", ["orange", "no"]),  # plug has nowhere to go
        (["orange", "yes", "solved", "red"], "restart", ["orange", "yes"]),
        (["", "orange"], "light", []),
        (["Orange"], "light", []),  # ids are exact
    ],
)
def test_an_answer_that_no_longer_fits_stops_at_the_last_valid_step(answers, node, trail):
    result = follow(TREE, answers)
    assert result.stale
    assert (result.node_id, result.trail) == (node, trail)


def test_a_stale_walk_drops_its_outcome():
    result = follow(TREE, ["orange", "yes", "gone"], "solved")
    assert (result.node_id, result.stale, result.outcome, result.solved) == ("restart", True, "", False)


def test_too_many_answers_are_cut_and_marked_stale():
    result = follow(TREE, ["orange", "yes"] + ["not-solved"] * (MAX_ANSWERS * 3))
    assert result.stale
    assert result.node_id == "line"
    assert len(result.steps) == 3


def test_a_trailing_solved_or_not_solved_reads_as_the_outcome():
    # The answers of a tree's ``tests:`` lead where they do in the build.
    assert follow(TREE, ["orange", "yes", "solved"]).solved
    ended = follow(TREE, ["orange", "no", "not-solved"])
    assert (ended.node_id, ended.escalated, ended.stale) == ("plug", True, False)


def test_unknown_start_or_missing_nodes_do_not_raise():
    broken = {**TREE, "start": "gone"}
    assert follow(broken, ["orange"]).stale
    assert follow({"id": "x"}, ["a"]).stale
    assert follow({"id": "x", "start": "a", "nodes": None}, []).node_id == "a"


answers_strategy = st.lists(
    st.one_of(st.sampled_from(["orange", "red", "yes", "no", "not-solved", "solved", ""]), st.text(max_size=20)),
    max_size=MAX_ANSWERS + 5,
)


@given(answers=answers_strategy, outcome=st.one_of(st.sampled_from(["", "solved", "not-solved"]), st.text()))
def test_follow_never_raises_and_its_trail_replays(answers, outcome):
    result = follow(TREE, answers, outcome)
    assert result.node_id in TREE["nodes"]
    assert result.outcome in ("", "solved", "not-solved")
    # The trail is a valid walk: followed again it is never stale and ends in the same place.
    again = follow(TREE, result.trail, result.outcome)
    assert (again.node_id, again.steps, again.outcome, again.stale) == (
        result.node_id,
        result.steps,
        result.outcome,
        False,
    )


@given(raw=st.text(max_size=2000))
def test_parse_answers_never_raises_and_is_bounded(raw):
    answers = parse_answers(raw)
    assert len(answers) <= MAX_ANSWERS + 1
    assert "" not in answers
    follow(TREE, answers)


def test_parse_answers_splits_on_dots_and_skips_empty_parts():
    assert parse_answers("orange..yes.") == ["orange", "yes"]
    assert parse_answers("") == []
    assert len(parse_answers("x." * 100_000)) == MAX_ANSWERS + 1


# --- progress -------------------------------------------------------------------


def test_longest_remaining_counts_answers_to_the_furthest_end():
    assert longest_remaining(TREE, "light") == 3  # orange, yes, not-solved
    assert longest_remaining(TREE, "cable") == 2
    assert longest_remaining(TREE, "restart") == 1
    assert longest_remaining(TREE, "plug") == 0
    assert longest_remaining(TREE, "line") == 0
    assert longest_remaining(TREE, "nowhere") == 0


def test_longest_remaining_survives_a_cycle():
    looped = {"start": "a", "nodes": {"a": question("A", ("x", "X", "b"), ("y", "Y", "a")), "b": solution("B", "a")}}
    assert longest_remaining(looped, "a") == 2


@pytest.mark.parametrize(
    ("answers", "outcome", "expected"),
    [
        ([], "", (1, 0, 3, 0, False)),
        (["orange"], "", (2, 1, 2, 33, False)),
        (["orange", "yes"], "", (3, 2, 1, 67, False)),
        (["orange", "yes", "not-solved"], "", (4, 3, 0, 100, True)),
        (["orange", "yes"], "solved", (3, 2, 0, 100, True)),
        (["orange", "no"], "", (3, 2, 0, 100, True)),  # a last solution is an end
        (["red"], "", (2, 1, 0, 100, True)),
    ],
)
def test_progress(answers, outcome, expected):
    p = progress(TREE, follow(TREE, answers, outcome))
    assert (p.step, p.done, p.remaining, p.percent, p.complete) == expected


# --- transcript -----------------------------------------------------------------


def test_transcript_of_an_escalation():
    result = transcript(TREE, follow(TREE, ["orange", "yes", "not-solved"]))
    assert result.steps == (
        ("What colour is the light?", "Orange"),
        ("Is the cable plugged in?", "Yes"),
        ("Tried: Restart the Hub & wait. Did this solve it?", "Still not working"),
    )
    assert result.ended == "We'll check your line."
    assert (result.ticket_category, result.priority) == ("internet", "high")
    assert result.reason == "Orange after restart: line check"
    assert (result.tree_id, result.tree_title, result.lang, result.node_id) == (
        "router",
        "Fix your router",
        "en",
        "line",
    )


def test_transcript_of_an_escalate_node_without_text_or_category():
    result = transcript(TREE, follow(TREE, ["red"]))
    assert result.steps == (("What colour is the light?", "Red"),)
    assert result.ended == "Red light: Hub fault"
    assert (result.ticket_category, result.priority) == ("hub", "normal")  # the tree's category


def test_transcript_out_of_solutions_records_the_last_did_it_solve_it():
    result = transcript(TREE, follow(TREE, ["orange", "no"], "not-solved"))
    assert result.steps[-1] == ("Tried: Plug the cable into the WAN port. Did this solve it?", "Still not working")
    assert result.ended == "Tried: Plug the cable into the WAN port."
    assert (result.ticket_category, result.priority) == ("hub", "normal")


def test_transcript_of_a_solved_walk():
    result = transcript(TREE, follow(TREE, ["orange", "yes"], "solved"))
    assert result.steps[-1] == ("Tried: Restart the Hub & wait. Did this solve it?", "Yes, it's fixed")
    assert result.ended == "Fixed by: Restart the Hub & wait."


def test_transcript_as_text_and_as_dict():
    result = transcript(TREE, follow(TREE, ["orange", "yes", "not-solved"]))
    assert result.as_text() == (
        "Troubleshooter: Fix your router\n"
        "1. What colour is the light?\n"
        "   Answer: Orange\n"
        "2. Is the cable plugged in?\n"
        "   Answer: Yes\n"
        "3. Tried: Restart the Hub & wait. Did this solve it?\n"
        "   Answer: Still not working\n"
        "Ended: We'll check your line."
    )
    data = json.loads(json.dumps(result.as_dict()))
    assert data["steps"][0] == {"question": "What colour is the light?", "answer": "Orange"}
    assert (data["tree_id"], data["ended"], data["ticket_category"], data["priority"]) == (
        "router",
        "We'll check your line.",
        "internet",
        "high",
    )


def test_transcript_cuts_a_very_long_question():
    long = {
        **TREE,
        "nodes": {**TREE["nodes"], "light": question("<p>" + "word " * 200 + "</p>", ("red", "Red", "fault"))},
    }
    ((asked, _),) = transcript(long, follow(long, ["red"])).steps
    assert len(asked) <= 300 and asked.endswith("…")


# --- ticket_url -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "outcome", "expected"),
    [
        (["orange", "yes", "not-solved"], "", "/tickets/new?tree=router&a=orange.yes.not-solved&outcome="),
        (["orange", "no"], "not-solved", "/tickets/new?tree=router&a=orange.no&outcome=not-solved"),
        (["red", "<junk>"], "", "/tickets/new?tree=router&a=red&outcome="),  # only the valid trail travels
    ],
)
def test_ticket_url(answers, outcome, expected):
    assert ticket_url(follow(TREE, answers, outcome)) == expected


def test_ticket_url_is_encoded_and_replays_to_the_same_walk():
    tree = {**TREE, "id": "wi fi&more", "nodes": {**TREE["nodes"]}}
    original = follow(tree, ["orange", "no"], "not-solved")
    url = ticket_url(original)
    assert url.startswith("/tickets/new?tree=wi+fi%26more&")
    args = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    assert follow(tree, parse_answers(args["a"]), args["outcome"]) == original


# --- text helpers ---------------------------------------------------------------


def test_plain_text_and_first_line():
    assert plain_text("<p>a <strong>b</strong>, c &amp; d</p>\n<ul><li>e</li></ul>") == "a b, c & d e"
    assert first_line("<ol>\n<li>Press <em>power</em>.</li><li>Wait.</li></ol>") == "Press power."
    assert first_line("") == ""


def test_shorten_cuts_at_a_word():
    assert shorten("short", 10) == "short"
    assert shorten("What colour is the light on the front", 20) == "What colour is the…"


# --- the repository's trees, as published --------------------------------------


def _published_repo_trees():
    site, _ = load_site(REPO_ROOT)

    def md(text, lang, path):
        return {"html": f"<p>{text}</p>", "text": text}

    return [(tree, _tree_data(tree, md)) for tree in site.trees]


REPO_TREES = _published_repo_trees()


@pytest.mark.parametrize(("tree", "published"), REPO_TREES, ids=[t.id for t, _ in REPO_TREES])
def test_repository_tree_tests_walk_the_same_in_the_walker(tree, published):
    for case in tree.tests:
        expected = walk(tree, case.answers)
        result = follow(published, case.answers)
        assert not result.stale, case
        if expected.outcome == SOLVED:
            assert result.solved, case
        elif expected.outcome == TICKET:
            assert result.escalated and published["nodes"][result.node_id]["kind"] == "solution", case
        else:
            assert result.node_id == expected.outcome, case


# --- the README's example tree ---------------------------------------------------


def test_the_readme_example_tree_is_valid_and_shows_every_field():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### Troubleshooting trees") :]
    text = section[section.index("```yaml\n") + 8 : section.index("```\n", section.index("```yaml\n") + 8)]
    problems = Problems("troubleshooting_trees/slow-internet.yaml")
    tree = load_tree("troubleshooting_trees/slow-internet.yaml", text, problems)
    assert [str(p) for p in problems] == []
    used = {key for line in text.splitlines() if ":" in line for key in [line.strip(" -").split(":")[0]]}
    expected = {*TREE_KEYS, *OPTION_KEYS, *TEST_KEYS, *(key for keys in NODE_KEYS.values() for key in keys)}
    assert expected - used == set()
    assert {node.kind for node in tree.nodes.values()} == {"question", "solution", "escalate"}
    assert {test.outcome for test in tree.tests} >= {"solved", "ticket"}


def _most_questions(published, node_id):
    node = published["nodes"][node_id]
    following = [o["next"] for o in node["options"]] + ([node["if_not_solved"]] if node["if_not_solved"] else [])
    below = max((_most_questions(published, n) for n in following), default=0)
    return below + (node["kind"] == "question")


def test_the_sample_trees_cover_a_deep_walk_and_a_right_to_left_language():
    published = [p for _, p in REPO_TREES]
    assert len(published) >= 3
    assert {"he", "fa"} & {p["lang"] for p in published}
    assert max(_most_questions(p, p["start"]) for p in published) >= 4
