"""Search quality: "did you mean" and glossary names as synonyms, through the
index, the test client and a real gunicorn, with hostile input as ordinary input.

The fixture help centre gets three more things here, so each direction of a
synonym has something to find: an article that only says "router", one that
only says "optical network terminal", and a Hebrew glossary term with a Hebrew
FAQ entry that uses only the term.
"""

from __future__ import annotations

import json
import os
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from conftest import FAQ, GLOSSARY, article_text, write_file, write_site
from gunicorn_server import GUNICORN, serving

from portal import publish
from portal.build import SEARCH_DIR, build
from portal.search import Filters, default_backend, parse_query
from portal.search.query import MAX_TERMS, Term, replace_words
from portal.search.spelling import (
    MAX_LOOKUPS,
    Speller,
    edit_distance,
    is_correctable,
    read_frequencies,
    write_vocabulary,
)
from portal.search.synonyms import SYNONYM_WEIGHT, Alternative, SynonymTable, expand

EXTRA_ARTICLES = {
    "articles/hub/move-your-router.md": (
        {"title": "Move your router", "category": "hub", "summary": "Where the signal reaches furthest.",
         "updated": "2026-09-10"},
        "Put the router up high, in the open, away from the microwave.\n",
    ),
    "articles/hub/the-fibre-box.md": (
        {"title": "The fibre box on your wall", "category": "hub", "summary": "Leave it switched on.",
         "updated": "2026-09-11"},
        "The optical network terminal brings the fibre into your home. Never unplug it.\n",
    ),
}
HEBREW_TERM = {"term": "ראוטר", "aliases": ["נתב"], "lang": "he", "definition": "המכשיר שמחלק את האינטרנט בבית."}
HEBREW_FAQ = {"question": "איפה שמים ראוטר?", "answer": "גבוה ובמקום פתוח.", "category": "hub", "lang": "he"}

