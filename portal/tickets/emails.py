"""The emails the portal sends about tickets, built from the ticket alone.

Each function returns an :class:`Email`; :func:`portal.tickets.outbox.enqueue`
stores it in the same transaction as the change it announces, and
:func:`portal.tickets.outbox.deliver_due` sends it later. Every email has a
plain-text body and an HTML alternative, both rendered from
``templates/emails/``: the HTML one is autoescaped like every page (a name or
subject with ``<script>`` in it arrives as text), and the plain one is never
interpreted by a mail client. Headers are built by :mod:`email.message` at
delivery, which refuses CR and LF in them; the forms refuse those already.

The words are English for now (:data:`TRANSLATED`). The message's ``lang``
and ``dir`` follow the ticket's language, so a right-to-left customer's mail
client lays it out their way; the English text inside is marked ``lang="en"
dir="ltr"`` until it is translated; references are wrapped in
``<bdi dir="ltr">`` and customers' own words in ``<bdi>``, so each keeps its
direction whatever surrounds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for

from portal.models import Ticket, TicketMessage
from portal.tickets import links
from portal.tickets.sla import Sla, format_duration

# Languages the emails' words are written in. A customer in another language
# gets English, marked as such, inside a message whose lang and dir are theirs:
# English laid out right to left would put its full stops at the wrong end.
TRANSLATED = frozenset({"en"})

# "How satisfied are you?": the score stored (1-5) and what the customer reads.
# L10n: shown as the five choices, most satisfied first.
CSAT_CHOICES: dict[int, str] = {
    5: "Very satisfied",
    4: "Satisfied",
    3: "Neither satisfied nor dissatisfied",
    2: "Dissatisfied",
    1: "Very dissatisfied",
}


@dataclass(frozen=True)
class Email:
    """One message for the outbox. ``kind`` is ``acknowledgement``, ``reply``
    or ``csat``; ``html`` is the HTML alternative of ``text`` (may be empty)."""

    kind: str
    recipient: str
    subject: str
    text: str
    html: str = ""
    lang: str = "en"


def _render(name: str, ticket: Ticket, **context: Any) -> tuple[str, str]:
    """(plain text, HTML) of ``emails/<name>.txt`` and ``.html``.

    Rendered straight from the app's Jinja environment rather than with
    ``render_template``: an email is built for one customer, so it must not pick
    up anything from the request that happens to send it.
    """
    # Imported here: portal.views imports the views that import this module.
    from portal.views.helpers import direction

    env = current_app.jinja_env
    lang = ticket.lang or "en"
    words = lang if lang.split("-")[0] in TRANSLATED else "en"
    values = {
        "ticket": ticket,
        "site_name": str(current_app.config.get("SITE_NAME", "Help Centre")),
        "support_email": str(current_app.config.get("SUPPORT_EMAIL", "")),
        "lang": lang,
        "dir": direction(lang),
        "text_lang": words,
        "text_dir": direction(words),
        "link": links.ticket_link(ticket),
        "lookup_link": links.site_root() + url_for("ticket_status.lookup"),
        **context,
    }
    text = env.get_template(f"emails/{name}.txt").render(values).strip() + "\n"
    html = env.get_template(f"emails/{name}.html").render(values)
    return text, html


def _subject(ticket: Ticket, prefix: str = "") -> str:
    return f"{prefix}[{ticket.reference}] {ticket.subject}"


def acknowledgement(ticket: Ticket, sla: Sla) -> Email:
    """Sent when a ticket is opened: the reference to quote, what happens next,
    when to expect the first answer, and the link to the ticket's page."""
    first = format_duration(ticket.first_response_due - ticket.created)
    text, html = _render("acknowledgement", ticket, first_response=first)
    return Email("acknowledgement", ticket.email, _subject(ticket), text, html, ticket.lang)


def staff_reply(ticket: Ticket, message: TicketMessage, staff_name: str) -> Email:
    """A support agent's answer, in full, with the way to reply on the site."""
    paragraphs = [p.strip("\n") for p in message.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    text, html = _render("reply", ticket, body=message.body.strip(), paragraphs=paragraphs, staff_name=staff_name)
    return Email("reply", ticket.email, _subject(ticket, "Re: "), text, html, ticket.lang)


def satisfaction_survey(ticket: Ticket) -> Email:
    """Sent when a ticket is solved. Each choice links to the ticket's page
    with that score picked; the customer confirms it there (with an optional
    comment), because links in emails get opened by scanners and previews."""
    base = links.ticket_link(ticket)
    choices = [(score, label, f"{base}?rate={score}#csat") for score, label in CSAT_CHOICES.items()]
    text, html = _render("csat", ticket, choices=choices)
    return Email("csat", ticket.email, f"[{ticket.reference}] Solved: how did we do?", text, html, ticket.lang)
