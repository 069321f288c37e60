#!/usr/bin/env python3
"""The portal's benchmark: build, rebuild, start up and search help centres.

    python bench/build_and_query.py                      # 1,000 and 10,000 articles, then the real corpora
    python bench/build_and_query.py --quick              # 1,000 articles and 50 queries only
    python bench/build_and_query.py --sizes 1000 --out bench/out/results.json

For each corpus, in a temporary directory: a full build, a rebuild with nothing
changed, a rebuild with one article changed, the index size on disk, the app's
start-up (a fresh process: imports, ``create_app`` and the first ``/``), and
query latency over a fixed query set, once through the search index the site
uses (searcher reused, snippets included) and once as ``/search?q=`` through
Flask's test client. It ends with Markdown tables for the README: wall-clock
times, the same runs in CPU time (which a busy neighbour on a shared machine
does not inflate), and the query p50 by query shape.

Generated corpora come from :mod:`corpus` (seeded, so runs are comparable).
The real corpora in ``shared/corpus`` (``$PORTAL_BENCH_CORPORA``) are imported
with ``portal.importer.import_content`` when that module exists; ``--quick`` and
``--no-real`` leave them out. This is a
measurement, never a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# Run from a checkout: import the portal in this working tree, not an installed copy.
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR)]

import corpus  # noqa: E402

from portal import create_app  # noqa: E402
from portal.build import BuildReport, build  # noqa: E402
from portal.catalog import FILENAME as CATALOG_FILE  # noqa: E402
from portal.content import load_site  # noqa: E402
from portal.publish import SEARCH_DIR, current_build  # noqa: E402
from portal.search import Filters, WhooshBackend, parse_query  # noqa: E402

SHARED_CORPORA = Path(os.environ.get("PORTAL_BENCH_CORPORA", "/work/shared/corpus"))
REAL_CORPORA = (("plausible (en)", "plausible"), ("m365-insights (he)", "m365-insights-he"))
SEED = 2026
QUERIES = 200
QUICK_QUERIES = 50
WARM_UP = 20  # queries run untimed first: a running site has its files open and cached
STARTUP_RUNS = 3
SHAPES = ("one word", "two words", "three words", "phrase", "exclusion", "OR")
# How often each shape occurs; most customers type one or two words.
SHAPE_WEIGHTS = (30, 25, 15, 10, 10, 10)
# Words too common to tell articles apart, left out of generated queries (the
# analyser drops most of them anyway).
_STOP_TEXT = "the to and a of your you in is for on it with that this can if or be are from at we our how what why"
STOP = frozenset(_STOP_TEXT.split())
_WORD = re.compile(r"\w+")


@dataclass
class Result:
    """Everything measured for one corpus; times in seconds unless named ``_ms``."""

    corpus: str
    articles: int = 0
    build_s: float = 0.0
    build_cpu_s: float = 0.0  # user + system, this process and its children
    rate: float = 0.0
    noop_s: float = 0.0
    noop_rendered: int = 0
    one_change_s: float = 0.0
    one_change_rendered: int = 0
    one_change_indexed: int = 0
    one_change_found: bool = False
    search_bytes: int = 0
    catalog_bytes: int = 0
    startup_ms: list[float] = field(default_factory=list)
    startup_cpu_ms: list[float] = field(default_factory=list)
    query_p50_ms: float = 0.0
    query_p99_ms: float = 0.0
    # The same queries in CPU time: what other processes on a shared machine
    # cannot inflate, to tell our slowness from a busy neighbour's.
    query_cpu_p50_ms: float = 0.0
    query_cpu_p99_ms: float = 0.0
    shape_p50_ms: dict[str, float] = field(default_factory=dict)
    http_p50_ms: float = 0.0
    http_p99_ms: float = 0.0
    http_cpu_p50_ms: float = 0.0
    http_cpu_p99_ms: float = 0.0
    http_errors: int = 0
    queries: int = 0
    zero_hit_queries: int = 0
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute load before and after
    skipped: str = ""


# --- corpora -----------------------------------------------------------------


def generated(size: int, seed: int) -> Callable[[Path], str]:
    def make(dest: Path) -> str:
        corpus.generate(dest, size, seed + size)
        return ""

    return make


def imported(src: Path) -> Callable[[Path], str]:
    """Import a real corpus; returns why it was skipped, or ``""``."""

    def make(dest: Path) -> str:
        if not src.is_dir():
            return f"{src} not found"
        try:
            from portal.importer import import_content
        except ImportError as exc:
            return f"portal.importer is not available ({exc})"
        import_content(src, dest)
        return ""

    return make


# --- queries -----------------------------------------------------------------


def title_words(titles: list[str]) -> list[list[str]]:
    """Each title as its searchable words, lower-cased, stop words kept in
    place (phrases need neighbours) but titles with no real word dropped."""
    split = [[w.lower() for w in _WORD.findall(t)] for t in titles]
    return [words for words in split if any(w not in STOP and len(w) > 1 for w in words)]


def make_query(rng: random.Random, shape: str, words: list[str], other: list[str]) -> tuple[str, str]:
    """``(shape, query)`` from one title's ``words`` (``other`` is another
    title's, for the excluded word). A title with one real word gives a
    one-word query whatever was asked, and is counted as one."""
    real = [w for w in words if w not in STOP and len(w) > 1]
    if shape == "one word" or len(real) < 2:
        return "one word", rng.choice(real)
    if shape == "two words" or (shape == "three words" and len(real) < 3):
        return "two words", " ".join(rng.sample(real, 2))
    if shape == "three words":
        return shape, " ".join(rng.sample(real, 3))
    if shape == "phrase":
        start = rng.randrange(len(words) - 1)
        return shape, f'"{words[start]} {words[start + 1]}"'
    if shape == "exclusion":
        excluded = [w for w in other if w not in STOP and len(w) > 1 and w not in real] or ["zzz"]
        return shape, f"{rng.choice(real)} -{rng.choice(excluded)}"
    return shape, f"{real[0]} OR {real[-1]}"


def query_set(titles: list[str], count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` (shape, query) pairs, the same for the same titles and seed."""
    rng = random.Random(seed)
    pool = title_words(titles)
    shapes = rng.choices(SHAPES, SHAPE_WEIGHTS, k=count)
    return [make_query(rng, shape, rng.choice(pool), rng.choice(pool)) for shape in shapes]


