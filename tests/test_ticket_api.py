"""POST /api/tickets: the API key, validation shared with the web form, the
limits, idempotent retries, and every real response checked against the
OpenAPI document."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select
from test_api import REGISTRY, URN, assert_documented

from portal import create_app, db
from portal.i18n import LANGUAGES
from portal.models import OutboxMessage, Ticket, TicketMessage
from portal.tickets import forms, reference

PATH = "/api/tickets"
KEY = "app-key-0123456789abcdef"
OTHER_KEY = "widget-key-0123456789abcdef"
TICKET = {
    "name": "Dana Levi",
    "email": "dana@example.com",
    "category": "account",
    "subject": "Locked out of My Harbor",
    "description": "It says my account is locked.",
}


@pytest.fixture
def api_app(content_dir, built, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "api",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite3'}",
            "SECRET_KEY": "test",
            "API_KEYS": f"{KEY}, {OTHER_KEY}",
            "TICKET_RATE_LIMIT": "30 per minute",
        }
    )
    yield app
    app.extensions["portal.published"].close()
    db.database(app).dispose()


@pytest.fixture
def api(api_app):
    return api_app.test_client()


def post(client, body: object = None, key: str | None = KEY, idempotency: str | None = None, raw: bytes | None = None):
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    if idempotency is not None:
        headers["Idempotency-Key"] = idempotency
    data = raw if raw is not None else json.dumps(TICKET if body is None else body)
    response = client.post(PATH, data=data, headers=headers)
    assert_documented(response, PATH, "post")
    return response


def tickets(app) -> list[Ticket]:
    with db.database(app).session() as session:
        return list(session.scalars(select(Ticket)))


def count(app, model) -> int:
    with db.database(app).session() as session:
        return len(list(session.scalars(select(model))))


def test_without_api_keys_the_endpoint_does_not_exist(client, app):
    response = post(client)
    assert response.status_code == 404 and response.get_json()["ok"] is False
    assert tickets(app) == []


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", f"Basic {KEY}", "Bearer wrong-key-0123456789", f"Bearer {KEY[:-1]}", KEY],
)
def test_a_valid_key_is_required(api_app, api, authorization):
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = api.post(PATH, data=json.dumps(TICKET), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_documented(response, PATH, "post")
    assert tickets(api_app) == []


def test_a_ticket_is_opened_and_acknowledged(api_app, api):
    response = post(api)
    assert response.status_code == 201
    body = response.get_json()
    [ticket] = tickets(api_app)
    assert body["reference"] == ticket.reference and reference.parse(body["reference"]).ok
    assert body["status"] == "new"
    assert body["first_response_due"] == ticket.first_response_due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["status_url"].startswith("http://localhost/tickets/")
    assert ticket.channel == "api" and ticket.email == "dana@example.com"
    assert count(api_app, TicketMessage) == 1 and count(api_app, OutboxMessage) == 1
    assert api.get(body["status_url"].removeprefix("http://localhost")).status_code == 200


def mails(app) -> list[OutboxMessage]:
    with db.database(app).session() as session:
        return list(session.scalars(select(OutboxMessage)))


@pytest.mark.parametrize(
    ("lang", "greeting", "thanks"),
    [
        ("he", "שלום", "תודה שפניתם"),
        ("fa", "سلام", "از اینکه با"),
    ],
)
def test_a_ticket_in_the_customers_language_is_acknowledged_in_it(api_app, api, lang, greeting, thanks):
    response = post(api, {**TICKET, "lang": lang})  # the response is checked against the document
    assert response.status_code == 201
    assert response.get_json()["status_url"].startswith(f"http://localhost/{lang}/tickets/view/")
    [ticket] = tickets(api_app)
    assert (ticket.lang, ticket.channel) == (lang, "api")
    [mail] = mails(api_app)
    assert (mail.kind, mail.lang) == ("acknowledgement", lang)
    assert greeting in mail.body_text and thanks in mail.body_text and "Hello" not in mail.body_text
    assert f"http://localhost/{lang}/tickets/view/" in mail.body_text
    assert f'<html lang="{lang}" dir="rtl">' in mail.body_html


def test_the_document_describes_lang_as_the_api_checks_it():
    request = Draft202012Validator({"$ref": f"{URN}#/components/schemas/TicketRequest"}, registry=REGISTRY)
    for lang in LANGUAGES:
        assert request.is_valid({**TICKET, "lang": lang})
    for wrong in ("de", "he-IL", "", ["fa"]):
        assert not request.is_valid({**TICKET, "lang": wrong})


def test_without_lang_the_ticket_and_its_email_are_english(api_app, api):
    assert post(api).status_code == 201
    [ticket], [mail] = tickets(api_app), mails(api_app)
    assert ticket.lang == mail.lang == "en"
    assert mail.body_text.startswith("Hello Dana Levi,") and "http://localhost/tickets/view/" in mail.body_text


def test_either_key_works(api_app, api):
    assert post(api, key=OTHER_KEY).status_code == 201


def test_a_retry_with_the_same_idempotency_key_gives_the_same_ticket(api_app, api):
    first = post(api, idempotency="retry-7f3a")
    again = post(api, idempotency="retry-7f3a")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["reference"] == again.get_json()["reference"]
    assert len(tickets(api_app)) == 1 and count(api_app, OutboxMessage) == 1
    # Another key's client may use the same string for its own ticket.
    other = post(api, key=OTHER_KEY, idempotency="retry-7f3a")
    assert other.status_code == 201 and other.get_json()["reference"] != first.get_json()["reference"]
    # Without a key, every request is a new ticket.
    assert post(api).status_code == 201 and len(tickets(api_app)) == 3


def test_an_idempotency_key_reused_for_a_different_ticket_is_refused(api_app, api):
    post(api, idempotency="once")
    response = post(api, {**TICKET, "subject": "Something else"}, idempotency="once")
    assert response.status_code == 422 and "Idempotency-Key" in response.get_json()["error"]
    assert len(tickets(api_app)) == 1


@pytest.mark.parametrize("idempotency", ["", "x" * 256, "spaces are not allowed", "é"])
def test_a_malformed_idempotency_key_is_a_400(api, idempotency):
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {KEY}"}
    response = api.post(PATH, data=json.dumps(TICKET), headers={**headers, "Idempotency-Key": idempotency})
    assert response.status_code == 400
    assert_documented(response, PATH, "post")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": None}, "name", "Please tell us your name."),
        ({"email": "dana"}, "email", "Enter an email address"),
        ({"email": "dana@example.com\r\nBcc: all@example.com"}, "email", "Please keep this on one line."),
        ({"subject": "Locked\r\nBcc: all@example.com"}, "subject", "Please keep this on one line."),
        ({"name": "Dana\x00"}, "name", "invisible control characters"),
        ({"description": "locked \ud800 out"}, "description", "couldn't be read"),
        ({"subject": "s" * 151}, "subject", "at most 150 characters"),
        ({"category": "no-such-topic"}, "category", "one of the topics"),
        ({"product": "Toaster"}, "product", "one of the products"),
        ({"subject": 42}, "subject", "Must be a string."),
        ({"descripton": "typo"}, "descripton", "Unknown field."),
        ({"lang": "de"}, "lang", "Must be one of en, he, fa."),
        ({"lang": "he-IL"}, "lang", "Must be one of en, he, fa."),
        ({"lang": ""}, "lang", "Must be one of en, he, fa."),
        ({"lang": ["fa"]}, "lang", "Must be a string."),
    ],
)
def test_validation_errors_name_each_field(api_app, api, change, field, message):
    body = {k: v for k, v in {**TICKET, **change}.items() if v is not None}
    raw = json.dumps(body).encode()  # "\ud800" travels as the JSON escape, as a client would send it
    response = post(api, raw=raw)
    assert response.status_code == 422
    errors = response.get_json()["fields"]
    assert any(message in m for m in errors[field]), errors
    assert tickets(api_app) == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"a string"', b"", b"\xff\xfe{}"])
def test_a_body_that_is_not_a_json_object_is_a_400(api, raw):
    assert post(api, raw=raw).status_code == 400


def test_a_lone_surrogate_sent_as_raw_bytes_is_a_field_error(api_app, api):
    body = json.dumps({**TICKET, "name": "Dana "}).replace('"Dana "', '"Dana \xed\xa0\x80"').encode("latin-1")
    response = post(api, raw=body)
    assert response.status_code == 422
    assert "couldn't be read" in response.get_json()["fields"]["name"][0]
    assert tickets(api_app) == []


def test_a_body_too_large_is_a_413_unread(api_app, api):
    response = post(api, {**TICKET, "description": "x" * forms.MAX_REQUEST_BYTES})
    assert response.status_code == 413
    assert tickets(api_app) == []


def test_clients_are_rate_limited(content_dir, built, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "rl",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'rl.sqlite3'}",
            "SECRET_KEY": "test",
            "API_KEYS": KEY,
            "TICKET_RATE_LIMIT": "2 per minute",
        }
    )
    try:
        client = app.test_client()
        assert [post(client).status_code for _ in range(3)] == [201, 201, 429]
        assert len(tickets(app)) == 2
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


def test_short_api_keys_stop_start_up(tmp_path):
    with pytest.raises(ValueError, match="at least 16 characters"):
        create_app({"INSTANCE_DIR": tmp_path, "SECRET_KEY": "x", "API_KEYS": "short, " + KEY, "AUTO_MIGRATE": False})
