#!/usr/bin/env python3
"""What the insights cost: rolling up a day's events, and gathering every
report for 30 days, on a generated history.

    python bench/insights.py                            # 2,000 visits a day for 90 days, SQLite
    python bench/insights.py --visits 500 --days 30     # smaller
    python bench/insights.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

In a temporary database: ``--days`` days of ``--visits`` visits a day (each a
few searches, views, walks, suggestions and, for one in eight, a ticket; about
4.5 events a visit), 1,000 articles, the votes, views and walks the reports
read, and the tickets. Then it times ``rollup.run`` over every day, one more
day's roll-up, and ``reports.gather`` for the last 30 days: with every day
rolled up (the usual case) and with today's events counted live. A
measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(REPO_ROOT)]

from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal import db  # noqa: E402
from portal.insights import events, reports, rollup  # noqa: E402
from portal.models import DailyViews, Event, EventDay, Ticket, TreeWalk, Vote  # noqa: E402

SEED = 2026
ARTICLES = 1000
CATEGORIES = ("account", "billing", "hub", "internet", "mobile", "tv")
WORDS = ("reset", "router", "password", "bill", "refund", "outage", "light", "orange", "wifi", "slow", "mesh", "sim")
BATCH = 5000


class Catalog:
    """A published build's stand-in: generated articles and one tree per category."""

    def __init__(self) -> None:
        self.articles = [(f"article-{n}", f"Article {n}", CATEGORIES[n % len(CATEGORIES)]) for n in range(ARTICLES)]

    def translation_groups(self) -> list[list[Any]]:
        from portal.catalog import ArticleSummary

        day = dt.date(2026, 1, 1)
        return [[ArticleSummary(slug, title, "", "en", cat, day)] for slug, title, cat in self.articles]

    def collection(self, name: str) -> list[dict[str, Any]]:
        if name == "categories":
            return [{"slug": c} for c in CATEGORIES]
        if name == "trees":
            return [{"id": f"tree-{c}", "title": c, "lang": "en", "category": c, "nodes": {}} for c in CATEGORIES]
        return []


class Snapshot:
    catalog = Catalog()


def _event(visit: str, at: dt.datetime, kind: str, **fields: Any) -> dict[str, Any]:
    row = {"at": at, "visit": visit, "kind": kind, "subject": "", "detail": "", "lang": "en", "category": ""}
    return {**row, "value": None, **fields}


def _walk(tree: str, at: dt.datetime) -> dict[str, Any]:
    row = {"walk": uuid.uuid4().hex, "tree": tree, "lang": "en", "started": at, "updated": at}
    return {**row, "last_node": "start", "outcome": "solved", "outcome_node": "start"}


def _ticket(rng: random.Random, category: str, created: dt.datetime) -> dict[str, Any]:
    answered = created + dt.timedelta(hours=rng.uniform(0.2, 12))
    row = {"reference": uuid.uuid4().hex[:16], "created": created, "updated": created, "status": "solved"}
    row |= {"priority": "normal", "channel": "web", "category": category, "subject": "s", "name": "n"}
    row |= {"email": "e@example.com", "lang": "en", "product": "", "account_number": "", "context": {}}
    row |= {"first_response_due": created + dt.timedelta(hours=8), "resolution_due": created + dt.timedelta(hours=72)}
    row |= {"first_response": answered, "solved": answered + dt.timedelta(hours=rng.uniform(1, 80))}
    return {**row, "csat_score": rng.randint(1, 5), "csat_at": answered, "nps_score": rng.randint(0, 10)}


def history(rng: random.Random, day: dt.date, visits: int) -> tuple[list[dict], list[dict], list[dict]]:
    """(events, tree walks, tickets) of one day."""
    rows: list[dict] = []
    walks: list[dict] = []
    tickets: list[dict] = []
    start = dt.datetime.combine(day, dt.time())
    for _ in range(visits):
        visit = f"{rng.getrandbits(128):032x}"
        at = start + dt.timedelta(seconds=rng.randrange(86_000))
        category = rng.choice(CATEGORIES)
        words = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        key = events.query_key(words)
        results = 0 if rng.random() < 0.15 else rng.randint(1, 30)
        rows.append(_event(visit, at, "search", subject=key, detail=words, value=results))
        article = f"article-{int(rng.paretovariate(1.2)) % ARTICLES}"
        later = [at + dt.timedelta(minutes=m) for m in range(10)]
        if results and rng.random() < 0.6:
            rows.append(_event(visit, later[1], "open", subject=key, detail=f"/articles/{article}", value=1))
            rows.append(_event(visit, later[1], "view", subject=f"article:{article}", category=category))
        if rng.random() < 0.5:
            rows.append(_event(visit, later[3], "view", subject=f"article:{article}", category=category))
        if rng.random() < 0.2:
            tree = f"tree:tree-{category}"
            rows.append(_event(visit, later[4], "tree_start", subject=tree, category=category))
            rows.append(_event(visit, later[6], "tree_outcome", subject=tree, detail="solved", category=category))
            walks.append(_walk(f"tree-{category}", at))
        if rng.random() < 0.125:
            rows.append(_event(visit, later[7], "suggest", subject="x", detail="x", value=3))
            rows.append(_event(visit, later[9], "ticket", subject=category, detail="web", category=category))
            tickets.append(_ticket(rng, category, later[9]))
    return rows, walks, tickets


