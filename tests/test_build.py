"""The build: check, render, index, publish atomically; incremental rebuilds;
one build at a time; readers never see a half-written index."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

import portal.content.site
from portal import publish
from portal.build import SEARCH_DIR, build
from portal.catalog import FILENAME, Catalog
from portal.published import Published
from portal.search import Filters, default_backend, parse_query

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_INDEX = REPO_ROOT / "build_index.py"
RESTART = "articles/hub/restart-your-harbor-hub.md"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    return subprocess.run(
        [sys.executable, str(BUILD_INDEX), *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
        check=False,
    )


def load_cli():
    spec = importlib.util.spec_from_file_location("build_index", BUILD_INDEX)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def cli(capsys):
    """``build_index.py`` run in this process (fast); returns (exit code, stdout, stderr)."""
    main = load_cli().main

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def search_keys(index_root: Path, raw: str) -> set[str]:
    """What a customer finds in the published build right now."""
    index = default_backend().open(publish.current_build(index_root) / SEARCH_DIR)
    try:
        return {h.key for h in index.search(parse_query(raw), Filters(), 1, 50).hits}
    finally:
        index.close()


def build_names(index_root: Path) -> list[str]:
    return sorted(p.name for p in (index_root / publish.BUILDS).iterdir())


def edit(content_dir: Path, relpath: str, old: str, new: str) -> None:
    path = content_dir / relpath
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --- checking --------------------------------------------------------------------


def test_repository_content_passes_check():
    result = run_cli("--check", "--content", REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("checked ")


def test_check_prints_every_problem_and_exits_1(cli, content_dir, write, tmp_path):
    write(
        content_dir,
        "articles/hub/broken.md",
        """\
        ---
        title: Broken
        category: routers
        summary: Has problems.
        tags: [broken]
        updated: 2026-10-01
        colour: orange
        ---

        See [the lights](lights.md).
        """,
    )
    with open(content_dir / "faq.yaml", "a", encoding="utf-8") as faq:
        faq.write("- question: Gone?\n  answer: Yes.\n  category: hub\n  article: gone\n")
    faq_line = len((content_dir / "faq.yaml").read_text(encoding="utf-8").splitlines())
    edit(content_dir, "troubleshooting_trees/hub-light.yaml", "outcome: solved", "outcome: escalate-fault")
    tree_line = (content_dir / "troubleshooting_trees/hub-light.yaml").read_text().splitlines().index("- answers:") + 1

    index = tmp_path / "index"
    code, out, err = cli("--check", "--content", content_dir, "--index", index)
    assert code == 1
    assert out == ""
    assert err.splitlines() == [
        "articles/hub/broken.md:3: unknown category 'routers'; declare it in categories.yaml",
        "articles/hub/broken.md:7: warning: unknown key 'colour' in front matter (ignored)",
        "articles/hub/broken.md:10: link 'lights.md' points at articles/hub/lights.md, which does not exist",
        f"faq.yaml:{faq_line}: article 'gone' does not exist",
        f"troubleshooting_trees/hub-light.yaml:{tree_line}: test fails: answers ['orange', 'solved'] "
        "end on 'solved', expected 'escalate-fault'",
        "4 errors and 1 warning in 3 files: check failed",
    ]
    assert not index.exists()  # --check writes nothing


def test_strict_check_fails_on_warnings(cli, content_dir, write):
    write(content_dir, "articles/hub/x.md", "---\ntitle: X\ncategory: hub\nupdated: 2026-10-01\n---\n")
    code, out, _ = cli("--check", "--content", content_dir)
    assert code == 0
    assert out.splitlines()[:2] == [
        "articles/hub/x.md:2: warning: front matter has no 'summary' (shown under the title in lists and search)",
        "articles/hub/x.md:2: warning: front matter has no 'tags' (words customers search for)",
    ]
    code, _, err = cli("--check", "--strict", "--content", content_dir)
    assert code == 1
    assert err.splitlines()[-1] == "2 warnings in 1 file: check failed"


def test_missing_content_directory(cli, tmp_path):
    code, _, err = cli("--check", "--content", tmp_path / "nowhere")
    assert code == 2
    assert err == f"error: content directory {tmp_path / 'nowhere'} does not exist\n"


# --- building and publishing ------------------------------------------------------


def test_build_publishes_a_new_directory(cli, content_dir, tmp_path):
    index = tmp_path / "index"
    code, out, err = cli("--content", content_dir, "--index", index)
    assert code == 0, err
    assert out.startswith("built 4 articles, 2 FAQ entries, 3 glossary terms, 1 trees in ")
    assert out.endswith("s (4 rendered, 10 indexed, 0 removed)\n")
    name = (index / publish.POINTER).read_text(encoding="utf-8").strip()
    assert build_names(index) == [name]
    assert (index / publish.BUILDS / name / FILENAME).is_file()
    assert search_keys(index, "orange light") >= {"harbor-hub-lights", "hub-light"}
    catalog = Catalog(index / publish.BUILDS / name / FILENAME)
    try:
        assert catalog.article("restart-your-harbor-hub").title == "Restart your Harbor Hub"
        assert catalog.alias("reboot-your-hub") == "restart-your-harbor-hub"
    finally:
        catalog.close()


def test_unchanged_rebuild_renders_nothing_and_parses_nothing(content_dir, built, monkeypatch):
    calls: list[str] = []
    original = portal.content.site.load_article

    def counting(path, *args, **kwargs):
        calls.append(path)
        return original(path, *args, **kwargs)

    monkeypatch.setattr(portal.content.site, "load_article", counting)
    before = publish.current_name(built)
    report = build(content_dir, built)
    assert not report.failed
    assert (report.rendered, report.indexed, report.removed) == (0, 0, 0)
    assert calls == []
    assert publish.current_name(built) != before
    assert search_keys(built, "orange light") >= {"harbor-hub-lights", "hub-light"}

    edit(content_dir, RESTART, "clears its memory", "clears its zebracorn")
    report = build(content_dir, built)
    assert (report.rendered, report.indexed) == (1, 1)
    assert calls == [RESTART]


def test_changed_article_is_rerendered_and_searchable(content_dir, built):
    assert search_keys(built, "memory") == {"restart-your-harbor-hub"}
    edit(content_dir, RESTART, "clears its memory", "clears its zebracorn")
    report = build(content_dir, built)
    assert not report.failed
    assert report.rendered == 1
    assert search_keys(built, "zebracorn") == {"restart-your-harbor-hub"}
    assert search_keys(built, "memory") == set()
    catalog = Catalog(publish.current_build(built) / FILENAME)
    try:
        assert "zebracorn" in catalog.article("restart-your-harbor-hub").html
    finally:
        catalog.close()


def test_deleted_article_disappears(content_dir, built):
    assert search_keys(built, "סיסמה") == {"reset-your-password-he"}
    (content_dir / "articles/account/reset-your-password.he.md").unlink()
    report = build(content_dir, built)
    assert not report.failed
    assert report.removed == 1
    assert search_keys(built, "סיסמה") == set()
    catalog = Catalog(publish.current_build(built) / FILENAME)
    try:
        assert catalog.article("reset-your-password-he") is None
        english = catalog.article("reset-your-password")
        assert [a.slug for a in catalog.translations(english)] == ["reset-your-password"]
        assert [a.slug for a in catalog.articles_in("account")] == ["reset-your-password"]
    finally:
        catalog.close()


def test_changed_faq_and_glossary_are_reindexed(content_dir, built):
    edit(content_dir, "faq.yaml", "Check the outage map", "Check the quokka map")
    edit(content_dir, "glossary.yaml", "fibre box on the wall", "wombat box on the wall")
    report = build(content_dir, built)
    assert not report.failed
    assert search_keys(built, "quokka") == {"why-is-the-light-on-my-hub-orange"}
    assert search_keys(built, "wombat") == {"ont"}
    assert search_keys(built, "outage") == set()


def test_only_the_current_and_previous_builds_are_kept(content_dir, built):
    first = publish.current_name(built)
    build(content_dir, built)
    second = publish.current_name(built)
    build(content_dir, built)
    third = publish.current_name(built)
    assert build_names(built) == sorted([second, third])
    assert first not in build_names(built)


def test_failed_validation_leaves_the_previous_build_published(cli, content_dir, built, write):
    before = (publish.current_name(built), build_names(built))
    write(content_dir, "articles/hub/x.md", "no front matter\n")
    edit(content_dir, RESTART, "clears its memory", "clears its zebracorn")
    report = build(content_dir, built)
    assert report.failed
    assert report.build_dir is None
    assert (publish.current_name(built), build_names(built)) == before
    assert search_keys(built, "memory") == {"restart-your-harbor-hub"}
    assert search_keys(built, "zebracorn") == set()

    code, _, err = cli("--content", content_dir, "--index", built)
    assert code == 1
    assert err.splitlines() == [
        "articles/hub/x.md:1: no front matter: start the file with a '---' line, the YAML fields, "
        "and another '---' line",
        "1 error in 1 file: build failed; the published index is unchanged",
    ]
    assert (publish.current_name(built), build_names(built)) == before


def test_backend_failure_leaves_the_previous_build_serving(content_dir, built):
    before = (publish.current_name(built), build_names(built))

    class Exploding(type(default_backend())):
        def build(self, directory, add, remove_sources, fresh, **kwargs):
            def documents():
                yield from list(add)[:1]
                raise OSError("disk full")

            return super().build(directory, documents(), remove_sources, fresh, **kwargs)

    edit(content_dir, RESTART, "clears its memory", "clears its zebracorn")
    with pytest.raises(OSError, match="disk full"):
        build(content_dir, built, backend=Exploding())
    assert (publish.current_name(built), build_names(built)) == before
    assert search_keys(built, "memory") == {"restart-your-harbor-hub"}
    # The next build starts from the published one and picks up the change.
    assert build(content_dir, built).rendered == 1
    assert search_keys(built, "zebracorn") == {"restart-your-harbor-hub"}


KILLED_BUILD = textwrap.dedent(
    """\
    import os, signal, sys
    from pathlib import Path
    from portal.build import build
    from portal.search.whoosh_backend import WhooshBackend

    write_index = WhooshBackend.build

    def build_then_die(self, *args, **kwargs):
        write_index(self, *args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)  # after the index, before publishing

    WhooshBackend.build = build_then_die
    build(Path(sys.argv[1]), Path(sys.argv[2]))
    """
)


def test_build_killed_midway_leaves_the_previous_index_and_is_cleaned_up(content_dir, built):
    published = publish.current_name(built)
    edit(content_dir, RESTART, "clears its memory", "clears its zebracorn")
    result = subprocess.run(
        [sys.executable, "-c", KILLED_BUILD, str(content_dir), str(built)],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    leftovers = [n for n in build_names(built) if n != published]
    assert len(leftovers) == 1 and leftovers[0] > published  # written, never published
    assert publish.current_name(built) == published
    assert search_keys(built, "memory") == {"restart-your-harbor-hub"}
    assert search_keys(built, "zebracorn") == set()

    (built / f".{publish.POINTER}.99999.tmp").write_text("half a pointer", encoding="utf-8")
    report = build(content_dir, built)  # the dead build's lock is not stuck
    assert not report.failed
    assert leftovers[0] not in build_names(built)
    assert build_names(built) == sorted([published, report.build_dir.name])
    assert not list(built.glob(f".{publish.POINTER}.*.tmp"))
    assert search_keys(built, "zebracorn") == {"restart-your-harbor-hub"}


# --- one build at a time ------------------------------------------------------------


def test_second_concurrent_build_fails_at_once(content_dir, built):
    with publish.build_lock(built):
        result = run_cli("--content", content_dir, "--index", built)
    assert result.returncode == 3
    assert result.stderr == (
        f"error: another build is already running on {built} (process {os.getpid()}); "
        "wait for it to finish, then build again\n"
    )
    assert result.stdout == ""


HOLD_LOCK = textwrap.dedent(
    """\
    import sys, time
    from pathlib import Path
    from portal.publish import build_lock

    with build_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(600)
    """
)


def test_lock_is_not_stuck_after_its_holder_is_killed(content_dir, built):
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(built)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(publish.BuildLocked, match=f"process {holder.pid}"):
            build(content_dir, built)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
        holder.stdout.close()
    assert not build(content_dir, built).failed


# --- readers during rebuilds ----------------------------------------------------------


def test_searches_during_rebuilds_never_fail_or_come_back_empty(content_dir, built):
    """Readers use the site's own switcher: each search asks for the current
    snapshot, which re-reads CURRENT and opens a newly published build."""
    published = Published(built)
    stop = threading.Event()
    errors: list[BaseException] = []
    empties: list[str] = []
    seen: set[str] = set()
    searches = [0]
    query = parse_query("orange light")

    def reader() -> None:
        while not stop.is_set():
            try:
                snapshot = published.current()
                results = snapshot.index.search(query, Filters(), 1, 10)
            except BaseException as exc:  # every failure is what we count
                errors.append(exc)
                continue
            seen.add(snapshot.name)
            searches[0] += 1
            if not results.hits:
                empties.append(snapshot.name)

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        for n in range(5):
            edit(content_dir, RESTART, "clears its", f"clears its word{n}")
            assert build(content_dir, built).rendered == 1
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        # Published keeps replaced builds open for late requests; close them all.
        for snapshot in {published._snapshot, *(s for _, s in published._retired)}:
            if snapshot is not None:
                snapshot.close()
    assert errors == []
    assert empties == []
    assert searches[0] > 0
    assert len(seen) > 1  # the readers really switched builds
    assert search_keys(built, "word4") == {"restart-your-harbor-hub"}


def test_unchanged_articles_keep_all_their_warnings_on_the_next_build(content_dir, tmp_path, write):
    write(content_dir, "articles/hub/bare.md", "---\ntitle: Bare\ncategory: hub\nupdated: 2026-10-01\n---\n\nText.\n")
    first = build(content_dir, tmp_path / "index")
    second = build(content_dir, tmp_path / "index")
    assert second.rendered == 0
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert len([p for p in first.problems if p.path == "articles/hub/bare.md"]) == 2  # no summary, no tags
