"""The interface in English, Hebrew and Persian: language prefixes, links that
stay in the reader's language, the switcher and the offer, hreflang, the notice
on an untranslated article, lists that fall back to English, and locale formats.

The catalogs themselves are checked in test_i18n_catalogs.py.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import yaml
from conftest import CATEGORIES, _dump

from portal import i18n
from portal.build import build
from portal.content.categories import load_categories
from portal.content.problems import Problems


@pytest.fixture
def client(app_on_shared_build):
    """The fixture help centre; these tests only read it."""
    return app_on_shared_build.test_client()


def page(client, url: str, **kwargs) -> str:
    response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


class Links(HTMLParser):
    """Every element's attributes, by tag, to look at links and their languages."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def tags(html: str, name: str) -> list[dict[str, str | None]]:
    parser = Links()
    parser.feed(html)
    return [attrs for tag, attrs in parser.tags if tag == name]


def html_element(body: str) -> dict[str, str | None]:
    return tags(body, "html")[0]


# --- the prefix ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "lang", "direction"),
    [("/", "en", "ltr"), ("/he/", "he", "rtl"), ("/fa/", "fa", "rtl"), ("/fa/faq", "fa", "rtl"), ("/faq", "en", "ltr")],
)
def test_the_prefix_sets_the_language_and_direction_of_the_page(client, url, lang, direction):
    assert html_element(page(client, url)) == {"lang": lang, "dir": direction}


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/he", "/he/"),
        ("/fa?q=1", "/fa/?q=1"),
        ("/en/faq", "/faq"),
        ("/en", "/"),
        ("/en/articles/" + quote("איפוס"), "/articles/" + quote("איפוס")),
    ],
)
def test_a_prefix_without_its_slash_and_english_with_one_redirect(client, url, location):
    response = client.get(url)
    assert response.status_code == 301
    assert response.headers["Location"] == location


@pytest.mark.parametrize("url", ["/hebrew", "/he-il/", "/HE/", "/de/faq"])
def test_only_known_prefixes_are_languages(client, url):
    assert client.get(url).status_code == 404


def test_every_link_on_a_hebrew_page_stays_in_hebrew(client):
    body = page(client, "/he/")
    hrefs = [a["href"] for a in tags(body, "a") if a["href"] and a["href"].startswith("/")]
    switcher = {a["href"] for a in tags(body, "a") if a.get("data-choose-lang")}
    assert hrefs and all(h.startswith("/he/") for h in hrefs if h not in switcher), hrefs
    forms = [f["action"] for f in tags(body, "form")]
    assert forms == ["/he/search"]
    assert 'data-suggest="/he/api/suggest"' in body


def test_static_files_have_one_address_in_every_language(client):
    styles = [link["href"] for link in tags(page(client, "/fa/faq"), "link") if link.get("rel") == "stylesheet"]
    assert styles and all(href.startswith("/static/") for href in styles)
    with client.get("/fa/static/site.css") as response:  # still served under a prefix
        assert response.status_code == 200


def test_the_api_answers_under_a_prefix_too(client):
    """And links the reader's language: suggestions as you type on a Hebrew page
    lead to Hebrew pages."""
    found = client.get("/he/api/search?q=hub").get_json()
    assert found["total"] >= 1 and all(r["url"].startswith("/he/") for r in found["results"])
    suggested = client.get("/he/api/suggest?q=Rest").get_json()["suggestions"]
    assert suggested and all(s["url"].startswith("/he/") for s in suggested)
    assert all(s["url"].startswith("/articles/") for s in client.get("/api/suggest?q=Rest").get_json()["suggestions"])
    _, _, _, urls = client.get("/fa/opensearch/suggest?q=Rest").get_json()
    assert urls and all(u.startswith("http://localhost/fa/") for u in urls)


def test_links_inside_content_follow_the_reader(client):
    body = page(client, "/he/articles/harbor-hub-lights")
    content = body[body.index('class="content"') :]
    assert 'href="/he/articles/restart-your-harbor-hub"' in content
    # An English term, linked from English content: the English glossary, in the Hebrew interface.
    assert 'href="/he/glossary?lang=en#harbor-hub"' in content
    assert 'href="/articles/' not in content


def test_the_current_language_outside_and_inside_a_request(app_on_shared_build):
    assert i18n.current_lang() == "en"
    with app_on_shared_build.test_client() as client:
        client.get("/fa/faq")
        assert i18n.current_lang() == "fa"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/he/articles/x", ("he", "/articles/x")),
        ("/he", ("he", "")),
        ("/fa/", ("fa", "/")),
        ("/en/faq", ("en", "/faq")),
        ("/help", ("en", None)),
        ("/", ("en", None)),
        ("", ("en", None)),
    ],
)
def test_split_prefix(path, expected):
    assert i18n.split_prefix(path) == expected


