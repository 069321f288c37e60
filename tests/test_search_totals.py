"""Result totals are exact, however many documents share a word."""

from __future__ import annotations

from conftest import article_text, write_file

from portal.build import build
from portal.publish import SEARCH_DIR
from portal.search import Filters, default_backend, parse_query


def test_totals_count_every_matching_document(content_dir, tmp_path):
    # Varied term frequencies and lengths give Whoosh's pruning of OR branches
    # something to prune: a count taken while ranking came out short here.
    for n in range(150):
        body = ("account " * (1 + n % 7)) + ("filler words here " * (n % 13)) + "\n"
        meta = {
            "title": f"Account note {n}" if n % 3 == 0 else f"Note {n}",
            "category": "hub",
            "summary": "About your account." if n % 4 == 0 else "A note.",
            "tags": ["account", "note"] if n % 5 == 0 else ["note"],
            "updated": "2026-10-01",
        }
        write_file(content_dir, f"articles/hub/note-{n}.md", article_text(meta, body))
    report = build(content_dir, tmp_path / "index")
    index = default_backend().open(report.build_dir / SEARCH_DIR)
    try:
        results = index.search(parse_query("account"), Filters(), 1, 10)
        notes = index.search(parse_query("account note"), Filters(), 1, 10)
    finally:
        index.close()
    assert results.total >= 150  # the fixture's own articles may mention accounts too
    assert notes.total == 150
    assert len(results.hits) == 10
