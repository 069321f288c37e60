"""Commands on the Flask app's CLI: ``flask --app portal import-content SRC DEST``."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

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


def init_app(app: Flask) -> None:
    app.cli.add_command(import_content_command)
