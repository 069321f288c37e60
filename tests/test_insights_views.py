"""The insights dashboard at /staff/insights: only for signed-in agents, every
page on an empty database and on recorded activity, the filter (and what a
bad one does), the CSV downloads, and figures that are those of
portal.insights.reports.gather(), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from babel.dates import format_date
from flask import Flask
from insights_month import ALL, Month, seed_month
from test_security import blocked_by_csp
from test_staff import add_staff, signed_in

from portal import create_app, db, tree_analytics
from portal.activity import Ballot, record_view, record_vote
from portal.insights import events, reports
from portal.models import Staff, Ticket
from portal.published import current
from portal.staff import accounts
from portal.tickets import service
from portal.tickets.sla import DEFAULT
from portal.tree_walk import follow
from portal.views.insights import article_order, csv_filename, gap_rows, read_filters

PAGES = ["", "/gaps", "/articles", "/funnels", "/deflection", "/service"]
CSVS = ["/gaps.csv", "/articles.csv"]
HOSTILE_QUERY = '=HYPERLINK("x") <script>alert(1)</script>'
TODAY = events.utcnow().date()


def at(days_ago: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(TODAY - dt.timedelta(days=days_ago), dt.time(hour, minute))


def settings(root: Path, index: Path, database_url: str = "") -> dict:
    return {
        "TESTING": True,
        "CONTENT_DIR": index.parent / "content",
        "INDEX_DIR": index,
        "INSTANCE_DIR": root / "instance",
        "DATABASE_URL": database_url or f"sqlite:///{root / 'portal.sqlite3'}",
        "SECRET_KEY": "test",
    }


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """scrypt at a low cost: every test signs in."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")


# Recorded activity ----------------------------------------------------------------------


def seed(app) -> None:
    """A few days of a small help centre, through the code that records them:
    searches (three variants of one query that found nothing, one that found
    things nobody opened, one whose result was opened, one hostile), article
    views and votes, two troubleshooting walks, three tickets (one answered,
    solved and rated, one untouched, one answered late by phone)."""
    with app.test_request_context():
        session = db.session()
        catalog = current().catalog
        tree = next(t for t in catalog.collection("trees") if t["id"] == "hub-light")
        staff = Staff(email="kim@example.com", name="Kim", password_hash="-", created=at(9), password_changed=at(9))
        session.add(staff)

        def event(kind: str, visit: str, when: dt.datetime, subject: str = "", **fields: object) -> None:
            session.add(events.make(kind, visit=visit, at=when, subject=subject, **fields))

        def search(visit: str, when: dt.datetime, typed: str, results: int) -> None:
            event("search", visit, when, events.query_key(typed), detail=events.normalise_query(typed), value=results)

        def view(visit: str, when: dt.datetime, slug: str, category: str, digest: int) -> None:
            event("view", visit, when, events.item(events.ARTICLE, slug), lang="en", category=category)
            record_view(session, "article", slug, when.date(), digest)

        def walk(visit: str, when: dt.datetime, answers: list[str], key: str) -> None:
            event("tree_start", visit, when, events.item(events.TREE, "hub-light"), category="hub")
            tree_analytics.record_walk(session, tree, follow(tree, answers), key, when)

        def ticket(visit: str, when: dt.datetime, category: str, channel: str = "web") -> Ticket:
            draft = service.Draft(
                name="Dana Levi",
                email="dana@example.com",
                category=category,
                subject="Hub light is orange",
                description="Since this morning.",
                channel=channel,
                visit=visit,
            )
            return service.open_ticket(session, draft, DEFAULT, when).ticket

        # Day -3: a visit that searched twice in vain, read an article, then asked for help.
        search("v1", at(3, 9), "Reset router", 0)
        search("v1", at(3, 9, 1), "reset my router", 0)
        view("v1", at(3, 9, 2), "restart-your-harbor-hub", "hub", 1)
        first = ticket("v1", at(3, 11), "hub")
        # A visit that found results but opened none, read an article and needed nobody.
        search("v2", at(3, 12), "wifi password", 4)
        view("v2", at(3, 12, 1), "reset-your-password", "account", 2)
        # Day -2: a search in vain, a search whose result was opened, a solved walk.
        search("v3", at(2, 9), "router reset", 0)
        search("v3", at(2, 9, 1), "hub lights", 2)
        event("open", "v3", at(2, 9, 2), events.query_key("hub lights"), detail="/articles/harbor-hub-lights", value=1)
        walk("v3", at(2, 9, 3), ["orange", "solved"], "walk-v3")
        search("v4", at(2, 10), "wifi password", 3)
        phone = ticket("", at(2, 9), "account", channel="phone")
        # Day -1: an escalated walk and a ticket after it; a hostile search.
        view("v5", at(1, 8), "harbor-hub-lights", "hub", 3)
        walk("v5", at(1, 8, 1), ["orange", "not-solved"], "walk-v5")
        ticket("v5", at(1, 12), "hub")
        search("v6", at(1, 13), HOSTILE_QUERY, 0)

        no = Ballot(False, True, "It never mentions the orange light. Mail me at dana@example.com", ("steps-failed",))
        record_vote(session, "article", "restart-your-harbor-hub", "en", "voter-1", no, at(3, 9, 5))
        for voter in ("voter-2", "voter-3"):
            record_vote(session, "article", "reset-your-password", "en", voter, Ballot(True), at(3, 12, 5))

        service.staff_reply(session, first, staff, "Restart it, please.", at(3, 13))
        service.update(session, first, staff, at(3, 16), DEFAULT, status="solved")
        service.rate(session, first, 4, "Quick", at(2, 8), nps=9)
        service.staff_reply(session, phone, staff, "Called back.", at(2, 20))  # 11 hours: past the 8-hour target
        session.commit()


