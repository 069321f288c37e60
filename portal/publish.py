"""Publishing index builds atomically.

Each build is written into a fresh directory under ``<index>/builds/`` and then
published by replacing the one-line pointer file ``<index>/CURRENT`` with
``os.replace``, which is atomic: a reader sees the old build or the new one, never
a half-written directory. Running sites notice the pointer change and open the
new build; the previous build is kept for requests still reading it, older ones
and the leftovers of failed or killed builds are removed by the next build.

Only one build runs at a time: an advisory ``flock`` on ``<index>/build.lock``,
which the operating system releases when a build dies, so a killed build never
leaves the lock stuck.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POINTER = "CURRENT"
BUILDS = "builds"
LOCK = "build.lock"
SEARCH_DIR = "search"  # inside a build: the search engine's files


class BuildLocked(RuntimeError):
    """Another build is running on this index directory."""


@contextmanager
def build_lock(root: Path) -> Iterator[None]:
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise BuildLocked(
                f"another build is already running on {root} (process {holder}); "
                "wait for it to finish, then build again"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def current_name(root: Path) -> str | None:
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


def current_build(root: Path) -> Path | None:
    """The directory of the published build, if there is one."""
    name = current_name(root)
    if name and (root / BUILDS / name).is_dir():
        return root / BUILDS / name
    return None


def new_build_dir(root: Path) -> Path:
    # Names sort by creation time, which is how cleaning finds the previous build.
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    path = root / BUILDS / f"{stamp}-{secrets.token_hex(3)}"
    path.mkdir(parents=True)
    return path


def publish(root: Path, build_dir: Path) -> None:
    tmp = root / f".{POINTER}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(build_dir.name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, root / POINTER)
    dir_fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def clean(root: Path) -> list[str]:
    """Remove every build but the current one and the one before it; returns
    the names removed. Call only while holding the build lock."""
    builds = root / BUILDS
    if not builds.is_dir():
        return []
    current = current_name(root)
    names = sorted(p.name for p in builds.iterdir() if p.is_dir())
    keep = {current}
    older = [n for n in names if current and n < current]
    if older:
        keep.add(older[-1])
    removed = [n for n in names if n not in keep]
    for name in removed:
        shutil.rmtree(builds / name, ignore_errors=True)
    for stray in root.glob(f".{POINTER}.*.tmp"):
        stray.unlink(missing_ok=True)
    return removed
