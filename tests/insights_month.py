"""A month of visits, generated deterministically, and the figures it must give.

    seed_month(session, start: date, days: int = 30, seed: int = 6) -> Month

writes into ``session`` (and commits) ``days`` days of activity starting at
``start``: insights events for every visit, the ``daily_views`` and ``votes``
the rankings read, troubleshooting walks, and tickets (web, API and phone,
answered and solved at known times, rated). It returns a :class:`Month`: what
each report must show for the period ``start`` .. ``start + days - 1``, all
categories, counted from the scripts below by hand (never by the code under
test). It uses the test help centre of ``tests/conftest.py``: the articles
``reset-your-password`` (account), ``restart-your-harbor-hub`` and
``harbor-hub-lights`` (hub), and the tree ``hub-light`` (hub).

Each day has a fixed mix of visits, drawn in a seeded order; every visit
follows one script (:data:`SCRIPTS`), whose events and contributions to the
figures are written side by side. Pass ``now`` = a time after the month to
the reports; tickets are answered and solved within the month.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from portal.insights import events
from portal.models import DailyViews, Ticket, TreeStep, TreeWalk, Vote

ALL = "*"
PASSWORD, RESTART, LIGHTS = "reset-your-password", "restart-your-harbor-hub", "harbor-hub-lights"
CATEGORY = {PASSWORD: "account", RESTART: "hub", LIGHTS: "hub"}
TREE = "hub-light"

# The queries customers type: (as typed, its key, results).
FOUND = [("Reset password", "password reset", 3), ("how do I reset my password?", "password reset", 3)]
UNOPENED = ("router lights", "lights router", 2)
EMPTY = [
    ("Refund for outage", "outage refund", 0),
    ("outage refund", "outage refund", 0),
    ("החזר כספי", "החזר כספי", 0),
    ("شماره حساب ۱۲۳۴۵۶۷۸", "[number] حساب شماره", 0),  # an account number typed into search
]
REDACTED = {"شماره حساب ۱۲۳۴۵۶۷۸": "شماره حساب [number]"}


@dataclass
class Month:
    """What the reports must show for the month (all categories unless a
    field says otherwise). Counters are keyed as their docstrings say."""

    start: dt.date
    end: dt.date
    searches: int = 0
    search_total: Counter = field(default_factory=Counter)  # key -> searches
    search_days: Counter = field(default_factory=Counter)  # (day, key) -> searches
    no_results: Counter = field(default_factory=Counter)  # key -> searches that found nothing
    unopened: Counter = field(default_factory=Counter)  # key -> searches nobody opened
    typed: dict = field(default_factory=lambda: defaultdict(Counter))  # key -> {text stored: count}
    visits: Counter = field(default_factory=Counter)  # category or ALL -> visits
    self_service: Counter = field(default_factory=Counter)  # category or ALL -> visits
    self_service_ticket: Counter = field(default_factory=Counter)
    suggest_shown: int = 0
    suggest_opened: int = 0
    suggest_deflected: int = 0
    web_tickets: int = 0
    item_visits: Counter = field(default_factory=Counter)  # subject -> visits
    item_tickets: Counter = field(default_factory=Counter)
    daily: dict = field(default_factory=lambda: defaultdict(Counter))  # day -> {"ss": n, "ticket": n}
    views: Counter = field(default_factory=Counter)  # slug -> views (daily_views)
    daily_views: Counter = field(default_factory=Counter)  # (day, slug) -> views
    helpful: Counter = field(default_factory=Counter)  # slug -> helpful votes
    unhelpful: Counter = field(default_factory=Counter)
    comments: dict = field(default_factory=lambda: defaultdict(list))  # slug -> stored comments, newest first
    walks: Counter = field(default_factory=Counter)  # "started" / "solved" / "escalated"
    opened_per_day: Counter = field(default_factory=Counter)
    solved_per_day: Counter = field(default_factory=Counter)
    first_response_hours: list = field(default_factory=list)
    first_response_met: int = 0
    resolution_hours: list = field(default_factory=list)
    resolution_met: int = 0
    open_tickets: list = field(default_factory=list)  # created, of the tickets left unsolved
    csat: list = field(default_factory=list)
    nps: list = field(default_factory=list)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def median(self, hours: list) -> float:
        return statistics.median(hours)

    def p90(self, hours: list) -> float:
        return sorted(hours)[math.ceil(0.9 * len(hours)) - 1]


class Visit:
    """One visit's events, written as the script runs, and its figures."""

    def __init__(self, session: Session, month: Month, day: dt.date, number: int) -> None:
        self.session, self.month, self.day = session, month, day
        self.id = hashlib.sha256(f"{day}:{number}".encode()).hexdigest()[:32]
        self.start = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=7 * number)
        self.categories: set[str] = set()

    def event(self, minute: int, kind: str, subject: str = "", detail: str = "", value=None, lang="en", category=""):
        self.session.add(
            events.make(
                kind,
                visit=self.id,
                at=self.start + dt.timedelta(minutes=minute),
                subject=subject,
                detail=detail,
                value=value,
                lang=lang,
                category=category,
            )
        )
        self.categories.add(category)

    def view(self, minute: int, slug: str) -> None:
        self.event(minute, "view", f"article:{slug}", category=CATEGORY[slug])
        self.month.views[slug] += 1
        self.month.daily_views[self.day, slug] += 1

    def search(self, minute: int, typed: str, key: str, results: int, opened: bool) -> None:
        self.event(minute, "search", events.query_key(typed), events.normalise_query(typed), results)
        assert events.query_key(typed) == key, (typed, events.query_key(typed))
        m = self.month
        m.searches += 1
        m.search_total[key] += 1
        m.search_days[self.day, key] += 1
        m.typed[key][REDACTED.get(typed, typed)] += 1
        if results == 0:
            m.no_results[key] += 1
        elif not opened:
            m.unopened[key] += 1

    def ticket(self, minute: int, category: str) -> None:
        self.event(minute, "ticket", category, "web", category=category)
        self.month.web_tickets += 1

    def counts(self, self_service: dict[str, bool], items: dict[str, bool], suggest: tuple[int, int, int] = (0, 0, 0)):
        """Add this visit's figures: ``self_service`` maps each category it
        self-served in (ALL included) to "then opened a ticket"; ``items`` each
        item used to the same; ``suggest`` (shown, opened, deflected)."""
        m = self.month
        for category in self.categories | {ALL}:
            m.visits[category] += 1
        for category, ticket in self_service.items():
            m.self_service[category] += 1
            m.self_service_ticket[category] += ticket
        if ALL in self_service:
            m.daily[self.day]["ss"] += 1
            m.daily[self.day]["ticket"] += self_service[ALL]
        for subject, ticket in items.items():
            m.item_visits[subject] += 1
            m.item_tickets[subject] += ticket
        m.suggest_shown += suggest[0]
        m.suggest_opened += suggest[1]
        m.suggest_deflected += suggest[2]


