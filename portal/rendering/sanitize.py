"""The last step of rendering: only an allow-list of HTML reaches a page.

Authors may write raw HTML in Markdown (tables, ``<details>``), and imported
content is not ours to trust, so every rendered fragment passes through nh3
(the Ammonia sanitiser): no ``<script>``, no event handlers, no ``javascript:``.
"""

from __future__ import annotations

import nh3

TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "samp",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "var",
    "input",
}
ATTRIBUTES = {
    "*": {"class", "dir", "lang"},
    "a": {"href", "title", "aria-label", "data-term", "data-definition"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed"},
    "details": {"open"},
    "li": {"id"},
    # Task-list checkboxes, rendered disabled.
    "input": {"type", "disabled", "checked"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
