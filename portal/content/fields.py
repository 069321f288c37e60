"""Read typed fields out of a YAML mapping, reporting every problem with its line.

Every loader (articles, FAQ, glossary, categories, trees) validates its mappings
through :class:`Fields`, so "missing", "wrong type" and "unknown key" read the same
everywhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from portal.content.problems import Problems
from portal.content.yamlfile import YamlList, YamlMap

DEFAULT_LANG = "en"  # the language of content that does not say
DRAFT_KEY = "draft"  # see portal/content/drafts.py


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "empty"
    return f"'{value}'"


class Fields:
    """Typed access to one mapping; problems go to ``problems``.

    ``known`` lists the keys this kind of entry accepts; anything else is reported
    as a warning (a typo such as ``catgory`` must not pass in silence).
    """

    def __init__(self, data: YamlMap, problems: Problems, known: Iterable[str], what: str) -> None:
        self.data = data
        self.problems = problems
        self.what = what
        for key in data:
            if key == DRAFT_KEY and key not in known:
                # An author who writes it means "not yet": ignoring it would publish.
                problems.error(
                    data.line_of(key),
                    f"'{DRAFT_KEY}' works only for articles, FAQ entries, glossary terms and whole trees "
                    f"(at the top of the tree file); this {what} would be published, "
                    "so keep it out of the file until it is ready",
                )
            elif key not in known:
                problems.warning(data.line_of(key), f"unknown key '{key}' in {what} (ignored)")

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def _missing(self, key: str) -> None:
        self.problems.error(self.data.line, f"{self.what} is missing '{key}'")

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                self._missing(key)
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.problems.error(self.line(key), f"'{key}' must be text, not {_type_name(value)}")
            return default
        return str(value).strip()

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of strings; a single string is accepted as a one-item list."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),) if value.strip() else ()
        if not isinstance(value, list):
            self.problems.error(self.line(key), f"'{key}' must be a list, not {_type_name(value)}")
            return ()
        items: list[str] = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                line = value.line_of(index) if isinstance(value, YamlList) else self.line(key)
                self.problems.error(line, f"'{key}' items must be text, not {_type_name(item)}")
            elif str(item).strip():
                items.append(str(item).strip())
        return tuple(items)

    def date(self, key: str, required: bool = True) -> dt.date | None:
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip()[:10])
            except ValueError:
                pass
        self.problems.error(self.line(key), f"'{key}' must be a date like 2026-01-31, not {_type_name(value)}")
        return None

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if isinstance(value, bool):
            return value
        self.problems.error(self.line(key), f"'{key}' must be true or false, not {_type_name(value)}")
        return False

    def choice(self, key: str, choices: Iterable[str], default: str) -> str:
        options = tuple(choices)
        value = self.text(key, required=False, default=default)
        if value not in options:
            self.problems.error(self.line(key), f"'{key}' must be one of {', '.join(options)}, not '{value}'")
            return default
        return value
