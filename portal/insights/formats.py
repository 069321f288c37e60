"""The insights as text, CSV and JSON: for ``flask insights`` and for the
dashboard's downloads.

- :func:`format_text`: what a person reads in a terminal, every section in turn,
  each saying so when it has nothing yet ("no searches yet").
- :func:`format_json`: :meth:`Insights.as_dict`, rates as fractions to four places.
- :func:`format_csv`: one long table, one number per row:
  ``section,item,detail,metric,value,label`` (ready to filter or pivot in a
  spreadsheet). The per-report writers (:func:`content_gaps_csv`,
  :func:`article_health_csv`, ...) give one wide table each, a row per item.

Text a customer typed (queries, comments) is written as data: a CSV cell that
a spreadsheet would take for a formula (starting with ``=``, ``+``, ``-``,
``@``) is prefixed with ``'``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence

from portal import tree_analytics
from portal.insights.reports import (
    ArticleHealth,
    Deflection,
    Durations,
    Insights,
    QueryGap,
    ServiceLevels,
)
from portal.tree_analytics import TreeReport

FORMATS = ("text", "csv", "json")
CSV_COLUMNS = ("section", "item", "detail", "metric", "value", "label")
TEXT_ARTICLES = 20  # articles listed by the text report; CSV and JSON list all
TEXT_ITEMS = 10  # items listed under "tickets after"
TEXT_COMMENTS = 10  # "what was missing" comments listed by the text report
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def percent(value: float | None) -> str:
    """A share as people read it, one decimal: ``"80.0%"``; ``"–"`` when undefined."""
    return "–" if value is None else f"{value * 100:.1f}%"


def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} h"


def signed_percent(value: float | None) -> str:
    return "new" if value is None else f"{value * 100:+.1f}%"


def cell(text: object) -> object:
    """A CSV cell: text a spreadsheet would run as a formula is quoted with ``'``."""
    if isinstance(text, str) and text.startswith(_FORMULA):
        return "'" + text
    return text


