"""The event model (portal/insights/events.py): redaction of what customers
type, query keys, visits, and the events each page records, through the test
client on the shared test help centre."""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

import pytest
from conftest import EVENTS_NOW
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from test_ticket_form import send
from test_votes import token

from portal import db, visitors
from portal.insights import events
from portal.insights.events import KINDS, normalise_query, query_key, redact
from portal.models import EVENT_KINDS, Event, Vote
from portal.tickets import service, sla

NOW = EVENTS_NOW
README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("my email is dana.levi+help@example.co.uk", "my email is [email]"),
        ("DANA@EXAMPLE.COM cannot sign in", "[email] cannot sign in"),
        ("hub at 192.168.1.1 keeps dropping", "hub at [ip] keeps dropping"),
        ("ipv6 2001:db8::1 and fe80::1ff:fe23:4567:890a%eth0", "ipv6 [ip] and [ip]"),
        ("call me on 07700 900123", "call me on [number]"),
        ("+44 20-7946-0958 after 6pm", "+[number] after 6pm"),
        ("card 4111 1111 1111 1111 declined", "card [number] declined"),
        ("account HF2041778512", "account HF[number]"),
        ("שלום, מספר הלקוח שלי 123-456-789", "שלום, מספר הלקוח שלי [number]"),
        ("شماره حساب من ۱۲۳۴۵۶۷۸ است", "شماره حساب من [number] است"),
        ("موبایل ۰۹۱۲-۳۴۵-۶۷۸۹ ایمیل علی@مثال.ایران", "موبایل [number] ایمیل [email]"),
        ("Arabic-Indic ٠١٢٣٤٥٦٧", "Arabic-Indic [number]"),
        ("card 4111-1111-1111-1111 10.1.2.3 fe80::1 ۰۹۱۲۳۴۵۶۷۸۹", "card [number] [ip] [ip] [number]"),  # side by side
        # Left alone: what looks like numbers but identifies no one.
        ("error 651 on Windows 10", "error 651 on Windows 10"),
        ("firmware 2.4.10 and port 12345", "firmware 2.4.10 and port 12345"),
        ("outage at 10:30:00", "outage at 10:30:00"),
        ("std::vector reset", "std::vector reset"),
        ("version 999.1.1.1", "version 999.1.1.1"),
    ],
)
def test_redact_replaces_what_could_identify_someone(typed, stored):
    assert redact(typed) == stored


@pytest.mark.parametrize(
    ("typed", "tidy", "key"),
    [
        ("  How do I reset my\tRouter? ", "How do I reset my Router?", "reset router"),
        ("router RESET!!", "router RESET!!", "reset router"),
        ("reset\u200f router\u202e", "reset router", "reset router"),  # invisible and bidi controls
        ("how to", "how to", "how to"),  # only stop words: kept
        ("סִיסְמָה חדשה", "סִיסְמָה חדשה", "חדשה סיסמה"),  # Hebrew points dropped from the key
        ("كلمه عبور ۱۲", "كلمه عبور ۱۲", "12 عبور کلمه"),  # Arabic kaf, Persian digits
        ("café Crème", "café Crème", "cafe creme"),
        ("reset dana@example.com", "reset [email]", "[email] reset"),
        ("x" * 500, "x" * 200, "x" * 200),
        ("", "", ""),
    ],
)
def test_queries_are_tidied_for_storing_and_keyed_for_grouping(typed, tidy, key):
    assert normalise_query(typed) == tidy
    assert query_key(typed) == key


def test_every_event_kind_is_documented_in_the_readme():
    assert tuple(KINDS) == EVENT_KINDS
    section = README[README.index("## Insights") :]
    missing = [kind for kind in KINDS if f"| `{kind}` |" not in section]
    assert missing == []


# Recording through the site ------------------------------------------------------------


def browser(app, address: str = "203.0.113.7", agent: str = BROWSER):
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
    return client


def recorded(app, kind: str | None = None) -> list[tuple]:
    with db.database(app).session() as session:
        stmt = select(Event).order_by(Event.id)
        if kind:
            stmt = stmt.where(Event.kind == kind)
        return [
            (e.kind, e.subject, e.detail, e.value, e.lang, e.category, e.visit, e.at) for e in session.scalars(stmt)
        ]


