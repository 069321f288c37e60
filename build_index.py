#!/usr/bin/env python3
"""Validate all help-center content and build the search index.

    python build_index.py              # check, render, index, publish
    python build_index.py --check      # check only; exit 1 on any error
    python build_index.py --strict     # warnings count as errors too

Every problem is printed as ``path:line: message``; the last line sums up.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from portal import config
from portal.build import BuildReport, build, check
from portal.content.problems import summary
from portal.publish import BuildLocked


def _progress(enabled: bool):
    """A progress bar on a terminal for large builds; nothing in logs and CI."""
    if not enabled:
        return lambda items: items

    def wrap(items):  # noqa: ANN001
        items = list(items)
        if len(items) < 500:
            return items
        from tqdm import tqdm

        return tqdm(items, desc="articles", unit="file", leave=False, file=sys.stderr)

    return wrap


def main(argv: list[str] | None = None) -> int:
    settings = config.from_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="validate only; write nothing")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument(
        "--content",
        type=Path,
        default=settings["CONTENT_DIR"],
        help="content directory (default: $PORTAL_CONTENT_DIR or the repository root)",
    )
    parser.add_argument(
        "--index",
        type=Path,
        default=settings["INDEX_DIR"],
        help="index directory (default: $PORTAL_INDEX_DIR or instance/index)",
    )
    parser.add_argument("--quiet", action="store_true", help="print problems only, no summary")
    args = parser.parse_args(argv)

    if not args.content.is_dir():
        print(f"error: content directory {args.content} does not exist", file=sys.stderr)
        return 2
    progress = _progress(sys.stderr.isatty() and not args.quiet)
    try:
        report: BuildReport = (
            check(args.content, strict=args.strict, progress=progress)[1]
            if args.check
            else build(args.content, args.index, strict=args.strict, progress=progress)
        )
    except BuildLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    for problem in report.problems:
        print(problem, file=sys.stderr if report.failed else sys.stdout)
    if report.failed:
        print(
            f"{summary(report.problems)}: {'check' if args.check else 'build'} failed"
            + ("" if args.check else "; the published index is unchanged"),
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
