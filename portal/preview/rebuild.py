"""Rebuilding after saves: one build per burst of changes, and its outcome.

Editors save in bursts (a temporary file, a rename, a second write; "save all"
across several files), so a change starts a short quiet period that every
further change restarts; the build runs when the content has been still for
:data:`DEBOUNCE` seconds. Changes that arrive during a build start another one
after it. Each build is the normal incremental one: unchanged articles are
reused by their SHA-256, and the log line says how little was redone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from portal.build import BuildReport, build
from portal.content.problems import WARNING, Problem, errors, summary
from portal.publish import BuildLocked

DEBOUNCE = 0.3  # seconds of quiet after the last change before building
LISTED = 3  # changed files named in a log line

Log = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What the last build did, for the pages and their reload script.

    ``generation`` counts finished builds (it is what the browser compares);
    ``ok`` is false when the last build published nothing, in which case
    ``problems`` (or ``message``, for a failure that is not about content) says
    why, and the site keeps serving the build before it. ``changed`` lists the
    files saved since the last good build: their problems are listed first,
    above the ones they cause elsewhere (links to an article that no longer
    loads, say).
    """

    generation: int = 0
    ok: bool = True
    problems: tuple[Problem, ...] = ()
    message: str = ""
    changed: tuple[str, ...] = field(default=())
    serving: bool = False  # whether any build has published, so pages have a last good version

    @property
    def errors(self) -> list[Problem]:
        return sorted(errors(self.problems), key=lambda p: p.path not in self.changed)

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]


class PreviewState:
    """The latest :class:`Outcome`, shared by the rebuild thread and requests."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._outcome = Outcome()

    @property
    def outcome(self) -> Outcome:
        return self._outcome

    def publish(self, outcome: Outcome) -> None:
        with self._changed:
            self._outcome = outcome
            self._changed.notify_all()

    def wait_for(self, generation: int, timeout: float) -> Outcome:
        """The outcome once its generation differs from ``generation``, or the
        current one after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self._outcome.generation != generation, timeout=timeout)
            return self._outcome


def describe_changes(paths: Iterable[str]) -> str:
    """``articles/a.md, faq.yaml and 3 more``."""
    names = sorted(set(paths))
    if not names:
        return ""
    shown = ", ".join(names[:LISTED])
    return shown + (f" and {len(names) - LISTED} more" if len(names) > LISTED else "")


def log_line(report: BuildReport, changed: Iterable[str], serving: bool = True) -> str:
    """One line per build, saying what was redone, so an author can see that a
    one-article save re-rendered one article."""
    after = describe_changes(changed)
    cause = f" after a change to {after}" if after else ""
    if report.failed:
        shown = "the preview keeps showing the last good build" if serving else "there is nothing to show"
        return f"build failed{cause}: {summary(report.problems)}; {shown} until this is fixed"
    articles = report.counts.get("articles", 0)
    return (
        f"rebuilt in {report.seconds:.1f}s{cause}: {report.rendered} rendered, {report.indexed} indexed, "
        f"{report.removed} removed, {report.images} new images ({articles - report.rendered} articles reused)"
    )


class Rebuilder:
    """Builds ``content_dir`` into ``index_dir`` (drafts included) when told
    files changed, and publishes each outcome to ``state``."""

    def __init__(
        self,
        content_dir: Path,
        index_dir: Path,
        state: PreviewState,
        log: Log,
        debounce: float = DEBOUNCE,
    ) -> None:
        self.content_dir = Path(content_dir)
        self.index_dir = Path(index_dir)
        self.state = state
        self.log = log
        self.debounce = debounce
        self._lock = threading.Condition()
        self._pending: set[str] = set()
        self._last_change = 0.0
        self._since_good: set[str] = set()  # files changed since the last build that published
        self._stopping = False
        self._thread: threading.Thread | None = None

    def build_now(self, changed: Iterable[str] = ()) -> Outcome:
        """Build at once, in this thread; publish and return the outcome."""
        changed = tuple(sorted(set(changed)))
        self._since_good |= set(changed)
        previous = self.state.outcome
        problems: tuple[Problem, ...] = ()
        message = ""
        try:
            report = build(self.content_dir, self.index_dir, drafts=True)
        except BuildLocked as exc:
            ok, message = False, str(exc)
            self.log(f"build skipped: {exc}")
        except Exception as exc:  # a bug or a full disk must not stop the preview
            ok, message = False, f"the build crashed: {type(exc).__name__}: {exc}"
            self.log(message)
        else:
            ok, problems = not report.failed, tuple(report.problems)
            self.log(log_line(report, changed, previous.serving) if changed or report.failed else report.summary())
            for problem in report.problems:
                self.log(f"  {problem}")
        outcome = Outcome(
            previous.generation + 1,
            ok,
            problems,
            message,
            tuple(sorted(self._since_good)),
            serving=ok or previous.serving,
        )
        if ok:
            self._since_good = set()
        self.state.publish(outcome)
        return outcome

    def changed(self, paths: Iterable[str]) -> None:
        """Files changed (paths relative to the content directory): build once
        they have been quiet for the debounce period."""
        paths = set(paths)
        if not paths:
            return
        with self._lock:
            self._pending |= paths
            self._last_change = time.monotonic()
            self._lock.notify_all()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="preview-rebuild", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join()

    def _next_batch(self) -> set[str] | None:
        """Wait for changes and for them to settle; ``None`` when stopping."""
        with self._lock:
            while True:
                if self._stopping:
                    return None
                if self._pending:
                    quiet = time.monotonic() - self._last_change
                    if quiet >= self.debounce:
                        batch, self._pending = self._pending, set()
                        return batch
                    self._lock.wait(self.debounce - quiet)
                else:
                    self._lock.wait()

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            self.build_now(batch)
