"""The content layer: pure functions from a content directory to typed objects.

Nothing here imports Flask. ``load_site(root)`` returns the :class:`Site` and every
:class:`Problem` found, each printable as ``path:line: message``.
"""

from portal.content.problems import Problem
from portal.content.site import Site, load_site

__all__ = ["Problem", "Site", "load_site"]
