"""The gettext catalogs: every marked string is in the template, translated in
Hebrew and Persian with the same placeholders, and compiled as it is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGES

ROOT = Path(__file__).parents[1]
TRANSLATIONS = ROOT / "portal" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdirfg]")
TAG = re.compile(r"</?\w+")
LATIN_NAMES = ("Harbor Fibre", "Harbor Hub", "Harbor ID", "My Harbor")


def catalog(lang: str):
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def forms(message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def ids(message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def template_ids() -> set:
    with TEMPLATE.open("rb") as f:
        return {m.id for m in read_po(f) if m.id}


def test_the_template_lists_every_string_marked_in_the_source():
    """Fails when a string was marked (or changed) without updating the catalogs:
    see README, "Adding a string"."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f)
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    found = {
        message
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords
        )
        if message
    }
    found = {m if isinstance(m, str) else tuple(m) for m in found}
    # Babel gives a plural message as (singular, plural); the template keeps both.
    stale, missing = template_ids() - found, found - template_ids()
    assert not missing, f"marked in the source but not in messages.pot: {sorted(map(str, missing))[:10]}"
    assert not stale, f"in messages.pot but no longer in the source: {sorted(map(str, stale))[:10]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_string_is_translated(lang):
    translations = {m.id: m for m in catalog(lang) if m.id}
    untranslated = [
        message_id
        for message_id in template_ids()
        if message_id not in translations
        or translations[message_id].fuzzy
        or not all(s.strip() for s in forms(translations[message_id]))
    ]
    assert not untranslated, f"{len(untranslated)} untranslated in {lang}, e.g. {untranslated[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_tags_and_product_names(lang):
    problems = []
    for message in catalog(lang):
        if not message.id or not message.string:
            continue
        wanted = [set(PLACEHOLDER.findall(i)) for i in ids(message)]
        for index, text in enumerate(forms(message)):
            if not text:
                continue  # untranslated: test_every_string_is_translated says so
            found = set(PLACEHOLDER.findall(text))
            # A language may say "one article" in words: a singular may leave out the count (one placeholder).
            plural_form_one = len(wanted) > 1 and index == 0 and len(forms(message)) > 1
            expected = wanted[-1] if len(wanted) > 1 else wanted[0]
            if found != expected and not (plural_form_one and found < expected and len(expected - found) == 1):
                problems.append((ids(message)[0], sorted(found), sorted(expected)))
            if sorted(TAG.findall(text)) != sorted(TAG.findall(ids(message)[-1])):
                problems.append((ids(message)[0], "HTML tags differ"))
            for name in LATIN_NAMES:
                if name in ids(message)[0] and name not in text:
                    problems.append((ids(message)[0], f"{name} must stay in Latin letters"))
    assert not problems, problems


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_plural_forms_are_the_languages_own(lang):
    messages = catalog(lang)
    expected = {"he": 2, "fa": 1}[lang]
    assert messages.num_plurals == expected
    for message in messages:
        if isinstance(message.id, (list, tuple)) and message.string:
            assert len(forms(message)) == expected, message.id


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalog_matches_the_po_file(lang):
    """Flask-Babel reads the .mo file, which `make setup` compiles from the .po:
    stale or missing, the site would show other (or English) text."""
    compiled = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo"
    assert compiled.exists(), f"{compiled} is missing: run make setup"
    with compiled.open("rb") as f:
        mo = {ids(m): forms(m) for m in read_mo(f) if m.id}
    po = {ids(m): forms(m) for m in catalog(lang) if m.id and all(forms(m)) and not m.fuzzy}
    differ = [key for key in po.keys() | mo.keys() if po.get(key) != mo.get(key)]
    assert not differ, f"{compiled} is out of date ({len(differ)} messages differ): run make setup"
