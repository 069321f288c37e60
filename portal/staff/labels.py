"""What the desk calls a ticket's status, priority and channel, in the agent's
interface language. The stored values (``new``, ``urgent``, ``phone``) never change."""

from __future__ import annotations

from portal.i18n import LazyText, lazy_gettext

# L10n: a ticket's status on the staff desk.
STATUS_NAMES: dict[str, LazyText] = {
    "new": lazy_gettext("New"),
    "open": lazy_gettext("Open"),
    "pending": lazy_gettext("Pending"),
    "solved": lazy_gettext("Solved"),
    "closed": lazy_gettext("Closed"),
}
# L10n: a ticket's priority on the staff desk.
PRIORITY_NAMES: dict[str, LazyText] = {
    "low": lazy_gettext("Low"),
    "normal": lazy_gettext("Normal"),
    "high": lazy_gettext("High"),
    "urgent": lazy_gettext("Urgent"),
}
# L10n: how a ticket reached us: the web form, the API (the company's app or
# chat widgets), a phone call.
CHANNEL_NAMES: dict[str, LazyText] = {
    "web": lazy_gettext("web"),
    "api": lazy_gettext("api"),
    "phone": lazy_gettext("phone"),
}

# L10n: the kind of a troubleshooting node, in the troubleshooting report
# ("escalate": hands the customer over to a person).
NODE_KINDS: dict[str, LazyText] = {
    "question": lazy_gettext("question"),
    "solution": lazy_gettext("solution"),
    "escalate": lazy_gettext("escalate"),
    "(removed)": lazy_gettext("(removed)"),
}


def status_name(status: str) -> str:
    return str(STATUS_NAMES.get(status, status))


def priority_name(priority: str) -> str:
    return str(PRIORITY_NAMES.get(priority, priority))


def channel_name(channel: str) -> str:
    return str(CHANNEL_NAMES.get(channel, channel))
