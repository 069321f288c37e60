"""Tickets, emails and the staff desk in Hebrew and Persian: the ticket form and
its errors in the reader's language, tickets that remember the language they
were opened in, emails written in it and laid out right to left, references,
addresses and customers' words kept in order inside right-to-left text, and the
English desk showing a Hebrew message right to left."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re

import pytest
from flask import g
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import select

from portal import db
from portal.i18n import lazy_gettext
from portal.models import OutboxMessage, Ticket
from portal.staff import accounts, auth
from portal.tickets import bidi, forms, links, service
from portal.tickets.sla import DEFAULT, format_duration

LRI, PDI, FSI, RLM = "\u2066", "\u2069", "\u2068", "\u200f"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "harbour-lights-42"
VALID = {
    "name": "Dana Levi",
    "email": "dana@example.com",
    "category": "hub",
    "subject": "چراغ Hub نارنجی است",
    "description": "از صبح چراغ Hub نارنجی است.",
}


@pytest.fixture
def app(app_on_shared_build):
    return app_on_shared_build


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', html
    )
    assert found, f"no {name} in the page"
    return found.group(1)


def send(client, url: str, **changes: str):
    """Open the form at ``url`` and post it back as a browser would."""
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": hidden(page, "csrf_token"), "submission": hidden(page, "submission"), **VALID, **changes}
    return client.post(url, data=data)


def field_error(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-error">(.*?)</div>', html, re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", found.group(1))) if found else ""


def outbox(app) -> list[OutboxMessage]:
    with db.database(app).session() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def tickets(app) -> list[Ticket]:
    with db.database(app).session() as session:
        return list(session.scalars(select(Ticket).order_by(Ticket.id)))


def open_ticket(app, **changes: str) -> Ticket:
    values = {**VALID, "subject": "Hub light is orange", "description": "Since this morning.", **changes}
    with app.test_request_context():
        session = db.session()
        ticket = service.open_ticket(session, service.Draft(**values), DEFAULT, auth.utcnow()).ticket
        session.commit()
        return ticket


def sign_in(app, client, prefix: str = "") -> None:
    with app.app_context(), db.database(app).session() as session:
        accounts.create(session, "sam@example.com", "Sam Agent", PASSWORD, auth.utcnow())
        session.commit()
    page = client.get(f"{prefix}/staff/login").get_data(as_text=True)
    answer = client.post(
        f"{prefix}/staff/login",
        data={"csrf_token": TOKEN.search(page).group(1), "email": "sam@example.com", "password": PASSWORD},
    )
    assert answer.status_code == 303


# The ticket form ---------------------------------------------------------------------------


def test_the_ticket_form_in_hebrew_has_hebrew_labels_and_errors(client):
    page = client.get("/he/tickets/new").get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in page
    for words in ("השם שלכם", "כתובת אימייל", "כותרת", "תיאור", "שליחת הפנייה", "(לא חובה)"):
        assert words in page, words
    assert "Your name" not in page and "Send request" not in page
    assert 'action="/he/tickets/new"' in page

    refused = send(client, "/he/tickets/new", name="", email="dana.example.com", subject="s" * 151)
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert "נא לבדוק את 3 השדות האלה" in body
    assert field_error(body, "name") == "שגיאה: נא לכתוב את שמכם."
    # Hebrew only: email-validator's own explanation is English, so it is left out.
    assert field_error(body, "email") == "שגיאה: נא להזין כתובת אימייל כמו name@example.com."
    assert field_error(body, "subject") == "שגיאה: נא להשתמש בעד 150 תווים (כאן יש 151)."
    assert "Please" not in body
    assert not tickets(client.application)


def test_the_persian_form_counts_in_persian_digits(client):
    body = send(client, "/fa/tickets/new", subject="s" * 151).get_data(as_text=True)
    assert field_error(body, "subject") == "خطا: لطفاً حداکثر ۱۵۰ نویسه بنویسید (این متن ۱۵۱ نویسه دارد)."


def test_english_errors_keep_their_words_and_details(client):
    body = send(client, "/tickets/new", email="dana@localhost").get_data(as_text=True)
    assert field_error(body, "email").startswith("Error: Enter an email address like name@example.com. ")
    assert "It should have a period." in field_error(body, "email")


# A ticket opened in Persian ---------------------------------------------------------------------


def test_a_ticket_opened_in_persian_is_acknowledged_and_emailed_in_persian(app, client):
    response = send(client, "/fa/tickets/new")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/fa/tickets/acknowledged/")
    ack = client.get(response.headers["Location"]).get_data(as_text=True)
    [ticket] = tickets(app)
    assert ticket.lang == "fa"
    assert f'<bdi dir="ltr" class="reference">{ticket.reference}</bdi>' in ack
    assert "درخواست شما را دریافت کردیم" in ack and "<strong>۸ ساعت</strong>" in ack
    assert 'href="/fa/tickets/view/' in ack

    [mail] = outbox(app)
    assert (mail.kind, mail.lang) == ("acknowledgement", "fa")
    assert mail.subject == f"[{ticket.reference}] {VALID['subject']}"
    text = mail.body_text
    # Every paragraph of ours starts right to left; the reference stays one
    # left-to-right piece; the customer's name and subject keep their own direction.
    assert text.startswith(f"{RLM}سلام {FSI}Dana Levi{PDI} عزیز،")
    assert f"{RLM}کد پیگیری شما: {LRI}{ticket.reference}{PDI}\n" in text
    assert f"{RLM}عنوان: {FSI}{VALID['subject']}{PDI}\n" in text
    assert "ظرف ۸ ساعت پاسخ دهیم" in text
    # Links go to the Persian pages, alone on their line or between words, never inside marks.
    assert "\nhttp://localhost/fa/tickets/view/" in text and "http://localhost/fa/tickets/status " in text
    assert not re.search(rf"https?://\S*[{LRI}{PDI}{FSI}{RLM}]", text)
    assert "Hello" not in text and "reference" not in text

    page = mail.body_html
    assert '<html lang="fa" dir="rtl">' in page and '<div lang="fa" dir="rtl"' in page
    # The reference in the table and in the footer, isolated left to right both times.
    assert re.findall(r'<bdi dir="ltr" class="reference"[^>]*>([^<]+)</bdi>', page) == [ticket.reference] * 2
    assert "سلام <bdi>Dana Levi</bdi> عزیز،" in page
    assert 'href="http://localhost/fa/tickets/view/' in page
    assert LRI not in page and RLM not in page  # HTML isolates with <bdi>, not invisible marks


def test_english_emails_carry_no_bidi_marks(app, client):
    assert send(client, "/tickets/new", subject="Hub light is orange").status_code == 303
    [mail] = outbox(app)
    assert mail.lang == "en" and mail.body_text.startswith("Hello Dana Levi,\n")
    assert not set(mail.body_text) & {LRI, PDI, FSI, RLM}
    assert '<html lang="en" dir="ltr">' in mail.body_html
    assert "http://localhost/tickets/view/" in mail.body_text


# The customer's status page ---------------------------------------------------------------------


def test_the_status_page_in_hebrew_isolates_the_reference(app, client):
    ticket = open_ticket(app, lang="he", name="דנה לוי")
    with app.test_request_context():
        token = links.token_for(ticket)
    page = client.get(f"/he/tickets/view/{token}").get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in page
    assert f'<dt>מספר פנייה</dt><dd><bdi dir="ltr" class="reference">{ticket.reference}</bdi></dd>' in page
    assert '<span class="ticket-state ticket-state-new">התקבל</span>' in page
    assert "שליחת תשובה" in page and " UTC</dd>" in page
    assert f'action="/he/tickets/view/{token}/reply"' in page


def test_a_mistyped_reference_is_explained_in_hebrew(app, client):
    ticket = open_ticket(app)
    ref = ticket.reference
    typo = ref[:-1] + ("A" if ref[-1] != "A" else "B")
    form = client.get("/he/tickets/status").get_data(as_text=True)
    page = client.post(
        "/he/tickets/status", data={"csrf_token": TOKEN.search(form).group(1), "reference": typo, "email": "x@y.z"}
    ).get_data(as_text=True)
    assert "נראה שיש טעות הקלדה במספר הפנייה" in page
    found = client.post(
        "/he/tickets/status",
        data={"csrf_token": TOKEN.search(form).group(1), "reference": ref, "email": VALID["email"]},
    )
    assert found.status_code == 303 and found.headers["Location"].startswith("/he/tickets/view/")


# Emails sent from the English desk ------------------------------------------------------------------


def test_a_reply_from_the_english_desk_reaches_a_hebrew_customer_in_hebrew(app, client):
    ticket = open_ticket(app, lang="he", name="דנה לוי")
    sign_in(app, client)
    form = client.get(f"/staff/tickets/{ticket.reference}").get_data(as_text=True)
    assert "Reply to the customer" in form  # the desk itself stays English
    reply = "Please restart the Hub.\n\nאם זה לא עוזר, כתבו לנו."
    answer = client.post(
        f"/staff/tickets/{ticket.reference}/reply", data={"csrf_token": TOKEN.search(form).group(1), "body": reply}
    )
    assert answer.status_code == 303
    mail = outbox(app)[-1]
    assert (mail.kind, mail.lang) == ("reply", "he")
    assert mail.body_text.startswith(f"{RLM}שלום {FSI}דנה לוי{PDI},")
    assert "\n\nPlease restart the Hub.\n\nאם זה לא עוזר, כתבו לנו.\n\n" in mail.body_text  # as typed, no marks
    assert f"{LRI}{ticket.reference}{PDI}" in mail.body_text
    assert "\nhttp://localhost/he/tickets/view/" in mail.body_text
    assert '<p dir="auto" style="margin:0 0 12px;">Please restart the Hub.</p>' in mail.body_html
    assert "להשיב או לראות את השיחה" in mail.body_html


def test_the_survey_email_is_in_the_tickets_language(app):
    ticket = open_ticket(app, lang="fa")
    with app.test_request_context():
        session = db.session()
        ticket = session.get(Ticket, ticket.id)
        staff = accounts.create(session, "kim@example.com", "Kim", PASSWORD, auth.utcnow())
        service.update(session, ticket, staff, auth.utcnow(), DEFAULT, status="solved")
        session.commit()
    mail = outbox(app)[-1]
    assert mail.kind == "csat" and mail.subject == f"[{ticket.reference}] حل شد: کار ما چطور بود؟"
    assert f"{RLM}۵ - بسیار راضی: http://localhost/fa/tickets/view/" in mail.body_text


def test_a_phone_ticket_is_acknowledged_in_the_callers_language(app, client):
    sign_in(app, client)
    form = client.get("/staff/tickets/new").get_data(as_text=True)
    assert '<option value="he">עברית</option>' in form
    data = {
        "csrf_token": TOKEN.search(form).group(1),
        "submission": hidden(form, "submission"),
        **VALID,
        "subject": "Hub light",
        "lang": "he",
        "priority": "",
    }
    assert client.post("/staff/tickets/new", data=data).status_code == 303
    [ticket] = tickets(app)
    [mail] = outbox(app)
    assert ticket.lang == "he" and mail.lang == "he"
    assert "תודה שפניתם אל" in mail.body_text


# The staff desk ------------------------------------------------------------------------------------


def test_the_desk_shows_a_hebrew_message_right_to_left(app, client):
    ticket = open_ticket(app, lang="he", name="דנה לוי", subject="הנורה כתומה", description="הנורה ב-Hub כתומה מהבוקר.")
    sign_in(app, client)
    page = client.get(f"/staff/tickets/{ticket.reference}").get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert '<div class="message-body" dir="auto">הנורה ב-Hub כתומה מהבוקר.</div>' in page
    assert '<h1 class="ticket-subject"><bdi dir="auto">הנורה כתומה</bdi></h1>' in page
    assert '<bdi dir="ltr">dana@example.com</bdi>' in page
    assert "<dt>Language</dt><dd><bdi>Hebrew</bdi>" in page


def test_the_desk_works_in_hebrew_with_one_sign_in(app, client):
    sign_in(app, client, "/he")
    queue = client.get("/he/staff")
    assert queue.status_code == 200
    body = queue.get_data(as_text=True)
    assert '<html lang="he" dir="rtl">' in body and "עמדת הצוות" in body and "אין פניות שמתאימות לסינון הזה." in body
    assert client.get("/staff").status_code == 200  # the same session on the English desk
    # Signed out: a Hebrew desk page asks to sign in, and comes back to it afterwards.
    client.post("/he/staff/logout", data={"csrf_token": TOKEN.search(body).group(1)})
    asked = client.get("/he/staff/troubleshooting")
    assert asked.status_code == 302 and "next=%2Fhe%2Fstaff%2Ftroubleshooting" in asked.headers["Location"]
    assert client.get("/staff").status_code == 302


def test_the_desk_has_the_language_switcher_but_not_the_customers_offer(app, client):
    assert "<template data-offer=" in client.get("/he/").get_data(as_text=True)  # the public site offers
    login_page = client.get("/he/staff/login").get_data(as_text=True)
    sign_in(app, client, "/he")
    for body in (login_page, client.get("/he/staff").get_data(as_text=True)):
        assert "data-offer" not in body and "This page is available in" not in body
        switcher = body[body.index('class="language-switcher"') :].split("</nav>")[0]
        assert 'href="/staff' in switcher and 'href="/fa/staff' in switcher
    assert client.get("/fa/staff").status_code == 200  # where the switcher leads, signed in


def test_next_after_sign_in_stays_on_the_desk(app):
    with app.test_request_context():
        assert auth.safe_next("/he/staff/tickets/K7QM-4DXP") == "/he/staff/tickets/K7QM-4DXP"
        for outside in ("/he/articles/x", "/staffing", "https://example.com/staff", "//example.com/staff"):
            assert auth.safe_next(outside) == "/staff"


# Pieces -------------------------------------------------------------------------------------------


def test_plain_text_marks_only_for_right_to_left():
    rtl, ltr = bidi.PlainText("rtl"), bidi.PlainText("ltr")
    assert rtl.ltr("K7QM-4DXP") == f"{LRI}K7QM-4DXP{PDI}" and ltr.ltr("K7QM-4DXP") == "K7QM-4DXP"
    assert rtl.own("Dana") == f"{FSI}Dana{PDI}" and ltr.own("Dana") == "Dana"
    assert (rtl.rlm, ltr.rlm) == (RLM, "")


@pytest.mark.parametrize(
    ("lang", "delta", "expected"),
    [
        ("en", dt.timedelta(days=1, hours=12), "1 day 12 hours"),
        ("he", dt.timedelta(days=1, hours=12), "יום אחד ו־12 שעות"),
        ("he", dt.timedelta(hours=8), "8 שעות"),
        ("fa", dt.timedelta(days=1, hours=12), "۱ روز و ۱۲ ساعت"),
        ("fa", dt.timedelta(minutes=30), "۳۰ دقیقه"),
    ],
)
def test_durations_read_naturally_in_each_language(app, lang, delta, expected):
    with app.test_request_context(), force_locale(lang):
        assert format_duration(delta) == expected


def test_api_field_messages_stay_english_on_a_hebrew_request(app):
    with app.test_request_context():
        g.lang = "he"
        assert str(forms.ONE_LINE) == "נא לכתוב את זה בשורה אחת."
        checked = forms.check_payload({"name": "", "email": "x"}, [("hub", "Hub")])
    assert checked.errors["name"] == ["Please tell us your name."]
    assert checked.errors["email"][0].startswith("Enter an email address like name@example.com.")


def test_lazy_translations_are_escaped_like_any_text(app):
    with app.test_request_context():
        assert str(escape(lazy_gettext("Tom & Jerry's <b>"))) == "Tom &amp; Jerry&#39;s &lt;b&gt;"
