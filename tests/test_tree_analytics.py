"""Troubleshooting analytics: real walks through the walker page on the fixture
tree (colour → orange → restart → escalate-fault, colour → red → escalate-fault),
then the report, the command and what the tables hold."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import text

from portal import db, tree_analytics
from portal.tree_analytics import OptionCount, TreeReport, report_all, tree_report
from portal.visitors import COOKIE

URL = "/troubleshoot/hub-light"
T0 = dt.datetime(2026, 11, 2, 10, 0)
# Every path through the fixture tree, as (a=, outcome=) per page a customer opens.
START, ORANGE, RED = ("", ""), ("orange", ""), ("red", "")
SOLVED, NOT_SOLVED = ("orange", "solved"), ("orange.not-solved", "")


class Clock:
    """The time analytics records and reports by, moved by the test."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: int) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(tree_analytics, "utcnow", clock)
    return clock


class Visitor:
    """One browser: its own cookies, opening walker pages."""

    def __init__(self, app, user_agent: str = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0") -> None:
        self.client = app.test_client()
        self.user_agent = user_agent

    def open(self, *pages: tuple[str, str]) -> None:
        for answers, outcome in pages:
            query = {k: v for k, v in (("a", answers), ("outcome", outcome)) if v}
            response = self.client.get(URL, query_string=query, headers={"User-Agent": self.user_agent})
            assert response.status_code == 200


def report(app, now: dt.datetime, since: dt.date | None = None, until: dt.date | None = None) -> TreeReport:
    with app.app_context():
        from portal.published import current

        [tree] = current().catalog.collection("trees")
        with db.database(app).read_session() as session:
            return tree_report(session, tree, since, until, now)


def totals(r: TreeReport) -> dict[str, object]:
    return {
        "started": r.started,
        "solved": r.solved,
        "escalated": r.escalated,
        "abandoned": r.abandoned,
        "in_progress": r.in_progress,
    }


def nodes(r: TreeReport) -> dict[str, tuple]:
    """node → (reached, answered, {option: count}, dropped, drop-off rate)."""
    return {
        n.node_id: (n.reached, n.answered, {a.option_id: a.count for a in n.answers}, n.dropped, n.drop_off_rate)
        for n in r.nodes
    }


def table(app, name: str) -> list[dict]:
    with db.database(app).engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {name}"))]  # noqa: S608


@pytest.fixture
def six_walks(app, clock: Clock) -> None:
    """Six customers at T0 (one of them 40 minutes later):

    1. orange, solved; refreshes, goes back and forward again;
    2. red: escalated;
    3. orange, still not working: escalated;
    4. orange, still not working, then back and says it is fixed: solved;
    5. orange, then gone (abandoned at restart once 30 minutes pass);
    6. opens the tree at T0+40 and is still thinking.
    """
    Visitor(app).open(START, ORANGE, SOLVED, SOLVED, ORANGE, SOLVED)
    Visitor(app).open(START, RED)
    Visitor(app).open(START, ORANGE, NOT_SOLVED)
    Visitor(app).open(START, ORANGE, NOT_SOLVED, ORANGE, SOLVED)
    Visitor(app).open(START, ORANGE)
    clock.advance(40)
    Visitor(app).open(START)


def test_report_counts_real_walks_exactly(app, clock, six_walks):
    r = report(app, T0 + dt.timedelta(minutes=45))
    assert totals(r) == {"started": 6, "solved": 2, "escalated": 2, "abandoned": 1, "in_progress": 1}
    assert r.solved_rate == pytest.approx(2 / 6)
    assert [n.node_id for n in r.nodes] == ["colour", "restart", "escalate-fault"]
    assert nodes(r) == {
        "colour": (6, 5, {"orange": 4, "red": 1}, 0, 0.0),
        "restart": (4, 3, {"solved": 2, "not-solved": 2}, 1, 0.25),
        "escalate-fault": (3, 0, {}, 0, 0.0),
    }
    [colour, restart, _] = r.nodes
    assert (colour.kind, restart.kind) == ("question", "solution")
    assert colour.text == "What colour is the light on your Harbor Hub?"
    assert colour.answers == (OptionCount("orange", "Orange", 4), OptionCount("red", "Red", 1))
    [solution] = r.solutions
    assert (solution.node_id, solution.shown, solution.yes, solution.no) == ("restart", 4, 2, 2)
    assert solution.solved_rate == 0.5


def test_a_walk_left_hanging_is_in_progress_then_abandoned_where_it_stopped(app, clock, six_walks):
    soon = report(app, T0 + dt.timedelta(minutes=20))
    assert (soon.abandoned, soon.in_progress) == (0, 2)
    assert sum(n.dropped for n in soon.nodes) == 0
    later = report(app, T0 + dt.timedelta(minutes=71))  # the sixth walk last moved at T0+40
    assert (later.abandoned, later.in_progress) == (2, 0)
    assert {n.node_id: n.dropped for n in later.nodes} == {"colour": 1, "restart": 1, "escalate-fault": 0}
    assert later.nodes[0].drop_off_rate == pytest.approx(1 / 6)
    aware = report(
        app, (T0 + dt.timedelta(minutes=71)).replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=2)))
    )
    assert (aware.abandoned, aware.in_progress) == (2, 0)


