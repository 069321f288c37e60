"""Service levels: how soon a ticket gets its first answer and its resolution.

Targets are per priority, in ``sla.yaml`` at the content root, reviewed in git
like the rest of the help center::

    priorities:
      urgent: {first_response: 1h, resolution: 8h}
      high: {first_response: 4h, resolution: 1d}
      normal: {first_response: 8h, resolution: 3d}
      low: {first_response: 1d, resolution: 5d}
    categories:        # the priority a new ticket in a category starts with
      internet: high
    due_soon: 2h       # how early the staff queue warns before a target passes

Durations are ``30m``, ``8h``, ``3d`` or a combination such as ``1d 12h``, in
calendar time: the portal promises what the team promises customers, around
the clock. Without the file, :data:`DEFAULT` applies.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from flask_babel import gettext, ngettext

from portal.content.problems import ERROR, Problem, Problems
from portal.content.yamlfile import YamlMap, load_yaml
from portal.i18n import format_number
from portal.models import PRIORITIES

if TYPE_CHECKING:
    from flask import Flask

SLA_FILE = "sla.yaml"
_DURATION = re.compile(r"(\d+)\s*([dhm])", re.I)
_UNITS = {"d": 86400, "h": 3600, "m": 60}


@dataclass(frozen=True)
class Target:
    first_response: dt.timedelta
    resolution: dt.timedelta


@dataclass(frozen=True)
class Sla:
    """``targets`` has one :class:`Target` per priority; ``category_priority``
    the starting priority of tickets in a category (``normal`` otherwise)."""

    targets: Mapping[str, Target]
    category_priority: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    due_soon: dt.timedelta = dt.timedelta(hours=2)

    def priority_for(self, category: str) -> str:
        return self.category_priority.get(category, "normal")

    def due(self, priority: str, opened: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
        """(first response due, resolution due) for a ticket opened at ``opened``."""
        target = self.targets[priority]
        return opened + target.first_response, opened + target.resolution


def _hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


DEFAULT = Sla(
    MappingProxyType(
        {
            "urgent": Target(_hours(1), _hours(8)),
            "high": Target(_hours(4), _hours(24)),
            "normal": Target(_hours(8), _hours(72)),
            "low": Target(_hours(24), _hours(120)),
        }
    )
)


def parse_duration(text: object) -> dt.timedelta | None:
    """``"1d 12h"`` → 36 hours; ``None`` for anything else (including 0)."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    raw = str(text).strip()
    parts = _DURATION.findall(raw)
    if not parts or _DURATION.sub("", raw).strip():
        return None
    seconds = sum(int(n) * _UNITS[unit.lower()] for n, unit in parts)
    return dt.timedelta(seconds=seconds) if seconds else None


def load_sla(text: str, problems: Problems, categories: frozenset[str] | None = None) -> Sla:
    """Read ``sla.yaml``. Every problem is reported with its line; what is
    missing or wrong falls back to :data:`DEFAULT` so one mistake does not
    hide the others. ``categories``, when given, are the known category slugs."""
    data, issues = load_yaml(text)
    for issue in issues:
        problems.error(issue.line, issue.message)
    if data is None:
        return DEFAULT
    if not isinstance(data, YamlMap):
        problems.error(1, "sla.yaml must be a mapping with 'priorities'")
        return DEFAULT
    for key in data:
        if key not in ("priorities", "categories", "due_soon"):
            problems.warning(data.line_of(key), f"unknown key '{key}'")
    targets = dict(DEFAULT.targets)
    given = data.get("priorities")
    if not isinstance(given, YamlMap):
        problems.error(data.line_of("priorities"), "'priorities' must map each priority to its targets")
        given = YamlMap()
        given.line, given.lines = 1, {}
    for priority in PRIORITIES:
        if priority not in given:
            problems.error(given.line, f"no targets for priority '{priority}'")
    for priority, value in given.items():
        line = given.line_of(priority)
        if priority not in PRIORITIES:
            problems.error(line, f"unknown priority '{priority}'; use one of {', '.join(PRIORITIES)}")
            continue
        if not isinstance(value, YamlMap):
            problems.error(line, f"'{priority}' must have first_response and resolution, such as 4h and 2d")
            continue
        first = parse_duration(value.get("first_response"))
        resolution = parse_duration(value.get("resolution"))
        for key, parsed in (("first_response", first), ("resolution", resolution)):
            if parsed is None:
                problems.error(value.line_of(key), f"{priority} {key} must be a duration such as 30m, 8h or 2d")
        if first and resolution:
            if resolution < first:
                problems.error(value.line_of("resolution"), f"{priority} resolution comes before its first response")
            targets[priority] = Target(first, resolution)
    category_priority: dict[str, str] = {}
    by_category = data.get("categories", YamlMap())
    if not isinstance(by_category, YamlMap):
        problems.error(data.line_of("categories"), "'categories' must map category slugs to priorities")
    else:
        for slug, priority in by_category.items():
            line = by_category.line_of(slug)
            if categories is not None and slug not in categories:
                problems.error(line, f"unknown category '{slug}'; categories are declared in categories.yaml")
            elif priority not in PRIORITIES:
                problems.error(line, f"unknown priority '{priority}'; use one of {', '.join(PRIORITIES)}")
            else:
                category_priority[slug] = priority
    due_soon = DEFAULT.due_soon
    if "due_soon" in data:
        due_soon = parse_duration(data["due_soon"]) or due_soon
        if parse_duration(data["due_soon"]) is None:
            problems.error(data.line_of("due_soon"), "due_soon must be a duration such as 2h")
    return Sla(MappingProxyType(targets), MappingProxyType(category_priority), due_soon)


