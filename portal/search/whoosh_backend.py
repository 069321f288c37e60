"""The Whoosh implementation of the search interface.

Design notes, from measurements on this kind of machine (see the README):
- queries are built from :class:`UserQuery` objects, never by Whoosh's parser;
- one searcher per index and thread, reused across requests, and a new one
  (never ``refresh()``, which returns stale results in whoosh-reloaded 2.7.5)
  when a new build is published;
- segments written non-compound, which makes the first query after opening fast;
- full builds of many documents use two processes and multiple segments;
- the word list "did you mean" is answered from (:mod:`portal.search.spelling`)
  is counted from the text each document stores, so an incremental build can
  take a removed document's words off again (indexing the words as a Whoosh
  field instead made a full build of 10,000 articles 2.7 times slower);
- glossary synonyms are expanded by :mod:`portal.search.synonyms` into queries
  built here.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS, StemmingAnalyzer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.searching import Results as WhooshResults

from portal.search import spelling
from portal.search.engine import Document, Filters, Hit, Results, Suggestion
from portal.search.query import Term, UserQuery, clean_text, parse_query
from portal.search.snippets import make_snippet
from portal.search.synonyms import Alternative, Group, Synonyms, SynonymTable, expand
from portal.search.synonyms import words as expanded_words

ANALYZER = StemmingAnalyzer(minsize=1)
# A title match says more than a tag, a tag or summary more than the body.
BOOSTS = {"title": 4.0, "tags": 2.5, "summary": 2.0, "text": 1.0}
MAX_HITS = 1000  # deepest result a customer can page to
PARALLEL_BUILD_THRESHOLD = 2000
TITLES_FILE = "titles.json"
SYNONYMS_FILE = "synonyms.json"


def make_schema() -> Schema:
    return Schema(
        id=ID(unique=True, stored=True),
        type=ID(stored=True),
        key=ID(stored=True),
        source=ID(stored=True),
        lang=ID(stored=True),
        category=ID(stored=True),
        url=STORED,
        title=TEXT(analyzer=ANALYZER, stored=True),
        summary=TEXT(analyzer=ANALYZER, stored=True),
        tags=TEXT(analyzer=ANALYZER, stored=True),  # stored for the word counts
        text=TEXT(analyzer=ANALYZER),
        plain=STORED,  # what snippets are cut from
    )


class WhooshBackend:
    # "whoosh-2" stores tags and writes the word list and synonyms.json.
    format_version = "whoosh-2"

    def build(
        self,
        directory: Path,
        add: Iterable[Document],
        remove_sources: Sequence[str],
        fresh: bool,
        synonyms: Synonyms | None = None,
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(directory), make_schema()) if fresh else whoosh_index.open_dir(str(directory))
        docs = list(add)
        counts = Counter() if fresh else _counts_without(ix, directory, remove_sources)
        if fresh and len(docs) > PARALLEL_BUILD_THRESHOLD:
            writer = ix.writer(procs=2, multisegment=True, limitmb=256, compound=False)
        else:
            writer = ix.writer(limitmb=128, compound=False)
        try:
            for source in remove_sources:
                writer.delete_by_term("source", source)
            for doc in docs:
                fields = dict(
                    id=doc.id,
                    type=doc.type,
                    key=doc.key,
                    source=doc.source,
                    lang=doc.lang,
                    category=doc.category,
                    url=doc.url,
                    title=doc.title,
                    summary=doc.summary,
                    tags=" ".join(doc.tags),
                    text=doc.text,
                    plain=doc.text[:20000],
                )
                (writer.add_document if fresh else writer.update_document)(**fields)
                if counts is not None:
                    counts.update(_words(fields))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        _write_titles(ix, directory / TITLES_FILE)
        spelling.write_vocabulary(directory, counts if counts is not None else _count_all(ix))
        _write_synonyms(directory / SYNONYMS_FILE, synonyms or {})
        ix.close()

    def open(self, directory: Path) -> WhooshIndex:
        return WhooshIndex(directory)


def _write_titles(ix: whoosh_index.Index, path: Path) -> None:
    """The list suggestions are answered from: every title, with its URL."""
    with ix.searcher() as searcher:
        titles = sorted((f["title"], f["url"], f["type"], f["lang"]) for f in searcher.all_stored_fields())
    path.write_text(json.dumps(titles, ensure_ascii=False), encoding="utf-8")


def _words(stored: Mapping[str, str]) -> set[str]:
    """A document's words for the spelling vocabulary, from what it stores (so
    the same words come off when it is removed). Words only in the part of a
    very long body beyond the stored 20,000 characters are not suggested."""
    text = "\n".join(stored.get(name, "") for name in ("title", "tags", "summary", "plain"))
    return spelling.words_in(text) - STOP_WORDS  # never suggest a word the search ignores


def _counts_without(ix: whoosh_index.Index, directory: Path, remove_sources: Sequence[str]) -> Counter[str] | None:
    """The previous build's word counts less the documents about to be removed;
    ``None`` when there are none to start from."""
    previous = spelling.read_frequencies(directory)
    if previous is None:
        return None
    counts = Counter(previous)
    with ix.searcher() as searcher:
        for source in remove_sources:
            for stored in searcher.documents(source=source):
                counts.subtract(_words(stored))
    return counts


def _count_all(ix: whoosh_index.Index) -> Counter[str]:
    with ix.searcher() as searcher:
        counts: Counter[str] = Counter()
        for stored in searcher.all_stored_fields():
            counts.update(_words(stored))
        return counts


def _write_synonyms(path: Path, synonyms: Synonyms) -> None:
    data = {lang: {name: list(others) for name, others in names.items()} for lang, names in synonyms.items()}
    path.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def _read_synonyms(path: Path) -> dict[str, dict[str, list[str]]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class WhooshIndex:
    """A published index, opened once; thread-safe for reading."""

    def __init__(self, directory: Path) -> None:
        self._ix = whoosh_index.open_dir(str(directory))
        self._local = threading.local()
        self._searchers: list = []
        self._lock = threading.Lock()
        titles = json.loads((directory / TITLES_FILE).read_text(encoding="utf-8"))
        self._titles = [Suggestion(*t) for t in titles]
        # (folded word-start suffix, title index), sorted, for prefix lookups.
        self._prefixes = sorted((suffix, i) for i, s in enumerate(self._titles) for suffix in _word_suffixes(s.title))
        self._speller = spelling.Speller.load(directory)
        synonyms = _read_synonyms(directory / SYNONYMS_FILE)
        # One table per language (the lang filter) and one for all of them.
        self._synonyms = {lang: SynonymTable.from_synonyms(synonyms, [lang]) for lang in synonyms}
        self._all_synonyms = SynonymTable.from_synonyms(synonyms)
        self._no_synonyms = SynonymTable({})

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self._ix.searcher()
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()
        self._ix.close()

    def search(self, query: UserQuery, filters: Filters, page: int, per_page: int) -> Results:
        per_page = max(1, min(per_page, 50))
        page = max(1, min(page, MAX_HITS // per_page))
        groups = expand(query, self._synonym_table(filters))
        compiled = [q for q in (_group(g) for g in groups) if q is not None]
        if not compiled:
            return Results(0, 1, per_page)
        results, partial = self._match(compiled, query, filters, page * per_page)
        total = len(results)
        page = max(1, min(page, -(-total // per_page)))
        words = expanded_words(groups)
        hits = tuple(
            Hit(
                type=r["type"],
                key=r["key"],
                title=r["title"],
                url=r["url"],
                lang=r["lang"],
                category=r["category"],
                summary=r.get("summary", ""),
                score=round(r.score, 3),
                snippet=make_snippet(r.get("plain", ""), words, fallback=r.get("summary", "")),
            )
            for r in results[(page - 1) * per_page : page * per_page]
        )
        return Results(
            total=min(total, MAX_HITS),
            page=page,
            per_page=per_page,
            hits=hits,
            partial=partial,
            did_you_mean=self._did_you_mean(query, filters) if partial or not total else None,
        )

    def _match(
        self, compiled: list[wq.Query], query: UserQuery, filters: Filters, limit: int
    ) -> tuple[WhooshResults, bool]:
        """Documents with every group, else (flagged partial) with any."""
        excluded = [q for q in (_term(t) for t in query.excluded) if q is not None]
        searcher = self._searcher()
        filter_q = _filter(filters)
        mask = _Or(excluded) if excluded else None
        # The total shown to customers is exact: len() runs a counting pass.
        # Not optimize=False: Whoosh still prunes OR branches that cannot reach
        # the top N (Matcher.replace), so its one-pass count comes out short.
        results = searcher.search(wq.And(compiled), limit=limit, filter=filter_q, mask=mask)
        if results.is_empty() and len(compiled) > 1:
            return searcher.search(_Or(compiled), limit=limit, filter=filter_q, mask=mask), True
        return results, False

    def _synonym_table(self, filters: Filters) -> SynonymTable:
        if filters.lang:
            return self._synonyms.get(filters.lang, self._no_synonyms)
        return self._all_synonyms

    def _did_you_mean(self, query: UserQuery, filters: Filters) -> str | None:
        """A corrected query, offered only if it finds something with the same
        filters and exclusions. Without either, every corrected word is in some
        document (the word counts are exact), so the check is skipped: it costs
        a whole search."""
        corrected = spelling.correct(query, self._speller, self._is_known)
        if corrected is None:
            return None
        fixed = parse_query(corrected)
        if filters == Filters() and not fixed.excluded:
            return corrected
        compiled = [q for q in (_group(g) for g in expand(fixed, self._synonym_table(filters))) if q is not None]
        if not compiled:
            return None
        results, _partial = self._match(compiled, fixed, filters, limit=1)
        return corrected if not results.is_empty() else None

    def _is_known(self, word: str) -> bool:
        """True when ``word`` finds something as it is (through stemming:
        "passwords"), or is a stop word, which the search ignores anyway."""
        tokens = _analyze(word)
        reader = self._searcher().reader()
        return not tokens or any((field, token) in reader for field in BOOSTS for token in tokens)

    def suggest(self, prefix: str, limit: int = 8, lang: str = "") -> list[Suggestion]:
        folded = clean_text(prefix, 60).casefold()
        if not folded:
            return []
        start = bisect.bisect_left(self._prefixes, (folded, -1))
        found: list[int] = []
        for suffix, index in self._prefixes[start:]:
            if not suffix.startswith(folded):
                break
            if index not in found and (not lang or self._titles[index].lang == lang):
                found.append(index)
        # Titles that start with the prefix first, then by title.
        found.sort(key=lambda i: (not self._titles[i].title.casefold().startswith(folded), self._titles[i].title))
        return [self._titles[i] for i in found[:limit]]


def _word_suffixes(title: str) -> list[str]:
    folded = title.casefold()
    return [folded[i:] for i in range(len(folded)) if folded[i].isalnum() and (i == 0 or not folded[i - 1].isalnum())]


def _analyze(word: str) -> list[str]:
    return [t.text for t in ANALYZER(word, mode="query")]


class _Or(wq.Or):
    """OR without Whoosh's automatic matcher choice, which below 5,000 documents
    pre-loads a 2,048-slot score array for every OR: measured as the largest
    single cost of a query on small and mid-sized help centres."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def _term(term: Term, weight: float = 1.0) -> wq.Query | None:
    tokens = [tok for word in term.words for tok in _analyze(word)]
    if not tokens:
        return None  # only stop words or punctuation
    per_field = [
        wq.Term(field, tokens[0], boost=boost * weight)
        if len(tokens) == 1
        else wq.Phrase(field, tokens, boost=boost * weight)
        for field, boost in BOOSTS.items()
    ]
    return _Or(per_field)


def _alternative(alternative: Alternative) -> wq.Query | None:
    parts = [q for q in (_term(t, alternative.weight) for t in alternative.terms) if q is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _group(group: Group) -> wq.Query | None:
    parts: list[wq.Query] = []
    for query in (_alternative(a) for a in group):
        # One flat OR of every name's per-field terms scores the same as an OR
        # of ORs and was measured twice as fast for a word and its synonym.
        if isinstance(query, _Or):
            parts.extend(query.subqueries)
        elif query is not None:
            parts.append(query)
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else _Or(parts)


def _filter(filters: Filters) -> wq.Query | None:
    parts: list[wq.Query] = []
    if filters.types:
        parts.append(_Or([wq.Term("type", t) for t in filters.types]))
    if filters.category:
        parts.append(wq.Term("category", filters.category))
    if filters.lang:
        parts.append(wq.Term("lang", filters.lang))
    return wq.And(parts) if parts else None
