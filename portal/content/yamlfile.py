"""Safe YAML loading that remembers where every key and item came from.

Authors need ``path:line`` for every problem, and PyYAML forgets positions once it
has built Python objects. Mappings and sequences here are ``dict``/``list``
subclasses that carry the line of the node and of each key or item. Duplicate keys,
which PyYAML silently collapses to the last one, are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlMap(dict):
    """A YAML mapping: ``line`` of the mapping, ``lines[key]`` of each key.

    ``text_lines[key]`` is the line a scalar value's text starts on (the line
    after ``|`` or ``>``); ``literal`` holds the keys whose value is a ``|``
    block, whose text lines are the file's lines one for one (other styles fold
    lines, so only the first is known)."""

    line: int = 0
    lines: dict[Any, int]
    text_lines: dict[Any, int]
    literal: set[Any]

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class YamlList(list):
    """A YAML sequence: ``line`` of the sequence, ``lines[i]`` of each item."""

    line: int = 0
    lines: list[int]

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


def empty_map(line: int) -> YamlMap:
    """An empty mapping at ``line``: what an empty or comment-only document means."""
    result = YamlMap()
    result.line, result.lines, result.text_lines, result.literal = line, {}, {}, set()
    return result


@dataclass(frozen=True)
class YamlIssue:
    line: int
    message: str


class _LineLoader(_Base):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.issues: list[YamlIssue] = []


def _construct_map(loader: _LineLoader, node: yaml.MappingNode) -> YamlMap:
    loader.flatten_mapping(node)
    result = YamlMap()
    result.line = node.start_mark.line + 1
    result.lines, result.text_lines, result.literal = {}, {}, set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.issues.append(YamlIssue(line, "a mapping key must be plain text"))
            continue
        if key in result:
            loader.issues.append(YamlIssue(line, f"duplicate key '{key}' (first on line {result.lines[key]})"))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = line
        style = getattr(value_node, "style", None)
        result.text_lines[key] = value_node.start_mark.line + 1 + (style in ("|", ">"))
        if style == "|":
            result.literal.add(key)
    return result


def _construct_list(loader: _LineLoader, node: yaml.SequenceNode) -> YamlList:
    result = YamlList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    # PyYAML raises ValueError (not a YAMLError) for a date-shaped value that is
    # no date, such as 2026-13-01; kept as text, the field check names it.
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_list)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)

# YAML 1.1 reads yes/no/on/off as booleans, so a tree option labelled "Yes" or an
# id "no" would become true/false. Only true and false are booleans here.
_BOOL = "tag:yaml.org,2002:bool"
_LineLoader.yaml_implicit_resolvers = {
    first: [r for r in resolvers if r[0] != _BOOL] for first, resolvers in _Base.yaml_implicit_resolvers.items()
}
_LineLoader.add_implicit_resolver(_BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def load_yaml(text: str, first_line: int = 1) -> tuple[Any, list[YamlIssue]]:
    """Parse ``text`` safely; never raises for bad input.

    ``first_line`` is the file line the text starts on (front matter starts on line
    2), so every reported line is a line of the author's file.

    Returns the data (``None`` when the text is not valid YAML) and the issues found.
    """
    # Padding with newlines is the simplest way to make PyYAML count from the
    # right line: its marks have no offset parameter.
    padded = "\n" * (first_line - 1) + text
    loader = _LineLoader(padded)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        problem = exc.problem or "cannot be parsed"
        mark = exc.problem_mark
        if "end of stream" in problem and exc.context_mark:
            # Something was never closed: the author must look where it opened.
            mark = exc.context_mark
            problem = f"{exc.context}: {problem}"
        line = mark.line + 1 if mark else first_line
        return None, [YamlIssue(line, f"invalid YAML: {problem}")]
    except yaml.reader.ReaderError as exc:
        line = padded.count("\n", 0, exc.position) + 1
        return None, [YamlIssue(line, f"invalid YAML: character U+{exc.character:04X} is not allowed")]
    except yaml.YAMLError as exc:
        return None, [YamlIssue(first_line, f"invalid YAML: {str(exc).splitlines()[0]}")]
    finally:
        loader.dispose()
    return data, loader.issues