def load_sla_file(content_dir: Path, categories: frozenset[str] | None = None) -> tuple[Sla, list[Problem]]:
    """The SLA of a content directory (:data:`DEFAULT` when it has no
    ``sla.yaml``), with the problems found in the file."""
    path = content_dir / SLA_FILE
    problems = Problems(SLA_FILE)
    if not path.is_file():
        return DEFAULT, []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(0, f"cannot be read: {exc}")
        return DEFAULT, list(problems)
    return load_sla(text, problems, categories), list(problems)


def format_duration(delta: dt.timedelta, units: int = 3) -> str:
    """``8 hours``, ``3 days``, ``1 day 12 hours``, ``30 minutes``: for customers,
    in the interface language (its plural forms and digits). At most ``units``
    units, the largest ones (``2``: ``3 days 4 hours`` for 3 days 4 hours 5 minutes)."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    parts = [_unit(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute")) if n][:units]
    if not parts:
        return _unit(0, "minute")
    text = parts[0]
    for smaller in parts[1:]:
        # L10n: a duration in two units, such as "1 day 12 hours"; add a word
        # such as "and" if your language needs one.
        text = gettext("%(larger)s %(smaller)s", larger=text, smaller=smaller)
    return text


def _unit(n: int, unit: str) -> str:
    """``n`` days, hours or minutes, with the plural form the language uses for ``n``."""
    count = format_number(n)
    if unit == "day":
        return ngettext("%(count)s day", "%(count)s days", n, count=count)
    if unit == "hour":
        return ngettext("%(count)s hour", "%(count)s hours", n, count=count)
    return ngettext("%(count)s minute", "%(count)s minutes", n, count=count)


# The running site -------------------------------------------------------------

EXTENSION = "portal.sla"


class SlaFileError(ValueError):
    """``sla.yaml`` has errors; the portal refuses to start rather than promise
    customers response times nobody agreed to."""


def _known_categories(content_dir: Path) -> frozenset[str] | None:
    """The category slugs of ``categories.yaml``; ``None`` (no check) when the
    file is missing or broken, which ``build_index.py --check`` reports."""
    from portal.content.categories import load_categories

    path = content_dir / "categories.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    problems = Problems("categories.yaml")
    categories = load_categories(text, problems)
    return None if any(p.severity == ERROR for p in problems) else frozenset(c.slug for c in categories)


def init_app(app: Flask) -> None:
    """Load ``sla.yaml`` from CONTENT_DIR once, into ``app.extensions["portal.sla"]``.

    :raise SlaFileError: listing every error as ``path:line: message``.
    Warnings are logged. A changed file takes effect when the portal restarts.
    """
    content_dir = Path(app.config["CONTENT_DIR"])
    sla, problems = load_sla_file(content_dir, _known_categories(content_dir))
    located = [f"{content_dir / p.path}{f':{p.line}' if p.line else ''}: {p.message}" for p in problems]
    errors = [text for text, p in zip(located, problems, strict=True) if p.severity == ERROR]
    for text, p in zip(located, problems, strict=True):
        if p.severity != ERROR:
            app.logger.warning("%s", text)
    if errors:
        raise SlaFileError(f"{SLA_FILE} has {len(errors)} error{'s' * (len(errors) != 1)}:\n" + "\n".join(errors))
    app.extensions[EXTENSION] = sla


def current() -> Sla:
    """The running app's SLA (:data:`DEFAULT` for an app that never loaded one)."""
    from flask import current_app

    return current_app.extensions.get(EXTENSION, DEFAULT)
