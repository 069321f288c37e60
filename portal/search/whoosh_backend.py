"""The Whoosh implementation of the search interface.

Design notes, from measurements on this kind of machine (see the README):
- queries are built from :class:`UserQuery` objects, never by Whoosh's parser;
- one searcher per index and thread, reused across requests, and a new one
  (never ``refresh()``, which returns stale results in whoosh-reloaded 2.7.5)
  when a new build is published;
- segments written non-compound, which makes the first query after opening fast;
- full builds of many documents use two processes and multiple segments;
- a ``vocabulary`` field holds every unstemmed word of a document, so the build
  can write the word list "did you mean" is answered from
  (:mod:`portal.search.spelling`) from the index itself, incremental builds
  included;
- glossary synonyms are expanded by :mod:`portal.search.synonyms` into queries
  built here.
"""

from __future__ import annotations

import bisect
import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import LowercaseFilter, RegexTokenizer, StemmingAnalyzer, StopFilter
from whoosh.fields import ID, STORED, TEXT, FieldType, Schema
from whoosh.formats import Existence
from whoosh.searching import Results as WhooshResults

from portal.search import spelling
from portal.search.engine import Document, Filters, Hit, Results, Suggestion
from portal.search.query import Term, UserQuery, clean_text, parse_query
from portal.search.snippets import make_snippet
from portal.search.synonyms import Alternative, Group, Synonyms, SynonymTable, expand
from portal.search.synonyms import words as expanded_words

ANALYZER = StemmingAnalyzer(minsize=1)
# Words as written (lower-cased, not stemmed: a suggestion must be a real word),
# letters only, stop words and over-long words left out.
VOCABULARY_ANALYZER = (
    RegexTokenizer(r"[^\W\d_]+") | LowercaseFilter() | StopFilter(minsize=2, maxsize=spelling.MAX_WORD + 2)
)
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
        tags=TEXT(analyzer=ANALYZER),
        text=TEXT(analyzer=ANALYZER),
        plain=STORED,  # what snippets are cut from
        # Only which documents have a word (no positions or frequencies): its
        # document frequencies become the spelling vocabulary.
        vocabulary=FieldType(Existence(), VOCABULARY_ANALYZER),
    )


class WhooshBackend:
    # "whoosh-2" added the vocabulary field, the word list and synonyms.json.
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
                    vocabulary=f"{doc.title}\n{' '.join(doc.tags)}\n{doc.summary}\n{doc.text}",
                )
                (writer.add_document if fresh else writer.update_document)(**fields)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        _write_titles(ix, directory / TITLES_FILE)
        spelling.write_vocabulary(directory, _vocabulary(ix))
        _write_synonyms(directory / SYNONYMS_FILE, synonyms or {})
        ix.close()

    def open(self, directory: Path) -> WhooshIndex:
        return WhooshIndex(directory)


def _write_titles(ix: whoosh_index.Index, path: Path) -> None:
    """The list suggestions are answered from: every title, with its URL."""
    with ix.searcher() as searcher:
        titles = sorted((f["title"], f["url"], f["type"], f["lang"]) for f in searcher.all_stored_fields())
    path.write_text(json.dumps(titles, ensure_ascii=False), encoding="utf-8")


def _vocabulary(ix: whoosh_index.Index) -> dict[str, int]:
    """Every word of the vocabulary field with the number of documents that
    have it. Documents deleted by an incremental build still count until their
    segment is merged; a suggestion is therefore checked by searching for it."""
    with ix.searcher() as searcher:
        return {
            text.decode("utf-8"): info.doc_frequency() for text, info in searcher.reader().iter_field("vocabulary")
        }


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
        mask = wq.Or(excluded) if excluded else None
        results = searcher.search(wq.And(compiled), limit=limit, filter=filter_q, mask=mask)
        if results.is_empty() and len(compiled) > 1:
            return searcher.search(wq.Or(compiled), limit=limit, filter=filter_q, mask=mask), True
        return results, False

    def _synonym_table(self, filters: Filters) -> SynonymTable:
        if filters.lang:
            return self._synonyms.get(filters.lang, self._no_synonyms)
        return self._all_synonyms

    def _did_you_mean(self, query: UserQuery, filters: Filters) -> str | None:
        """A corrected query, offered only if it finds something with the same
        filters (which also hides words whose documents were deleted since the
        vocabulary was counted)."""
        corrected = spelling.correct(query, self._speller, self._is_known)
        if corrected is None:
            return None
        fixed = parse_query(corrected)
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
    return wq.Or(per_field)


def _alternative(alternative: Alternative) -> wq.Query | None:
    parts = [q for q in (_term(t, alternative.weight) for t in alternative.terms) if q is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _group(group: Group) -> wq.Query | None:
    parts = [q for q in (_alternative(a) for a in group) if q is not None]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.Or(parts)


def _filter(filters: Filters) -> wq.Query | None:
    parts: list[wq.Query] = []
    if filters.types:
        parts.append(wq.Or([wq.Term("type", t) for t in filters.types]))
    if filters.category:
        parts.append(wq.Term("category", filters.category))
    if filters.lang:
        parts.append(wq.Term("lang", filters.lang))
    return wq.And(parts) if parts else None
