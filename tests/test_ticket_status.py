"""The customer's status page: finding a ticket without revealing which tickets
exist, signed links, replying, closing and rating once."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from markupsafe import escape
from sqlalchemy import select
from test_security import blocked_by_csp

from portal import db
from portal.models import BODY_LENGTH, Staff, Ticket, TicketMessage
from portal.tickets import links, reference, service, sla
from portal.views import ticket_status

NOW = dt.datetime(2026, 11, 2, 12, 0)
HOSTILE = "<script>alert('x')</script>"
TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


@pytest.fixture
def app(app_on_shared_build):
    return app_on_shared_build


def open_ticket(app, **fields) -> tuple[Ticket, str]:
    """A ticket opened through the service, and the token of its signed link."""
    values = {
        "name": "Dana Levi",
        "email": "Dana@Example.com",
        "category": "hub",
        "subject": "Hub light is orange",
        "description": "Since this morning.",
    }
    with app.test_request_context():
        session = db.session()
        ticket = service.open_ticket(session, service.Draft(**{**values, **fields}), sla.DEFAULT, NOW).ticket
        session.commit()
        return ticket, links.token_for(ticket)


def staff_does(app, ticket_id: int, action: str, body: str = "", status: str = "") -> None:
    """What the staff desk would do: reply, add a note, change the status."""
    with app.test_request_context():
        session = db.session()
        ticket = session.get(Ticket, ticket_id)
        staff = session.scalar(select(Staff).where(Staff.email == "sam@harborfibre.example"))
        if staff is None:
            staff = Staff(
                email="sam@harborfibre.example", name="Sam", password_hash="-", created=NOW, password_changed=NOW
            )
            session.add(staff)
            session.flush()
        if action == "reply":
            service.staff_reply(session, ticket, staff, body, NOW)
        elif action == "note":
            service.internal_note(session, ticket, staff, body, NOW)
        else:
            service.update(session, ticket, staff, NOW, sla.DEFAULT, status=status)
        session.commit()


def stored(app, ticket_id: int) -> Ticket:
    with db.database(app).session() as session:
        return session.get(Ticket, ticket_id)


def customer_messages(app, ticket_id: int) -> list[str]:
    with db.database(app).session() as session:
        query = select(TicketMessage.body).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.author == "customer"
        )
        return list(session.scalars(query.order_by(TicketMessage.id)))


def csrf(client, url: str = "/tickets/status") -> str:
    page = client.get(url).get_data(as_text=True)
    return page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]


def lookup(client, ref: str, email: str, token: str | None = None):
    return client.post("/tickets/status", data={"csrf_token": token or csrf(client), "reference": ref, "email": email})


def other_reference(*taken: str) -> str:
    while (ref := reference.generate()) in taken:
        pass
    return ref


# Finding a ticket --------------------------------------------------------------------------


def test_reference_and_email_lead_to_the_ticket_page(app, client):
    ticket, _ = open_ticket(app)
    compact = ticket.reference.replace("-", "").lower()  # as a customer may type it
    response = lookup(client, f"  {compact} ", "dana@example.COM")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/tickets/view/")
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'<bdi dir="ltr" class="reference">{ticket.reference}</bdi>' in html
    assert "Hub light is orange" in html and "Since this morning." in html


def test_the_lookup_form_can_be_filled_in_from_a_link(client):
    html = client.get("/tickets/status?reference=K7QM-4DXP").get_data(as_text=True)
    assert 'value="K7QM-4DXP"' in html
    assert client.get("/tickets/status?reference=%00").status_code == 200


def _normalised(response, *typed: str) -> tuple[int, str, list]:
    """Status, body and headers, less the CSRF token and what was typed."""
    body = TOKEN.sub("", response.get_data(as_text=True))
    for i, value in enumerate(typed):
        body = body.replace(value, f"<typed {i}>")
    headers = sorted((k, v) for k, v in response.headers.items() if k not in ("Set-Cookie", "Date"))
    return response.status_code, body, headers


def test_wrong_reference_wrong_email_or_both_get_the_same_answer(app, client):
    ticket, _ = open_ticket(app)
    unknown = other_reference(ticket.reference)
    right, wrong = "dana@example.com", "eric@example.com"  # the same length, so the same Content-Length
    token = csrf(client)  # the session exists before the posts: none of them sets a cookie

    answers = [
        _normalised(lookup(client, ticket.reference, wrong, token), ticket.reference, wrong),
        _normalised(lookup(client, unknown, right, token), unknown, right),
        _normalised(lookup(client, unknown, wrong, token), unknown, wrong),
    ]

    assert answers[0] == answers[1] == answers[2]
    status, body, _ = answers[0]
    assert status == 200
    assert escape("We couldn't find a request with that reference and email address") in body
    assert 'value="<typed 0>"' in body and 'value="<typed 1>"' in body  # what was typed is kept
    assert "mistyped" not in body


def test_a_mistyped_reference_is_told_apart_whether_or_not_it_exists(app, client):
    ticket, _ = open_ticket(app)
    compact = ticket.reference.replace("-", "")
    i = next(i for i in range(len(compact) - 1) if compact[i] != compact[i + 1])
    swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
    unknown = other_reference(ticket.reference).replace("-", "")
    wrong_char = unknown[:-1] + ("2" if unknown[-1] != "2" else "3")
    token = csrf(client)

    answers = [_normalised(lookup(client, typed, "dana@example.com", token), typed) for typed in (swapped, wrong_char)]

    assert answers[0] == answers[1]
    assert "This reference looks mistyped" in answers[0][1]
    bad = lookup(client, "K7QM-4DX", "dana@example.com", token).get_data(as_text=True)
    assert "A reference has eight letters and digits" in bad
    empty = lookup(client, "", "", token).get_data(as_text=True)
    assert empty.count("Please fill this in.") == 2


def test_failed_lookups_are_rate_limited_and_the_page_keeps_what_was_typed(app, client):
    ticket, _ = open_ticket(app)
    token = csrf(client)
    # Successful and mistyped lookups don't count: only failures do.
    for _ in range(12):
        assert lookup(client, ticket.reference, "dana@example.com", token).status_code == 303
        assert lookup(client, "K7QM-4DXQ", "dana@example.com", token).status_code == 200
    unknown = other_reference(ticket.reference)
    for _ in range(10):
        response = lookup(client, unknown, "dana@example.com", token)
        assert response.status_code == 200
    limited = lookup(client, unknown, "dana@example.com", token)
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    html = limited.get_data(as_text=True)
    assert "try again in 15 minutes" in html and '<header class="site-header">' in html  # the site's layout
    assert f'value="{unknown}"' in html and 'value="dana@example.com"' in html
    # While limited, even the right answer has to wait: nothing can be probed.
    assert lookup(client, ticket.reference, "dana@example.com", token).status_code == 429


def test_posts_without_the_csrf_token_are_refused_in_the_layout_with_what_was_typed(app, client):
    ticket, link_token = open_ticket(app)
    refused = client.post("/tickets/status", data={"reference": ticket.reference, "email": "dana@example.com"})
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'value="{ticket.reference}"' in html and "Please send it again" in html
    reply = client.post(f"/tickets/view/{link_token}/reply", data={"body": "Still orange"})
    assert reply.status_code == 400 and "Still orange</textarea>" in reply.get_data(as_text=True)
    assert client.post(f"/tickets/view/{link_token}/close").status_code == 400
    assert client.post(f"/tickets/view/{link_token}/rate", data={"score": "5"}).status_code == 400
    assert customer_messages(app, ticket.id) == ["Since this morning."]
    assert stored(app, ticket.id).status == "new"


# Signed links ----------------------------------------------------------------------------------


def _expired_token(app, ticket: Ticket) -> str:
    class Yesteryear(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - links.MAX_AGE - 3600

    with app.app_context():
        serializer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=links._SALT, signer=Yesteryear)
        return serializer.dumps([ticket.id, links._email_tag(ticket.email)])


def test_signed_link_opens_the_ticket_and_a_bad_one_gets_a_friendly_page(app, client):
    ticket, token = open_ticket(app)
    assert client.get(f"/tickets/view/{token}").status_code == 200
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    with app.app_context():
        other_key = URLSafeTimedSerializer("another secret", salt=links._SALT).dumps([ticket.id, "x"])
    for bad in (tampered, _expired_token(app, ticket), other_key, "nonsense", "x" * 400, "%00"):
        response = client.get(f"/tickets/view/{bad}")
        assert response.status_code == 404, bad
        html = response.get_data(as_text=True)
        assert "This link doesn't work" in html and 'action="/tickets/status"' in html, bad
        assert "Hub light is orange" not in html
        assert (
            client.post(f"/tickets/view/{bad}/reply", data={"csrf_token": csrf(client), "body": "hi"}).status_code
            == 404
        )


def test_a_link_stops_working_when_the_tickets_email_changes(app, client):
    ticket, token = open_ticket(app)
    with db.database(app).session() as session:
        session.get(Ticket, ticket.id).email = "new@example.com"
        session.commit()
    assert client.get(f"/tickets/view/{token}").status_code == 404


def test_pages_with_a_token_are_private_unindexed_and_send_no_referrer(app, client):
    _, token = open_ticket(app)
    for url in (f"/tickets/view/{token}", "/tickets/view/not-a-token", "/tickets/status"):
        response = client.get(url)
        assert response.headers["Cache-Control"] == "private, no-store", url
        assert response.headers["Referrer-Policy"] == "no-referrer", url
        assert blocked_by_csp(response.get_data(as_text=True)) == [], url
    html = client.get(f"/tickets/view/{token}").get_data(as_text=True)
    assert '<meta name="robots" content="noindex">' in html
    assert 'rel="canonical"' not in html  # no copy of the token in the head
    post = client.post(f"/tickets/view/{token}/close", data={"csrf_token": csrf(client)})
    assert post.headers["Cache-Control"] == "private, no-store" and post.headers["Referrer-Policy"] == "no-referrer"


# The conversation -------------------------------------------------------------------------------


def test_the_page_shows_the_conversation_but_no_internal_notes_or_history(app, client):
    ticket, token = open_ticket(app)
    staff_does(app, ticket.id, "note", "Customer sounds cross; check the ONT logs")
    staff_does(app, ticket.id, "reply", "Please restart the Hub and tell us the colour.")
    html = client.get(f"/tickets/view/{token}").get_data(as_text=True)
    assert "Please restart the Hub and tell us the colour." in html and "Sam, Harbor Fibre Help Centre" in html
    # The reply set the status to pending: that history entry stays on the desk.
    assert "check the ONT logs" not in html and "&#34;history&#34;" not in html and '"history"' not in html
    assert "Waiting for your reply" in html


def test_a_reply_is_added_and_reopens_a_pending_or_solved_ticket(app, client):
    ticket, token = open_ticket(app)
    staff_does(app, ticket.id, "reply", "Please restart the Hub.")
    assert stored(app, ticket.id).status == "pending"

    response = client.post(
        f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": "Done, still orange."}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=replied#latest")
    assert stored(app, ticket.id).status == "open"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Done, still orange." in html and "We've added your message" in html

    staff_does(app, ticket.id, "status", status="solved")
    client.post(f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": "Orange again!"})
    assert stored(app, ticket.id).status == "open"
    assert customer_messages(app, ticket.id) == ["Since this morning.", "Done, still orange.", "Orange again!"]


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Please fill this in."),
        ("   \r\n  ", "Please fill this in."),
        ("Null \x00 byte", "invisible control characters"),
        ("Bell \x07", "invisible control characters"),
        ("Lost \ufffd in decoding", "Some characters here"),
        ("x" * (BODY_LENGTH + 1), f"Please keep this under {BODY_LENGTH:,} characters"),
    ],
)
def test_a_bad_reply_is_a_field_error_that_keeps_the_text(app, client, body, error):
    ticket, token = open_ticket(app)
    response = client.post(f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": body})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error in html and 'aria-invalid="true"' in html
    if body.strip() and "\x00" not in body:
        assert body.strip()[:50] in html
    assert customer_messages(app, ticket.id) == ["Since this morning."]


def test_text_rules_refuse_what_a_form_post_cannot_carry():
    """A lone surrogate never survives a form post's decoding; refused all the same."""
    assert ticket_status.text_problem("Lone \ud800 surrogate", 100, multiline=True)
    assert ticket_status.text_problem("two\nlines", 100) and not ticket_status.text_problem(
        "two\nlines", 100, multiline=True
    )
    assert ticket_status.text_problem("", 100, required=False) == ""


