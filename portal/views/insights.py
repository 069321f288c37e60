"""The insights dashboard at ``/staff/insights``: what to write next, which
articles fail, where customers give up, how many visits end without a ticket,
and whether the team meets its SLA.

Every page reads the same filter from the URL (``since``, ``until``,
``category``; :func:`read_filters`) and keeps it in every link, quick range
and CSV download, so a view can be bookmarked or sent to a colleague. A filter
that cannot be used (a bad date, an unknown category) is shown beside the form
and the page answers ``400`` with the default period, never an error page.
The figures come from :mod:`portal.insights.reports` (the same functions as
``flask insights``); charts from :mod:`portal.insights.charts`, each with its
numbers in a table beside it, both written by :func:`figures` in the
reader's language (Persian digits under ``/fa``); the CSV downloads stay in
Latin digits and ISO dates, for spreadsheets. Like the rest of the desk, every
page needs a signed-in agent and is sent ``no-store`` and ``noindex``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from babel.numbers import get_decimal_symbol, get_minus_sign_symbol, get_plus_sign_symbol
from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.wrappers import Response

from portal import activity, db
from portal.i18n import DEFAULT, current_lang, digits, direction, format_day, format_number, lazy_gettext
from portal.insights import charts, formats, reports
from portal.insights.reports import InsightsError, Period
from portal.models import PRIORITIES
from portal.published import NotBuilt, Snapshot, current
from portal.staff.auth import login_required, utcnow
from portal.staff.labels import NODE_KINDS, priority_name
from portal.tickets.sla import DEFAULT as DEFAULT_SLA
from portal.tickets.sla import Sla, format_duration
from portal.views.helpers import categories_by_slug

bp = Blueprint("insights", __name__, url_prefix="/staff/insights")

FILTER_ARGS = ("since", "until", "category")
QUICK_RANGES = (7, 30, 90)  # days, ending today
ARG_LENGTH = 100  # longer filter values are cut before anyone reads them
# The dashboard's pages, in the order of its navigation.
PAGES = (
    ("insights.overview", lazy_gettext("Overview")),
    ("insights.gaps", lazy_gettext("Content gaps")),
    ("insights.articles", lazy_gettext("Articles")),
    ("insights.funnels", lazy_gettext("Troubleshooting")),
    ("insights.deflection", lazy_gettext("Deflection")),
    ("insights.service", lazy_gettext("Service levels")),
)
# How the article table can be sorted: key -> (label, sort key, newest/largest first).
ARTICLE_SORTS: dict[str, tuple[Any, Any, bool]] = {
    "health": (lazy_gettext("Least helpful"), None, False),  # the report's own order
    "views": (lazy_gettext("Views"), lambda a: a.views, True),
    "unhelpful": (lazy_gettext("Unhelpful votes"), lambda a: a.unhelpful, True),
    "comments": (lazy_gettext("Comments"), lambda a: len(a.comments), True),
    "tickets": (lazy_gettext("Tickets after"), lambda a: a.tickets_after, True),
    "updated": (lazy_gettext("Oldest update"), lambda a: a.updated or dt.date.min, False),
}

# L10n: the backlog's age groups (reports.BACKLOG_AGES).
AGE_LABELS = {
    "< 1 day": lazy_gettext("< 1 day"),
    "1-3 days": lazy_gettext("1-3 days"),
    "3-7 days": lazy_gettext("3-7 days"),
    "> 7 days": lazy_gettext("> 7 days"),
}


# The filter --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """The period a page shows, what was typed into the form (shown again as
    typed), the problem with it if any, and the query arguments every link on
    the page carries (``keep``: only what was asked for and valid)."""

    period: Period
    typed: dict[str, str]
    error: str = ""
    keep: dict[str, str] = field(default_factory=dict)
    invalid: str = ""  # "dates" or "category": the fields the error is about


def read_filters(args: Mapping[str, str], today: dt.date, categories: Sequence[str]) -> Filters:
    """The page's filter from its query arguments (pure). Anything unusable
    falls back to the default period, with the reason in ``error``."""
    typed = {name: str(args.get(name, ""))[:ARG_LENGTH] for name in FILTER_ARGS}
    try:
        period = reports.parse_period(typed["since"], typed["until"], typed["category"], today, categories)
    except InsightsError as exc:
        try:  # the dates alone are fine: the category was the problem
            reports.parse_period(typed["since"], typed["until"], None, today, categories)
            invalid = "category"
        except InsightsError:
            invalid = "dates"
        return Filters(reports.parse_period(None, None, None, today, categories), typed, str(exc), invalid=invalid)
    keep = {}
    if typed["since"].strip():
        keep["since"] = period.since.isoformat()
    if typed["until"].strip():
        keep["until"] = period.until.isoformat()
    if period.category:
        keep["category"] = period.category
    return Filters(period, typed, "", keep)


def quick_range(days: int, today: dt.date, category: str) -> dict[str, str]:
    """The arguments of "the last ``days`` days", today included."""
    args = {"since": (today - dt.timedelta(days=days - 1)).isoformat(), "until": today.isoformat()}
    return {**args, "category": category} if category else args


def csv_filename(report: str, period: Period) -> str:
    """``content-gaps-2026-10-04-to-2026-11-02-internet.csv``: what and when,
    so downloads for different periods never overwrite each other."""
    name = f"{report}-{period.since.isoformat()}-to-{period.until.isoformat()}"
    return f"{name}-{period.category}.csv" if period.category else f"{name}.csv"


def article_order(rows: Sequence[reports.ArticleHealth], sort: str) -> list[reports.ArticleHealth]:
    """The article table in the order asked for; ties keep the report's order
    (least helpful first), so the order is the same on every load."""
    _label, key, descending = ARTICLE_SORTS.get(sort, ARTICLE_SORTS["health"])
    if key is None:
        return list(rows)
    return sorted(rows, key=key, reverse=descending)


# Shared helpers ----------------------------------------------------------------------


def _snapshot() -> Snapshot | None:
    try:
        return current()
    except NotBuilt:
        return None


def _categories(snapshot: Snapshot | None) -> dict[str, dict[str, Any]]:
    """The help centre's categories (categories.yaml, as published) by slug."""
    return categories_by_slug(snapshot) if snapshot is not None else {}