def test_refresh_back_and_start_over_do_not_count_twice(app, clock):
    visitor = Visitor(app)
    visitor.open(START, START, ORANGE, ORANGE, START, ORANGE, SOLVED, SOLVED)
    r = report(app, T0)
    assert totals(r) == {"started": 1, "solved": 1, "escalated": 0, "abandoned": 0, "in_progress": 0}
    assert nodes(r)["colour"] == (1, 1, {"orange": 1, "red": 0}, 0, 0.0)
    assert nodes(r)["restart"][:3] == (1, 1, {"solved": 1, "not-solved": 0})
    assert len(table(app, "tree_walks")) == 1


def test_two_visitors_are_two_walks(app, clock):
    Visitor(app).open(START, RED)
    Visitor(app).open(START, RED)
    r = report(app, T0)
    assert (r.started, r.escalated) == (2, 2)
    assert nodes(r)["colour"][:3] == (2, 2, {"orange": 0, "red": 2})


def test_the_same_visitor_on_another_day_is_another_walk(app, clock):
    visitor = Visitor(app)
    visitor.open(START, ORANGE)
    clock.advance(24 * 60)
    visitor.open(ORANGE, SOLVED)
    r = report(app, clock.now)
    assert (r.started, r.solved, r.abandoned) == (2, 1, 1)
    one_day = report(app, clock.now, since=T0.date() + dt.timedelta(days=1))
    assert (one_day.started, one_day.solved) == (1, 1)


def test_since_and_until_select_walks_by_the_day_they_started(app, clock, six_walks):
    day = T0.date()
    assert report(app, clock.now, since=day, until=day).started == 6
    assert report(app, clock.now, since=day + dt.timedelta(days=1)).started == 0
    assert report(app, clock.now, until=day - dt.timedelta(days=1)).started == 0


def test_crawlers_and_head_requests_are_not_recorded(app, clock):
    Visitor(app, user_agent="Mozilla/5.0 (compatible; Googlebot/2.1)").open(START, ORANGE, SOLVED)
    Visitor(app, user_agent="ExampleBot/1.0").open(START, RED)
    assert app.test_client().head(URL, query_string={"a": "red"}).status_code == 200
    assert report(app, T0).started == 0
    assert table(app, "tree_walks") == table(app, "tree_steps") == []


def test_a_stale_url_records_what_is_still_valid(app, clock):
    Visitor(app).open(("orange.green.blue", ""))
    r = report(app, T0)
    assert r.started == 1
    assert nodes(r)["colour"][:3] == (1, 1, {"orange": 1, "red": 0})
    assert nodes(r)["restart"][:2] == (1, 0)
    assert {s["choice"] for s in table(app, "tree_steps")} == {"", "orange"}


