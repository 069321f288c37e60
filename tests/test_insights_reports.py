"""The insights reports on a seeded month (tests/insights_month.py): every
figure exactly, on SQLite and PostgreSQL; the same figures before and after
the roll-up and retention; each day rolled up once; the period and category
filters; and the rankings' numbers shared with the site."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from pathlib import Path

import pytest
from insights_month import ALL, LIGHTS, PASSWORD, RESTART, Month, seed_month
from sqlalchemy import func, select

from portal import activity, db, ranking
from portal.insights import events, reports, rollup
from portal.insights.reports import InsightsError, Period, parse_period
from portal.models import Event, EventDay, EventRollup

START = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 12, 0)
MONTH = Period(START, dt.date(2026, 10, 30))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "utcnow", lambda: NOW)


@pytest.fixture
def seeded(app_on_shared_build, clock):
    """(app, Month): the shared test help centre with a month of activity."""
    with db.database(app_on_shared_build).session() as session:
        month = seed_month(session, START)
    return app_on_shared_build, month


def gather(app, period: Period = MONTH) -> reports.Insights:
    with app.app_context():
        from portal.published import current

        with db.database(app).read_session() as session:
            return reports.gather(session, period, current(), NOW)


def assert_month(found: reports.Insights, month: Month) -> None:
    """Every figure of the report against what the month's scripts say."""
    # Content gaps
    assert found.searches == month.searches
    assert [(g.key, g.searches, g.no_results) for g in found.gaps_empty] == sorted(
        ((k, month.search_total[k], n) for k, n in month.no_results.items()), key=lambda t: (-t[2], t[0])
    )
    assert [(g.key, g.unopened) for g in found.gaps_unopened] == [("lights router", month.unopened["lights router"])]
    for gap in found.gaps_empty + found.gaps_unopened:
        assert dict(gap.examples) == month.typed[gap.key]
        assert gap.example == max(month.typed[gap.key].items(), key=lambda tc: (tc[1], tc[0]))[0]
        assert gap.previous == 0 and gap.trend is None
    assert "[number] حساب شماره" in {g.key for g in found.gaps_empty}  # the account number never stored
    # Article health
    by_slug = {a.slug: a for a in found.articles}
    for slug in (PASSWORD, RESTART, LIGHTS):
        a = by_slug[slug]
        assert (a.views, a.helpful, a.unhelpful) == (month.views[slug], month.helpful[slug], month.unhelpful[slug])
        assert a.score == ranking.wilson_lower_bound(a.helpful, a.helpful + a.unhelpful)
        assert a.tickets_after == month.item_tickets[f"article:{slug}"]
        assert [c.text for c in a.comments] == month.comments.get(slug, [])
    assert [a.slug for a in found.articles] == [LIGHTS, RESTART, PASSWORD, "reset-your-password-he"]
    assert by_slug["reset-your-password-he"].score is None
    # Troubleshooting funnels
    [tree] = found.funnels
    assert (tree.started, tree.solved, tree.escalated) == (
        month.walks["started"],
        month.walks["solved"],
        month.walks["escalated"],
    )
    # Deflection
    d = found.deflection
    assert (d.visits, d.self_service, d.self_service_then_ticket) == (
        month.visits[ALL],
        month.self_service[ALL],
        month.self_service_ticket[ALL],
    )
    assert d.tickets == month.web_tickets
    assert (d.suggestions_shown, d.suggestions_opened, d.suggestions_deflected) == (
        month.suggest_shown,
        month.suggest_opened,
        month.suggest_deflected,
    )
    assert {i.subject: (i.visits, i.tickets_after) for i in d.by_item} == {
        s: (n, month.item_tickets[s]) for s, n in month.item_visits.items()
    }
    assert [(x.day, x.self_service, x.self_service_then_ticket) for x in d.days] == [
        (day, month.daily[day]["ss"], month.daily[day]["ticket"]) for day in MONTH.each_day()
    ]
    # Service levels
    s = found.service
    assert [(x.day, x.opened, x.solved) for x in s.days] == [
        (day, month.opened_per_day[day], month.solved_per_day[day]) for day in MONTH.each_day()
    ]
    fr, res = s.first_response, s.resolution
    assert (fr.count, fr.median_hours, fr.p90_hours, fr.within_target) == (
        len(month.first_response_hours),
        month.median(month.first_response_hours),
        month.p90(month.first_response_hours),
        month.first_response_met,
    )
    assert fr.breached == fr.count - fr.within_target
    assert (res.count, res.median_hours, res.p90_hours, res.within_target) == (
        len(month.resolution_hours),
        month.median(month.resolution_hours),
        month.p90(month.resolution_hours),
        month.resolution_met,
    )
    ages = Counter()
    for created in month.open_tickets:
        age = NOW - created
        ages["< 1 day" if age < dt.timedelta(days=1) else "1-3 days" if age < dt.timedelta(days=3) else
             "3-7 days" if age < dt.timedelta(days=7) else "> 7 days"] += 1  # fmt: skip
    assert s.backlog == len(month.open_tickets)
    assert dict(s.backlog_ages) == {label: ages[label] for label in reports.BACKLOG_AGES}
    assert s.breached_open == sum(1 for c in month.open_tickets if c + dt.timedelta(hours=72) < NOW)
    assert s.csat_count == len(month.csat)
    assert s.csat_average == sum(month.csat) / len(month.csat)
    assert s.csat_distribution == tuple(month.csat.count(n) for n in range(1, 6))
    promoters = sum(1 for n in month.nps if n >= 9)
    detractors = sum(1 for n in month.nps if n <= 6)
    assert s.nps_count == len(month.nps)
    assert s.nps == 100 * (promoters - detractors) / len(month.nps)


