"""Content health: which help content is rotting, and where to fix it.

:func:`content_report` is a pure function over a loaded :class:`~portal.content.site.Site`
and a date; ``flask content-report`` and the staff page ``/staff/content`` print and
show the same :class:`ContentReport`. Every finding names a file and line.

What each section means (the README's "Content health" says the same):

- *orphan*: an article linked from nowhere: no category page lists it (see
  :func:`portal.content.checks.listed_on_category_pages`), and no FAQ entry,
  glossary term, troubleshooting tree or other article links to it. A link counts
  wherever it is written; language versions of one article link each other.
- *stale*: ``updated`` more than ``stale_after_days`` days before today.
- *review-due*: ``review_by`` is before today.
- *translation-missing*: an original article with no translation into a language
  the help centre has articles in.
- *translation-outdated*: a translation whose ``updated`` is before its original's.
- *unused-term*: a glossary term none of whose names (term or alias) appears, as a
  whole word ignoring case, in any article, FAQ entry or tree of its language, and
  that no tree option names.
- *faq-stale*, *tree-stale*: a FAQ entry or a tree step pointing at an article that
  is stale or past its review date.
- *duplicate-title*, *near-duplicate-title*: two articles in one language whose
  titles are the same once normalised (Unicode NFKC, case folded, punctuation and
  repeated spaces removed), or whose normalised titles have a difflib similarity
  ratio of at least :data:`NEAR_DUPLICATE_RATIO`. Titles are compared when they
  share a word that is in no more than :data:`BLOCKING_SHARE` of the language's
  titles (a word as common as "your" says nothing about likeness).

Draft articles are left out: they are neither reported nor counted as links.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.content.checks import listed_on_category_pages, outdated_translations
from portal.content.problems import Problem, errors

if TYPE_CHECKING:
    from portal.content.articles import Article
    from portal.content.site import Site

ORPHAN = "orphan"
STALE = "stale"
REVIEW_DUE = "review-due"
TRANSLATION_MISSING = "translation-missing"
TRANSLATION_OUTDATED = "translation-outdated"
UNUSED_TERM = "unused-term"
FAQ_STALE = "faq-stale"
TREE_STALE = "tree-stale"
DUPLICATE_TITLE = "duplicate-title"
NEAR_DUPLICATE_TITLE = "near-duplicate-title"

# The sections, in the order every format lists them, with their English headings.
SECTIONS: tuple[tuple[str, str], ...] = (
    (ORPHAN, "Orphan articles"),
    (STALE, "Articles not updated recently"),
    (REVIEW_DUE, "Articles past their review date"),
    (TRANSLATION_MISSING, "Missing translations"),
    (TRANSLATION_OUTDATED, "Translations older than their original"),
    (UNUSED_TERM, "Glossary terms used nowhere"),
    (FAQ_STALE, "FAQ entries pointing at stale articles"),
    (TREE_STALE, "Troubleshooting steps pointing at stale articles"),
    (DUPLICATE_TITLE, "Duplicate titles"),
    (NEAR_DUPLICATE_TITLE, "Near-duplicate titles"),
)
KINDS = tuple(kind for kind, _ in SECTIONS)
FORMATS = ("text", "csv", "json")
CSV_COLUMNS = ("section", "path", "line", "lang", "subject", "title", "message")

NEAR_DUPLICATE_RATIO = 0.85
BLOCKING_SHARE = 0.05  # of a language's titles; but a word in 20 titles or fewer always counts
_BLOCKING_MIN = 20


@dataclass(frozen=True)
class Finding:
    """One thing to look at.

    ``subject`` identifies what it is about (an article's slug, a glossary term, a
    FAQ id, ``tree/node``); ``title`` is its title, question or term; ``message``
    the English sentence the command prints; ``details`` the values it is made of,
    for the staff page to word in the reader's language.
    """

    kind: str
    path: str
    line: int
    subject: str
    title: str
    lang: str
    message: str
    details: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ContentReport:
    """The findings of one run, in section order, and what they were judged by.

    ``content_errors`` counts the errors ``build_index.py --check`` would report:
    the report covers what could be loaded, so an article that fails to load is
    missing from it.
    """

    today: dt.date
    stale_after_days: int
    findings: tuple[Finding, ...]
    content_errors: int = 0

    def sections(self) -> list[tuple[str, str, list[Finding]]]:
        """``(kind, heading, findings)`` for every section, empty ones included."""
        grouped: dict[str, list[Finding]] = {kind: [] for kind in KINDS}
        for finding in self.findings:
            grouped[finding.kind].append(finding)
        return [(kind, heading, grouped[kind]) for kind, heading in SECTIONS]

    def counts(self) -> dict[str, int]:
        return {kind: len(found) for kind, _, found in self.sections()}


# The report ---------------------------------------------------------------------


def content_report(
    site: Site, today: dt.date, stale_after_days: int, problems: Iterable[Problem] = ()
) -> ContentReport:
    """Every finding about ``site`` as of ``today``; ``problems`` are those its
    load reported (only their number of errors is kept)."""
    from portal.content.drafts import without_drafts

    # Drafts of every kind are neither reported nor count as linking anything.
    site = without_drafts(site)
    articles = list(site.articles)
    due = {a.slug: why for a in articles if (why := stale_reason(a, today, stale_after_days)) is not None}
    findings = [
        *_orphans(site, articles),
        *_stale(articles, today, stale_after_days),
        *_review_due(articles, today),
        *_missing_translations(articles),
        *_outdated_translations(site, articles),
        *_unused_terms(site, articles),
        *_faq_stale(site, due),
        *_tree_stale(site, due),
        *_duplicate_titles(articles),
    ]
    order = {kind: index for index, kind in enumerate(KINDS)}
    findings.sort(key=lambda f: (order[f.kind], f.path, f.line, f.subject))
    return ContentReport(today, stale_after_days, tuple(findings), len(errors(problems)))


@dataclass(frozen=True)
class StaleReason:
    """Why an article needs a look: ``kind`` :data:`STALE` (``date`` is its
    ``updated``) or :data:`REVIEW_DUE` (``date`` is its ``review_by``)."""

    kind: str
    date: dt.date

    def __str__(self) -> str:
        if self.kind == STALE:
            return f"not updated since {self.date}"
        return f"review was due by {self.date}"

    def details(self) -> dict[str, str]:
        return {"why": self.kind, "date": self.date.isoformat()}


def stale_reason(article: Article, today: dt.date, stale_after_days: int) -> StaleReason | None:
    """Why ``article`` needs a look, or ``None``: not updated for more than
    ``stale_after_days`` days, or its review date has passed."""
    if (today - article.updated).days > stale_after_days:
        return StaleReason(STALE, article.updated)
    if article.review_by is not None and article.review_by < today:
        return StaleReason(REVIEW_DUE, article.review_by)
    return None


def _finding(kind: str, article: Article, key: str, message: str, **details: str) -> Finding:
    return Finding(
        kind, article.path, article.line_of(key), article.slug, article.title, article.lang, message, details
    )


def _orphans(site: Site, articles: list[Article]) -> Iterator[Finding]:
    linked = set(listed_on_category_pages(site))
    live = {a.slug for a in articles}
    targets = [f.article for f in site.faq] + [t.article for t in site.glossary]
    for tree in site.trees:
        for node in tree.nodes.values():
            targets.extend(node.articles)
            for option in node.options:
                targets.extend(option.articles)
    for slug in targets:
        if slug and (article := site.resolve(f"/articles/{slug}")) is not None:
            linked.add(article.slug)
    for article in articles:
        found = [site.resolve(link.target) for link in article.links]
        found += [site.resolve(f"/articles/{slug}") for slug in article.related]
        linked.update(other.slug for other in found if other is not None and other.slug != article.slug)
        # The language switcher links every version of an article to the others.
        original = site.articles_by_slug.get(article.translation_of)
        if original is not None and original.slug in live:
            linked.update((article.slug, original.slug))
    for article in articles:
        if article.slug not in linked:
            yield _finding(
                ORPHAN,
                article,
                "title",
                "linked from nowhere: no category page, FAQ entry, glossary term, tree or other article",
            )


def _stale(articles: list[Article], today: dt.date, stale_after_days: int) -> Iterator[Finding]:
    for article in articles:
        days = (today - article.updated).days
        if days > stale_after_days:
            yield _finding(
                STALE,
                article,
                "updated",
                f"not updated for {days} days (since {article.updated}; stale after {stale_after_days})",
                date=article.updated.isoformat(),
                days=str(days),
            )


def _review_due(articles: list[Article], today: dt.date) -> Iterator[Finding]:
    for article in articles:
        if article.review_by is not None and article.review_by < today:
            yield _finding(
                REVIEW_DUE,
                article,
                "review_by",
                f"review was due by {article.review_by}",
                date=article.review_by.isoformat(),
            )


def _missing_translations(articles: list[Article]) -> Iterator[Finding]:
    languages = {a.lang for a in articles}
    has: dict[str, set[str]] = defaultdict(set)
    for article in articles:
        if article.translation_of:
            has[article.translation_of].add(article.lang)
    for article in articles:
        if article.translation_of:
            continue
        missing = sorted(languages - {article.lang} - has[article.slug])
        if missing:
            yield _finding(
                TRANSLATION_MISSING,
                article,
                "title",
                f"no translation into {', '.join(missing)}",
                languages=", ".join(missing),
            )


def _outdated_translations(site: Site, articles: list[Article]) -> Iterator[Finding]:
    live = {a.slug for a in articles}
    for article, original in outdated_translations(site):
        if article.slug in live and original.slug in live:
            yield _finding(
                TRANSLATION_OUTDATED,
                article,
                "updated",
                f"updated {article.updated}, before its original {original.path} ({original.updated})",
                date=article.updated.isoformat(),
                original=original.path,
                original_date=original.updated.isoformat(),
            )


def _unused_terms(site: Site, articles: list[Article]) -> Iterator[Finding]:
    from portal.content.site import GLOSSARY_FILE

    texts: dict[str, list[str]] = defaultdict(list)
    named: set[tuple[str, str]] = set()  # (lang, name) a tree option links to
    for article in articles:
        texts[article.lang].extend((article.title, article.summary, article.body))
    for entry in site.faq:
        texts[entry.lang].extend((entry.question, entry.answer))
    for tree in site.trees:
        texts[tree.lang].extend((tree.title, tree.description))
        for node in tree.nodes.values():
            texts[tree.lang].extend((node.text, node.hint))
            for option in node.options:
                texts[tree.lang].append(option.label)
                named.update((tree.lang, name.casefold()) for name in option.glossary)
    corpus = {lang: "\n".join(parts) for lang, parts in texts.items()}
    for term in site.glossary:
        if any((term.lang, n.casefold()) in named for n in term.names):
            continue
        if not term_pattern(term.names).search(corpus.get(term.lang, "")):
            yield Finding(
                UNUSED_TERM,
                GLOSSARY_FILE,
                term.line,
                term.term,
                term.term,
                term.lang,
                f"appears in no article, FAQ entry or tree in '{term.lang}'",
            )


def term_pattern(names: Iterable[str]) -> re.Pattern[str]:
    """Any of ``names`` as a whole word, ignoring case: the rule that links
    glossary terms in articles (portal.rendering.glossary_links)."""
    alternation = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)


def _faq_stale(site: Site, due: Mapping[str, StaleReason]) -> Iterator[Finding]:
    from portal.content.site import FAQ_FILE

    for entry in site.faq:
        target = site.resolve(f"/articles/{entry.article}") if entry.article else None
        if target is None or target.slug not in due:
            continue
        yield Finding(
            FAQ_STALE,
            FAQ_FILE,
            entry.article_line,
            entry.id,
            entry.question,
            entry.lang,
            f"points at {target.path}, {due[target.slug]}",
            {"article": target.path, **due[target.slug].details()},
        )


def _tree_stale(site: Site, due: Mapping[str, StaleReason]) -> Iterator[Finding]:
    for tree in site.trees:
        for node in tree.nodes.values():
            steps = [(node.line, slug) for slug in node.articles]
            steps += [(option.line, slug) for option in node.options for slug in option.articles]
            for line, slug in steps:
                target = site.resolve(f"/articles/{slug}")
                if target is None or target.slug not in due:
                    continue
                yield Finding(
                    TREE_STALE,
                    tree.path,
                    line,
                    f"{tree.id}/{node.id}",
                    tree.title,
                    tree.lang,
                    f"step '{node.id}' points at {target.path}, {due[target.slug]}",
                    {"node": node.id, "article": target.path, **due[target.slug].details()},
                )


# Titles ---------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """``"Reset your password!"`` → ``"reset your password"``: NFKC, case folded,
    anything but letters and digits made a space, spaces collapsed."""
    text = unicodedata.normalize("NFKC", title).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


def title_similarity(a: str, b: str) -> float:
    """difflib's ratio of two normalised titles: 1.0 the same, 0.0 nothing alike."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _duplicate_titles(articles: list[Article]) -> Iterator[Finding]:
    by_lang: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        by_lang[article.lang].append(article)
    for group in by_lang.values():
        yield from _same_titles(group)
        yield from _similar_titles(group)


