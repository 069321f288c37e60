"""``flask --app portal insights`` (the reports in a terminal, as CSV or JSON)
and ``flask --app portal insights-rollup`` (for cron)."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from portal import db
from portal.insights import events, reports, rollup
from portal.insights.formats import FORMATS, FORMATTERS

USAGE_ERROR = 2  # as click exits for bad arguments


class _NoBuild:
    """A published build's stand-in with nothing in it, so the database's
    figures can be reported before the first build."""

    def collection(self, _name: str) -> list[Any]:
        return []

    def translation_groups(self) -> list[Any]:
        return []


class _Snapshot:
    catalog = _NoBuild()


def _snapshot() -> Any:
    from portal.published import NotBuilt, current

    try:
        return current()
    except NotBuilt as exc:
        click.echo(f"note: {exc}; articles and trees are left out", err=True)
        return _Snapshot()


@click.command("insights")
@click.option("--since", help="First day (UTC), YYYY-MM-DD. Default: 29 days before --until.")
@click.option("--until", help="Last day (UTC), YYYY-MM-DD. Default: today.")
@click.option("--category", help="Only this category (its slug). Default: all.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@with_appcontext
def insights_command(since: str | None, until: str | None, category: str | None, fmt: str) -> None:
    """What customers look for and do not find, article health, troubleshooting
    funnels, deflection and service levels, for a period (30 days by default)."""
    snapshot = _snapshot()
    categories = {c["slug"] for c in snapshot.catalog.collection("categories")}
    now = events.utcnow()
    try:
        period = reports.parse_period(since, until, category, now.date(), categories)
    except reports.InsightsError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(USAGE_ERROR)
    session = db.database().read_session()
    try:
        found = reports.gather(session, period, snapshot, now)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"could not read the database: {exc}") from exc
    finally:
        session.close()
    click.echo(FORMATTERS[fmt](found), nl=False)


@click.command("insights-rollup")
@with_appcontext
def insights_rollup_command() -> None:
    """Count every complete day's events into daily rows (once per day), then
    delete events older than PORTAL_EVENT_RETENTION_DAYS. Run it daily from cron."""
    retention = int(current_app.config.get("EVENT_RETENTION_DAYS", rollup.DEFAULT_RETENTION_DAYS))
    try:
        result = rollup.run(db.database().engine, events.utcnow(), retention)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"could not roll up events: {exc}") from exc
    if result.rolled:
        days = f"{len(result.rolled)} days ({result.rolled[0]} to {result.rolled[-1]})"
        click.echo(f"rolled up {days if len(result.rolled) > 1 else result.rolled[0]}")
    else:
        click.echo("no complete day left to roll up")
    click.echo(f"deleted {result.deleted} events older than {retention} days")