def test_the_seeded_month_gives_every_figure_exactly(seeded):
    app, month = seeded
    assert_month(gather(app), month)


def test_a_month_seeds_the_figures_the_scripts_promise(seeded):
    """The seeded history itself, as a reader would check it: 16 visits a day,
    the account number typed into search stored as [number]."""
    app, month = seeded
    assert month.visits[ALL] == 16 * 30 and month.searches == 5 * 30
    with db.database(app).read_session() as session:
        details = set(session.scalars(select(Event.detail).where(Event.kind == "search")))
    assert "شماره حساب [number]" in details and not any("۱۲۳" in d for d in details)


def test_roll_up_and_retention_change_no_figure(seeded, monkeypatch):
    app, month = seeded
    with db.database(app).session() as session:  # some of today's events, read live
        typed = "outage refund"
        session.add(events.make("search", visit="t" * 32, at=NOW, subject=typed, detail=typed, value=0))
        session.commit()
    period = Period(START, NOW.date())
    with monkeypatch.context() as patched:
        patched.setattr(rollup, "roll_up", lambda *args: [])  # every day counted from its events
        live = gather(app, period)
    engine = db.database(app).engine
    assert rollup.run(engine, NOW, retention_days=1).deleted > 0
    with db.database(app).read_session() as session:
        assert session.scalar(select(func.count()).select_from(Event).where(Event.at < NOW)) == 0
    rolled = gather(app, period)
    assert rolled.as_dict() == live.as_dict()
    assert rolled.gaps_empty[0].searches == month.search_total["outage refund"] + 1


def test_reports_roll_up_missing_days_once(seeded):
    app, _month = seeded
    gather(app)
    database = db.database(app)
    with database.read_session() as session:
        days = set(session.scalars(select(EventRollup.day)))
        rows = session.scalar(select(func.sum(EventDay.count)))
    assert days == {START - dt.timedelta(days=30) + dt.timedelta(days=n) for n in range(60)}  # and the 30 before
    assert not rollup.roll_up_day(database.engine, START, NOW)  # already done: nothing twice
    gather(app)
    with database.read_session() as session:
        assert session.scalar(select(func.sum(EventDay.count))) == rows


def test_two_workers_rolling_up_the_same_day_count_it_once(seeded):
    app, month = seeded
    engine = db.database(app).engine
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        barrier.wait(timeout=10)
        results.append(rollup.roll_up_day(engine, START, NOW))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == [False, False, False, True]
    with db.database(app).read_session() as session:
        searches = session.scalar(select(func.sum(EventDay.count)).where(EventDay.metric == "search"))
    assert searches == sum(n for (day, _key), n in month.search_days.items() if day == START)


def test_trend_compares_with_the_period_before(seeded):
    app, month = seeded
    second_half = Period(dt.date(2026, 10, 16), dt.date(2026, 10, 30))
    found = gather(app, second_half)
    for gap in found.gaps_empty:
        now = sum(n for (day, key), n in month.search_days.items() if key == gap.key and day >= second_half.since)
        before = sum(n for (day, key), n in month.search_days.items() if key == gap.key and day < second_half.since)
        assert (gap.searches, gap.previous) == (now, before)
        assert gap.trend == (now - before) / before


def test_a_category_shows_only_its_own_figures(seeded):
    app, month = seeded
    hub = gather(app, Period(MONTH.since, MONTH.until, "hub"))
    assert {a.slug for a in hub.articles} == {RESTART, LIGHTS}
    assert [t.tree_id for t in hub.funnels] == ["hub-light"]
    assert (hub.deflection.self_service, hub.deflection.self_service_then_ticket) == (
        month.self_service["hub"],
        month.self_service_ticket["hub"],
    )
    assert hub.deflection.visits == month.visits["hub"]
    assert {i.subject for i in hub.deflection.by_item} == {f"article:{RESTART}", f"article:{LIGHTS}", "tree:hub-light"}
    assert sum(d.opened for d in hub.service.days) == sum(month.opened_per_day.values())  # every ticket is hub
    assert hub.gaps_empty == [] and hub.searches == 0  # no search was filtered to a topic
    account = gather(app, Period(MONTH.since, MONTH.until, "account"))
    assert account.funnels == [] and [a.slug for a in account.articles] == [PASSWORD, "reset-your-password-he"]
    assert account.service.backlog == 0 and account.service.csat_count == 0
    assert account.deflection.self_service == month.self_service["account"]


