"""Starting the live preview in a test, the one way the preview tests do it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from portal.preview.server import Preview


@contextmanager
def running_preview(
    content_dir: Path | str,
    tmp_path: Path,
    *,
    poll: bool = True,
    log: Callable[[str], None] = lambda line: None,
    **options: Any,
) -> Iterator[Preview]:
    """The preview of ``content_dir``, started (the first build must succeed), with
    its instance and a production index of its own under ``tmp_path``; stopped after."""
    preview = Preview(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INSTANCE_DIR": tmp_path / "instance",
            "INDEX_DIR": tmp_path / "production-index",
            "SECRET_KEY": "test",
            "RANKING_CACHE_SECONDS": 0,
        },
        poll=poll,
        log=log,
        **options,
    )
    first = preview.start()
    assert first.ok, first.problems
    try:
        yield preview
    finally:
        preview.stop()
