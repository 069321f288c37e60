"""The whole ticket journey in a real browser, on the repository's own help
centre: a troubleshooter that does not fix the problem, the ticket form it
hands over to, the acknowledgement, the email (through a real SMTP server on
loopback), a staff member answering from the desk in another browser, and the
customer reading the answer and rating it.

Each page on the way is photographed into the test's tmp_path at desktop width
and at 360 px (a small phone), where it must not be wider than the screen.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from gunicorn_server import free_port

from .conftest import PHONE, _missing, built_site, serving_site

REPO_ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 800}
REFERENCE = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
CUSTOMER = {"name": "Ana Lima", "email": "ana.lima@example.com"}
AGENT = {"email": "robin@harborfibre.example", "name": "Robin Park", "password": "correct horse battery"}
TREE = "cant-sign-in"
TREE_TITLE = "Can't sign in to your account"
# Answered "no, still not working" until the troubleshooter hands over to a person.
WALK = (
    "I've forgotten my password, or it says it's wrong",
    "No, still not working",
    "The reset email never arrived",
    "No, still not working",
)
SUBJECT = "Reset email never arrives"
DESCRIPTION = "I asked for a reset link three times this morning and nothing came, not even in spam."
INTERNAL_NOTE = "Checked the sign-in log: three resets sent, none opened."
STAFF_REPLY = "I've sent a reset link to the mobile number on your account. It works for 30 minutes."


class Inbox:
    """What the loopback SMTP server accepted."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            self._messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"

    def take(self) -> list[EmailMessage]:
        """The messages received since the last call."""
        with self._lock:
            taken, self._messages = self._messages, []
        return taken


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on a free loopback port: (its inbox, its port)."""
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        _missing("aiosmtpd is not installed (pip install -e '.[test]')")
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The repository's content (its sample trees and sla.yaml), built, with a
    database of its own."""
    return built_site(REPO_ROOT, tmp_path_factory.mktemp("browser-journey"))


@pytest.fixture(scope="module")
def server(settings: dict[str, str]) -> Iterator[str]:
    """gunicorn serving ``settings``; the browser's contexts use it as base URL."""
    with serving_site(settings) as base:
        yield base


@pytest.fixture(scope="module")
def flask_cli(server: str, settings: dict[str, str], smtp: tuple[Inbox, int]) -> Iterator[Callable[..., Result]]:
    """``flask_cli(*args, input=None)``: ``flask --app portal ARGS`` on the
    server's database, with the loopback SMTP server configured (one app for
    every command: quicker than a process each)."""
    from portal import create_app

    app = create_app({**settings, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp[1]})
    runner = app.test_cli_runner()

    def invoke(*args: str, input: str | None = None) -> Result:
        result = runner.invoke(args=list(args), input=input)
        assert result.exit_code == 0, result.output
        return result

    yield invoke
    app.extensions["portal.published"].close()
    app.extensions["portal.db"].dispose()


# Ids used by more than one element: a label or hint that names the wrong field.
DUPLICATE_IDS = """[...document.querySelectorAll("[id]")].map(e => e.id)
    .filter((id, i, ids) => ids.indexOf(id) !== i)"""
NEXT_FRAME = "new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"


