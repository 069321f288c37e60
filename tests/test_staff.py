"""The staff desk: who may see it, how sessions start and end, how sign-in is
throttled, and what agents do with tickets (queue, reply, note, phone tickets,
find by reference), with hostile ticket content on every page."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from flask import url_for
from sqlalchemy import func, select, update

from portal import create_app, db
from portal.models import OutboxMessage, Staff, StaffSession, Ticket, TicketMessage
from portal.staff import accounts, auth
from portal.staff import queue as ticket_queue
from portal.tickets import reference, service
from portal.tickets.sla import DEFAULT

PASSWORD = "harbour-lights-42"
HOSTILE = '<script>alert("x")</script>'
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, shared_build) -> Path:
    """An empty database at the latest migration. Each test gets a copy:
    building and migrating would cost more than most of these tests."""
    root = tmp_path_factory.mktemp("desk")
    template = create_app(settings(root, shared_build))
    template.extensions["portal.published"].close()
    template.extensions["portal.db"].dispose()  # the last connection checkpoints the WAL into the file
    return root / "portal.sqlite3"


def settings(root: Path, index: Path) -> dict:
    return {
        "TESTING": True,
        "CONTENT_DIR": index.parent / "content",
        "INDEX_DIR": index,
        "INSTANCE_DIR": root / "instance",
        "DATABASE_URL": f"sqlite:///{root / 'portal.sqlite3'}",
        "SECRET_KEY": "test",
    }


@pytest.fixture
def app(migrated, shared_build, tmp_path):
    """The app of tests/conftest.py, on the shared build and a copy of the migrated database."""
    shutil.copyfile(migrated, tmp_path / "portal.sqlite3")
    app = create_app(settings(tmp_path, shared_build))
    yield app
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    """scrypt at a low cost: the tests sign in dozens of times."""
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")


def now() -> dt.datetime:
    return auth.utcnow()


def add_staff(app, email="sam@example.com", name="Sam Agent", password=PASSWORD) -> int:
    with app.app_context(), db.database(app).session() as session:
        staff = accounts.create(session, email, name, password, now())
        session.commit()
        return staff.id


def open_ticket(app, opened: dt.datetime | None = None, **changes) -> str:
    values = {
        "name": "Dana Levi",
        "email": "dana@example.com",
        "category": "hub",
        "subject": "Hub light is orange",
        "description": "The light has been orange since this morning.",
    }
    with app.test_request_context(), db.database(app).session() as session:
        ticket = service.open_ticket(session, service.Draft(**{**values, **changes}), DEFAULT, opened or now()).ticket
        session.commit()
        return ticket.reference


def csrf(client) -> str:
    body = client.get("/staff/login", follow_redirects=True).get_data(as_text=True)
    return TOKEN.search(body).group(1)


def login(client, email="sam@example.com", password=PASSWORD, addr="127.0.0.1"):
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf(client), "email": email, "password": password},
        environ_base={"REMOTE_ADDR": addr},
    )


def signed_in(app):
    """A client of ``app`` signed in as the agent :func:`add_staff` creates."""
    client = app.test_client()
    assert login(client).status_code == 303
    return client


def staff_cookie(client) -> str | None:
    cookie = client.get_cookie(auth.COOKIE, path=auth.COOKIE_PATH)
    return cookie.value if cookie else None


def count(app, model) -> int:
    with db.database(app).read_session() as session:
        return session.scalar(select(func.count()).select_from(model))


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.fixture
def agent(app, client) -> int:
    """Sam, signed in on ``client``."""
    staff_id = add_staff(app)
    assert login(client).status_code == 303
    return staff_id


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")]


def url_of(app, rule, ref: str) -> str:
    with app.test_request_context():
        args = {"reference_text": ref} if "reference_text" in rule.arguments else {}
        return url_for(rule.endpoint, **args)


# Who may see the desk ------------------------------------------------------------------


def test_every_staff_url_refuses_an_anonymous_visitor(app, client):
    ref = open_ticket(app, subject="Secret subject")
    token = csrf(client)
    messages_before = count(app, TicketMessage)
    rules = staff_rules(app)
    assert {r.endpoint for r in rules} >= {"staff.queue", "staff.ticket", "staff.reply", "staff.new_ticket"}
    for rule in rules:
        if rule.endpoint == "staff.login":
            continue
        url = url_of(app, rule, ref)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(url)
                assert response.status_code == 302, url
                assert response.location.startswith("/staff/login?next="), url
            else:
                response = client.post(url, data={"csrf_token": token, "body": "hello", "status": "solved"})
                if rule.endpoint == "staff.logout":
                    assert response.status_code == 303 and response.location == "/staff/login"
                else:
                    assert response.status_code == 403, url
            body = response.get_data(as_text=True)
            assert "Secret subject" not in body and "dana@example.com" not in body, url
    assert count(app, TicketMessage) == messages_before
    assert count(app, Ticket) == 1


def test_a_page_asked_for_anonymously_comes_back_after_signing_in(app, client):
    add_staff(app)
    ref = open_ticket(app)
    first = client.get(f"/staff/tickets/{ref}")
    assert first.status_code == 302
    sign_in = client.get(first.location)
    next_value = re.search(r'name="next" type="hidden" value="([^"]+)"', sign_in.get_data(as_text=True)).group(1)
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf(client), "email": "sam@example.com", "password": PASSWORD, "next": next_value},
    )
    assert response.status_code == 303
    assert response.location == f"/staff/tickets/{ref}"


def test_signing_in_never_redirects_off_the_desk(app):
    add_staff(app)
    for target in ("https://evil.example/", "//evil.example/staff", "/articles/x", "/staff\\@evil", "javascript:x"):
        client = app.test_client()
        response = client.post(
            "/staff/login",
            data={"csrf_token": csrf(client), "email": "sam@example.com", "password": PASSWORD, "next": target},
        )
        assert response.status_code == 303
        assert response.location == "/staff", target


def test_every_staff_page_is_never_cached_nor_indexed(app, client, agent):
    ref = open_ticket(app)
    urls = [url_of(app, r, ref) for r in staff_rules(app) if "GET" in r.methods and r.endpoint != "staff.login"]
    for url in [*urls, "/staff/nonexistent", "/staff/tickets/NOPE-NOPE"]:
        response = client.get(url)
        assert response.headers["Cache-Control"] == "no-store", url
        assert "noindex" in response.headers["X-Robots-Tag"], url
    anonymous = client.application.test_client().get("/staff/login")
    assert anonymous.headers["Cache-Control"] == "no-store"


def test_the_desk_shows_who_is_signed_in(app, client, agent):
    body = page(client, "/staff")
    assert "Signed in as <strong>Sam Agent</strong>" in body
    assert "Sign out" in body and 'href="/staff/tickets/new"' in body and 'href="/staff/troubleshooting"' in body


def test_the_session_cookie_is_httponly_strict_and_limited_to_the_desk(app, client):
    add_staff(app)
    response = login(client)
    header = response.headers["Set-Cookie"]
    assert header.startswith(f"{auth.COOKIE}=")
    assert "HttpOnly" in header and "SameSite=Strict" in header and "Path=/staff" in header
    assert "Secure" not in header  # plain http in tests; https sets it
    secure = client.application.test_client()
    response = secure.post(
        "/staff/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/staff/login"},
        data={"csrf_token": csrf(secure), "email": "sam@example.com", "password": PASSWORD},
    )
    assert "Secure" in response.headers["Set-Cookie"]


# Signing in ----------------------------------------------------------------------------


def _login_body(response, email: str) -> str:
    """The page without the parts that differ by design: the email typed, the CSRF token."""
    return TOKEN.sub("", response.get_data(as_text=True).replace(email, "EMAIL"))


def test_unknown_account_wrong_password_and_disabled_account_look_and_cost_the_same(app, monkeypatch):
    add_staff(app)
    add_staff(app, "gone@example.com", "Gone", PASSWORD)
    with app.app_context(), db.database(app).session() as session:
        accounts.disable(session, accounts.find(session, "gone@example.com"))
        session.commit()
    checks = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash", lambda h, p: checks.append(h) or real_check(h, p))
    answers = []
    for email, password in [
        ("nobody@example.com", PASSWORD),
        ("sam@example.com", "not-the-password"),
        ("gone@example.com", PASSWORD),
    ]:
        client = app.test_client()
        checks.clear()
        response = login(client, email, password)
        assert response.status_code == 200
        assert len(checks) == 1  # one scrypt check each time, real or dummy
        assert checks[0].startswith("scrypt:1024:8:1$")
        assert staff_cookie(client) is None
        answers.append(_login_body(response, email))
    assert answers[0] == answers[1] == answers[2]
    assert "don&#39;t match an account" in answers[0]


def test_email_is_case_insensitive_and_sign_in_survives_odd_input(app, client):
    add_staff(app)
    for email, password in [
        ("sam@example.com", "x" * 5000),
        ("sam@example.com", "\ufffdbad"),
        ("\x00sam@example.com", PASSWORD),
        ("", ""),
    ]:
        response = client.post("/staff/login", data={"csrf_token": csrf(client), "email": email, "password": password})
        assert response.status_code == 200
        assert staff_cookie(client) is None
    assert login(client, "  SAM@Example.COM ", PASSWORD).status_code == 303


def test_signing_in_issues_a_new_token_every_time(app, client):
    """Session fixation: a token planted before sign-in never becomes signed in."""
    add_staff(app)
    planted = "planted-by-someone-else"
    client.set_cookie(auth.COOKIE, planted, path=auth.COOKIE_PATH)
    login(client)
    first = staff_cookie(client)
    assert first and first != planted
    login(client)
    second = staff_cookie(client)
    assert second and second != first
    # The browser's earlier session ended with the new sign-in.
    stale = app.test_client()
    stale.set_cookie(auth.COOKIE, first, path=auth.COOKIE_PATH)
    assert stale.get("/staff").status_code == 302
    with db.database(app).read_session() as session:
        hashes = set(session.scalars(select(StaffSession.token_hash)))
    assert hashes == {auth.token_hash(second)}  # the database holds only hashes


def test_logout_ends_the_session_even_for_a_copy_of_the_cookie(app, client, agent):
    copy = app.test_client()
    copy.set_cookie(auth.COOKIE, staff_cookie(client), path=auth.COOKIE_PATH)
    assert copy.get("/staff").status_code == 200
    response = client.post("/staff/logout", data={"csrf_token": csrf(client)})
    assert response.status_code == 303
    assert staff_cookie(client) is None
    assert "You have signed out." in client.get("/staff/login").get_data(as_text=True)
    assert copy.get("/staff").status_code == 302
    assert count(app, StaffSession) == 0


def test_changing_the_password_ends_every_other_session(app, client, agent):
    other = app.test_client()
    login(other)
    new = "a-brand-new-passphrase"
    response = client.post(
        "/staff/password",
        data={"csrf_token": csrf(client), "current": PASSWORD, "new": new, "confirm": new},
    )
    assert response.status_code == 303
    assert client.get("/staff").status_code == 200  # this browser stays signed in, with a new token
    assert other.get("/staff").status_code == 302
    assert login(app.test_client(), password=PASSWORD).status_code == 200
    assert login(app.test_client(), password=new).status_code == 303


def test_a_refused_password_change_says_why_and_changes_nothing(app, client, agent):
    for current, new, confirm, message in [
        ("wrong-password-here", "a-brand-new-passphrase", "a-brand-new-passphrase", "not your current password"),
        (PASSWORD, "short", "short", "at least 12 characters"),
        (PASSWORD, "a-brand-new-passphrase", "a-different-passphrase", "not the same"),
        (PASSWORD, "SAM@example.com", "SAM@example.com", "must not be the email"),
    ]:
        response = client.post(
            "/staff/password", data={"csrf_token": csrf(client), "current": current, "new": new, "confirm": confirm}
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert login(app.test_client()).status_code == 303


def test_disabling_an_account_ends_its_sessions_and_refuses_sign_in(app, client, agent):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["staff", "disable", "sam@example.com"]).exit_code == 0
    assert client.get("/staff").status_code == 302
    response = login(app.test_client())
    assert response.status_code == 200 and "don&#39;t match an account" in response.get_data(as_text=True)
    assert runner.invoke(args=["staff", "enable", "sam@example.com"]).exit_code == 0
    assert login(app.test_client()).status_code == 303


def test_forged_idle_and_too_old_sessions_fail(app, client, agent):
    forged = app.test_client()
    forged.set_cookie(auth.COOKIE, "A" * 43, path=auth.COOKIE_PATH)
    assert forged.get("/staff").status_code == 302
    token_hash = auth.token_hash(staff_cookie(client))
    engine = db.database(app).engine
    for change in (
        {"last_seen": now() - auth.IDLE_TIMEOUT - dt.timedelta(minutes=1)},
        {"created": now() - auth.LIFETIME - dt.timedelta(minutes=1), "last_seen": now()},
    ):
        login(client)
        token_hash = auth.token_hash(staff_cookie(client))
        with engine.begin() as connection:
            connection.execute(update(StaffSession).where(StaffSession.token_hash == token_hash).values(**change))
        assert client.get("/staff").status_code == 302
        assert count(app, StaffSession) == 0  # the expired row is deleted


def test_last_seen_is_written_at_most_once_a_minute(app, client, agent):
    token_hash = auth.token_hash(staff_cookie(client))
    engine = db.database(app).engine

    def last_seen_after_visit(ago: dt.timedelta) -> dt.datetime:
        before = now() - ago
        with engine.begin() as connection:
            connection.execute(
                update(StaffSession).where(StaffSession.token_hash == token_hash).values(last_seen=before)
            )
        client.get("/staff")
        with engine.connect() as connection:
            return connection.scalar(select(StaffSession.last_seen).where(StaffSession.token_hash == token_hash))

    recent = now() - dt.timedelta(seconds=20)
    assert last_seen_after_visit(dt.timedelta(seconds=20)) <= recent + dt.timedelta(seconds=1)
    assert last_seen_after_visit(dt.timedelta(minutes=5)) > now() - dt.timedelta(minutes=1)


# Throttling ----------------------------------------------------------------------------


def test_failures_per_account_and_address_are_limited_without_locking_the_agent_out(app):
    add_staff(app)
    add_staff(app, "kim@example.com", "Kim", PASSWORD)
    guesser = app.test_client()
    for _ in range(5):
        assert login(guesser, "sam@example.com", "wrong-guess-here", addr="10.0.0.1").status_code == 200
    refused = login(guesser, "sam@example.com", PASSWORD, addr="10.0.0.1")
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "Too many failed sign-ins" in body and "Staff sign-in" in body
    assert 'value="sam@example.com"' in body  # what was typed is kept
    assert "Harbor Fibre Help Centre" in body  # in the site's layout
    assert int(refused.headers["Retry-After"]) > 0
    assert staff_cookie(guesser) is None
    # Another account from the same address, and Sam from another address, still get in.
    assert login(app.test_client(), "kim@example.com", PASSWORD, addr="10.0.0.1").status_code == 303
    assert login(app.test_client(), "sam@example.com", PASSWORD, addr="10.0.0.2").status_code == 303


def test_failures_per_address_are_limited_across_accounts(app):
    add_staff(app)
    guesser = app.test_client()
    for n in range(10):
        assert login(guesser, f"guess{n}@example.com", "wrong-guess-here", addr="10.0.1.1").status_code == 200
    assert login(guesser, "sam@example.com", PASSWORD, addr="10.0.1.1").status_code == 429
    assert login(app.test_client(), "sam@example.com", PASSWORD, addr="10.0.1.2").status_code == 303


def test_a_successful_sign_in_forgives_earlier_typos(app):
    add_staff(app)
    client = app.test_client()
    for _ in range(4):
        login(client, password="typo-typo-typo", addr="10.0.2.1")
    assert login(client, addr="10.0.2.1").status_code == 303
    for _ in range(4):
        assert login(app.test_client(), password="typo-typo-typo", addr="10.0.2.1").status_code == 200
    assert login(app.test_client(), addr="10.0.2.1").status_code == 303


# CSRF ------------------------------------------------------------------------------------


def test_every_post_needs_a_csrf_token(app, client, agent):
    ref = open_ticket(app)
    before = (count(app, TicketMessage), count(app, OutboxMessage), count(app, Ticket))
    for rule in staff_rules(app):
        if "POST" not in rule.methods:
            continue
        url = url_of(app, rule, ref)
        for token in (None, "forged-token"):
            data = {"body": "hello", "status": "solved", "email": "sam@example.com", "password": PASSWORD}
            if token:
                data["csrf_token"] = token
            response = client.post(url, data=data)
            assert response.status_code == 400, url
    assert (count(app, TicketMessage), count(app, OutboxMessage), count(app, Ticket)) == before
    assert client.get("/staff").status_code == 200  # the logout post without a token did nothing


def test_a_reply_refused_for_its_token_keeps_the_text(app, client, agent):
    ref = open_ticket(app)
    response = client.post(f"/staff/tickets/{ref}/reply", data={"body": "My careful answer"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "My careful answer" in body and "open for a long time" in body


# The queue -------------------------------------------------------------------------------


def refs_in(body: str) -> list[str]:
    return re.findall(r'<bdi dir="ltr" class="reference">([A-Z0-9-]+)</bdi></a>', body)


@pytest.fixture
def tickets(app, agent):
    """Normal-priority tickets (first response within 8 hours, due-soon window 2 hours)."""
    t = now()
    made = {
        "breached": open_ticket(app, t - dt.timedelta(hours=9), subject="Breached one"),
        "due-soon": open_ticket(app, t - dt.timedelta(hours=7), subject="Due soon one", category="account"),
        "ok": open_ticket(app, t - dt.timedelta(minutes=10), subject="Fine one", priority="high"),
        "solved": open_ticket(app, t - dt.timedelta(hours=30), subject="Old solved one"),
    }
    with app.test_request_context(), db.database(app).session() as session:
        solved = service.find(session, made["solved"])
        staff = session.get(Staff, agent)
        service.update(session, solved, staff, t - dt.timedelta(hours=29), DEFAULT, status="solved")
        ok = service.find(session, made["ok"])
        service.update(session, ok, staff, t, DEFAULT, assignee=staff)
        session.commit()
    return made


def test_the_queue_counts_and_highlights_sla_breaches(client, tickets):
    body = page(client, "/staff")
    assert re.search(r"<strong>1</strong> breached", body)
    assert re.search(r"<strong>1</strong> due soon", body)
    assert refs_in(body) == [tickets["breached"], tickets["due-soon"], tickets["ok"]]  # open ones, due first
    row = body[body.index(tickets["breached"]) - 300 : body.index(tickets["breached"])]
    assert 'class="sla-breached"' in row


def test_queue_filters_and_sorting(client, tickets):
    for query, expected in [
        ("sla=breached", ["breached"]),
        ("sla=due-soon", ["due-soon"]),
        ("status=solved", ["solved"]),
        ("status=any&sort=created", ["ok", "due-soon", "breached", "solved"]),
        ("status=any&sort=updated", ["ok", "due-soon", "breached", "solved"]),
        ("category=account", ["due-soon"]),
        ("priority=high", ["ok"]),
        ("assignee=me", ["ok"]),
        ("assignee=unassigned", ["breached", "due-soon"]),
        ("sort=priority", ["ok", "breached", "due-soon"]),
        ("status=closed", []),
        ("status=<script>&sort=../../etc&page=-4&sla=%00&category=../x", ["breached", "due-soon", "ok"]),
    ]:
        assert refs_in(page(client, f"/staff?{query}")) == [tickets[name] for name in expected], query


def test_the_queue_is_paginated(app, client, agent, monkeypatch):
    monkeypatch.setattr(ticket_queue, "PER_PAGE", 2)
    made = [open_ticket(app, now() - dt.timedelta(minutes=n)) for n in range(5)]
    oldest_first = list(reversed(made))
    first = page(client, "/staff")
    assert refs_in(first) == oldest_first[:2]
    assert "page 1 of 3" in first and 'rel="next" href="/staff?page=2"' in first
    assert refs_in(page(client, "/staff?page=3")) == oldest_first[4:]
    assert refs_in(page(client, "/staff?page=99")) == oldest_first[4:]  # past the end: the last page


def check_sql_sla_agrees_with_sla_state(app, staff_id: int) -> None:
    """Every combination of met, late and pending targets, classified by SQL and by Python."""
    t = now()
    hour = dt.timedelta(hours=1)
    opened_at = [t - 100 * hour, t - 9 * hour, t - 7 * hour, t - 71 * hour, t - hour]
    with app.test_request_context(), db.database(app).session() as session:
        made = []
        for opened in opened_at:
            for first in (None, opened + hour, opened + 9 * hour):
                for solved in (None, opened + 2 * hour, opened + 80 * hour):
                    if (first and first > t) or (solved and solved > t):
                        continue
                    ticket = service.open_ticket(
                        session, service.Draft("A", "a@example.com", "hub", "S", "D"), DEFAULT, opened
                    ).ticket
                    ticket.first_response, ticket.solved = first, solved
                    made.append(ticket)
        session.commit()
        states = {ticket.id: service.sla_state(ticket, DEFAULT, t) for ticket in made}
        for name in ("breached", "due-soon"):
            stmt = ticket_queue.query(ticket_queue.Filters(status="any", sla=name), staff_id, t, DEFAULT)
            found = {ticket.id for ticket in session.scalars(stmt)}
            assert found == {tid for tid, state in states.items() if state == name}, name
        counts = ticket_queue.sla_counts(session, t, DEFAULT)
        open_states = [states[ticket.id] for ticket in made if ticket.status in service.OPEN_STATUSES]
        assert counts == ticket_queue.SlaCounts(open_states.count("breached"), open_states.count("due-soon"))
    assert {"breached", "due-soon", "ok", "met"} <= set(states.values())


def test_the_sql_sla_filters_agree_with_sla_state(app, agent):
    check_sql_sla_agrees_with_sla_state(app, agent)


def test_the_desk_on_postgresql(postgres_url, shared_build, tmp_path):
    """Sessions, the queue's SQL and a reply on PostgreSQL."""
    app = create_app({**settings(tmp_path, shared_build), "DATABASE_URL": postgres_url})
    try:
        staff_id = add_staff(app)
        client = app.test_client()
        assert login(client).status_code == 303
        check_sql_sla_agrees_with_sla_state(app, staff_id)
        ref = open_ticket(app, subject="On PostgreSQL")
        assert ref in page(client, "/staff?sort=priority")
        reply = client.post(f"/staff/tickets/{ref}/reply", data={"csrf_token": csrf(client), "body": "Hello."})
        assert reply.status_code == 303
        assert client.post("/staff/logout", data={"csrf_token": csrf(client)}).status_code == 303
        assert client.get("/staff").status_code == 302
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


