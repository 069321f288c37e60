"""Browser tests: Debian's Chromium, driven by Playwright's Python package,
against the real server (gunicorn) serving the fixture help centre.

One server per test module, one browser per session, a fresh browser context
(cookies, so a new visitor) per test. Without Chromium or Playwright the tests
skip, except in CI (``CI=true``), where a missing part is a failure: a browser
test may skip on a laptop, never in CI. Never ``playwright install``: the tests
use /usr/bin/chromium, which .ci/run installs from Debian.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
import yaml
from conftest import GLOSSARY, write_site
from gunicorn_server import GUNICORN, serving

from portal.build import build

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

CHROMIUM = Path("/usr/bin/chromium")
# Debian's Chromium in a container: no sandbox (root, no user namespaces), no
# GPU, and none of the background traffic a first run would start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}  # the narrowest screen the portal is laid out for

# A Hebrew glossary term, so a right-to-left article has a term to explain in
# place; its definition is long enough to need wrapping on a phone.
HEBREW_TERM = {
    "term": "My Harbor",
    "lang": "he",
    "definition": "אתר החשבון של הלקוחות: חשבוניות, תוכניות, סיסמה והגדרות, במקום אחד ובכל שעה של היום.",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test here ``browser``, so ``pytest -m "not browser"`` leaves them out."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.browser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives Chromium against a running server (tests/browser/)")


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI must run the browser tests (.ci/run installs chromium)", pytrace=False)
    pytest.skip(reason)


def built_site(content: Path, root: Path) -> dict[str, str]:
    """``content`` built under ``root``, and the settings that serve it with a
    database of its own."""
    report = build(content, root / "index")
    assert not report.failed, [str(p) for p in report.problems]
    return {
        "CONTENT_DIR": str(content),
        "INDEX_DIR": str(root / "index"),
        "INSTANCE_DIR": str(root / "instance"),
        "DATABASE_URL": f"sqlite:///{root / 'portal.sqlite3'}",
        "SECRET_KEY": "test",
    }


@contextmanager
def serving_site(settings: dict[str, str]) -> Iterator[str]:
    """gunicorn on a free 127.0.0.1 port serving ``settings``; yields the base URL.
    One worker (threads for the browser's parallel requests): the database is
    migrated once, and rate limits counted in one place."""
    if not GUNICORN.exists():
        _missing("gunicorn is not installed (make test installs it)")
    with serving(settings, workers=1, threads=4) as base:
        yield base


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture help centre (plus a Hebrew glossary term), served."""
    root = tmp_path_factory.mktemp("browser-site")
    content = write_site(root / "content")
    (content / "glossary.yaml").write_text(
        yaml.safe_dump([*GLOSSARY, HEBREW_TERM], allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    with serving_site(built_site(content, root)) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, once for the whole run."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _csp_violation(message: ConsoleMessage, errors: list[str]) -> None:
    # The Content-Security-Policy allows nothing inline: a script that set a style
    # attribute, or a template with one, is refused and says so in the console.
    if message.type == "error" and "Content Security Policy" in message.text:
        errors.append(message.text)


@pytest.fixture
def new_context(browser: Browser, server: str) -> Iterator[Any]:
    """``new_context(**options)``: a fresh browser context (a new visitor) with
    ``server`` as its base URL; closed after the test. Errors in the page's
    scripts fail the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def make(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=server, **options)
        context.set_default_timeout(5_000)
        context.on("weberror", lambda error: errors.append(str(error.error)))
        context.on("console", lambda msg: _csp_violation(msg, errors))
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert errors == [], errors


@pytest.fixture
def expect(browser: Browser) -> Any:
    """Playwright's ``expect`` (assertions that wait), through a fixture so that
    the test modules import without Playwright and skip (or fail in CI) with the
    ``browser`` fixture instead of breaking collection."""
    from playwright.sync_api import expect

    return expect


@pytest.fixture
def page(new_context: Any) -> Page:
    """A page in a fresh context, desktop sized."""
    return new_context(viewport={"width": 1280, "height": 800}).new_page()
