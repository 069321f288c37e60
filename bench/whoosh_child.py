"""The half of ``whoosh_versions.py`` that runs inside each throwaway venv.

It imports nothing from the portal (the venvs hold only one Whoosh
distribution), and prints one JSON object on stdout.

    python whoosh_child.py imports        # import every whoosh module; report failures
    python whoosh_child.py compile        # compile every whoosh source file; count warnings
    python whoosh_child.py bench DIR      # build the 2,000-document index in DIR, query, refresh
"""

from __future__ import annotations

import json
import math
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

SEED = 2026
DOCS = 2000
QUERIES = 200
TOP = 10

# Function words make the text realistic for the stop-word filter; the rest is a
# help-centre vocabulary stretched with made-up words so the term dictionary has a
# long tail, as real corpora do.
_FUNCTION_TEXT = "the to and a of your you in is for on it with that this can if or be are from at"
_CONTENT_TEXT = (
    "account password reset sign email address billing payment card declined refund invoice plan upgrade "
    "router wifi signal connection speed slow outage network device phone mobile data roaming sim esim "
    "television recording channel subscription cancel order delivery install engineer appointment security "
    "scam privacy verify code message settings update firmware restart light cable fibre mesh extender "
    "support ticket reference escalation callback priority agent chat survey feedback team admin report "
    "export import dashboard integration webhook token key permission role member invite share folder"
)
_SYLLABLE_TEXT = "ka ri to ne mo la su ven dor pel mar tin gro bel fas quo lim ser an ex"
FUNCTION_WORDS = _FUNCTION_TEXT.split()
CONTENT_WORDS = _CONTENT_TEXT.split()
SYLLABLES = _SYLLABLE_TEXT.split()
# What an application imports to index and search; the rest of the package
# includes dead modules that fail to import on any version.
CORE_MODULES = (
    "whoosh.index",
    "whoosh.fields",
    "whoosh.analysis",
    "whoosh.qparser",
    "whoosh.query",
    "whoosh.searching",
    "whoosh.writing",
    "whoosh.highlight",
    "whoosh.sorting",
    "whoosh.codec.whoosh3",
    "whoosh.lang.porter",
    "whoosh.filedb.filestore",
)


def pseudo_words(rng: random.Random, count: int) -> list[str]:
    words: set[str] = set()
    while len(words) < count:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    """Words and Zipf-like cumulative weights: few words are common, most are rare."""
    words = FUNCTION_WORDS + CONTENT_WORDS + pseudo_words(rng, 4000)
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(words))]
    cumulative: list[float] = []
    total = 0.0
    for w in weights:
        total += w
        cumulative.append(total)
    return words, cumulative


def documents(rng: random.Random) -> list[dict[str, str]]:
    words, cumulative = vocabulary(rng)
    docs = []
    for n in range(DOCS):
        title = " ".join(rng.choices(CONTENT_WORDS, k=rng.randint(4, 9))).capitalize()
        body = " ".join(rng.choices(words, cum_weights=cumulative, k=rng.randint(300, 1500)))
        docs.append({"id": f"doc{n:05d}", "title": title, "body": body})
    return docs


def queries(rng: random.Random, docs: list[dict[str, str]]) -> list[str]:
    """Mixed shapes, words from titles (what customers type): one, two and three
    words, a phrase, an exclusion and an OR, in Whoosh's query syntax."""
    shapes = ["one", "two", "three", "phrase", "not", "or"]
    found = []
    for n in range(QUERIES):
        title = rng.choice(docs)["title"].lower().split()
        shape = shapes[n % len(shapes)]
        if shape == "one":
            found.append(rng.choice(title))
        elif shape in ("two", "three"):
            found.append(" ".join(rng.sample(title, 2 if shape == "two" else 3)))
        elif shape == "phrase":
            start = rng.randrange(len(title) - 1)
            found.append(f'"{title[start]} {title[start + 1]}"')
        elif shape == "not":
            found.append(f"{title[0]} -{rng.choice(CONTENT_WORDS)}")
        else:
            found.append(f"{title[0]} OR {title[-1]}")
    return found


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: with 200 values p99 is the third slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def cmd_imports() -> dict[str, Any]:
    """Import the core modules, then every other module of the installed whoosh.

    The caller chooses the warning filter and an empty bytecode cache, so every
    source is compiled now (pip's cached bytecode would hide compile warnings).
    """
    import importlib
    import pkgutil

    def attempt(name: str) -> str:
        try:
            importlib.import_module(name)
        except Exception as exc:  # whatever breaks the import is what we report
            return f"{type(exc).__name__}: {str(exc)[:160]}"
        return ""

    core = {name: error for name in ("whoosh", *CORE_MODULES) if (error := attempt(name))}
    if "whoosh" in core:
        return {"ok": False, "core_failed": core, "other_failed": {}}
    import whoosh

    others = [m.name for m in pkgutil.walk_packages(whoosh.__path__, "whoosh.") if m.name not in CORE_MODULES]
    other_failed = {name: error for name in others if (error := attempt(name))}
    return {"ok": not core, "core_failed": core, "other_failed": other_failed}