# A ticket ----------------------------------------------------------------------------------


def test_the_ticket_page_shows_facts_context_and_history(app, client, agent):
    context = {
        "searches": [{"query": "orange light", "results": 3}, {"query": "no internet", "results": 0}],
        "articles": [{"slug": "harbor-hub-lights", "title": "What the lights on your Harbor Hub mean"}],
        "tree": {
            "tree_id": "hub-light",
            "tree_title": "Fix your Hub light",
            "steps": [{"question": "What colour is the light?", "answer": "Orange"}],
            "ended": "We'll take it from here.",
            "reason": "Hub light orange or red after a restart",
        },
    }
    ref = open_ticket(app, context=context, product="Harbor Hub 2", account_number="HF-1234")
    body = page(client, f"/staff/tickets/{ref}")
    for text in (
        f'<bdi dir="ltr" class="reference">{ref}</bdi>',
        "orange light",
        "3 results",
        "0 results",
        'href="/articles/harbor-hub-lights"',
        "Fix your Hub light",
        "What colour is the light?",
        "Orange",
        "Hub light orange or red after a restart",
        "Harbor Hub 2",
        "HF-1234",
        "First response due",
        "The light has been orange since this morning.",
    ):
        assert text in body, text


def test_a_malformed_context_never_breaks_the_ticket_page(app, client, agent):
    ref = open_ticket(app)
    for context in (None, [], "text", 7, {"searches": "x", "articles": [1, None, {}], "tree": ["a"], "extra": [1]}):
        with db.database(app).engine.begin() as connection:
            connection.execute(update(Ticket).where(Ticket.reference == ref).values(context=context))
        assert "What they tried" in page(client, f"/staff/tickets/{ref}")


