"""The insights events a real browser sends: a search result clicked is
recorded by site.js's beacon, with its query and rank, in the same visit as
the search and the article read."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from conftest import write_site
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal.models import Event

from .conftest import built_site, serving_site

SETTINGS: dict[str, str] = {}
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture help centre, served, with its database known to the tests."""
    root = tmp_path_factory.mktemp("insights-events-site")
    SETTINGS.update(built_site(write_site(root / "content"), root))
    with serving_site(SETTINGS) as base:
        yield base


def recorded(kind: str, wait: float = 5.0) -> list[Event]:
    """The events of ``kind``, waiting for the first (a beacon is sent after the click)."""
    engine = create_engine(SETTINGS["DATABASE_URL"])
    try:
        deadline = time.monotonic() + wait
        while True:
            with Session(engine) as session:
                found = list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.1)
    finally:
        engine.dispose()


def test_a_clicked_result_is_recorded_with_its_rank_in_the_visit_of_its_search(new_context, expect):
    # Headless Chromium says so in its User-Agent, and crawlers are not recorded.
    page = new_context(user_agent=BROWSER).new_page()
    page.goto("/search?q=Restart+the+HUB")
    results = page.locator(".results .result-title")
    expect(results.first).to_be_visible()
    titles = results.all_inner_texts()
    rank = titles.index("Restart your Harbor Hub") + 1
    results.nth(rank - 1).click()
    page.wait_for_url("**/articles/restart-your-harbor-hub?hl=*")
    [opened] = recorded("open")
    assert (opened.subject, opened.detail, opened.value) == ("hub restart", "/articles/restart-your-harbor-hub", rank)
    [searched] = recorded("search")
    [viewed] = recorded("view")
    assert searched.detail == "Restart the HUB" and searched.value == len(titles)
    assert opened.visit == searched.visit == viewed.visit
