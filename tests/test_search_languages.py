"""Hebrew and Persian search: every normalisation rule with real words, then
searches through the index and the site of a help centre written for it.

The fixture help centre gets a Hebrew and a Persian translation of the Hub
restart article, a Hebrew and a Persian FAQ entry, and a glossary term in each
language. The words are chosen so that each rule has one spelling on each side:
the Hebrew article says "נתב" (router) with no prefix letter, the Hebrew FAQ only
"לנתב" and "הנתב"; the Persian article is written with Persian yeh and kaf, ZWNJs
and Persian digits, the Persian FAQ says only "مودم" (a glossary alias of
"روتر", which the article uses).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import FAQ, GLOSSARY, article_text, write_file, write_site

from portal import publish
from portal.build import SEARCH_DIR, build
from portal.search import Filters, default_backend, parse_query
from portal.search.languages import (
    attach_particles,
    fold,
    hebrew_forms,
    normalise,
    prefix_variants,
    query_language,
    query_variants,
    slots,
    snippet_pattern,
    snippet_text,
    suggestion_keys,
)
from portal.search.query import join_particles
from portal.search.spelling import is_correctable, words_in
from portal.search.synonyms import SynonymTable

HEBREW_ARTICLE = (
    {
        "title": "הפעלה מחדש של Harbor Hub",
        "category": "hub",
        "summary": "כיבוי והדלקה של נתב ה-Hub בדרך הנכונה.",
        "tags": ["הפעלה מחדש", "ריסטארט"],
        "updated": "2026-08-19",
        "lang": "he",
        "translation_of": "restart-your-harbor-hub",
    },
    """\
    הפעלה מחדש מנקה את הזיכרון של נתב ה-Harbor Hub ופותרת את רוב הבעיות של חיבור איטי.

    ## הפעלה מחדש בלחצן

    1. לוחצים על לחצן ההפעלה בגב ה-Hub. הנורית כבה.
    2. מחכים 30 שניות ולוחצים שוב.
    3. כשהנורית לבנה וקבועה, אפשר לגלוש.

    אם זה לא עזר, כתבו לנו בצ'אט.
    """,
)
PERSIAN_ARTICLE = (
    {
        "title": "راه‌اندازی مجدد Harbor Hub",
        "category": "hub",
        "summary": "اگر اینترنت کند است، روتر را خاموش و دوباره روشن کنید.",
        "tags": ["راه‌اندازی مجدد", "ریستارت"],
        "updated": "2026-08-19",
        "lang": "fa",
        "translation_of": "restart-your-harbor-hub",
    },
    """\
    اگر می‌خواهید کندی اینترنت را برطرف کنید، روتر را راه‌اندازی مجدد کنید.

    ## با دکمهٔ پاور

    1. دکمهٔ پاور پشت دستگاه را فشار دهید.
    2. ۳۰ ثانیه صبر کنید و دوباره دکمه را بزنید.
    3. وقتی چراغ سفید ثابت شد، دوباره به اینترنت وصل هستید.

    این کار هیچ‌کدام از تنظیمات را پاک نمی‌کند. ویژگی «راه‌اندازی خودکار» را در Harbor app روشن کنید
    تا روتر هفته‌ای یک بار خودش دوباره راه‌اندازی شود.
    """,
)
HEBREW_FAQ = {
    "id": "he-connect-a-cable",
    "question": "איך מחברים מחשב לנתב בכבל?",
    "answer": "מחברים כבל רשת לאחת היציאות הצהובות בגב הנתב.",
    "category": "hub",
    "lang": "he",
}
PERSIAN_FAQ = {
    "id": "fa-where-to-put-the-modem",
    "question": "مودم را کجا بگذارم؟",
    "answer": "مودم را در جایی بلند و باز، دور از مایکروویو بگذارید.",
    "category": "hub",
    "lang": "fa",
}
HEBREW_TERM = {"term": "נתב", "aliases": ["ראוטר"], "lang": "he", "definition": "המכשיר שמחלק את האינטרנט בבית."}
PERSIAN_TERM = {
    "term": "روتر",
    "aliases": ["مودم"],
    "lang": "fa",
    "definition": "دستگاهی که اینترنت را در خانه پخش می‌کند.",
}


# --- each normalisation rule, with real words ----------------------------------


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("كتاب", "کتاب"),  # Arabic kaf -> Persian kaf
        ("ويژگي", "ویژگی"),  # Arabic yeh -> Persian yeh
        ("مصطفى", "مصطفی"),  # alef maksura -> Persian yeh
        ("۱۲۳", "123"),  # Persian digits
        ("١٢٣", "123"),  # Arabic-Indic digits
        ("كُتُب", "کتب"),  # harakat dropped
        ("کتـــاب", "کتاب"),  # tatweel dropped
        ("تأیید", "تایید"),  # alef with hamza
        ("شبکهٔ", "شبکه"),  # hamza above the ezafe heh
        ("ﻛﺘﺎﺏ", "کتاب"),  # presentation forms
        ("הַנָּתָב", "הנתב"),  # niqqud
        ("בְּרֵאשִׁ֖ית", "בראשית"),  # niqqud and a cantillation mark
        ("צה״ל", "צהל"),  # gershayim
        ('צה"ל', "צהל"),  # a typed quote for gershayim
        ("צ׳אט", "צאט"),  # geresh
        ("צ'אט", "צאט"),  # a typed apostrophe for geresh
        ("RESET", "reset"),
    ],
)
def test_spelling_variants_fold_together(typed, written):
    assert normalise(typed) == normalise(written) == written.lower()


def test_the_zwnj_is_kept_inside_a_word_for_the_tokenizer():
    assert normalise("می\u200cخواهم") == "می\u200cخواهم"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("דו־שלבי", ["דו", "שלבי"]),  # maqaf separates like a hyphen
        ("דו-שלבי", ["דו", "שלבי"]),
        ("ה-Hub", ["hub"]),  # a prefix hyphened to a Latin word is dropped
        ("וה-Wi-Fi", ["wi", "fi"]),
        ("ב-30 שניות", ["30", "שניות"]),
        ("192.168.1.1", ["192.168.1.1"]),
        ("Hub\u200f", ["hub"]),  # a bidi mark is no part of a word
    ],
)
def test_word_boundaries(text, words):
    assert [forms[0] for forms in slots(text, index=False)] == words


def test_a_zwnj_word_is_indexed_as_its_parts_with_the_joined_word_at_both_ends():
    assert slots("می\u200cخواهم", index=True) == [["می", "میخواهم"], ["خواهم", "میخواهم"]]
    assert slots("کتاب\u200cها را", index=True) == [["کتاب", "کتابها"], ["ها", "کتابها"], ["را"]]
    assert slots("یک\u200cبار\u200cمصرف", index=True) == [["یک", "یکبارمصرف"], ["بار"], ["مصرف", "یکبارمصرف"]]


def test_a_query_looks_up_the_joined_word_however_it_is_typed():
    for typed in ("می\u200cخواهم", "میخواهم", "می خواهم", "مي خواهم"):
        assert slots(typed, index=False) == [["میخواهم"]], typed
    assert slots("کتاب ها", index=False) == [["کتابها"]]


def test_a_detached_particle_in_an_article_is_indexed_as_the_zwnj_spelling():
    assert slots("می خواهم", index=True) == slots("می\u200cخواهم", index=True)
    assert slots("کتاب ها", index=True) == slots("کتاب\u200cها", index=True)


def test_a_phrase_with_a_compound_is_looked_up_joined_and_in_parts():
    assert query_variants("کد یک\u200cبار مصرف") == [["کد", "یکبار", "مصرف"], ["کد", "یک", "بار", "مصرف"]]
    assert query_variants("کد یکبار مصرف") == [["کد", "یکبار", "مصرف"]]
    assert query_variants("reset the hub", frozenset({"the"})) == [["reset", "hub"]]


def test_particles_join_only_persian_words():
    assert slots("می hub", index=False) == [["می"], ["hub"]]
    assert attach_particles(["می", "hub", "wifi", "ها"]) == ["می", "hub", "wifi", "ها"]
    assert attach_particles(["می", "خواهم"]) == ["می\u200cخواهم"]
    assert attach_particles(["کتاب", "ها", "را"]) == ["کتاب\u200cها", "را"]


def test_query_groups_join_particles_but_leave_phrases_and_or_alone():
    joined = join_particles(parse_query("می خواهم روتر"))
    assert [[t.text for t in g] for g in joined.groups] == [["می\u200cخواهم"], ["روتر"]]
    untouched = parse_query('"می خواهم" OR ها')
    assert join_particles(untouched) is untouched


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("לנתב", ("לנתב", "נתב")),
        ("הנתב", ("הנתב", "נתב")),
        ("והנתב", ("והנתב", "הנתב", "נתב")),
        ("ומהאתר", ("ומהאתר", "מהאתר", "האתר", "אתר")),
        ("נתב", ("נתב",)),  # no prefix letter
        ("בית", ("בית",)),  # three letters stay: not "ב" + "ית"
        ("מים", ("מים",)),
        ("להבין", ("להבין", "הבין")),  # ל swallows ה, so never "בין"
        ("בהודעה", ("בהודעה", "הודעה")),
        ("מחדש", ("מחדש",)),  # "again" is a word of its own, not "מ" + "חדש" (new)
        ("לאחר", ("לאחר",)),  # "after", not "ל" + "אחר" (other)
        ("hub", ("hub",)),
    ],
)
def test_hebrew_prefix_letters(word, forms):
    assert hebrew_forms(word) == forms


@pytest.mark.parametrize(
    ("query", "lang"),
    [
        ("איפוס סיסמה", "he"),
        ("הפעלה מחדש Harbor Hub", "he"),  # one Hebrew letter decides
        ("Harbor Hub הפעלה", "he"),
        ("رمز عبور", "fa"),
        ("ﻛﺘﺎﺏ", "fa"),
        ("reset password", None),
        ("۱۲۳", None),  # digits belong to no language
        ("", None),
    ],
)
def test_query_language_from_its_script(query, lang):
    assert query_language(query) == lang


@pytest.mark.parametrize(
    ("word", "text", "found"),
    [
        ("كتاب", "این کتاب را بخوانید", "کتاب"),
        ("کتاب", "این كتاب را بخوانید", "كتاب"),
        ("נתב", "מחברים את הַנָּתָב", "הַנָּתָב"),
        ("לנתב", "בגב הנתב", "הנתב"),
        ("میخواهم", "من می\u200cخواهم", "می\u200cخواهم"),
        ("30", "۳۰ ثانیه", "۳۰"),
        ("ויזה", "כרטיס ויזה", "ויזה"),
        ("hub", "the Hub", "Hub"),
        ("סיסמה", "בלי הסיסמא", None),  # a misspelling is no spelling variant
    ],
)
def test_snippet_patterns_find_every_spelling(word, text, found):
    folded = snippet_text(text)
    assert len(folded) == len(text)  # a match's offsets are the text's
    match = re.search(rf"(?<!\w)(?:{snippet_pattern(word)})\w*", folded, re.IGNORECASE)
    assert (text[match.start() : match.end()] if match else None) == found


def test_suggestion_keys_and_prefixes():
    keys = suggestion_keys("راه‌اندازی مجدد")
    assert {"راهاندازی مجدد", "راه اندازی مجدد", "اندازی مجدد", "مجدد"} <= set(keys)
    assert "נתב לבית" in suggestion_keys("כשהנתב לבית")
    assert prefix_variants("  ويژ ") == ["ویژ"]
    assert prefix_variants("לנתב") == ["לנתב", "נתב"]
    assert prefix_variants("לנת") == ["לנת"]  # a prefix is taken off only with three letters left


def test_spelling_vocabulary_is_normalised():
    assert words_in("ويژگي كتاب می\u200cخواهم") == {"ویژگی", "کتاب", "می\u200cخواهم"}
    assert is_correctable("می\u200cخواهم")


def test_glossary_names_compare_normalised_and_without_hebrew_prefixes():
    table = SynonymTable.from_synonyms(
        {"fa": {"تأیید دومرحله‌ای": ["کد"], "کد": ["تأیید دومرحله‌ای"]}, "he": {"נתב": ["ראוטר"], "ראוטר": ["נתב"]}}
    )
    assert [t.text for t in table.others("تاييد دومرحلهای")] == ["کد"]
    assert [t.text for t in table.others("לנתב")] == ["ראוטר"]
    assert [t.text for t in table.others("הראוטר")] == ["נתב"]
    assert table.others("בית") == ()
    assert fold("  كد\u200cها ") == "کدها"


# --- through the index ------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("languages")
    content = write_site(root / "content")
    write_file(content, "articles/hub/restart-your-harbor-hub.he.md", article_text(*HEBREW_ARTICLE))
    write_file(content, "articles/hub/restart-your-harbor-hub.fa.md", article_text(*PERSIAN_ARTICLE))
    write_file(content, "faq.yaml", yaml.safe_dump([*FAQ, HEBREW_FAQ, PERSIAN_FAQ], allow_unicode=True))
    write_file(content, "glossary.yaml", yaml.safe_dump([*GLOSSARY, HEBREW_TERM, PERSIAN_TERM], allow_unicode=True))
    report = build(content, root / "index")
    assert not report.failed, [str(p) for p in report.problems]
    return content, root / "index"


@pytest.fixture(scope="module")
def index(site):
    opened = default_backend().open(publish.current_build(site[1]) / SEARCH_DIR)
    yield opened
    opened.close()


def search(index, raw: str, reader_lang: str = "", **filters):
    return index.search(parse_query(raw), Filters(**filters), 1, 50, reader_lang=reader_lang)


def keys(results) -> list[str]:
    return [hit.key for hit in results.hits]


HE_ARTICLE, FA_ARTICLE = "restart-your-harbor-hub-he", "restart-your-harbor-hub-fa"
HE_FAQ, FA_FAQ = HEBREW_FAQ["id"], PERSIAN_FAQ["id"]


@pytest.mark.parametrize("query", ["לנתב", "הנתב", "והנתב", "בנתב"])
def test_a_hebrew_word_with_a_prefix_finds_the_bare_word(index, query):
    # The article says only "נתב"; every query here has a prefix letter.
    assert HE_ARTICLE in keys(search(index, query))


def test_a_bare_hebrew_word_finds_it_with_prefixes(index):
    # The FAQ entry says only "לנתב" and "הנתב".
    assert HE_FAQ in keys(search(index, "נתב"))


def test_an_exact_hebrew_match_ranks_above_a_match_through_a_prefix(index):
    found = keys(search(index, "לנתב", types=("article", "faq")))
    assert found.index(HE_FAQ) < found.index(HE_ARTICLE)  # the FAQ says "לנתב" itself
    found = keys(search(index, "נתב", types=("article", "faq")))
    assert found.index(HE_ARTICLE) < found.index(HE_FAQ)


def test_hebrew_prefixes_work_inside_phrases(index):
    assert HE_FAQ in keys(search(index, '"בגב נתב"'))  # the FAQ says "בגב הנתב"
    assert HE_FAQ not in keys(search(index, '"נתב בגב"'))


@pytest.mark.parametrize("query", ["הַנָּתָב", "צ׳אט", "צ'אט", "בצאט", "לחצן ההפעלה", "Hub"])
def test_hebrew_spellings_find_the_article(index, query):
    assert HE_ARTICLE in keys(search(index, query, lang="he"))


def test_a_word_of_its_own_is_not_split(index):
    # The article's title says "הפעלה מחדש" (restart: "again"), never "חדש" (new).
    assert HE_ARTICLE not in keys(search(index, "חדש"))
    assert HE_ARTICLE in keys(search(index, "מחדש"))


def test_a_short_word_is_never_a_prefix_and_a_stem(index):
    # "בגב" (on the back) would be "ב" + "גב"; "גב" keeps too few letters to be looked up without "ב".
    assert HE_FAQ not in keys(search(index, "לגב"))


@pytest.mark.parametrize(
    "query",
    [
        "ميخواهيد",  # Arabic yeh, no ZWNJ
        "میخواهید",  # no ZWNJ
        "می خواهید",  # a space for the ZWNJ
        "مي\u200cخواهيد",  # Arabic yeh with the ZWNJ
        "خواهید",  # a part of the ZWNJ word
        "ويژگي",  # Arabic yeh
        "راه اندازی",
        "راهاندازی",
        "كنيد",  # Arabic kaf and yeh
        "30 ثانیه",  # ASCII digits for Persian ones
        "٣٠ ثانیه",  # Arabic-Indic digits
        "دكمه پاور",  # "دکمهٔ" without the hamza
        '"راه\u200cاندازی مجدد"',
        '"راهاندازی مجدد"',
        '"راه اندازی مجدد"',
        '"را راه اندازی"',
        '"مي خواهيد كندي"',  # a particle typed apart, in a phrase
    ],
)
def test_a_persian_query_finds_the_article_whatever_its_spelling(index, query):
    assert FA_ARTICLE in keys(search(index, query))


def test_glossary_aliases_are_synonyms_in_persian_and_hebrew(index):
    assert FA_FAQ in keys(search(index, "روتر"))  # the FAQ says "مودم"
    assert FA_ARTICLE in keys(search(index, "مودم"))  # the article says "روتر"
    assert HE_ARTICLE in keys(search(index, "ראוטר"))  # the article says "נתב"
    assert HE_ARTICLE in keys(search(index, "לראוטר"))
    assert FA_FAQ not in keys(search(index, "روتر", lang="he"))


def test_results_in_the_query_language_come_first(index):
    results = search(index, "נתב OR router")
    langs = [hit.lang for hit in results.hits]
    assert {"he", "en"} <= set(langs)
    assert langs == sorted(langs, key=lambda lang: lang != "he")
    persian = [hit.lang for hit in search(index, "روتر OR router").hits]
    assert persian == sorted(persian, key=lambda lang: lang != "fa") and "en" in persian


def test_a_latin_query_prefers_the_readers_language(index):
    assert search(index, "Harbor Hub", reader_lang="he").hits[0].lang == "he"
    assert search(index, "Harbor Hub", reader_lang="fa").hits[0].lang == "fa"
    assert search(index, "Harbor Hub").hits[0].lang == "en"


def test_the_language_preference_changes_neither_scores_nor_totals(index):
    first_he = search(index, "Harbor Hub", reader_lang="he")
    first_en = search(index, "Harbor Hub", reader_lang="en")
    assert first_he.total == first_en.total == search(index, "Harbor Hub", lang="").total
    assert {h.key: h.score for h in first_he.hits} == {h.key: h.score for h in first_en.hits}
    assert max(h.score for h in first_he.hits) < 1000


@pytest.mark.parametrize("reader_lang", ["en", "he", "fa"])
@pytest.mark.parametrize("filters", [{}, {"types": ("article", "faq")}, {"category": "hub"}])
@pytest.mark.parametrize("raw", ["Hub", "Harbor Hub -orange", "נתב OR router OR روتر"])
def test_pages_continue_across_the_language_boundary(index, reader_lang, filters, raw):
    def page(number: int, per_page: int):
        query = parse_query(raw)
        return index.search(query, Filters(**filters), number, per_page, reader_lang=reader_lang)

    everything = page(1, 50)
    assert everything.total == len(everything.hits) >= 3
    count = -(-everything.total // 2)
    pages = [page(n, 2) for n in range(1, count + 2)]
    assert {p.total for p in pages} == {everything.total}
    assert pages[-1].page == pages[0].pages == count  # a page past the end is the last
    assert [h.key for p in pages[:-1] for h in p.hits] == [h.key for h in everything.hits]


def test_snippets_mark_the_spelling_in_the_text(index):
    (hit,) = [h for h in search(index, "ويژگي").hits if h.key == FA_ARTICLE]
    assert "<mark>ویژگی</mark>" in hit.snippet
    (hit,) = [h for h in search(index, "הנתב").hits if h.key == HE_ARTICLE]
    assert "<mark>נתב</mark>" in hit.snippet


def test_suggestions_fold_spellings_zwnj_and_prefixes(index):
    def titles(prefix: str) -> list[str]:
        return [s.title for s in index.suggest(prefix)]

    assert titles("راهاند") == ["راه‌اندازی مجدد Harbor Hub"]
    assert titles("راه اند") == ["راه‌اندازی مجدد Harbor Hub"]
    assert titles("مجدد") == ["راه‌اندازی مجدد Harbor Hub"]
    assert titles("مودم را") == ["مودم را کجا بگذارم؟"]
    assert "איך מחברים מחשב לנתב בכבל?" in titles("נתב")  # the title says "לנתב"
    assert "נתב" in titles("לנתב")  # the glossary term, found without the typed prefix
    assert titles("לנתב")[0] == "איך מחברים מחשב לנתב בכבל?"  # the exact word first


def test_did_you_mean_leaves_spelling_variants_alone_and_corrects_persian(index):
    assert search(index, "ويژگي").did_you_mean is None
    assert search(index, "לנתב").did_you_mean is None
    assert search(index, "ویژگئ").did_you_mean == "ویژگی"
    assert search(index, "تنظیمت").did_you_mean == "تنظیمات"


# --- through the site ---------------------------------------------------------------


@pytest.fixture(scope="module")
def client(site_client):
    return site_client


RESULT = re.compile(r'<li class="result" lang="(\w+)".*?</li>', re.DOTALL)


def test_the_results_page_labels_results_in_another_language(client):
    body = client.get("/he/search?q=נתב+OR+router").get_data(as_text=True)
    results = [(m.group(1), m.group(0)) for m in RESULT.finditer(body)]
    langs = [lang for lang, _html in results]
    assert "en" in langs and langs == sorted(langs, key=lambda lang: lang != "he")
    for lang, html in results:
        assert ("badge-lang" in html) == (lang != "he")
    english = next(html for lang, html in results if lang == "en")
    assert 'dir="ltr"' in english
    assert re.search(r'class="badge badge-lang" lang="he" dir="rtl">[^<]+</span>', english)


def test_a_latin_query_on_the_persian_site_lists_persian_first(client):
    answer = client.get("/fa/api/search?q=Harbor+Hub").get_json()
    assert answer["results"][0]["lang"] == "fa"
    assert client.get("/api/search?q=Harbor+Hub").get_json()["results"][0]["lang"] == "en"
