#!/usr/bin/env python3
"""Hebrew and Persian search: what it costs, and what Hebrew prefix letters do
to precision.

    python bench/search_languages.py                       # the sample help centre, then the Hebrew corpus
    python bench/search_languages.py --content DIR         # another help centre
    python bench/search_languages.py --pairs 60            # list more prefix matches to judge
    python bench/search_languages.py --speed-only          # build and query times only

Speed: a full build of the help centre (wall clock and CPU), and query latency
through the index the site uses (searcher reused, snippets included) for a
fixed set of English, Hebrew and Persian queries made from the words of its
titles, in the shapes customers type (a word, two words, a phrase). Only the
public search interface is used, so the same script measures an older checkout
(``python /old/checkout/bench/search_languages.py --speed-only``).

Precision: every distinct Hebrew word of a collection (the help centre's
stored text, or a folder of Markdown such as ``shared/corpus/m365-insights-he``)
is looked up as the search looks it up, with and without prefix letters. A
*prefix match* is a pair of different words of the collection that find each
other only through a form without prefix letters ("לנתב" and "הנתב" share
"נתב"). The script prints how many words gain matches and, for judging by a
person who reads Hebrew, the commonest pairs weighted by how many documents the
reached word is in. Whether a pair is the same word ("לנתב"/"הנתב") or a false
friend ("המתנה" waiting / "מתנה" gift) takes a reader: the README gives the
judgement of the last run. A measurement, never a test.
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path[:0] = [str(REPO_ROOT), str(BENCH_DIR)]

from portal.build import build  # noqa: E402
from portal.publish import SEARCH_DIR, current_build  # noqa: E402
from portal.search import Filters, WhooshBackend, parse_query  # noqa: E402

SEED = 2026
QUERIES_PER_LANGUAGE = 60
WARM_UP = 20
HEBREW_CORPUS = Path("/work/shared/corpus/m365-insights-he")
_WORD = re.compile(r"\w+")
_LANG = re.compile(r"^lang:\s*(\w+)", re.MULTILINE)
_TITLE = re.compile(r"^title:\s*(.+)$", re.MULTILINE)


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def titles_by_language(content: Path) -> dict[str, list[str]]:
    """Article titles per language, read from the front matter."""
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted((content / "articles").rglob("*.md")):
        head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        title = _TITLE.search(head)
        lang = _LANG.search(head)
        if title:
            found[lang.group(1) if lang else "en"].append(title.group(1).strip())
    return found


def query_set(titles: list[str], count: int, rng: random.Random) -> list[str]:
    """One word, two words, or a quoted pair of neighbours, from the titles."""
    words = [[w for w in _WORD.findall(t) if len(w) > 2] for t in titles]
    words = [w for w in words if w]
    queries = []
    for _ in range(count):
        title = rng.choice(words)
        shape = rng.choice(("one", "one", "two", "phrase"))
        if shape == "one" or len(title) < 2:
            queries.append(rng.choice(title))
        elif shape == "two":
            queries.append(" ".join(rng.sample(title, 2)))
        else:
            i = rng.randrange(len(title) - 1)
            queries.append(f'"{title[i]} {title[i + 1]}"')
    return queries


def speed(content: Path) -> None:
    rng = random.Random(SEED)
    with tempfile.TemporaryDirectory(prefix="portal-lang-bench-") as work:
        started, started_cpu = time.perf_counter(), cpu()
        report = build(content, Path(work) / "index")
        wall, used = time.perf_counter() - started, cpu() - started_cpu
        print(f"full build: {wall:.2f} s wall, {used:.2f} s CPU: {report.summary()}")
        index = WhooshBackend().open(current_build(Path(work) / "index") / SEARCH_DIR)
        try:
            by_lang = titles_by_language(content)
            for lang in ("en", "he", "fa"):
                if not by_lang.get(lang):
                    continue
                queries = query_set(by_lang[lang], QUERIES_PER_LANGUAGE + WARM_UP, rng)
                times, empty = [], 0
                for n, raw in enumerate(queries):
                    begin = time.process_time()
                    results = index.search(parse_query(raw), Filters(), 1, 10)
                    if n >= WARM_UP:
                        times.append((time.process_time() - begin) * 1000)
                        empty += results.total == 0
                print(
                    f"  {lang}: query p50 {statistics.median(times):.2f} ms, p99 {percentile(times, 99):.2f} ms "
                    f"(CPU, {len(times)} queries, {empty} found nothing)"
                )
        finally:
            index.close()


def hebrew_documents(folder: Path) -> list[str]:
    """The text of every Markdown file with Hebrew letters: a help centre's
    articles (and its FAQ and glossary, one document each), or every file under
    a folder of Markdown."""
    if (folder / "articles").is_dir():
        paths = [*sorted((folder / "articles").rglob("*.md")), folder / "faq.yaml", folder / "glossary.yaml"]
    else:
        paths = sorted(folder.rglob("*.md"))
    texts = [p.read_text(encoding="utf-8") for p in paths if p.is_file()]
    return [t for t in texts if re.search("[\u05d0-\u05ea]", t)]


def precision(name: str, documents: list[str], pairs: int) -> None:
    from portal.search import languages

    df: Counter[str] = Counter()
    for text in documents:
        df.update({w for forms in languages.slots(text, index=False) for w in forms if languages.is_hebrew(w)})
    by_form: dict[str, set[str]] = defaultdict(set)
    for word in df:
        for form in languages.hebrew_forms(word):
            by_form[form].add(word)
    reached: dict[str, set[str]] = {}
    for word in df:
        others = {o for form in languages.hebrew_forms(word) for o in by_form[form]} - {word}
        if others:
            reached[word] = others
    print(f"\n{name}: {len(documents)} documents with Hebrew, {len(df):,} distinct Hebrew words")
    gaining = len(reached)
    extra_docs = [sum(df[o] for o in others) for others in reached.values()]
    print(
        f"  {gaining:,} words ({gaining / max(1, len(df)):.0%}) reach other words through prefix letters; "
        f"median {statistics.median(extra_docs) if extra_docs else 0:.0f} more document matches for those"
    )
    # Through a form that is no word of the collection: the likeliest false friends.
    through_nonword = sum(
        1
        for word, others in reached.items()
        for other in others
        if not (set(languages.hebrew_forms(word)) & set(languages.hebrew_forms(other))) & df.keys()
    )
    total_pairs = sum(len(o) for o in reached.values())
    print(f"  {total_pairs:,} word pairs; {through_nonword:,} of them meet only in a form that is no word here")
    weighted = sorted(
        ((df[word] * df[other], word, other) for word, others in reached.items() for other in others if word < other),
        reverse=True,
    )
    print(f"  the {pairs} commonest pairs (documents with one x documents with the other):")
    for weight, word, other in weighted[:pairs]:
        shared = sorted(set(languages.hebrew_forms(word)) & set(languages.hebrew_forms(other)), key=len)
        print(f"    {weight:>6}  {word} / {other}  (meet in {shared[0]})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--content", type=Path, default=REPO_ROOT, help="help centre to build (default: the sample)")
    parser.add_argument("--corpus", type=Path, default=HEBREW_CORPUS, help="Hebrew Markdown for the precision count")
    parser.add_argument("--pairs", type=int, default=30, help="how many prefix matches to list for judging")
    parser.add_argument("--speed-only", action="store_true", help="skip the precision count")
    args = parser.parse_args(argv)
    speed(args.content)
    if args.speed_only:
        return 0
    precision("sample help centre", hebrew_documents(args.content), args.pairs)
    if args.corpus.is_dir():
        precision(args.corpus.name, hebrew_documents(args.corpus), args.pairs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
