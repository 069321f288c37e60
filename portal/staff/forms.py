"""The staff desk's forms (Flask-WTF).

CSRF is checked for every post by :mod:`portal.csrf` before a view runs, so
these forms do not check it a second time; templates render ``csrf_token()``.
Text follows the ticket form's rules (:mod:`portal.tickets.forms`): control
characters, unreadable text and line breaks in one-line fields are field
errors, never a 500 and never a second header line in an email. A ticket
opened for a caller is validated by the customer form's own fields.

Select options are set when a form is made (the setter), not declared on the
field, where WTForms 3.3 deprecates tuples and older versions lack ``SelectChoice``.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal import i18n
from portal.i18n import lazy_gettext
from portal.models import BODY_LENGTH, PRIORITIES, TICKET_STATUSES
from portal.staff.accounts import password_problem
from portal.staff.labels import PRIORITY_NAMES, STATUS_NAMES
from portal.tickets.forms import Text, TicketFields, normalise


def _free_text(value: str | None) -> str:
    return normalise(value, single_line=False)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _Form(FlaskForm):
    class Meta:
        csrf = False  # checked for every post by portal.csrf


class LoginForm(_Form):
    email = StringField(lazy_gettext("Email"), filters=[_strip])
    password = PasswordField(lazy_gettext("Password"))
    next = HiddenField()


class PasswordForm(_Form):
    current = PasswordField(
        lazy_gettext("Current password"), [DataRequired(lazy_gettext("Enter your current password."))]
    )
    new = PasswordField(lazy_gettext("New password"), [DataRequired(lazy_gettext("Choose a new password."))])
    confirm = PasswordField(
        lazy_gettext("New password again"), [DataRequired(lazy_gettext("Type the new password again."))]
    )

    def check_new(self, email: str) -> bool:
        """The new password's rules, after the fields' own."""
        if self.new.data != self.confirm.data:
            self.confirm.errors = [gettext("The two new passwords are not the same.")]
            return False
        problem = password_problem(self.new.data or "", email)
        if problem:
            self.new.errors = [problem]
            return False
        return True


def _message_body(label: object, missing: object) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[_free_text],
        validators=[DataRequired(missing), Length(max=BODY_LENGTH), Text(single_line=False)],
    )


class ReplyForm(_Form):
    body = _message_body(lazy_gettext("Message"), lazy_gettext("Write the reply first."))
    status = SelectField(lazy_gettext("Then set status"), default="")  # "": as the reply sets it (pending)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [
            ("", gettext("Pending (awaiting the customer)")),
            *[(s, str(STATUS_NAMES[s])) for s in TICKET_STATUSES],
        ]


class NoteForm(_Form):
    body = _message_body(lazy_gettext("Note"), lazy_gettext("Write the note first."))


class UpdateForm(_Form):
    status = SelectField(lazy_gettext("Status"))
    priority = SelectField(lazy_gettext("Priority"))
    assignee = SelectField(lazy_gettext("Assignee"))  # "" for nobody, else a staff id; set by the view

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [(s, str(STATUS_NAMES[s])) for s in TICKET_STATUSES]
        self.priority.choices = [(p, str(PRIORITY_NAMES[p])) for p in PRIORITIES]


class PhoneTicketForm(TicketFields):
    """A ticket opened for a caller: the customer form's fields and rules,
    plus a priority (default: the SLA's for the category) and the one-time
    submission key that makes a double click open one ticket."""

    priority = SelectField(lazy_gettext("Priority"))
    lang = SelectField(lazy_gettext("Caller's language"), default=i18n.DEFAULT)
    submission = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name.label.text = gettext("Caller's name")
        self.email.label.text = gettext("Caller's email")
        self.description.label.text = gettext("What the caller needs")
        self.category.label.text = gettext("Category")
        self.priority.choices = [
            ("", gettext("As the SLA sets for the category")),
            *[(p, str(PRIORITY_NAMES[p])) for p in PRIORITIES],
        ]
        # Each language in its own name, as a caller would recognise it.
        self.lang.choices = [(code, i18n.NAMES[code]) for code in i18n.LANGUAGES]
