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


SMTP_SECURITY = ("none", "starttls", "ssl")
SMTP_DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}


def _smtp_security(text: str) -> str:
    value = text.strip().lower()
    if value not in SMTP_SECURITY:
        raise ValueError(f"{PREFIX}SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {text!r}")
    return value


def _port(text: str) -> int:
    if not text.strip().isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"{PREFIX}SMTP_PORT must be a port number, not {text!r}")
    return int(text)


def _mail_from(text: str) -> str:
    """One address, with or without a display name. Checked at start-up: a bad
    sender would only show up later, as every email failing in the outbox."""
    from email.headerregistry import Address
    from email.utils import parseaddr

    problem = f"{PREFIX}MAIL_FROM must be an address such as Help <help@example.com>, not {text!r}"
    _name, addr = parseaddr(text)
    if "@" not in addr or any(ch in text for ch in "\r\n"):
        raise ValueError(problem)
    try:
        Address(addr_spec=addr)  # what a mail server would refuse
    except Exception as exc:  # email.errors.HeaderParseError is not a ValueError
        raise ValueError(problem) from exc
    return text.strip()


API_KEY_MIN_LENGTH = 16


def _api_keys(text: str) -> tuple[str, ...]:
    """The keys, checked at start-up: a short key can be guessed, and a typo
    that leaves one empty must not turn into a key anyone can send."""
    keys = tuple(key.strip() for key in text.split(",") if key.strip())
    if any(len(key) < API_KEY_MIN_LENGTH for key in keys):
        raise ValueError(f"{PREFIX}API_KEYS: each key must have at least {API_KEY_MIN_LENGTH} characters")
    return keys


def _days(text: str, name: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"{PREFIX}{name} must be a whole number of days, 1 or more, not {text!r}")
    return int(text)


def _rate_limit(text: str) -> str:
    from limits import parse_many

    try:
        parse_many(text)
    except ValueError as exc:
        raise ValueError(f"{PREFIX}TICKET_RATE_LIMIT must look like '5 per minute; 30 per hour': {exc}") from exc
    return text.strip()


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
        "robots.txt, OpenSearch, canonical links and emails. When unset, the address each request came to "
        "(emails: only a loopback one).",
        _site_url,
    ),
    # Tickets from customers (portal/views/tickets.py, POST /api/tickets).
    Setting(
        "API_KEYS",
        lambda s: (),
        "Comma-separated keys that may open tickets through POST /api/tickets, sent as "
        "Authorization: Bearer KEY; at least 16 characters each. Empty: that endpoint answers 404.",
        _api_keys,
    ),
    Setting(
        "TICKET_RATE_LIMIT",
        lambda s: "5 per minute; 30 per hour",
        "How many tickets one client (IP address) may send through the form, and through the API, "
        "in Flask-Limiter's notation. Raise it when many customers share one address.",
        _rate_limit,
    ),
    # Outgoing email (portal/tickets/outbox.py): ticket acknowledgements, replies, surveys.
    Setting(
        "SMTP_HOST",
        lambda s: "",
        "The mail server that sends ticket emails. Empty: emails wait in the outbox (nothing is lost) "
        "and flask --app portal send-mail says it is not configured.",
    ),
    Setting(
        "SMTP_SECURITY",
        lambda s: "none",
        "none, starttls (upgrade the connection, usually port 587) or ssl (TLS from the start, usually 465).",
        _smtp_security,
    ),
    Setting(
        "SMTP_PORT",
        lambda s: SMTP_DEFAULT_PORTS[s["SMTP_SECURITY"]],
        "The mail server's port: 25, or 587 with starttls, 465 with ssl, unless set.",
        _port,
    ),
    Setting("SMTP_USERNAME", lambda s: "", "User name for SMTP authentication; empty: no authentication."),
    Setting("SMTP_PASSWORD", lambda s: "", "Password for SMTP authentication."),
    Setting(
        "SMTP_TIMEOUT",
        lambda s: 30.0,
        "Seconds to wait for the mail server before counting an attempt as failed.",
        float,
    ),
    Setting(
        "MAIL_FROM",
        lambda s: f'"{s["SITE_NAME"]}" <{s["SUPPORT_EMAIL"]}>',
        "The sender of ticket emails. Replies go to SUPPORT_EMAIL when it is a different address.",
        _mail_from,
    ),
    Setting(
        "SURVEY_NPS",
        lambda s: False,
        'Also ask "How likely are you to recommend us to a friend?" (0-10, optional) beside the '
        "satisfaction question on the customer's ticket page; the insights dashboard then shows NPS.",
        _bool,
    ),
    # Insights (portal/insights/).
    Setting(
        "EVENT_RETENTION_DAYS",
        lambda s: 90,
        "Days the raw insights events are kept; older days are kept only as daily counts "
        "(flask --app portal insights-rollup deletes them).",
        lambda text: _days(text, "EVENT_RETENTION_DAYS"),
    ),
    Setting(
        "STALE_AFTER_DAYS",
        lambda s: 365,
        "An article not updated for more days than this is marked stale in the insights "
        "and listed by the content-health report (flask content-report, /staff/content).",
        lambda text: _days(text, "STALE_AFTER_DAYS"),
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
