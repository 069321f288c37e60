"""No ticket is ever lost: concurrent customers against a real gunicorn with
several workers, on SQLite and on PostgreSQL.

Each simulated customer is a separate client with its own cookies and CSRF
token. It keeps a ledger of the references its acknowledgement pages showed;
afterwards the ledgers are reconciled with the database: every acknowledged
reference is stored exactly once, with its acknowledgement email queued, and
nothing is stored that no customer was shown. Every form is also sent a second
time (at the same moment as the first, like a double click, or after it, like
Back and Send) and must come back with the same reference.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from gunicorn_server import GUNICORN, serving
from sqlalchemy import create_engine, func, select

from portal import create_app, db
from portal.models import OutboxMessage, Ticket

pytestmark = pytest.mark.skipif(not GUNICORN.exists(), reason="gunicorn is not installed (pip install .[serve])")

CLIENTS = 12
TICKETS_EACH = 5  # 60 tickets, and as many repeated submissions
REFERENCE = re.compile(r'<bdi dir="ltr" class="reference">([^<]+)</bdi>')
TIMEOUT = 30


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the client reads the 303 itself


@dataclass
class Customer:
    """One browser: its own cookie jar, and the ledger of what it was shown."""

    base: str
    number: int
    ledger: dict[str, str] = field(default_factory=dict)  # subject -> reference shown
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    def request(self, path: str, data: bytes | None = None) -> tuple[int, dict[str, str], str]:
        req = urllib.request.Request(self.base + path, data=data)
        if data is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=TIMEOUT) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def send(self, body: bytes) -> str | None:
        """Post the form and read the reference off the acknowledgement; retry
        the same form (as a customer would) when the connection fails."""
        for _ in range(3):
            try:
                status, headers, page = self.request("/tickets/new", body)
                if status != 303:
                    self.problems.append(f"post answered {status}: {page[:300]}")
                    return None
                status, _headers, page = self.request(headers["Location"])
                found = REFERENCE.search(page)
                if status != 200 or not found:
                    self.problems.append(f"acknowledgement answered {status}")
                    return None
                return found.group(1)
            except OSError as exc:  # a timeout or a reset: the ticket may or may not exist; send again
                self.problems.append(f"retried after {exc!r}")
        return None

    def _send_into(self, body: bytes, shown: list[str | None], index: int) -> None:
        shown[index] = self.send(body)

    def open_tickets(self) -> None:
        for i in range(TICKETS_EACH):
            page = self.request("/tickets/new")[2]
            form = {name: _hidden(page, name) for name in ("csrf_token", "submission", "tree", "a", "outcome")}
            subject = f"Customer {self.number} ticket {i}"
            form.update(
                name=f"Customer {self.number}",
                email=f"customer{self.number}@example.com",
                category="hub",
                subject=subject,
                description=f"Problem number {i} of customer {self.number}.",
            )
            body = urlencode(form).encode()
            shown: list[str | None] = [None, None]
            if i % 2 == 0:  # a double click: both posts at once
                twin = threading.Thread(target=self._send_into, args=(body, shown, 1))
                twin.start()
                shown[0] = self.send(body)
                twin.join(TIMEOUT * 3)
            else:  # Back, then Send again
                shown[0] = self.send(body)
                shown[1] = self.send(body)
            if shown[0] is None or shown[0] != shown[1]:
                self.problems.append(f"{subject}: the same form was acknowledged as {shown}")
            if shown[0]:
                self.ledger[subject] = shown[0]


def _hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
    return found.group(1) if found else ""


def _run_customers(base: str) -> list[Customer]:
    customers = [Customer(base, n) for n in range(CLIENTS)]
    errors: list[BaseException] = []

    def run(customer: Customer) -> None:
        try:
            customer.open_tickets()
        except BaseException as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in customers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert errors == []
    return customers


def _reconcile(database_url: str, customers: list[Customer]) -> None:
    shown = {subject: ref for c in customers for subject, ref in c.ledger.items()}
    assert [p for c in customers for p in c.problems if not p.startswith("retried")] == []
    assert len(shown) == CLIENTS * TICKETS_EACH
    engine = create_engine(db.make_engine(database_url).url)
    try:
        with engine.connect() as connection:
            stored = {t.subject: t.reference for t in connection.execute(select(Ticket.subject, Ticket.reference))}
            mails = dict(
                connection.execute(
                    select(OutboxMessage.ticket_id, func.count())
                    .where(OutboxMessage.kind == "acknowledgement")
                    .group_by(OutboxMessage.ticket_id)
                ).all()
            )
            ids = dict(connection.execute(select(Ticket.reference, Ticket.id)).all())
            total = connection.execute(select(func.count()).select_from(Ticket)).scalar()
    finally:
        engine.dispose()
    assert total == len(stored) == len(shown)  # stored once each, nothing more
    assert stored == shown  # every acknowledged reference, and nothing unacknowledged
    assert {mails.get(ids[ref]) for ref in stored.values()} == {1}  # each with its one email queued


@pytest.fixture
def site(content_dir: Path, built: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    yield {
        "CONTENT_DIR": str(content_dir),
        "INDEX_DIR": str(built),
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": "noloss",
        "RATELIMIT_ENABLED": "false",  # one address sends everything here
    }


def test_no_ticket_is_lost_on_sqlite(site, tmp_path):
    url = f"sqlite:///{tmp_path / 'noloss.sqlite3'}"
    with serving({**site, "DATABASE_URL": url}, workers=3, threads=2) as base:
        customers = _run_customers(base)
    _reconcile(url, customers)


def test_no_ticket_is_lost_on_postgresql(site, postgres_url):
    with serving({**site, "DATABASE_URL": postgres_url}, workers=3, threads=2) as base:
        customers = _run_customers(base)
    _reconcile(postgres_url, customers)


# --- what PostgreSQL would refuse never reaches it ------------------------------------


@pytest.fixture
def pg_app(postgres_url, content_dir, built, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "pg",
            "SECRET_KEY": "test",
            "DATABASE_URL": postgres_url,
            "RATELIMIT_ENABLED": False,
            "API_KEYS": "pg-test-key-0123456789",
        }
    )
    yield app
    app.extensions["portal.published"].close()
    db.database(app).dispose()


VALID = {
    "name": "Dana Levi",
    "email": "dana@example.com",
    "category": "hub",
    "subject": "Orange light",
    "description": "Orange since this morning.",
}


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_nul_and_lone_surrogates_are_field_errors_on_postgresql(pg_app, bad):
    client = pg_app.test_client()
    for name in (*VALID, "account_number"):
        page = client.get("/tickets/new").get_data(as_text=True)
        form = {**VALID, "csrf_token": _hidden(page, "csrf_token"), "submission": _hidden(page, "submission")}
        form[name] = form.get(name, "HF-1") + bad
        body = urlencode(form, quote_via=lambda s, *a: quote(s, safe="", errors="surrogatepass"))
        response = client.post("/tickets/new", data=body, content_type="application/x-www-form-urlencoded")
        assert response.status_code == 422, name
        assert f'id="{name}-error"' in response.get_data(as_text=True)
        api = client.post(
            "/api/tickets",
            data=json.dumps({**VALID, name: VALID.get(name, "HF-1") + bad}),
            headers={"Authorization": "Bearer pg-test-key-0123456789", "Content-Type": "application/json"},
        )
        assert api.status_code == 422 and name in api.get_json()["fields"]
    with db.database(pg_app).session() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0
