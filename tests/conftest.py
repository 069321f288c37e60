"""Shared fixtures: a small, valid help center written from Python data, its
published build, and the Flask app and client serving it.

Tests that need broken content start from ``content_dir``, plant a file with
``write`` and assert the exact ``path:line: message`` an author would read.
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from portal.build import build

POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

CATEGORIES = [
    {"slug": "account", "title": "Account & sign-in", "description": "Passwords and sign-in.", "icon": "🔑"},
    {"slug": "hub", "title": "Harbor Hub & Mesh", "description": "Your router and Mesh discs.", "icon": "📡"},
]

# relpath -> (front matter, body). The English password article has an alias and
# a Hebrew translation; the Hub articles link each other and use glossary terms.
ARTICLES: dict[str, tuple[dict, str]] = {
    "articles/account/reset-your-password.md": (
        {
            "title": "Reset your password",
            "category": "account",
            "summary": "Get back into your account with a reset link.",
            "tags": ["password", "sign in", "login"],
            "updated": "2026-10-02",
            "aliases": ["forgot-password"],
            "related": ["restart-your-harbor-hub"],
        },
        """\
        Forgotten your password? You can reset it from the sign-in page in two minutes.

        ## Ask for a reset link

        1. Open My Harbor and select **Forgotten your password?**
        2. Enter your email address. The reset link lasts 30 minutes.

        ## Still stuck

        If the Hub is offline too, [restart your Hub](../hub/restart-your-harbor-hub.md) first.
        """,
    ),
    "articles/account/reset-your-password.he.md": (
        {
            "title": "איפוס הסיסמה",
            "category": "account",
            "summary": "חוזרים לחשבון עם קישור איפוס.",
            "tags": ["סיסמה", "התחברות"],
            "updated": "2026-10-02",
            "lang": "he",
            "translation_of": "reset-your-password",
        },
        """\
        שכחתם את הסיסמה? אפשר לאפס אותה מדף ההתחברות של My Harbor.

        ## בקשת קישור איפוס

        1. פותחים את My Harbor ובוחרים **שכחתי סיסמה**.
        2. מזינים את כתובת האימייל.
        """,
    ),
    "articles/hub/restart-your-harbor-hub.md": (
        {
            "title": "Restart your Harbor Hub",
            "category": "hub",
            "summary": "Switch your Hub off and on again the right way.",
            "tags": ["restart", "reboot", "router"],
            "updated": "2026-08-19",
            "aliases": ["reboot-your-hub"],
            "related": ["harbor-hub-lights"],
        },
        """\
        Restarting your Harbor Hub clears its memory and fixes most slow connections.
        A Harbor Hub restart takes about three minutes.

        ## Restart with the power button

        1. Press the power button on the back.
        2. Wait until the light is solid white. See [what the lights mean](harbor-hub-lights.md).

        > [!WARNING]
        > Don't hold the pinhole **Reset** button: that is a factory reset.
        """,
    ),
    "articles/hub/harbor-hub-lights.md": (
        {
            "title": "What the lights on your Harbor Hub mean",
            "category": "hub",
            "summary": "White is fine, orange means no signal, red means a fault.",
            "tags": ["lights", "colour", "orange light"],
            "updated": "2026-09-01",
        },
        """\
        The single light on the front of the Hub tells you how it is doing.

        ## Light colours

        | Colour | Meaning |
        | --- | --- |
        | White | Everything is fine |
        | Orange | No internet signal from the ONT |
        | Red | Hardware fault |

        ## Check from a computer

        ```bash title="Ping the Hub"
        ping -c 3 192.168.1.1
        ```

        Or open `http://<hub-address>/status` in a browser.

        If the light stays orange, [restart the Hub](/articles/reboot-your-hub).
        """,
    ),
}

FAQ = [
    {
        "question": "How do I reset my password?",
        "answer": "Use **Forgotten your password?** on the sign-in page. "
        "See [Reset your password](/articles/reset-your-password).",
        "category": "account",
        "article": "reset-your-password",
        "pinned": True,
        "tags": ["password"],
    },
    {
        "question": "Why is the light on my Hub orange?",
        "answer": "Orange means no internet signal reaches the Hub. Check the outage map, then restart it.",
        "category": "hub",
        "article": "harbor-hub-lights",
    },
]

GLOSSARY = [
    {
        "term": "Harbor Hub",
        "definition": "The Wi-Fi **router** we send with every broadband plan.",
        "aliases": ["Hub", "router"],
        "see_also": ["ONT"],
        "article": "restart-your-harbor-hub",
    },
    {
        "term": "ONT",
        "definition": "The fibre box on the wall where the fibre comes in.",
        "aliases": ["optical network terminal"],
    },
    {
        "term": "My Harbor",
        "definition": "The customer account website.",
    },
]

TREE = {
    "id": "hub-light",
    "title": "Fix your Hub light",
    "description": "Find out what the light on your Hub means and what to do.",
    "lang": "en",
    "category": "hub",
    "start": "colour",
    "nodes": {
        "colour": {
            "type": "question",
            "text": "What colour is the light on your **Harbor Hub**?",
            "options": [
                {"id": "orange", "label": "Orange", "next": "restart", "glossary": ["ONT"]},
                {"id": "red", "label": "Red", "next": "escalate-fault", "articles": ["harbor-hub-lights"]},
            ],
        },
        "restart": {
            "type": "solution",
            "text": "Restart the Hub and wait three minutes.",
            "articles": ["restart-your-harbor-hub"],
            "if_not_solved": "escalate-fault",
        },
        "escalate-fault": {
            "type": "escalate",
            "text": "We'll take it from here.",
            "reason": "Hub light orange or red after a restart",
            "ticket_category": "hub",
            "priority": "high",
        },
    },
    "tests": [
        {"answers": ["orange", "solved"], "outcome": "solved"},
        {"answers": ["orange", "not-solved"], "outcome": "escalate-fault"},
        {"answers": ["red"], "outcome": "escalate-fault"},
    ],
}


def _dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_file(content_dir: Path, relpath: str, text: str | bytes) -> Path:
    """Write one content file. ``text`` is dedented and a leading newline dropped,
    so line 1 of the file is the first line after the opening quotes; bytes are
    written as they are (for encodings other than UTF-8)."""
    path = content_dir / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text).removeprefix("\n"), encoding="utf-8")
    return path


def article_text(meta: dict, body: str) -> str:
    return f"---\n{_dump(meta)}---\n\n{textwrap.dedent(body)}"


def set_key(root: Path, relpath: str, key: str, value: str) -> int:
    """Set a front-matter key of an article (replacing or adding it); returns its line."""
    path = root / relpath
    lines = path.read_text(encoding="utf-8").splitlines()
    end = lines.index("---", 1)
    for number, line in enumerate(lines[1:end], start=2):
        if line.startswith(f"{key}:"):
            lines[number - 1] = f"{key}: {value}"
            break
    else:
        lines.insert(end, f"{key}: {value}")
        number = end + 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return number


def line_of(root: Path, relpath: str, text: str) -> int:
    """The first line of ``relpath`` that starts with ``text`` (indentation ignored)."""
    lines = (root / relpath).read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.strip().startswith(text))


def write_site(root: Path) -> Path:
    write_file(root, "categories.yaml", _dump(CATEGORIES))
    for relpath, (meta, body) in ARTICLES.items():
        write_file(root, relpath, article_text(meta, body))
    write_file(root, "faq.yaml", _dump(FAQ))
    write_file(root, "glossary.yaml", _dump(GLOSSARY))
    write_file(root, f"troubleshooting_trees/{TREE['id']}.yaml", _dump(TREE))
    return root


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A small valid help center: 2 categories, 4 articles (one translation, two
    with aliases), 2 FAQ entries, 3 glossary terms and one tree."""
    return write_site(tmp_path / "content")