# The scripts: one kind of visit each. ------------------------------------------------


def read(v: Visit, rng: random.Random) -> None:
    """Reads one article, sometimes a second; no ticket."""
    first = rng.choice([PASSWORD, RESTART, LIGHTS])
    v.view(0, first)
    read_items = {f"article:{first}": False}
    if rng.random() < 0.5:
        second = LIGHTS if first != LIGHTS else RESTART
        v.view(3, second)
        read_items[f"article:{second}"] = False
    v.counts({ALL: False} | {CATEGORY[s.split(":")[1]]: False for s in read_items}, read_items)


def search_and_open(v: Visit, rng: random.Random) -> None:
    """Finds the password article and opens it."""
    typed, key, results = rng.choice(FOUND)
    v.search(0, typed, key, results, opened=True)
    v.event(1, "open", key, f"/articles/{PASSWORD}", rng.randint(1, results))
    v.view(1, PASSWORD)
    v.counts({ALL: False, "": False, "account": False}, {f"article:{PASSWORD}": False})


def search_unopened(v: Visit, rng: random.Random) -> None:
    """Searches with results and opens none."""
    typed, key, results = UNOPENED
    v.search(0, typed, key, results, opened=False)
    v.counts({ALL: False, "": False}, {})


def search_nothing_then_ticket(v: Visit, rng: random.Random) -> None:
    """Finds nothing, then asks for a person."""
    typed, key, results = rng.choice(EMPTY)
    v.search(0, typed, key, results, opened=False)
    v.ticket(5, "account")
    v.counts({ALL: True, "": True}, {})


def tree_solved(v: Visit, rng: random.Random) -> None:
    v.event(0, "tree_start", f"tree:{TREE}", category="hub")
    v.event(3, "tree_outcome", f"tree:{TREE}", "solved", category="hub")
    walk(v, "solved")
    v.counts({ALL: False, "hub": False}, {f"tree:{TREE}": False})


