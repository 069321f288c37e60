"""docs/authoring.md documents exactly the keys the loaders accept.

Each key table in the guide follows a ``<!-- keys: NAME -->`` line; its first
column names the keys. A key a loader accepts without a row in the guide fails
here, and so does a row for a key no loader accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.content.articles import ARTICLE_KEYS
from portal.content.categories import CATEGORY_KEYS, TRANSLATION_KEYS
from portal.content.faq import FAQ_KEYS
from portal.content.glossary import GLOSSARY_KEYS
from portal.content.trees import NODE_KEYS, OPTION_KEYS, TEST_KEYS, TREE_KEYS

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"
README = GUIDE.parent.parent / "README.md"

SCHEMAS: dict[str, tuple[str, ...]] = {
    "article": ARTICLE_KEYS,
    "category": CATEGORY_KEYS,
    "category-translation": TRANSLATION_KEYS,
    "faq": FAQ_KEYS,
    "glossary": GLOSSARY_KEYS,
    "tree": TREE_KEYS,
    "option": OPTION_KEYS,
    "tree-test": TEST_KEYS,
}
COLUMNS = ["Key", "Type", "Required", "Default", "Meaning", "Example"]
NODE_COLUMNS = ["Key", "Node types", "Type", "Required", "Default", "Meaning", "Example"]
KEY = re.compile(r"^`([a-z_]+)`$")


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def tables(text: str) -> dict[str, list[list[str]]]:
    """``NAME`` → the rows (header first) of the table after ``<!-- keys: NAME -->``."""
    found: dict[str, list[list[str]]] = {}
    lines = text.splitlines()
    for number, line in enumerate(lines):
        marker = re.fullmatch(r"<!-- keys: ([a-z-]+) -->", line.strip())
        if not marker:
            continue
        assert marker.group(1) not in found, f"two tables for {marker.group(1)}"
        rows = []
        for row in lines[number + 1 :]:
            if not row.startswith("|"):
                break
            rows.append(cells(row))
        assert len(rows) > 2, f"no table after the marker for {marker.group(1)} (line {number + 1})"
        found[marker.group(1)] = [rows[0], *rows[2:]]  # without the | --- | line
    return found


def documented(rows: list[list[str]]) -> list[str]:
    keys = []
    for row in rows[1:]:
        match = KEY.match(row[0])
        assert match, f"the first column must be a `key`, not {row[0]!r}"
        keys.append(match.group(1))
    return keys


@pytest.fixture(scope="module")
def guide() -> dict[str, list[list[str]]]:
    return tables(GUIDE.read_text(encoding="utf-8"))


def test_every_schema_has_a_table(guide):
    assert set(guide) == {*SCHEMAS, "node"}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_table_lists_exactly_the_keys_the_loader_accepts(guide, name):
    keys = documented(guide[name])
    assert len(keys) == len(set(keys)), f"a key is listed twice in the {name} table"
    missing = sorted(set(SCHEMAS[name]) - set(keys))
    extra = sorted(set(keys) - set(SCHEMAS[name]))
    assert (missing, extra) == ([], []), f"{name}: undocumented keys {missing}, documented but unknown {extra}"


def test_node_table_lists_each_node_types_keys(guide):
    rows = guide["node"]
    assert rows[0] == NODE_COLUMNS
    by_type: dict[str, set[str]] = {kind: set() for kind in NODE_KEYS}
    for key, row in zip(documented(rows), rows[1:], strict=True):
        kinds = [k.strip() for k in row[1].split(",")]
        assert kinds and set(kinds) <= set(NODE_KEYS), f"node types of `{key}`: {row[1]!r}"
        for kind in kinds:
            by_type[kind].add(key)
    assert by_type == {kind: set(keys) for kind, keys in NODE_KEYS.items()}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_row_is_complete(guide, name):
    rows = guide[name]
    assert rows[0] == COLUMNS
    for row in rows[1:]:
        assert len(row) == len(COLUMNS), row
        key, kind, required, _default, meaning, example = row
        assert kind and meaning, f"`{key}` needs a type and a meaning"
        assert required.split(" ")[0] in ("yes", "no", "warning"), f"`{key}`: required is {required!r}"
        assert example.startswith(f"`{KEY.match(key).group(1)}:"), f"`{key}`: the example shows the key in use"


def test_the_parser_notices_a_missing_key():
    """The check can fail: a table without one of the loader's keys."""
    text = GUIDE.read_text(encoding="utf-8")
    without = re.sub(r"^\| `review_by` \|.*\n", "", text, flags=re.MULTILINE)
    assert without != text
    assert "review_by" not in documented(tables(without)["article"])


def test_readme_links_the_guide():
    readme = README.read_text(encoding="utf-8")
    section = readme.split("## Writing content", 1)[1].split("\n## ", 1)[0]
    assert "](docs/authoring.md)" in section
