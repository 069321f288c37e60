"""The content layer: pure functions from a content directory to typed objects.

Nothing here imports Flask. ``load_site(root)`` returns the :class:`Site` and every
:class:`Problem` found, each printable as ``path:line: message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.content.problems import Problem

if TYPE_CHECKING:
    from portal.content.site import Site, load_site

__all__ = ["Problem", "Site", "load_site"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the web site imports small parts of this package
    # (slugs, tree constants) and should not pay for the Markdown parser.
    if name in ("Site", "load_site"):
        from portal.content import site

        return getattr(site, name)
    raise AttributeError(name)