def _same_titles(group: list[Article]) -> Iterator[Finding]:
    first: dict[str, Article] = {}
    for article in group:
        key = normalise_title(article.title)
        other = first.setdefault(key, article)
        if other is not article:
            yield _finding(
                DUPLICATE_TITLE,
                article,
                "title",
                f"same title as {other.path}:{other.line_of('title')}",
                other=f"{other.path}:{other.line_of('title')}",
            )


def _similar_titles(group: list[Article]) -> Iterator[Finding]:
    titles = [normalise_title(a.title) for a in group]
    words = [set(t.split()) for t in titles]
    index: dict[str, list[int]] = defaultdict(list)
    for position, own in enumerate(words):
        for word in own:
            index[word].append(position)
    limit = max(_BLOCKING_MIN, int(len(group) * BLOCKING_SHARE))
    for later, own in enumerate(words):
        candidates = {
            earlier for word in own if len(index[word]) <= limit for earlier in index[word] if earlier < later
        }
        for earlier in sorted(candidates):
            a, b = titles[earlier], titles[later]
            if a == b or not _may_be_similar(a, b):
                continue
            ratio = title_similarity(a, b)
            if ratio >= NEAR_DUPLICATE_RATIO:
                other = group[earlier]
                where = f"{other.path}:{other.line_of('title')}"
                yield _finding(
                    NEAR_DUPLICATE_TITLE,
                    group[later],
                    "title",
                    f"title {ratio:.0%} like '{other.title}' ({where})",
                    other=where,
                    other_title=other.title,
                    percent=f"{ratio * 100:.0f}",
                )


