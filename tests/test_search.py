"""Search: the public query language and the Whoosh index behind it.

Customers type anything; every odd input is an ordinary input here.
"""

from __future__ import annotations

import unicodedata
from html.parser import HTMLParser

import pytest

from portal import publish
from portal.build import SEARCH_DIR
from portal.search import Filters, default_backend, parse_query
from portal.search.query import MAX_QUERY_CHARS, MAX_TERM_CHARS, MAX_TERMS

HOSTILE = [
    "",
    "   ",
    '"unbalanced quote',
    'reset "link',
    '"',
    '""',
    '-"',
    "*",
    "pass*",
    "?",
    "word~5",
    "reset~",
    "title:password",
    "body:[a TO]",
    "[a TO z]",
    "{a TO z}",
    "x" * 10_000,
    "reset " * 5_000,
    "(" * 1_000 + "hub" + ")" * 1_000,
    "((((",
    "hub\x00light\x07",
    "\x1b[31mred\x1b[0m",
    "\ud800",
    "reset \udfff password",
    "\u202ehub\u202c \u2067light\u2069",
    "\u200b\u200b\u200b",
    "איפוס password",
    "Harbor Hub ראוטר",
    "می\u200cتوانید",
    "the and of",
    "OR hub",
    "hub OR",
    "OR",
    "OR OR OR",
    "hub OR OR light",
    "-",
    "- -",
    "--password",
    "-hub",
    "NOT hub",
    "hub AND",
    "hub && light || red",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "&lt;b&gt;",
    "%00%0a",
    "\\",
    "😀🔑",
    "ﬁbre",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_parse_query_never_raises_and_stays_bounded(raw):
    query = parse_query(raw)
    assert len(query.text) <= MAX_QUERY_CHARS
    terms = [t for group in query.groups for t in group] + list(query.excluded)
    assert len(terms) <= MAX_TERMS
    for term in terms:
        for word in term.words:
            assert word
            assert len(word) <= MAX_TERM_CHARS
            word.encode("utf-8")  # no lone surrogates left
            assert not [c for c in word if unicodedata.category(c) in ("Cc", "Cf", "Cs") and c != "\u200c"]


@pytest.mark.parametrize(
    ("raw", "groups", "excluded"),
    [
        ("reset password", [["reset"], ["password"]], []),
        ('"reset link" email', [["reset link"], ["email"]], []),
        ('reset "link', [["reset"], ["link"]], []),
        ("password -hub", [["password"]], ["hub"]),
        ('password -"harbor hub"', [["password"]], ["harbor hub"]),
        ("password OR orange light", [["password", "orange"], ["light"]], []),
        ("OR hub", [["OR"], ["hub"]], []),
        ("hub OR", [["hub"]], []),
        ("hub or light", [["hub"], ["or"], ["light"]], []),
        ("-", [], []),
        ("*", [], []),
        ("(hub)", [["hub"]], []),
        ("title:password", [["title:password"]], []),
        ("ﬁbre", [["fibre"]], []),
        ("\u202ehub\u202c", [["hub"]], []),
    ],
)
def test_parse_query_language(raw, groups, excluded):
    query = parse_query(raw)
    assert [[t.text for t in group] for group in query.groups] == groups
    assert [t.text for t in query.excluded] == excluded


def test_long_queries_keep_their_first_terms():
    query = parse_query(" ".join(f"word{i}" for i in range(1_000)))
    assert [g[0].text for g in query.groups] == [f"word{i}" for i in range(MAX_TERMS)]


# --- through the index of the built fixture ----------------------------------


@pytest.fixture(scope="module")
def index(shared_build):
    opened = default_backend().open(publish.current_build(shared_build) / SEARCH_DIR)
    yield opened
    opened.close()


def search(index, raw: str, page: int = 1, per_page: int = 10, **filters):
    return index.search(parse_query(raw), Filters(**filters), page, per_page)


def keys(results) -> set[str]:
    return {hit.key for hit in results.hits}


@pytest.mark.parametrize("raw", HOSTILE)
def test_hostile_queries_return_results_or_nothing(index, raw):
    results = search(index, raw)
    assert results.total >= len(results.hits)
    assert len(results.hits) <= 10
    assert results.page == 1


def test_words_must_all_match(index):
    assert keys(search(index, "reset password")) == {"reset-your-password", "how-do-i-reset-my-password"}


def test_quotes_match_the_exact_phrase(index):
    assert keys(search(index, '"reset link"')) == {"reset-your-password"}
    assert keys(search(index, '"link reset"')) == set()


def test_minus_excludes_a_word(index):
    assert keys(search(index, "password")) >= {"reset-your-password", "how-do-i-reset-my-password"}
    # The article mentions the Hub; the FAQ answer does not.
    assert keys(search(index, "password -hub")) == {"how-do-i-reset-my-password"}
    # A phrase excludes only where its words stand together.
    assert keys(search(index, '-"my harbor" password')) == {"how-do-i-reset-my-password"}
    assert keys(search(index, '-"harbor password" password')) == keys(search(index, "password"))


def test_or_accepts_either_word(index):
    either = search(index, "password OR orange")
    assert not either.partial
    assert keys(either) == keys(search(index, "password")) | keys(search(index, "orange"))
    # Without OR no document has both words: the same documents come back,
    # flagged as matching only some of the words.
    both = search(index, "password orange")
    assert both.partial
    assert keys(both) == keys(either)


def test_only_stop_words_find_nothing(index):
    assert search(index, "the and of").total == 0


def test_not_is_a_word_not_an_operator(index):
    # Whoosh's own parser would return every document for "NOT abc".
    assert search(index, "NOT zebra").total == 0


@pytest.mark.parametrize(("page", "expected"), [(0, 1), (-1, 1), (1, 1), (3, 3), (4, 3), (99, 3), (10**9, 3)])
def test_page_numbers_clamp(index, page, expected):
    everything = search(index, "hub", per_page=50)
    assert everything.total == 6
    results = search(index, "hub", page=page, per_page=2)
    assert results.page == expected
    assert results.pages == 3
    assert [h.key for h in results.hits] == [h.key for h in everything.hits][(expected - 1) * 2 : expected * 2]


def test_per_page_clamps(index):
    assert len(search(index, "hub", per_page=0).hits) == 1
    assert search(index, "hub", per_page=10_000).per_page == 50


def test_filters(index):
    assert {h.lang for h in search(index, "password OR סיסמה", lang="he").hits} == {"he"}
    assert {h.type for h in search(index, "hub", types=("faq",)).hits} == {"faq"}
    assert {h.category for h in search(index, "hub", category="account").hits} == {"account"}


class Tags(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def test_snippets_mark_the_words_and_escape_html(index):
    (hit,) = search(index, "browser").hits
    assert hit.key == "harbor-hub-lights"
    assert "<mark>browser</mark>" in hit.snippet
    assert "http://&lt;hub-address&gt;/status" in hit.snippet
    assert Tags(hit.snippet).tags == ["mark"]


@pytest.mark.parametrize("raw", ["<script>alert(1)</script> hub", 'hub "><img src=x onerror=alert(1)>', "hub <mark>"])
def test_snippets_never_carry_markup_from_the_query(index, raw):
    results = search(index, raw)
    assert results.hits
    for hit in results.hits:
        assert set(Tags(hit.snippet).tags) <= {"mark"}


def test_stemmed_words_are_marked(index):
    snippets = " ".join(h.snippet for h in search(index, "restart").hits)
    assert "<mark>Restarting</mark>" in snippets


def test_words_at_the_end_of_a_wrapped_line_are_searchable(index):
    results = search(index, "connections")
    assert [h.key for h in results.hits] == ["restart-your-harbor-hub"]
    assert "<mark>connections</mark>. A Harbor Hub" in results.hits[0].snippet


def test_tree_snippets_show_no_markdown(index):
    (hit,) = [h for h in search(index, "colour").hits if h.type == "tree"]
    assert "**" not in hit.snippet


# --- suggestions ---------------------------------------------------------------


def titles(suggestions) -> list[str]:
    return [s.title for s in suggestions]


def test_suggest_by_prefix_puts_title_starts_first(index):
    assert titles(index.suggest("res")) == [
        "Reset your password",
        "Restart your Harbor Hub",
        "How do I reset my password?",
    ]


def test_suggest_by_word_start(index):
    assert titles(index.suggest("LIGH")) == [
        "Fix your Hub light",
        "What the lights on your Harbor Hub mean",
        "Why is the light on my Hub orange?",
    ]
    assert index.suggest("ights") == []


def test_suggest_urls_and_limit(index):
    found = index.suggest("hub", limit=2)
    assert len(found) == 2
    assert {s.url for s in index.suggest("reset your")} == {"/articles/reset-your-password"}


def test_suggest_by_language(index):
    assert [(s.title, s.url) for s in index.suggest("איפ", lang="he")] == [
        ("איפוס הסיסמה", "/articles/reset-your-password-he")
    ]
    assert index.suggest("איפ", lang="en") == []


@pytest.mark.parametrize("prefix", ["", "   ", "\ud800", "\x00", "(" * 1000, "x" * 10_000, "*"])
def test_suggest_odd_prefixes(index, prefix):
    assert index.suggest(prefix) == []
