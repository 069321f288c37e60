"""At 360 px wide (a small phone) no page is wider than the screen. Each page's
screenshot is kept in the test's tmp_path, to look at when a layout changes."""

from __future__ import annotations

import pytest

from .conftest import PHONE

PAGES = {
    "home": "/",
    "article": "/articles/harbor-hub-lights",  # a table, a code block, glossary terms
    "article-rtl": "/articles/reset-your-password-he",
    "search": "/search?q=hub",
}


@pytest.fixture
def phone(new_context):
    return new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True).new_page()


@pytest.mark.parametrize("name", PAGES)
def test_no_horizontal_overflow_at_360px(phone, expect, tmp_path, name):
    phone.goto(PAGES[name])
    expect(phone.locator("main h1")).to_be_visible()
    widths = phone.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    phone.screenshot(path=tmp_path / f"{name}-360.png", full_page=True)
    assert widths["scroll"] <= widths["inner"], widths
    assert widths["inner"] == PHONE["width"]


def test_glossary_definition_fits_a_phone(phone, expect, tmp_path):
    phone.goto("/articles/harbor-hub-lights")
    term = phone.locator("a.term[data-term=ont]")
    term.focus()
    expect(phone.locator("#" + term.get_attribute("aria-describedby"))).to_be_visible()
    phone.screenshot(path=tmp_path / "term-tip-360.png")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
