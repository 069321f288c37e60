"""Search: the portal's interface (:mod:`engine`), its query language
(:mod:`query`) and the Whoosh backend behind them."""

from portal.search.engine import Backend, Document, Filters, Hit, Index, Results, Suggestion
from portal.search.query import UserQuery, parse_query
from portal.search.whoosh_backend import WhooshBackend


def default_backend() -> Backend:
    return WhooshBackend()


__all__ = [
    "Backend",
    "Document",
    "Filters",
    "Hit",
    "Index",
    "Results",
    "Suggestion",
    "UserQuery",
    "WhooshBackend",
    "default_backend",
    "parse_query",
]