# --- articles in the reader's language --------------------------------------------


def test_an_original_in_another_interface_language_leads_to_its_translation(client):
    response = client.get("/he/articles/reset-your-password?hl=password&x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/he/articles/reset-your-password-he?hl=password"


def test_a_translation_shows_in_its_own_language_without_a_notice(client):
    body = page(client, "/he/articles/reset-your-password-he")
    assert html_element(body) == {"lang": "he", "dir": "rtl"}
    assert "notice-untranslated" not in body
    assert '<link rel="canonical" href="http://localhost/he/articles/reset-your-password-he">' in body


def test_an_untranslated_article_says_so_in_the_readers_language_and_offers_the_original(client):
    body = page(client, "/he/articles/harbor-hub-lights")
    notice = body[body.index("notice-untranslated") :].split("</p>")[0]
    assert "המאמר הזה עדיין לא זמין בעברית" in notice and "באנגלית" in notice
    assert [a["href"] for a in tags(notice, "a")] == ["/articles/harbor-hub-lights"]
    # The original is shown with its own language and direction, inside the Hebrew page.
    assert html_element(body) == {"lang": "he", "dir": "rtl"}
    assert '<h1 lang="en" dir="ltr">What the lights on your Harbor Hub mean</h1>' in body
    assert '<div class="content" lang="en" dir="ltr">' in body
    # One page per content: the original is the canonical one.
    assert '<link rel="canonical" href="http://localhost/articles/harbor-hub-lights">' in body


def test_the_persian_notice_and_the_english_page_have_no_notice(client):
    persian = page(client, "/fa/articles/restart-your-harbor-hub")
    assert "این مقاله هنوز به فارسی در دسترس نیست" in persian
    assert "notice-untranslated" not in page(client, "/articles/restart-your-harbor-hub")


def test_hreflang_links_every_translation_of_an_article_and_the_default(client):
    for url in ("/articles/reset-your-password", "/he/articles/reset-your-password-he"):
        head = page(client, url).split("</head>")[0]
        alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head)
        assert alternates == [
            ("en", "http://localhost/articles/reset-your-password"),
            ("he", "http://localhost/he/articles/reset-your-password-he"),
            ("x-default", "http://localhost/articles/reset-your-password"),
        ]


def test_hreflang_on_the_sites_own_pages_names_each_language(client):
    head = page(client, "/fa/faq").split("</head>")[0]
    assert re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head) == [
        ("en", "http://localhost/faq"),
        ("he", "http://localhost/he/faq"),
        ("fa", "http://localhost/fa/faq"),
        ("x-default", "http://localhost/faq"),
    ]
    assert '<link rel="canonical" href="http://localhost/fa/faq">' in head


def test_error_pages_name_no_alternates(client):
    body = client.get("/he/no-such-page").get_data(as_text=True)
    assert 'rel="alternate"' not in body and 'rel="canonical"' not in body
    assert html_element(body) == {"lang": "he", "dir": "rtl"}
    assert "לא מצאנו את הדף הזה" in body


# --- choosing a language ------------------------------------------------------------


def switcher(body: str) -> dict[str, str | None]:
    nav = body[body.index('class="language-switcher"') :].split("</nav>")[0]
    return {a["hreflang"]: a["href"] for a in tags(nav, "a")}


def test_the_switcher_links_this_page_in_every_other_language(client):
    body = page(client, "/fa/search?q=hub&page=1")
    assert switcher(body) == {"en": "/search?q=hub&page=1", "he": "/he/search?q=hub&page=1"}
    nav = body[body.index('class="language-switcher"') :].split("</nav>")[0]
    assert '<span aria-current="true" lang="fa" dir="rtl">فارسی</span>' in nav
    # Each language is named in itself, marked with its language, and remembered when chosen.
    links = tags(nav, "a")
    assert {(a["lang"], a["data-choose-lang"], a.get("dir")) for a in links} == {
        ("en", "en", "ltr"),
        ("he", "he", "rtl"),
    }


def test_the_switcher_on_an_article_leads_to_its_translations(client):
    assert switcher(page(client, "/articles/reset-your-password")) == {
        "he": "/he/articles/reset-your-password-he",
        "fa": "/fa/articles/reset-your-password",  # no Persian version: the original, with the notice
    }
    assert switcher(page(client, "/he/articles/reset-your-password-he")) == {
        "en": "/articles/reset-your-password",
        "fa": "/fa/articles/reset-your-password",
    }