def test_a_database_failure_never_breaks_the_walk_page(app, clock, caplog):
    with db.database(app).engine.begin() as connection:
        connection.execute(text("DROP TABLE tree_steps"))
        connection.execute(text("DROP TABLE tree_walks"))
    with caplog.at_level(logging.WARNING, logger=app.logger.name):
        response = app.test_client().get(URL, query_string={"a": "orange"})
    assert response.status_code == 200
    assert "Restart the Hub and wait three minutes." in response.get_data(as_text=True)
    assert "could not record a walk of tree 'hub-light'" in caplog.text


def test_no_row_holds_an_address_a_cookie_or_an_email(app, clock):
    address, email, agent = "203.0.113.77", "alice@example.com", "Mozilla/5.0 AliceBrowser/9.9"
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    for query in ({}, {"a": "orange", "email": email}, {"a": f"orange.{email}"}, {"a": "orange", "outcome": "solved"}):
        assert client.get(URL, query_string=query, headers={"User-Agent": agent}).status_code == 200
    cookie = client.get_cookie(COOKIE).value
    [visitor_id, _] = URLSafeSerializer("test", salt="portal.visitor").loads(cookie)
    walks, steps = table(app, "tree_walks"), table(app, "tree_steps")
    assert len(walks) == 1 and len(steps) == 4
    secrets = (address, email, "alice", agent, "AliceBrowser", cookie, visitor_id)
    for row in [*walks, *steps]:
        for column, value in row.items():
            for secret in secrets:
                assert secret not in str(value), f"{column} holds {secret!r}"
    assert set(walks[0]) == {"walk", "tree", "lang", "started", "updated", "last_node", "outcome", "outcome_node"}
    assert set(steps[0]) == {"walk", "node", "choice"}


def test_a_node_or_option_removed_since_is_listed_as_removed(app, clock, six_walks):
    with app.app_context():
        from portal.published import current

        [tree] = current().catalog.collection("trees")
    edited = {**tree, "nodes": {k: v for k, v in tree["nodes"].items() if k != "restart"}}
    colour = edited["nodes"]["colour"]
    edited["nodes"]["colour"] = {**colour, "options": [o for o in colour["options"] if o["id"] != "orange"]}
    with db.database(app).read_session() as session:
        r = tree_report(session, edited, None, None, T0 + dt.timedelta(minutes=45))
        [everything] = report_all(session, [], None, None, T0 + dt.timedelta(minutes=45))
    assert [n.node_id for n in r.nodes] == ["colour", "escalate-fault", "restart"]
    assert r.nodes[0].answers == (OptionCount("red", "Red", 1), OptionCount("orange", "(removed)", 4))
    gone = r.nodes[2]
    assert (gone.kind, gone.text, gone.reached, gone.dropped) == ("(removed)", "(removed)", 4, 1)
    assert r.solutions == ()
    whole = (everything.tree_id, everything.removed, everything.title, everything.started)
    assert whole == ("hub-light", True, "(removed)", 6)


# --- The command ---------------------------------------------------------------------


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["tree-report", *args])


def test_the_command_on_an_empty_database(app, clock):
    text_out = run(app)
    assert text_out.exit_code == 0, text_out.output
    assert text_out.output == "no walks yet\n"
    data = json.loads(run(app, "--format", "json").output)
    assert [(t["tree_id"], t["started"], t["solved_rate"]) for t in data["trees"]] == [("hub-light", 0, None)]
    rows = list(csv.DictReader(io.StringIO(run(app, "hub-light", "--format", "csv").output)))
    assert {(r["node"], r["metric"]): r["value"] for r in rows}[("", "started")] == "0"
    assert {(r["node"], r["metric"]): r["value"] for r in rows}[("restart", "solved_rate")] == ""


