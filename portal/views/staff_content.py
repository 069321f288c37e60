"""The content-health report on the staff desk: ``/staff/content`` and its CSV.

The same report as ``flask content-report`` (:mod:`portal.content_report`), on
the content in ``PORTAL_CONTENT_DIR``. Signed-in agents only; like every page
under ``/staff`` it is ``no-store`` and ``noindex``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from portal import content_report
from portal.content_report import ContentDirMissing, ContentReport
from portal.staff.auth import login_required
from portal.views.helpers import int_arg

bp = Blueprint("staff_content", __name__, url_prefix="/staff")
MAX_DAYS = 36500


def _report() -> tuple[ContentReport | None, str]:
    """The report for ``?stale_after=DAYS`` (junk or out of range: the setting),
    or ``None`` and why there is none."""
    default = content_report.stale_after_days()
    days = int_arg("stale_after", default, 1, MAX_DAYS)
    try:
        return content_report.report_for_app(days, dt.date.today()), ""
    except ContentDirMissing as exc:
        return None, str(exc)


@bp.get("/content")
@login_required
def content() -> Any:
    """Every section of the report, with counts and a CSV download."""
    report, missing = _report()
    page = render_template(
        "staff/content.html",
        section="content",
        report=report,
        missing=missing,
        default_days=content_report.stale_after_days(),
    )
    return page, 200 if report else 503


@bp.get("/content.csv")
@login_required
def content_csv() -> Response:
    """The findings as CSV, one per row (``section,path,line,...``)."""
    report, missing = _report()
    if report is None:
        page = render_template("staff/content.html", section="content", report=None, missing=missing)
        return Response(page, status=503, mimetype="text/html")
    return Response(
        content_report.format_csv(report),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="content-health-{report.today}.csv"'},
    )
