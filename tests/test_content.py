"""The content model and its validation.

Every problem is asserted as the exact ``path:line: message`` an author reads,
with the line of the planted file where the mistake is.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import textwrap

import pytest

from portal.content import load_site

# Line 1 is '---'; the meta lines start on line 2.
VALID_META = """\
title: Test article
category: hub
summary: A test article.
tags: [test, article]
updated: 2026-10-01
"""


def article(meta: str = VALID_META, body: str = "Body.\n") -> str:
    """An article file: ``---``, ``meta`` from line 2, ``---``, then ``body``."""
    return f"---\n{textwrap.dedent(meta)}---\n{textwrap.dedent(body)}"


def messages(content_dir) -> list[str]:
    return [str(p) for p in load_site(content_dir)[1]]


def test_fixture_content_is_valid(content_dir):
    site, problems = load_site(content_dir)
    assert problems == []
    assert [c.slug for c in site.categories] == ["account", "hub"]
    assert len(site.articles) == 4
    assert len(site.faq) == 2
    assert len(site.glossary) == 3
    assert [t.id for t in site.trees] == ["hub-light"]
    assert site.aliases == {"forgot-password": "reset-your-password", "reboot-your-hub": "restart-your-harbor-hub"}


# --- the Article dataclass -------------------------------------------------


def test_article_fields_and_defaults(content_dir, write):
    text = article(
        """\
        title: Find your Hub's address
        category: hub
        summary: Where to find the address of your Hub.
        tags: [Address, IP Address]
        updated: 2026-10-01
        """,
        "\nFirst line of the body.\n",
    )
    path = write(content_dir, "articles/hub/hub-address.md", text)
    site, problems = load_site(content_dir)
    assert problems == []
    found = site.articles_by_slug["hub-address"]
    assert found.slug == "hub-address"
    assert found.path == "articles/hub/hub-address.md"
    assert found.url == "/articles/hub-address"
    assert found.title == "Find your Hub's address"
    assert found.category == "hub"
    assert found.tags == ("address", "ip address")
    assert found.updated == dt.date(2026, 10, 1)
    assert found.lang == "en"
    assert found.aliases == ()
    assert found.related == ()
    assert found.translation_of == ""
    assert found.body == "\nFirst line of the body.\n"
    assert found.body_line == 8
    assert found.line_of("tags") == 5
    assert found.digest == hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(dataclasses.FrozenInstanceError):
        found.title = "changed"  # type: ignore[misc]


def test_translation_fields(content_dir):
    site, _ = load_site(content_dir)
    hebrew = site.articles_by_slug["reset-your-password-he"]
    assert hebrew.lang == "he"
    assert hebrew.translation_of == "reset-your-password"
    assert hebrew.path == "articles/account/reset-your-password.he.md"
    original = site.articles_by_slug["reset-your-password"]
    assert original.aliases == ("forgot-password",)
    assert original.related == ("restart-your-harbor-hub",)


@pytest.mark.parametrize(
    ("filename", "slug"),
    [
        ("Change Wi-Fi Name.md", "change-wi-fi-name"),
        ("card_declined.md", "card-declined"),
        ("UPPER-case.md", "upper-case"),
        ("café crème.md", "café-crème"),
        ("שכחתי סיסמה.md", "שכחתי-סיסמה"),
        ("zero\u200bwidth.md", "zerowidth"),
        ("guide.fa.md", "guide-fa"),
        ("--dashes--.md", "dashes"),
    ],
)
def test_slug_from_odd_file_name(content_dir, write, filename, slug):
    write(content_dir, f"articles/hub/{filename}", article())
    site, problems = load_site(content_dir)
    assert problems == []
    assert site.articles_by_path[f"articles/hub/{filename}"].slug == slug


def test_file_name_without_usable_slug(content_dir, write):
    write(content_dir, "articles/hub/!!!.md", article())
    assert messages(content_dir) == ["articles/hub/!!!.md:1: the file name gives no usable slug; add a 'slug' field"]


def test_slug_field_must_be_url_safe(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META + "slug: Not A Slug\n"))
    assert messages(content_dir) == ["articles/hub/x.md:7: slug 'Not A Slug' is not URL-safe; use 'not-a-slug'"]


def test_file_names_that_give_the_same_slug(content_dir, write):
    write(content_dir, "articles/hub/Hub Address.md", article())
    write(content_dir, "articles/hub/hub-address.md", article())
    assert messages(content_dir) == [
        "articles/hub/hub-address.md:1: slug 'hub-address' is already used by "
        "articles/hub/Hub Address.md; set a different 'slug'"
    ]


# --- one file on its own -----------------------------------------------------


def test_bad_yaml_in_front_matter(content_dir, write):
    write(
        content_dir,
        "articles/hub/x.md",
        article(
            """\
            title: Test
            category: hub
            summary: [unclosed
            updated: 2026-10-01
            """
        ),
    )
    assert messages(content_dir) == ["articles/hub/x.md:5: invalid YAML: did not find expected ',' or ']'"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("faq.yaml", "- question: [\n", "faq.yaml:2: invalid YAML: did not find expected node content"),
        (
            "categories.yaml",
            "- slug: account\n  title: A: B\n",
            "categories.yaml:2: invalid YAML: mapping values are not allowed in this context",
        ),
        (
            "glossary.yaml",
            "- term: Hub\n\tdefinition: tab\n",
            "glossary.yaml:2: invalid YAML: found a tab character that violates indentation",
        ),
        (
            "troubleshooting_trees/hub-light.yaml",
            "id: hub-light\nnodes: {a: [}\n",
            "troubleshooting_trees/hub-light.yaml:2: invalid YAML: did not find expected node content",
        ),
    ],
)
def test_bad_yaml_in_each_kind_of_file(content_dir, write, name, text, expected):
    write(content_dir, name, text)
    assert expected in messages(content_dir)


def test_unclosed_quote_is_reported_where_it_opens(content_dir, write):
    write(content_dir, "articles/hub/x.md", article('title: "Unclosed\ncategory: hub\n'))
    assert [m.split(": invalid YAML")[0] for m in messages(content_dir)] == ["articles/hub/x.md:2"]


def test_control_character_in_yaml_is_one_line(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META.replace("Test article", "Test\x07article")))
    (message,) = messages(content_dir)
    assert message.startswith("articles/hub/x.md:2: invalid YAML:")
    assert "\n" not in message and "<unicode string>" not in message


@pytest.mark.parametrize(
    "text",
    [
        "No front matter here.\n",
        "---\ntitle: Never closed\ncategory: hub\n",
        "",
        b"\n---\ntitle: Starts on line 2\n---\n",
    ],
)
def test_front_matter_missing(content_dir, write, text):
    write(content_dir, "articles/hub/x.md", text)
    assert messages(content_dir) == [
        "articles/hub/x.md:1: no front matter: start the file with a '---' line, "
        "the YAML fields, and another '---' line"
    ]


@pytest.mark.parametrize("meta", ["", "# only a comment\n"])
def test_empty_front_matter_is_reported(content_dir, write, meta):
    write(content_dir, "articles/hub/x.md", article(meta))
    assert "articles/hub/x.md:2: front matter is missing 'title'" in messages(content_dir)


def test_front_matter_that_is_not_a_mapping(content_dir, write):
    write(content_dir, "articles/hub/x.md", article("- a\n- b\n"))
    assert messages(content_dir) == ["articles/hub/x.md:2: front matter must be a mapping of 'key: value' lines"]


def test_missing_fields(content_dir, write):
    write(content_dir, "articles/hub/x.md", article("category: hub\n"))
    site, problems = load_site(content_dir)
    assert [str(p) for p in problems] == [
        "articles/hub/x.md:2: warning: front matter has no 'summary' (shown under the title in lists and search)",
        "articles/hub/x.md:2: warning: front matter has no 'tags' (words customers search for)",
        "articles/hub/x.md:2: front matter is missing 'title'",
        "articles/hub/x.md:2: front matter is missing 'updated'",
    ]
    assert "articles/hub/x.md" not in site.articles_by_path


def test_wrong_typed_fields(content_dir, write):
    write(
        content_dir,
        "articles/hub/x.md",
        article(
            """\
            title: [A, list]
            category: hub
            summary: {a: mapping}
            tags: 5
            updated: yesterday
            lang: english
            aliases: [Old Name]
            """
        ),
    )
    assert messages(content_dir) == [
        "articles/hub/x.md:2: 'title' must be text, not a list",
        "articles/hub/x.md:2: warning: front matter has no 'summary' (shown under the title in lists and search)",
        "articles/hub/x.md:4: 'summary' must be text, not a mapping",
        "articles/hub/x.md:5: 'tags' must be a list, not '5'",
        "articles/hub/x.md:6: 'updated' must be a date like 2026-01-31, not 'yesterday'",
        "articles/hub/x.md:7: 'lang' must be a language code such as en, he or fa, not 'english'",
        "articles/hub/x.md:8: alias 'Old Name' is not a slug; use 'old-name'",
    ]


def test_wrong_typed_list_item_is_reported_on_its_own_line(content_dir, write):
    write(
        content_dir,
        "articles/hub/x.md",
        article(
            """\
            title: Test
            category: hub
            summary: A test.
            tags:
              - fine
              - {not: text}
            updated: 2026-10-01
            related:
              - restart-your-harbor-hub
              - [nested]
            """
        ),
    )
    assert messages(content_dir) == [
        "articles/hub/x.md:7: 'tags' items must be text, not a mapping",
        "articles/hub/x.md:11: 'related' items must be text, not a list",
    ]


def test_unknown_key_is_a_warning_and_the_article_still_loads(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META + "catgory: hub\n"))
    site, problems = load_site(content_dir)
    assert [str(p) for p in problems] == [
        "articles/hub/x.md:7: warning: unknown key 'catgory' in front matter (ignored)"
    ]
    assert "articles/hub/x.md" in site.articles_by_path


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "articles/hub/x.md",
            article("title: A\ncategory: hub\ntitle: B\nsummary: S\ntags: [a]\nupdated: 2026-10-01\n"),
            "articles/hub/x.md:4: duplicate key 'title' (first on line 2)",
        ),
        (
            "faq.yaml",
            "- question: Why?\n  answer: Because.\n  category: hub\n  question: Why not?\n",
            "faq.yaml:4: duplicate key 'question' (first on line 1)",
        ),
        (
            "glossary.yaml",
            "- term: Hub\n  definition: A.\n  definition: B.\n",
            "glossary.yaml:3: duplicate key 'definition' (first on line 2)",
        ),
        (
            "categories.yaml",
            "- slug: account\n  title: A\n- slug: hub\n  title: B\n  icon: x\n  title: C\n",
            "categories.yaml:6: duplicate key 'title' (first on line 4)",
        ),
    ],
)
def test_duplicate_yaml_keys(content_dir, write, name, text, expected):
    write(content_dir, name, text)
    assert expected in messages(content_dir)


def test_file_that_is_not_utf8(content_dir, write):
    text = "---\ntitle: Café\ncategory: hub\n---\n".encode("latin-1")
    write(content_dir, "articles/hub/latin1.md", text)
    site, problems = load_site(content_dir)
    # The byte offset is that of 'é' (0xe9), so the author can find it.
    assert [str(p) for p in problems] == ["articles/hub/latin1.md:2: not UTF-8 text (byte 14); save the file as UTF-8"]
    assert len(site.articles) == 4  # the other files still load


@pytest.mark.parametrize("newline", ["\r\n", "\n"])
@pytest.mark.parametrize("bom", ["\ufeff", ""])
def test_line_numbers_survive_crlf_and_bom(content_dir, write, newline, bom):
    text = bom + article(VALID_META.replace("category: hub", "category: routers"), "\nSee [x](gone.md).\n")
    write(content_dir, "articles/hub/x.md", text.replace("\n", newline).encode("utf-8"))
    assert messages(content_dir) == [
        "articles/hub/x.md:3: unknown category 'routers'; declare it in categories.yaml",
        "articles/hub/x.md:9: link 'gone.md' points at articles/hub/gone.md, which does not exist",
    ]


# --- references across the site ----------------------------------------------


def test_unknown_category(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META.replace("category: hub", "category: routers")))
    assert messages(content_dir) == ["articles/hub/x.md:3: unknown category 'routers'; declare it in categories.yaml"]


def test_duplicate_slug_in_another_folder(content_dir, write):
    write(content_dir, "articles/account/harbor-hub-lights.md", article(VALID_META.replace("hub", "account")))
    assert messages(content_dir) == [
        "articles/hub/harbor-hub-lights.md:1: slug 'harbor-hub-lights' is already used by "
        "articles/account/harbor-hub-lights.md; set a different 'slug'"
    ]


def test_duplicate_slug_from_slug_field_is_reported_on_that_line(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META + "slug: harbor-hub-lights\n"))
    assert messages(content_dir) == [
        "articles/hub/x.md:7: slug 'harbor-hub-lights' is already used by "
        "articles/hub/harbor-hub-lights.md; set a different 'slug'"
    ]


def test_duplicate_alias(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META + "aliases: [old-name, forgot-password]\n"))
    assert messages(content_dir) == [
        "articles/hub/x.md:7: alias 'forgot-password' is already used by articles/account/reset-your-password.md"
    ]


def test_alias_colliding_with_a_slug(content_dir, write):
    write(content_dir, "articles/hub/x.md", article(VALID_META + "aliases: [harbor-hub-lights]\n"))
    assert messages(content_dir) == [
        "articles/hub/x.md:7: alias 'harbor-hub-lights' is already used by articles/hub/harbor-hub-lights.md"
    ]


def test_internal_links_to_missing_articles(content_dir, write):
    body = """\

    Good: [a](harbor-hub-lights.md#light-colours), [b](../account/reset-your-password.md),
    [c](/articles/forgot-password), [d](https://example.com/gone.md), [e](#top), [f](mailto:x@example.com).
    Bad: [g](gone.md) and [h](/articles/nope#x) and [i](../account/nope.md).

    ```markdown
    [not a link](inside-backticks.md)
    ```

    ~~~
    [not a link](/articles/inside-tildes)
    ~~~

    A reference-style link: [j][ref].

    [ref]: ../billing/also-gone.md
    """
    write(content_dir, "articles/hub/x.md", article(body=body))
    assert messages(content_dir) == [
        "articles/hub/x.md:11: link '../account/nope.md' points at articles/account/nope.md, which does not exist",
        "articles/hub/x.md:11: link '/articles/nope#x' points at /articles/nope, which does not exist",
        "articles/hub/x.md:11: link 'gone.md' points at articles/hub/gone.md, which does not exist",
        # Reported where the link is used, which is where readers click it.
        "articles/hub/x.md:21: link '../billing/also-gone.md' points at articles/billing/also-gone.md, "
        "which does not exist",
    ]


@pytest.mark.parametrize(
    "body",
    ["Type `[text](page.md)` to link a page.\n", "Example:\n\n    [text](page.md)\n"],
)
def test_link_syntax_inside_code_is_not_a_link(content_dir, write, body):
    write(content_dir, "articles/hub/x.md", article(body=body))
    assert messages(content_dir) == []


def test_related_article_missing(content_dir, write):
    write(
        content_dir, "articles/hub/x.md", article(VALID_META + "related: [harbor-hub-lights, forgot-password, nope]\n")
    )
    assert messages(content_dir) == ["articles/hub/x.md:7: related article 'nope' does not exist"]


def test_faq_entry_points_at_missing_article(content_dir, write):
    write(
        content_dir,
        "faq.yaml",
        """\
        - question: Why?
          answer: Because.
          category: hub
          article: nope
        - question: Where?
          answer: Here.
          category: routers
          article: forgot-password
        """,
    )
    assert messages(content_dir) == [
        "faq.yaml:4: article 'nope' does not exist",
        "faq.yaml:7: unknown category 'routers'; declare it in categories.yaml",
    ]


def test_faq_file_shape(content_dir, write):
    write(
        content_dir,
        "faq.yaml",
        """\
        - question: Why?
          answer: Because.
          category: hub
        - question: Why?
          answer: Again.
          category: hub
        - just text
        - question: No answer?
          category: hub
        """,
    )
    assert messages(content_dir) == [
        "faq.yaml:4: duplicate FAQ id 'why' (first on line 1); give one an 'id'",
        "faq.yaml:7: each FAQ entry must be a mapping of 'key: value' lines",
        "faq.yaml:8: FAQ entry is missing 'answer'",
    ]


def test_glossary_points_at_missing_article_and_term(content_dir, write):
    write(
        content_dir,
        "glossary.yaml",
        """\
        - term: ONT
          definition: The fibre box.
        - term: Harbor Hub
          definition: The router.
          see_also: [ONT, Harbor Mesh]
          article: nope
        - term: My Harbor
          definition: The account website.
        """,
    )
    assert messages(content_dir) == [
        "glossary.yaml:5: see_also 'Harbor Mesh' is not a glossary term in 'en'",
        "glossary.yaml:6: article 'nope' does not exist",
    ]


def test_duplicate_glossary_term_and_alias_clash(content_dir, write):
    write(
        content_dir,
        "glossary.yaml",
        """\
        - term: Harbor Hub
          definition: The router.
          aliases: [Hub, router]
        - term: harbor hub
          definition: Again, in lower case.
        - term: ONT
          definition: The fibre box.
          aliases: [fibre box, ROUTER]
        - term: My Harbor
          definition: The account website.
        - term: Harbor Hub
          definition: הנתב.
          lang: he
        """,
    )
    assert messages(content_dir) == [
        "glossary.yaml:4: glossary term 'harbor hub' is already used by 'Harbor Hub' (line 1)",
        "glossary.yaml:8: glossary alias 'ROUTER' is already used by 'Harbor Hub' (line 1)",
    ]


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("lang: fa\ntranslation_of: nope", "translation_of 'nope', but there is no such article"),
        (
            "lang: fa\ntranslation_of: reset-your-password-he",
            "translation_of 'reset-your-password-he', which is itself a translation; name 'reset-your-password'",
        ),
        ("translation_of: reset-your-password", "a translation must differ in 'lang' from its original ('en')"),
        (
            "lang: he\ntranslation_of: reset-your-password",
            "'reset-your-password' already has a 'he' translation: articles/account/reset-your-password.he.md",
        ),
    ],
    ids=["nowhere", "at-a-translation", "same-lang", "second-translation"],
)
def test_translation_of(content_dir, write, extra, expected):
    write(content_dir, "articles/account/x.md", article(VALID_META.replace("hub", "account") + extra + "\n"))
    line = 6 + extra.count("\n") + 1  # translation_of is the last meta line
    assert messages(content_dir) == [f"articles/account/x.md:{line}: {expected}"]


def test_categories_file(content_dir, write):
    write(
        content_dir,
        "categories.yaml",
        """\
        - slug: account
          title: Account
        - slug: hub
          title: Hub
        - slug: account
          title: Again
        - slug: Bad Slug
          title: Bad
        - title: No slug
        """,
    )
    assert messages(content_dir) == [
        "categories.yaml:5: duplicate category 'account' (first on line 1)",
        "categories.yaml:7: category slug 'Bad Slug' is not a slug; use 'bad-slug'",
        "categories.yaml:9: category is missing 'slug'",
    ]


def test_every_problem_in_every_file_is_reported_in_one_run(content_dir, write):
    write(content_dir, "articles/hub/no-front-matter.md", "Just text.\n")
    write(content_dir, "articles/hub/bad-yaml.md", article("title: [unclosed\n"))
    write(
        content_dir,
        "articles/hub/bad-refs.md",
        article(
            """\
        title: Bad references
        category: routers
        summary: Points at things that do not exist.
        tags: [broken]
        updated: 2026-10-01
        related: [nope]
        aliases: [forgot-password]
        """,
            "\nSee [gone](gone.md).\n",
        ),
    )
    write(
        content_dir,
        "articles/account/reset-your-password.fa.md",
        article(VALID_META.replace("hub", "account") + "lang: fa\ntranslation_of: nowhere\n"),
    )
    write(content_dir, "articles/hub/latin1.md", b"---\ntitle: Caf\xe9\n---\n")
    write(content_dir, "faq.yaml", "- question: Q?\n  answer: A.\n  category: hub\n  article: gone\n")
    write(
        content_dir,
        "glossary.yaml",
        (content_dir / "glossary.yaml").read_text(encoding="utf-8") + "- term: hub\n  definition: Clash.\n",
    )
    write(
        content_dir,
        "categories.yaml",
        (content_dir / "categories.yaml").read_text(encoding="utf-8") + "- slug: hub\n  title: Again\n",
    )
    tree = (content_dir / "troubleshooting_trees/hub-light.yaml").read_text(encoding="utf-8")
    write(content_dir, "troubleshooting_trees/hub-light.yaml", tree.replace("next: restart", "next: nowhere"))

    found = messages(content_dir)
    glossary_lines = (content_dir / "glossary.yaml").read_text(encoding="utf-8").splitlines()
    category_lines = (content_dir / "categories.yaml").read_text(encoding="utf-8").splitlines()
    tree_lines = (content_dir / "troubleshooting_trees/hub-light.yaml").read_text(encoding="utf-8").splitlines()
    expected = [
        "articles/account/reset-your-password.fa.md:8: translation_of 'nowhere', but there is no such article",
        "articles/hub/bad-refs.md:3: unknown category 'routers'; declare it in categories.yaml",
        "articles/hub/bad-refs.md:7: related article 'nope' does not exist",
        "articles/hub/bad-refs.md:8: alias 'forgot-password' is already used by "
        "articles/account/reset-your-password.md",
        "articles/hub/bad-refs.md:11: link 'gone.md' points at articles/hub/gone.md, which does not exist",
        "articles/hub/bad-yaml.md:3: invalid YAML: did not find expected ',' or ']'",
        "articles/hub/latin1.md:2: not UTF-8 text (byte 14); save the file as UTF-8",
        "articles/hub/no-front-matter.md:1: no front matter: start the file with a '---' line, "
        "the YAML fields, and another '---' line",
        f"categories.yaml:{len(category_lines) - 1}: duplicate category 'hub' (first on line "
        f"{category_lines.index('- slug: hub') + 1})",
        "faq.yaml:4: article 'gone' does not exist",
        f"glossary.yaml:{len(glossary_lines) - 1}: glossary term 'hub' is already used by 'Harbor Hub' (line 1)",
        f"troubleshooting_trees/hub-light.yaml:{tree_lines.index('    - id: orange') + 1}: "
        "'colour' leads to node 'nowhere', which does not exist",
        f"troubleshooting_trees/hub-light.yaml:{tree_lines.index('  restart:') + 1}: "
        "node 'restart' cannot be reached from the start node 'colour'",
    ]
    assert sorted(found) == sorted(expected)


def test_links_to_non_ascii_slugs_and_paths_resolve(content_dir, write):
    write(content_dir, "articles/hub/מאמר בדיקה.md", article(VALID_META.replace("Test article", "מאמר")))
    body = "See [the file](מאמר%20בדיקה.md), [by URL](/articles/מאמר-בדיקה) and [missing](/articles/חסר).\n"
    write(content_dir, "articles/hub/x.md", article(body=body))
    assert messages(content_dir) == [
        "articles/hub/x.md:8: link '/articles/חסר' points at /articles/חסר, which does not exist"
    ]
