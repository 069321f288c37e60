"""The recommendation question ("How likely are you to recommend us?") beside the
satisfaction question, when PORTAL_SURVEY_NPS asks it: optional, 0-10, stored
once with the rating."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_ticket_status import NOW, csrf, open_ticket, staff_does, stored

from portal import create_app, db
from portal.models import Ticket
from portal.tickets import service
from portal.views.ticket_status import parse_nps

QUESTION = "How likely are you to recommend us to a friend?"


def make_app(shared_build: Path, root: Path, database_url: str = "", nps: bool = True):
    return create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": shared_build.parent / "content",
            "INDEX_DIR": shared_build,
            "INSTANCE_DIR": root / "instance",
            "DATABASE_URL": database_url or f"sqlite:///{root / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
            "SURVEY_NPS": nps,
        }
    )


@pytest.fixture
def nps_app(shared_build, tmp_path):
    app = make_app(shared_build, tmp_path)
    yield app
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


def solved_ticket(app) -> tuple[Ticket, str]:
    ticket, token = open_ticket(app)
    staff_does(app, ticket.id, "status", status="solved")
    return ticket, token


def rate(client, token: str, **fields: str):
    return client.post(f"/tickets/view/{token}/rate", data={"csrf_token": csrf(client), **fields})


def test_not_asked_by_default_and_an_answer_posted_anyway_is_ignored(app_on_shared_build):
    app, client = app_on_shared_build, app_on_shared_build.test_client()
    assert app.config["SURVEY_NPS"] is False
    ticket, token = solved_ticket(app)
    html = client.get(f"/tickets/view/{token}?rate=4").get_data(as_text=True)
    assert "How satisfied are you?" in html and QUESTION not in html and 'name="nps"' not in html
    assert rate(client, token, score="4", nps="9").status_code == 303
    rated = stored(app, ticket.id)
    assert (rated.csat_score, rated.nps_score) == (4, None)


def test_the_survey_email_landing_asks_both_and_stores_both(nps_app):
    client = nps_app.test_client()
    ticket, token = solved_ticket(nps_app)
    html = client.get(f"/tickets/view/{token}?rate=5").get_data(as_text=True)  # the survey email's link
    assert QUESTION in html and "(optional)" in html
    assert re.findall(r'name="nps" value="(\d+)"', html) == [str(n) for n in range(11)]
    assert 'name="nps" value="9" checked' not in html  # nothing chosen for the customer
    response = rate(client, token, score="5", nps="9", comment="Quick")
    assert response.status_code == 303
    rated = stored(nps_app, ticket.id)
    assert (rated.csat_score, rated.nps_score, rated.csat_comment) == (5, 9, "Quick")
    after = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "recommend us: 9 out of 10" in after and 'name="nps"' not in after


def test_the_question_is_optional_and_zero_is_an_answer(nps_app):
    client = nps_app.test_client()
    skipped, token = solved_ticket(nps_app)
    assert rate(client, token, score="3").status_code == 303
    assert (stored(nps_app, skipped.id).csat_score, stored(nps_app, skipped.id).nps_score) == (3, None)
    zero, token = open_ticket(nps_app, subject="Second one")
    staff_does(nps_app, zero.id, "status", status="solved")
    assert rate(client, token, score="2", nps="0").status_code == 303
    assert stored(nps_app, zero.id).nps_score == 0


@pytest.mark.parametrize("typed", ["11", "-1", "4.5", "ten", "٩", "007"])
def test_an_answer_outside_0_to_10_is_a_field_error_that_keeps_the_rest(nps_app, typed):
    client = nps_app.test_client()
    ticket, token = solved_ticket(nps_app)
    response = rate(client, token, score="4", nps=typed, comment="Kind people")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Please choose a number from 0 to 10, or leave this question out." in html
    assert re.search(r'value="4" required checked', html) and "Kind people</textarea>" in html
    rated = stored(nps_app, ticket.id)
    assert (rated.csat_score, rated.nps_score) == (None, None)


def test_parse_nps_reads_only_whole_numbers_in_range():
    assert [parse_nps(str(n)) for n in range(11)] == list(range(11))
    assert [parse_nps(v) for v in ("", " ", "11", "-0", "1e1", "０", "10 ", " 7")] == [None] * 6 + [10, 7]


def test_rate_stores_the_answer_once_with_the_score(nps_app):
    ticket, _ = solved_ticket(nps_app)
    with nps_app.test_request_context(), db.database(nps_app).session() as session:
        row = session.get(Ticket, ticket.id)
        assert not service.rate(session, row, 4, "", NOW, nps=11)  # refused whole: nothing stored
        assert not service.rate(session, row, 4, "", NOW, nps=-1)
        assert service.rate(session, row, 4, "", NOW, nps=10)
        assert not service.rate(session, row, 1, "", NOW, nps=0)  # the first answer stands
        session.commit()
    rated = stored(nps_app, ticket.id)
    assert (rated.csat_score, rated.nps_score) == (4, 10)


def test_on_postgresql(postgres_url, shared_build, tmp_path):
    app = make_app(shared_build, tmp_path, postgres_url)
    try:
        client = app.test_client()
        ticket, token = solved_ticket(app)
        assert rate(client, token, score="5", nps="10").status_code == 303
        assert "already rated" in rate(client, token, score="1", nps="0").get_data(as_text=True)
        rated = stored(app, ticket.id)
        assert (rated.csat_score, rated.nps_score) == (5, 10)
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
