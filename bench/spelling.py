#!/usr/bin/env python3
"""What "did you mean" costs: the portal's symmetric-delete lookup beside
Whoosh's own corrector, on the same vocabulary.

    python bench/spelling.py                   # the test fixture, then 10,000 generated articles
    python bench/spelling.py --sizes 1000      # other generated sizes
    python bench/spelling.py --work /tmp/sp    # keep corpora and builds there, reuse them next time

For each help centre, in a temporary directory: a full build; the vocabulary's
size and the delete table's bytes; what counting the words of every document
and writing the word list cost the build; the speller's load time and memory;
per-word lookup time over seeded misspellings of vocabulary words, through
``Speller.best`` and through ``reader.terms_within`` (Whoosh's Levenshtein
automaton over a term list of the same words, in one segment: its best case)
with and without a one-letter prefix; and whole searches through
``Index.search`` with one misspelt word (the path that computes
``did_you_mean``) beside the same searches spelt right. A measurement, never a
test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import random
import shutil
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
from whoosh import fields as whoosh_fields  # noqa: E402
from whoosh import index as whoosh_index  # noqa: E402
from whoosh.analysis import SpaceSeparatedTokenizer  # noqa: E402
from whoosh.formats import Existence  # noqa: E402

from portal.build import SEARCH_DIR, build  # noqa: E402
from portal.publish import current_build  # noqa: E402
from portal.search import Filters, WhooshBackend, parse_query, spelling  # noqa: E402
from portal.search import whoosh_backend as wb  # noqa: E402
from portal.search.synonyms import SynonymTable  # noqa: E402

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


def whoosh_terms(words: list[str], directory: Path) -> whoosh_index.Index:
    """A one-segment Whoosh index whose term list is ``words``."""
    schema = whoosh_fields.Schema(word=whoosh_fields.FieldType(Existence(), SpaceSeparatedTokenizer()))
    ix = whoosh_index.create_in(str(directory), schema)
    writer = ix.writer()
    for start in range(0, len(words), 1000):
        writer.add_document(word=" ".join(words[start : start + 1000]))
    writer.commit()
    return ix


def whoosh_best(reader: object, word: str, prefix: int, frequencies: dict[str, int]) -> str | None:
    """Whoosh's corrector, ranked as ours."""
    limit = spelling.max_distance(word)
    found = [
        (spelling.edit_distance(word, w, limit), -frequencies.get(w, 0), w)
        for w in reader.terms_within("word", word, limit, prefix=prefix)  # type: ignore[attr-defined]
        if w != word
    ]
    return min(found)[2] if found else None


def measure(name: str, content: Path, work: Path, samples: int) -> None:
    print(f"\n== {name}", flush=True)
    started = time.perf_counter()
    report = build(content, work / "index")
    assert not report.failed, [str(p) for p in report.problems[:5]]
    print(f"build {time.perf_counter() - started:.1f} s ({report.summary()})")
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
    index = WhooshBackend().open(search_dir)
    stored = list(index._searcher().all_stored_fields())
    index.close()
    count_ms, _ = timed(lambda: [wb._words(fields) for fields in stored])
    print(
        f"counting the words of {len(stored):,} documents {count_ms:.0f} ms, "
        f"writing the word list and delete table {rewrite_ms:.0f} ms"
    )

    rng = random.Random(SEED)
    pool = [w for w in words if spelling.is_correctable(w) and w.isascii() and frequencies[w] >= 2]
    targets = rng.sample(pool, min(samples, len(pool)))
    typos = [(w, misspell(rng, w)) for w in targets]
    typos = [(w, t) for w, t in typos if t not in speller and spelling.is_correctable(t)]

    index = WhooshBackend().open(search_dir)
    shutil.rmtree(work / "terms", ignore_errors=True)
    (work / "terms").mkdir()
    terms = whoosh_terms(words, work / "terms")
    reader = terms.reader()
    try:
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
        alone = [timed(lambda q=wrong: index._did_you_mean(parse_query(q), Filters()))[0] for _r, wrong in pairs]
        print(f"did_you_mean alone (its share of the above) {percentiles(alone)}")
        synonym_cost(index, search_dir, rng)
    finally:
        index.close()
        reader.close()
        terms.close()


def synonym_cost(index: wb.WhooshIndex, search_dir: Path, rng: random.Random) -> None:
    """Searches for a glossary name (and a second word) with their synonyms
    expanded, and the same searches with no synonyms."""
    synonyms = wb._read_synonyms(search_dir / wb.SYNONYMS_FILE)
    names = sorted({name for by_name in synonyms.values() for name in by_name})
    if not names:
        return
    queries = [rng.choice(names) for _ in range(100)]
    queries += [f"{rng.choice(names)} {rng.choice(names)}" for _ in range(100)]
    tables = {"with synonyms": index._all_synonyms, "without": SynonymTable({})}
    times: dict[str, list[float]] = {label: [] for label in tables}
    try:
        for query in queries:  # interleaved, so both see the same cache state
            for label, table in tables.items():
                index._all_synonyms = table
                times[label].append(timed(lambda q=query: index.search(parse_query(q), Filters(), 1, 10))[0])
    finally:
        index._all_synonyms = tables["with synonyms"]
    for label, ms in times.items():
        print(f"Index.search for glossary names ({len(names)}), {label:13} {percentiles(ms)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000], help="generated corpus sizes")
    parser.add_argument("--samples", type=int, default=300, help="misspelt words per corpus")
    parser.add_argument("--work", type=Path, help="directory to keep corpora and builds in (default: temporary)")
    args = parser.parse_args()
    from conftest import write_site

    with tempfile.TemporaryDirectory() as tmp:
        root = args.work or Path(tmp)
        measure("test fixture", write_site(root / "fixture" / "content"), root / "fixture", args.samples)
        for size in args.sizes:
            content = root / str(size) / "content"
            if not content.is_dir():
                content.mkdir(parents=True)
                corpus.generate(content, size, SEED + size)
            measure(f"{size:,} generated articles", content, root / str(size), args.samples)


if __name__ == "__main__":
    main()