def test_a_reply_is_emailed_and_meets_the_first_response(app, client, agent):
    ref = open_ticket(app)
    response = client.post(
        f"/staff/tickets/{ref}/reply", data={"csrf_token": csrf(client), "body": "Try the red button."}
    )
    assert response.status_code == 303 and response.location == f"/staff/tickets/{ref}"
    body = page(client, response.location)
    assert "Reply sent to dana@example.com" in body
    assert "Try the red button." in body
    with db.database(app).read_session() as session:
        ticket = service.find(session, ref)
        assert ticket.first_response is not None and ticket.status == "pending"
        mail = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "reply")).one()
        assert mail.recipient == "dana@example.com" and "Try the red button." in mail.body_text


def test_a_reply_can_solve_the_ticket(app, client, agent):
    ref = open_ticket(app)
    client.post(f"/staff/tickets/{ref}/reply", data={"csrf_token": csrf(client), "body": "Fixed.", "status": "solved"})
    with db.database(app).read_session() as session:
        assert service.find(session, ref).status == "solved"


def test_an_internal_note_is_never_shown_to_the_customer(app, client, agent):
    ref = open_ticket(app)
    response = client.post(f"/staff/tickets/{ref}/note", data={"csrf_token": csrf(client), "body": "Called the depot."})
    assert response.status_code == 303
    body = page(client, f"/staff/tickets/{ref}")
    assert "Internal note added." in body and "Called the depot." in body and "message-note" in body
    with app.test_request_context(), db.database(app).read_session() as session:
        ticket = service.find(session, ref)
        assert "Called the depot." not in [m.body for m in service.messages(session, ticket, internal=False)]
        assert (
            session.scalar(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind != "acknowledgement")
            )
            == 0
        )
        assert ticket.first_response is None


