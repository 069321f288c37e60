"""Problems found in content, reported to authors as ``path:line: message``."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the content.

    ``path`` is relative to the content root so messages read the same on every
    machine; ``line`` is 1-based (0 when the problem concerns the whole file).
    """

    path: str
    line: int
    message: str
    severity: str = ERROR

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == WARNING else ""
        return f"{where}: {prefix}{self.message}"


@dataclass
class Problems:
    """Collects problems for one file so loaders can keep going after the first."""

    path: str
    found: list[Problem] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        self.found.append(Problem(self.path, line, message))

    def warning(self, line: int, message: str) -> None:
        self.found.append(Problem(self.path, line, message, WARNING))

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.found)


def relative(path: Path, root: Path) -> str:
    """The path as authors see it in their checkout (POSIX separators)."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == ERROR]


def summary(problems: Iterable[Problem]) -> str:
    """``3 errors and 1 warning in 2 files``: the last line of a failed check."""
    items = list(problems)
    n_err = len(errors(items))
    n_warn = len(items) - n_err
    files = len({p.path for p in items})
    parts = []
    if n_err:
        parts.append(f"{n_err} error{'s' * (n_err != 1)}")
    if n_warn:
        parts.append(f"{n_warn} warning{'s' * (n_warn != 1)}")
    return f"{' and '.join(parts) or 'no problems'} in {files} file{'s' * (files != 1)}"
