"""Rankings from views and votes: pure functions, no database, no Flask.

Popularity (the FAQ order and "Popular articles")::

    popularity = Σ over days d  2^(−age_d / 30) × (views_d + 3 × helpful_d − 3 × unhelpful_d)

where ``age_d`` is the number of days between ``d`` and today, ``views_d`` the
visitors who viewed the item that day (each counted once) and ``helpful_d`` /
``unhelpful_d`` the votes cast that day. Activity loses half its weight every 30
days (:data:`HALF_LIFE_DAYS`), so what customers need now rises and last
season's problem sinks; a vote weighs as much as three views, and an unhelpful
vote counts against. Days older than :data:`WINDOW_DAYS` (six half-lives, under
2% weight) are not read.

Helpfulness (for dashboards): the lower bound of the Wilson score interval at
95% confidence, so an item with 1 "yes" out of 1 ranks below one with 180 out
of 200.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

HALF_LIFE_DAYS = 30.0
WINDOW_DAYS = 180
VIEW_WEIGHT = 1.0
HELPFUL_WEIGHT = 3.0
UNHELPFUL_WEIGHT = -3.0
Z_95 = 1.959964  # the normal quantile for a two-sided 95% interval

T = TypeVar("T")


@dataclass(frozen=True)
class DailyActivity:
    """What happened to one item on one day."""

    day: date
    views: int = 0
    helpful: int = 0
    unhelpful: int = 0


def decay(age_days: float, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """The weight of activity ``age_days`` old: 1 today, ½ one half-life ago.
    Future days (clock skew between machines) weigh as today."""
    return 0.5 ** (max(age_days, 0.0) / half_life_days)


def popularity(activity: Iterable[DailyActivity], today: date, half_life_days: float = HALF_LIFE_DAYS) -> float:
    """The popularity of one item (formula in the module docstring)."""
    return sum(
        decay((today - a.day).days, half_life_days)
        * (VIEW_WEIGHT * a.views + HELPFUL_WEIGHT * a.helpful + UNHELPFUL_WEIGHT * a.unhelpful)
        for a in activity
    )


def rank(
    items: Sequence[T],
    key: Callable[[T], str],
    scores: Mapping[str, float],
    pinned: Callable[[T], bool] = lambda item: False,
) -> list[T]:
    """``items`` in ranked order: pinned items first, in their given order
    whatever their score; then the rest by score, highest first. Items without a
    score count as 0, so they come after anything with net positive activity
    and before anything voted down.

    Ties (including every item when there is no activity yet) keep their given
    order: pass items in file order and file order breaks ties.
    """
    order = sorted(
        range(len(items)),
        key=lambda i: (0, 0.0, i) if pinned(items[i]) else (1, -scores.get(key(items[i]), 0.0), i),
    )
    return [items[i] for i in order]


def leaders(scores: Mapping[str, float], limit: int, cap: int = 200) -> list[str]:
    """The keys worth fetching to show the top ``limit``: every key scoring above
    zero and at least the ``limit``-th best score, so ties at the cut stay in the
    running (at most ``cap`` keys; beyond that, ties are cut by key). Best first,
    ties by key."""
    positive = sorted((k for k, s in scores.items() if s > 0), key=lambda k: (-scores[k], k))
    if len(positive) <= limit:
        return positive
    cut = scores[positive[limit - 1]]
    return [k for k in positive if scores[k] >= cut][:cap]


def popular(items: Sequence[T], key: Callable[[T], str], scores: Mapping[str, float], limit: int) -> list[T]:
    """The ``limit`` most popular items that have net positive activity, most
    popular first; ties keep the given order. Empty when nothing has been viewed
    yet: callers show something else (the home page shows recently updated
    articles) rather than an arbitrary "popular" list."""
    ranked = rank([item for item in items if scores.get(key(item), 0.0) > 0], key, scores)
    return ranked[:limit]


@dataclass(frozen=True)
class Helpfulness:
    """Votes on one item, with the ratio and its 95% Wilson lower bound."""

    helpful: int
    unhelpful: int

    @property
    def total(self) -> int:
        return self.helpful + self.unhelpful

    @property
    def ratio(self) -> float:
        return self.helpful / self.total if self.total else 0.0

    @property
    def lower_bound(self) -> float:
        return wilson_lower_bound(self.helpful, self.total)


def wilson_lower_bound(positive: int, total: int, z: float = Z_95) -> float:
    """The lower end of the Wilson score interval for ``positive`` out of
    ``total``: the helpful share we can be 95% sure of. 0 with no votes."""
    if total <= 0:
        return 0.0
    p = positive / total
    z2 = z * z
    centre = p + z2 / (2 * total)
    margin = z * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return max(0.0, (centre - margin) / (1 + z2 / total))


def by_helpfulness(counts: Mapping[str, tuple[int, int]]) -> list[tuple[str, Helpfulness]]:
    """Items by their Wilson lower bound, most helpful first; ties (such as items
    without votes) by key. ``counts`` maps key → (helpful, unhelpful)."""
    rated = [(k, Helpfulness(h, u)) for k, (h, u) in counts.items()]
    return sorted(rated, key=lambda kv: (-kv[1].lower_bound, kv[0]))