def cmd_compile() -> dict[str, Any]:
    """Compile every source file with all warnings recorded: the count does not
    depend on bytecode pip may already have cached."""
    import whoosh

    counts: dict[str, int] = {}
    examples: list[str] = []
    root = Path(whoosh.__file__).parent
    for path in sorted(root.rglob("*.py")):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            compile(path.read_text(encoding="utf-8"), str(path), "exec")
        for w in caught:
            counts[w.category.__name__] = counts.get(w.category.__name__, 0) + 1
            if len(examples) < 3:
                examples.append(f"{path.relative_to(root)}:{w.lineno}: {w.message}")
    return {"warnings": counts, "examples": examples}


def build(directory: Path, docs: list[dict[str, str]]) -> tuple[float, float]:
    """Wall-clock and CPU seconds to index ``docs`` into a new index."""
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema

    analyzer = StemmingAnalyzer()
    schema = Schema(id=ID(unique=True, stored=True), title=TEXT(analyzer=analyzer, stored=True), body=TEXT(analyzer))
    directory.mkdir(parents=True)
    started, cpu = time.perf_counter(), time.process_time()
    ix = index.create_in(str(directory), schema)
    writer = ix.writer(limitmb=128)
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    ix.close()
    return time.perf_counter() - started, time.process_time() - cpu


def run_queries(directory: Path, texts: list[str]) -> tuple[list[float], list[float], list[list[str]]]:
    """Wall-clock and CPU milliseconds per query, and each query's top ids.

    CPU time is reported too because the machine may be shared: a neighbour's
    work inflates the wall clock, not our CPU time."""
    from whoosh import index
    from whoosh.qparser import MultifieldParser

    ix = index.open_dir(str(directory))
    parser = MultifieldParser(["title", "body"], ix.schema)
    parsed = [parser.parse(t) for t in texts]  # parsing is not what we compare
    times: list[float] = []
    cpu_times: list[float] = []
    tops: list[list[str]] = []
    with ix.searcher() as searcher:
        for q in parsed[:20]:  # warm the searcher's files, as a running site would be
            searcher.search(q, limit=TOP)
        for q in parsed:
            started, cpu = time.perf_counter(), time.thread_time()
            results = searcher.search(q, limit=TOP)
            ids = [hit["id"] for hit in results]
            cpu_times.append((time.thread_time() - cpu) * 1000)
            times.append((time.perf_counter() - started) * 1000)
            tops.append(ids)
    ix.close()
    return times, cpu_times, tops


def refresh_check(directory: Path) -> dict[str, Any]:
    """Does ``Searcher.refresh()`` see an update and a merge the way a new
    searcher does? Counts hits for an old and a new marker word."""
    from whoosh import index
    from whoosh.analysis import StemmingAnalyzer
    from whoosh.fields import ID, TEXT, Schema
    from whoosh.query import Every, Term

    schema = Schema(id=ID(unique=True, stored=True), body=TEXT(StemmingAnalyzer()))
    directory.mkdir(parents=True)
    ix = index.create_in(str(directory), schema)
    with ix.writer() as w:
        for n in range(50):
            w.add_document(id=f"d{n}", body=f"plain words number{n} oldmarker" if n == 7 else f"plain words number{n}")

    def token(word: str) -> str:
        return next(iter(schema["body"].analyzer(word))).text

    old, new = token("oldmarker"), token("newmarker")

    def counts(searcher: Any) -> dict[str, int]:
        return {
            "oldmarker": len(searcher.search(Term("body", old), limit=None)),
            "newmarker": len(searcher.search(Term("body", new), limit=None)),
            "all": len(searcher.search(Every(), limit=None)),
        }

    searcher = ix.searcher()
    counts(searcher)
    with ix.writer() as w:
        w.update_document(id="d7", body="plain words number7 newmarker")
    searcher = searcher.refresh()
    after_update = {"refresh": counts(searcher), "new_searcher": counts(ix.searcher())}
    # Several small commits then a merge into one segment.
    for n in range(50, 56):
        with ix.writer() as w:
            w.add_document(id=f"d{n}", body=f"plain words number{n}")
    searcher = searcher.refresh()
    counts(searcher)
    ix.writer().commit(optimize=True)
    searcher = searcher.refresh()
    after_merge = {"refresh": counts(searcher), "new_searcher": counts(ix.searcher())}
    return {
        "after_update": after_update,
        "after_merge": after_merge,
        "stale_after_update": after_update["refresh"] != after_update["new_searcher"],
        "wrong_after_merge": after_merge["refresh"] != after_merge["new_searcher"],
    }


def cmd_bench(workdir: Path) -> dict[str, Any]:
    import whoosh

    rng = random.Random(SEED)
    docs = documents(rng)
    texts = queries(rng, docs)
    index_dir = workdir / "index"
    build_seconds, build_cpu = build(index_dir, docs)
    times, cpu_times, tops = run_queries(index_dir, texts)
    return {
        "whoosh_version": whoosh.versionstring(),
        "python": sys.version.split()[0],
        "docs": DOCS,
        "queries": len(texts),
        "build_s": round(build_seconds, 2),
        "build_cpu_s": round(build_cpu, 2),
        "p50_ms": round(statistics.median(times), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "cpu_p50_ms": round(statistics.median(cpu_times), 2),
        "cpu_p99_ms": round(percentile(cpu_times, 99), 2),
        "index_bytes": dir_size(index_dir),
        "top10": tops,
        "refresh": refresh_check(workdir / "refresh"),
    }


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "imports":
        result = cmd_imports()
    elif command == "compile":
        result = cmd_compile()
    elif command == "bench" and len(argv) == 2:
        result = cmd_bench(Path(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
