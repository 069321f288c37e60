"""Categories, declared once in ``categories.yaml``."""

from __future__ import annotations

from dataclasses import dataclass

from portal.content.fields import Fields
from portal.content.problems import Problems
from portal.content.slugs import is_slug, slugify
from portal.content.yamlfile import YamlList, YamlMap, load_yaml

CATEGORY_KEYS = ("slug", "title", "description", "icon")


@dataclass(frozen=True)
class Category:
    """A section of the help center.

    ``order`` is the position in ``categories.yaml`` (authors reorder by moving
    entries); ``icon`` is an emoji or a short text shown beside the title.
    """

    slug: str
    title: str
    description: str
    icon: str
    order: int
    path: str
    line: int


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
            )
        )
    return categories