def tree_escalated_then_ticket(v: Visit, rng: random.Random) -> None:
    v.event(0, "tree_start", f"tree:{TREE}", category="hub")
    v.event(2, "tree_outcome", f"tree:{TREE}", "escalated", category="hub")
    walk(v, "escalated")
    v.ticket(4, "hub")
    v.counts({ALL: True, "hub": True}, {f"tree:{TREE}": True})


def suggestion_deflected(v: Visit, rng: random.Random) -> None:
    """Starts a ticket, opens a suggested article, and never sends the ticket."""
    v.event(0, "suggest", "hub restart", "restart hub", 3)
    v.event(1, "suggest_open", f"article:{RESTART}", category="hub")
    v.view(1, RESTART)
    v.counts({ALL: False, "hub": False}, {f"article:{RESTART}": False}, suggest=(1, 1, 1))


def suggestion_then_ticket(v: Visit, rng: random.Random) -> None:
    v.event(0, "suggest", "hub light", "hub light", 2)
    v.event(1, "suggest_open", f"article:{LIGHTS}", category="hub")
    v.view(1, LIGHTS)
    v.ticket(3, "hub")
    v.counts({ALL: True, "hub": True}, {f"article:{LIGHTS}": True}, suggest=(1, 1, 0))


def ticket_then_reading(v: Visit, rng: random.Random) -> None:
    """Opens a ticket first, reads afterwards: not a ticket *after* self-service."""
    v.ticket(0, "account")
    v.view(2, PASSWORD)
    v.counts({ALL: False, "account": False}, {f"article:{PASSWORD}": False})


def ticket_only(v: Visit, rng: random.Random) -> None:
    v.ticket(0, "hub")
    v.counts({}, {})


def vote_no(v: Visit, rng: random.Random) -> None:
    """Reads the Hub lights article and says it did not help (the vote row is
    seeded by :func:`seed_month`, which knows the day's votes)."""
    v.view(0, LIGHTS)
    v.event(1, "vote", f"article:{LIGHTS}", "steps-failed", 0, category="hub")
    v.counts({ALL: False, "hub": False}, {f"article:{LIGHTS}": False})


SCRIPTS: dict[str, tuple[Callable[[Visit, random.Random], None], int]] = {
    # script: (function, visits a day)
    "read": (read, 4),
    "search_and_open": (search_and_open, 3),
    "search_unopened": (search_unopened, 1),
    "search_nothing_then_ticket": (search_nothing_then_ticket, 1),
    "tree_solved": (tree_solved, 1),
    "tree_escalated_then_ticket": (tree_escalated_then_ticket, 1),
    "suggestion_deflected": (suggestion_deflected, 1),
    "suggestion_then_ticket": (suggestion_then_ticket, 1),
    "ticket_then_reading": (ticket_then_reading, 1),
    "ticket_only": (ticket_only, 1),
    "vote_no": (vote_no, 1),
}


def walk(v: Visit, outcome: str) -> None:
    """The troubleshooting walk behind a tree visit, as the walker records it."""
    solved = outcome == "solved"
    key = hashlib.sha256(f"walk:{v.id}".encode()).hexdigest()[:32]
    last = "restart" if solved else "escalate-fault"
    v.session.add(
        TreeWalk(
            walk=key,
            tree=TREE,
            lang="en",
            started=v.start,
            updated=v.start + dt.timedelta(minutes=3),
            last_node=last,
            outcome=outcome,
            outcome_node=last,
        )
    )
    v.session.flush()  # the walk before its steps (no ORM relationship orders them)
    steps = [("colour", ""), ("colour", "orange"), ("restart", "")]
    steps += [("restart", "solved")] if solved else [("restart", "not-solved"), ("escalate-fault", "")]
    v.session.add_all(TreeStep(walk=key, node=node, choice=choice) for node, choice in steps)
    v.month.walks["started"] += 1
    v.month.walks["solved" if solved else "escalated"] += 1


# Votes, views and tickets that are not events --------------------------------------------

COMMENTS = [
    "The steps didn't mention the orange light",
    "Call me on 07700 900123 please",  # stored redacted
    "ایمیل من dana@example.com است",  # stored redacted
]