def test_helpfulness_and_views_are_the_numbers_the_site_ranks_by(seeded):
    app, _month = seeded
    found = gather(app, Period(dt.date(2026, 5, 1), dt.date(2026, 10, 30)))  # every vote and view
    with db.database(app).read_session() as session:
        site = ranking.by_helpfulness(activity.helpfulness_counts(session, "article"))
        daily = activity.daily_activity(session, "article", dt.date(2026, 5, 1))
    voted = [a.slug for a in found.articles if a.score is not None]
    assert voted == [key for key, _ in reversed(site)]  # worst first here, best first there
    assert {a.slug: a.views for a in found.articles if a.views} == {
        key: sum(d.views for d in days) for key, days in daily.items()
    }


def test_an_empty_database_gives_empty_reports(app_on_shared_build, clock):
    found = gather(app_on_shared_build)
    assert found.gaps_empty == found.gaps_unopened == [] and found.searches == 0
    assert all(a.views == 0 and a.score is None for a in found.articles)
    assert found.deflection.visits == 0 and found.deflection.rate is None
    assert found.service.first_response.median_hours is None and found.service.nps is None
    assert len(found.service.days) == 30 and found.as_dict()["service_levels"]["backlog"] == 0


TODAY = dt.date(2026, 11, 2)
CATEGORIES = {"hub", "account"}


@pytest.mark.parametrize(
    ("since", "until", "category", "expected"),
    [
        (None, None, None, Period(dt.date(2026, 10, 4), TODAY)),
        ("", "", "", Period(dt.date(2026, 10, 4), TODAY)),
        ("2026-10-01", None, None, Period(dt.date(2026, 10, 1), TODAY)),
        (None, "2026-10-30", "hub", Period(dt.date(2026, 10, 1), dt.date(2026, 10, 30), "hub")),
        ("2026-11-02", "2026-12-31", None, Period(TODAY, TODAY)),  # an end after today is today
        (" 2025-11-02 ", "2026-11-02", None, Period(dt.date(2025, 11, 2), TODAY)),  # 366 days
    ],
)
def test_periods(since, until, category, expected):
    assert parse_period(since, until, category, TODAY, CATEGORIES) == expected


@pytest.mark.parametrize(
    ("since", "until", "category", "message"),
    [
        ("yesterday", None, None, "The start date 'yesterday' is not a date: write it as YYYY-MM-DD."),
        (None, "2026-13-01", None, "The end date '2026-13-01' is not a date: write it as YYYY-MM-DD."),
        ("2026-10-30", "2026-10-01", None, "The start date 2026-10-30 is after the end date 2026-10-01."),
        ("2026-11-03", None, None, "The start date 2026-11-03 is after today."),
        ("2025-11-01", None, None, "Choose at most 366 days."),
        (None, None, "billing", "There is no category 'billing'."),
        ("\x00", None, None, "The start date '\\x00' is not a date: write it as YYYY-MM-DD."),
    ],
)
def test_bad_periods_say_what_is_wrong(since, until, category, message):
    with pytest.raises(InsightsError) as caught:
        parse_period(since, until, category, TODAY, CATEGORIES)
    assert str(caught.value) == message


def test_previous_period_is_as_long_and_just_before():
    assert MONTH.previous() == Period(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert Period(TODAY, TODAY, "hub").previous() == Period(dt.date(2026, 11, 1), dt.date(2026, 11, 1), "hub")


def test_durations_median_and_nearest_rank_p90():
    hours = [dt.timedelta(hours=h) for h in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 50)]
    found = reports.durations((h, h <= dt.timedelta(hours=8)) for h in hours)
    assert (found.count, found.median_hours, found.p90_hours, found.within_target, found.breached) == (11, 6, 10, 8, 3)
    assert reports.durations([]) == reports.Durations(0, None, None, 0, 0)
    assert reports.nps({10: 2, 9: 1, 8: 1, 3: 1}) == 40.0 and reports.nps({}) is None


def test_every_figure_on_postgresql(postgres_url, shared_build, tmp_path, monkeypatch):
    """The SQL-heavy parts (roll-up, retention, service levels) on PostgreSQL."""
    from portal import create_app

    monkeypatch.setattr(events, "utcnow", lambda: NOW)
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": shared_build.parent / "content",
            "INDEX_DIR": shared_build,
            "INSTANCE_DIR": Path(tmp_path) / "instance",
            "DATABASE_URL": postgres_url,
            "SECRET_KEY": "test",
        }
    )
    try:
        with db.database(app).session() as session:
            month = seed_month(session, START)
        found = gather(app)
        assert_month(found, month)
        assert not rollup.roll_up_day(db.database(app).engine, START, NOW)
        assert rollup.run(db.database(app).engine, NOW, retention_days=1).deleted > 0
        assert gather(app).as_dict() == found.as_dict()
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