def test_the_command_reports_in_text(app, clock, six_walks):
    clock.now = T0 + dt.timedelta(minutes=45)
    result = run(app, "hub-light", "--since", "2026-11-02", "--until", "2026-11-02")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "hub-light: Fix your Hub light (en)"
    assert lines[1] == (
        "Walks from 2026-11-02 to 2026-11-02, as of 2026-11-02 10:45 UTC: "
        "6 started, 2 solved (33%), 2 escalated, 1 abandoned, 1 in progress"
    )
    assert [line.split() for line in lines[3:7]] == [
        ["Node", "Kind", "Reached", "Answered", "Dropped", "Drop-off", "Answers"],
        ["colour", "question", "6", "5", "0", "0%", "Orange", "4,", "Red", "1"],
        ["restart", "solution", "4", "3", "1", "25%", "Yes,", "it's", "fixed", "2,", "Still", "not", "working", "2"],
        ["escalate-fault", "escalate", "3", "0", "0", "0%"],
    ]
    assert [line.split() for line in lines[8:]] == [
        ["Solution", "Shown", "Yes", "No", "Solved"],
        ["restart", "4", "2", "2", "50%"],
    ]
    assert run(app, "--since", "2026-11-03").output == "no walks since 2026-11-03\n"


def test_the_command_reports_in_json_and_csv(app, clock, six_walks):
    clock.now = T0 + dt.timedelta(minutes=45)
    data = json.loads(run(app, "--format", "json").output)
    assert data["abandon_after_minutes"] == 30
    [tree] = data["trees"]
    assert {k: tree[k] for k in ("started", "solved", "escalated", "abandoned", "in_progress", "solved_rate")} == {
        "started": 6,
        "solved": 2,
        "escalated": 2,
        "abandoned": 1,
        "in_progress": 1,
        "solved_rate": 0.3333,
    }
    assert tree["nodes"][1]["answers"] == [
        {"option_id": "solved", "label": "Yes, it's fixed", "count": 2},
        {"option_id": "not-solved", "label": "Still not working", "count": 2},
    ]
    assert tree["solutions"] == [
        {"node_id": "restart", "text": tree["nodes"][1]["text"], "shown": 4, "yes": 2, "no": 2, "solved_rate": 0.5}
    ]
    rows = list(csv.DictReader(io.StringIO(run(app, "--format", "csv").output)))
    values = {(r["node"], r["choice"], r["metric"]): r["value"] for r in rows}
    assert values[("", "", "started")] == "6"
    assert values[("", "", "abandoned")] == "1"
    assert values[("colour", "orange", "answered")] == "4"
    assert values[("restart", "", "dropped")] == "1"
    assert values[("restart", "", "drop_off_rate")] == "0.2500"
    assert values[("restart", "solved", "yes")] == "2"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-13-01"], "Invalid value for '--since'"),
        (["--until", "yesterday"], "Invalid value for '--until'"),
        (["--since", "2026-11-03", "--until", "2026-11-02"], "--since 2026-11-03 is after --until 2026-11-02"),
        (["nope"], "no troubleshooting tree 'nope' in the published build (trees: hub-light)"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_the_command_refuses_bad_input_without_a_traceback(app, args, message):
    result = run(app, *args)
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


# --- PostgreSQL ---------------------------------------------------------------------


def test_walks_are_recorded_and_reported_on_postgresql(postgres_url, content_dir, built, tmp_path, monkeypatch):
    from portal import create_app

    clock = Clock()
    monkeypatch.setattr(tree_analytics, "utcnow", clock)
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "pg",
            "SECRET_KEY": "test",
            "DATABASE_URL": postgres_url,
        }
    )
    try:
        Visitor(app).open(START, ORANGE, SOLVED, SOLVED)
        Visitor(app).open(START, ORANGE, NOT_SOLVED, ORANGE, SOLVED)
        Visitor(app).open(START, RED)
        Visitor(app).open(START, ORANGE)
        r = report(app, T0 + dt.timedelta(minutes=31))
        assert totals(r) == {"started": 4, "solved": 2, "escalated": 1, "abandoned": 1, "in_progress": 0}
        assert nodes(r) == {
            "colour": (4, 4, {"orange": 3, "red": 1}, 0, 0.0),
            "restart": (3, 2, {"solved": 2, "not-solved": 1}, 1, pytest.approx(1 / 3)),
            "escalate-fault": (2, 0, {}, 0, 0.0),
        }
        with db.database(app).read_session() as session:
            [everything] = report_all(session, [], None, None, T0)
        assert (everything.removed, everything.started) == (True, 4)
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()
