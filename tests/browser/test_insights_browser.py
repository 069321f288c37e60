"""The insights dashboard in a real browser: a support lead signs in, reads the
overview, narrows the date range with the form, opens a query's examples
(``<details>``, no script needed) and downloads the content-gaps CSV.

The server's database holds the generated month of tests/insights_month.py,
ending yesterday, and what each figure must be comes from the month's own
bookkeeping. Pages are photographed into the test's tmp_path at desktop width
and at 360 px, where nothing may be wider than the screen.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import write_site
from insights_month import EMPTY, UNOPENED, Month, seed_month

from portal import create_app, db
from portal.insights import events
from portal.staff import accounts

from .conftest import PHONE, built_site, serving_site

DESKTOP = {"width": 1280, "height": 800}
AGENT = {"email": "lee@harborfibre.example", "name": "Lee Support", "password": "lighthouse keeper 7"}
TODAY = events.utcnow().date()
DAYS = 29  # ending yesterday, so the default period (30 days ending today) holds all of it
START = TODAY - dt.timedelta(days=DAYS)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Month]]:
    """The fixture help centre, its database seeded with the month and an
    agent created, served: (base URL, what the month must show)."""
    root = tmp_path_factory.mktemp("browser-insights")
    settings = built_site(write_site(root / "content"), root)
    app = create_app(settings)
    try:
        with app.app_context(), db.database(app).session() as session:
            expected = seed_month(session, START, days=DAYS)
            accounts.create(session, AGENT["email"], AGENT["name"], AGENT["password"], events.utcnow())
            session.commit()
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
    with serving_site(settings) as base:
        yield base, expected


@pytest.fixture(scope="module")
def server(month: tuple[str, Month]) -> str:
    return month[0]


def expected_gaps(month: Month, since: dt.date) -> dict[str, tuple[str, str, str]]:
    """key -> (searches, no_results, unopened) from ``since`` on, as the CSV writes
    them: every search of an EMPTY query found nothing, every one of UNOPENED
    found something nobody opened (the other queries are opened: no gap)."""
    empty, unopened = {key for _, key, _ in EMPTY}, UNOPENED[1]
    found: dict[str, tuple[str, str, str]] = {}
    for key in sorted(empty | {unopened}):
        n = sum(count for (day, k), count in month.search_days.items() if k == key and day >= since)
        if n:
            found[key] = (str(n), str(n) if key in empty else "0", str(n) if key == unopened else "0")
    return found


def photograph(page: Any, folder: Path, name: str) -> None:
    """Screenshots at desktop width and at 360 px; nothing wider than the phone."""
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.screenshot(path=folder / f"{name}-360.png", full_page=True)
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert widths["scroll"] <= widths["inner"], (name, widths)
    finally:
        page.set_viewport_size(DESKTOP)


def test_a_support_lead_narrows_the_period_and_downloads_the_content_gaps(new_context, expect, month, tmp_path):
    _, seeded = month
    lead = new_context(viewport=DESKTOP, accept_downloads=True).new_page()

    # Signing in leads back to the dashboard that was asked for.
    lead.goto("/staff/insights")
    lead.get_by_label("Email").fill(AGENT["email"])
    lead.get_by_label("Password").fill(AGENT["password"])
    lead.get_by_role("button", name="Sign in").click()
    expect(lead.locator("main h1")).to_have_text("Insights")
    no_results = sum(seeded.no_results.values())
    expect(lead.locator("#headline-gaps")).to_have_text(f"{no_results} searches found nothing")
    rate = (seeded.self_service["*"] - seeded.self_service_ticket["*"]) / seeded.self_service["*"]
    expect(lead.locator("#headline-deflection")).to_have_text(f"Deflection {rate * 100:.1f}%")
    photograph(lead, tmp_path, "1-overview")

    # What should we write next? The whole month, then only its last three days.
    lead.get_by_role("link", name="What should we write next?").click()
    expect(lead.locator("main h1")).to_have_text("Content gaps")
    refund = lead.locator("#gaps-empty tbody tr", has_text="outage refund")
    expect(refund.locator("td").first).to_have_text(str(seeded.no_results["outage refund"]))
    since = TODAY - dt.timedelta(days=3)
    lead.get_by_label("From").fill(since.isoformat())
    lead.get_by_role("button", name="Show").click()
    expect(lead.locator(".insights-period")).to_contain_text(f"{since} to {TODAY} (4 days)")
    assert f"since={since}" in lead.url
    narrowed = expected_gaps(seeded, since)
    rows = lead.locator("#gaps-empty tbody tr")
    expect(rows).to_have_count(sum(1 for n in narrowed.values() if n[1] != "0"))

    # One click shows how customers typed a query (a <details>: no script needed).
    first = rows.first
    expect(first.locator("details li").first).to_be_hidden()  # closed
    first.locator("summary").click()
    expect(first.locator("details li").first).to_be_visible()
    expect(lead.locator(".insights-chart svg[role=img]").first).to_be_visible()
    photograph(lead, tmp_path, "2-content-gaps")

    # The CSV is the narrowed period, named after it.
    with lead.expect_download() as info:
        lead.get_by_role("link", name="Download CSV").click()
    download = info.value
    assert download.suggested_filename == f"content-gaps-{since}-to-{TODAY}.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8"))))
    assert {r["key"]: (r["searches"], r["no_results"], r["unopened"]) for r in rows} == narrowed
    assert "شماره حساب [number]" in {r["example"] for r in rows} or "number حساب شماره" not in narrowed

    # The period follows the lead to the other pages.
    lead.locator(".insights-nav").get_by_role("link", name="Service levels").click()
    expect(lead.locator(".insights-period")).to_contain_text(f"{since} to {TODAY} (4 days)")
    expect(lead.locator("#per-day-heading + figure svg[role=img]")).to_be_visible()
    # The month's last five days' tickets are still open: nobody rated one since.
    expect(lead.locator("#csat-heading ~ .insights-empty")).to_have_text("No customer rated a ticket in this period.")
    photograph(lead, tmp_path, "3-service")
    lead.locator(".insights-nav").get_by_role("link", name="Troubleshooting").click()
    expect(lead.locator(".insights-chart svg").first).to_be_visible()
    photograph(lead, tmp_path, "4-funnels")
