"""The shape shared by ``faq.yaml`` and ``glossary.yaml``: a YAML list of mappings."""

from __future__ import annotations

from collections.abc import Iterator

from portal.content.problems import Problems
from portal.content.yamlfile import YamlList, YamlMap, load_yaml


def entries(text: str, problems: Problems, what: str) -> Iterator[tuple[int, YamlMap]]:
    """Yield ``(line, mapping)`` for each entry; report what is not an entry."""
    data, issues = load_yaml(text)
    for issue in issues:
        problems.error(issue.line, issue.message)
    if data is None:
        return
    if not isinstance(data, YamlList):
        problems.error(1, f"the file must be a YAML list of {what} entries ('- ' items)")
        return
    for index, item in enumerate(data):
        line = data.line_of(index)
        if isinstance(item, YamlMap):
            yield line, item
        else:
            problems.error(line, f"each {what} entry must be a mapping of 'key: value' lines")
