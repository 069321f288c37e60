"""The daily figures (portal/insights/metrics.py), from hand-made days of events:
what "unopened", "self-service then ticket" and "tickets after an item" count,
and what they leave out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.insights.metrics import ALL, by_day, day_metrics

T = dt.datetime(2026, 11, 2, 9, 0)


@dataclass
class E:
    """An event as day_metrics reads it."""

    visit: str
    minute: int
    kind: str
    subject: str = ""
    detail: str = ""
    value: int | None = None
    lang: str = "en"
    category: str = ""
    when: dt.datetime | None = None  # instead of T + minute

    @property
    def at(self) -> dt.datetime:
        return self.when or T + dt.timedelta(minutes=self.minute)


def only(counts, metric):
    return {key[1:]: n for key, n in counts.items() if key[0] == metric}


def test_a_search_with_results_is_unopened_unless_its_visit_opens_one_for_the_same_query():
    counts = day_metrics(
        [
            E("a", 0, "search", "reset router", "Reset router", 4),
            E("a", 1, "open", "reset router", "/articles/x", 2),
            E("b", 0, "search", "reset router", "reset router", 4),  # visit b opens nothing
            E("c", 0, "search", "reset router", "reset router", 4),
            E("c", 1, "open", "router lights", "/articles/y", 1),  # another query's result
            E("d", 0, "search", "refund", "refund", 0),  # nothing to open: not "unopened"
        ]
    )
    assert only(counts, "search") == {
        ("reset router", "Reset router", "en", ""): 1,
        ("reset router", "reset router", "en", ""): 2,
        ("refund", "refund", "en", ""): 1,
    }
    assert only(counts, "search_unopened") == {("reset router", "reset router", "en", ""): 2}
    assert only(counts, "search_empty") == {("refund", "refund", "en", ""): 1}


def test_a_ticket_counts_after_self_service_only_at_or_after_the_first_self_service_event():
    counts = day_metrics(
        [
            E("after", 0, "view", "article:a", category="hub"),
            E("after", 5, "ticket", "hub", "web", category="hub"),
            E("same-time", 0, "search", "k", "k", 1),
            E("same-time", 0, "ticket", "hub", "web", category="hub"),
            E("before", 0, "ticket", "billing", "web", category="billing"),
            E("before", 3, "view", "article:b", category="billing"),
            E("none", 0, "view", "article:a", category="hub"),
        ]
    )
    assert counts["visits", "", "", "", ALL] == 4
    assert counts["self_service", "", "", "", ALL] == 4
    assert counts["self_service_ticket", "", "", "", ALL] == 2  # "after" and "same-time"
    assert counts["self_service", "", "", "", "hub"] == 2
    assert counts["self_service_ticket", "", "", "", "hub"] == 1
    assert counts["self_service_ticket", "", "", "", "billing"] == 0
    assert counts["visits", "", "", "", "billing"] == 1


def test_votes_opens_and_suggestions_shown_are_not_self_service_but_make_a_visit():
    counts = day_metrics(
        [
            E("v", 0, "vote", "article:a", "", 1, category="hub"),
            E("s", 0, "suggest", "hub", "hub", 3),
            E("o", 0, "open", "k", "/articles/a", 1),
        ]
    )
    assert counts["visits", "", "", "", ALL] == 3
    assert counts["self_service", "", "", "", ALL] == 0


def test_staff_and_api_tickets_count_as_tickets_not_as_visits():
    counts = day_metrics([E("", 0, "ticket", "hub", "phone", category="hub"), E("", 1, "ticket", "hub", "api")])
    assert only(counts, "tickets") == {("", "phone", "en", "hub"): 1, ("", "api", "en", ""): 1}
    assert only(counts, "visits") == {}


def test_tickets_after_an_item_count_each_visit_once_and_only_after_its_first_use():
    counts = day_metrics(
        [
            E("a", 0, "view", "article:lights", category="hub"),
            E("a", 1, "view", "article:lights", category="hub"),  # a second look: one visit
            E("a", 2, "tree_start", "tree:hub-light", category="hub"),
            E("a", 4, "ticket", "hub", "web", category="hub"),
            E("a", 6, "view", "article:restart", category="hub"),  # read after the ticket
            E("b", 0, "suggest_open", "article:lights", category="hub"),
        ]
    )
    assert only(counts, "item_visits") == {
        ("article:lights", "", "", "hub"): 2,
        ("tree:hub-light", "", "", "hub"): 1,
        ("article:restart", "", "", "hub"): 1,
    }
    assert only(counts, "item_tickets") == {("article:lights", "", "", "hub"): 1, ("tree:hub-light", "", "", "hub"): 1}


def test_suggestions_are_counted_per_visit_and_deflected_when_no_ticket_follows():
    counts = day_metrics(
        [
            E("a", 0, "suggest", "hub", "hub", 2),
            E("a", 1, "suggest", "hub light", "hub light", 3),  # typing on: still one visit shown
            E("a", 2, "suggest_open", "article:lights", category="hub"),
            E("b", 0, "suggest", "x", "x", 0),  # nothing to show
            E("c", 0, "suggest", "hub", "hub", 2),
            E("c", 1, "suggest_open", "article:lights", category="hub"),
            E("c", 2, "ticket", "hub", "web", category="hub"),
        ]
    )
    assert counts["suggest_shown", "", "", "", ALL] == 2
    assert counts["suggest_opened", "", "", "", ALL] == 2
    assert counts["suggest_deflected", "", "", "", ALL] == 1
    assert counts["suggest_opened", "", "", "", "hub"] == 2


def test_tree_starts_and_outcomes_and_no_zero_counts():
    counts = day_metrics(
        [
            E("a", 0, "tree_start", "tree:t", lang="he", category="hub"),
            E("a", 2, "tree_outcome", "tree:t", "escalated", lang="he", category="hub"),
        ]
    )
    assert counts["tree_start", "tree:t", "", "he", "hub"] == 1
    assert counts["tree_outcome", "tree:t", "escalated", "he", "hub"] == 1
    assert all(n > 0 for n in counts.values())
    assert day_metrics([]) == {}


def test_by_day_splits_at_midnight_utc():
    days = by_day(
        [
            E("a", 0, "search", "k", "k", 0, when=dt.datetime(2026, 11, 1, 23, 59)),
            E("a", 0, "search", "k", "k", 0, when=dt.datetime(2026, 11, 2, 0, 1)),
        ]
    )
    assert sorted(days) == [dt.date(2026, 11, 1), dt.date(2026, 11, 2)]
    assert all(d["search_empty", "k", "k", "en", ""] == 1 for d in days.values())
