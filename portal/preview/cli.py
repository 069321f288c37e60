"""``flask --app portal preview``: the help centre from the working tree,
rebuilt on every save, with pages that reload by themselves.

Only the command is defined here, so registering it costs the web site nothing:
the build, the watcher and their imports load when the command runs.
"""

from __future__ import annotations

import logging

import click


@click.command("preview")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option(
    "--poll",
    is_flag=True,
    help="Look for changes twice a second instead of asking the system (network drives, some containers).",
)
def preview_command(host: str, port: int, poll: bool) -> None:
    """Serve the help centre from the working tree while you write.

    Builds PORTAL_CONTENT_DIR (drafts included) into INSTANCE_DIR/preview/,
    never into the published index; rebuilds what changed on every save to
    articles/, troubleshooting_trees/, categories.yaml, faq.yaml, glossary.yaml
    or sla.yaml; open pages reload by themselves, and show every problem as
    path:line: message while the last good build stays on screen.
    """
    from werkzeug.serving import run_simple

    from portal.preview.server import Preview

    preview = Preview(poll=poll)
    preview.start()
    # One line per build is the log an author reads; not one per request.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    click.echo(f"preview on http://{host}:{port}/ (Ctrl-C to stop)")
    try:
        run_simple(host, port, preview.app, threaded=True, use_reloader=False, use_debugger=False)
    except OSError as exc:
        raise click.ClickException(f"can't listen on {host}:{port}: {exc.strerror or exc}; try --port") from exc
    finally:
        preview.stop()
