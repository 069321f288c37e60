"""Rankings: pure functions over views and votes (portal/ranking.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from portal import ranking
from portal.ranking import DailyActivity

TODAY = dt.date(2026, 11, 2)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def entries(*ids: str, pinned: tuple[str, ...] = ()) -> list[dict]:
    return [{"id": i, "pinned": i in pinned} for i in ids]


def ranked_ids(items: list[dict], scores: dict[str, float]) -> list[str]:
    return [e["id"] for e in ranking.rank(items, lambda e: e["id"], scores, lambda e: e["pinned"])]


def test_no_activity_keeps_file_order_with_pinned_first():
    items = entries("a", "b", "c", "d", pinned=("c",))
    assert ranked_ids(items, {}) == ["c", "a", "b", "d"]


def test_pinned_entries_come_first_in_file_order_whatever_their_score():
    items = entries("a", "b", "c", "d", pinned=("d", "b"))
    scores = {"a": 100.0, "b": 1.0, "c": 50.0, "d": 0.0}
    assert ranked_ids(items, scores) == ["b", "d", "a", "c"]


def test_ties_are_broken_by_file_order():
    items = entries("a", "b", "c", "d")
    assert ranked_ids(items, {"d": 5.0, "b": 5.0, "c": 5.0}) == ["b", "c", "d", "a"]


def test_net_unhelpful_items_sink_below_items_without_activity():
    items = entries("a", "b", "c")
    assert ranked_ids(items, {"a": -3.0, "c": 2.0}) == ["c", "b", "a"]


def test_decay_halves_every_half_life():
    assert ranking.decay(0) == 1.0
    assert ranking.decay(30) == pytest.approx(0.5)
    assert ranking.decay(60) == pytest.approx(0.25)
    assert ranking.decay(-5) == 1.0  # a clock a little ahead weighs as today


def test_recent_activity_outweighs_more_but_older_activity():
    recent = [DailyActivity(days_ago(1), views=10)]
    old = [DailyActivity(days_ago(90), views=60)]  # three half-lives: 60 / 8 = 7.5
    assert ranking.popularity(recent, TODAY) > ranking.popularity(old, TODAY)
    assert ranking.popularity(old, TODAY) == pytest.approx(7.5)


def test_votes_weigh_three_views_and_unhelpful_votes_count_against():
    today = [DailyActivity(TODAY, views=10, helpful=2, unhelpful=1)]
    assert ranking.popularity(today, TODAY) == pytest.approx(10 + 6 - 3)
    panned = [DailyActivity(TODAY, views=4, helpful=0, unhelpful=3)]
    assert ranking.popularity(panned, TODAY) < 0


def test_popularity_sums_days_each_with_its_own_weight():
    activity = [DailyActivity(TODAY, views=4), DailyActivity(days_ago(30), views=4, helpful=1)]
    assert ranking.popularity(activity, TODAY) == pytest.approx(4 + 0.5 * (4 + 3))
    assert ranking.popularity([], TODAY) == 0.0


def test_half_life_is_a_parameter():
    activity = [DailyActivity(days_ago(7), views=8)]
    assert ranking.popularity(activity, TODAY, half_life_days=7) == pytest.approx(4)


def test_popular_lists_only_items_with_positive_activity_best_first():
    items = ["a", "b", "c", "d", "e"]
    scores = {"b": 2.0, "c": 9.0, "d": -1.0, "e": 2.0}
    assert ranking.popular(items, str, scores, limit=10) == ["c", "b", "e"]
    assert ranking.popular(items, str, scores, limit=2) == ["c", "b"]
    assert ranking.popular(items, str, {}, limit=3) == []  # nothing viewed yet: caller falls back


def test_leaders_keep_ties_at_the_cut_and_drop_the_rest():
    scores = {"a": 5.0, "b": 3.0, "c": 3.0, "d": 3.0, "e": 1.0, "f": 0.0, "g": -2.0}
    assert ranking.leaders(scores, 2) == ["a", "b", "c", "d"]
    assert ranking.leaders(scores, 10) == ["a", "b", "c", "d", "e"]
    assert ranking.leaders({k: 1.0 for k in "zyx"}, 1, cap=2) == ["x", "y"]


@pytest.mark.parametrize(
    ("positive", "total", "expected"),
    [(0, 0, 0.0), (1, 1, 0.2065), (180, 200, 0.8506), (0, 10, 0.0), (10, 10, 0.7225), (50, 100, 0.4038)],
)
def test_wilson_lower_bound_known_values(positive, total, expected):
    assert ranking.wilson_lower_bound(positive, total) == pytest.approx(expected, abs=1e-4)


def test_one_of_one_does_not_beat_one_hundred_eighty_of_two_hundred():
    counts = {"lucky": (1, 0), "proven": (180, 20), "unvoted": (0, 0), "panned": (2, 30)}
    order = [key for key, _ in ranking.by_helpfulness(counts)]
    assert order == ["proven", "lucky", "panned", "unvoted"]
    assert ranking.Helpfulness(1, 0).ratio == 1.0 > ranking.Helpfulness(180, 20).ratio


def test_wilson_bound_grows_with_evidence_at_the_same_ratio():
    bounds = [ranking.wilson_lower_bound(9 * n, 10 * n) for n in (1, 10, 100)]
    assert bounds == sorted(bounds) and all(b < 0.9 for b in bounds)


def test_helpfulness_summary():
    rated = ranking.Helpfulness(helpful=3, unhelpful=1)
    assert (rated.total, rated.ratio) == (4, 0.75)
    assert 0 < rated.lower_bound < 0.75
    assert ranking.Helpfulness(0, 0).ratio == 0.0 and ranking.Helpfulness(0, 0).lower_bound == 0.0