def test_an_empty_or_hostile_reply_or_note_is_a_field_error(app, client, agent):
    ref = open_ticket(app)
    for action in ("reply", "note"):
        for body in ("", "   ", "a\x00b", "\ufffd", "x" * 10_001):
            response = client.post(f"/staff/tickets/{ref}/{action}", data={"csrf_token": csrf(client), "body": body})
            assert response.status_code == 400
            assert 'class="field-error"' in response.get_data(as_text=True)
    assert count(app, OutboxMessage) == 1  # the acknowledgement only
    assert count(app, TicketMessage) == 1  # the description only


def test_status_priority_and_assignee_changes_are_logged(app, client, agent):
    add_staff(app, "kim@example.com", "Kim Colleague", PASSWORD)
    ref = open_ticket(app)
    with db.database(app).read_session() as session:
        kim = accounts.find(session, "kim@example.com").id
    data = {"csrf_token": csrf(client), "status": "open", "priority": "urgent", "assignee": str(kim)}
    assert client.post(f"/staff/tickets/{ref}/update", data=data).status_code == 303
    body = page(client, f"/staff/tickets/{ref}")
    assert "Ticket updated." in body
    for entry in (
        "Status changed from New to Open by Sam Agent",
        "Priority changed from Normal to Urgent",
        "Assigned to Kim Colleague",
    ):
        assert entry in body
    with db.database(app).read_session() as session:
        ticket = service.find(session, ref)
        assert (ticket.status, ticket.priority, ticket.assignee_id) == ("open", "urgent", kim)
        assert ticket.first_response_due == ticket.created + dt.timedelta(hours=1)
    again = client.post(f"/staff/tickets/{ref}/update", data=data, follow_redirects=True)
    assert "Nothing to change." in again.get_data(as_text=True)
    data["assignee"] = "999"
    assert client.post(f"/staff/tickets/{ref}/update", data=data).status_code == 400