def test_reading_an_article_records_a_view_but_not_for_crawlers_or_head(events_site):
    client = browser(events_site)
    assert client.get("/articles/restart-your-harbor-hub").status_code == 200
    client.head("/articles/restart-your-harbor-hub")
    browser(events_site, agent="Googlebot/2.1").get("/articles/restart-your-harbor-hub")
    [view] = recorded(events_site)
    assert view[:6] == ("view", "article:restart-your-harbor-hub", "", None, "en", "hub")
    assert re.fullmatch(r"[0-9a-f]{32}", view[6]) and view[7] == NOW


def test_faq_answers_record_views_from_the_beacon_and_the_permalink(events_site):
    client = browser(events_site)
    assert client.post("/faq/why-is-the-light-on-my-hub-orange/view").status_code == 204
    client.get("/faq/how-do-i-reset-my-password")
    assert [e[:6] for e in recorded(events_site)] == [
        ("view", "faq:why-is-the-light-on-my-hub-orange", "", None, "en", "hub"),
        ("view", "faq:how-do-i-reset-my-password", "", None, "en", "account"),
    ]


def test_a_vote_records_its_answer_and_reasons_and_its_comment_is_stored_redacted(events_site):
    client = browser(events_site)
    url = "/articles/harbor-hub-lights/vote"
    client.post(url, data={"csrf_token": token(client), "helpful": "no"})
    comment = "Didn't help, call 07700 900123 or dana@example.com"
    data = {"csrf_token": token(client), "helpful": "no", "details": "1", "missing": comment}
    client.post(url, data={**data, "reason": ["steps-failed", "out-of-date"]})
    assert [e[:6] for e in recorded(events_site, "vote")] == [
        ("vote", "article:harbor-hub-lights", "", 0, "en", "hub"),
        ("vote", "article:harbor-hub-lights", "steps-failed,out-of-date", 0, "en", "hub"),
    ]
    with db.database(events_site).session() as session:
        [vote] = session.scalars(select(Vote))
    assert vote.missing == "Didn't help, call [number] or [email]"


def test_a_search_records_its_key_text_results_filter_and_language_once(events_site):
    client = browser(events_site)
    client.get("/search", query_string={"q": "Restart my HUB, dana@example.com", "category": "hub"})
    client.get("/search", query_string={"q": "Restart my HUB, dana@example.com", "category": "hub", "page": 2})
    client.get("/search", query_string={"q": "zzzz nothing"})
    client.get("/search", query_string={"q": "   "})
    client.get("/he/search", query_string={"q": "סיסמה"})
    found = [e[:6] for e in recorded(events_site, "search")]
    assert found[0][:3] == ("search", "[email] hub restart", "Restart my HUB, [email]")
    assert found[0][3] > 0 and found[0][4:] == ("en", "hub")
    assert found[1] == ("search", "nothing zzzz", "zzzz nothing", 0, "en", "")
    assert found[2][0:2] == ("search", "סיסמה") and found[2][4] == "he"
    assert len(found) == 3  # not page 2, not an empty query


def test_search_results_carry_their_rank_for_the_beacon(events_site):
    page = browser(events_site).get("/search", query_string={"q": "hub"}).get_data(as_text=True)
    assert 'data-open="/events/open"' in page and 'data-q="hub"' in page
    ranks = re.findall(r'class="result-title" data-rank="(\d+)"', page)
    assert ranks == [str(n) for n in range(1, len(ranks) + 1)] and ranks


def test_the_open_beacon_records_the_result_and_its_rank(events_site):
    client = browser(events_site)
    opened = {"q": "Reset password", "rank": "2", "url": "/articles/reset-your-password?hl=x", "category": "account"}
    assert client.post("/events/open", data=opened, headers=SAME_ORIGIN).status_code == 204
    origin = {"Origin": "http://localhost"}
    assert client.post("/events/open", data={**opened, "category": "nope"}, headers=origin).status_code == 204
    assert [e[:6] for e in recorded(events_site, "open")] == [
        ("open", "password reset", "/articles/reset-your-password", 2, "en", "account"),
        ("open", "password reset", "/articles/reset-your-password", 2, "en", ""),
    ]