MONTH_START = TODAY - dt.timedelta(days=29)  # 29 days ending yesterday: inside the default period


@pytest.fixture(scope="module")
def databases(tmp_path_factory, shared_build) -> dict[str, Path]:
    """Three migrated SQLite databases: empty, with :func:`seed`'s few days,
    and with the generated month of tests/insights_month.py; each test gets a copy."""
    root = tmp_path_factory.mktemp("insights")
    found = {}
    for name in ("empty", "seeded", "month"):
        template = create_app(settings(root / name, shared_build))
        if name == "seeded":
            seed(template)
        elif name == "month":
            with template.app_context(), db.database(template).session() as session:
                seed_month(session, MONTH_START, days=29)
        template.extensions["portal.published"].close()
        template.extensions["portal.db"].dispose()
        found[name] = root / name / "portal.sqlite3"
    return found


@contextmanager
def serving(databases, shared_build, tmp_path, which: str, **extra) -> Iterator[Flask]:
    """The site on the shared build with a copy of one of ``databases``, and an
    agent; its build and database are closed afterwards."""
    shutil.copyfile(databases[which], tmp_path / "portal.sqlite3")
    app = create_app({**settings(tmp_path, shared_build), **extra})
    add_staff(app)
    try:
        yield app
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


@pytest.fixture
def empty_app(databases, shared_build, tmp_path):
    with serving(databases, shared_build, tmp_path, "empty") as app:
        yield app


@pytest.fixture
def app(databases, shared_build, tmp_path):
    with serving(databases, shared_build, tmp_path, "seeded") as app:
        yield app


@pytest.fixture
def month_app(databases, shared_build, tmp_path):
    with serving(databases, shared_build, tmp_path, "month") as app:
        yield app


