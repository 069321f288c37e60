"""Walking a troubleshooter in a real browser: answer to a solution, go back by
the trail of answers, take another branch, and reach "Contact support" with the
answers carried along. Served from the repository's own content, so the walk is
one of the sample trees customers get."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import PHONE, built_site, serving_site

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The repository's own content (its sample trees and the articles they
    link), served."""
    with serving_site(built_site(REPO_ROOT, tmp_path_factory.mktemp("browser-repo-site"))) as base:
        yield base


def answer(page, label: str) -> None:
    page.locator(".step .options a", has_text=label).click()


def test_walk_back_by_the_trail_take_another_branch_and_contact_support(page, expect):
    page.goto("/troubleshoot/slow-internet")
    expect(page.locator("#walk-progress-label")).to_have_text("Step 1")
    for label in ("Every device, or most of them", "Solid white", "Over Wi-Fi", "Mainly in rooms away from the Hub"):
        answer(page, label)
    page.wait_for_url(re.compile(r"a=every-device\.white\.wifi\.far-rooms$"))
    expect(page.locator(".step")).to_contain_text("Did this solve it?")
    # Linked articles by their titles, not their slugs.
    expect(page.locator(".step .link-list a").first).to_have_text(re.compile(r"^Get Wi-Fi in every room"))
    trail = page.locator(".walk-trail li")
    expect(trail).to_have_count(4)

    # Two steps back: the chip for the third answer reopens that question.
    trail.nth(2).locator("a").click()
    page.wait_for_url(re.compile(r"/troubleshoot/slow-internet\?a=every-device\.white$"))
    expect(page.locator(".step")).to_contain_text("connected to the Hub with a cable")
    expect(trail).to_have_count(2)
    expect(page.locator("#walk-progress-label")).to_have_text("Step 3")

    # Another branch, to the end of what can be tried at home.
    for label in ("With a network (Ethernet) cable", "Well below my plan speed", "All the time"):
        answer(page, label)
    answer(page, "No, still not working")
    page.wait_for_url(re.compile(r"a=every-device\.white\.cable\.well-below\.all-the-time\.not-solved$"))
    expect(page.locator("#walk-progress-label")).to_have_text("Complete")

    contact = page.locator(".contact-support a", has_text="Contact support")
    expect(contact).to_have_attribute(
        "href", "/tickets/new?tree=slow-internet&a=every-device.white.cable.well-below.all-the-time.not-solved&outcome="
    )
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text("With a network (Ethernet) cable")
    expect(transcript).not_to_contain_text("Over Wi-Fi")
    expect(page.locator(".walk-trail li")).to_have_count(6)


def test_the_walk_works_without_javascript_and_survives_back(new_context, expect):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/troubleshoot/no-internet-he")
    expect(page.locator(".walk")).to_have_attribute("dir", "rtl")
    answer(page, "אין תקלה מדווחת")
    answer(page, "כתום")
    expect(page.locator(".step")).to_contain_text("נורית כתומה")
    page.go_back()
    page.wait_for_url(re.compile(r"a=no-outage$"))
    expect(page.locator(".step")).to_contain_text("מה צבע הנורית")


@pytest.mark.parametrize(
    "url",
    [
        "/troubleshoot/slow-internet?a=every-device.white.wifi.near-hub-too.well-below.evenings.not-solved",
        "/troubleshoot/no-internet-he?a=outage.not-solved.red.not-solved",
    ],
    ids=["ltr", "rtl"],
)
def test_a_long_walk_fits_a_phone(new_context, expect, tmp_path, url):
    phone = new_context(viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True).new_page()
    phone.goto(url)
    expect(phone.locator(".contact-support")).to_be_visible()
    phone.screenshot(path=tmp_path / "walk-360.png", full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