@pytest.mark.parametrize(
    ("changes", "headers", "status"),
    [
        ({}, {"Sec-Fetch-Site": "cross-site"}, 403),
        ({}, {"Origin": "https://evil.example"}, 403),
        ({}, {}, 403),  # the browser says nothing: not taken
        ({"rank": "0"}, SAME_ORIGIN, 400),
        ({"rank": "1001"}, SAME_ORIGIN, 400),
        ({"rank": "two"}, SAME_ORIGIN, 400),
        ({"url": "//evil.example/x"}, SAME_ORIGIN, 400),
        ({"url": "https://evil.example/x"}, SAME_ORIGIN, 400),
        ({"url": "/" + "a" * 1000}, SAME_ORIGIN, 400),
        ({"q": "\x00\u202e"}, SAME_ORIGIN, 400),
    ],
)
def test_the_open_beacon_takes_only_bounded_same_origin_posts(events_site, changes, headers, status):
    data = {"q": "hub", "rank": "1", "url": "/articles/harbor-hub-lights", **changes}
    response = browser(events_site).post("/events/open", data=data, headers=headers)
    assert response.status_code == status and "Traceback" not in response.get_data(as_text=True)
    assert recorded(events_site) == []


def test_suggestions_shown_and_opened_on_the_ticket_form(events_site):
    client = browser(events_site)
    client.get("/tickets/suggest", query_string={"q": "restart hub"})
    client.get("/tickets/suggested/restart-your-harbor-hub")
    assert [e[:6] for e in recorded(events_site) if e[0].startswith("suggest")] == [
        ("suggest", "hub restart", "restart hub", recorded(events_site, "suggest")[0][3], "en", ""),
        ("suggest_open", "article:restart-your-harbor-hub", "", None, "en", "hub"),
    ]
    assert recorded(events_site, "suggest")[0][3] >= 1


def test_a_walk_records_its_start_once_and_each_new_outcome(events_site):
    client = browser(events_site)
    for query in ({}, {"a": "orange"}, {}, {"a": "orange", "outcome": "solved"}, {"a": "orange", "outcome": "solved"}):
        assert client.get("/troubleshoot/hub-light", query_string=query).status_code == 200
    client.get("/troubleshoot/hub-light", query_string={"a": "red"})  # changed their mind: escalated
    assert [e[:6] for e in recorded(events_site)] == [
        ("tree_start", "tree:hub-light", "", None, "en", "hub"),
        ("tree_outcome", "tree:hub-light", "solved", None, "en", "hub"),
        ("tree_outcome", "tree:hub-light", "escalated", None, "en", "hub"),
    ]


def test_a_ticket_from_the_form_shares_the_visit_of_what_was_tried_first(events_site):
    client = browser(events_site)
    client.get("/search", query_string={"q": "orange light"})  # no cookie yet: the day's identity
    client.get("/articles/harbor-hub-lights")  # the cookie is issued here
    assert send(client).status_code == 303
    kinds = recorded(events_site)
    assert [e[0] for e in kinds] == ["search", "view", "ticket"]
    assert kinds[2][:6] == ("ticket", "hub", "web", None, "en", "hub")
    assert len({e[6] for e in kinds}) == 1  # one visit
    other = browser(events_site, address="198.51.100.9")
    other.get("/articles/harbor-hub-lights")
    assert recorded(events_site)[-1][6] != kinds[0][6]


def test_the_visit_changes_at_midnight(events_site, monkeypatch):
    client = browser(events_site)
    client.get("/articles/harbor-hub-lights")
    tomorrow = NOW + dt.timedelta(days=1)
    monkeypatch.setattr(events, "utcnow", lambda: tomorrow)
    monkeypatch.setattr(visitors, "today", lambda: tomorrow.date())
    client.get("/articles/harbor-hub-lights")
    client.get("/articles/restart-your-harbor-hub")
    first, second, third = (e[6] for e in recorded(events_site))
    assert first != second == third


def test_staff_and_api_tickets_have_no_visit(events_site):
    with events_site.test_request_context(), db.database(events_site).session() as session:
        draft = service.Draft(
            name="Kim", email="kim@example.com", category="hub", subject="Phone call", description="Called.",
            channel="phone",
        )  # fmt: skip
        service.open_ticket(session, draft, sla.DEFAULT, NOW)
        session.commit()
    assert [e[:7] for e in recorded(events_site)] == [("ticket", "hub", "phone", None, "en", "hub", "")]


def test_a_database_failure_never_breaks_the_page(events_site, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(db.Database, "session", broken)
    with caplog.at_level(logging.WARNING):
        response = browser(events_site).get("/search", query_string={"q": "hub"})
    assert response.status_code == 200
    assert "could not record a search event" in caplog.text


def test_add_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="unknown event kind 'click'"):
        events.make("click", visit="", at=NOW)
