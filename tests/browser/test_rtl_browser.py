"""Hebrew and Persian in a real browser: the switcher, the remembered choice and
the offer from the browser's languages, and right-to-left pages (home, an
article, a troubleshooting step) that fit a phone and a desktop without
anything sticking out. Screenshots are kept in each test's tmp_path."""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Iterator

import pytest
import yaml
from conftest import CATEGORIES, FAQ, TREE, article_text, write_file, write_site

from .conftest import PHONE, built_site, serving_site
from .conftest import _missing as missing

DESKTOP = {"width": 1280, "height": 800}

PERSIAN_ARTICLE = (
    {
        "title": "راه‌اندازی مجدد Harbor Hub",
        "category": "hub",
        "summary": "Hub را به روش درست خاموش و دوباره روشن کنید؛ حدود سه دقیقه طول می‌کشد.",
        "tags": ["راه‌اندازی مجدد", "روتر"],
        "updated": "2026-08-19",
        "lang": "fa",
        "translation_of": "restart-your-harbor-hub",
    },
    """\
    راه‌اندازی مجدد Harbor Hub حافظه آن را پاک می‌کند و بیشتر اتصال‌های کند را درست می‌کند.

    ## راه‌اندازی مجدد با دکمهٔ پاور

    1. دکمهٔ پاور پشت Hub را یک بار فشار دهید.
    2. ۳۰ ثانیه صبر کنید و دوباره آن را روشن کنید.
    3. صبر کنید تا چراغ سفید ثابت شود. معنی رنگ‌ها را در [چراغ‌های Hub](harbor-hub-lights.md) ببینید.

    > [!WARNING]
    > دکمهٔ **Reset** داخل سوراخ ریز را نگه ندارید: دستگاه را به تنظیمات کارخانه برمی‌گرداند.
    """,
)


def translated_tree(lang: str, words: dict[str, str]) -> dict:
    """The fixture's tree, written in ``lang``."""
    tree = copy.deepcopy(TREE)
    tree.update(id=f"hub-light-{lang}", lang=lang, title=words["title"], description=words["description"])
    colour = tree["nodes"]["colour"]
    colour["text"] = words["question"]
    colour["options"][0].update(label=words["orange"])
    colour["options"][0].pop("glossary")
    colour["options"][1].update(label=words["red"])
    tree["nodes"]["restart"]["text"] = words["restart"]
    tree["nodes"]["escalate-fault"]["text"] = words["escalate"]
    return tree


TREES = [
    translated_tree(
        "he",
        {
            "title": "תיקון הנורית של ה-Hub",
            "description": "מה אומר צבע הנורית של ה-Hub, ומה עושים.",
            "question": "באיזה צבע דולקת הנורית של **Harbor Hub**?",
            "orange": "כתום",
            "red": "אדום",
            "restart": "הפעילו מחדש את ה-Hub וחכו 3 דקות.",
            "escalate": "מכאן נמשיך אנחנו.",
        },
    ),
    translated_tree(
        "fa",
        {
            "title": "رفع مشکل چراغ Hub",
            "description": "رنگ چراغ Hub چه معنایی دارد و چه باید کرد.",
            "question": "چراغ **Harbor Hub** شما چه رنگی است؟",
            "orange": "نارنجی",
            "red": "قرمز",
            "restart": "Hub را دوباره راه‌اندازی کنید و ۳ دقیقه صبر کنید.",
            "escalate": "از اینجا به بعد با ما.",
        },
    ),
]

CATEGORY_NAMES = {
    "account": {"he": "חשבון והתחברות", "fa": "حساب کاربری و ورود"},
    "hub": {"he": "Harbor Hub ו-Mesh", "fa": "Harbor Hub و Mesh"},
}


@pytest.fixture(scope="module", autouse=True)
def fonts() -> None:
    """Chromium draws letters it has no font for as boxes: the screenshots would
    prove nothing. .ci/run installs fonts-dejavu-core when these are missing."""
    for lang in ("he", "fa"):
        try:
            found = subprocess.run(["fc-list", f":lang={lang}"], capture_output=True, text=True, check=False).stdout
        except FileNotFoundError:
            found = ""
        if not found.strip():
            missing(f"no font for {lang} (fc-list :lang={lang} finds none; apt-get install fonts-dejavu-core)")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture help centre with a Persian article, a tree in each language,
    a Hebrew FAQ entry and translated category names."""
    root = tmp_path_factory.mktemp("browser-rtl-site")
    content = write_site(root / "content")
    write_file(content, "articles/hub/restart-your-harbor-hub.fa.md", article_text(*PERSIAN_ARTICLE))
    for tree in TREES:
        write_file(content, f"troubleshooting_trees/{tree['id']}.yaml", yaml.safe_dump(tree, allow_unicode=True))
    categories = [
        {
            **c,
            "translations": {
                lang: {"title": name, "description": name} for lang, name in CATEGORY_NAMES[c["slug"]].items()
            },
        }
        for c in CATEGORIES
    ]
    write_file(content, "categories.yaml", yaml.safe_dump(categories, allow_unicode=True, sort_keys=False))
    hebrew_faq = {
        "id": "forgot-password-he",
        "question": "שכחתי את הסיסמה ל-My Harbor. מה עושים?",
        "answer": "בוחרים **שכחתי סיסמה** בדף ההתחברות, ומקבלים קישור לאיפוס שתקף ל-30 דקות.",
        "category": "account",
        "lang": "he",
    }
    write_file(content, "faq.yaml", yaml.safe_dump([*FAQ, hebrew_faq], allow_unicode=True, sort_keys=False))
    with serving_site(built_site(content, root)) as base:
        yield base


def switch_to(page, lang: str) -> None:
    """Choose ``lang`` in the page's language switcher, as a reader does."""
    page.locator(f'.language-switcher a[hreflang="{lang}"]').click()
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=lang)


