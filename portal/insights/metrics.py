"""Every daily figure of the insights reports, defined once, from one UTC
day's events (pure: no database, no Flask).

:func:`day_metrics` turns a day's events into counts keyed by
``(metric, subject, detail, lang, category)``. The roll-up stores exactly
these counts in ``event_days`` and the reports compute today's the same way,
so a figure never depends on whether its day was rolled up.

Counted per event:

- ``search`` (subject: query key; detail: the query as typed, redacted; lang;
  category: the topic filter): searches.
- ``search_empty``: of those, searches that found nothing.
- ``search_unopened``: searches that found something and whose visit recorded
  no ``open`` event with the same query key that day.
- ``open`` (subject: query key): search results opened.
- ``tree_start`` / ``tree_outcome`` (subject ``tree:<id>``; the outcome's detail
  ``solved`` or ``escalated``).
- ``tickets`` (detail: channel; category: the ticket's): tickets opened.

Counted per visit (the visit ``""`` of staff and API tickets is not a visit).
A visit counts in category C when it has the event in C, and always in the
all-categories row, whose category is :data:`ALL`:

- ``visits``: visits with any event.
- ``self_service``: visits that viewed an article or FAQ answer, searched,
  started a tree or opened a suggested article (:data:`~portal.insights.events.SELF_SERVICE`).
- ``self_service_ticket``: of those, visits with a ``ticket`` event at or after
  their first self-service event (in C, for category C).
- ``suggest_shown``: visits shown at least one suggested article on the ticket form.
- ``suggest_opened``: visits that opened a suggested article.
- ``suggest_deflected``: of those, visits with no ticket at or after their first
  opened suggestion.

Counted per visit and item (subject ``article:<slug>``, ``faq:<id>`` or
``tree:<id>``; category: the item's):

- ``item_visits``: visits that viewed, voted on, opened as a suggestion or
  walked the item.
- ``item_tickets``: of those, visits with a ticket at or after their first use of it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol

from portal.insights.events import SELF_SERVICE

MetricKey = tuple[str, str, str, str, str]  # (metric, subject, detail, lang, category)
ALL = "*"  # the category of all-categories rows of visit metrics

# Metrics with an all-categories row (see the module docstring); the others are
# summed over categories when a report covers every category.
VISIT_METRICS = frozenset(
    {"visits", "self_service", "self_service_ticket", "suggest_shown", "suggest_opened", "suggest_deflected"}
)
ITEM_METRICS = frozenset({"item_visits", "item_tickets"})
SEARCH_METRICS = frozenset({"search", "search_empty", "search_unopened"})
EVENT_METRICS = SEARCH_METRICS | {"open", "tree_start", "tree_outcome", "tickets"}
METRICS = VISIT_METRICS | ITEM_METRICS | EVENT_METRICS
# The kinds by which a visit uses an item.
ITEM_KINDS = frozenset({"view", "vote", "suggest_open", "tree_start", "tree_outcome"})


class EventLike(Protocol):
    """What :func:`day_metrics` reads of an event (a row, or anything alike)."""

    at: dt.datetime
    visit: str
    kind: str
    subject: str
    detail: str
    value: int | None
    lang: str
    category: str


def day_metrics(events: Iterable[EventLike]) -> Counter[MetricKey]:
    """The counts of one UTC day's events (definitions in the module docstring)."""
    counts: Counter[MetricKey] = Counter()
    by_visit: dict[str, list[EventLike]] = defaultdict(list)
    for event in events:
        if event.visit:
            by_visit[event.visit].append(event)
        _count_event(counts, event)
    for visit_events in by_visit.values():
        visit_events.sort(key=lambda e: e.at)
        _count_searches(counts, visit_events)
        _count_visit(counts, visit_events)
        _count_items(counts, visit_events)
    return +counts


def _count_event(counts: Counter[MetricKey], e: EventLike) -> None:
    if e.kind == "search":
        counts["search", e.subject, e.detail, e.lang, e.category] += 1
        if not e.value:
            counts["search_empty", e.subject, e.detail, e.lang, e.category] += 1
    elif e.kind == "open":
        counts["open", e.subject, "", e.lang, e.category] += 1
    elif e.kind == "tree_start":
        counts["tree_start", e.subject, "", e.lang, e.category] += 1
    elif e.kind == "tree_outcome":
        counts["tree_outcome", e.subject, e.detail, e.lang, e.category] += 1
    elif e.kind == "ticket":
        counts["tickets", "", e.detail, e.lang, e.category] += 1


def _count_searches(counts: Counter[MetricKey], events: Sequence[EventLike]) -> None:
    opened = {e.subject for e in events if e.kind == "open"}
    for e in events:
        if e.kind == "search" and e.value and e.subject not in opened:
            counts["search_unopened", e.subject, e.detail, e.lang, e.category] += 1


def _first(events: Sequence[EventLike], match: Callable[[EventLike], bool]) -> dict[str, dt.datetime]:
    """The time of the first matching event per category, and overall under :data:`ALL`."""
    found: dict[str, dt.datetime] = {}
    for e in events:  # in time order
        if match(e):
            found.setdefault(e.category, e.at)
            found.setdefault(ALL, e.at)
    return found


def _count_visit(counts: Counter[MetricKey], events: Sequence[EventLike]) -> None:
    tickets = [e.at for e in events if e.kind == "ticket"]

    def ticket_after(moment: dt.datetime) -> bool:
        return any(at >= moment for at in tickets)

    for category in _first(events, lambda e: True):
        counts["visits", "", "", "", category] += 1
    for category, first in _first(events, lambda e: e.kind in SELF_SERVICE).items():
        counts["self_service", "", "", "", category] += 1
        if ticket_after(first):
            counts["self_service_ticket", "", "", "", category] += 1
    for category in _first(events, lambda e: e.kind == "suggest" and bool(e.value)):
        counts["suggest_shown", "", "", "", category] += 1
    for category, first in _first(events, lambda e: e.kind == "suggest_open").items():
        counts["suggest_opened", "", "", "", category] += 1
        if not ticket_after(first):
            counts["suggest_deflected", "", "", "", category] += 1


def _count_items(counts: Counter[MetricKey], events: Sequence[EventLike]) -> None:
    tickets = [e.at for e in events if e.kind == "ticket"]
    first: dict[str, EventLike] = {}
    for e in events:
        if e.kind in ITEM_KINDS and e.subject:
            first.setdefault(e.subject, e)
    for subject, e in first.items():
        counts["item_visits", subject, "", "", e.category] += 1
        if any(at >= e.at for at in tickets):
            counts["item_tickets", subject, "", "", e.category] += 1


def by_day(events: Iterable[EventLike]) -> dict[dt.date, Counter[MetricKey]]:
    """:func:`day_metrics` for each UTC day the events fall on."""
    days: dict[dt.date, list[EventLike]] = defaultdict(list)
    for event in events:
        days[event.at.date()].append(event)
    return {day: day_metrics(found) for day, found in sorted(days.items())}
