"""Settings, declared once: name, default and help.

Every setting is read from a ``PORTAL_``-prefixed environment variable
(``PORTAL_CONTENT_DIR`` → ``CONTENT_DIR``); a test keeps this table and the README
in step. ``build_index.py`` reads the same table without creating the app.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "PORTAL_"


@dataclass(frozen=True)
class Setting:
    name: str
    default: Callable[[dict[str, Any]], Any]
    help: str
    parse: Callable[[str], Any] = str

    @property
    def env(self) -> str:
        return PREFIX + self.name


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _site_url(text: str) -> str:
    """A base URL without its trailing slash. Checked at start-up, because a value
    without a scheme would put broken links in every sitemap and canonical tag."""
    text = text.strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"{PREFIX}SITE_URL must look like https://help.example.com, not {text!r}")
    return text


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "INSTANCE_DIR",
        lambda s: REPO_ROOT / "instance",
        "Where the portal keeps its own files (index, SQLite database, secret key).",
        Path,
    ),
    Setting(
        "CONTENT_DIR",
        lambda s: REPO_ROOT,
        "The help-center content: articles/, categories.yaml, faq.yaml, glossary.yaml, troubleshooting_trees/.",
        Path,
    ),
    Setting(
        "INDEX_DIR",
        lambda s: s["INSTANCE_DIR"] / "index",
        "Where build_index.py publishes builds and the site reads them.",
        Path,
    ),
    Setting(
        "DATABASE_URL",
        lambda s: f"sqlite:///{s['INSTANCE_DIR'] / 'portal.sqlite3'}",
        "SQLAlchemy URL of the database for votes, events and tickets; "
        "postgresql://... when the portal runs on several machines.",
    ),
    Setting(
        "AUTO_MIGRATE",
        lambda s: True,
        "Apply database migrations when the app starts (workers starting together take turns). "
        "Set to false to run flask --app portal db-upgrade yourself.",
        _bool,
    ),
    Setting(
        "RATELIMIT_ENABLED",
        lambda s: True,
        "Limit how often one client may vote or send other forms; a limited client sees a 429 page.",
        _bool,
    ),
    Setting(
        "RATELIMIT_STORAGE_URI",
        lambda s: "memory://",
        "Where rate-limit counters live. memory:// counts per worker process (so N workers allow N times "
        "the limit); redis://127.0.0.1:6379 makes limits hold across workers and machines.",
    ),
    Setting(
        "SECRET_KEY",
        lambda s: None,
        "Signs sessions and CSRF tokens. When unset, a random key is generated once and "
        "kept in INSTANCE_DIR/secret_key, so sessions survive restarts.",
    ),
    Setting("SITE_NAME", lambda s: "Harbor Fibre Help Centre", "The help center's name, shown in every page title."),
    Setting(
        "SUPPORT_EMAIL", lambda s: "support@harborfibre.example", "Shown to customers as the way to reach a person."
    ),
    Setting(
        "RANKING_CACHE_SECONDS",
        lambda s: 300.0,
        "How long each worker keeps the FAQ and popular-article rankings before scoring them again "
        "from the view and vote counters (0: every request).",
        float,
    ),
    Setting(
        "SITE_URL",
        lambda s: "",
        "The public address of the site (https://help.example.com), used for absolute URLs in the sitemap, "
        "robots.txt, OpenSearch and canonical links. When unset, the address each request came to.",
        _site_url,
    ),
)


def from_environment(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every setting's value: ``overrides`` (a test's mapping) first, then the
    environment variable when set, else the default. Defaults may depend on
    settings declared before them, overridden ones included, so a test that moves
    INSTANCE_DIR also moves the index and the database with it."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.env)
        if setting.name in overrides:
            value = overrides[setting.name]
            # A test may pass "/tmp/x" where a Path is meant.
            values[setting.name] = setting.parse(value) if isinstance(value, str) else value
        else:
            values[setting.name] = setting.parse(raw) if raw not in (None, "") else setting.default(values)
    return {**overrides, **values}


def persisted_secret_key(instance_dir: Path) -> str:
    """The generated secret key, created on first use and never overwritten.

    ``O_EXCL`` makes the creation safe when several workers start at once: one
    creates the file, the others read it.
    """
    path = instance_dir / "secret_key"
    instance_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text(encoding="utf-8").strip()
            if key:
                return key
            import time

            time.sleep(0.01)  # the creating worker has not written it yet
        raise RuntimeError(f"{path} is empty; delete it to generate a new key") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