def test_each_form_on_the_ticket_page_labels_its_own_fields(app, client, agent):
    """The reply and the note both have a body, the reply and the sidebar both
    a status: with one id for two fields, the "Note" label and its hint named
    the reply box, so a screen reader read the internal note out as "Emailed
    to the customer" (found by tests/browser/test_ticket_journey_browser.py)."""
    ref = open_ticket(app)
    shown = client.get(f"/staff/tickets/{ref}").get_data(as_text=True)
    refused = client.post(f"/staff/tickets/{ref}/note", data={"csrf_token": csrf(client), "body": " "})
    for body in (shown, refused.get_data(as_text=True)):
        ids = re.findall(r'\sid="([^"]+)"', body)
        assert sorted({i for i in ids if ids.count(i) > 1}) == []
        note = body[body.index('id="note-heading"') :]
        label = re.search(r'<label for="([^"]+)">Note</label>', note).group(1)
        described = re.search(rf'<textarea[^>]*aria-describedby="([^"]+)"[^>]*id="{label}"', note).group(1)
        assert "Only staff see notes." in note[note.index(f'id="{described.split()[0]}"') :][:80]
    assert "Write the note first." in refused.get_data(as_text=True)


def test_an_unknown_or_malformed_reference_is_a_friendly_404(app, client, agent):
    for url in ("/staff/tickets/K7QM-4DXP", "/staff/tickets/nonsense", "/staff/tickets/%00"):
        response = client.get(url)
        assert response.status_code == 404
        assert "We couldn" in response.get_data(as_text=True)


