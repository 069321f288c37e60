"""The ticket history's change entries (``system`` messages): written as data,
read as a sentence in the reader's language.

An entry is a small JSON object in ``TicketMessage.body``, marked with the
format's version so it cannot be taken for text::

    {"history": 1, "event": "status", "from": "new", "to": "pending", "by": "Sam"}
    {"history": 1, "event": "priority", "from": "normal", "to": "urgent", "by": "Sam"}
    {"history": 1, "event": "assignee", "to": "Kim", "by": "Sam"}

``by`` is the agent's name at the time of the change, or ``null`` for the
customer (only a status changes that way); an assignee ``to`` of ``null`` means
nobody. Stored values (``pending``, ``urgent``) stay as the database has them
and are named by :mod:`portal.staff.labels` when the entry is shown, so the
Hebrew desk reads "חדש", the English one "New", from the same row.

Entries written before this format are English sentences ("Status changed from
new to pending by Sam"); :func:`describe` shows them as they are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import get_locale, gettext

from portal import i18n
from portal.staff.labels import priority_name, status_name
from portal.tickets.bidi import isolate

VERSION = 1
MARKER = "history"
EVENTS = ("status", "priority", "assignee")


@dataclass(frozen=True)
class Change:
    """One entry: ``event`` is one of :data:`EVENTS`; ``old`` is the value
    before (``None`` for an assignee), ``new`` the value after (an assignee's
    name, ``None`` for nobody); ``by`` the agent's name, ``None`` for the customer."""

    event: str
    old: str | None
    new: str | None
    by: str | None


def _encode(change: Change) -> str:
    data: dict[str, Any] = {MARKER: VERSION, "event": change.event}
    if change.event != "assignee":
        data["from"] = change.old
    data |= {"to": change.new, "by": change.by}
    # Names stay readable in the database (Hebrew and Persian agents' names too).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def status_changed(old: str, new: str, by: str | None) -> str:
    """The body for a status change by the agent named ``by``, or the customer (``None``)."""
    return _encode(Change("status", old, new, by))


def priority_changed(old: str, new: str, by: str) -> str:
    return _encode(Change("priority", old, new, by))


def assigned(to: str | None, by: str) -> str:
    """The body for a new assignee (``None``: nobody) chosen by the agent named ``by``."""
    return _encode(Change("assignee", None, to, by))


class Unreadable(ValueError):
    """A body with the history marker that this version cannot read (a newer
    format, or a damaged row)."""


def _optional_text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or isinstance(value, str):
        return value
    raise Unreadable(f"{key} is not text")


def parse(body: str) -> Change | None:
    """The change a body records, or ``None`` when it is plain text (an entry
    written before this format).

    :raise Unreadable: it carries the marker but not a change this version knows.
    """
    if not body.startswith("{"):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict) or MARKER not in data:
        return None
    if data[MARKER] != VERSION or data.get("event") not in EVENTS:
        raise Unreadable(f"unknown entry {data.get(MARKER)!r}/{data.get('event')!r}")
    event = data["event"]
    change = Change(event, _optional_text(data, "from"), _optional_text(data, "to"), _optional_text(data, "by"))
    if event != "assignee" and (change.old is None or change.new is None):
        raise Unreadable("a status or priority change without both values")
    if event != "status" and change.by is None:
        raise Unreadable("only a status is changed by the customer")
    return change


def _name(text: str) -> str:
    """A person's name, kept in one piece inside right-to-left text (an
    English line stays free of marks, as the plain-text emails do)."""
    locale = get_locale()
    return isolate(text) if locale and i18n.direction(str(locale)) == "rtl" else text


def describe(body: str) -> str:
    """The history line staff read for a ``system`` message, in the active
    language: a structured entry as a translated sentence, an older plain-text
    entry exactly as it was stored, and an entry this version cannot read as a
    neutral line rather than its raw JSON."""
    try:
        change = parse(body)
    except Unreadable:
        # L10n: a ticket history entry the desk cannot read (written by a newer version).
        return gettext("The ticket was changed.")
    if change is None:
        return body
    if change.event == "status":
        old, new = status_name(change.old or ""), status_name(change.new or "")
        if change.by is None:
            # L10n: ticket history; the statuses are the desk's names (New, Pending, …).
            return gettext("Status changed from %(old)s to %(new)s by the customer", old=old, new=new)
        # L10n: ticket history; the statuses are the desk's names, %(agent)s the agent's name.
        return gettext("Status changed from %(old)s to %(new)s by %(agent)s", old=old, new=new, agent=_name(change.by))
    by = _name(change.by or "")
    if change.event == "priority":
        old, new = priority_name(change.old or ""), priority_name(change.new or "")
        # L10n: ticket history; the priorities are the desk's names (Low, Normal, High, Urgent).
        return gettext("Priority changed from %(old)s to %(new)s by %(agent)s", old=old, new=new, agent=by)
    if change.new is None:
        # L10n: ticket history: the ticket no longer has an assignee.
        return gettext("Unassigned by %(agent)s", agent=by)
    # L10n: ticket history: %(assignee)s now handles the ticket; %(agent)s made the change.
    return gettext("Assigned to %(assignee)s by %(agent)s", assignee=_name(change.new), agent=by)
