"""The customer's ticket form: what a valid request leads to, what every field
refuses and says, hostile input, abuse (CSRF, honeypot, rate limit, size),
double submits, and the context a ticket carries (troubleshooter, searches,
articles, suggestions opened)."""

from __future__ import annotations

import html as html_module
import json
import re
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from sqlalchemy import select
from test_security import blocked_by_csp

from portal import create_app, db
from portal.build import check
from portal.models import OutboxMessage, SuggestionOpened, Ticket, TicketMessage
from portal.tickets import context, forms, reference
from portal.tickets.sla import SlaFileError

VALID = {
    "name": "Dana Levi",
    "email": "dana@example.com",
    "category": "hub",
    "subject": "Hub light is orange",
    "description": "Since this morning the light on my Hub is orange.\nI restarted it twice.",
    "product": "Harbor Hub",
    "account_number": "HF-2041-7785",
}
SCRIPT = "<script>alert(1)</script>"
REFERENCE = re.compile(r'<bdi dir="ltr" class="reference">([^<]+)</bdi>')


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert found, f"no {name} in the page"
    return found.group(1)


def open_form(client, url: str = "/tickets/new") -> dict[str, str]:
    """What the page gives the browser to send back: its token and hidden fields."""
    html = client.get(url).get_data(as_text=True)
    return {name: hidden(html, name) for name in ("csrf_token", "submission", "tree", "a", "outcome")}


def send(client, form: dict[str, str] | None = None, **changes: str):
    """Post the form as a browser would: the page's hidden fields, the values
    typed (VALID, with ``changes``), and the context box ticked."""
    data = {**(form or open_form(client)), **VALID, "include_context": "y", **changes}
    return client.post("/tickets/new", data={k: v for k, v in data.items() if v is not None})


def rows(app, model) -> list:
    with db.database(app).session() as session:
        return list(session.scalars(select(model)))


def acknowledged_reference(client, response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    found = REFERENCE.search(page.get_data(as_text=True))
    assert found, "no reference on the acknowledgement"
    return found.group(1)


def assert_in_layout(response) -> None:
    body = response.get_data(as_text=True)
    assert 'role="search"' in body and "Traceback" not in body


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


# --- a request that goes through ----------------------------------------------------


def test_a_valid_request_is_stored_emailed_and_acknowledged(app, client):
    response = send(client)
    assert response.headers["Location"].startswith("/tickets/acknowledged/")
    ack = client.get(response.headers["Location"])
    page = ack.get_data(as_text=True)
    [ticket] = rows(app, Ticket)
    assert REFERENCE.search(page).group(1) == ticket.reference
    assert reference.parse(ticket.reference).ok
    assert "within <strong>8 hours</strong>" in page  # the normal priority's first response (default SLA)
    assert 'href="/tickets/status"' in page and "dana@example.com" in page
    assert "no-store" in ack.headers["Cache-Control"] and ack.headers["Referrer-Policy"] == "no-referrer"
    assert (ticket.name, ticket.email, ticket.category, ticket.subject) == (
        "Dana Levi",
        "dana@example.com",
        "hub",
        "Hub light is orange",
    )
    assert (ticket.product, ticket.account_number, ticket.channel, ticket.status) == (
        "Harbor Hub",
        "HF-2041-7785",
        "web",
        "new",
    )
    [message] = rows(app, TicketMessage)
    assert message.author == "customer" and message.body == VALID["description"]
    [mail] = rows(app, OutboxMessage)
    assert mail.kind == "acknowledgement" and mail.recipient == "dana@example.com" and mail.ticket_id == ticket.id
    assert ticket.reference in mail.subject


@pytest.mark.parametrize(
    ("host", "site_url", "expected"),
    [
        ("evil.example", "", "http://127.0.0.1:5000/tickets/view/"),
        ("evil.example", "https://help.harborfibre.example", "https://help.harborfibre.example/tickets/view/"),
        ("localhost:8000", "", "http://localhost:8000/tickets/view/"),
    ],
)
def test_email_links_never_follow_a_forged_host_name(app, client, host, site_url, expected):
    app.config["SITE_URL"] = site_url
    html = client.get("/tickets/new", base_url=f"http://{host}").get_data(as_text=True)
    form = {name: hidden(html, name) for name in ("csrf_token", "submission", "tree", "a", "outcome")}
    client.post("/tickets/new", data={**form, **VALID, "include_context": "y"}, base_url=f"http://{host}")
    [mail] = rows(app, OutboxMessage)
    assert expected in mail.body_text
    assert "evil.example" not in mail.body_text + mail.body_html


def test_the_acknowledgement_needs_its_signed_token(client):
    assert send(client).status_code == 303
    for token in ("nonsense", "x" * 5000, "%00"):
        response = client.get(f"/tickets/acknowledged/{token}")
        assert response.status_code == 404
        assert_in_layout(response)


def test_first_response_time_comes_from_sla_yaml(content_dir, built, tmp_path, write):
    write(
        content_dir,
        "sla.yaml",
        "priorities:\n  urgent: {first_response: 30m, resolution: 4h}\n"
        "  high: {first_response: 2h, resolution: 1d}\n  normal: {first_response: 1d 12h, resolution: 5d}\n"
        "  low: {first_response: 3d, resolution: 10d}\ncategories:\n  hub: high\n",
    )
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "SECRET_KEY": "test",
            "INSTANCE_DIR": tmp_path / "sla",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'sla.sqlite3'}",
        }
    )
    try:
        client = app.test_client()
        page = client.get(send(client).headers["Location"]).get_data(as_text=True)
        assert "within <strong>2 hours</strong>" in page
        page = client.get(send(client, category="account").headers["Location"]).get_data(as_text=True)
        assert "within <strong>1 day 12 hours</strong>" in page
        assert sorted(t.priority for t in rows(app, Ticket)) == ["high", "normal"]
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


