"""``flask --app portal staff ...``: staff accounts are made here, not on the web.

Passwords are typed twice at a hidden prompt, or read from standard input
with ``--password-stdin`` (one line) for scripts, so they never appear in the
shell history or the process list.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from portal import db
from portal.models import Staff
from portal.staff import accounts
from portal.staff.auth import utcnow

staff_cli = AppGroup("staff", help="Create and manage staff desk accounts.")


def _password(password_stdin: bool, email: str) -> str:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt="Password again")
    problem = accounts.password_problem(password, email)
    if problem:
        raise click.ClickException(problem)
    return password


def _account(session: Session, email: str) -> Staff:
    staff = accounts.find(session, email)
    if staff is None:
        raise click.ClickException(f"no staff account for {accounts.normalise_email(email)}")
    return staff


@staff_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The agent's name, as customers and colleagues see it.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_command(email: str, name: str, password_stdin: bool) -> None:
    """Create an account for EMAIL (at least 12 characters of password)."""
    problem = accounts.email_problem(email) or accounts.name_problem(name)
    if problem:
        raise click.ClickException(problem)
    password = _password(password_stdin, email)
    with db.database().session() as session:
        try:
            staff = accounts.create(session, email, name, password, utcnow())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        click.echo(f"created {staff.email} ({staff.name}); sign in at /staff/login")


@staff_cli.command("password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def password_command(email: str, password_stdin: bool) -> None:
    """Set a new password for EMAIL; every session of the account ends."""
    with db.database().session() as session:
        staff = _account(session, email)
        try:
            accounts.set_password(session, staff, _password(password_stdin, staff.email), utcnow())
        except accounts.AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        session.commit()
        click.echo(f"password changed for {staff.email}; signed out everywhere")


@staff_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Refuse EMAIL's sign-in and end its sessions (its tickets and notes stay)."""
    with db.database().session() as session:
        staff = _account(session, email)
        accounts.disable(session, staff)
        session.commit()
        click.echo(f"disabled {staff.email}; signed out everywhere")


@staff_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Let EMAIL sign in again."""
    with db.database().session() as session:
        staff = _account(session, email)
        accounts.enable(staff)
        session.commit()
        click.echo(f"enabled {staff.email}")


@staff_cli.command("list")
def list_command() -> None:
    """Every account: email, name, active or disabled."""
    with db.database().read_session() as session:
        agents = accounts.all_staff(session)
    if not agents:
        click.echo("no staff accounts yet: flask --app portal staff create EMAIL --name NAME")
        return
    width = max(len(s.email) for s in agents)
    for s in agents:
        state = "active" if s.active else "disabled"
        click.echo(f"{s.email.ljust(width)}  {state:8}  {s.name}")
