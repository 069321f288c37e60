"""Rendering of authored Markdown to safe HTML, run by the build, never per request."""

from portal.rendering.glossary_links import TermMatcher, term_matcher
from portal.rendering.markdown import RENDER_VERSION, Heading, Rendered, render_markdown

__all__ = ["RENDER_VERSION", "Heading", "Rendered", "TermMatcher", "render_markdown", "term_matcher"]
