"""Searching in a real browser: from the home page, with suggestions, with the
"/" shortcut, with the searched words marked on the article, and without
JavaScript."""

from __future__ import annotations

import re


def test_search_from_the_home_page_then_open_the_first_result_with_the_word_highlighted(page, expect):
    page.goto("/")
    box = page.locator("#q-home")
    box.click()
    box.press_sequentially("restarting")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=restarting$"))
    first = page.locator(".results .result-title").first
    expect(first).to_have_text("Restart your Harbor Hub")
    first.click()
    page.wait_for_url(re.compile(r"/articles/restart-your-harbor-hub\?hl=restarting$"))
    marks = page.locator(".content mark.search-hit")
    expect(marks.first).to_be_visible()
    # The stem finds the word as written in the article, whatever its case or ending.
    assert {m.lower() for m in marks.all_inner_texts()} == {"restarting", "restart"}
    # The article's canonical URL is the same however the reader arrived.
    canonical = page.locator("link[rel=canonical]").get_attribute("href")
    assert canonical.endswith("/articles/restart-your-harbor-hub")


def test_highlighting_skips_code_excluded_words_and_stop_words(page, expect):
    page.goto('/articles/harbor-hub-lights?hl=the hub -orange "192" OR status')
    marks = page.locator(".content mark.search-hit")
    expect(marks.first).to_be_visible()
    assert {m.lower() for m in marks.all_inner_texts()} == {"hub"}
    # "192", "status" and "hub-address" occur only in code, never marked; nor "the" or the excluded "orange".
    assert page.locator(".content :is(pre, code) mark").count() == 0
    assert "orange" in page.locator(".content").inner_text().lower()
    # A marked word inside a link leaves the link's address alone.
    assert page.locator(".content a.term").first.get_attribute("href") == "/glossary#harbor-hub"


def test_the_first_highlighted_word_is_scrolled_into_view(new_context, expect):
    page = new_context(viewport={"width": 360, "height": 420}).new_page()
    page.goto("/articles/harbor-hub-lights?hl=computer")
    mark = page.locator(".content mark.search-hit")
    expect(mark).to_have_count(1)
    expect(mark).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0


def test_suggestions_as_you_type_open_with_the_keyboard(page, expect):
    page.goto("/")
    box = page.locator("#q-home")
    box.click()
    box.press_sequentially("resta", delay=20)
    options = page.locator("#suggestions-home [role=option]")
    expect(options).to_have_text(["Restart your Harbor Hub"])
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "suggestions-home-0")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/articles/restart-your-harbor-hub$"))


def test_slash_focuses_the_search_box(page, expect):
    page.goto("/articles/reset-your-password")
    box = page.locator("input[type=search]")
    expect(box).not_to_be_focused()
    page.keyboard.press("/")
    expect(box).to_be_focused()
    # Once in the box, "/" is a character like any other.
    page.keyboard.type("a/b")
    expect(box).to_have_value("a/b")
    page.goto("/")
    page.keyboard.press("/")
    expect(page.locator("#q-home")).to_be_focused()


def test_without_javascript_search_is_a_plain_form(new_context, expect):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.locator("#q-home").fill("password")
    page.locator("#q-home").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=password$"))
    expect(page.locator(".result-count")).to_contain_text("result")
    expect(page.locator("#suggestions")).to_be_hidden()
    article = page.locator(".results .result-title[href^='/articles/']").first
    expect(article).to_have_text("Reset your password")
    article.click()
    page.wait_for_url(re.compile(r"/articles/reset-your-password\?hl=password$"))
    expect(page.locator("h1")).to_have_text("Reset your password")
    # Nothing marked, no tooltips: the glossary term is a plain link to its entry.
    assert page.locator("mark").count() == 0
    assert page.locator("[role=tooltip]").count() == 0
    term = page.locator("a.term").first
    assert term.get_attribute("aria-describedby") is None
    term.click()
    page.wait_for_url(re.compile(r"/glossary#my-harbor$"))
