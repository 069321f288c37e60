"""Staff accounts: created from the command line, never from the web.

Passwords are hashed with werkzeug's scrypt (:data:`HASH_METHOD`); the hash is
all that is stored. Emails are compared case-insensitively (stored casefolded),
so ``Sam@Example.com`` and ``sam@example.com`` are one account.

:func:`authenticate` does the same work whether or not the account exists: an
unknown email is checked against a dummy hash of the same cost, so neither the
answer nor its timing tells an outsider which emails are staff.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import secrets

from flask_babel import gettext
from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models import EMAIL_LENGTH, NAME_LENGTH, Staff, StaffSession

# werkzeug's scrypt at its default cost (n=2^15, r=8, p=1: about 0.1 s and
# 32 MB per check). Tests lower it; accounts keep the cost they were hashed with.
HASH_METHOD = "scrypt"
MIN_PASSWORD = 12
# scrypt takes any length, but nobody types a kilobyte; a megabyte "password"
# is an attempt to make the server work, not a person signing in.
MAX_PASSWORD = 1024
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class AccountError(ValueError):
    """Why an account could not be created or changed; shown to the operator as is."""


def normalise_email(email: str) -> str:
    """How an email is stored and looked up: trimmed and casefolded."""
    return email.strip().casefold()


def _typeable(text: str) -> bool:
    """False for text that cannot be encoded (lone surrogates) or holds control characters."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return not _CONTROL.search(text)


def email_problem(email: str) -> str:
    """Why ``email`` cannot name an account, or ``""``."""
    email = normalise_email(email)
    if not email:
        return "Enter an email address."
    if len(email) > EMAIL_LENGTH:
        return f"An email address has at most {EMAIL_LENGTH} characters."
    if not _typeable(email) or not _EMAIL.fullmatch(email):
        return "Enter an email address such as sam@example.com."
    return ""


def name_problem(name: str) -> str:
    name = name.strip()
    if not name:
        return "Enter a name."
    if len(name) > NAME_LENGTH:
        return f"A name has at most {NAME_LENGTH} characters."
    if not _typeable(name):
        return "The name contains characters that cannot be shown."
    return ""


def password_problem(password: str, email: str) -> str:
    """Why ``password`` is not good enough for the account ``email``, or ``""``."""
    # Shown on the desk's password page in the agent's language; the command
    # line has no request, so it reads them in English.
    if len(password) < MIN_PASSWORD:
        return gettext("A password needs at least %(count)s characters.", count=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return gettext("A password has at most %(count)s characters.", count=MAX_PASSWORD)
    if not _typeable(password):
        return gettext("The password contains characters that cannot be typed.")
    if normalise_email(password) == normalise_email(email):
        return gettext("The password must not be the email address.")
    return ""


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=HASH_METHOD)


@functools.cache
def _dummy_hash(method: str) -> str:
    """A hash of a random password at the cost real accounts use, so checking
    an unknown account costs what checking a real one does."""
    return generate_password_hash(secrets.token_urlsafe(16), method=method)


def find(session: Session, email: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.email == normalise_email(email)))


def all_staff(session: Session) -> list[Staff]:
    return list(session.scalars(select(Staff).order_by(Staff.name, Staff.email)))


def create(session: Session, email: str, name: str, password: str, now: dt.datetime) -> Staff:
    """A new, active account. :raise AccountError: a bad email, name or password,
    or an account with that email already."""
    problem = email_problem(email) or name_problem(name) or password_problem(password, email)
    if problem:
        raise AccountError(problem)
    if find(session, email) is not None:
        raise AccountError(f"There is already an account for {normalise_email(email)}.")
    staff = Staff(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password),
        active=True,
        created=now,
        password_changed=now,
    )
    session.add(staff)
    session.flush()
    return staff


def end_sessions(session: Session, staff_id: int) -> None:
    """Sign the account out of every browser."""
    session.execute(delete(StaffSession).where(StaffSession.staff_id == staff_id))


def set_password(session: Session, staff: Staff, password: str, now: dt.datetime) -> None:
    """Change the password and end every session (whoever knew the old one is
    out). :raise AccountError: the password is not good enough."""
    problem = password_problem(password, staff.email)
    if problem:
        raise AccountError(problem)
    staff.password_hash = hash_password(password)
    staff.password_changed = now
    end_sessions(session, staff.id)


def disable(session: Session, staff: Staff) -> None:
    """Refuse sign-in and end every session; tickets keep the agent's name."""
    staff.active = False
    end_sessions(session, staff.id)


def enable(staff: Staff) -> None:
    staff.active = True


def authenticate(session: Session, email: str, password: str) -> Staff | None:
    """The active account ``email`` if ``password`` is its password, else ``None``.

    An unknown email, a wrong password and a disabled account look the same and
    cost the same: one scrypt check each time.
    """
    staff = find(session, email) if not email_problem(email) else None
    if not (0 < len(password) <= MAX_PASSWORD and _typeable(password)):
        password = ""  # still hashed below: the answer takes as long as any other
    if staff is None:
        check_password_hash(_dummy_hash(HASH_METHOD), password)
        return None
    if not check_password_hash(staff.password_hash, password) or not password:
        return None
    return staff if staff.active else None
