"""``flask insights`` and ``flask insights-rollup``: on an empty database, on a
seeded month, in each format, and with arguments that are wrong."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest
from insights_month import seed_month
from test_insights_reports import MONTH, NOW, START, gather

from portal import db
from portal.insights import events, formats, reports

START_ARGS = ["--since", "2026-10-01", "--until", "2026-10-30"]


@pytest.fixture
def site(app_on_shared_build, monkeypatch):
    monkeypatch.setattr(events, "utcnow", lambda: NOW)
    return app_on_shared_build


@pytest.fixture
def month(site):
    with db.database(site).session() as session:
        return seed_month(session, START)


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_on_an_empty_database_every_section_says_it_has_nothing_yet(site):
    result = run(site, "insights")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Insights from 2026-10-04 to 2026-11-02 (30 days, UTC), all categories\n")
    for line in (
        "Content gaps\n  no searches yet",
        "Troubleshooting funnels\n  no walks yet",
        "Deflection\n  no visits yet",
        "  Tickets opened: 0; solved: 0",
        "  First response: none yet",
        "  Backlog now: 0 unsolved (< 1 day: 0, 1-3 days: 0, 3-7 days: 0, > 7 days: 0); 0 past a due time",
        "  Satisfaction (CSAT): no answers yet",
    ):
        assert line in result.output
    assert "reset-your-password" in result.output  # articles are listed, with no views yet
    for fmt in ("csv", "json"):
        assert run(site, "insights", "--format", fmt).exit_code == 0


def test_the_text_report_of_a_month(site, month):
    result = run(site, "insights", *START_ARGS)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Content gaps: searches that found nothing (of 150 searches)" in out
    refunds = month.search_total["outage refund"]
    assert re.search(rf"\n  outage refund +{refunds} +{refunds} +new  “outage refund” 10, “Refund for outage” 3\n", out)
    assert "  lights router" in out and "“router lights” 30" in out
    assert "  harbor-hub-lights          136     0/30   0.0%             30  2026-09-01" in out
    assert "  restart-your-harbor-hub     86      1/1  20.7%" in out  # 1 of 1 ranks below 9 of 10
    assert "Call me on [number] please" in out and "07700" not in out
    assert "60 started, 30 solved (50%), 30 escalated" in out
    assert "480 visits; 450 used self-service, 90 of them then opened a ticket: 80.0% deflected" in out
    assert "  Net Promoter Score: " in out


def test_json_is_the_report_as_data(site, month):
    result = run(site, "insights", *START_ARGS, "--format", "json")
    assert json.loads(result.output) == json.loads(json.dumps(gather(site, MONTH).as_dict()))


def test_csv_is_one_table_with_a_section_column(site, month):
    result = run(site, "insights", *START_ARGS, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == ["section", "item", "detail", "metric", "value", "label"]
    assert {r["section"] for r in rows} == {"no_results", "unopened", "articles", "funnels", "deflection", "service"}
    assert {"section": "no_results", "item": "outage refund", "detail": "Refund for outage", "metric": "example",
            "value": "3", "label": ""} in rows  # fmt: skip
    assert {"section": "deflection", "item": "", "detail": "", "metric": "rate", "value": "0.8000", "label": ""} in rows
    opened = sum(int(r["value"]) for r in rows if r["section"] == "service" and r["metric"] == "opened")
    assert opened == sum(month.opened_per_day.values())


def test_a_query_that_looks_like_a_formula_is_written_as_text(site):
    with db.database(site).session() as session:
        typed = '=HYPERLINK("http://evil.example","x")'
        at = NOW - dt.timedelta(days=2)
        args = {"subject": events.query_key(typed), "detail": events.normalise_query(typed), "value": 0}
        session.add(events.make("search", visit="v" * 32, at=at, **args))
        session.commit()
    result = run(site, "insights", "--format", "csv")
    assert "'=HYPERLINK(" in result.output and ",=HYPERLINK" not in result.output
    with site.app_context(), db.database(site).read_session() as session:
        empty, _ = reports.content_gaps(session, reports.Period(at.date(), at.date()))
    [_header, row] = csv.reader(io.StringIO(formats.content_gaps_csv(empty)))
    assert row[1] == "'" + typed


def test_a_category_narrows_every_section(site, month):
    result = run(site, "insights", *START_ARGS, "--category", "account", "--format", "json")
    data = json.loads(result.output)
    assert data["period"]["category"] == "account"
    assert {a["category"] for a in data["articles"]} == {"account"} and data["funnels"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "01/10/2026"], "The start date '01/10/2026' is not a date: write it as YYYY-MM-DD."),
        (["--until", "2026-02-30"], "The end date '2026-02-30' is not a date: write it as YYYY-MM-DD."),
        (["--since", "2026-10-30", "--until", "2026-10-01"], "The start date 2026-10-30 is after the end date"),
        (["--since", "2024-01-01"], "Choose at most 366 days."),
        (["--category", "billing"], "There is no category 'billing'."),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message_and_no_traceback(site, args, message):
    result = run(site, "insights", *args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_a_format_that_does_not_exist_is_refused(site):
    result = run(site, "insights", "--format", "xml")
    assert result.exit_code == 2 and "'xml' is not one of 'text', 'csv', 'json'" in result.output


def test_rollup_for_cron_rolls_each_day_once_and_applies_retention(site, month):
    result = run(site, "insights-rollup")
    assert result.exit_code == 0, result.output
    assert result.output == "rolled up 32 days (2026-10-01 to 2026-11-01)\ndeleted 0 events older than 90 days\n"
    assert (
        run(site, "insights-rollup").output == "no complete day left to roll up\ndeleted 0 events older than 90 days\n"
    )
    site.config["EVENT_RETENTION_DAYS"] = 10
    output = run(site, "insights-rollup").output
    assert output.startswith("no complete day left to roll up\ndeleted ") and output.endswith(" older than 10 days\n")
    assert "deleted 0 events" not in output


def test_the_troubleshooting_report_still_works(site, month):
    result = run(site, "tree-report", "--since", "2026-10-01", "--until", "2026-10-30")
    assert result.exit_code == 0 and "60 started, 30 solved (50%)" in result.output