def _fraction(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([cell(c) for c in row] for row in rows)
    return out.getvalue()


# Per-report CSV (a row per item) ------------------------------------------------------


def content_gaps_csv(gaps: Sequence[QueryGap]) -> str:
    """``key,example,searches,no_results,unopened,previous,trend,examples``;
    examples as ``text (count)`` joined by `` | ``."""
    return _csv(
        ("key", "example", "searches", "no_results", "unopened", "previous", "trend", "examples"),
        (
            (
                g.key,
                g.example,
                g.searches,
                g.no_results,
                g.unopened,
                g.previous,
                _fraction(g.trend),
                " | ".join(f"{text} ({count})" for text, count in g.examples),
            )
            for g in gaps
        ),
    )


def article_health_csv(rows: Sequence[ArticleHealth]) -> str:
    """A row per article; comments joined by `` | ``."""
    return _csv(
        (
            "slug",
            "title",
            "category",
            "lang",
            "views",
            "helpful",
            "unhelpful",
            "helpful_ratio",
            "score",
            "updated",
            "stale",
            "tickets_after",
            "comments",
        ),
        (
            (
                a.slug,
                a.title,
                a.category,
                a.lang,
                a.views,
                a.helpful,
                a.unhelpful,
                _fraction(a.helpful_ratio),
                _fraction(a.score),
                a.updated.isoformat() if a.updated else "",
                "yes" if a.stale else "no",
                a.tickets_after,
                " | ".join(c.text for c in a.comments),
            )
            for a in rows
        ),
    )


def funnels_csv(reports: Sequence[TreeReport]) -> str:
    """The troubleshooting report's own CSV (``tree-report --format csv``)."""
    return tree_analytics.format_csv(reports)


def deflection_csv(deflection: Deflection) -> str:
    """``subject,title,visits,tickets_after,rate``: a row per item."""
    return _csv(
        ("subject", "title", "visits", "tickets_after", "rate"),
        ((i.subject, i.title, i.visits, i.tickets_after, _fraction(i.rate)) for i in deflection.by_item),
    )


def deflection_days_csv(deflection: Deflection) -> str:
    return _csv(
        ("day", "self_service", "self_service_then_ticket"),
        ((d.day.isoformat(), d.self_service, d.self_service_then_ticket) for d in deflection.days),
    )


def service_levels_csv(service: ServiceLevels) -> str:
    """``day,opened,solved``: a row per day of the period."""
    return _csv(("day", "opened", "solved"), ((d.day.isoformat(), d.opened, d.solved) for d in service.days))


# The whole report as one CSV ---------------------------------------------------------


def csv_rows(insights: Insights) -> list[tuple[object, ...]]:
    """Every figure as ``(section, item, detail, metric, value, label)``."""
    rows: list[tuple[object, ...]] = []
    for section, gaps in (("no_results", insights.gaps_empty), ("unopened", insights.gaps_unopened)):
        for g in gaps:
            rows += [
                (section, g.key, "", "searches", g.searches, g.example),
                (section, g.key, "", "no_results", g.no_results, ""),
                (section, g.key, "", "unopened", g.unopened, ""),
                (section, g.key, "", "previous", g.previous, ""),
                (section, g.key, "", "trend", _fraction(g.trend), ""),
            ]
            rows += [(section, g.key, text, "example", count, "") for text, count in g.examples]
    for a in insights.articles:
        rows += [
            ("articles", a.slug, "", "views", a.views, a.title),
            ("articles", a.slug, "", "helpful", a.helpful, ""),
            ("articles", a.slug, "", "unhelpful", a.unhelpful, ""),
            ("articles", a.slug, "", "score", _fraction(a.score), ""),
            ("articles", a.slug, "", "stale", int(a.stale), a.updated.isoformat() if a.updated else ""),
            ("articles", a.slug, "", "tickets_after", a.tickets_after, ""),
        ]
        rows += [
            ("articles", a.slug, ",".join(c.reasons), "comment", c.created.isoformat(timespec="seconds"), c.text)
            for c in a.comments
        ]
    for report in insights.funnels:
        for tree, node, choice, metric, value, label in tree_analytics.csv_rows(report):
            rows.append(("funnels", tree, f"{node}/{choice}" if choice else node, metric, value, label))
    d = insights.deflection
    rows += [
        ("deflection", "", "", "visits", d.visits, ""),
        ("deflection", "", "", "self_service", d.self_service, ""),
        ("deflection", "", "", "self_service_then_ticket", d.self_service_then_ticket, ""),
        ("deflection", "", "", "rate", _fraction(d.rate), ""),
        ("deflection", "", "", "tickets", d.tickets, ""),
        ("deflection", "", "", "suggestions_shown", d.suggestions_shown, ""),
        ("deflection", "", "", "suggestions_opened", d.suggestions_opened, ""),
        ("deflection", "", "", "suggestions_deflected", d.suggestions_deflected, ""),
    ]
    for i in d.by_item:
        rows += [
            ("deflection", i.subject, "", "visits", i.visits, i.title),
            ("deflection", i.subject, "", "tickets_after", i.tickets_after, ""),
        ]
    for day in d.days:
        rows += [
            ("deflection", "", day.day.isoformat(), "self_service", day.self_service, ""),
            ("deflection", "", day.day.isoformat(), "self_service_then_ticket", day.self_service_then_ticket, ""),
        ]
    s = insights.service
    for day_tickets in s.days:
        rows += [
            ("service", "", day_tickets.day.isoformat(), "opened", day_tickets.opened, ""),
            ("service", "", day_tickets.day.isoformat(), "solved", day_tickets.solved, ""),
        ]
    for name, durations in (("first_response", s.first_response), ("resolution", s.resolution)):
        rows += [
            ("service", name, "", "count", durations.count, ""),
            ("service", name, "", "median_hours", _fraction(durations.median_hours), ""),
            ("service", name, "", "p90_hours", _fraction(durations.p90_hours), ""),
            ("service", name, "", "within_target", durations.within_target, ""),
            ("service", name, "", "breached", durations.breached, ""),
        ]
    rows.append(("service", "backlog", "", "count", s.backlog, ""))
    rows += [("service", "backlog", age, "count", n, "") for age, n in s.backlog_ages]
    rows.append(("service", "backlog", "", "breached", s.breached_open, ""))
    rows += [
        ("service", "csat", "", "count", s.csat_count, ""),
        ("service", "csat", "", "average", _fraction(s.csat_average), ""),
    ]
    rows += [("service", "csat", str(score), "count", n, "") for score, n in enumerate(s.csat_distribution, 1)]
    rows += [("service", "nps", "", "count", s.nps_count, ""), ("service", "nps", "", "nps", _fraction(s.nps), "")]
    return rows


def format_csv(insights: Insights) -> str:
    return _csv(CSV_COLUMNS, csv_rows(insights))


def format_json(insights: Insights) -> str:
    return json.dumps(insights.as_dict(), ensure_ascii=False, indent=2) + "\n"


# Text --------------------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], left: Sequence[int] = (0,)) -> list[str]:
    """Columns padded to their widest cell; columns in ``left`` and the last
    one left-aligned, the others (numbers) right-aligned; indented by two."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = []
    for row in cells:
        parts = [
            c.ljust(w) if i in left or i == len(row) - 1 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(("  " + "  ".join(parts)).rstrip())
    return lines


def _quoted(examples: Sequence[tuple[str, int]], limit: int = 3) -> str:
    return ", ".join(f"“{text}” {count}" for text, count in examples[:limit])


def _gaps_text(title: str, gaps: Sequence[QueryGap], metric: str, empty: str) -> list[str]:
    lines = [title]
    if not gaps:
        return [*lines, f"  {empty}"]
    column = "No results" if metric == "no_results" else "Unopened"
    lines += _table(
        ("Query", "Searches", column, "Trend", "Typed as"),
        [(g.key, g.searches, getattr(g, metric), signed_percent(g.trend), _quoted(g.examples)) for g in gaps],
    )
    return lines


def _articles_text(articles: Sequence[ArticleHealth]) -> list[str]:
    lines = ["Article health (worst first: lowest helpfulness score, then most views)"]
    if not articles:
        return [*lines, "  no articles"]
    shown = articles[:TEXT_ARTICLES]
    lines += _table(
        ("Article", "Views", "Helpful", "Score", "Tickets after", "Updated"),
        [
            (
                a.slug,
                a.views,
                f"{a.helpful}/{a.votes}" if a.votes else "–",
                percent(a.score),
                a.tickets_after,
                (a.updated.isoformat() if a.updated else "–") + (" (stale)" if a.stale else ""),
            )
            for a in shown
        ],
    )
    if len(articles) > len(shown):
        lines.append(f"  … and {len(articles) - len(shown)} more (--format csv lists every article)")
    comments = sorted(((c, a.slug) for a in articles for c in a.comments), key=lambda ca: ca[0].created, reverse=True)
    if comments:
        lines += ["", "What was missing (newest first)"]
        for c, slug in comments[:TEXT_COMMENTS]:
            reasons = f" [{', '.join(c.reasons)}]" if c.reasons else ""
            text = " ".join(c.text.split())
            lines.append(f"  {c.created:%Y-%m-%d} {slug}{reasons}: {text}")
    return lines


def _funnels_text(reports: Sequence[TreeReport]) -> list[str]:
    lines = ["Troubleshooting funnels"]
    if not any(r.started for r in reports):
        return [*lines, "  no walks yet"]
    body = tree_analytics.format_text([r for r in reports if r.started])
    return lines + ["  " + line if line else "" for line in body.rstrip("\n").split("\n")]


def _deflection_text(d: Deflection) -> list[str]:
    lines = ["Deflection"]
    if not d.visits:
        return [*lines, "  no visits yet"]
    lines += [
        f"  {d.visits} visits; {d.self_service} used self-service, {d.self_service_then_ticket} of them then "
        f"opened a ticket: {percent(d.rate)} deflected",
        f"  {d.tickets} tickets from the web form",
        f"  Ticket form suggestions: shown in {d.suggestions_shown} visits, opened in {d.suggestions_opened}, "
        f"{d.suggestions_deflected} of those sent no ticket after",
    ]
    if d.by_item:
        lines += ["", "  Tickets after using an item (most first)"]
        lines += _table(
            ("Item", "Visits", "Tickets after", "Deflected", "Title"),
            [(i.subject, i.visits, i.tickets_after, percent(i.rate), i.title) for i in d.by_item[:TEXT_ITEMS]],
        )
    return lines


def _durations_text(name: str, d: Durations) -> str:
    if not d.count:
        return f"  {name}: none yet"
    return (
        f"  {name}: {d.count} tickets, median {hours(d.median_hours)}, p90 {hours(d.p90_hours)}; "
        f"{d.within_target} within target, {d.breached} breached"
    )


def _service_text(s: ServiceLevels) -> list[str]:
    opened = sum(d.opened for d in s.days)
    solved = sum(d.solved for d in s.days)
    lines = ["Service levels"]
    busiest = max(s.days, key=lambda d: (d.opened, d.day), default=None)
    busy = f" (busiest day {busiest.day}: {busiest.opened})" if busiest and busiest.opened else ""
    lines += [
        f"  Tickets opened: {opened}{busy}; solved: {solved}",
        _durations_text("First response", s.first_response),
        _durations_text("Resolution", s.resolution),
        f"  Backlog now: {s.backlog} unsolved ({', '.join(f'{age}: {n}' for age, n in s.backlog_ages)}); "
        f"{s.breached_open} past a due time",
    ]
    if s.csat_count:
        spread = ", ".join(f"{score}: {n}" for score, n in enumerate(s.csat_distribution, 1))
        lines.append(f"  Satisfaction (CSAT): {s.csat_average:.2f} of 5 from {s.csat_count} answers ({spread})")
    else:
        lines.append("  Satisfaction (CSAT): no answers yet")
    if s.nps_count:
        lines.append(f"  Net Promoter Score: {s.nps:+.1f} from {s.nps_count} answers")
    return lines


def format_text(insights: Insights) -> str:
    """Every section in turn; an empty database gives each section's "nothing yet"."""
    p = insights.period
    scope = f"category {p.category}" if p.category else "all categories"
    blocks = [[f"Insights from {p.since} to {p.until} ({p.days} days, UTC), {scope}"]]
    if insights.searches:
        blocks += [
            _gaps_text(
                f"Content gaps: searches that found nothing (of {insights.searches} searches)",
                insights.gaps_empty,
                "no_results",
                "every search found something",
            ),
            _gaps_text(
                "Content gaps: searches whose results nobody opened",
                insights.gaps_unopened,
                "unopened",
                "every search with results had one opened",
            ),
        ]
    else:
        blocks.append(["Content gaps", "  no searches yet"])
    blocks += [
        _articles_text(insights.articles),
        _funnels_text(insights.funnels),
        _deflection_text(insights.deflection),
        _service_text(insights.service),
    ]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


FORMATTERS = {"text": format_text, "csv": format_csv, "json": format_json}