@pytest.fixture
def write() -> Callable[[Path, str, str | bytes], Path]:
    """``write(content_dir, relpath, text)``: plant a (broken) content file."""
    return write_file


@pytest.fixture
def built(content_dir: Path, tmp_path: Path) -> Path:
    """The fixture content built and published; returns the index directory."""
    index_dir = tmp_path / "index"
    report = build(content_dir, index_dir)
    assert not report.failed, [str(p) for p in report.problems]
    return index_dir


@pytest.fixture(scope="session")
def shared_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture content built once for the whole run, for tests that only
    read it (searches); returns the index directory. Do not change it."""
    root = tmp_path_factory.mktemp("shared")
    index_dir = root / "index"
    report = build(write_site(root / "content"), index_dir)
    assert not report.failed, [str(p) for p in report.problems]
    return index_dir


@pytest.fixture
def app(content_dir: Path, built: Path, tmp_path: Path):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
            "RANKING_CACHE_SECONDS": 0,  # rankings follow each vote at once
        }
    )
    yield app
    # The site keeps builds open for the life of the process; unclosed Whoosh
    # files would be collected during a later test and fail it (warnings are errors).
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def site_client(site, tmp_path_factory):
    """A test client on a module's own built site (its ``site`` fixture:
    content and index directories), for modules that only read."""
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": site[0],
            "INDEX_DIR": site[1],
            "INSTANCE_DIR": tmp_path_factory.mktemp("instance"),
            "SECRET_KEY": "test",
        }
    )
    yield app.test_client()
    app.extensions["portal.published"].close()


@pytest.fixture
def app_on_shared_build(shared_build: Path, tmp_path: Path):
    """The site on the build shared by the whole run, with a database of its
    own: for tests that change no content, quicker than building it per test."""
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": shared_build.parent / "content",
            "INDEX_DIR": shared_build,
            "INSTANCE_DIR": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
            "RANKING_CACHE_SECONDS": 0,
        }
    )
    yield app
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


# When the events tests happen: what the events, the visitor's day and tree walks read as now.
EVENTS_NOW = dt.datetime(2026, 11, 2, 10, 0)


@pytest.fixture
def events_site(app_on_shared_build, monkeypatch):
    """``app_on_shared_build`` with its clocks stopped at :data:`EVENTS_NOW`, so
    every event of a test falls in the same visit and on the same day."""
    from portal import tree_analytics, visitors
    from portal.insights import events

    monkeypatch.setattr(events, "utcnow", lambda: EVENTS_NOW)
    monkeypatch.setattr(visitors, "today", lambda: EVENTS_NOW.date())
    monkeypatch.setattr(tree_analytics, "utcnow", lambda: EVENTS_NOW)
    return app_on_shared_build


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards. Skipped when no
    server answers at 127.0.0.1:5432, except in CI, where that is a failure."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        try:
            with admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except OperationalError as exc:
            if os.environ.get("CI") == "true":
                raise
            pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
        name = f"portal_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