def test_a_broken_sla_yaml_stops_start_up_and_fails_the_check(content_dir, built, tmp_path, write):
    write(
        content_dir,
        "sla.yaml",
        "priorities:\n  urgent: {first_response: soon, resolution: 4h}\ncategories:\n  biling: high\n",
    )
    with pytest.raises(SlaFileError) as failed:
        create_app(
            {
                "TESTING": True,
                "CONTENT_DIR": content_dir,
                "INDEX_DIR": built,
                "SECRET_KEY": "test",
                "INSTANCE_DIR": tmp_path / "broken",
                "AUTO_MIGRATE": False,
            }
        )
    message = str(failed.value)
    assert f"{content_dir / 'sla.yaml'}:2: urgent first_response must be a duration" in message
    assert f"{content_dir / 'sla.yaml'}:4: unknown category 'biling'" in message
    assert "no targets for priority 'high'" in message
    problems = [str(p) for p in check(content_dir)[1].problems]
    assert "sla.yaml:2: urgent first_response must be a duration such as 30m, 8h or 2d" in problems
    assert "sla.yaml:4: unknown category 'biling'; categories are declared in categories.yaml" in problems


def test_the_repository_sla_yaml_is_valid():
    from portal.tickets.sla import _known_categories, load_sla_file

    root = Path(__file__).resolve().parent.parent
    sla, problems = load_sla_file(root, _known_categories(root))
    assert problems == [] and sla.priority_for("internet") == "high"


def test_contact_support_leads_to_the_form(client):
    home = client.get("/").get_data(as_text=True)
    assert '<a class="contact" href="/tickets/new">Contact support</a>' in home
    page = client.get("/tickets/new")
    assert page.status_code == 200 and blocked_by_csp(page.get_data(as_text=True)) == []
    assert "/static/tickets.js" in page.get_data(as_text=True)
    assert "private" in page.headers["Cache-Control"]


# --- field errors, values kept ------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "Please tell us your name."),
        ("name", "x" * 101, "Please use at most 100 characters (this has 101)."),
        ("email", "", "Please enter your email address."),
        ("email", "dana.example.com", "Enter an email address like name@example.com."),
        ("email", "dana@localhost", "It should have a period."),
        ("email", "a" * 250 + "@x.com", "Please use at most 254 characters"),
        ("category", "", "Please choose the topic closest to your question."),
        ("category", "no-such-topic", "Please choose one of the topics in the list."),
        ("subject", "   ", "Please add a subject."),
        ("subject", "s" * 151, "Please use at most 150 characters (this has 151)."),
        ("description", "", "Please describe what's happening."),
        ("description", "d" * 10_001, "Please use at most 10,000 characters (this has 10001)."),
        ("product", "Toaster", "Please choose one of the products in the list."),
        ("account_number", "<script>", "Use the letters and numbers shown on your bill"),
        ("account_number", "9" * 41, "Please use at most 40 characters"),
    ],
)
def test_each_field_says_what_is_wrong_and_nothing_typed_is_lost(app, client, field, value, message):
    response = send(client, **{field: value})
    assert response.status_code == 422
    assert_in_layout(response)
    html = response.get_data(as_text=True)
    assert message in field_error(html, field)
    assert f'href="#{field}"' in html  # the summary at the top links to the field
    assert 'aria-invalid="true"' in html
    for other, typed in VALID.items():
        if other in ("description", "category", "product"):
            continue
        if other != field:
            assert f'value="{typed}"' in html
    assert "I restarted it twice." in html or field == "description"
    assert rows(app, Ticket) == [] and rows(app, OutboxMessage) == []


