#!/usr/bin/env python3
"""What "did you mean" costs: the portal's symmetric-delete lookup beside
Whoosh's own corrector, on the same vocabulary.

    python bench/spelling.py                   # the test fixture, then 10,000 generated articles
    python bench/spelling.py --sizes 1000      # other generated sizes
    python bench/spelling.py --field-cost      # also: index build time with and without the vocabulary field

For each help centre, in a temporary directory: a full build; the vocabulary's
size and the delete table's bytes; the speller's load time and memory; per-word
lookup time over seeded misspellings of vocabulary words, through
``Speller.best`` and through ``reader.terms_within`` (Whoosh's Levenshtein
automaton over the term list) with and without a one-letter prefix; and whole
searches through ``Index.search`` with one misspelt word (the path that computes
``did_you_mean``) beside the same searches spelt right. A measurement, never a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR), str(REPO_ROOT / "tests")]

import corpus  # noqa: E402

from portal.build import SEARCH_DIR, build  # noqa: E402
from portal.publish import current_build  # noqa: E402
from portal.search import Filters, WhooshBackend, parse_query, spelling  # noqa: E402
from portal.search import whoosh_backend as wb  # noqa: E402

SEED = 2026  # as bench/build_and_query.py, so the corpora are the same
LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(rng: random.Random, word: str) -> str:
    """One deletion, insertion, substitution or swap of neighbours."""
    i = rng.randrange(len(word))
    kind = rng.choice("disw")
    if kind == "d":
        return word[:i] + word[i + 1 :]
    if kind == "i":
        return word[:i] + rng.choice(LETTERS) + word[i:]
    if kind == "s":
        return word[:i] + rng.choice(LETTERS.replace(word[i], "")) + word[i + 1 :]
    i = min(i, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def percentiles(ms: Sequence[float]) -> str:
    ordered = sorted(ms)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):7.3f} ms  p99 {p99:7.3f} ms"


def timed(call: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def whoosh_best(reader: object, word: str, prefix: int, frequencies: dict[str, int]) -> str | None:
    """Whoosh's corrector, ranked as ours. Each segment's reader walks its own
    term list with the automaton (a multi-segment reader would compare every
    term one by one)."""
    limit = spelling.max_distance(word)
    found = [
        (spelling.edit_distance(word, w, limit), -frequencies.get(w, 0), w)
        for leaf, _offset in reader.leaf_readers()  # type: ignore[attr-defined]
        for w in leaf.terms_within("vocabulary", word, limit, prefix=prefix)
        if w != word
    ]
    return min(found)[2] if found else None


def measure(name: str, content: Path, work: Path, samples: int, field_cost: bool) -> None:
    print(f"\n== {name}", flush=True)
    started = time.perf_counter()
    report = build(content, work / "index")
    assert not report.failed, [str(p) for p in report.problems[:5]]
    print(f"full build {time.perf_counter() - started:.1f} s ({report.summary()})")
    build_dir = current_build(work / "index")
    assert build_dir is not None
    search_dir = build_dir / SEARCH_DIR

    words_bytes = (search_dir / spelling.WORDS_FILE).stat().st_size
    table_bytes = (search_dir / spelling.DELETES_FILE).stat().st_size
    tracemalloc.start()
    load_ms, speller = timed(lambda: spelling.Speller.load(search_dir))
    memory = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert isinstance(speller, spelling.Speller)
    words = list(speller._words)
    frequencies = dict(zip(words, speller._frequencies, strict=True))
    print(
        f"vocabulary {len(words):,} words; {spelling.WORDS_FILE} {words_bytes / 1e6:.2f} MB, "
        f"{spelling.DELETES_FILE} {table_bytes / 1e6:.2f} MB; load {load_ms:.1f} ms, {memory / 1e6:.1f} MB in memory"
    )
    rewrite_ms, _ = timed(lambda: spelling.write_vocabulary(work, frequencies))
    print(f"writing the word list and delete table: {rewrite_ms:.0f} ms")

    rng = random.Random(SEED)
    pool = [w for w in words if spelling.is_correctable(w) and w.isascii() and frequencies[w] >= 2]
    targets = rng.sample(pool, min(samples, len(pool)))
    typos = [(w, misspell(rng, w)) for w in targets]
    typos = [(w, t) for w, t in typos if t not in speller and spelling.is_correctable(t)]

    index = WhooshBackend().open(search_dir)
    try:
        reader = index._searcher().reader()
        methods: dict[str, Callable[[str], str | None]] = {
            "symmetric delete (ours)": speller.best,
            "whoosh terms_within": lambda t: whoosh_best(reader, t, 0, frequencies),
            "whoosh, prefix=1": lambda t: whoosh_best(reader, t, 1, frequencies),
        }
        for label, method in methods.items():
            method(typos[0][1])  # warm up
            times, right = [], 0
            for word, typo in typos:
                ms, found = timed(lambda typo=typo, method=method: method(typo))
                times.append(ms)
                right += found == word
            print(f"{label:25} {percentiles(times)}  original word back {right}/{len(typos)}")

        second = [w for w in rng.sample(pool, min(len(typos), len(pool)))]
        pairs = [(f"{w} {s}", f"{t} {s}") for (w, t), s in zip(typos, second, strict=False)]
        for _right, wrong in pairs[:20]:
            index.search(parse_query(wrong), Filters(), 1, 10)
        for label, pick in (("spelt right", 0), ("one word misspelt", 1)):
            times, offered = [], 0
            for pair in pairs:
                ms, results = timed(lambda q=pair[pick]: index.search(parse_query(q), Filters(), 1, 10))
                times.append(ms)
                offered += results.did_you_mean is not None  # type: ignore[attr-defined]
            print(f"Index.search, {label:18} {percentiles(times)}  did_you_mean offered {offered}/{len(pairs)}")
    finally:
        index.close()

    if field_cost:
        vocabulary_field_cost(content, work)


def vocabulary_field_cost(content: Path, work: Path) -> None:
    """The Whoosh part of a full build, with the vocabulary field and with an
    analyser that yields nothing in its place."""
    documents: list = []

    class Recording(WhooshBackend):
        def build(self, directory, add, remove_sources, fresh, synonyms=None):
            documents.extend(add)

    build(content, work / "record", backend=Recording())
    original = wb.VOCABULARY_ANALYZER
    for label, analyzer in (("with the vocabulary field", original), ("without", wb.RegexTokenizer(r"(?!)"))):
        wb.VOCABULARY_ANALYZER = analyzer
        try:
            target = Path(tempfile.mkdtemp(dir=work))
            ms, _ = timed(lambda target=target: WhooshBackend().build(target, documents, [], fresh=True))
        finally:
            wb.VOCABULARY_ANALYZER = original
        print(f"backend build of {len(documents):,} documents, {label}: {ms / 1000:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000], help="generated corpus sizes")
    parser.add_argument("--samples", type=int, default=300, help="misspelt words per corpus")
    parser.add_argument("--field-cost", action="store_true", help="time the vocabulary field at build")
    args = parser.parse_args()
    from conftest import write_site

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        measure("test fixture", write_site(root / "fixture" / "content"), root / "fixture", args.samples, False)
        for size in args.sizes:
            content = root / str(size) / "content"
            content.mkdir(parents=True)
            corpus.generate(content, size, SEED + size)
            measure(f"{size:,} generated articles", content, root / str(size), args.samples, args.field_cost)


if __name__ == "__main__":
    main()
