"""``flask --app portal send-mail``: the command that empties the outbox.

Run once (from cron, every minute) it sends what is due, prints what it did
and exits 1 when anything failed, so cron's mail or a monitor notices. With
``--loop`` it is the background worker: it runs every ``--interval`` seconds
until Ctrl-C or SIGTERM, reporting only when something happens, and survives
a mail server or database that is away for a while. Either way several copies
may run at once (:mod:`portal.tickets.outbox` claims each email first).
"""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Callable
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from portal import db
from portal.tickets import outbox
from portal.tickets.outbox import DeliveryResult, QueueState, SmtpSettings


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def report(result: DeliveryResult, state: QueueState) -> str:
    """What a run did and what is left, for operators (no email addresses)."""
    lines = []
    if result.not_configured:
        lines.append("PORTAL_SMTP_HOST is not set, so nothing was sent. Emails stay in the outbox until it is.")
    elif result.sent or result.failures:
        lines.append(f"Sent {_plural(result.sent, 'email')}.")
    else:
        lines.append("Nothing was due.")
    for failure in result.failures:
        about = f"{failure.kind}, {failure.reference}" if failure.reference else failure.kind
        what = "stopped" if failure.stopped else "will retry"
        lines.append(f"  outbox #{failure.outbox_id} ({about}) not sent, {what}: {failure.error}")
    if result.unreachable:
        lines.append(f"The mail server could not be reached: {result.unreachable}")
        lines.append("Nothing is lost: every email stays queued and is tried again.")
    if state.waiting:
        oldest = f", the oldest from {state.oldest_waiting:%Y-%m-%d %H:%M} UTC" if state.oldest_waiting else ""
        lines.append(f"Waiting: {_plural(state.waiting, 'email')} ({state.due} due now){oldest}.")
    if state.stopped:
        lines.append(
            f"Stopped: {_plural(state.stopped, 'email')} refused for good or after {outbox.MAX_ATTEMPTS} attempts "
            "(send-mail --retry-stopped tries them again):"
        )
        for row in state.stopped_rows:
            about = f"{row.kind}, {row.reference}" if row.reference else row.kind
            lines.append(f"  outbox #{row.outbox_id} ({about}): {row.error}")
        if state.stopped > len(state.stopped_rows):
            lines.append(f"  and {state.stopped - len(state.stopped_rows)} more")
    return "\n".join(lines)


def run_once(settings: SmtpSettings, limit: int) -> tuple[DeliveryResult, QueueState]:
    database = db.database()
    result = outbox.deliver_due(database.session, settings, _now(), limit)
    with database.read_session() as session:
        state = outbox.queue_state(session, _now())
    return result, state


def serve(
    run: Callable[[], tuple[DeliveryResult, QueueState]],
    interval: float,
    stop: threading.Event,
    echo: Callable[[str], Any],
    limit: int,
) -> None:
    """Call ``run`` every ``interval`` seconds until ``stop`` is set; at once
    again when a run was full (more may be due). Reports runs that did
    something; an error (the database restarting) is reported and waited out."""
    last_problem = ""
    while not stop.is_set():
        full = False
        try:
            result, state = run()
        except SQLAlchemyError as exc:
            problem = f"database error, retrying: {type(exc).__name__}: {str(exc).splitlines()[0][:300]}"
        else:
            problem = result.unreachable
            full = result.sent + len(result.failures) >= limit
            if result.sent or result.failures:
                echo(f"{_now():%Y-%m-%d %H:%M:%S} {report(result, state)}")
        if problem and problem != last_problem:
            echo(f"{_now():%Y-%m-%d %H:%M:%S} {problem}")
        last_problem = problem
        if not full:
            stop.wait(interval)


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep running, sending every --interval seconds, until stopped.")
@click.option("--interval", type=click.FloatRange(min=1), default=30.0, show_default=True, help="Seconds between runs.")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="Most emails per run.")
@click.option("--retry-stopped", is_flag=True, help="First give stopped emails a new set of attempts.")
@with_appcontext
def send_mail_command(loop: bool, interval: float, limit: int, retry_stopped: bool) -> None:
    """Send the ticket emails waiting in the outbox through PORTAL_SMTP_HOST.

    Prints what was sent and what is still waiting. Without --loop, exits 1
    when SMTP is not configured, the server could not be reached or an email
    failed (it stays queued); with --loop, runs until Ctrl-C or SIGTERM.
    """
    settings = SmtpSettings.from_config(current_app.config)
    if retry_stopped:
        with db.database().session() as session:
            count = outbox.retry_stopped(session, _now())
            session.commit()
        click.echo(f"{_plural(count, 'stopped email')} will be tried again.")
    if not loop:
        result, state = run_once(settings, limit)
        click.echo(report(result, state))
        if not result.ok:
            raise SystemExit(1)
        return
    if not settings.configured:
        raise click.ClickException("PORTAL_SMTP_HOST is not set; emails stay in the outbox until it is")
    click.echo(f"Sending mail through {settings.host}:{settings.port} every {interval:g} s; Ctrl-C to stop.")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        serve(lambda: run_once(settings, limit), interval, stop, click.echo, limit)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    click.echo("Stopped.")
