"""Noticing saves in the content folders.

Only what the build reads is watched: the top of the content directory without
its subfolders (``categories.yaml``, ``faq.yaml``, ``glossary.yaml``,
``sla.yaml``), and ``articles/`` and ``troubleshooting_trees/`` with theirs. The
content directory is often the repository itself; watching it whole would
spend an inotify watch on every folder of ``.venv`` and ``.git``, which is how
Linux's per-user limit gets reached. Folders are watched rather than files, so
editors that save by writing a temporary file and renaming it over the old one
are seen too.

watchdog uses inotify on Linux (FSEvents on macOS, ReadDirectoryChangesW on
Windows). When the system will not give more watches, the watcher says so and
polls instead (a stat of every watched file twice a second), and ``--poll``
asks for polling from the start (network drives, some containers).
"""

from __future__ import annotations

import os
import posixpath
import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from portal.content.images import TYPES
from portal.content.site import ARTICLES_DIR, CATEGORIES_FILE, FAQ_FILE, GLOSSARY_FILE, TREES_DIR

SLA_FILE = "sla.yaml"
WATCHED_FILES = frozenset({CATEGORIES_FILE, FAQ_FILE, GLOSSARY_FILE, SLA_FILE})
WATCHED_DIRS = (ARTICLES_DIR, TREES_DIR)
POLL_INTERVAL = 0.5  # seconds between two scans when polling
# Opening, reading and closing files (the build does all three) are not changes;
# a folder's own "modified" event only repeats what its files' events say.
EVENTS = [
    FileCreatedEvent,
    FileModifiedEvent,
    FileDeletedEvent,
    FileMovedEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
]

OnChange = Callable[[set[str]], None]


def is_content(relpath: str, is_directory: bool = False) -> bool:
    """Whether a change at ``relpath`` (relative to the content directory,
    ``/``-separated) can change the site. Editors' scratch files (``.#x``,
    ``.x.swp``, ``x~``, ``4913``) and anything else in the folders are not."""
    parts = relpath.split("/")
    name = parts[-1]
    if not name or name.startswith(".") or name.endswith("~") or ".." in parts:
        return False
    if len(parts) == 1:
        return name in WATCHED_FILES or (is_directory and name in WATCHED_DIRS)
    if parts[0] == ARTICLES_DIR:
        # A folder moved or deleted takes its articles with it.
        return is_directory or name.endswith(".md") or posixpath.splitext(name)[1].lower() in TYPES
    if parts[0] == TREES_DIR:
        return len(parts) == 2 and not is_directory and name.endswith((".yaml", ".yml"))
    return False


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: ContentWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.watcher.event(event)


class ContentWatcher:
    """Calls ``on_change`` with the content paths that changed, as events
    arrive (several events for one save are normal: debounce downstream)."""

    def __init__(
        self, root: Path, on_change: OnChange, *, poll: bool = False, log: Callable[[str], None] = print
    ) -> None:
        self.root = Path(root).resolve()
        self.on_change = on_change
        self.poll = poll
        self.log = log
        self.method = ""
        self._handler = _Handler(self)
        self._observer: BaseObserver | None = None
        self._watched: set[str] = set()
        self._lock = threading.Lock()

    def start(self) -> str:
        """Start watching; returns how (``inotify``, ``polling``, ...) for the log."""
        if not self.poll:
            try:
                self._start(Observer())
                return self.method
            except OSError as exc:
                # ENOSPC / EMFILE: fs.inotify.max_user_watches or max_user_instances reached.
                self.stop()
                self.method = f"polling (file system events unavailable: {exc.strerror or exc})"
                self._start(PollingObserver(timeout=POLL_INTERVAL))
                return self.method
        self._start(PollingObserver(timeout=POLL_INTERVAL))
        return self.method

    def _start(self, observer: BaseObserver) -> None:
        self._observer = observer
        self._watched = set()
        observer.schedule(self._handler, str(self.root), recursive=False, event_filter=EVENTS)
        for name in WATCHED_DIRS:
            self._watch_dir(name)
        observer.start()
        if not self.method:
            kind = type(observer).__name__.removesuffix("Observer").lower()
            self.method = "polling" if isinstance(observer, PollingObserver) else kind or "events"

    def _watch_dir(self, name: str) -> None:
        path = self.root / name
        with self._lock:
            if name in self._watched or not path.is_dir() or self._observer is None:
                return
            try:
                self._observer.schedule(self._handler, str(path), recursive=True, event_filter=EVENTS)
            except OSError as exc:  # only when the folder appeared later: start() handles the rest
                self.log(f"can't watch {name}/ ({exc.strerror or exc}); restart the preview, or use --poll")
                return
            self._watched.add(name)

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join()
            self._observer = None

    def event(self, event: FileSystemEvent) -> None:
        changed: set[str] = set()
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if not raw:
                continue
            path = os.fsdecode(raw)
            try:
                rel = Path(path).relative_to(self.root).as_posix()
            except ValueError:
                continue
            if not is_content(rel, event.is_directory):
                continue
            changed.add(rel)
            if event.is_directory and rel in WATCHED_DIRS and Path(path).is_dir():
                # articles/ or troubleshooting_trees/ appeared after the preview started.
                self._watch_dir(rel)
        if changed:
            self.on_change(changed)