def test_undecodable_bytes_in_a_reply_never_fail(app, client):
    _, token = open_ticket(app)
    data = f"csrf_token={csrf(client)}&body=%ED%A0%80%FF".encode()
    response = client.post(f"/tickets/view/{token}/reply", data=data, content_type="application/x-www-form-urlencoded")
    assert response.status_code in (200, 303)


def test_hostile_text_is_shown_escaped(app, client):
    _, token = open_ticket(app, name=HOSTILE, subject=f"Orange {HOSTILE}")
    client.post(f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": f"Look: {HOSTILE}"})
    html = client.get(f"/tickets/view/{token}").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "Look: &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "Orange &lt;script&gt;" in html
    assert blocked_by_csp(html) == []


def test_closing_ends_replies_and_asks_for_a_rating(app, client):
    ticket, token = open_ticket(app)
    response = client.post(f"/tickets/view/{token}/close", data={"csrf_token": csrf(client)})
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=closed#csat")
    assert stored(app, ticket.id).status == "closed"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "We've closed your request" in html and "How satisfied are you?" in html
    assert 'name="body"' not in html  # no reply form

    late = client.post(f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": "One more thing"})
    assert late.status_code == 409 and escape("can't take replies") in late.get_data(as_text=True)
    assert customer_messages(app, ticket.id) == ["Since this morning."]


# How satisfied are you? -------------------------------------------------------------------------


def rate(client, token: str, score: str, comment: str = ""):
    return client.post(
        f"/tickets/view/{token}/rate", data={"csrf_token": csrf(client), "score": score, "comment": comment}
    )


def test_satisfaction_is_asked_only_once_the_ticket_is_solved(app, client):
    ticket, token = open_ticket(app)
    assert "How satisfied are you?" not in client.get(f"/tickets/view/{token}").get_data(as_text=True)
    early = rate(client, token, "5")
    assert early.status_code == 409 and "once it is solved" in early.get_data(as_text=True)
    assert stored(app, ticket.id).csat_score is None

    staff_does(app, ticket.id, "status", status="solved")
    html = client.get(f"/tickets/view/{token}?rate=4").get_data(as_text=True)  # the link in the survey email
    assert "How satisfied are you?" in html
    assert re.search(r'value="4" required checked', html) and html.count(" checked") == 1


@pytest.mark.parametrize("score", ["0", "6", "-1", "4.5", "five", "", "44"])
def test_a_score_outside_1_to_5_is_a_field_error(app, client, score):
    ticket, token = open_ticket(app)
    staff_does(app, ticket.id, "status", status="solved")
    response = rate(client, token, score, "Quick and kind")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please choose how satisfied you are, from 1 to 5." in html and "Quick and kind</textarea>" in html
    assert stored(app, ticket.id).csat_score is None


def test_a_ticket_is_rated_once(app, client):
    ticket, token = open_ticket(app)
    staff_does(app, ticket.id, "status", status="solved")
    response = rate(client, token, "4", f"Quick {HOSTILE}")
    assert response.status_code == 303 and response.headers["Location"].endswith("?done=rated#csat")
    rated = stored(app, ticket.id)
    assert (rated.csat_score, rated.csat_comment) == (4, f"Quick {HOSTILE}")

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 · Satisfied" in html and "How satisfied are you?" not in html

    again = rate(client, token, "1", "Changed my mind")
    assert "already rated" in again.get_data(as_text=True)
    assert stored(app, ticket.id).csat_score == 4
    assert "Please keep this under" in rate(client, open_solved(app, client), "3", "x" * 1001).get_data(as_text=True)


def open_solved(app, client) -> str:
    ticket, token = open_ticket(app, subject="Another one")
    staff_does(app, ticket.id, "status", status="solved")
    return token


def test_the_status_page_on_postgresql(postgres_url, shared_build, tmp_path):
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": shared_build.parent / "content",
            "INDEX_DIR": shared_build,
            "INSTANCE_DIR": tmp_path / "pg",
            "SECRET_KEY": "test",
            "DATABASE_URL": postgres_url,
        }
    )
    try:
        client = app.test_client()
        ticket, token = open_ticket(app)
        assert lookup(client, ticket.reference, "eric@example.com").status_code == 200
        found = lookup(client, ticket.reference, "dana@example.com")
        # A link signed at the lookup: itsdangerous puts the second of signing in
        # the token, so it equals ``token`` only when both fell in the same second.
        assert found.status_code == 303 and found.headers["Location"].startswith("/tickets/view/")
        assert ticket.reference in client.get(found.headers["Location"]).get_data(as_text=True)
        nul = client.post(f"/tickets/view/{token}/reply", data={"csrf_token": csrf(client), "body": "a\x00b"})
        assert nul.status_code == 200 and "invisible control characters" in nul.get_data(as_text=True)
        staff_does(app, ticket.id, "status", status="solved")
        assert rate(client, token, "5", "Thanks").status_code == 303
        assert "already rated" in rate(client, token, "1").get_data(as_text=True)
        assert stored(app, ticket.id).csat_score == 5
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