def photograph(page: Any, folder: Path, name: str) -> None:
    """Screenshots at desktop width and at 360 px (laid out again before the
    picture), where nothing may be wider than the phone; and no id twice."""
    assert page.evaluate(DUPLICATE_IDS) == [], name
    page.screenshot(path=folder / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    try:
        page.evaluate(NEXT_FRAME)
        page.screenshot(path=folder / f"{name}-360.png", full_page=True)
        widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
        assert widths["scroll"] <= widths["inner"], (name, widths)
    finally:
        page.set_viewport_size(DESKTOP)


def plain_text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_from_a_failed_troubleshooter_to_a_ticket_answered_by_staff_and_rated(
    new_context, expect, server, flask_cli, smtp, tmp_path
):
    inbox, _port = smtp
    customer = new_context(viewport=DESKTOP).new_page()

    # 1. The troubleshooter does not fix it, and hands over to a person.
    customer.goto(f"/troubleshoot/{TREE}")
    for label in WALK:
        customer.locator(".step .options a", has_text=label).click()
    expect(customer.locator("#walk-progress-label")).to_have_text("Complete")
    customer.locator(".contact-support a", has_text="Contact support").click()

    # The form knows where the customer came from.
    expect(customer.locator("main h1")).to_have_text("Contact support")
    expect(customer.get_by_label("Subject")).to_have_value(TREE_TITLE)
    tried = customer.locator(".ticket-context", has_text="What you've already tried")
    expect(tried).to_contain_text(TREE_TITLE)
    steps = tried.locator(".ticket-transcript li")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("What's stopping you from signing in")
    expect(steps.nth(0)).to_contain_text(WALK[0])
    expect(steps.nth(2)).to_contain_text("What went wrong with the reset?")
    expect(steps.nth(2)).to_contain_text(WALK[2])
    expect(steps.nth(3)).to_contain_text("Did this solve it?")
    expect(steps.nth(3)).to_contain_text("Still not working")

    customer.get_by_label("Your name").fill(CUSTOMER["name"])
    customer.get_by_label("Email").fill(CUSTOMER["email"])
    # Typing a subject suggests articles that may answer it.
    subject = customer.get_by_label("Subject")
    subject.fill("")
    subject.press_sequentially(SUBJECT)
    suggestions = customer.locator("#ticket-suggestions")
    expect(suggestions).to_contain_text("Does one of these answer your question?")
    expect(suggestions.locator("a", has_text="Reset your password")).to_be_visible()
    customer.get_by_label("Description").fill(DESCRIPTION)
    photograph(customer, tmp_path, "1-form")
    customer.get_by_role("button", name="Send request").click()

    # 2. The acknowledgement: a reference to quote and when to expect an answer.
    expect(customer.locator("main h1")).to_have_text("We've got your request")
    reference = customer.locator(".ticket-reference .reference").inner_text().strip()
    assert REFERENCE.match(reference), reference
    # The tree's escalation asks for normal priority: sla.yaml answers those within 8 hours.
    expect(customer.locator(".ticket-next")).to_contain_text("usually within 8 hours")
    photograph(customer, tmp_path, "2-acknowledged")
    customer.get_by_role("link", name="See your request").click()
    expect(customer.locator(".ticket-state")).to_have_text("Received")
    expect(customer.locator(".conversation")).to_contain_text(DESCRIPTION)

    # 3. The outbox goes out through SMTP: the acknowledgement, with a signed link.
    assert "Sent 1 email." in flask_cli("send-mail").output
    (ack,) = inbox.take()
    assert ack["To"] == CUSTOMER["email"]
    assert reference in ack["Subject"]
    body = plain_text(ack)
    assert f"Your reference: {reference}" in body
    assert f">{reference}</bdi>" in ack.get_body(preferencelist=("html",)).get_content()
    link = re.search(rf"{re.escape(server)}/tickets/view/\S+", body)
    assert link, body

    # 4. A member of staff, in a browser of their own, answers and solves it.
    flask_cli("staff", "create", AGENT["email"], "--name", AGENT["name"], "--password-stdin", input=AGENT["password"])
    staff = new_context(viewport=DESKTOP).new_page()
    staff.goto("/staff/login")
    staff.get_by_label("Email").fill(AGENT["email"])
    staff.get_by_label("Password").fill(AGENT["password"])
    staff.get_by_role("button", name="Sign in").click()
    expect(staff.locator("main h1")).to_have_text("Queue")
    row = staff.locator(".queue-table tbody tr", has_text=reference)
    expect(row).to_contain_text(SUBJECT)
    expect(row).to_contain_text(CUSTOMER["email"])
    photograph(staff, tmp_path, "3-staff-queue")
    # A caller reads the reference out: typed in lower case with a space, it is found.
    staff.get_by_label("Find ticket").fill(reference.lower().replace("-", " "))
    staff.get_by_role("button", name="Find", exact=True).click()
    expect(staff.locator("h1.ticket-subject")).to_have_text(SUBJECT)
    context = staff.locator(".customer-context")
    expect(context).to_contain_text(f"Troubleshooter: {TREE_TITLE}")
    expect(context.locator(".transcript li")).to_have_count(4)
    expect(context.locator(".transcript li").nth(2)).to_contain_text(WALK[2])
    expect(staff.locator(".history")).to_contain_text(DESCRIPTION)

    staff.get_by_label("Note", exact=True).fill(INTERNAL_NOTE)
    staff.get_by_role("button", name="Add note").click()
    expect(staff.locator(".history .message-note")).to_contain_text(INTERNAL_NOTE)
    staff.get_by_label("Message").fill(STAFF_REPLY)
    staff.get_by_label("Then set status").select_option("solved")
    staff.get_by_role("button", name="Send reply").click()
    expect(staff.locator(".staff-flash")).to_contain_text(f"Reply sent to {CUSTOMER['email']}. Status: solved.")
    expect(staff.locator(".history .message-staff")).to_contain_text(STAFF_REPLY)
    photograph(staff, tmp_path, "4-staff-ticket")

    assert "Sent 2 emails." in flask_cli("send-mail").output
    sent = {message["Subject"]: plain_text(message) for message in inbox.take()}
    assert STAFF_REPLY in sent[f"Re: [{reference}] {SUBJECT}"]
    survey = sent[f"[{reference}] Solved: how did we do?"]
    satisfied = re.search(rf"4 - Satisfied: ({re.escape(server)}/tickets/view/[^\s?]+\?rate=4#csat)", survey)
    assert satisfied, survey

    # 5. The customer follows the email's link, reads the answer and rates it, once.
    customer.goto(link.group())
    expect(customer.locator("main h1")).to_have_text(SUBJECT)
    expect(customer.locator(".ticket-facts")).to_contain_text(reference)
    expect(customer.locator(".ticket-state")).to_have_text("Solved")
    answer = customer.locator(".conversation .message-staff")
    expect(answer).to_contain_text(STAFF_REPLY)
    expect(answer).to_contain_text(AGENT["name"])
    expect(customer.locator(".conversation")).not_to_contain_text(INTERNAL_NOTE)
    photograph(customer, tmp_path, "5-status")
    # The survey email's "Satisfied" link: that answer is chosen, to be confirmed.
    customer.goto(satisfied.group(1))
    csat = customer.locator("#csat")
    expect(csat.get_by_label("4 · Satisfied")).to_be_checked()
    csat.get_by_label("5 · Very satisfied").check()
    csat.get_by_label("Anything you'd like to tell us?").fill("Quick and clear, thank you.")
    csat.get_by_role("button", name="Send").click()
    expect(customer.locator(".ticket-done")).to_have_text("Thank you for telling us how we did.")
    expect(csat.locator("form")).to_have_count(0)
    expect(csat).to_contain_text("5 · Very satisfied")

    # On another device, by reference (as read from a letter) and email: rated, no second form.
    other = new_context(viewport=DESKTOP).new_page()
    other.goto("/tickets/status")
    other.get_by_label("Reference").fill(reference.lower().replace("-", " "))
    other.get_by_label("Email address").fill(CUSTOMER["email"].upper())
    other.get_by_role("button", name="Find my request").click()
    expect(other.locator("main h1")).to_have_text(SUBJECT)
    expect(other.locator(".conversation")).to_contain_text(STAFF_REPLY)
    expect(other.locator("#csat")).to_contain_text("Your rating")
    expect(other.locator("#csat form")).to_have_count(0)

    # The desk sees the answer to the survey.
    staff.reload()
    expect(staff.locator(".ticket-aside")).to_contain_text("5 / 5")
    expect(staff.locator(".ticket-aside")).to_contain_text("Quick and clear, thank you.")
