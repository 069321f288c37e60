"""Commands on the Flask app's CLI: ``flask --app portal import-content SRC DEST``,
``flask --app portal tree-diagram TREE_ID [OUTPUT]``, ``flask --app portal tree-report [TREE_ID]``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

REPORT_LIMIT = 20  # notes of each kind shown without --verbose


@click.command("import-content")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace DEST/articles and DEST/categories.yaml if they exist.")
@click.option(
    "--summaries/--no-summaries",
    default=True,
    show_default=True,
    help="Give articles without a summary the start of their first paragraph.",
)
@click.option(
    "--verbose", "-v", is_flag=True, help=f"List every file in the report, not the first {REPORT_LIMIT} of each kind."
)
def import_content_command(src: Path, dest: Path, overwrite: bool, summaries: bool, verbose: bool) -> None:
    """Import Markdown articles with YAML front matter from another help center.

    Reads every *.md with front matter under SRC and writes portal content into
    DEST: articles/<category>/<slug>.md, categories.yaml and import-manifest.yaml.
    Prints what was changed and what could not be converted; exits 1 only when
    nothing could be imported.
    """
    # Imported here, not at module level: the importer pulls in the Markdown
    # renderer, which a web worker starting up does not need.
    from portal.importer import ImportRefused, import_content

    try:
        report = import_content(src, dest, overwrite=overwrite, summaries=summaries)
    except ImportRefused as exc:
        raise click.ClickException(f"{exc} (--overwrite)") from exc
    click.echo(report.format(limit=None if verbose else REPORT_LIMIT))
    if not report.articles:
        raise click.ClickException(f"no article with front matter found under {src}; nothing was written")
    click.echo(f"\nNext: python build_index.py --content {dest} --check")


FORMATS = {".svg": "svg", ".mmd": "mermaid"}


@click.command("tree-diagram")
@click.argument("tree_id")
@click.argument("output", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg"]),
    help="Drawing to write. Default: from OUTPUT's extension (.svg or .mmd); Mermaid on standard output.",
)
@with_appcontext
def tree_diagram_command(tree_id: str, output: Path | None, fmt: str | None) -> None:
    """Draw the troubleshooting tree TREE_ID as SVG or as a Mermaid flowchart.

    Reads the published build (run build_index.py first) and writes to OUTPUT,
    or to standard output without one.
    """
    from portal.published import NotBuilt, current
    from portal.tree_diagram import mermaid
    from portal.tree_svg import svg_document
    from portal.views.helpers import direction

    if fmt is None and output is not None:
        fmt = FORMATS.get(output.suffix.lower())
        if fmt is None:
            raise click.UsageError(f"can't tell the format of '{output.name}': name it .svg or .mmd, or use --format")
    try:
        trees = current().catalog.collection("trees")
    except NotBuilt as exc:
        raise click.ClickException(str(exc)) from exc
    tree = next((t for t in trees if t["id"] == tree_id), None)
    if tree is None:
        known = ", ".join(sorted(t["id"] for t in trees)) or "none"
        raise click.ClickException(f"no troubleshooting tree '{tree_id}' in the published build (trees: {known})")
    text = svg_document(tree, rtl=direction(tree["lang"]) == "rtl") if fmt == "svg" else mermaid(tree)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"can't write {output}: {exc.strerror or exc}") from exc
    click.echo(f"wrote {output}", err=True)


@click.command("tree-report")
@click.argument("tree_id", required=False)
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (UTC) of walks started, YYYY-MM-DD.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (UTC) of walks started, YYYY-MM-DD.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
@with_appcontext
def tree_report_command(tree_id: str | None, since: dt.datetime | None, until: dt.datetime | None, fmt: str) -> None:
    """How customers walk the troubleshooting trees: walks solved, escalated and
    abandoned, answers and drop-off per node, for TREE_ID or every tree."""
    from portal.tree_analytics import ReportError, command_output

    try:
        text = command_output(tree_id, since and since.date(), until and until.date(), fmt)
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(text, nl=False)


def init_app(app: Flask) -> None:
    from portal.tickets.mailer import send_mail_command

    app.cli.add_command(send_mail_command)
    app.cli.add_command(import_content_command)
    app.cli.add_command(tree_diagram_command)
    app.cli.add_command(tree_report_command)

    from portal.preview.cli import preview_command

    app.cli.add_command(preview_command)

    from portal.insights.cli import insights_command, insights_rollup_command

    app.cli.add_command(insights_command)
    app.cli.add_command(insights_rollup_command)

    from portal.content_report import content_report_command

    app.cli.add_command(content_report_command)

    from portal.staff.cli import staff_cli

    app.cli.add_command(staff_cli)
