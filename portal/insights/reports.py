"""The insights reports, as frozen dataclasses (each with ``as_dict()``).

Every report covers a :class:`Period`: UTC days from ``since`` to ``until``,
both inclusive, and one category or all. Figures from events come from
``event_days`` for the days rolled up and from the raw events, counted with the
same :func:`portal.insights.metrics.day_metrics`, for the others (today, and
any day a roll-up has not reached); complete days missing from ``event_days``
are rolled up first. So rolling up and deleting old events never changes a
figure. Article views and votes come from ``daily_views`` and ``votes``, the
counters the FAQ order and "Popular articles" are ranked from; service levels
from the ``tickets`` table, the record of account.

Each report is a handful of grouped queries whatever the number of items.
All sorting is deterministic (ties by key).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import Date, and_, case, func, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from portal import ranking, tree_analytics
from portal.insights import events, metrics, rollup
from portal.insights.metrics import ALL, VISIT_METRICS
from portal.models import DailyViews, EventDay, Ticket, Vote
from portal.tickets.service import OPEN_STATUSES
from portal.tree_analytics import TreeReport

DEFAULT_DAYS = 30
MAX_DAYS = 366
DEFAULT_STALE_AFTER_DAYS = 365
GAPS = 50  # queries listed in each content-gap list
EXAMPLES = 10  # example queries kept per query key
COMMENTS = 20  # "what was missing" comments kept per article
BACKLOG_AGES = ("< 1 day", "1-3 days", "3-7 days", "> 7 days")
_DAY = dt.timedelta(days=1)


class InsightsError(ValueError):
    """A report that cannot be made as asked (bad dates, unknown category);
    the message is written for the person who asked."""


# The period -----------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """UTC days from ``since`` to ``until``, both inclusive; ``category`` "" is all."""

    since: dt.date
    until: dt.date
    category: str = ""

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> Period:
        """The same number of days just before ``since`` (for trends)."""
        return Period(self.since - dt.timedelta(days=self.days), self.since - _DAY, self.category)

    def each_day(self) -> list[dt.date]:
        return [self.since + dt.timedelta(days=n) for n in range(self.days)]

    def as_dict(self) -> dict[str, Any]:
        return {"since": self.since.isoformat(), "until": self.until.isoformat(), "category": self.category}


def _date(text: str, which: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        # L10n: %(which)s is "start" or "end"; %(value)s what was typed.
        raise InsightsError(
            gettext("The %(which)s date %(value)r is not a date: write it as YYYY-MM-DD.", which=which, value=text[:40])
        ) from None


def parse_period(
    since: str | None,
    until: str | None,
    category: str | None,
    today: dt.date,
    categories: Collection[str],
) -> Period:
    """The period asked for. Defaults: the last 30 days ending today; only
    ``since``: from then to today; only ``until``: the 30 days ending then.
    An end after today is today.

    :raise InsightsError: a date that is not YYYY-MM-DD, a start after the end
        or after today, more than 366 days, or an unknown category.
    """
    end = _date(until, "end") if until and until.strip() else today
    end = min(end, today)
    start = _date(since, "start") if since and since.strip() else end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > today:
        raise InsightsError(gettext("The start date %(since)s is after today.", since=start.isoformat()))
    if start > end:
        raise InsightsError(
            gettext(
                "The start date %(since)s is after the end date %(until)s.",
                since=start.isoformat(),
                until=end.isoformat(),
            )
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise InsightsError(gettext("Choose at most %(days)d days.", days=MAX_DAYS))
    category = (category or "").strip()
    if category and category not in categories:
        raise InsightsError(gettext("There is no category %(category)r.", category=category[:80]))
    return Period(start, end, category)


# Reading the counts ------------------------------------------------------------------

COLUMNS = ("day", "metric", "subject", "detail", "lang")


def _ensure_rolled_up(session: Session, since: dt.date, until: dt.date) -> None:
    """Roll up the complete days from ``since`` to ``until`` not rolled up yet,
    in sessions of its own: a report's session that has not read yet then
    reads the new rows. A failure (a read-only database, say) is logged: those
    days are then counted from their events, which gives the same figures."""
    now = events.utcnow()
    engine = session.get_bind()
    try:
        with Session(engine) as check:
            days = rollup.pending_days(check, since, until, now.date())
        if days:
            rollup.roll_up(engine, days, now)
    except SQLAlchemyError as exc:
        if has_app_context():
            current_app.logger.warning("could not roll up insights events: %s", exc)


def _wanted(metric: str, category: str, wanted: str) -> bool:
    """Whether a count in ``category`` belongs to a report on ``wanted`` ("" all)."""
    if wanted:
        return category == wanted
    return category == ALL if metric in VISIT_METRICS else True


def load(session: Session, period: Period, names: Collection[str], columns: Sequence[str]) -> Counter[tuple[Any, ...]]:
    """The counts of metrics ``names`` in ``period``, summed by ``columns`` (a
    selection of :data:`COLUMNS`): rolled-up days from ``event_days``, the
    other days from their events through :func:`metrics.day_metrics`."""
    _ensure_rolled_up(session, period.since, period.until)
    rolled = rollup.rolled_days(session, period.since, period.until)
    live = [day for day in period.each_day() if day not in rolled]
    found: Counter[tuple[Any, ...]] = Counter()
    cols = [getattr(EventDay, c) for c in columns]
    stmt = select(*cols, func.sum(EventDay.count)).where(
        EventDay.day >= period.since, EventDay.day <= period.until, EventDay.metric.in_(sorted(names))
    )
    if live:
        stmt = stmt.where(EventDay.day.not_in(live))
    if period.category:
        stmt = stmt.where(EventDay.category == period.category)
    else:
        stmt = stmt.where(or_(EventDay.metric.not_in(sorted(VISIT_METRICS)), EventDay.category == ALL))
    for *key, count in session.execute(stmt.group_by(*cols)):
        found[tuple(key)] += int(count)
    if live:
        raw = rollup.events_between(session, rollup.start_of(live[0]), rollup.start_of(live[-1] + _DAY))
        live_set = set(live)
        for day, counts in metrics.by_day(e for e in raw if e.at.date() in live_set).items():
            for (metric, subject, detail, lang, category), count in counts.items():
                if metric in names and _wanted(metric, category, period.category):
                    row = {"day": day, "metric": metric, "subject": subject, "detail": detail, "lang": lang}
                    found[tuple(row[c] for c in columns)] += count
    return found


# Content gaps ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryGap:
    """One query key in the content gaps: ``searches`` in the period, of which
    ``no_results`` found nothing and ``unopened`` found something nobody in the
    same visit opened; ``previous`` searches in the period before;
    ``examples`` what was typed for it (redacted), most frequent first."""

    key: str
    example: str
    searches: int
    no_results: int
    unopened: int
    previous: int
    examples: tuple[tuple[str, int], ...]

    @property
    def trend(self) -> float | None:
        """(searches - previous) / previous; None when there were none before."""
        return (self.searches - self.previous) / self.previous if self.previous else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["examples"] = [{"text": text, "count": count} for text, count in self.examples]
        data["trend"] = _round(self.trend)
        return data


def content_gaps(session: Session, period: Period, limit: int = 50) -> tuple[list[QueryGap], list[QueryGap]]:
    """(queries that found nothing, by searches that found nothing, most first;
    queries whose results nobody opens, by such searches, most first). Ties by key."""
    return _split(query_gaps(session, period), limit)


def _split(gaps: Iterable[QueryGap], limit: int) -> tuple[list[QueryGap], list[QueryGap]]:
    gaps = list(gaps)
    empty = sorted((g for g in gaps if g.no_results), key=lambda g: (-g.no_results, g.key))
    unopened = sorted((g for g in gaps if g.unopened), key=lambda g: (-g.unopened, g.key))
    return empty[:limit], unopened[:limit]


def query_gaps(session: Session, period: Period) -> list[QueryGap]:
    """Every query key searched in the period, by key."""
    counts = load(session, period, metrics.SEARCH_METRICS, ("metric", "subject", "detail"))
    before = load(session, period.previous(), {"search"}, ("subject",))
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    texts: dict[str, Counter[str]] = defaultdict(Counter)
    for (metric, key, text), count in counts.items():
        if not key:
            continue
        totals[key][metric] += count
        if metric == "search":
            texts[key][text] += count
    gaps = []
    for key, total in sorted(totals.items()):
        examples = tuple(sorted(texts[key].items(), key=lambda tc: (-tc[1], tc[0]))[:EXAMPLES])
        gaps.append(
            QueryGap(
                key=key,
                example=examples[0][0] if examples else key,
                searches=total["search"],
                no_results=total["search_empty"],
                unopened=total["search_unopened"],
                previous=before.get((key,), 0),
                examples=examples,
            )
        )
    return gaps


# Article health ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingComment:
    """A "what was missing" comment (redacted) with the boxes ticked beside it."""

    text: str
    reasons: tuple[str, ...]
    created: dt.datetime
    lang: str


@dataclass(frozen=True)
class ArticleHealth:
    """One article in the period: ``views`` (visitors a day, from the counter
    the rankings use), votes cast, ``score`` the 95% Wilson lower bound of
    helpful / all votes (None without votes), the comments, whether it is
    ``stale`` (not updated for the stale period) and ``tickets_after``: visits
    that read it and then opened a ticket."""

    slug: str
    title: str
    category: str
    lang: str
    views: int
    helpful: int
    unhelpful: int
    score: float | None
    comments: tuple[MissingComment, ...]
    updated: dt.date | None
    stale: bool
    tickets_after: int

    @property
    def votes(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def helpful_ratio(self) -> float | None:
        return self.helpful / self.votes if self.votes else None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["score"] = _round(self.score)
        data["helpful_ratio"] = _round(self.helpful_ratio)
        data["updated"] = self.updated.isoformat() if self.updated else None
        data["comments"] = [
            {**asdict(c), "reasons": list(c.reasons), "created": c.created.isoformat(timespec="seconds")}
            for c in self.comments
        ]
        return data


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def stale_after_days() -> int:
    if has_app_context():
        return int(current_app.config.get("STALE_AFTER_DAYS", DEFAULT_STALE_AFTER_DAYS))
    return DEFAULT_STALE_AFTER_DAYS


def _range(column: Any, period: Period) -> Any:
    return and_(column >= rollup.start_of(period.since), column < rollup.start_of(period.until + _DAY))


def article_health(
    session: Session,
    period: Period,
    articles: Iterable[Mapping[str, Any]],
    today: dt.date,
    stale_days: int | None = None,
) -> list[ArticleHealth]:
    """Every article of the period's category: worst first (lowest score, then
    most views); articles without votes after those with, by most views; ties
    by slug. ``articles`` are mappings with ``slug``, ``title``, ``category``,
    ``lang`` and ``updated``."""
    chosen = [a for a in articles if not period.category or a.get("category") == period.category]
    stale_days = stale_after_days() if stale_days is None else stale_days
    views = dict(
        session.execute(
            select(DailyViews.key, func.sum(DailyViews.count))
            .where(DailyViews.kind == "article", DailyViews.day >= period.since, DailyViews.day <= period.until)
            .group_by(DailyViews.key)
        ).all()
    )
    votes = {
        key: (int(helpful), int(total) - int(helpful))
        for key, helpful, total in session.execute(
            select(Vote.key, func.sum(case((Vote.helpful, 1), else_=0)), func.count())
            .where(Vote.kind == "article", _range(Vote.created, period))
            .group_by(Vote.key)
        )
    }
    comments: dict[str, list[MissingComment]] = defaultdict(list)
    for key, text, reasons, created, lang in session.execute(
        select(Vote.key, Vote.missing, Vote.reasons, Vote.created, Vote.lang)
        .where(Vote.kind == "article", Vote.missing.is_not(None), Vote.missing != "", _range(Vote.created, period))
        .order_by(Vote.created.desc(), Vote.id.desc())
    ):
        if len(comments[key]) < COMMENTS:
            comments[key].append(MissingComment(text, tuple(r for r in reasons.split(",") if r), created, lang))
    after = _item_tickets(session, period)
    rows = []
    for a in chosen:
        slug = str(a["slug"])
        helpful, unhelpful = votes.get(slug, (0, 0))
        updated = _as_date(a.get("updated"))
        rows.append(
            ArticleHealth(
                slug=slug,
                title=str(a.get("title", slug)),
                category=str(a.get("category", "")),
                lang=str(a.get("lang", "")),
                views=int(views.get(slug, 0)),
                helpful=helpful,
                unhelpful=unhelpful,
                score=ranking.wilson_lower_bound(helpful, helpful + unhelpful) if helpful + unhelpful else None,
                comments=tuple(comments.get(slug, ())),
                updated=updated,
                stale=updated is not None and (today - updated).days > stale_days,
                tickets_after=after.get(events.item(events.ARTICLE, slug), (0, 0))[1],
            )
        )
    return sorted(rows, key=lambda r: (r.score is None, r.score or 0.0, -r.views, r.slug))


def _item_tickets(session: Session, period: Period) -> dict[str, tuple[int, int]]:
    """Per item subject: (visits that used it, of those, visits that then opened a ticket)."""
    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (metric, subject), count in load(session, period, metrics.ITEM_METRICS, ("metric", "subject")).items():
        found[subject][0 if metric == "item_visits" else 1] += count
    return {subject: (v, t) for subject, (v, t) in found.items()}


# Troubleshooting funnels ---------------------------------------------------------------


def funnels(session: Session, period: Period, trees: Iterable[Mapping[str, Any]], now: dt.datetime) -> list[TreeReport]:
    """:func:`portal.tree_analytics.report_all` for the walks started in the
    period, for the trees of its category (trees no longer published only
    when every category is asked for)."""
    trees = list(trees)
    chosen = [t for t in trees if not period.category or t.get("category") == period.category]
    published = {t["id"] for t in trees}
    reports = tree_analytics.report_all(session, chosen, period.since, period.until, now)
    return [r for r in reports if not r.removed or (not period.category and r.tree_id not in published)]


# Deflection ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDeflection:
    """An article, FAQ answer or tree: ``visits`` that used it, of which
    ``tickets_after`` then opened a ticket."""

    subject: str
    title: str
    visits: int
    tickets_after: int

    @property
    def rate(self) -> float | None:
        """1 - tickets_after / visits: the share of its visits that needed no ticket."""
        return 1 - self.tickets_after / self.visits if self.visits else None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rate": _round(self.rate)}


@dataclass(frozen=True)
class DayFigures:
    """One day of a report's daily figures (a bar of its chart); JSON writes
    the day as ``YYYY-MM-DD``."""

    day: dt.date

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "day": self.day.isoformat()}


@dataclass(frozen=True)
class DayDeflection(DayFigures):
    self_service: int
    self_service_then_ticket: int


@dataclass(frozen=True)
class Deflection:
    """Visits that helped themselves (definitions in :mod:`portal.insights.metrics`).

    ``visits``: visits with any event; ``self_service``: visits that viewed an
    article or FAQ answer, searched, started a tree or opened a suggestion;
    ``self_service_then_ticket``: of those, visits that then opened a ticket;
    ``tickets``: tickets opened from the web form; ``suggestions_*``: visits
    shown suggestions on the ticket form, that opened one, and that opened one
    and sent no ticket after it."""

    visits: int
    self_service: int
    self_service_then_ticket: int
    tickets: int
    suggestions_shown: int
    suggestions_opened: int
    suggestions_deflected: int
    by_item: tuple[ItemDeflection, ...]
    days: tuple[DayDeflection, ...]

    @property
    def rate(self) -> float | None:
        """(self_service - self_service_then_ticket) / self_service."""
        if not self.self_service:
            return None
        return (self.self_service - self.self_service_then_ticket) / self.self_service

    def as_dict(self) -> dict[str, Any]:
        data = {k: v for k, v in asdict(self).items() if k not in ("by_item", "days")}
        data["rate"] = _round(self.rate)
        data["by_item"] = [i.as_dict() for i in self.by_item]
        data["days"] = [d.as_dict() for d in self.days]
        return data


def deflection(session: Session, period: Period, titles: Mapping[str, str]) -> Deflection:
    """Deflection in the period. ``titles`` maps subjects (``article:<slug>``,
    ``faq:<id>``, ``tree:<id>``) to what people read; ``by_item`` lists every
    item used in the period, most tickets after it first, then most visits."""
    totals = load(session, period, VISIT_METRICS | {"tickets"}, ("day", "metric", "detail"))
    per_metric: Counter[str] = Counter()
    per_day: dict[dt.date, Counter[str]] = defaultdict(Counter)
    for (day, metric, detail), count in totals.items():
        if metric == "tickets" and detail != "web":
            continue
        per_metric[metric] += count
        per_day[day][metric] += count
    items = [
        ItemDeflection(subject, titles.get(subject, subject), visits, after)
        for subject, (visits, after) in _item_tickets(session, period).items()
        if visits
    ]
    items.sort(key=lambda i: (-i.tickets_after, -i.visits, i.subject))
    return Deflection(
        visits=per_metric["visits"],
        self_service=per_metric["self_service"],
        self_service_then_ticket=per_metric["self_service_ticket"],
        tickets=per_metric["tickets"],
        suggestions_shown=per_metric["suggest_shown"],
        suggestions_opened=per_metric["suggest_opened"],
        suggestions_deflected=per_metric["suggest_deflected"],
        by_item=tuple(items),
        days=tuple(
            DayDeflection(day, per_day[day]["self_service"], per_day[day]["self_service_ticket"])
            for day in period.each_day()
        ),
    )


# Service levels ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Durations:
    """Times from a ticket being opened to a target event, in hours: median,
    90th percentile (nearest rank), and how many met their due time."""

    count: int
    median_hours: float | None
    p90_hours: float | None
    within_target: int
    breached: int

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "median_hours": _round(self.median_hours), "p90_hours": _round(self.p90_hours)}


@dataclass(frozen=True)
class DayTickets(DayFigures):
    opened: int
    solved: int


@dataclass(frozen=True)
class ServiceLevels:
    """How the team kept its service levels (from the ``tickets`` table).

    ``days``: tickets opened and solved each day of the period;
    ``first_response`` / ``resolution``: tickets opened in the period that got a
    first response / were solved; ``backlog``: unsolved tickets now (new, open,
    pending), by age; ``breached_open``: of those, past a due time now;
    CSAT and NPS: answers given in the period. NPS is %promoters (9-10) minus
    %detractors (0-6), None when nobody answered.
    """

    days: tuple[DayTickets, ...]
    first_response: Durations
    resolution: Durations
    backlog: int
    backlog_ages: tuple[tuple[str, int], ...]
    breached_open: int
    csat_count: int
    csat_average: float | None
    csat_distribution: tuple[int, int, int, int, int]
    nps_count: int
    nps: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": [d.as_dict() for d in self.days],
            "first_response": self.first_response.as_dict(),
            "resolution": self.resolution.as_dict(),
            "backlog": self.backlog,
            "backlog_ages": [{"age": age, "count": n} for age, n in self.backlog_ages],
            "breached_open": self.breached_open,
            "csat_count": self.csat_count,
            "csat_average": _round(self.csat_average),
            "csat_distribution": list(self.csat_distribution),
            "nps_count": self.nps_count,
            "nps": _round(self.nps),
        }


def durations(pairs: Iterable[tuple[dt.timedelta, bool]]) -> Durations:
    """Durations from (time taken, met its due time) pairs (pure)."""
    pairs = list(pairs)
    hours = sorted(taken.total_seconds() / 3600 for taken, _ in pairs)
    if not hours:
        return Durations(0, None, None, 0, 0)
    met = sum(1 for _, ok in pairs if ok)
    p90 = hours[max(math.ceil(0.9 * len(hours)) - 1, 0)]
    return Durations(len(hours), statistics.median(hours), p90, met, len(hours) - met)


def nps(scores: Mapping[int, int]) -> float | None:
    """Net Promoter Score from answer → count: %9-10 minus %0-6 (pure)."""
    total = sum(scores.values())
    if not total:
        return None
    promoters = sum(n for s, n in scores.items() if s >= 9)
    detractors = sum(n for s, n in scores.items() if s <= 6)
    return 100 * (promoters - detractors) / total


def service_levels(session: Session, period: Period, now: dt.datetime) -> ServiceLevels:
    """Service levels in the period, the backlog as of ``now``."""
    now = _stored(now)

    def of_category(stmt: Any) -> Any:
        return stmt.where(Ticket.category == period.category) if period.category else stmt

    opened: Counter[dt.date] = Counter()
    solved: Counter[dt.date] = Counter()
    for column, counter in ((Ticket.created, opened), (Ticket.solved, solved)):
        day = func.date(column, type_=Date)
        stmt = of_category(select(day, func.count()).where(_range(column, period)).group_by(day))
        for found, count in session.execute(stmt):
            counter[_as_date(found) or period.since] += int(count)
    in_period = of_category(
        select(
            Ticket.created,
            Ticket.first_response,
            Ticket.first_response_due,
            Ticket.solved,
            Ticket.resolution_due,
        ).where(_range(Ticket.created, period), or_(Ticket.first_response.is_not(None), Ticket.solved.is_not(None)))
    )
    first, resolved = [], []
    for created, responded, response_due, solved_at, resolution_due in session.execute(in_period):
        if responded is not None:
            first.append((responded - created, responded <= response_due))
        if solved_at is not None:
            resolved.append((solved_at - created, solved_at <= resolution_due))
    backlog, ages, breached = _backlog(session, period, now)
    csat: dict[int, int] = dict(
        session.execute(
            of_category(
                select(Ticket.csat_score, func.count())
                .where(Ticket.csat_score.is_not(None), _range(Ticket.csat_at, period))
                .group_by(Ticket.csat_score)
            )
        ).all()
    )
    nps_answers = dict(
        session.execute(
            of_category(
                select(Ticket.nps_score, func.count())
                .where(Ticket.nps_score.is_not(None), _range(Ticket.csat_at, period))
                .group_by(Ticket.nps_score)
            )
        ).all()
    )
    csat_count = sum(csat.values())
    return ServiceLevels(
        days=tuple(DayTickets(day, opened[day], solved[day]) for day in period.each_day()),
        first_response=durations(first),
        resolution=durations(resolved),
        backlog=backlog,
        backlog_ages=ages,
        breached_open=breached,
        csat_count=csat_count,
        csat_average=sum(s * n for s, n in csat.items()) / csat_count if csat_count else None,
        csat_distribution=(csat.get(1, 0), csat.get(2, 0), csat.get(3, 0), csat.get(4, 0), csat.get(5, 0)),
        nps_count=sum(nps_answers.values()),
        nps=nps(nps_answers),
    )


def _backlog(session: Session, period: Period, now: dt.datetime) -> tuple[int, tuple[tuple[str, int], ...], int]:
    """(unsolved tickets, their count per age bucket, those past a due time), in one query."""
    day1, day3, day7 = (now - dt.timedelta(days=d) for d in (1, 3, 7))
    buckets = (
        Ticket.created > day1,
        and_(Ticket.created <= day1, Ticket.created > day3),
        and_(Ticket.created <= day3, Ticket.created > day7),
        Ticket.created <= day7,
    )
    past_due = or_(and_(Ticket.first_response.is_(None), Ticket.first_response_due < now), Ticket.resolution_due < now)
    stmt = select(func.count(), *(_count(c) for c in (*buckets, past_due))).where(Ticket.status.in_(OPEN_STATUSES))
    if period.category:
        stmt = stmt.where(Ticket.category == period.category)
    total, *ages, breached = session.execute(stmt).one()
    return int(total), tuple((label, int(n)) for label, n in zip(BACKLOG_AGES, ages, strict=True)), int(breached)


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


# Everything ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Insights:
    """Every report for one period, for the command line and the dashboard."""

    period: Period
    gaps_empty: list[QueryGap]
    gaps_unopened: list[QueryGap]
    articles: list[ArticleHealth]
    funnels: list[TreeReport]
    deflection: Deflection
    service: ServiceLevels
    searches: int = 0  # searches in the period (the gaps list only queries with a gap)

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": self.period.as_dict(),
            "searches": self.searches,
            "content_gaps": {
                "no_results": [g.as_dict() for g in self.gaps_empty],
                "unopened": [g.as_dict() for g in self.gaps_unopened],
            },
            "articles": [a.as_dict() for a in self.articles],
            "funnels": [f.as_dict() for f in self.funnels],
            "deflection": self.deflection.as_dict(),
            "service_levels": self.service.as_dict(),
        }


def catalog_articles(catalog: Any) -> list[dict[str, Any]]:
    """The published articles as the mappings :func:`article_health` reads."""
    return [
        {"slug": a.slug, "title": a.title, "category": a.category, "lang": a.lang, "updated": a.updated}
        for group in catalog.translation_groups()
        for a in group
    ]


def catalog_titles(catalog: Any, articles: Iterable[Mapping[str, Any]] | None = None) -> dict[str, str]:
    """Item subject → title, for every published article, FAQ answer and tree."""
    titles = {events.item(events.ARTICLE, a["slug"]): a["title"] for a in articles or catalog_articles(catalog)}
    titles.update({events.item(events.FAQ, f["id"]): f["question"] for f in catalog.collection("faq")})
    titles.update({events.item(events.TREE, t["id"]): t["title"] for t in catalog.collection("trees")})
    return titles


def gather(session: Session, period: Period, snapshot: Any, now: dt.datetime) -> Insights:
    """Every report for ``period`` from the published build ``snapshot``
    (its articles, FAQ and trees) and the database, as of ``now``."""
    catalog = snapshot.catalog
    articles = catalog_articles(catalog)
    _ensure_rolled_up(session, period.previous().since, period.until)
    gaps = query_gaps(session, period)
    empty, unopened = _split(gaps, GAPS)
    return Insights(
        period=period,
        gaps_empty=empty,
        gaps_unopened=unopened,
        articles=article_health(session, period, articles, now.date()),
        funnels=funnels(session, period, catalog.collection("trees"), now),
        deflection=deflection(session, period, catalog_titles(catalog, articles)),
        service=service_levels(session, period, now),
        searches=sum(g.searches for g in gaps),
    )


def _stored(moment: dt.datetime) -> dt.datetime:
    """``moment`` as the tables hold times: UTC without a zone."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
