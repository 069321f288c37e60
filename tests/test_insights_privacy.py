"""No event holds an email or an IP address: a visitor who types theirs into
every box the site has, from an IPv4 and an IPv6 address, leaves none of it
in the events, their daily roll-up or the "what was missing" comments."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from conftest import EVENTS_NOW as NOW
from sqlalchemy import select
from test_insights_events import browser
from test_ticket_form import send
from test_votes import token

from portal import db, visitors
from portal.insights import events, rollup
from portal.models import Event, EventDay, Vote

EMAIL = "dana.levi@example.com"
PHONE = "07700 900123"
CARD = "4111-1111-1111-1111"
PERSIAN = "۰۹۱۲۳۴۵۶۷۸۹"
SECRETS = f"{EMAIL} {PHONE} {CARD} 10.1.2.3 fe80::1 {PERSIAN}"
AN_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.\w+")
AN_IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
AN_IPV6 = re.compile(r"[0-9a-f]{0,4}:[0-9a-f]{0,4}:[0-9a-f:]*", re.I)
A_NUMBER = re.compile(r"\d(?:[ -]?\d){5,}")


def personal(text: str) -> list[str]:
    """What in ``text`` could identify someone."""
    if not text:
        return []
    found = [p.pattern for p in (AN_EMAIL, AN_IPV4, AN_IPV6) if p.search(text)]
    digits = text.translate({ord(c): str(n) for n, c in enumerate("۰۱۲۳۴۵۶۷۸۹")})
    return found + (["number"] if A_NUMBER.search(digits) else [])


@pytest.mark.parametrize("address", ["203.0.113.7", "2001:db8::7"])
def test_a_visit_full_of_personal_details_leaves_none_in_the_events(events_site, address):
    client = browser(events_site, address)
    client.get("/search", query_string={"q": f"hub {SECRETS}"})
    client.get("/he/search", query_string={"q": f"סיסמה {SECRETS}"})
    client.post(
        "/events/open",
        data={"q": f"hub {SECRETS}", "rank": "1", "url": "/articles/harbor-hub-lights"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    client.get("/articles/harbor-hub-lights")
    client.get("/faq/why-is-the-light-on-my-hub-orange")
    url = "/articles/harbor-hub-lights/vote"
    missing = f"Write to me at {EMAIL} or call {PHONE}, my router is 192.168.1.1"
    data = {"csrf_token": token(client), "helpful": "no", "details": "1", "missing": missing, "reason": "steps-failed"}
    client.post(url, data=data)
    client.get("/troubleshoot/hub-light", query_string={"a": "orange", "outcome": "solved"})
    client.get("/tickets/suggest", query_string={"q": f"restart {SECRETS}"})
    client.get("/tickets/suggested/restart-your-harbor-hub")
    assert send(client, subject=f"Hub {PHONE}", email=EMAIL, account_number="HF-2041-7785").status_code == 303

    with db.database(events_site).session() as session:
        rows = list(session.scalars(select(Event)))
        kinds = {e.kind for e in rows}
        assert kinds == set(events.KINDS)  # every kind was exercised
        for e in rows:
            assert re.fullmatch(r"[0-9a-f]{32}", e.visit)  # a keyed hash (its digits are no phone number)
            for column in ("subject", "detail", "lang", "category"):
                assert personal(getattr(e, column)) == [], (e.kind, column, getattr(e, column))
            assert address not in f"{e.visit}{e.subject}{e.detail}"
        [vote] = session.scalars(select(Vote))
        assert personal(vote.missing) == [] and "[email]" in vote.missing and "[ip]" in vote.missing
    cookie = client.get_cookie(visitors.COOKIE)
    assert cookie is not None and all(cookie.value not in e.visit for e in rows)

    rolled = rollup.roll_up(db.database(events_site).engine, [NOW.date()], NOW + dt.timedelta(days=1))
    assert rolled == [NOW.date()]
    with db.database(events_site).session() as session:
        days = list(session.scalars(select(EventDay)))
    assert days and all(personal(f"{d.subject} {d.detail} {d.category}") == [] for d in days)


def test_the_visit_is_a_keyed_hash_that_names_no_one(events_site):
    browser(events_site).get("/articles/harbor-hub-lights")
    browser(events_site, agent="Another browser").get("/articles/harbor-hub-lights")  # the same address
    with db.database(events_site).session() as session:
        first, second = session.scalars(select(Event.visit).order_by(Event.id))
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second
