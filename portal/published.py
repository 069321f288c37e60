"""The build the site is serving, switched without a restart when a new one is
published.

Each request asks for :func:`current`; that stats the pointer file (microseconds)
and, only when it changed, opens the new build's catalog and index. Requests
already running keep the snapshot they started with; retired snapshots are
closed a while later.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from portal import publish
from portal.catalog import FILENAME, Catalog
from portal.publish import SEARCH_DIR
from portal.search import Index, default_backend

RETIRE_AFTER = 120.0  # seconds a replaced build stays open for requests still using it


@dataclass(frozen=True)
class Snapshot:
    """One published build, open for reading."""

    name: str
    catalog: Catalog
    index: Index

    def close(self) -> None:
        self.catalog.close()
        self.index.close()


class NotBuilt(RuntimeError):
    """Nothing has been published in the index directory yet."""


class Published:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._snapshot: Snapshot | None = None
        self._retired: list[tuple[float, Snapshot]] = []

    def current(self) -> Snapshot:
        try:
            stat = os.stat(self.root / publish.POINTER)
        except FileNotFoundError:
            raise NotBuilt(f"no build published in {self.root}; run python build_index.py") from None
        stamp = (stat.st_mtime_ns, stat.st_ino)
        if stamp != self._stamp or self._snapshot is None:
            with self._lock:
                if stamp != self._stamp or self._snapshot is None:
                    self._switch(stamp)
        assert self._snapshot is not None
        return self._snapshot

    def _switch(self, stamp: tuple[int, int]) -> None:
        build_dir = publish.current_build(self.root)
        if build_dir is None:
            raise NotBuilt(f"the published build in {self.root} is missing; run python build_index.py")
        if self._snapshot is not None and self._snapshot.name == build_dir.name:
            self._stamp = stamp
            return
        snapshot = Snapshot(
            build_dir.name,
            Catalog(build_dir / FILENAME),
            default_backend().open(build_dir / SEARCH_DIR),
        )
        now = time.monotonic()
        if self._snapshot is not None:
            self._retired.append((now, self._snapshot))
        for retired_at, old in [r for r in self._retired if now - r[0] > RETIRE_AFTER]:
            old.close()
            self._retired.remove((retired_at, old))
        self._snapshot, self._stamp = snapshot, stamp

    def close(self) -> None:
        """Close every open build (at shutdown, and between tests)."""
        with self._lock:
            for _, old in self._retired:
                old.close()
            self._retired.clear()
            if self._snapshot is not None:
                self._snapshot.close()
            self._snapshot, self._stamp = None, None


def init_app(app: Flask) -> None:
    app.extensions["portal.published"] = Published(Path(app.config["INDEX_DIR"]))


def current() -> Snapshot:
    """The snapshot for this request. Raises :class:`NotBuilt`."""
    return current_app.extensions["portal.published"].current()