# Each answers 200 within half a second and offers no suggestion.
HOSTILE = [
    "x" * 10_000,
    "pasword" * 2_000,
    "(" * 1_000 + "hub" + ")" * 1_000,
    "(" * 1_000 + "pasword",
    "hub\x00light",
    "\x00",
    "\ud800",
    "reset \udfff password",
    "\u202ehub\u202c \u2067light\u2069",
    "\u200f\u202e",
    "*",
    "pass*",
    "word~5",
    "pasword~5",
    "field:x",
    "title:pasword",
    "[a TO z]",
    "{a TO z}",
    '"unbalanced',
    "-",
    "OR OR OR",
    "the and of",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(content directory, index directory) of the extended fixture, built once."""
    root = tmp_path_factory.mktemp("quality")
    content = write_site(root / "content")
    for relpath, (meta, body) in EXTRA_ARTICLES.items():
        write_file(content, relpath, article_text(meta, body))
    write_file(content, "glossary.yaml", yaml.safe_dump([*GLOSSARY, HEBREW_TERM], allow_unicode=True))
    write_file(content, "faq.yaml", yaml.safe_dump([*FAQ, HEBREW_FAQ], allow_unicode=True))
    report = build(content, root / "index")
    assert not report.failed, [str(p) for p in report.problems]
    return content, root / "index"


@pytest.fixture(scope="module")
def index(site):
    opened = default_backend().open(publish.current_build(site[1]) / SEARCH_DIR)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def client(site_client):
    return site_client


def search(index, raw: str, **filters):
    return index.search(parse_query(raw), Filters(**filters), 1, 50)


def keys(results) -> set[str]:
    return {hit.key for hit in results.hits}


# --- did you mean ------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("pasword", "password"),
        ("restrat hub", "restart hub"),
        ("Pasword", "Password"),
        ("PASWORD", "PASSWORD"),
        ("rooter", "router"),
        ("hubx", "hub"),
        ("reset pasword?", "reset password?"),
        # Only some words match: the results are partial, the suggestion too.
        ("pasword orange", "password orange"),
        # Phrases and exclusions stay exactly as typed, even when misspelt.
        ('"reset link" pasword', '"reset link" password'),
        ('"resett link" pasword', '"resett link" password'),
        ("restrat -pasword", "restart -pasword"),
        ("pasword -hub", "password -hub"),
        ("pasword OR restrat", "password OR restart"),
    ],
)
def test_did_you_mean_corrects_misspelt_words(index, typed, meant):
    assert search(index, typed).did_you_mean == meant


@pytest.mark.parametrize(
    "raw",
    [
        "reset password",
        "restart hub",
        "passwords",  # matches through stemming, though only "password" is written
        "Restarting",
        "router",
        "optical network terminal",
        "password orange",  # partial, but every word matches something
        "xylophone",  # nothing near enough
        "the and of",
        "zqxj",
        "",
    ],
)
def test_no_suggestion_for_words_that_match_or_have_no_neighbour(index, raw):
    assert search(index, raw).did_you_mean is None


def test_a_suggestion_must_find_something_with_the_same_filters(index):
    assert search(index, "pasword", types=("faq",)).did_you_mean == "password"
    assert search(index, "pasword", types=("tree",)).did_you_mean is None
    assert search(index, "pasword", lang="he").did_you_mean is None


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_input_gets_no_suggestion_and_no_error(index, raw):
    assert search(index, raw).did_you_mean is None


@pytest.mark.parametrize(
    ("raw", "meant"),
    [
        # Once invisible and control characters are dropped, a plain word is left.
        ("pasword\x00", "password"),
        ("\u202epasword\u202c", "password"),
        ("[pasword TO z]", "[password TO z]"),
        # A lone surrogate inside the word makes it something else than a word.
        ("pas\udfffword", None),
    ],
)
def test_a_misspelt_word_among_hostile_characters(index, raw, meant):
    assert search(index, raw).did_you_mean == meant


def test_work_per_query_is_capped(index):
    results = search(index, " ".join(["pasword"] * MAX_TERMS))
    assert results.did_you_mean is not None
    assert results.did_you_mean.split().count("password") == MAX_LOOKUPS


def test_replace_words_touches_bare_words_only():
    query = parse_query('(pasword)? "pasword" -pasword OR pasword x' + "y" * 50)
    assert replace_words(query, lambda w: w.upper()) == '(PASWORD)? "pasword" -pasword OR PASWORD x' + "y" * 50


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("restrat", "restart", 2) == 1
    assert edit_distance("pasword", "password", 2) == 1
    assert edit_distance("abcdef", "ghijkl", 2) == 3  # stops early: only "more than 2" matters
    assert edit_distance("a", "abcd", 1) == 2


@pytest.mark.parametrize(("word", "ok"), [("pasword", True), ("hub", False), ("wifi6", False), ("a:b", False),
                                          ("x" * 25, False), ("סיסמא", True)])
def test_only_plain_words_of_four_to_24_letters_are_corrected(word, ok):
    assert is_correctable(word) is ok


def test_speller_prefers_fewer_edits_then_more_documents(tmp_path):
    write_vocabulary(tmp_path, {"router": 1, "rooted": 5, "roster": 9, "hub": 3, "harbour": 2})
    speller = Speller.load(tmp_path)
    assert speller.best("rooter") == "roster"  # one edit from both rooted and roster: the commoner wins
    assert speller.best("ruoter") == "router"  # a swap is one edit
    assert speller.best("hbu") == "hub"
    assert speller.best("zzzzzz") is None
    assert "router" in speller


def test_a_missing_word_list_means_no_suggestions(tmp_path):
    assert Speller.load(tmp_path).best("pasword") is None


def test_the_delete_table_is_kept_when_the_words_did_not_change(tmp_path):
    write_vocabulary(tmp_path, {"router": 1, "password": 2})
    table = tmp_path / "words.deletes"
    first = table.stat().st_mtime_ns
    os.utime(table, ns=(first - 10**9, first - 10**9))
    write_vocabulary(tmp_path, {"router": 4, "password": 2})
    assert table.stat().st_mtime_ns == first - 10**9
    assert json.loads((tmp_path / "words.json").read_text())["df"] == [2, 4]
    write_vocabulary(tmp_path, {"router": 4, "password": 2, "hub": 1})
    assert table.stat().st_mtime_ns != first - 10**9


def test_an_incremental_build_keeps_the_word_counts_exact(content_dir, built):
    def counts() -> dict[str, int]:
        return read_frequencies(publish.current_build(built) / SEARCH_DIR) or {}

    before = counts()
    assert before["memory"] == 1
    assert before["password"] == 2
    restart = content_dir / "articles/hub/restart-your-harbor-hub.md"
    restart.write_text(restart.read_text().replace("clears its memory", "clears its zebracorn"))
    report = build(content_dir, built)
    assert report.indexed == 1
    after = counts()
    assert "memory" not in after
    assert after["zebracorn"] == 1
    assert after == {**{w: n for w, n in before.items() if w != "memory"}, "zebracorn": 1}
    index = default_backend().open(publish.current_build(built) / SEARCH_DIR)
    try:
        assert search(index, "zebracorm").did_you_mean == "zebracorn"
        assert search(index, "memmory").did_you_mean is None
    finally:
        index.close()


# --- glossary names as synonyms ---------------------------------------------


def test_an_alias_finds_what_the_term_finds(index):
    # The lights article says "Harbor Hub" and "Hub", never "router".
    assert "harbor-hub-lights" in keys(search(index, "router"))
    assert "harbor-hub-lights" in keys(search(index, "optical network terminal"))  # it says "ONT"


def test_the_term_finds_what_its_aliases_find(index):
    # The placement article says only "router"; the fibre box one only the long name.
    assert "move-your-router" in keys(search(index, "Harbor Hub"))
    assert "move-your-router" in keys(search(index, "hub"))
    assert "the-fibre-box" in keys(search(index, "ONT"))


def test_only_whole_names_are_synonyms(index):
    assert "move-your-router" not in keys(search(index, "harbor"))
    assert "harbor-hub-lights" not in keys(search(index, "optical network"))
    assert "harbor-hub-lights" not in keys(search(index, "network terminal"))


def test_phrases_use_synonyms(index):
    assert "move-your-router" in keys(search(index, '"Harbor Hub"'))
    assert "harbor-hub-lights" in keys(search(index, '"optical network terminal"'))
    # Not a name: no synonyms, and the phrase must stand as typed.
    assert "harbor-hub-lights" not in keys(search(index, '"terminal optical"'))


def test_or_uses_synonyms(index):
    found = keys(search(index, "ont OR password"))
    assert {"the-fibre-box", "harbor-hub-lights", "reset-your-password"} <= found
    assert "move-your-router" in keys(search(index, "xylophone OR hub"))


def test_synonyms_combine_with_other_words(index):
    assert keys(search(index, "router microwave")) == {"move-your-router"}
    assert "move-your-router" in keys(search(index, "harbor hub microwave"))


def test_exclusions_are_not_widened(index):
    found = keys(search(index, "hub -router"))
    assert "move-your-router" not in found
    assert "harbor-hub-lights" in found


def test_the_words_as_typed_rank_above_a_synonym(index):
    order = [h.key for h in search(index, "router").hits]
    assert order.index("move-your-router") < order.index("harbor-hub-lights")


def test_snippets_mark_the_synonym_that_matched(index):
    (hit,) = [h for h in search(index, "router").hits if h.key == "harbor-hub-lights"]
    assert "<mark>Hub</mark>" in hit.snippet


def test_synonyms_are_per_language(index):
    assert "איפה-שמים-ראוטר" in {h.key for h in search(index, "נתב", lang="he").hits}
    assert search(index, "נתב", lang="en").total == 0
    assert "move-your-router" not in keys(search(index, "hub", lang="he"))


def test_expand_weights_and_bounds():
    table = SynonymTable.from_synonyms(
        {"en": {"Harbor Hub": ["Hub", "router"], "Hub": ["Harbor Hub", "router"], "router": ["Harbor Hub", "Hub"]}}
    )
    (group,) = expand(parse_query("harbor HUB"), table)
    assert group[0] == Alternative((Term(("harbor",)), Term(("HUB",))))  # the run of words as typed
    assert [a.terms[0].text for a in group[1:]] == ["Hub", "router"]
    assert {a.weight for a in group[1:]} == {SYNONYM_WEIGHT} and group[0].weight > SYNONYM_WEIGHT
    # "hub OR router" adds "Harbor Hub" once.
    (group,) = expand(parse_query("hub OR router"), table)
    assert [a.terms[0].text for a in group] == ["hub", "router", "Harbor Hub"]
    # Names added and terms typed stay within the query language's term limit,
    # the first names typed served first.
    few = expand(parse_query("router hub xylophone -zebra"), table)
    assert [len(g) for g in few] == [3, 3, 1]
    assert sum(len(g) for g in few) + 1 <= MAX_TERMS
    some = expand(parse_query(" ".join(["router"] * 10)), table)
    assert [len(g) - 1 for g in some] == [2, 0, 0, 0, 0, 0, 0, 0, 0, 0]
    assert expand(parse_query(" ".join(["router"] * 50)), table) == tuple(
        (Alternative((Term(("router",)),)),) for _ in range(MAX_TERMS)
    )


# --- through the site -------------------------------------------------------


def test_api_reports_did_you_mean(client):
    assert client.get("/api/search?q=pasword").get_json()["did_you_mean"] == "password"
    assert client.get("/api/search?q=password").get_json()["did_you_mean"] is None
    assert client.get("/api/search?q=restrat+hub").get_json()["did_you_mean"] == "restart hub"


def test_search_page_links_the_suggestion(client):
    body = client.get("/search?q=restrat+hub&type=article").get_data(as_text=True)
    assert "Did you mean" in body
    assert "/search?q=restart+hub&amp;type=article" in body
    assert "<em><bdi>restart hub</bdi></em>" in body
    assert "Did you mean" not in client.get("/search?q=restart+hub").get_data(as_text=True)


def encoded(raw: str) -> str:
    # As a hostile client sends it: a lone surrogate becomes bytes that are not UTF-8.
    return quote(raw, safe="", errors="surrogatepass")


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_input_through_the_test_client(client, raw):
    started = time.perf_counter()
    page = client.get(f"/search?q={encoded(raw)}")
    answer = client.get(f"/api/search?q={encoded(raw)}")
    print(f"{raw[:20]!r}: {(time.perf_counter() - started) * 1000:.1f} ms for both")
    assert page.status_code == 200
    assert answer.status_code == 200
    assert answer.get_json()["did_you_mean"] is None


# --- through gunicorn -------------------------------------------------------


@pytest.fixture(scope="module")
def server(site, tmp_path_factory):
    if not GUNICORN.exists():
        pytest.skip("gunicorn is not installed (pip install -e '.[serve]')")
    settings = {
        "CONTENT_DIR": str(site[0]),
        "INDEX_DIR": str(site[1]),
        "INSTANCE_DIR": str(tmp_path_factory.mktemp("gunicorn-instance")),
        "SECRET_KEY": "test",
    }
    # gunicorn's default request-line limit (4,094 bytes) would answer the
    # 10,000-character queries with its own 414 before the portal saw them;
    # 0 lifts it (gunicorn still stops at 1 MB).
    with serving(settings, workers=2, args=["--limit-request-line", "0"]) as base:
        yield base


def fetch(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read()


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_input_through_gunicorn(server, raw):
    started = time.perf_counter()
    status, _body = fetch(f"{server}/search?q={encoded(raw)}")
    api_status, api_body = fetch(f"{server}/api/search?q={encoded(raw)}")
    print(f"{raw[:20]!r}: {(time.perf_counter() - started) * 1000:.1f} ms for both")
    assert (status, api_status) == (200, 200)
    assert json.loads(api_body)["did_you_mean"] is None


def test_did_you_mean_through_gunicorn(server):
    _status, body = fetch(f"{server}/api/search?q=restrat+hub")
    assert json.loads(body)["did_you_mean"] == "restart hub"
