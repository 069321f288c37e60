"""The ticket form, and the checks every channel that opens a ticket shares.

:class:`TicketFields` holds the fields a customer fills in and their
validators; the web form (:class:`TicketForm`) adds its hidden fields and the
honeypot, and ``POST /api/tickets`` validates its JSON with the same class
(:func:`check_payload`), so the two channels can never accept different things.

What is refused, and why:

- NUL and other control characters: PostgreSQL refuses NUL in text, and none
  of them is something a person typed on purpose.
- Lone surrogates, and U+FFFD: a lone surrogate cannot be stored as UTF-8. In a
  JSON string it arrives as itself (``"\\ud800"``); in a form post it arrives
  as bytes that are not UTF-8, which :func:`decode_form` turns into lone
  surrogates (werkzeug would keep them as literal ``%ED%A0%80`` text, and a
  multipart parser as U+FFFD). Either way part of the text was lost on the
  way, so the customer is asked to type it again rather than have staff read
  a mangled message.
- Line breaks in one-line fields (name, email, subject): they end up in email
  headers, where a line break would start a new header (``Bcc:``).

Each is a field error with a message for the customer, never a 500.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale, get_locale, gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal import i18n
from portal.i18n import format_count, format_number, lazy_gettext
from portal.models import BODY_LENGTH, EMAIL_LENGTH, NAME_LENGTH, SUBJECT_LENGTH, Ticket

PRODUCTS = ("Harbor Hub", "Mesh discs", "Harbor TV box", "Harbor app", "Other")
ACCOUNT_LENGTH: int = Ticket.__table__.c.account_number.type.length  # type: ignore[attr-defined]
# The largest honest post: every field at its limit in 4-byte characters,
# percent-encoded (×3), is about 130 KB; anything beyond is refused unread (413).
MAX_REQUEST_BYTES = 256 * 1024
# What a form's submission token and an API's Idempotency-Key may look like.
_SUBMISSION = re.compile(r"[A-Za-z0-9_-]{16,64}")
_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 /-]*")
# Every character str.splitlines() breaks at: the email library folds headers
# with it, so any of them in a header value could start a new header.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_MULTILINE_KEEP = frozenset("\n\r\t")

# L10n: field errors, shown under the field.
UNREADABLE = lazy_gettext("Some characters here couldn't be read. Please type them again.")
CONTROL = lazy_gettext("This contains invisible control characters. Please type it again without them.")
ONE_LINE = lazy_gettext("Please keep this on one line.")


def text_problem(text: str, *, single_line: bool) -> str | None:
    """Why ``text`` cannot be stored or put in an email, or ``None``."""
    for ch in text:
        if single_line and ch in LINE_BREAKS:
            return str(ONE_LINE)
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Cs" or ch == "\ufffd":
            return str(UNREADABLE)
        if category == "Cc" and not (not single_line and ch in _MULTILINE_KEEP):
            return str(CONTROL)
    return None


def normalise(text: str | None, *, single_line: bool = True) -> str:
    """Text as it is stored: NFC, line breaks as ``\\n``, no surrounding space.
    Text with a lone surrogate is left alone (the validator refuses it)."""
    if text is None:
        return ""
    if not any(unicodedata.category(ch) == "Cs" for ch in text):
        text = unicodedata.normalize("NFC", text)
    # A tab pasted into one line is harmless (no error, a space); free text
    # keeps its lines, as \n.
    text = text.replace("\t", " ") if single_line else text.replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def check_email(text: str) -> tuple[str, str | None]:
    """(the address as stored, a message for the customer or ``None``).

    email-validator checks the syntax (no DNS lookup: a form must not wait on
    the network, and a mail server that is down today is not a wrong address).
    """
    try:
        found = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        message = gettext("Enter an email address like %(example)s.", example="name@example.com")
        # email-validator explains the problem in English only: a customer reading
        # another language gets the translated sentence alone.
        if str(get_locale() or "en").startswith("en"):
            message = f"{message} {exc}"
        return text, message
    return found.normalized, None


class Text:
    """A WTForms validator: :func:`text_problem`, for one-line or free text."""

    def __init__(self, *, single_line: bool = True) -> None:
        self.single_line = single_line

    def __call__(self, form: FlaskForm, field: Any) -> None:
        problem = text_problem(field.data or "", single_line=self.single_line)
        if problem:
            raise ValidationError(problem)


def _email(form: FlaskForm, field: Any) -> None:
    if text_problem(field.data or "", single_line=True):
        return  # Text() has said what is wrong
    field.data, problem = check_email(field.data or "")
    if problem:
        raise ValidationError(problem)


def _account(form: FlaskForm, field: Any) -> None:
    if field.data and not _ACCOUNT.fullmatch(field.data):
        raise ValidationError(
            gettext("Use the letters and numbers shown on your bill, such as %(example)s.", example="HF-2041-7785")
        )


def _one_line(value: str | None) -> str:
    return normalise(value, single_line=True)


def _free_text(value: str | None) -> str:
    return normalise(value, single_line=False)


class _TooLong:
    """A WTForms validator: at most ``limit`` characters, saying how many there are
    (numbers in the reader's own digits and separators)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, form: FlaskForm, field: Any) -> None:
        length = len(field.data or "")
        if length > self.limit:
            raise ValidationError(too_long_message(self.limit, length))


def too_long_message(limit: int, length: int) -> str:
    # The count is written without grouping (it is read as a figure, not an amount).
    return gettext(
        "Please use at most %(limit)s characters (this has %(length)s).",
        limit=format_number(limit),
        length=format_count(length),
    )


def _too_long(limit: int) -> _TooLong:
    return _TooLong(limit)


class TicketFields(FlaskForm):
    """What a customer tells us, on any channel. Call :meth:`set_categories`
    before validating: the topics are the help center's categories."""

    class Meta:
        csrf = False  # portal.csrf checks every form post before the view runs

    name = StringField(
        lazy_gettext("Your name"),
        filters=[_one_line],
        validators=[DataRequired(lazy_gettext("Please tell us your name.")), _too_long(NAME_LENGTH), Text()],
    )
    email = EmailField(
        lazy_gettext("Email address"),
        filters=[_one_line],
        validators=[
            DataRequired(lazy_gettext("Please enter your email address.")),
            _too_long(EMAIL_LENGTH),
            Text(),
            _email,
        ],
    )
    category = SelectField(lazy_gettext("Topic"), validate_choice=False)
    subject = StringField(
        lazy_gettext("Subject"),
        filters=[_one_line],
        validators=[DataRequired(lazy_gettext("Please add a subject.")), _too_long(SUBJECT_LENGTH), Text()],
    )
    description = TextAreaField(
        lazy_gettext("Description"),
        filters=[_free_text],
        validators=[
            DataRequired(lazy_gettext("Please describe what's happening.")),
            _too_long(BODY_LENGTH),
            Text(single_line=False),
        ],
    )
    product = SelectField(lazy_gettext("Product"), validate_choice=False, default="")
    account_number = StringField(
        lazy_gettext("Account number"),
        filters=[_one_line],
        validators=[Optional(), _too_long(ACCOUNT_LENGTH), Text(), _account],
    )

    def set_categories(self, categories: Iterable[tuple[str, str]]) -> None:
        """``(slug, title)`` pairs, in the order customers know them."""
        self.category.choices = [("", gettext("Choose a topic")), *categories]
        # Product names are Harbor Fibre's brand names, the same in every language;
        # only "Other" is a word.
        self.product.choices = [
            ("", gettext("Not about one product")),
            *((p, gettext("Other") if p == "Other" else p) for p in PRODUCTS),
        ]

    def validate_category(self, field: Any) -> None:
        if not field.data:
            raise ValidationError(gettext("Please choose the topic closest to your question."))
        if field.data not in {value for value, _label in field.choices if value}:
            raise ValidationError(gettext("Please choose one of the topics in the list."))

    def validate_product(self, field: Any) -> None:
        if field.data and field.data not in PRODUCTS:
            raise ValidationError(gettext("Please choose one of the products in the list."))


class TicketForm(TicketFields):
    """The web form: the fields, plus what the page carries for the server.

    ``submission`` is a random token rendered with the form, so posting the
    same form twice (a double click, Back and Submit, a retry after a timeout)
    finds the ticket the first post made. ``tree``/``a``/``outcome`` name a
    troubleshooting walk; the server recomputes its transcript from them.
    ``extra_details`` is the honeypot: hidden from people, filled by bots.
    """

    submission = HiddenField()
    tree = HiddenField(filters=[lambda v: v if v and len(v) <= 80 else ""])
    a = HiddenField(filters=[lambda v: v if v and len(v) <= 4200 else ""])
    outcome = HiddenField(filters=[lambda v: v if v and len(v) <= 16 else ""])
    include_context = BooleanField(lazy_gettext("Send this with my request"), default=True)
    extra_details = StringField(lazy_gettext("Leave this field empty"))


def decode_form(raw: bytes, max_fields: int = 50) -> MultiDict[str, str] | None:
    """An ``application/x-www-form-urlencoded`` body as fields, with bytes that
    are not UTF-8 kept as lone surrogates so :func:`text_problem` can say so;
    ``None`` for a body with more than ``max_fields`` fields (no form of ours)."""
    try:
        pairs = parse_qsl(
            raw.decode("ascii", "surrogateescape"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="surrogateescape",
            max_num_fields=max_fields,
        )
    except ValueError:
        return None
    return MultiDict(pairs)


def displayable(value: Any) -> Any:
    """``value`` safe to put in a page: lone surrogates become U+FFFD (a page
    cannot be encoded with them). Anything but text is returned as it is."""
    if not isinstance(value, str) or not any(unicodedata.category(ch) == "Cs" for ch in value):
        return value
    return "".join("\ufffd" if unicodedata.category(ch) == "Cs" else ch for ch in value)


def new_submission() -> str:
    return secrets.token_urlsafe(24)


def submission_token(value: str | None) -> str | None:
    """The posted token when it looks like one we made, else ``None`` (the
    ticket is still opened, just without protection against a repeat)."""
    return value if value and _SUBMISSION.fullmatch(value) else None


def filled_honeypot(form: TicketForm) -> bool:
    return bool((form.extra_details.data or "").strip())


# The API ---------------------------------------------------------------------

# The form's fields, then the customer's language: the API has no URL prefix to
# take it from, so a client says which language the emails are to be written in.
FORM_FIELDS = ("name", "email", "category", "subject", "description", "product", "account_number")
API_FIELDS = (*FORM_FIELDS, "lang")


@dataclass(frozen=True)
class Checked:
    """A validated API body: ``values`` by field name, or ``errors`` (one
    list of messages per field) when something is wrong."""

    values: Mapping[str, str]
    errors: Mapping[str, list[str]]


def check_payload(payload: Mapping[str, Any], categories: Iterable[tuple[str, str]]) -> Checked:
    """Validate an API body with the web form's own fields and validators.

    Unknown fields are errors (a client that misspells ``description`` hears
    so instead of losing it); every value must be a string. ``lang``, the
    language the customer's emails are written in, is one of
    :data:`portal.i18n.LANGUAGES` (English when left out).
    """
    # The API answers in English whatever the request's language: programs read
    # these messages (and log them), and one language keeps them stable.
    with force_locale("en"):
        return _check_payload(payload, categories)


def _check_payload(payload: Mapping[str, Any], categories: Iterable[tuple[str, str]]) -> Checked:
    errors: dict[str, list[str]] = {}
    for key, value in payload.items():
        if key not in API_FIELDS:
            errors[str(key)[:100]] = ["Unknown field."]
        elif not isinstance(value, str):
            errors[key] = ["Must be a string."]
    strings = MultiDict({k: v for k, v in payload.items() if k in FORM_FIELDS and isinstance(v, str)})
    form = TicketFields(formdata=strings)
    form.set_categories(categories)
    if not form.validate():
        for name, messages in form.errors.items():
            errors.setdefault(name, []).extend(str(m) for m in messages)
    lang = payload.get("lang", i18n.DEFAULT)
    if isinstance(lang, str) and lang not in i18n.LANGUAGES:
        errors["lang"] = [f"Must be one of {', '.join(i18n.LANGUAGES)}."]
    if errors:
        return Checked({}, errors)
    return Checked({**{name: getattr(form, name).data or "" for name in FORM_FIELDS}, "lang": lang}, {})
