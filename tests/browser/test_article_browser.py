"""An article in a real browser: "Was this helpful?" answered in place, and
glossary terms explained on hover and on keyboard focus, inside the viewport on
a phone and in right-to-left text."""

from __future__ import annotations

import pytest

from .conftest import HEBREW_TERM, PHONE

ONT = "The fibre box on the wall where the fibre comes in."
# Where a tooltip may be, and that it leaves the page no wider than the screen.
TIP_BOX = """tip => {
  const r = tip.getBoundingClientRect();
  return {left: r.left, right: r.right, top: r.top, bottom: r.bottom,
          viewport: document.documentElement.clientWidth,
          overflow: document.documentElement.scrollWidth > window.innerWidth};
}"""


def _stay_on_page(page) -> None:
    """Leave a marker that a reload would wipe."""
    page.evaluate("window.stillHere = true")


def _did_not_reload(page) -> bool:
    return page.evaluate("window.stillHere === true")


def test_vote_yes_thanks_without_a_reload(page, expect):
    page.goto("/articles/restart-your-harbor-hub")
    _stay_on_page(page)
    vote = page.locator("[data-vote]")
    vote.get_by_role("button", name="Yes", exact=True).click()
    thanks = page.locator(".vote-thanks")
    expect(thanks).to_contain_text("Thank you for your feedback")
    # Focus moves to the answer, so a screen reader hears it.
    expect(thanks).to_be_focused()
    assert _did_not_reload(page)


def test_vote_no_asks_what_was_missing_then_thanks_without_a_reload(page, expect):
    page.goto("/articles/harbor-hub-lights")
    _stay_on_page(page)
    page.locator("[data-vote]").get_by_role("button", name="No", exact=True).click()
    form = page.locator("form.vote-missing")
    expect(form.locator("legend")).to_have_text("Sorry this didn't help. What was missing?")
    expect(form.locator("legend")).to_be_focused()
    form.get_by_role("checkbox").first.check()
    form.get_by_label("Anything else we should know?").fill("Which light means the fibre is cut?")
    form.get_by_role("button", name="Send feedback").click()
    expect(page.locator(".vote-thanks")).to_be_visible()
    assert _did_not_reload(page)


def test_glossary_definition_on_hover(page, expect):
    page.goto("/articles/harbor-hub-lights")
    term = page.locator("a.term[data-term=ont]")
    tip = page.locator("#" + term.get_attribute("aria-describedby"))
    expect(tip).to_be_hidden()
    expect(tip).to_have_attribute("role", "tooltip")
    expect(term).to_have_accessible_description(ONT)
    term.hover()
    expect(tip).to_be_visible()
    expect(tip).to_have_text(ONT)
    # Just below the term, starting where it starts.
    term_box, tip_box = term.bounding_box(), tip.bounding_box()
    assert 0 < tip_box["y"] - (term_box["y"] + term_box["height"]) < 20
    assert abs(tip_box["x"] - term_box["x"]) < 1
    # The pointer can move onto the definition (to read or select it) without losing it.
    tip.hover()
    page.wait_for_timeout(400)
    expect(tip).to_be_visible()
    page.mouse.move(5, 5)
    expect(tip).to_be_hidden()
    # Only one definition at a time.
    page.locator("a.term[data-term=harbor-hub]").hover()
    expect(page.locator("[role=tooltip]:visible")).to_have_count(1)


def _tab_to(page, selector: str) -> None:
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


def test_glossary_definition_on_keyboard_focus(page, expect):
    page.goto("/articles/harbor-hub-lights")
    _tab_to(page, "a.term")
    hub = page.locator("a.term:focus")
    tip = page.locator("#" + hub.get_attribute("aria-describedby"))
    expect(tip).to_be_visible()
    expect(tip).to_have_text("The Wi-Fi router we send with every broadband plan.")
    # Escape dismisses it without moving focus.
    page.keyboard.press("Escape")
    expect(tip).to_be_hidden()
    expect(hub).to_be_focused()
    # Tabbing on hides it and shows the next term's.
    _tab_to(page, "a.term")
    expect(page.locator("a.term[data-term=ont]")).to_be_focused()
    expect(page.locator("[role=tooltip]:visible")).to_have_text(ONT)
    _tab_to(page, ":not(a.term)")
    expect(page.locator("[role=tooltip]:visible")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 800}], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    ("path", "direction"),
    [
        ("/articles/harbor-hub-lights", "ltr"),
        ("/articles/reset-your-password", "ltr"),
        ("/articles/reset-your-password-he", "rtl"),
    ],
)
def test_glossary_definitions_stay_inside_the_screen(new_context, expect, path, direction, viewport):
    page = new_context(viewport=viewport).new_page()
    page.goto(path)
    terms = page.locator("a.term")
    assert terms.count() > 0
    for i in range(terms.count()):
        term = terms.nth(i)
        term.focus()
        tip = page.locator("#" + term.get_attribute("aria-describedby"))
        expect(tip).to_be_visible()
        expect(tip).to_have_attribute("dir", direction)
        box = tip.evaluate(TIP_BOX)
        assert box["left"] >= 0, (path, i, box)
        assert box["right"] <= box["viewport"], (path, i, box)
        assert not box["overflow"], (path, i, box)
        # Aligned with the term's start (its left edge, or its right edge in
        # right-to-left text), then moved as little as keeps 8 px clear of the edges.
        first_line = term.evaluate("t => { const r = t.getClientRects()[0]; return {left: r.left, right: r.right}; }")
        width = box["right"] - box["left"]
        start = first_line["right"] - width if direction == "rtl" else first_line["left"]
        assert box["left"] == pytest.approx(max(8, min(start, box["viewport"] - 8 - width)), abs=1)
    if direction == "rtl":
        expect(page.locator("[role=tooltip]:visible")).to_have_text(HEBREW_TERM["definition"])