def seed(database: db.Database, first: dt.date, days: int, visits: int) -> int:
    rng = random.Random(SEED)
    total = 0
    with database.session() as session:
        for index in range(days):
            day = first + dt.timedelta(days=index)
            rows, walks, tickets = history(rng, day, visits)
            for start in range(0, len(rows), BATCH):
                session.execute(insert(Event), rows[start : start + BATCH])
            if walks:
                session.execute(insert(TreeWalk), walks)
            if tickets:
                session.execute(insert(Ticket), tickets)
            views = [
                {"kind": "article", "day": day, "key": f"article-{n}", "count": rng.randint(1, 50)}
                for n in rng.sample(range(ARTICLES), 300)
            ]
            session.execute(insert(DailyViews), views)
            votes = [
                {
                    "kind": "article",
                    "key": f"article-{rng.randrange(ARTICLES)}",
                    "helpful": rng.random() < 0.7,
                    "visitor": uuid.uuid4().hex,
                    "created": dt.datetime.combine(day, dt.time(12)),
                    "lang": "en",
                    "reasons": "",
                    "missing": "The steps did not work" if rng.random() < 0.2 else None,
                }
                for _ in range(visits // 20)
            ]
            session.execute(insert(Vote), votes)
            session.commit()
            total += len(rows)
    return total


def timed(action: Any, repeat: int = 1) -> tuple[float, float]:
    """(median wall seconds, median CPU seconds) over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def run(url: str, days: int, visits: int) -> None:
    database = db.Database(url, Path(tempfile.mkdtemp()))
    db.upgrade(database)
    today = dt.date(2026, 11, 2)
    now = dt.datetime.combine(today, dt.time(12))
    events.utcnow = lambda: now  # the reports' clock: a fixed "now" after the history
    first = today - dt.timedelta(days=days)
    wall, _ = timed(lambda: seed(database, first, days, visits))
    with database.read_session() as session:
        count = session.scalar(select(func.count()).select_from(Event))
    print(f"{database.dialect}: {days} days x {visits:,} visits = {count:,} events, seeded in {wall:.1f} s")

    last = today - dt.timedelta(days=1)
    result = None

    def roll_all() -> None:
        nonlocal result
        result = rollup.run(database.engine, now - dt.timedelta(days=1), retention_days=10_000)

    wall, cpu = timed(roll_all)
    assert result is not None
    print(
        f"roll-up of {len(result.rolled)} days: {wall:.1f} s ({cpu:.1f} s CPU), {wall / len(result.rolled):.2f} s a day"
    )
    wall, cpu = timed(lambda: rollup.roll_up(database.engine, [last], now))
    with database.read_session() as session:
        rows = session.scalar(select(func.count()).select_from(EventDay))
    print(f"one more day's roll-up: {wall:.2f} s ({cpu:.2f} s CPU); event_days: {rows:,} rows")

    period = reports.Period(today - dt.timedelta(days=29), today)
    today_rows, _, _ = history(random.Random(SEED + 1), today, visits // 2)
    with database.session() as session:
        session.execute(insert(Event), [{**r, "at": min(r["at"], now)} for r in today_rows])
        session.commit()

    def gather() -> None:
        with database.read_session() as session:
            reports.gather(session, period, Snapshot(), now)

    wall, cpu = timed(gather, repeat=5)
    print(f"gather(), 30 days (29 rolled up, today live: {len(today_rows):,} events): {wall:.2f} s ({cpu:.2f} s CPU)")
    for name, report in (
        ("content_gaps", lambda s: reports.content_gaps(s, period)),
        ("article_health", lambda s: reports.article_health(s, period, reports.catalog_articles(Catalog()), today)),
        ("deflection", lambda s: reports.deflection(s, period, {})),
        ("service_levels", lambda s: reports.service_levels(s, period, now)),
    ):

        def one(report: Any = report) -> None:
            with database.read_session() as session:
                report(session)

        wall, cpu = timed(one, repeat=5)
        print(f"  {name}: {wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU)")
    retention = rollup.apply_retention(database.engine, today, 30)
    print(f"retention at 30 days: deleted {retention:,} events")
    database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--visits", type=int, default=2000, help="visits a day")
    parser.add_argument("--postgres", help="a PostgreSQL server's URL; a database is created and dropped there")
    args = parser.parse_args()
    if not args.postgres:
        with tempfile.TemporaryDirectory() as tmp:
            run(f"sqlite:///{tmp}/bench.sqlite3", args.days, args.visits)
        return
    admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = f"portal_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run(make_url(args.postgres).set(database=name).render_as_string(hide_password=False), args.days, args.visits)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
