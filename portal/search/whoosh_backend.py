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
  built here;
- Hebrew and Persian are analysed by :mod:`portal.search.languages`: one
  analyser for every language (spelling variants folded, Persian compounds in
  parts and joined), plus a ``bare`` field holding the Hebrew words of all four
  fields with and without their prefix letters, the forms without them
  weighing half. A Hebrew word is looked up in ``bare`` instead of ``text``
  (one term less per word, measured 17% faster on a Hebrew corpus), so a
  document with the word as typed still ranks first;
- documents in the query's language come first: ranked by a search of their
  own, then the others, both counted in one pass.
"""

from __future__ import annotations

import bisect
import functools
import json
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS, StemFilter
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.lang import porter
from whoosh.searching import Hit as WhooshHit
from whoosh.searching import Searcher

from portal.search import languages, spelling
from portal.search.engine import Document, Filters, Hit, Results, Suggestion
from portal.search.languages import HebrewFormsTokenizer, LanguageTokenizer
from portal.search.query import Term, UserQuery, clean_text, join_particles, parse_query
from portal.search.snippets import make_snippet
from portal.search.synonyms import Alternative, Group, Synonyms, SynonymTable, expand
from portal.search.synonyms import words as expanded_words

ANALYZER = LanguageTokenizer(STOP_WORDS) | StemFilter()
BARE_ANALYZER = HebrewFormsTokenizer(STOP_WORDS)
# A title match says more than a tag, a tag or summary more than the body.
BOOSTS = {"title": 4.0, "tags": 2.5, "summary": 2.0, "text": 1.0}
# Hebrew words with and without prefix letters, from all four fields: a Hebrew
# word is looked up here instead of in the text field (see the module docstring).
BARE, BARE_BOOST = "bare", 1.0
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
        bare=TEXT(analyzer=BARE_ANALYZER),
        plain=STORED,  # what snippets are cut from
    )


class WhooshBackend:
    # "whoosh-2" stores tags and writes the word list and synonyms.json;
    # "whoosh-3" analyses Hebrew and Persian and has the bare field.
    format_version = "whoosh-3"

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
                    bare="\n".join((doc.title, " ".join(doc.tags), doc.summary, doc.text)),
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
        # (normalised suffix from a word start, title index), sorted, for prefix lookups.
        self._prefixes = sorted(
            (suffix, i) for i, s in enumerate(self._titles) for suffix in languages.suggestion_keys(s.title)
        )
        self._title_starts = [languages.title_starts(s.title) for s in self._titles]
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

    def search(self, query: UserQuery, filters: Filters, page: int, per_page: int, reader_lang: str = "") -> Results:
        per_page = max(1, min(per_page, 50))
        page = max(1, min(page, MAX_HITS // per_page))
        groups = expand(join_particles(query), self._synonym_table(filters))
        compiled = [q for q in (_group(g) for g in groups) if q is not None]
        if not compiled:
            return Results(0, 1, per_page)
        first = "" if filters.lang else languages.query_language(query.text) or reader_lang or "en"
        total, ranked, partial = self._match(compiled, query, filters, page, per_page, first)
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
            for r in ranked
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
        self, compiled: list[wq.Query], query: UserQuery, filters: Filters, page: int, per_page: int, first: str = ""
    ) -> tuple[int, list[WhooshHit], bool]:
        """The number of matching documents and the hits of ``page`` (the last
        page when there are fewer): documents with every group, else (flagged
        partial) with any."""
        excluded = [q for q in (_term(t) for t in query.excluded) if q is not None]
        searcher = self._searcher()
        filter_q = _filter(filters)
        mask = _Or(excluded) if excluded else None
        total, hits = self._rank(searcher, wq.And(compiled), filter_q, mask, page, per_page, first)
        if not total and len(compiled) > 1:
            total, hits = self._rank(searcher, _Or(compiled), filter_q, mask, page, per_page, first)
            return total, hits, True
        return total, hits, False

    def _rank(
        self,
        searcher: Searcher,
        query: wq.Query,
        filter_q: wq.Query | None,
        mask: wq.Query | None,
        page: int,
        per_page: int,
        first: str,
    ) -> tuple[int, list[WhooshHit]]:
        """Rank ``query``'s documents, those in language ``first`` before the
        others (each part by score), and cut out ``page``."""
        if not first:
            # The total shown to customers is exact: len() runs a counting pass.
            # Not optimize=False: Whoosh still prunes OR branches that cannot reach
            # the top N (Matcher.replace), so its one-pass count comes out short.
            results = searcher.search(query, limit=page * per_page, filter=filter_q, mask=mask)
            total = len(results)
            page = max(1, min(page, -(-total // per_page)))
            return total, results[(page - 1) * per_page : page * per_page]
        # Two searches, one in the language and one without it, each pruned by
        # Whoosh as usual; one counting pass says how many each part has. (A
        # score bonus for the language in one search was measured twice as
        # slow: it turns off Whoosh's skipping of low-scoring blocks.)
        allow = set(searcher.docs_for_query(filter_q)) if filter_q is not None else None
        masked = set(searcher.docs_for_query(mask)) if mask is not None else None
        in_lang = self._lang_docs(searcher, first)
        total = in_first = 0
        for docnum in searcher.docs_for_query(query):
            if (allow is None or docnum in allow) and (masked is None or docnum not in masked):
                total += 1
                in_first += docnum in in_lang
        if not total:
            return 0, []  # also: Whoosh reads an empty filter set as no filter
        page = max(1, min(page, -(-total // per_page)))
        start, end = (page - 1) * per_page, page * per_page
        hits: list[WhooshHit] = []
        if start < in_first:
            inside = in_lang if allow is None else allow & in_lang
            hits += searcher.search(query, limit=min(end, in_first), filter=inside, mask=masked)[start:]
        if end > in_first < total:
            outside = in_lang if masked is None else masked | in_lang
            rest = searcher.search(query, limit=end - in_first, filter=allow, mask=outside or None)
            hits += rest[max(0, start - in_first) :]
        return total, hits

    def _lang_docs(self, searcher: Searcher, lang: str) -> set[int]:
        """The documents in ``lang``, once per searcher (a searcher lives as
        long as its build is served)."""
        cache = self._local.__dict__.setdefault("lang_docs", {})
        if lang not in cache:
            cache[lang] = set(searcher.docs_for_query(wq.Term("lang", lang)))
        return cache[lang]

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
        groups = expand(join_particles(fixed), self._synonym_table(filters))
        compiled = [q for q in (_group(g) for g in groups) if q is not None]
        if not compiled:
            return None
        total, _hits, _partial = self._match(compiled, fixed, filters, 1, 1)
        return corrected if total else None

    def _is_known(self, word: str) -> bool:
        """True when ``word`` finds something as it is (through stemming:
        "passwords", a spelling variant: "كتاب", a Hebrew prefix: "לנתב"), or
        is a stop word, which the search ignores anyway."""
        tokens = _analyze(word)
        reader = self._searcher().reader()
        return (
            not tokens
            or any((field, token) in reader for field in BOOSTS for token in tokens)
            or any((BARE, form) in reader for token in tokens for form in _hebrew_forms(token))
        )

    def suggest(self, prefix: str, limit: int = 8, lang: str = "") -> list[Suggestion]:
        """Titles with a word starting with ``prefix``, compared as the search
        compares words (spelling variants, ZWNJ or none, Hebrew prefix letters).
        Titles that start with it come first, then those with a word that
        does, then those found only without its Hebrew prefix letters."""
        variants = languages.prefix_variants(clean_text(prefix, 60))
        found: dict[int, tuple[int, bool, str]] = {}
        for rank, folded in enumerate(variants):
            start = bisect.bisect_left(self._prefixes, (folded, -1))
            for suffix, index in self._prefixes[start:]:
                if not suffix.startswith(folded):
                    break
                title = self._titles[index]
                if index not in found and (not lang or title.lang == lang):
                    starts = any(k.startswith(folded) for k in self._title_starts[index])
                    found[index] = (rank, not starts, title.title)
        ordered = sorted(found, key=found.__getitem__)
        return [self._titles[i] for i in ordered[:limit]]


def _analyze(text: str) -> list[str]:
    """One token per word, as the index has it (Persian particles joined)."""
    return [t.text for t in ANALYZER(text, mode="query")]


def _analyze_variants(text: str) -> list[list[str]]:
    """The token sequences ``text`` is looked up as (a Persian compound joined,
    and in its parts), stemmed as the index stems them."""
    variants = languages.query_variants(text, STOP_WORDS)
    return [[_stem(token) for token in tokens] for tokens in variants if tokens]


_stem = functools.lru_cache(maxsize=50_000)(porter.stem)  # what the analyser's StemFilter does


def _hebrew_forms(token: str) -> tuple[str, ...]:
    return languages.hebrew_forms(token) if languages.is_hebrew(token) else ()


class _Or(wq.Or):
    """OR without Whoosh's automatic matcher choice, which below 5,000 documents
    pre-loads a 2,048-slot score array for every OR: measured as the largest
    single cost of a query on small and mid-sized help centres."""

    matcher_type = wq.Or.DEFAULT_MATCHER


def _term(term: Term, weight: float = 1.0) -> wq.Query | None:
    variants = _analyze_variants(" ".join(term.words))
    if not variants:
        return None  # only stop words or punctuation
    tokens = variants[0]
    forms = [_hebrew_forms(token) for token in tokens]
    per_field: list[wq.Query] = [
        wq.Term(field, variant[0], boost=boost * weight)
        if len(variant) == 1
        else wq.Phrase(field, variant, boost=boost * weight)
        for variant in variants
        for field, boost in BOOSTS.items()
        if not (field == "text" and len(variant) == 1 and forms[0])  # bare has it
    ]
    if len(tokens) == 1 and forms[0]:
        per_field += [wq.Term(BARE, form, boost=BARE_BOOST * weight) for form in forms[0]]
    elif len(tokens) > 1 and all(forms):
        # A Hebrew phrase whose words may carry other prefixes: each position
        # matches any form of its word.
        per_field.append(
            wq.Sequence([_Or([wq.Term(BARE, form) for form in f]) for f in forms], boost=BARE_BOOST * weight)
        )
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