def test_each_other_language_is_offered_in_its_own_words(client):
    """site.js shows one of these to a reader whose browser prefers that language."""
    body = page(client, "/articles/reset-your-password")
    offers = re.findall(r'<template data-offer="(\w+)">(.*?)</template>', body, re.S)
    assert [lang for lang, _ in offers] == ["he", "fa"]
    hebrew = dict(offers)["he"]
    assert "הדף הזה זמין גם בעברית." in hebrew and 'lang="he" dir="rtl"' in hebrew
    assert [a["href"] for a in tags(hebrew, "a")] == ["/he/articles/reset-your-password-he"]
    assert "این صفحه به فارسی هم در دسترس است." in dict(offers)["fa"]
    # Declining remembers this page's language.
    assert 'data-choose-lang="en" data-dismiss-offer' in hebrew


@pytest.mark.parametrize("url", ["/", "/he/", "/fa/", "/he/glossary", "/he/troubleshoot", "/fa/categories/hub"])
def test_pages_are_the_same_whatever_the_browser_prefers_or_chose(client, url):
    """The offer and the remembered choice are applied in the browser, so a page
    stays shareable: no Vary on the visitor's headers, no cookie set."""
    plain = client.get(url, headers={"User-Agent": "Mozilla/5.0"})
    hebrew = client.get(url, headers={"User-Agent": "Mozilla/5.0", "Accept-Language": "he-IL,he;q=0.9"})
    client.set_cookie(i18n.COOKIE, "fa")
    chosen = client.get(url, headers={"User-Agent": "Mozilla/5.0"})
    client.delete_cookie(i18n.COOKIE)
    assert plain.get_data() == hebrew.get_data() == chosen.get_data()
    for response in (plain, hebrew, chosen):
        assert response.status_code == 200
        assert not response.cache_control.private
        assert "Set-Cookie" not in response.headers
        assert not {"cookie", "accept-language"} & {
            v.strip().lower() for v in response.headers.get("Vary", "").split(",")
        }


def test_only_the_home_page_is_marked_for_the_remembered_choice(client):
    """site.js takes a reader who chose another language to that language's home
    page from this one only; elsewhere it offers."""
    assert "<body data-home>" in page(client, "/he/")
    assert "<body>" in page(client, "/he/faq")


# --- lists in the reader's language ---------------------------------------------------


def test_home_page_in_hebrew_is_in_hebrew_and_labels_what_is_english(client):
    body = page(client, "/he/")
    assert "איך נוכל לעזור?" in body and "עיון לפי נושא" in body
    # No Hebrew FAQ in the fixture: the English questions, labelled as English.
    top = body[body.index('id="top-questions"') :].split("</section>")[0]
    assert 'lang="en" dir="ltr">How do I reset my password?</a>' in top
    assert '<span class="badge badge-lang">אנגלית</span>' in top


def test_recently_updated_in_hebrew_lists_the_hebrew_version_first_and_each_article_once(client):
    body = page(client, "/he/")
    recent = body[body.index('id="recent"') :].split("</section>")[0]
    titles = [a["href"] for a in tags(recent, "a")]
    assert titles[0] == "/he/articles/reset-your-password-he"
    assert "/he/articles/reset-your-password" not in titles
    assert len(titles) == len(set(titles)) == 3


def test_a_category_in_hebrew_lists_each_article_once_in_hebrew_where_translated(client):
    body = page(client, "/he/categories/account")
    items = body[body.index('class="article-list"') :].split("</ul>")[0]
    assert [a["href"] for a in tags(items, "a")] == ["/he/articles/reset-your-password-he"]
    english = page(client, "/categories/account")
    assert "/articles/reset-your-password-he" not in english and "/articles/reset-your-password" in english


def test_an_untranslated_article_in_a_list_is_labelled(client):
    body = page(client, "/fa/categories/hub")
    assert body.count('class="other-language"') == 2
    assert "هنوز ترجمه نشده: به انگلیسی" in body
    assert '<div lang="en" dir="ltr">' in body


def test_the_glossary_falls_back_to_english_and_says_so(client):
    body = page(client, "/fa/glossary")
    assert "واژه‌نامه هنوز به فارسی آماده نشده است" in body
    assert 'id="harbor-hub"' in body and '<div lang="en" dir="ltr">' in body


def test_troubleshooters_in_another_language_are_labelled(client):
    body = page(client, "/he/troubleshoot")
    assert '<span class="badge badge-lang">English</span>' in body
    assert "עד 2 שאלות" in body


