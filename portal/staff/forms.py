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

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from portal.models import BODY_LENGTH, PRIORITIES, TICKET_STATUSES
from portal.staff.accounts import password_problem
from portal.tickets.forms import Text, TicketFields, normalise


def _free_text(value: str | None) -> str:
    return normalise(value, single_line=False)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class _Form(FlaskForm):
    class Meta:
        csrf = False  # checked for every post by portal.csrf


class LoginForm(_Form):
    email = StringField("Email", filters=[_strip])
    password = PasswordField("Password")
    next = HiddenField()


class PasswordForm(_Form):
    current = PasswordField("Current password", [DataRequired("Enter your current password.")])
    new = PasswordField("New password", [DataRequired("Choose a new password.")])
    confirm = PasswordField("New password again", [DataRequired("Type the new password again.")])

    def check_new(self, email: str) -> bool:
        """The new password's rules, after the fields' own."""
        if self.new.data != self.confirm.data:
            self.confirm.errors = ["The two new passwords are not the same."]
            return False
        problem = password_problem(self.new.data or "", email)
        if problem:
            self.new.errors = [problem]
            return False
        return True


def _message_body(label: str, missing: str) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[_free_text],
        validators=[DataRequired(missing), Length(max=BODY_LENGTH), Text(single_line=False)],
    )


class ReplyForm(_Form):
    body = _message_body("Message", "Write the reply first.")
    status = SelectField("Then set status", default="")  # "": as the reply sets it (pending)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [("", "Pending (awaiting the customer)"), *[(s, s.capitalize()) for s in TICKET_STATUSES]]


class NoteForm(_Form):
    body = _message_body("Note", "Write the note first.")


class UpdateForm(_Form):
    status = SelectField("Status")
    priority = SelectField("Priority")
    assignee = SelectField("Assignee")  # "" for nobody, else a staff id; set by the view

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.status.choices = [(s, s.capitalize()) for s in TICKET_STATUSES]
        self.priority.choices = [(p, p.capitalize()) for p in PRIORITIES]


class PhoneTicketForm(TicketFields):
    """A ticket opened for a caller: the customer form's fields and rules,
    plus a priority (default: the SLA's for the category) and the one-time
    submission key that makes a double click open one ticket."""

    priority = SelectField("Priority")
    submission = HiddenField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name.label.text = "Caller's name"
        self.email.label.text = "Caller's email"
        self.description.label.text = "What the caller needs"
        self.category.label.text = "Category"
        self.priority.choices = [("", "As the SLA sets for the category"), *[(p, p.capitalize()) for p in PRIORITIES]]