# Call centre -------------------------------------------------------------------------------


def phone_form(client, **changes) -> dict[str, str]:
    body = page(client, "/staff/tickets/new")
    submission = re.search(r'id="submission" name="submission" type="hidden" value="([^"]+)"', body).group(1)
    return {
        "csrf_token": csrf(client),
        "submission": submission,
        "name": "Caller Name",
        "email": "caller@example.com",
        "category": "account",
        "priority": "",
        "subject": "Cannot sign in",
        "description": "Locked out after a password reset.",
        **changes,
    }


def test_an_agent_opens_a_ticket_for_a_caller_once(app, client, agent):
    data = phone_form(client)
    response = client.post("/staff/tickets/new", data=data)
    assert response.status_code == 303
    again = client.post("/staff/tickets/new", data=data)  # a double click
    assert again.location == response.location
    with db.database(app).read_session() as session:
        [ticket] = session.scalars(select(Ticket))
        assert (ticket.channel, ticket.opened_by_id, ticket.name) == ("phone", agent, "Caller Name")
        assert session.scalars(select(OutboxMessage.kind)).all() == ["acknowledgement"]
    body = page(client, response.location)
    assert f"Ticket {ticket.reference} opened" in body and "opened by Sam Agent" in body


def test_a_bad_phone_ticket_is_a_field_error_that_keeps_what_was_typed(app, client, agent):
    for field, value, message in [
        ("subject", "Hello\r\nBcc: victim@example.com", "one line"),
        ("email", "caller@example.com\nBcc: victim@example.com", "one line"),
        ("name", "Ca\x00ller", "control characters"),
        ("email", "not-an-email", "email address"),
        ("subject", "x" * 151, "150"),
        ("category", "no-such-category", "topics in the list"),
        ("priority", "whenever", "Not a valid choice"),
        ("description", "", "Please describe what"),
    ]:
        data = phone_form(client, **{"account_number": "HF-2041-7785", field: value})
        response = client.post("/staff/tickets/new", data=data)
        assert response.status_code == 400, field
        body = response.get_data(as_text=True)
        assert message in body, field
        assert 'value="HF-2041-7785"' in body
        assert field == "description" or "Locked out after a password reset." in body
    assert count(app, Ticket) == 0