def test_category_translations_show_on_every_list(app, content_dir, built):
    categories = [
        {**CATEGORIES[0], "translations": {"he": {"title": "חשבון והתחברות", "description": "סיסמאות והתחברות."}}},
        CATEGORIES[1],
    ]
    (content_dir / "categories.yaml").write_text(_dump(categories), encoding="utf-8")
    assert not build(content_dir, built).failed
    client = app.test_client()
    for url in ("/he/", "/he/categories/account", "/he/search?q=password"):
        assert "חשבון והתחברות" in page(client, url), url
    assert "סיסמאות והתחברות." in page(client, "/he/")
    assert "Account &amp; sign-in" in page(client, "/categories/account")
    assert "Harbor Hub &amp; Mesh" in page(client, "/he/")  # no translation: as authored


def test_category_translations_are_checked_with_their_lines():
    problems = Problems("categories.yaml")
    text = """\
- slug: account
  title: Account
  translations:
    he: {title: חשבון, descripton: typo}
    Hebrew: {title: x}
    fa: just a title
- slug: hub
  title: Hub
  translations: [he]
"""
    categories = load_categories(text, problems)
    assert categories[0].translations == {"he": {"title": "חשבון", "description": ""}}
    assert [str(p) for p in problems] == [
        "categories.yaml:4: warning: unknown key 'descripton' in 'he' translation (ignored)",
        "categories.yaml:5: 'Hebrew' is not a language code such as he or fa",
        "categories.yaml:6: the 'fa' translation must be a mapping with title and description",
        "categories.yaml:9: 'translations' must map a language code to a title and description",
    ]


# --- walking a tree, searching ----------------------------------------------------------


def test_an_english_tree_in_the_hebrew_interface_marks_the_interfaces_words(client):
    body = page(client, "/he/troubleshoot/hub-light?a=orange")
    assert '<div class="walk" lang="en" dir="ltr">' in body
    assert '<span lang="he" dir="rtl">האם זה פתר את הבעיה?</span>' in body
    assert '<span lang="he" dir="rtl">שלב 2</span>' in body
    escalated = page(client, "/he/troubleshoot/hub-light?a=orange.not-solved")
    transcript = escalated[escalated.index('class="transcript"') :].split("</ol>")[0]
    assert 'ניסיתם: <bdi lang="en">Restart the Hub and wait three minutes.</bdi> האם זה פתר את הבעיה?' in transcript
    assert "עדיין לא עובד" in transcript


def test_search_results_link_in_the_readers_language(client):
    body = page(client, "/he/search?q=restart")
    results = body[body.index('class="results"') :].split("</ol>")[0]
    hrefs = [a["href"] for a in tags(results, "a")]
    assert hrefs and all(h.startswith("/he/") for h in hrefs)
    assert "תוצאות עבור" in body


# --- numbers and dates --------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "number", "date"),
    [
        ("en", "1,234", "2 October 2026"),
        ("he", "1,234", "2 באוקטובר 2026"),
        ("fa", "۱٬۲۳۴", "۲ اکتبر ۲۰۲۶"),
    ],
)
def test_numbers_and_dates_are_written_as_each_language_writes_them(app_on_shared_build, lang, number, date):
    with app_on_shared_build.test_client() as client:
        client.get(f"{i18n.prefix(lang)}/faq")
        assert i18n.format_number(1234) == number
        assert i18n.format_day(dt.date(2026, 10, 2)) == date


def test_an_article_date_in_persian_uses_persian_digits(client):
    body = page(client, "/fa/articles/restart-your-harbor-hub")
    assert '<time datetime="2026-08-19">۱۹ اوت ۲۰۲۶</time>' in body
    assert "به‌روزرسانی:" in body


def test_counts_on_the_persian_home_page_use_persian_digits(client):
    body = page(client, "/fa/")
    assert "۲ مقاله" in body


# --- for machines -----------------------------------------------------------------------


def test_opensearch_under_a_prefix_searches_in_that_language(client):
    root = ET.fromstring(client.get("/he/opensearch.xml").get_data())  # noqa: S314 -- our own output
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    urls = {url.get("type"): url.get("template") for url in root.findall("os:Url", ns)}
    assert urls["text/html"] == "http://localhost/he/search?q={searchTerms}"
    assert root.findtext("os:Description", namespaces=ns) == "חיפוש ב-Harbor Fibre Help Centre"


def test_robots_keeps_crawlers_out_of_search_in_every_language(client):
    lines = client.get("/robots.txt").get_data(as_text=True).splitlines()
    assert {"Disallow: /search", "Disallow: /he/search", "Disallow: /fa/api/"} <= set(lines)


def test_category_yaml_of_the_repository_translates_every_category():
    """The sample help centre's categories carry a Hebrew and a Persian title."""
    from pathlib import Path

    data = yaml.safe_load((Path(__file__).parents[1] / "categories.yaml").read_text(encoding="utf-8"))
    for category in data:
        assert set(category.get("translations", {})) == {"he", "fa"}, category["slug"]
        assert all(t["title"] and t["description"] for t in category["translations"].values())