def _filters(snapshot: Snapshot | None) -> Filters:
    return read_filters(request.args, utcnow().date(), list(_categories(snapshot)))


def _rtl() -> bool:
    return direction(current_lang()) == "rtl"


def _day(day: dt.date) -> str:
    """A day as the charts label it, in the reader's language: ``2 Nov``, ``۲ نوامبر``."""
    return format_day(day, "d MMM")


def _iso_day(day: dt.date) -> str:
    """A day as the tables and the period write it: ``2026-11-02``, in the
    reader's digits (``۲۰۲۶-۱۱-۰۲``)."""
    return digits(day.isoformat())


def _decimal(value: float) -> str:
    """``value`` to one decimal place in the reader's language: "71.3", "۷۱٫۳".
    Rounded as Python rounds, so the English page writes what ``flask insights``
    writes; only the decimal sign and the digits change."""
    sign = get_decimal_symbol(get_locale() or DEFAULT, numbering_system="default")
    return digits(f"{value:.1f}".replace(".", sign))


def _percent(figure: str) -> str:
    return gettext("%(percent)s%%", percent=figure)


@bp.app_template_global("insights_figures")
def figures() -> charts.Figures:
    """The dashboard's figures in the language Babel formats in: the charts'
    and, through ``staff/insights/_macros.html``, the tables' beside them."""
    locale = get_locale() or DEFAULT
    return charts.Figures(
        number=format_number,
        decimal=_decimal,
        percent=_percent,
        plus=get_plus_sign_symbol(locale, numbering_system="default"),
        minus=get_minus_sign_symbol(locale, numbering_system="default"),
    )


def _per_day(cid: str, title: str, desc: str, days: Sequence[reports.DayFigures], *series: tuple[str, str, str]) -> str:
    """A bar chart of ``days`` (a report's rows, each with its ``day``), one series
    per ``(name, the row's attribute, colour)``."""
    return charts.day_bars(
        cid,
        title,
        desc,
        [_day(d.day) for d in days],
        [charts.Series(name, tuple(getattr(d, attr) for d in days), colour) for name, attr, colour in series],
        rtl=_rtl(),
        figures=figures(),
    )


def _link(endpoint: str, filters: Filters, **extra: Any) -> str:
    return url_for(endpoint, **filters.keep, **extra)


def _page(template: str, snapshot: Snapshot | None, filters: Filters, **context: Any) -> Any:
    """Render a dashboard page with its filter form; ``400`` when the filter was refused."""
    today = utcnow().date()
    category = filters.period.category
    ranges = [
        (days, quick_range(days, today, category), filters.period == Period(*_range_dates(days, today), category))
        for days in QUICK_RANGES
    ]
    page = render_template(
        f"staff/insights/{template}",
        section="insights",
        page_endpoint=request.endpoint,
        pages=PAGES,
        filters=filters,
        period=filters.period,
        categories=_categories(snapshot),
        quick_ranges=ranges,
        link=lambda endpoint, **extra: _link(endpoint, filters, **extra),
        rtl=_rtl(),
        iso_day=_iso_day,
        default_days=reports.DEFAULT_DAYS,
        **context,
    )
    return page, 400 if filters.error else 200