def swap(ref: str, i: int) -> str:
    chars = list(ref.replace("-", ""))
    chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def test_find_a_ticket_by_the_reference_a_caller_reads_out(app, client, agent):
    ref = open_ticket(app)
    spoken = " ".join(ref.replace("-", "").lower())
    response = client.get("/staff/find", query_string={"reference": spoken})
    assert response.status_code == 303 and response.location == f"/staff/tickets/{ref}"
    compact = ref.replace("-", "")
    wrong = compact[:2] + next(c for c in reference.ALPHABET if c != compact[2]) + compact[3:]
    swapped = next(swap(ref, i) for i in range(7) if compact[i] != compact[i + 1])
    for typed in (wrong, swapped):
        body = client.get("/staff/find", query_string={"reference": typed}).get_data(as_text=True)
        assert "typing mistake" in body
    assert "isn&#39;t a ticket reference" in client.get("/staff/find?reference=H0LA-1234").get_data(as_text=True)
    unknown = reference.generate()
    missing = client.get("/staff/find", query_string={"reference": unknown})
    assert missing.status_code == 404 and "No ticket has this reference" in missing.get_data(as_text=True)


# Hostile content ---------------------------------------------------------------------------


def test_hostile_ticket_content_is_escaped_on_every_staff_page(app, client, agent):
    ref = open_ticket(
        app,
        name=HOSTILE,
        subject=HOSTILE,
        description=HOSTILE,
        product=HOSTILE,
        context={
            "searches": [{"query": HOSTILE, "results": 1}, HOSTILE],
            "articles": [{"slug": HOSTILE, "title": HOSTILE}],
            "tree": {"tree_title": HOSTILE, "steps": [{"question": HOSTILE, "answer": HOSTILE}], "ended": HOSTILE},
            HOSTILE: HOSTILE,
        },
    )
    client.post(f"/staff/tickets/{ref}/note", data={"csrf_token": csrf(client), "body": HOSTILE})
    urls = [
        "/staff",
        "/staff?status=any",
        f"/staff/tickets/{ref}",
        f"/staff/find?reference={HOSTILE}",
        "/staff/troubleshooting?since=" + HOSTILE,
    ]
    for url in urls:
        body = page(client, url)
        assert "<script>alert" not in body, url
        assert "&lt;script&gt;alert" in body, url


