"""The Markdown dialect of the help center, shared by checking and rendering.

Checking finds links with the very parser that renders them, so what the check
calls a link is exactly what a reader can click.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from mdit_py_plugins.gfm import gfm_plugin


def make_parser() -> MarkdownIt:
    """CommonMark with GitHub's extensions (tables, alerts, task lists,
    autolinks, footnotes) and raw HTML, which the renderer then sanitises."""
    return MarkdownIt("commonmark", {"html": True}).use(gfm_plugin)


PARSER = make_parser()