def test_the_submission_token_survives_an_error(client):
    form = open_form(client)
    html = send(client, form, name="").get_data(as_text=True)
    assert hidden(html, "submission") == form["submission"]


HOSTILE_NAMES = ["name", "email", "subject", "description", "account_number", "category", "product"]


@pytest.mark.parametrize("field", HOSTILE_NAMES)
def test_nul_in_any_field_is_a_field_error(app, client, field):
    response = send(client, **{field: VALID[field][:4] + "\x00" + VALID[field][4:]})
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field)
    assert rows(app, Ticket) == []


@pytest.mark.parametrize("field", HOSTILE_NAMES)
def test_a_lone_surrogate_sent_as_raw_form_data_is_a_field_error(app, client, field):
    """A browser cannot send U+D800; a script sends its UTF-8-ish bytes, which are
    not UTF-8. The field says so; nothing is stored; no 500."""
    data = {**open_form(client), **VALID, field: VALID[field] + "\ud800"}
    body = urlencode(data, quote_via=lambda s, *a: quote(s, safe="", errors="surrogatepass"))
    response = client.post("/tickets/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), field)
    assert rows(app, Ticket) == []


@pytest.mark.parametrize("field", ["name", "email", "subject"])
@pytest.mark.parametrize(
    "value", ["Dana\r\nBcc: everyone@example.com", "Dana\nTo: x@example.com", "Dana\rCc: x@example.com", "a\u2028b"]
)
def test_line_breaks_in_header_fields_are_refused(app, client, field, value):
    if field == "email":
        value = value.replace("Dana", "dana@example.com")
    response = send(client, **{field: value})
    assert response.status_code == 422
    assert "Please keep this on one line." in field_error(response.get_data(as_text=True), field)
    assert rows(app, Ticket) == [] and rows(app, OutboxMessage) == []


def test_other_control_characters_are_refused_but_line_breaks_in_the_description_are_kept(app, client):
    response = send(client, subject="Hub\x07 light")
    assert "invisible control characters" in field_error(response.get_data(as_text=True), "subject")
    assert acknowledged_reference(client, send(client, description="One\r\nTwo\tthree\rFour"))
    [message] = rows(app, TicketMessage)
    assert message.body == "One\nTwo\tthree\nFour"


def test_html_in_every_field_is_shown_back_escaped(app, client):
    hostile = {
        "name": f"Dana {SCRIPT}",
        "email": "not an email <img src=x onerror=alert(1)>",
        "subject": f"Hub {SCRIPT}",
        "description": f"</textarea>{SCRIPT}",
        "account_number": '"><b>1',
    }
    response = send(client, **hostile)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert SCRIPT not in html and "<img src=x" not in html and "<b>1" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert blocked_by_csp(html) == []
    # Valid but full of markup: stored as typed, shown escaped on the acknowledgement.
    response = send(client, name=f"Dana {SCRIPT}", subject=f"Hub {SCRIPT}", description=SCRIPT)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert SCRIPT not in page and "Hub &lt;script&gt;" in page
    assert blocked_by_csp(page) == []
    [ticket] = rows(app, Ticket)
    assert ticket.subject == f"Hub {SCRIPT}"


def test_a_request_too_large_to_read_gets_a_friendly_413(app, client):
    response = send(client, description="x" * (forms.MAX_REQUEST_BYTES + 1))
    assert response.status_code == 413
    assert_in_layout(response)
    assert "too long to send" in response.get_data(as_text=True)
    assert rows(app, Ticket) == []


# --- abuse --------------------------------------------------------------------------


def test_a_missing_or_stale_csrf_token_gives_the_form_back_with_everything_typed(app, client):
    form = open_form(client)
    for token in (None, "stale-token"):
        response = send(client, {**form, "csrf_token": token}, subject=f"Orange {SCRIPT}")
        assert response.status_code == 400
        assert_in_layout(response)
        html = response.get_data(as_text=True)
        assert "please press Send again" in html
        assert 'value="Dana Levi"' in html and "I restarted it twice." in html
        assert "Orange &lt;script&gt;" in html and SCRIPT not in html
        assert 'value="hub" selected' in html or 'selected value="hub"' in html
        assert hidden(html, "submission") == form["submission"]
    assert rows(app, Ticket) == []
    fresh = {**form, "csrf_token": hidden(html, "csrf_token")}
    assert acknowledged_reference(client, send(client, fresh))


def test_a_bot_that_fills_the_honeypot_sees_success_and_nothing_happens(app, client):
    response = send(client, extra_details="http://spam.example")
    shown = acknowledged_reference(client, response)
    assert reference.parse(shown).ok  # looks like any reference
    assert rows(app, Ticket) == [] and rows(app, OutboxMessage) == [] and rows(app, TicketMessage) == []
    html = client.get("/tickets/new").get_data(as_text=True)
    honeypot = re.search(r'<div class="ticket-extra" aria-hidden="true">.*?</div>', html, re.S).group(0)
    assert 'tabindex="-1"' in honeypot and 'autocomplete="off"' in honeypot


def test_too_many_requests_get_a_429_in_the_layout_with_everything_typed(app, client):
    allowed = int(app.config["TICKET_RATE_LIMIT"].split()[0])
    for _ in range(allowed):
        assert send(client).status_code == 303
    response = send(client, subject="Sixth one")
    assert response.status_code == 429 and response.headers["Retry-After"] == "60"
    assert_in_layout(response)
    html = response.get_data(as_text=True)
    assert "please wait a minute" in html
    assert 'value="Sixth one"' in html and "I restarted it twice." in html
    assert len(rows(app, Ticket)) == allowed
    assert client.get("/tickets/new").status_code == 200  # reading the form is not limited


# --- double submits -------------------------------------------------------------------


def test_sending_the_same_form_twice_gives_one_ticket_and_the_same_acknowledgement(app, client):
    form = open_form(client)
    first = acknowledged_reference(client, send(client, form))
    again = acknowledged_reference(client, send(client, form))  # double click, or Back and Send
    assert first == again
    assert len(rows(app, Ticket)) == 1 and len(rows(app, OutboxMessage)) == 1
    other = acknowledged_reference(client, send(client))  # a new form is a new request
    assert other != first and len(rows(app, Ticket)) == 2


# --- context: troubleshooter, searches, articles --------------------------------------


def test_a_ticket_from_a_troubleshooter_carries_its_transcript(app, client):
    url = "/tickets/new?tree=hub-light&a=orange.not-solved"
    html = client.get(url).get_data(as_text=True)
    assert "What you've already tried" in html
    assert 'value="Fix your Hub light"' in html  # the subject, from the tree's title
    assert 'selected value="hub"' in html or 'value="hub" selected' in html
    assert "What colour is the light on your Harbor Hub?" in html and "Orange" in html
    form = open_form(client, url)
    assert (form["tree"], form["a"]) == ("hub-light", "orange.not-solved")
    acknowledged_reference(client, send(client, form, subject="Fix your Hub light"))
    [ticket] = rows(app, Ticket)
    tree = ticket.context["tree"]
    assert tree["tree_id"] == "hub-light" and tree["answers"] == ["orange", "not-solved"]
    assert tree["steps"][0] == {"question": "What colour is the light on your Harbor Hub?", "answer": "Orange"}
    assert tree["node_id"] == "escalate-fault"
    assert ticket.priority == "high"  # the escalation's priority, not the category's


def test_the_transcript_is_recomputed_not_taken_from_the_form(app, client):
    form = open_form(client, "/tickets/new?tree=hub-light&a=red")
    acknowledged_reference(client, send(client, {**form, "a": "red.injected-answer"}))
    acknowledged_reference(client, send(client, {**open_form(client), "tree": "no-such-tree", "a": "x"}))
    first, second = rows(app, Ticket)
    assert [s["answer"] for s in first.context["tree"]["steps"]] == ["Red"]
    assert "tree" not in second.context and second.priority == "normal"


def test_searches_and_articles_of_the_visit_are_shown_and_passed_on(app, client):
    client.get("/articles/harbor-hub-lights")  # the vote form starts a session
    client.get("/search?q=orange+light")
    client.get("/search?q=zzzzqqq")
    client.get("/articles/restart-your-harbor-hub")
    html = client.get("/tickets/new").get_data(as_text=True)
    assert "We'll pass this on" in html
    assert "orange light" in html and "zzzzqqq" in html and "(0 results)" in html
    assert "Restart your Harbor Hub" in html and "What the lights on your Harbor Hub mean" in html
    acknowledged_reference(client, send(client))
    [ticket] = rows(app, Ticket)
    assert [s["query"] for s in ticket.context["searches"]] == ["orange light", "zzzzqqq"]
    assert ticket.context["searches"][1]["results"] == 0 and ticket.context["searches"][0]["results"] > 0
    assert ticket.context["articles"] == [
        {"slug": "harbor-hub-lights", "title": "What the lights on your Harbor Hub mean"},
        {"slug": "restart-your-harbor-hub", "title": "Restart your Harbor Hub"},
    ]
    assert "We'll pass this on" not in client.get("/tickets/new").get_data(as_text=True)  # passed on once


def test_the_customer_can_keep_their_searches_to_themselves(app, client):
    client.get("/articles/harbor-hub-lights")
    acknowledged_reference(client, send(client, include_context=None))
    [ticket] = rows(app, Ticket)
    assert "articles" not in ticket.context and "searches" not in ticket.context


def test_recording_context_never_lets_a_shared_cache_serve_one_visitor_to_another(client):
    first = client.get("/search?q=hub")
    assert "Set-Cookie" not in first.headers  # no session yet: nothing recorded, no cookie to share
    article = client.get("/articles/harbor-hub-lights")
    assert article.cache_control.private and not article.cache_control.public
    searched = client.get("/search?q=hub")
    assert searched.cache_control.private and "Cookie" in searched.headers["Vary"]
    again = client.get("/articles/harbor-hub-lights", headers={"If-None-Match": article.headers["ETag"]})
    assert again.status_code == 304 and again.cache_control.private


def test_the_visit_context_is_bounded():
    searches: list = []
    for i in range(25):
        searches = context.remember(searches, [f"query {i}", i], key=lambda e: e[0])
    assert [q for q, _ in searches] == [f"query {i}" for i in range(15, 25)]
    searches = context.remember(searches, ["query 20", 7], key=lambda e: e[0])
    assert searches[-1] == ["query 20", 7] and len(searches) == 10
    many: list = []
    for n in range(10):  # Hebrew is six bytes a letter in the session's JSON
        many = context.remember(many, ["ש" * context.QUERY_CHARS, n], key=lambda e: e[1])
    assert 0 < len(many) < 10 and len(json.dumps(many)) <= context.BUDGET
    assert many[-1][1] == 9  # the newest kept


# --- suggestions while typing the subject ----------------------------------------------


def test_suggestions_are_the_top_articles_for_the_subject(client):
    response = client.get("/tickets/suggest?q=restart+hub")
    assert response.status_code == 200 and response.is_json
    articles = response.get_json()["articles"]
    assert 0 < len(articles) <= 5
    assert articles[0] == {
        "title": "Restart your Harbor Hub",
        "summary": "Switch your Hub off and on again the right way.",
        "url": "/tickets/suggested/restart-your-harbor-hub",
    }


@pytest.mark.parametrize("query", ["", "hu", "\x00\x00\x00", "%ED%A0%80" * 3, "(" * 500, "a" * 10_000, SCRIPT])
def test_suggestions_answer_any_input(client, query):
    response = client.get(f"/tickets/suggest?q={query}")
    assert response.status_code == 200 and isinstance(response.get_json()["articles"], list)


def test_an_opened_suggestion_is_recorded_and_claimed_by_the_ticket_that_follows(app, client):
    opened = client.get("/tickets/suggested/restart-your-harbor-hub")
    assert opened.status_code == 303 and opened.headers["Location"] == "/articles/restart-your-harbor-hub"
    other = app.test_client()
    other.get("/tickets/suggested/harbor-hub-lights")  # another visitor, who found their answer
    [mine, theirs] = rows(app, SuggestionOpened)
    assert mine.ticket_id is None and mine.visit != theirs.visit
    acknowledged_reference(client, send(client))
    [ticket] = rows(app, Ticket)
    mine, theirs = rows(app, SuggestionOpened)
    assert mine.ticket_id == ticket.id
    assert theirs.ticket_id is None  # a deflection
    assert client.get("/tickets/suggested/no-such-article").status_code == 404
    assert len(rows(app, SuggestionOpened)) == 2
