"""The emails the portal sends about tickets, built from the ticket alone.

Each function returns an :class:`Email`; :func:`portal.tickets.outbox.enqueue`
stores it in the same transaction as the change it announces, and
:func:`portal.tickets.outbox.deliver_due` sends it later. Every email has a
plain-text body and an HTML alternative, both rendered from
``templates/emails/``: the HTML one is autoescaped like every page (a name or
subject with ``<script>`` in it arrives as text), and the plain one is never
interpreted by a mail client. Headers are built by :mod:`email.message` at
delivery, which refuses CR and LF in them; the forms refuse those already.

Each email is written in the ticket's language (``Ticket.lang``, the
interface language the ticket was opened in), rendered under
:func:`flask_babel.force_locale`, whatever the language of the request that
sends it (a staff reply from the English desk still reaches a Persian customer
in Persian). The message's ``lang`` and ``dir`` follow, so a right-to-left
customer's mail client lays it out their way. References are wrapped in
``<bdi dir="ltr">`` and customers' own words in ``<bdi>``, so each keeps its
direction whatever surrounds it; the plain-text part does the same with
Unicode's isolates (:mod:`portal.tickets.bidi`). An agent's reply is sent as
typed, each paragraph in its own direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext

from portal import i18n
from portal.i18n import LazyText, lazy_gettext
from portal.models import Ticket, TicketMessage
from portal.tickets import links
from portal.tickets.bidi import PlainText
from portal.tickets.sla import Sla, format_duration

# "How satisfied are you?": the score stored (1-5) and what the customer reads.
# L10n: shown as the five choices, most satisfied first.
CSAT_CHOICES: dict[int, LazyText] = {
    5: lazy_gettext("Very satisfied"),
    4: lazy_gettext("Satisfied"),
    3: lazy_gettext("Neither satisfied nor dissatisfied"),
    2: lazy_gettext("Dissatisfied"),
    1: lazy_gettext("Very dissatisfied"),
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


def email_lang(ticket: Ticket) -> str:
    """The language a ticket's emails are written in: the ticket's own when the
    portal speaks it, else English."""
    lang = (ticket.lang or "").split("-")[0]
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT


def _render(name: str, ticket: Ticket, lang: str, **context: Any) -> tuple[str, str]:
    """(plain text, HTML) of ``emails/<name>.txt`` and ``.html``, in ``lang``.

    Rendered straight from the app's Jinja environment rather than with
    ``render_template``: an email is built for one customer, so it must not pick
    up anything from the request that happens to send it (its language included).
    """
    env = current_app.jinja_env
    direction = i18n.direction(lang)
    marks = PlainText(direction)
    values = {
        "ticket": ticket,
        "site_name": str(current_app.config.get("SITE_NAME", "Help Centre")),
        "support_email": str(current_app.config.get("SUPPORT_EMAIL", "")),
        "lang": lang,
        "dir": direction,
        # Plain text: marks that keep references and customers' words in order
        # inside right-to-left text (nothing at all for left to right).
        "rlm": marks.rlm,
        "ltr": marks.ltr,
        "own": marks.own,
        "link": links.ticket_link(ticket),
        "lookup_link": links.lookup_link(ticket.lang),
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
    lang = email_lang(ticket)
    with force_locale(lang):
        first = format_duration(ticket.first_response_due - ticket.created)
        text, html = _render("acknowledgement", ticket, lang, first_response=first)
    return Email("acknowledgement", ticket.email, _subject(ticket), text, html, lang)


def staff_reply(ticket: Ticket, message: TicketMessage, staff_name: str) -> Email:
    """A support agent's answer, in full and as typed, with the way to reply on
    the site; the words around it are in the ticket's language."""
    paragraphs = [p.strip("\n") for p in message.body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    lang = email_lang(ticket)
    with force_locale(lang):
        text, html = _render(
            "reply", ticket, lang, body=message.body.strip(), paragraphs=paragraphs, staff_name=staff_name
        )
    # "Re:" is what mail clients thread on, in every language.
    return Email("reply", ticket.email, _subject(ticket, "Re: "), text, html, lang)


def satisfaction_survey(ticket: Ticket) -> Email:
    """Sent when a ticket is solved. Each choice links to the ticket's page
    with that score picked; the customer confirms it there (with an optional
    comment), because links in emails get opened by scanners and previews."""
    base = links.ticket_link(ticket)
    lang = email_lang(ticket)
    with force_locale(lang):
        choices = [(score, str(label), f"{base}?rate={score}#csat") for score, label in CSAT_CHOICES.items()]
        text, html = _render("csat", ticket, lang, choices=choices)
        subject = gettext("[%(reference)s] Solved: how did we do?", reference=ticket.reference)
    return Email("csat", ticket.email, subject, text, html, lang)