@pytest.fixture(scope="module")
def month() -> Month:
    """What the generated month must show, from a throwaway database of its own."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from portal.models import Base

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        expected = seed_month(session, MONTH_START, days=29)
    engine.dispose()
    return expected


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def text_of(markup: str) -> str:
    """What a person reads: tags dropped, entities decoded, spaces collapsed."""
    inline = re.sub(r"</?(?:a|bdi|span|strong|em|code)\b[^>]*>", "", markup)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def gathered(app, period: reports.Period | None = None) -> reports.Insights:
    with app.test_request_context():
        period = period or reports.parse_period(None, None, None, TODAY, ["account", "hub"])
        return reports.gather(db.reader(), period, current(), events.utcnow())


# Who may see it -------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES + CSVS)
def test_anonymous_visitors_are_sent_to_sign_in_and_back(empty_app, path):
    url = f"/staff/insights{path}?since={TODAY - dt.timedelta(days=6)}"
    response = empty_app.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=%2Fstaff%2Finsights")
    assert "since" in response.headers["Location"]  # the filter survives signing in


def test_pages_are_private_to_the_desk(empty_app):
    client = signed_in(empty_app)
    for path in PAGES + CSVS:
        response = client.get(f"/staff/insights{path}")
        assert response.headers["Cache-Control"] == "no-store"
        assert "noindex" in response.headers["X-Robots-Tag"]


def test_a_disabled_agent_sees_nothing(empty_app):
    client = signed_in(empty_app)
    with empty_app.app_context(), db.database(empty_app).session() as session:
        accounts.disable(session, accounts.find(session, "sam@example.com"))
        session.commit()
    assert client.get("/staff/insights").status_code == 302


# An empty database ------------------------------------------------------------------------


def test_every_page_says_nothing_is_recorded_yet_rather_than_showing_empty_tables(empty_app):
    client = signed_in(empty_app)
    said = {path: text_of(page(client, f"/staff/insights{path}")) for path in PAGES}
    assert "No searches recorded yet" in said[""] and "No visits recorded yet" in said[""]
    assert "No troubleshooting walks yet" in said[""] and "No tickets in this period" in said[""]
    assert "No searches recorded in this period yet" in said["/gaps"]
    assert "Nothing recorded in this period yet" in said["/articles"]
    assert said["/funnels"].count("No walks in this period.") == 1  # the one tree of the fixture
    assert "No visits recorded in this period yet" in said["/deflection"]
    assert "No tickets in this period, and none waiting" in said["/service"]
    for path in ("/gaps", "/deflection", "/service"):
        assert "<tbody>" not in page(client, f"/staff/insights{path}"), path


def test_the_csv_of_an_empty_period_is_its_header(empty_app):
    client = signed_in(empty_app)
    rows = list(csv.reader(io.StringIO(page(client, "/staff/insights/gaps.csv"))))
    assert rows == [["key", "example", "searches", "no_results", "unopened", "previous", "trend", "examples"]]


# What a support lead reads -----------------------------------------------------------------


def test_the_overview_answers_the_four_questions_with_the_reports_figures(app):
    client = signed_in(app)
    said = text_of(page(client, "/staff/insights"))
    found = gathered(app)
    empty = sum(g.no_results for g in found.gaps_empty)
    assert empty == 4  # three ways of typing "reset router", and the hostile one
    assert f"{empty} searches found nothing" in said
    assert "2 different queries without a result; most often: “Reset router”" in said
    assert f"Deflection {found.deflection.rate * 100:.1f}%" in said
    assert f"Troubleshooters solved {100 * 1 / 2:.1f}%" in said and "1 of 2 walks solved, 1 handed to a person" in said
    assert f"Median first response {found.service.first_response.median_hours:.1f} h" in said
    assert "1 article mostly unhelpful" in said and "Least helpful: Restart your Harbor Hub" in said
    assert "Satisfaction 4.0 of 5 from 1 answer" in said
    assert blocked_by_csp(page(client, "/staff/insights")) == []


def test_content_gaps_group_variants_and_show_how_customers_typed_them(app):
    client = signed_in(app)
    markup = page(client, "/staff/insights/gaps")
    found = gathered(app)
    [reset, hostile] = found.gaps_empty
    assert (reset.key, reset.no_results, dict(reset.examples)) == (
        "reset router",
        3,
        {"Reset router": 1, "reset my router": 1, "router reset": 1},
    )
    row = re.search(r'<table class="staff-table insights-gaps" id="gaps-empty">.*?</table>', markup, re.S).group(0)
    assert "<details" in row and "<code><bdi>reset router</bdi></code>" in row
    assert [text_of(t) for t in re.findall(r"<li><bdi>(.*?)</bdi>", row)][:3] == [
        "Reset router",
        "reset my router",
        "router reset",
    ]
    unopened = re.search(r'id="gaps-unopened">.*?</table>', markup, re.S).group(0)
    assert "wifi password" in unopened and "hub lights" not in unopened
    assert "<script>alert(1)" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in markup and hostile.no_results == 1
    assert blocked_by_csp(markup) == []


def test_the_gaps_csv_is_a_dated_attachment_with_every_query_once(app):
    client = signed_in(app)
    since, until = TODAY - dt.timedelta(days=6), TODAY
    response = client.get(f"/staff/insights/gaps.csv?since={since}&until={until}&category=")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="content-gaps-{since}-to-{until}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    by_key = {r["key"]: r for r in rows}
    assert list(by_key) == ["reset router", events.query_key(HOSTILE_QUERY), "password wifi"]
    assert (by_key["reset router"]["no_results"], by_key["password wifi"]["unopened"]) == ("3", "2")
    assert by_key["reset router"]["examples"] == "Reset router (1) | reset my router (1) | router reset (1)"
    hostile = by_key[events.query_key(HOSTILE_QUERY)]["example"]
    assert hostile.startswith("'=HYPERLINK")  # a spreadsheet reads it as text, not a formula


def test_article_health_puts_the_failing_article_first_with_its_comment(app):
    client = signed_in(app)
    markup = page(client, "/staff/insights/articles")
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\"><a href=\"/articles/([^\"]+)\"", markup)
    assert rows == [a.slug for a in gathered(app).articles]
    assert rows[0] == "restart-your-harbor-hub" and rows[-1] == "reset-your-password-he"
    said = text_of(markup)
    assert "It never mentions the orange light. Mail me at [email]" in said  # redacted when voted
    assert "The steps didn't work" in said
    views = text_of(page(client, "/staff/insights/articles?sort=views"))
    assert views.index("What the lights on your Harbor Hub mean") < views.index("איפוס הסיסמה")
    assert 'href="/staff/insights/articles?sort=views"' in markup


def test_funnels_draw_each_tree_with_its_drop_off_table_and_diagram(app):
    client = signed_in(app)
    markup = page(client, "/staff/insights/funnels")
    [report] = gathered(app).funnels
    assert (report.started, report.solved, report.escalated) == (2, 1, 1)
    assert 'href="/troubleshoot/hub-light/diagram"' in markup
    assert 'aria-labelledby="funnel-hub-light-title funnel-hub-light-desc"' in markup
    assert "Nodes: where customers went and where they stopped" in markup
    assert "Restart the Hub and wait three minutes." in text_of(markup)


def test_deflection_and_tickets_after_an_item(app):
    client = signed_in(app)
    said = text_of(page(client, "/staff/insights/deflection"))
    found = gathered(app).deflection
    assert found.self_service == 6 and found.self_service_then_ticket == 2
    assert f"Deflection {found.rate * 100:.1f}%" in said
    top = found.by_item[0]
    assert top.tickets_after >= 1 and f"{top.title} {top.subject}" in said


def test_service_levels_against_the_sla_with_csat(app):
    client = signed_in(app)
    markup = page(client, "/staff/insights/service")
    said = text_of(markup)
    found = gathered(app).service
    assert (found.first_response.count, found.first_response.breached) == (2, 1)
    assert "3 opened, 1 solved in the period." in said
    assert "2 tickets waiting" in said
    assert "first response / resolution: Urgent 1 hour / 8 hours; High 4 hours / 1 day;" in said
    assert "4.0 of 5 from 1 answer" in said
    assert "Net Promoter Score" in said and "NPS +100.0 from 1 answer" in said  # an answer was stored
    assert 'aria-labelledby="csat-title csat-desc"' in markup


def test_nps_is_left_out_until_the_survey_asks_it(empty_app, databases, shared_build, tmp_path):
    assert "Net Promoter Score" not in page(signed_in(empty_app), "/staff/insights/service")
    (tmp_path / "nps").mkdir()
    with serving(databases, shared_build, tmp_path / "nps", "empty", SURVEY_NPS=True) as asking:
        asking_page = page(signed_in(asking), "/staff/insights/service")
    # With no tickets at all the page says so; the survey's section waits for tickets.
    assert "No tickets in this period, and none waiting" in text_of(asking_page)


# A generated month (tests/insights_month.py) ---------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_of_a_busy_month_renders_with_charts_and_tables(month_app, path):
    markup = page(signed_in(month_app), f"/staff/insights{path}")
    assert blocked_by_csp(markup) == []
    assert "insights-empty" not in markup or path == "/funnels", path
    if path:
        assert "<tbody>" in markup
    if path not in ("", "/articles"):
        assert 'role="img"' in markup


def test_the_month_on_the_overview_is_what_its_visits_add_up_to(month_app, month):
    said = text_of(page(signed_in(month_app), "/staff/insights"))
    found = gathered(month_app)
    no_results = sum(month.no_results.values())
    assert sum(g.no_results for g in found.gaps_empty) == no_results == 29
    assert f"{no_results} searches found nothing" in said
    top = max(month.no_results.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))[0]
    assert f"most often: “{found.gaps_empty[0].example}”" in said and found.gaps_empty[0].key == top
    rate = (month.self_service[ALL] - month.self_service_ticket[ALL]) / month.self_service[ALL]
    assert found.deflection.rate == pytest.approx(rate)
    assert f"Deflection {rate * 100:.1f}%" in said
    solved, started = month.walks["solved"], month.walks["started"]
    assert f"Troubleshooters solved {100 * solved / started:.1f}%" in said
    assert f"{solved} of {started} walks solved, {month.walks['escalated']} handed to a person" in said
    assert f"Median first response {month.median(month.first_response_hours):.1f} h" in said
    met = month.first_response_met / len(month.first_response_hours)
    assert f"Within target: {met * 100:.1f}% of first responses, 100.0% of resolutions" in said
    average = sum(month.csat) / len(month.csat)
    assert f"Satisfaction {average:.1f} of 5 from {len(month.csat)} answers" in said


def test_the_months_service_page_has_every_day_and_the_nps(month_app, month):
    markup = page(signed_in(month_app), "/staff/insights/service")
    said = text_of(markup)
    days = re.findall(r"<tr><th scope=\"row\">(\d{4}-\d\d-\d\d)</th><td class=\"num\">(\d+)</td>", markup)
    assert len(days) == 30 and days[0][0] == MONTH_START.isoformat() and days[-1][0] == TODAY.isoformat()
    assert {d: int(n) for d, n in days if int(n)} == {d.isoformat(): n for d, n in month.opened_per_day.items()}
    p90 = month.p90(month.resolution_hours)
    assert f"{p90:.1f} h" in said
    promoters = sum(1 for n in month.nps if n >= 9) / len(month.nps)
    detractors = sum(1 for n in month.nps if n <= 6) / len(month.nps)
    assert f"NPS {100 * (promoters - detractors):+.1f} from {len(month.nps)} answers" in said


def persian(text: str) -> str:
    """``text`` with Persian digits and decimal sign, as a Persian reader writes figures."""
    return text.translate(str.maketrans("0123456789.", "۰۱۲۳۴۵۶۷۸۹٫"))


def test_the_months_service_page_in_persian_writes_persian_figures_in_the_tables_and_the_charts(month_app, month):
    client = signed_in(month_app)
    markup = page(client, "/fa/staff/insights/service")
    days = re.findall(r'<tr><th scope="row">([۰-۹]{4}-[۰-۹]{2}-[۰-۹]{2})</th><td class="num">([۰-۹]+)</td>', markup)
    assert len(days) == 30 and days[0][0] == persian(MONTH_START.isoformat())
    opened = {persian(d.isoformat()): persian(str(n)) for d, n in month.opened_per_day.items()}
    assert {d: n for d, n in days if n != "۰"} == opened
    said = text_of(markup)
    assert persian(f"{month.p90(month.resolution_hours):.1f}") in said
    met = month.first_response_met / len(month.first_response_hours)
    assert f"({persian(f'{met * 100:.1f}')}٪)" in said  # the share within target

    charts_drawn = re.findall(r"<svg.*?</svg>", markup, re.S)
    per_day = charts_drawn[0]
    first_label = persian(format_date(MONTH_START, "d MMM", locale="fa"))
    marks = re.findall(r"<title>([^<]*)</title>", per_day)
    assert any(m.startswith(f"{first_label}: ") for m in marks), marks[:3]
    # The chart's figures are the table's: the busiest day's count on its bar and the axis up from ۰.
    assert f"{first_label}: " in per_day and persian(str(max(month.opened_per_day.values()))) in per_day
    for svg in charts_drawn:
        written = re.findall(r">([^<]+)<", svg)
        assert not [text for text in written if re.search(r"[0-9]", text)], written

    english = page(client, "/staff/insights/service")
    first_english = re.findall(r"<title>([^<]*)</title>", re.findall(r"<svg.*?</svg>", english, re.S)[0])
    assert any(m.startswith(f"{MONTH_START.day} {MONTH_START:%b}: ") for m in first_english)
    assert not re.search("[۰-۹]", english)


def test_the_months_articles_put_the_lights_article_first(month_app, month):
    said = text_of(page(signed_in(month_app), "/staff/insights/articles"))
    # 0 of 29 helpful, then 1 of 1 (whose lower bound is low), then 9 of 10.
    first = said.index("What the lights on your Harbor Hub mean")
    assert first < said.index("Restart your Harbor Hub") < said.index("Reset your password")
    assert "Call me on [number] please" in said  # the comment, as stored: redacted
    assert f"{len(month.comments['harbor-hub-lights'])} comments" in said


# The filter ---------------------------------------------------------------------------------


def test_the_date_range_narrows_every_figure(app):
    client = signed_in(app)
    yesterday = TODAY - dt.timedelta(days=1)
    said = text_of(page(client, f"/staff/insights?since={yesterday}"))
    narrow = gathered(app, reports.Period(yesterday, TODAY))
    assert sum(g.no_results for g in narrow.gaps_empty) == 1
    assert "1 search found nothing" in said
    assert f"{yesterday.isoformat()} to {TODAY.isoformat()} (2 days), all categories" in said


def test_the_category_narrows_and_every_link_keeps_the_filter(app):
    client = signed_in(app)
    since = TODAY - dt.timedelta(days=13)
    query = f"since={since}&until={TODAY}&category=account"
    for path in PAGES:
        markup = page(client, f"/staff/insights{path}?{query}")
        dashboard = markup[markup.index('<div class="insights">') :]  # the desk's own menu aside
        links = [html.unescape(link) for link in re.findall(r'href="(/staff/insights[^"]*)"', dashboard)]
        assert len(links) > 6 and all("category=account" in link for link in links), (path, links)
        assert sum(f"since={since}&until={TODAY}" not in link for link in links) == 3  # the quick ranges
        assert '<option value="account" selected>' in markup
    said = text_of(page(client, f"/staff/insights/service?{query}"))
    assert "1 opened, 0 solved in the period." in said  # the phone ticket, not the two hub ones


def test_quick_ranges_link_the_last_7_30_and_90_days(app):
    markup = page(signed_in(app), "/staff/insights/gaps?category=hub")
    for days in (7, 30, 90):
        since = TODAY - dt.timedelta(days=days - 1)
        assert html.escape(f"/staff/insights/gaps?since={since}&until={TODAY}&category=hub") in markup
    assert 'aria-current="true">30 days' in markup  # the default period


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "The start date 'yesterday' is not a date"),
        ("since=2026-02-30", "is not a date"),
        (f"since={TODAY}&until={TODAY - dt.timedelta(days=3)}", "is after the end date"),
        (f"since={TODAY + dt.timedelta(days=2)}", "is after today"),
        ("since=2001-01-01", "Choose at most 366 days"),
        ("category=billing", "There is no category 'billing'"),
        ("category=" + "x" * 5000, "There is no category"),
        ("since=%00%ff", "is not a date"),
    ],
)
def test_a_filter_that_cannot_be_used_is_explained_beside_the_form(app, query, message):
    client = signed_in(app)
    for path in ("", "/gaps"):
        response = client.get(f"/staff/insights{path}?{query}")
        assert response.status_code == 400
        markup = response.get_data(as_text=True)
        said = text_of(markup)
        assert message in said and "Showing the last 30 days instead." in said
        assert 'role="alert"' in markup and 'aria-invalid="true"' in markup
        default = reports.parse_period(None, None, None, TODAY, ["account", "hub"])
        assert f"{default.since} to {default.until} (30 days)" in said
    download = client.get(f"/staff/insights/gaps.csv?{query}")
    assert download.status_code == 200 and "-to-" in download.headers["Content-Disposition"]


def test_unknown_sort_falls_back_to_least_helpful_first(app):
    markup = page(signed_in(app), "/staff/insights/articles?sort=%3Cscript%3E")
    assert "Articles, least helpful" in markup and "<script>" not in markup


# PostgreSQL -----------------------------------------------------------------------------------


def test_the_dashboard_on_postgresql(postgres_url, shared_build, tmp_path):
    app = create_app(settings(tmp_path, shared_build, postgres_url))
    try:
        add_staff(app)
        client = signed_in(app)
        seed(app)  # before any report: a report rolls up the complete days it reads, for good
        long_ago = f"since={TODAY - dt.timedelta(days=200)}&until={TODAY - dt.timedelta(days=190)}"
        for path in PAGES:
            page(client, f"/staff/insights{path}?{long_ago}")
        assert "No searches recorded yet" in text_of(page(client, f"/staff/insights?{long_ago}"))
        found = gathered(app)
        said = text_of(page(client, "/staff/insights"))
        assert f"{sum(g.no_results for g in found.gaps_empty)} searches found nothing" in said
        assert f"Deflection {found.deflection.rate * 100:.1f}%" in said
        for path in PAGES[1:]:
            page(client, f"/staff/insights{path}?category=hub")
        rows = list(csv.DictReader(io.StringIO(page(client, "/staff/insights/gaps.csv"))))
        assert rows[0]["key"] == "reset router" and rows[0]["no_results"] == "3"
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


# The pure parts of the views ----------------------------------------------------------------


def test_the_filter_keeps_only_what_was_asked_for_and_says_which_field_is_wrong():
    today = dt.date(2026, 11, 23)
    asked = read_filters({"since": " 2026-11-01 ", "category": "hub"}, today, ["hub"])
    assert asked.period == reports.Period(dt.date(2026, 11, 1), today, "hub") and not asked.error
    assert asked.keep == {"since": "2026-11-01", "category": "hub"}  # "until" was not asked for
    default = reports.Period(dt.date(2026, 10, 25), today)
    wrong_category = read_filters({"since": "2026-11-01", "category": "nope"}, today, ["hub"])
    assert (wrong_category.period, wrong_category.keep, wrong_category.invalid) == (default, {}, "category")
    assert wrong_category.typed["since"] == "2026-11-01"  # shown again as typed
    both = read_filters({"since": "1 Nov", "category": "nope"}, today, ["hub"])
    assert (both.period, both.invalid) == (default, "dates")
    assert read_filters({"since": "9" * 10_000}, today, []).typed["since"] == "9" * 100


def test_csv_names_and_rows():
    period = reports.Period(dt.date(2026, 10, 4), dt.date(2026, 11, 2))
    assert csv_filename("content-gaps", period) == "content-gaps-2026-10-04-to-2026-11-02.csv"
    hub = reports.Period(period.since, period.until, "hub")
    assert csv_filename("article-health", hub) == "article-health-2026-10-04-to-2026-11-02-hub.csv"
    gap = reports.QueryGap("a", "a", 3, 2, 1, 0, ())
    other = reports.QueryGap("b", "b", 1, 0, 1, 0, ())
    assert gap_rows([gap], [other, gap]) == [gap, other]  # a query in both lists once


def test_article_sorts_are_stable():
    def health(slug: str, views: int, updated: dt.date | None) -> reports.ArticleHealth:
        return reports.ArticleHealth(slug, slug, "hub", "en", views, 0, 0, None, (), updated, False, 0)

    rows = [health("a", 5, dt.date(2026, 1, 1)), health("b", 9, None), health("c", 5, dt.date(2025, 1, 1))]
    assert [r.slug for r in article_order(rows, "views")] == ["b", "a", "c"]
    assert [r.slug for r in article_order(rows, "updated")] == ["b", "c", "a"]
    assert [r.slug for r in article_order(rows, "health")] == ["a", "b", "c"]
    assert [r.slug for r in article_order(rows, "nonsense")] == ["a", "b", "c"]


def test_before_anything_is_published_the_pages_still_answer(databases, shared_build, tmp_path):
    shutil.copyfile(databases["empty"], tmp_path / "portal.sqlite3")
    (tmp_path / "no-index").mkdir()
    app = create_app({**settings(tmp_path, shared_build), "INDEX_DIR": tmp_path / "no-index"})
    try:
        add_staff(app)
        client = signed_in(app)
        for path in PAGES + CSVS:
            page(client, f"/staff/insights{path}")
        assert "No articles are published" in text_of(page(client, "/staff/insights"))
        assert "There is no category 'hub'" in text_of(page(client, "/staff/insights?category=hub", 400))
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