# Troubleshooting report ----------------------------------------------------------------------


def test_the_troubleshooting_report_is_on_the_desk(app, client, agent):
    from portal.tree_analytics import record_walk
    from portal.tree_walk import follow

    with app.test_request_context():
        from portal.published import current

        tree = next(t for t in current().catalog.collection("trees") if t["id"] == "hub-light")
        with db.database(app).session() as session:
            record_walk(session, tree, follow(tree, ["orange", "solved"]), "walk-1", now())
            session.commit()
    body = page(client, "/staff/troubleshooting")
    assert "Fix your Hub light" in body
    assert re.search(r'<td class="num">1 <span class="muted">\(100.0%\)</span></td>', body)
    assert "is not a date" in page(client, "/staff/troubleshooting?since=yesterday")
    assert "comes before the start date" in page(client, "/staff/troubleshooting?since=2026-05-02&until=2026-05-01")


# The command line ----------------------------------------------------------------------------


def test_staff_accounts_from_the_command_line(app):
    runner = app.test_cli_runner()
    created = runner.invoke(
        args=["staff", "create", "Sam@Example.com", "--name", "Sam Agent"], input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert created.exit_code == 0, created.output
    assert "created sam@example.com" in created.output
    assert PASSWORD not in created.output  # the prompt hides it
    duplicate = runner.invoke(
        args=["staff", "create", "sam@EXAMPLE.com", "--name", "Sam", "--password-stdin"], input=f"{PASSWORD}\n"
    )
    assert duplicate.exit_code == 1 and "already an account" in duplicate.output
    short = runner.invoke(
        args=["staff", "create", "kim@example.com", "--name", "Kim", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 1 and "at least 12 characters" in short.output
    same = runner.invoke(
        args=["staff", "create", "kim@example.com", "--name", "Kim", "--password-stdin"], input="KIM@example.com\n"
    )
    assert same.exit_code == 1 and "must not be the email" in same.output
    mismatch = runner.invoke(
        args=["staff", "create", "kim@example.com", "--name", "Kim"], input=f"{PASSWORD}\nsomething-else-x\n"
    )
    assert mismatch.exit_code != 0
    bad_email = runner.invoke(
        args=["staff", "create", "not an email", "--name", "X", "--password-stdin"], input=f"{PASSWORD}\n"
    )
    assert bad_email.exit_code == 1 and "email address" in bad_email.output

    client = app.test_client()
    assert login(client).status_code == 303
    new = "another-good-passphrase"
    changed = runner.invoke(args=["staff", "password", "sam@example.com", "--password-stdin"], input=f"{new}\n")
    assert changed.exit_code == 0, changed.output
    assert client.get("/staff").status_code == 302  # signed out everywhere
    assert login(app.test_client(), password=new).status_code == 303

    assert runner.invoke(args=["staff", "disable", "SAM@example.com"]).exit_code == 0
    listed = runner.invoke(args=["staff", "list"])
    assert "sam@example.com" in listed.output and "disabled" in listed.output and "Sam Agent" in listed.output
    assert runner.invoke(args=["staff", "enable", "sam@example.com"]).exit_code == 0
    assert "active" in runner.invoke(args=["staff", "list"]).output
    unknown = runner.invoke(args=["staff", "disable", "who@example.com"])
    assert unknown.exit_code == 1 and "no staff account for who@example.com" in unknown.output


def test_the_list_command_without_accounts(app):
    assert "no staff accounts yet" in app.test_cli_runner().invoke(args=["staff", "list"]).output