# --- measuring ---------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: with 200 values p99 is the third slowest, with
    50 it is the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def tree_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cpu_seconds() -> float:
    """User + system time of this process and its waited-for children (the
    build's writer processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_build(content: Path, index_root: Path) -> tuple[float, float, BuildReport]:
    started, cpu = time.perf_counter(), cpu_seconds()
    report = build(content, index_root)
    elapsed, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if report.failed:
        shown = "\n  ".join(str(p) for p in report.problems[:10])
        raise RuntimeError(f"build failed with {len(report.problems)} problems:\n  {shown}")
    return elapsed, cpu, report


def edit_one_article(content: Path, marker: str) -> Path:
    """Append a paragraph with a word no other article has to the middle article."""
    paths = sorted((content / "articles").rglob("*.md"))
    path = paths[len(paths) // 2]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\nBenchmark edit: this paragraph mentions {marker} once.\n")
    return path


def marker_found(index_root: Path, marker: str) -> bool:
    build_dir = current_build(index_root)
    assert build_dir is not None
    index = WhooshBackend().open(build_dir / SEARCH_DIR)
    try:
        return index.search(parse_query(marker), Filters(), 1, 10).total == 1
    finally:
        index.close()


def startup_ms(config: dict[str, Any]) -> tuple[float, float]:
    """One fresh interpreter: imports + ``create_app`` + first ``/``, in
    wall-clock and CPU milliseconds."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    # A deployed site runs from compiled bytecode; with this variable set (as it
    # is on CI machines) every start would compile the portal again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    done = subprocess.run(
        [sys.executable, str(BENCH_DIR / "startup_child.py"), json.dumps(config, default=str)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if answer["status"] != 200:
        raise RuntimeError(f"start-up child got HTTP {answer['status']} for /")
    return answer["ms"], answer["cpu_ms"]


@dataclass
class Timings:
    """Wall-clock and CPU milliseconds of each call, in query order."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, call: Callable[[], Any]) -> Any:
        started, cpu = time.perf_counter(), time.thread_time()
        value = call()
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - started) * 1000)
        return value


def index_latency(search_dir: Path, queries: list[tuple[str, str]]) -> tuple[Timings, int]:
    """Milliseconds per query through the portal's Index (parse, search, snippets),
    one searcher for the whole run; and how many queries found nothing."""
    index = WhooshBackend().open(search_dir)
    try:
        for _shape, text in queries[:WARM_UP]:
            index.search(parse_query(text), Filters(), 1, 10)
        timings, empty = Timings(), 0
        for _shape, text in queries:
            results = timings.time(lambda text=text: index.search(parse_query(text), Filters(), 1, 10))
            empty += results.total == 0
        return timings, empty
    finally:
        index.close()


def http_latency(config: dict[str, Any], queries: list[tuple[str, str]]) -> tuple[Timings, int]:
    """Milliseconds per ``GET /search?q=`` through Flask's test client (routing,
    the search, the template); and how many answered other than 200."""
    client = create_app(config).test_client()
    for _shape, text in queries[:WARM_UP]:
        client.get(f"/search?q={quote_plus(text)}")
    timings, errors = Timings(), 0
    for _shape, text in queries:
        response = timings.time(lambda text=text: client.get(f"/search?q={quote_plus(text)}"))
        errors += response.status_code != 200
    return timings, errors


def by_shape(queries: list[tuple[str, str]], times: list[float]) -> dict[str, float]:
    found: dict[str, list[float]] = {}
    for (shape, _text), ms in zip(queries, times, strict=True):
        found.setdefault(shape, []).append(ms)
    return {shape: round(statistics.median(found[shape]), 2) for shape in SHAPES if shape in found}


def say(text: str) -> None:
    print(text, flush=True)


def measure(name: str, make: Callable[[Path], str], workdir: Path, query_count: int, seed: int) -> Result:
    result = Result(name)
    content, index_root, instance = workdir / "content", workdir / "index", workdir / "instance"
    content.mkdir(parents=True)
    say(f"\n== {name}")
    result.skipped = make(content)
    if result.skipped:
        say(f"   skipped: {result.skipped}")
        return result

    load_before = os.getloadavg()[0]
    result.build_s, result.build_cpu_s, report = timed_build(content, index_root)
    result.articles = report.counts.get("articles", 0)
    result.rate = result.articles / result.build_s
    build_dir = current_build(index_root)
    assert build_dir is not None
    result.search_bytes = tree_size(build_dir / SEARCH_DIR)
    result.catalog_bytes = tree_size(build_dir / CATALOG_FILE)
    say(f"   full build: {result.build_s:.1f} s ({result.build_cpu_s:.1f} s CPU), {result.rate:.0f} articles/s")
    say(f"   {report.summary()}")

    result.noop_s, _cpu, report = timed_build(content, index_root)
    result.noop_rendered = report.rendered
    say(f"   no-change rebuild: {result.noop_s:.2f} s ({report.rendered} rendered, {report.indexed} indexed)")

    marker = f"benchmarker{seed}"
    edit_one_article(content, marker)
    result.one_change_s, _cpu, report = timed_build(content, index_root)
    result.one_change_rendered, result.one_change_indexed = report.rendered, report.indexed
    result.one_change_found = marker_found(index_root, marker)
    say(
        f"   one-article rebuild: {result.one_change_s:.2f} s ({report.rendered} rendered, {report.indexed} indexed;"
        f" edited word found: {'yes' if result.one_change_found else 'NO'})"
    )

    config: dict[str, Any] = {
        "INDEX_DIR": index_root,
        "INSTANCE_DIR": instance,
        "CONTENT_DIR": content,
        "DATABASE_URL": f"sqlite:///{instance / 'portal.sqlite3'}",
        "SECRET_KEY": "bench",
        "TESTING": True,
    }
    startup_ms(config)  # untimed: writes the bytecode a deployed site would have
    runs = [startup_ms(config) for _ in range(STARTUP_RUNS)]
    result.startup_ms, result.startup_cpu_ms = [wall for wall, _cpu in runs], [cpu for _wall, cpu in runs]
    say(
        f"   start-up (fresh process, imports + create_app + first /): {fmt_ms(result.startup_ms)} ms"
        f" (CPU {fmt_ms(result.startup_cpu_ms)} ms)"
    )

    titles = [a.title for a in load_site(content)[0].articles]
    queries = query_set(titles, query_count, seed)
    result.queries = len(queries)
    build_dir = current_build(index_root)
    assert build_dir is not None
    timings, result.zero_hit_queries = index_latency(build_dir / SEARCH_DIR, queries)
    result.query_p50_ms, result.query_p99_ms = statistics.median(timings.wall), percentile(timings.wall, 99)
    result.query_cpu_p50_ms, result.query_cpu_p99_ms = statistics.median(timings.cpu), percentile(timings.cpu, 99)
    result.shape_p50_ms = by_shape(queries, timings.wall)
    say(
        f"   queries through the Index: p50 {result.query_p50_ms:.1f} ms, p99 {result.query_p99_ms:.1f} ms"
        f" (CPU {result.query_cpu_p50_ms:.1f} / {result.query_cpu_p99_ms:.1f} ms;"
        f" {len(queries)} queries, {result.zero_hit_queries} found nothing)"
    )
    say("   p50 by shape: " + ", ".join(f"{s} {ms:.1f}" for s, ms in result.shape_p50_ms.items()))

    timings, result.http_errors = http_latency(config, queries)
    result.http_p50_ms, result.http_p99_ms = statistics.median(timings.wall), percentile(timings.wall, 99)
    result.http_cpu_p50_ms, result.http_cpu_p99_ms = statistics.median(timings.cpu), percentile(timings.cpu, 99)
    say(
        f"   /search through the test client: p50 {result.http_p50_ms:.1f} ms, p99 {result.http_p99_ms:.1f} ms"
        f" (CPU p50 {result.http_cpu_p50_ms:.1f} ms; {result.http_errors} not 200)"
    )
    result.load_average = (load_before, os.getloadavg()[0])
    say(f"   1-minute load average before / after: {load_before:.1f} / {result.load_average[1]:.1f}")
    return result


# --- reporting ---------------------------------------------------------------


def fmt_ms(values: list[float]) -> str:
    return " / ".join(f"{v:.0f}" for v in values)


def megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def seconds(s: float) -> str:
    return f"{s:.2f} s" if s < 10 else f"{s:.0f} s"


def markdown_table(results: list[Result]) -> str:
    head = (
        "| corpus | articles | full build | build rate | no-change rebuild | one-article rebuild "
        "| search index | catalog | start-up | query p50 / p99 | /search p50 / p99 |"
    )
    lines = [head, "| --- |" + " ---: |" * 10]
    for r in results:
        if r.skipped:
            lines.append(f"| {r.corpus} | skipped: {r.skipped} |" + " |" * 9)
            continue
        lines.append(
            f"| {r.corpus} | {r.articles:,} | {seconds(r.build_s)} | {r.rate:.0f}/s "
            f"| {seconds(r.noop_s)} "
            f"| {seconds(r.one_change_s)} | {megabytes(r.search_bytes)} | {megabytes(r.catalog_bytes)} "
            f"| {statistics.median(r.startup_ms):.0f} ms | {r.query_p50_ms:.1f} / {r.query_p99_ms:.0f} ms "
            f"| {r.http_p50_ms:.1f} / {r.http_p99_ms:.0f} ms |"
        )
    return "\n".join(lines)


def cpu_table(results: list[Result]) -> str:
    """The same runs in CPU time, which other work on a shared machine does not
    inflate (the build's includes its writer processes)."""
    lines = [
        "| corpus (CPU time) | full build | start-up | query p50 / p99 | /search p50 / p99 | load before / after |",
        "| --- |" + " ---: |" * 5,
    ]
    for r in results:
        if r.skipped:
            continue
        lines.append(
            f"| {r.corpus} | {seconds(r.build_cpu_s)} | {statistics.median(r.startup_cpu_ms):.0f} ms "
            f"| {r.query_cpu_p50_ms:.1f} / {r.query_cpu_p99_ms:.0f} ms "
            f"| {r.http_cpu_p50_ms:.1f} / {r.http_cpu_p99_ms:.0f} ms "
            f"| {r.load_average[0]:.1f} / {r.load_average[1]:.1f} |"
        )
    return "\n".join(lines)


def shape_table(results: list[Result]) -> str:
    measured = [r for r in results if not r.skipped]
    lines = ["| query shape (p50 ms) | " + " | ".join(r.corpus for r in measured) + " |"]
    lines.append("| --- |" + " ---: |" * len(measured))
    for shape in SHAPES:
        cells = [f"{r.shape_p50_ms[shape]:.1f}" if shape in r.shape_p50_ms else "" for r in measured]
        lines.append(f"| {shape} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": time.strftime("%Y-%m-%d"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="generated corpus sizes")
    parser.add_argument("--quick", action="store_true", help="1,000 generated articles and 50 queries only")
    parser.add_argument("--no-real", action="store_true", help="skip the real corpora in shared/corpus")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)

    sizes = [1000] if args.quick else args.sizes
    query_count = QUICK_QUERIES if args.quick else QUERIES
    corpora: list[tuple[str, Callable[[Path], str]]] = [
        (f"generated {size:,}", generated(size, args.seed)) for size in sizes
    ]
    if not (args.quick or args.no_real):
        corpora += [(name, imported(SHARED_CORPORA / folder)) for name, folder in REAL_CORPORA]

    facts = machine()
    say(f"nproc {facts['nproc']}, Python {facts['python']}, {facts['platform']}; seed {args.seed}")
    root = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    results: list[Result] = []
    try:
        for n, (name, make) in enumerate(corpora):
            try:
                results.append(measure(name, make, root / f"corpus-{n}", query_count, args.seed))
            except Exception as exc:  # one broken corpus must not lose the others' numbers
                say(f"   FAILED: {type(exc).__name__}: {exc}")
                results.append(Result(name, skipped=f"failed: {type(exc).__name__}"))
    finally:
        if args.keep:
            say(f"\nkept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    say(f"\nMeasured on {facts['nproc']} CPUs, Python {facts['python']}; {query_count} queries, top 10, page 1.\n")
    say(markdown_table(results))
    say("")
    say(cpu_table(results))
    say("")
    say(shape_table(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        data = {"machine": facts, "seed": args.seed, "queries": query_count, "results": [asdict(r) for r in results]}
        args.out.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
