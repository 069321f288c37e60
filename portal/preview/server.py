"""The preview's parts put together: a site on its own index directory, the
rebuilder and the watcher (served by :mod:`portal.preview.cli`, or in tests)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask

from portal import config
from portal.preview import web
from portal.preview.rebuild import DEBOUNCE, Outcome, PreviewState, Rebuilder
from portal.preview.watch import WATCHED_DIRS, WATCHED_FILES, ContentWatcher

PREVIEW_DIR = "preview"  # inside INSTANCE_DIR: the preview's index and database


class Preview:
    """The preview's parts: a site on its own index directory and database
    (``INSTANCE_DIR/preview/``; the published index is never touched), the
    rebuilder, and the watcher. ``start()`` builds once and starts watching;
    serve :attr:`app` with any threaded WSGI server."""

    def __init__(
        self,
        overrides: Mapping[str, Any] | None = None,
        *,
        poll: bool = False,
        log: Callable[[str], None] = click.echo,
        debounce: float = DEBOUNCE,
    ) -> None:
        from portal import create_app

        settings = config.from_environment(overrides=overrides)
        self.dir = Path(settings["INSTANCE_DIR"]) / PREVIEW_DIR
        self.content_dir = Path(settings["CONTENT_DIR"])
        self.index_dir = self.dir / "index"
        self.log = log
        self.dir.mkdir(parents=True, exist_ok=True)
        # Views and votes in a preview are the author's, not customers': they
        # go to a database of the preview's own.
        self.app: Flask = create_app(
            {
                **(overrides or {}),
                "INDEX_DIR": self.index_dir,
                "DATABASE_URL": f"sqlite:///{self.dir / 'portal.sqlite3'}",
            }
        )
        self.state = PreviewState()
        web.init_app(self.app, self.state)
        self.rebuilder = Rebuilder(self.content_dir, self.index_dir, self.state, log, debounce)
        self.watcher = ContentWatcher(self.content_dir, self.rebuilder.changed, poll=poll, log=log)

    def start(self) -> Outcome:
        """Build once, then watch; returns the first build's outcome."""
        first = self.rebuilder.build_now()
        method = self.watcher.start()
        self.rebuilder.start()
        watched = ", ".join([*(f"{d}/" for d in WATCHED_DIRS), *sorted(WATCHED_FILES)])
        self.log(f"watching {watched} in {self.content_dir} ({method})")
        return first

    def stop(self) -> None:
        self.watcher.stop()
        self.rebuilder.stop()
        self.app.extensions["portal.published"].close()
        self.app.extensions["portal.db"].dispose()