# Everything laid out must lie within the viewport's width, except what a
# scrolling box (a wide table, a code block) holds and what is hidden on purpose.
OVERFLOWING = """() => {
  const width = window.innerWidth, found = [];
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(up).overflowX)) return true;
    }
    return false;
  };
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || el.closest(".visually-hidden, template, [hidden]") || clipped(el)) continue;
    if (box.left < -1 || box.right > width + 1) {
      found.push(`${el.tagName.toLowerCase()}.${el.className}: ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  return {scroll: document.documentElement.scrollWidth, inner: width, found: found.slice(0, 10)};
}"""


def assert_fits(page) -> None:
    layout = page.evaluate(OVERFLOWING)
    assert layout["scroll"] <= layout["inner"], layout
    assert layout["found"] == [], layout


def open_pages(page, lang: str) -> Iterator[str]:
    """Home, an article and a troubleshooting step, each reached through the
    switcher from the English page and then by following links; yields a name
    for each, with the page loaded."""
    page.goto("/")
    switch_to(page, lang)
    yield "home"
    page.goto("/articles/restart-your-harbor-hub")
    switch_to(page, lang)
    yield "article"
    page.goto("/troubleshoot")
    switch_to(page, lang)
    page.locator(f'.tree-list [lang="{lang}"] a').first.click()
    page.locator(".step .options a").first.click()
    page.wait_for_url(re.compile(r"\?a=orange$"))
    yield "step"


@pytest.mark.parametrize("lang", ["he", "fa"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_right_to_left_pages_fit_the_screen(new_context, expect, tmp_path, lang, viewport):
    page = new_context(viewport=viewport, device_scale_factor=1).new_page()
    shots = []
    for name in open_pages(page, lang):
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        expect(page.locator("main h1")).to_be_visible()
        shot = tmp_path / f"{lang}-{name}-{viewport['width']}.png"
        page.screenshot(path=shot, full_page=True)
        shots.append(shot)
        assert_fits(page)
    assert page.url.endswith(f"/{lang}/troubleshoot/hub-light-{lang}?a=orange")
    assert all(shot.stat().st_size > 0 for shot in shots)


def test_pages_read_right_to_left(new_context, expect):
    """The article is the Persian one, its date in Persian digits; the trail and
    the breadcrumbs run from the right."""
    page = new_context(viewport=DESKTOP).new_page()
    page.goto("/articles/restart-your-harbor-hub")
    switch_to(page, "fa")
    assert page.url.endswith("/fa/articles/restart-your-harbor-hub-fa")
    expect(page.locator("main h1")).to_have_text("راه‌اندازی مجدد Harbor Hub")
    expect(page.locator("main time")).to_have_text("۱۹ اوت ۲۰۲۶")
    crumbs = page.locator(".breadcrumbs li")
    first, last = crumbs.first.bounding_box(), crumbs.last.bounding_box()
    assert first["x"] > last["x"]  # the first crumb is the right-most
    page.goto("/he/troubleshoot/hub-light-he?a=orange")
    chip = page.locator(".walk-trail li").first.bounding_box()
    step = page.locator(".step").bounding_box()
    assert chip["x"] + chip["width"] > step["x"] + step["width"] - 40  # the trail starts at the right
    arrow = page.evaluate("getComputedStyle(document.querySelector('.breadcrumbs li + li'), '::before').content")
    assert arrow == '"‹"'


def test_the_choice_is_remembered(new_context, expect):
    context = new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto("/faq")
    switch_to(page, "he")
    assert page.url.endswith("/he/faq")
    expect(page.locator("main h1")).to_have_text("שאלות נפוצות")
    # The Hebrew question first; the English ones after, labelled and left to right.
    expect(page.locator(".faq-group").first).to_have_attribute("dir", "rtl")
    assert {c["name"]: c["value"] for c in context.cookies()}["portal_lang"] == "he"
    # Coming back to the English home page, the reader lands on the Hebrew one.
    page.goto("/")
    page.wait_for_url(re.compile(r"/he/$"))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    # Elsewhere the English page stays, with an offer in Hebrew.
    page.goto("/glossary")
    offer = page.locator(".language-offer")
    expect(offer).to_be_visible()
    expect(offer).to_have_attribute("dir", "rtl")
    offer.locator("button").click()  # no, thanks: English it is
    assert {c["name"]: c["value"] for c in context.cookies()}["portal_lang"] == "en"
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".language-offer")).to_have_count(0)


def test_a_first_visit_is_offered_the_browsers_language(new_context, expect):
    context = new_context(viewport=PHONE, locale="he-IL")
    page = context.new_page()
    page.goto("/articles/reset-your-password")
    offer = page.locator(".language-offer")
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("הדף הזה זמין גם בעברית.")
    expect(offer.locator("a")).to_have_attribute("href", "/he/articles/reset-your-password-he")
    assert_fits(page)
    # No thanks: English is remembered, and nothing is offered again.
    offer.locator("button").click()
    expect(page.locator(".language-offer")).to_have_count(0)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".language-offer")).to_have_count(0)
    assert {c["name"]: c["value"] for c in context.cookies()}["portal_lang"] == "en"


def test_a_browser_in_the_pages_language_is_offered_nothing(new_context, expect):
    page = new_context(locale="en-GB").new_page()
    page.goto("/articles/reset-your-password")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(".language-offer")).to_have_count(0)
    page = new_context(locale="fa-IR").new_page()
    page.goto("/fa/")
    expect(page.locator("main h1")).to_have_text("چطور می‌توانیم کمک کنیم؟")
    expect(page.locator(".language-offer")).to_have_count(0)