def _range_dates(days: int, today: dt.date) -> tuple[dt.date, dt.date]:
    return today - dt.timedelta(days=days - 1), today


def _csv(text: str, report: str, period: Period) -> Response:
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{csv_filename(report, period)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


class _NothingPublished:
    """Stands in for a build's catalog while none is published: no articles,
    FAQ or trees, so the reports still show tickets and recorded events."""

    def translation_groups(self) -> list[list[Any]]:
        return []

    def collection(self, _name: str) -> list[Any]:
        return []


@dataclass(frozen=True)
class _NoBuild:
    catalog: _NothingPublished = field(default_factory=_NothingPublished)


def _published(snapshot: Snapshot | None) -> Any:
    """``snapshot``, or an empty stand-in for the reports while nothing is published."""
    return snapshot if snapshot is not None else _NoBuild()


def _articles(snapshot: Snapshot | None) -> list[dict[str, Any]]:
    return reports.catalog_articles(_published(snapshot).catalog)


def _trees(snapshot: Snapshot | None) -> list[dict[str, Any]]:
    return list(_published(snapshot).catalog.collection("trees"))


def gap_rows(empty: Sequence[reports.QueryGap], unopened: Sequence[reports.QueryGap]) -> list[reports.QueryGap]:
    """Both content-gap lists as one table for the CSV (a query in both lists
    once): those that found nothing first, then those nobody opened."""
    listed = {g.key for g in empty}
    return [*empty, *(g for g in unopened if g.key not in listed)]


# Pages -------------------------------------------------------------------------------


@bp.get("", strict_slashes=False)
@login_required
def overview() -> Any:
    """The five answers on one page, each a link to its page."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    found = reports.gather(db.reader(), filters.period, _published(snapshot), utcnow())
    return _page("overview.html", snapshot, filters, insights=found, headline=headline(found))


@bp.get("/gaps")
@login_required
def gaps() -> Any:
    """Searches that found nothing, and searches whose results nobody opened."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    empty, unopened = reports.content_gaps(db.reader(), filters.period)
    chart = charts.hbars(
        "gaps-empty",
        gettext("Searches that found nothing"),
        gettext("The queries searched most often without a result, with how many times each found nothing."),
        [(g.example or g.key, g.no_results) for g in empty[:10]],
        rtl=_rtl(),
        figures=figures(),
    )
    return _page("gaps.html", snapshot, filters, empty=empty, unopened=unopened, chart=chart)


@bp.get("/gaps.csv")
@login_required
def gaps_csv() -> Response:
    """Both content-gap tables as one CSV file, for authors to plan articles from."""
    snapshot = _snapshot()
    period = _filters(snapshot).period
    empty, unopened = reports.content_gaps(db.reader(), period)
    return _csv(formats.content_gaps_csv(gap_rows(empty, unopened)), "content-gaps", period)


@bp.get("/articles")
@login_required
def articles() -> Any:
    """Views, votes with their confidence bound, "what was missing", stale articles."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    rows = reports.article_health(db.reader(), filters.period, _articles(snapshot), utcnow().date())
    sort = request.args.get("sort", "health")
    sort = sort if sort in ARTICLE_SORTS else "health"
    return _page(
        "articles.html",
        snapshot,
        filters,
        rows=article_order(rows, sort),
        sort=sort,
        sorts=ARTICLE_SORTS,
        stale_after=reports.stale_after_days(),
        reasons=activity.REASONS,
    )


@bp.get("/articles.csv")
@login_required
def articles_csv() -> Response:
    snapshot = _snapshot()
    period = _filters(snapshot).period
    rows = reports.article_health(db.reader(), period, _articles(snapshot), utcnow().date())
    return _csv(formats.article_health_csv(rows), "article-health", period)


@bp.get("/funnels")
@login_required
def funnels() -> Any:
    """Per troubleshooting tree: the funnel of its nodes, drop-off and solved rates."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    trees = _trees(snapshot)
    found = reports.funnels(db.reader(), filters.period, trees, utcnow())
    published = {t["id"] for t in trees}
    drawn = []
    for report in found:
        steps = funnel_steps(report)
        chart = funnel_chart(report, steps, _rtl()) if report.started else ""
        drawn.append((report, chart, report.tree_id in published, steps))
    return _page("funnels.html", snapshot, filters, trees=found, reports=drawn, kinds=NODE_KINDS)


@bp.get("/deflection")
@login_required
def deflection() -> Any:
    """Visits that helped themselves without a ticket; tickets after each article and tree."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    found = reports.deflection(
        db.reader(), filters.period, reports.catalog_titles(_published(snapshot).catalog, _articles(snapshot))
    )
    chart = _per_day(
        "deflection-days",
        gettext("Self-service visits per day"),
        gettext("Visits that used self-service each day, and those of them that then opened a ticket."),
        found.days,
        (gettext("self-service"), "self_service", charts.COLOURS[0]),
        (gettext("then a ticket"), "self_service_then_ticket", charts.COLOURS[1]),
    )
    return _page("deflection.html", snapshot, filters, found=found, chart=chart)


@bp.get("/service")
@login_required
def service() -> Any:
    """Tickets per day, response and resolution times against the SLA, backlog, CSAT and NPS."""
    snapshot = _snapshot()
    filters = _filters(snapshot)
    found = reports.service_levels(db.reader(), filters.period, utcnow())
    rtl, shown = _rtl(), figures()
    ages = [(str(AGE_LABELS.get(label, label)), n) for label, n in found.backlog_ages]
    per_day = _per_day(
        "tickets-days",
        gettext("Tickets per day"),
        gettext("Tickets opened and tickets solved on each day of the period."),
        found.days,
        (gettext("opened"), "opened", charts.COLOURS[0]),
        (gettext("solved"), "solved", charts.COLOURS[2]),
    )
    backlog = charts.hbars(
        "backlog-ages",
        gettext("Backlog by age"),
        gettext("Unsolved tickets now, by how long ago they were opened."),
        ages,
        rtl=rtl,
        figures=shown,
    )
    csat = charts.distribution(
        "csat",
        gettext("Satisfaction scores"),
        gettext("How many customers gave each score, from 1 (very dissatisfied) to 5 (very satisfied)."),
        [shown.number(score) for score in range(1, 6)],
        list(found.csat_distribution),
        rtl=rtl,
        figures=shown,
    )
    return _page(
        "service.html",
        snapshot,
        filters,
        found=found,
        per_day=per_day,
        backlog=backlog,
        csat=csat,
        ages=ages,
        targets=_targets(),
        ask_nps=bool(current_app.config.get("SURVEY_NPS")),
    )


def _targets() -> list[tuple[str, str, str]]:
    """(priority, first response, resolution) of the SLA the portal started with."""
    loaded = current_app.extensions.get("portal.sla")
    sla = loaded if isinstance(loaded, Sla) else DEFAULT_SLA
    return [
        (
            priority_name(priority),
            format_duration(sla.targets[priority].first_response),
            format_duration(sla.targets[priority].resolution),
        )
        for priority in reversed(PRIORITIES)
        if priority in sla.targets
    ]


# What the pages show -----------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    """The overview's figures, each answering one of the team's questions."""

    no_result_searches: int
    no_result_queries: int
    unhelpful_articles: int
    stale_articles: int
    walks: int
    walks_solved: int
    walks_escalated: int


def headline(found: reports.Insights) -> Headline:
    """The overview's figures, summed from the reports shown on the other pages (pure)."""
    return Headline(
        no_result_searches=sum(g.no_results for g in found.gaps_empty),
        no_result_queries=len(found.gaps_empty),
        unhelpful_articles=sum(1 for a in found.articles if a.unhelpful > a.helpful),
        stale_articles=sum(1 for a in found.articles if a.stale),
        walks=sum(r.started for r in found.funnels),
        walks_solved=sum(r.solved for r in found.funnels),
        walks_escalated=sum(r.escalated for r in found.funnels),
    )


def funnel_steps(report: Any) -> list[charts.FunnelStep]:
    """A tree's walks as a funnel: started, then each node reached (most
    reached first, ties in the tree's order), then how walks ended."""
    nodes = sorted((n for n in report.nodes if n.reached), key=lambda n: -n.reached)
    steps = [charts.FunnelStep(gettext("Started"), report.started)]
    for node in nodes:
        note = gettext("%(count)s stopped here", count=format_number(node.dropped)) if node.dropped else ""
        colour = charts.COLOURS[1] if node.kind == "escalate" else charts.COLOURS[0]
        steps.append(charts.FunnelStep(f"{node.node_id}: {node.text}", node.reached, note, colour))
    steps.append(charts.FunnelStep(gettext("Solved"), report.solved, "", charts.COLOURS[2]))
    return steps


def funnel_chart(report: Any, steps: Sequence[charts.FunnelStep], rtl: bool) -> str:
    return charts.funnel(
        f"funnel-{report.tree_id}",
        gettext("Walks of %(title)s", title=report.title),
        gettext("How many walks reached each step of the tree, and how many ended solved."),
        steps,
        rtl=rtl,
        figures=figures(),
    )