def _may_be_similar(a: str, b: str) -> bool:
    # The ratio is at most 2·min/(len a + len b); skip pairs too unequal in length.
    return 2 * min(len(a), len(b)) >= NEAR_DUPLICATE_RATIO * (len(a) + len(b))


# Output ---------------------------------------------------------------------------


def format_text(report: ContentReport) -> str:
    """The report for a terminal: a heading line, then each section with its
    findings as ``path:line: title: message``."""
    total = len(report.findings)
    lines = [
        f"Content health on {report.today} (stale after {report.stale_after_days} days): "
        f"{total} finding{'s' * (total != 1)}"
    ]
    if report.content_errors:
        lines.append(
            f"The content has {report.content_errors} error{'s' * (report.content_errors != 1)}: "
            "run python build_index.py --check; what failed to load is not in this report."
        )
    for _kind, heading, found in report.sections():
        lines.append("")
        lines.append(f"{heading}: {len(found) or 'none'}")
        lines.extend(f"  {f.where}: {f.title}: {f.message}" for f in found)
    return "\n".join(lines) + "\n"


def format_csv(report: ContentReport) -> str:
    """One finding per row, columns :data:`CSV_COLUMNS`; ``section`` is the kind."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in report.findings:
        writer.writerow([f.kind, f.path, f.line, f.lang, _cell(f.subject), _cell(f.title), _cell(f.message)])
    return out.getvalue()


def _cell(text: str) -> str:
    # A title starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def format_json(report: ContentReport) -> str:
    data = {
        "today": report.today.isoformat(),
        "stale_after_days": report.stale_after_days,
        "content_errors": report.content_errors,
        "counts": report.counts(),
        "findings": [
            {
                "section": f.kind,
                "path": f.path,
                "line": f.line,
                "lang": f.lang,
                "subject": f.subject,
                "title": f.title,
                "message": f.message,
                "details": dict(f.details),
            }
            for f in report.findings
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def format_report(report: ContentReport, fmt: str) -> str:
    return {"text": format_text, "csv": format_csv, "json": format_json}[fmt](report)


# Loading ----------------------------------------------------------------------------

_cache: dict[str, tuple[Article, tuple[Problem, ...]]] = {}
_cache_lock = threading.Lock()


def load(content_dir: Path) -> tuple[Site, list[Problem]]:
    """Load the content for a report, reusing articles whose files have not
    changed since the last load in this process (the staff page asks often)."""
    from portal.content.site import load_site

    with _cache_lock:
        cache = dict(_cache)
    site, problems = load_site(content_dir, cache=cache)
    fresh = {a.path: (a, site.article_problems.get(a.path, ())) for a in site.articles}
    with _cache_lock:
        _cache.clear()
        _cache.update(fresh)
    return site, problems


def stale_after_days() -> int:
    """``PORTAL_STALE_AFTER_DAYS`` of the running app."""
    return int(current_app.config["STALE_AFTER_DAYS"])


def report_for_app(stale_after: int | None = None, today: dt.date | None = None) -> ContentReport:
    """The report on the app's ``PORTAL_CONTENT_DIR``.

    :raise ContentDirMissing: the directory does not exist.
    """
    content_dir = Path(current_app.config["CONTENT_DIR"])
    if not content_dir.is_dir():
        raise ContentDirMissing(f"content directory {content_dir} does not exist (PORTAL_CONTENT_DIR)")
    site, problems = load(content_dir)
    days = stale_after_days() if stale_after is None else stale_after
    return content_report(site, today or dt.date.today(), days, problems)


class ContentDirMissing(Exception):
    pass


class _BadContentDir(click.ClickException):
    exit_code = 2


@click.command("content-report")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option(
    "--stale-after",
    type=click.IntRange(min=1, max=36500),
    metavar="DAYS",
    help="An article not updated for more than DAYS days is stale. Default: PORTAL_STALE_AFTER_DAYS (365 unless set).",
)
@click.option("--fail-on-findings", is_flag=True, help="Exit with status 1 when there is any finding.")
@with_appcontext
def content_report_command(fmt: str, stale_after: int | None, fail_on_findings: bool) -> None:
    """List content that needs attention: orphan and stale articles, passed
    review dates, missing and outdated translations, unused glossary terms, FAQ
    entries and troubleshooting steps pointing at stale articles, and duplicate or
    near-duplicate titles. Reads PORTAL_CONTENT_DIR; each finding is path:line.
    Exits 0 (it is a report) unless --fail-on-findings."""
    try:
        report = report_for_app(stale_after)
    except ContentDirMissing as exc:
        raise _BadContentDir(str(exc)) from exc
    click.echo(format_report(report, fmt), nl=False)
    if fail_on_findings and report.findings:
        click.get_current_context().exit(1)
