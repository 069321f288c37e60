"""Categories, declared once in ``categories.yaml``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from portal.content.fields import Fields
from portal.content.problems import Problems
from portal.content.slugs import is_slug, slugify
from portal.content.yamlfile import YamlList, YamlMap, load_yaml

CATEGORY_KEYS = ("slug", "title", "description", "icon", "translations")
TRANSLATION_KEYS = ("title", "description")
_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Category:
    """A section of the help center.

    ``order`` is the position in ``categories.yaml`` (authors reorder by moving
    entries); ``icon`` is an emoji or a short text shown beside the title.
    ``translations`` maps a language code to the title and description in that
    language (``{"he": {"title": …, "description": …}}``); a page in a language
    without one shows them as authored.
    """

    slug: str
    title: str
    description: str
    icon: str
    order: int
    path: str
    line: int
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


def load_categories(text: str, problems: Problems) -> list[Category]:
    data, issues = load_yaml(text)
    for issue in issues:
        problems.error(issue.line, issue.message)
    if data is None:
        return []
    if not isinstance(data, YamlList):
        problems.error(1, "categories.yaml must be a list of categories")
        return []
    categories: list[Category] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(data):
        line = data.line_of(index)
        if not isinstance(item, YamlMap):
            problems.error(line, "each category must be a mapping with slug and title")
            continue
        fields = Fields(item, problems, CATEGORY_KEYS, "category")
        slug = fields.text("slug")
        title = fields.text("title")
        if slug and not is_slug(slug):
            problems.error(fields.line("slug"), f"category slug '{slug}' is not a slug; use '{slugify(slug)}'")
            continue
        if not slug or not title:
            continue
        if slug in seen:
            problems.error(line, f"duplicate category '{slug}' (first on line {seen[slug]})")
            continue
        seen[slug] = line
        categories.append(
            Category(
                slug=slug,
                title=title,
                description=fields.text("description", required=False),
                icon=fields.text("icon", required=False),
                order=len(categories),
                path=problems.path,
                line=line,
                translations=_translations(fields, problems),
            )
        )
    return categories


def _translations(fields: Fields, problems: Problems) -> dict[str, dict[str, str]]:
    """``translations: {he: {title: …, description: …}}``, every problem reported."""
    data = fields.data.get("translations")
    if data is None:
        return {}
    if not isinstance(data, YamlMap):
        problems.error(
            fields.line("translations"), "'translations' must map a language code to a title and description"
        )
        return {}
    found: dict[str, dict[str, str]] = {}
    for lang, value in data.items():
        if not isinstance(lang, str) or not _LANG.match(lang):
            problems.error(data.line_of(lang), f"'{lang}' is not a language code such as he or fa")
            continue
        if not isinstance(value, YamlMap):
            problems.error(data.line_of(lang), f"the '{lang}' translation must be a mapping with title and description")
            continue
        texts = Fields(value, problems, TRANSLATION_KEYS, f"'{lang}' translation")
        title = texts.text("title")
        if title:
            found[lang] = {"title": title, "description": texts.text("description", required=False)}
    return found