def seed_votes(session: Session, month: Month, day: dt.date, index: int) -> None:
    """One "no" on the lights article per day (the vote_no visit), with a
    comment every tenth day, and 1 "yes" of 1 on the restart article on the
    first day only, while the password article collects 9 of 10 "yes"."""
    created = dt.datetime.combine(day, dt.time(9, 30))
    text = COMMENTS[(index // 10) % len(COMMENTS)] if index % 10 == 0 else None
    session.add(
        Vote(
            kind="article",
            key=LIGHTS,
            helpful=False,
            visitor=f"lights-{index}",
            created=created,
            missing=events.redact(text) if text else None,
            reasons="steps-failed",
            lang="en",
        )
    )
    month.unhelpful[LIGHTS] += 1
    if text:
        month.comments[LIGHTS].insert(0, events.redact(text))
    if index == 0:
        session.add(Vote(kind="article", key=RESTART, helpful=True, visitor="r", created=created, lang="en"))
        month.helpful[RESTART] += 1
    if index < 10:
        helpful = index != 9
        session.add(
            Vote(kind="article", key=PASSWORD, helpful=helpful, visitor=f"p-{index}", created=created, lang="en")
        )
        month.helpful[PASSWORD] += helpful
        month.unhelpful[PASSWORD] += not helpful


def seed_tickets(session: Session, month: Month, day: dt.date, index: int, web: int) -> None:
    """The day's tickets: ``web`` from the form (their events came with the
    visits), one by phone (visit "") and one by API (visit ""). Each gets its
    first response (index % 7 + 1) hours after opening (target 8 h) and the
    ones before the last five days are solved 20 + index hours later (target
    72 h), then rated; the last five days' tickets stay open."""
    opened = dt.datetime.combine(day, dt.time(10))
    for n, channel in enumerate(["web"] * web + ["phone", "api"]):
        created = opened + dt.timedelta(minutes=n)
        if channel != "web":
            session.add(events.make("ticket", visit="", at=created, subject="hub", detail=channel, category="hub"))
        respond = created + dt.timedelta(hours=index % 7 + 1 + n % 2 * 8)  # every second one is late
        solved = created + dt.timedelta(hours=20 + index) if index < month.days - 5 else None
        score = (index + n) % 5 + 1 if solved else None
        nps = (index * 3 + n) % 11 if solved and n % 2 == 0 else None
        session.add(
            Ticket(
                reference=f"T{day:%m%d}{n:03d}",
                created=created,
                updated=created,
                status="solved" if solved else "open",
                priority="normal",
                channel=channel,
                category="hub",
                subject="Seeded",
                name="Seeded Customer",
                email="customer@example.com",
                first_response_due=created + dt.timedelta(hours=8),
                resolution_due=created + dt.timedelta(hours=72),
                first_response=respond,
                solved=solved,
                csat_score=score,
                csat_at=solved,
                nps_score=nps,
            )
        )
        month.opened_per_day[day] += 1
        month.first_response_hours.append((respond - created).total_seconds() / 3600)
        month.first_response_met += respond <= created + dt.timedelta(hours=8)
        if not solved:
            month.open_tickets.append(created)
        if solved:
            month.solved_per_day[solved.date()] += 1
            month.resolution_hours.append((solved - created).total_seconds() / 3600)
            month.resolution_met += solved <= created + dt.timedelta(hours=72)
            month.csat.append(score)
            if nps is not None:
                month.nps.append(nps)


def seed_month(session: Session, start: dt.date, days: int = 30, seed: int = 6) -> Month:
    """Seed ``days`` days from ``start`` into ``session`` and commit; see the module docstring."""
    rng = random.Random(seed)  # noqa: S311 - a repeatable test history, not a secret
    month = Month(start, start + dt.timedelta(days=days - 1))
    plan = [name for name, (_, count) in SCRIPTS.items() for _ in range(count)]
    web_per_day = sum(1 for name in plan if "ticket" in name)
    for index in range(days):
        day = start + dt.timedelta(days=index)
        order = plan[:]
        rng.shuffle(order)
        for number, name in enumerate(order):
            SCRIPTS[name][0](Visit(session, month, day, number), rng)
        seed_votes(session, month, day, index)
        seed_tickets(session, month, day, index, web_per_day)
        session.flush()
    session.add_all(DailyViews(kind="article", day=d, key=k, count=n) for (d, k), n in month.daily_views.items())
    session.commit()
    return month
