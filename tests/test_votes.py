"""Votes ("Was this helpful?") and view counts, through the test client."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import MetaData, func, select

from portal import activity, db, visitors
from portal.models import DailyViews, ViewSeen, Vote
from portal.views.feedback import VIEW_LIMIT, VOTE_LIMIT

ARTICLE = "restart-your-harbor-hub"
FAQ_ID = "why-is-the-light-on-my-hub-orange"
PINNED_FAQ = "how-do-i-reset-my-password"
COMMENT = "The power button isn't on the back of my Hub 2."


def assert_friendly_error(response, status: int) -> None:
    assert response.status_code == status
    body = response.get_data(as_text=True)
    assert 'role="search"' in body  # the site's layout, with its search box
    assert "Traceback" not in body


def token(client, url: str = f"/articles/{ARTICLE}") -> str:
    """The CSRF token a page gives this client."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
    assert found, f"no CSRF token on {url}"
    return found.group(1)


def vote(client, helpful: str = "yes", url: str = f"/articles/{ARTICLE}/vote", **fields):
    data = {"csrf_token": token(client), "helpful": helpful, **fields}
    return client.post(url, data=data)


def visitor(app, address: str = "127.0.0.1", use_cookies: bool = True):
    """A test client for another visitor, from ``address``."""
    client = app.test_client(use_cookies=use_cookies)
    client.environ_base["REMOTE_ADDR"] = address
    return client


def rows(app, model) -> list:
    with db.database(app).session() as session:
        return list(session.scalars(select(model)))


def view_count(app, kind: str, key: str) -> int:
    with db.database(app).session() as session:
        return session.scalar(
            select(func.coalesce(func.sum(DailyViews.count), 0)).where(DailyViews.kind == kind, DailyViews.key == key)
        )


# --- voting ---------------------------------------------------------------------


def test_article_pages_ask_was_this_helpful(client):
    body = client.get(f"/articles/{ARTICLE}").get_data(as_text=True)
    assert "Was this helpful?" in body
    assert f'action="/articles/{ARTICLE}/vote"' in body
    assert body.index('class="content"') < body.index("Was this helpful?") < body.index("</article>")


def test_yes_vote_is_stored_and_thanked_without_javascript(app, client):
    response = vote(client, "yes")
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(f"/articles/{ARTICLE}?") and location.endswith(f"#vote-article-{ARTICLE}")
    page = client.get(location).get_data(as_text=True)
    assert "Thank you for your feedback" in page and "Was this helpful?" not in page
    [stored] = rows(app, Vote)
    assert (stored.kind, stored.key, stored.helpful, stored.lang) == ("article", ARTICLE, True, "en")
    assert stored.missing is None and stored.reasons == ""


def test_no_vote_asks_what_was_missing_and_stores_the_comment(app, client):
    asked = vote(client, "no")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "What was missing?" in page
    for label in activity.REASONS.values():
        assert label.replace("'", "&#39;") in page
    [first] = rows(app, Vote)
    assert first.helpful is False and first.missing is None  # the "no" counts before any comment

    done = client.post(
        f"/articles/{ARTICLE}/vote",
        data={
            "csrf_token": token(client),
            "helpful": "no",
            "details": "1",
            "missing": f"  {COMMENT}\r\nAnd the light is blue.  ",
            "reason": ["out-of-date", "steps-failed", "<script>"],
        },
    )
    assert "vote=thanks" in done.headers["Location"]
    [stored] = rows(app, Vote)
    assert stored.helpful is False
    assert stored.missing == f"{COMMENT}\nAnd the light is blue."
    assert stored.reasons == "steps-failed,out-of-date"  # known codes only, in a fixed order


def test_one_vote_per_visitor_the_second_replaces_the_first(app, client):
    vote(client, "no", details="1", missing="Too short")
    vote(client, "yes")
    [stored] = rows(app, Vote)
    assert stored.helpful is True and stored.missing is None
    other = app.test_client()
    vote(other, "no")
    assert sorted(v.helpful for v in rows(app, Vote)) == [False, True]


def test_faq_votes_redirect_to_the_open_entry(app, client):
    response = vote(client, "no", url=f"/faq/{FAQ_ID}/vote")
    assert response.headers["Location"].startswith("/faq?") and response.headers["Location"].endswith(f"#{FAQ_ID}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'<details class="faq" id="{FAQ_ID}" open>' in page
    assert f'<details class="faq" id="{PINNED_FAQ}">' in page  # only the voted entry opens
    assert "What was missing?" in page
    [stored] = rows(app, Vote)
    assert (stored.kind, stored.key) == ("faq", FAQ_ID)


def test_javascript_gets_the_box_alone(client):
    response = client.post(
        f"/articles/{ARTICLE}/vote",
        data={"csrf_token": token(client), "helpful": "no"},
        headers={"X-Requested-With": "fetch"},
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and "What was missing?" in body
    assert "<html" not in body


def test_oversize_comments_are_truncated_and_control_characters_dropped(app, client):
    long = "é" * 5000
    vote(client, "no", details="1", missing="bad\x00 byte\x1b" + long)
    [stored] = rows(app, Vote)
    assert len(stored.missing) == 1000
    assert stored.missing.startswith("bad byte") and "\x00" not in stored.missing


@pytest.mark.parametrize("helpful", ["", "maybe", "YES", "1"])
def test_a_ballot_without_yes_or_no_is_a_friendly_400(app, client, helpful):
    assert_friendly_error(vote(client, helpful), 400)
    assert rows(app, Vote) == []


@pytest.mark.parametrize(
    "url", ["/articles/no-such-article/vote", "/articles/forgot-password/vote", "/faq/no-such-question/vote"]
)
def test_voting_on_something_that_does_not_exist_is_a_404(app, client, url):
    assert_friendly_error(vote(client, "yes", url=url), 404)
    assert rows(app, Vote) == []


def test_votes_are_post_only(client):
    assert_friendly_error(client.get(f"/articles/{ARTICLE}/vote"), 405)


def test_missing_or_wrong_csrf_token_is_a_friendly_400_that_keeps_the_comment(app, client):
    client.get(f"/articles/{ARTICLE}")
    missing = client.post(f"/articles/{ARTICLE}/vote", data={"helpful": "no", "details": "1", "missing": COMMENT})
    assert_friendly_error(missing, 400)
    body = missing.get_data(as_text=True)
    assert "Please send that again" in body and COMMENT.replace("'", "&#39;") in body
    assert 'name="csrf_token"' in body  # a fresh token: sending again works
    wrong = client.post(f"/articles/{ARTICLE}/vote", data={"helpful": "yes", "csrf_token": "forged"})
    assert_friendly_error(wrong, 400)
    assert rows(app, Vote) == []


def test_rate_limit_is_a_friendly_429_and_nothing_is_lost(app, client):
    allowed = int(VOTE_LIMIT.split()[0])
    for _ in range(allowed):
        assert vote(client, "no").status_code == 303
    limited = vote(client, "no", details="1", missing=COMMENT, reason="hard-to-understand")
    assert_friendly_error(limited, 429)
    assert limited.headers["Retry-After"] == "60"
    body = limited.get_data(as_text=True)
    assert "Please wait a moment" in body
    assert COMMENT.replace("'", "&#39;") in body  # what was typed comes back, ready to send again
    assert 'value="hard-to-understand" checked' in body
    [stored] = rows(app, Vote)  # the vote made before the limit is still there
    assert stored.helpful is False


def test_rate_limits_can_be_turned_off(content_dir, built, tmp_path):
    from portal import create_app

    app = create_app(
        {"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": built, "INSTANCE_DIR": tmp_path / "off",
         "SECRET_KEY": "test", "RATELIMIT_ENABLED": False}
    )
    client = app.test_client()
    try:
        for _ in range(int(VOTE_LIMIT.split()[0]) + 2):
            assert vote(client, "yes").status_code == 303
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


# --- privacy --------------------------------------------------------------------


def test_the_visitor_cookie_is_signed_http_only_and_same_site(client):
    response = client.get(f"/articles/{ARTICLE}")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{visitors.COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    # A page carrying a cookie or a CSRF token is never stored by shared caches.
    assert response.cache_control.private and not response.cache_control.public


def test_no_stored_row_holds_an_ip_address_or_a_cookie_value(app):
    address = "203.0.113.77"
    client = visitor(app, address)
    vote(client, "no", details="1", missing="Nothing personal here")
    vote(client, "yes", url=f"/faq/{FAQ_ID}/vote")
    client.post(f"/faq/{FAQ_ID}/view")
    cookies = {c.key: c.value for c in client._cookies.values()}
    assert visitors.COOKIE in cookies and "session" in cookies
    secrets = {address, *cookies.values()}
    with app.test_request_context(headers={"Cookie": f"{visitors.COOKIE}={cookies[visitors.COOKIE]}"}):
        secrets.add(visitors.visitor_id())  # the id inside the signed cookie
    every_table = MetaData()
    with db.database(app).engine.connect() as connection:
        every_table.reflect(connection)
        cells = [str(c) for t in every_table.sorted_tables for row in connection.execute(select(t)) for c in row]
    assert len(rows(app, Vote)) == 2 and view_count(app, "article", ARTICLE) == 1
    leaks = [cell for cell in cells for secret in secrets if secret in cell]
    assert leaks == []


# --- views ----------------------------------------------------------------------


def test_article_views_are_counted_once_per_visitor_per_day(app, client):
    for _ in range(3):
        assert client.get(f"/articles/{ARTICLE}").status_code == 200
    assert view_count(app, "article", ARTICLE) == 1
    app.test_client().get(f"/articles/{ARTICLE}")  # another visitor (new cookie, same address and browser)
    assert view_count(app, "article", ARTICLE) == 1  # ...counted as the same first-day visitor
    visitor(app, "198.51.100.9").get(f"/articles/{ARTICLE}")
    assert view_count(app, "article", ARTICLE) == 2
    assert client.head(f"/articles/{ARTICLE}").status_code == 200
    app.test_client().get(f"/articles/{ARTICLE}", headers={"User-Agent": "Googlebot/2.1"})
    assert view_count(app, "article", ARTICLE) == 2  # HEAD and crawlers are not visitors


def test_clients_without_cookies_are_told_apart_by_address_and_browser(app):
    def cookieless(address: str, agent: str) -> None:
        visitor(app, address, use_cookies=False).get(
            f"/articles/{ARTICLE}", headers={"User-Agent": agent}
        )

    cookieless("192.0.2.1", "Firefox")
    cookieless("192.0.2.1", "Firefox")
    assert view_count(app, "article", ARTICLE) == 1
    cookieless("192.0.2.1", "Safari")
    cookieless("192.0.2.2", "Firefox")
    assert view_count(app, "article", ARTICLE) == 3


def test_a_returning_visitor_counts_again_on_a_new_day(app, client, monkeypatch):
    client.get(f"/articles/{ARTICLE}")
    tomorrow = visitors.today() + dt.timedelta(days=1)
    monkeypatch.setattr(visitors, "today", lambda: tomorrow)
    client.get(f"/articles/{ARTICLE}")
    client.get(f"/articles/{ARTICLE}")
    assert view_count(app, "article", ARTICLE) == 2
    # Yesterday's dedup digests are forgotten: the table only ever holds one day.
    assert {seen.day for seen in rows(app, ViewSeen)} == {tomorrow}


def test_faq_views_come_from_the_beacon_and_the_permalink(app, client):
    assert client.post(f"/faq/{FAQ_ID}/view").status_code == 204  # no CSRF token needed
    assert client.post(f"/faq/{FAQ_ID}/view").status_code == 204
    assert view_count(app, "faq", FAQ_ID) == 1
    permalink = visitor(app, "198.51.100.10").get(f"/faq/{FAQ_ID}")
    assert permalink.status_code == 302 and permalink.headers["Location"] == f"/faq#{FAQ_ID}"
    assert view_count(app, "faq", FAQ_ID) == 2
    assert client.post("/faq/no-such-question/view").status_code == 404
    assert client.get("/faq/no-such-question").status_code == 404


def test_the_view_beacon_is_rate_limited_quietly(client):
    allowed = int(VIEW_LIMIT.split()[0])
    for _ in range(allowed):
        client.post(f"/faq/{FAQ_ID}/view")
    limited = client.post(f"/faq/{FAQ_ID}/view")
    assert limited.status_code == 429 and limited.get_data() == b""


def test_pages_still_work_when_the_database_does_not(content_dir, built, tmp_path, caplog):
    from portal import create_app

    app = create_app(
        {"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": built, "INSTANCE_DIR": tmp_path / "i",
         "SECRET_KEY": "test", "AUTO_MIGRATE": False,
         "DATABASE_URL": f"sqlite:///{tmp_path / 'missing-dir' / 'portal.sqlite3'}"}
    )
    client = app.test_client()
    try:
        with caplog.at_level(logging.WARNING):
            assert client.get(f"/articles/{ARTICLE}").status_code == 200
            faq = client.get("/faq")
            home = client.get("/")
        assert faq.status_code == 200 and home.status_code == 200
        assert "could not count a view of article 'restart-your-harbor-hub'" in caplog.text
        assert "could not read faq popularity" in caplog.text
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


# --- rankings on the pages ------------------------------------------------------


def _faq_order(body: str) -> list[str]:
    return re.findall(r'<details class="faq" id="([^"]+)"', body)


def test_faq_entries_are_ranked_within_their_category_pinned_first(app, client, content_dir, built, write):
    from portal.build import build

    write(
        content_dir,
        "faq.yaml",
        """\
        - {question: Pinned account question, answer: A., category: account, pinned: true}
        - {question: Quiet account question, answer: B., category: account}
        - {question: Popular account question, answer: C., category: account}
        - {question: Hub question, answer: D., category: hub}
        """,
    )
    assert not build(content_dir, built).failed
    assert _faq_order(client.get("/faq").get_data(as_text=True)) == [
        "pinned-account-question", "quiet-account-question", "popular-account-question", "hub-question"
    ]
    for n in range(2):
        visitor(app, f"198.51.100.{n}").post("/faq/popular-account-question/view")
    vote(client, "yes", url="/faq/hub-question/vote")
    body = client.get("/faq").get_data(as_text=True)
    # Categories keep their authored order; within each, pinned first, then by popularity.
    assert _faq_order(body) == [
        "pinned-account-question", "popular-account-question", "quiet-account-question", "hub-question"
    ]
    home = client.get("/").get_data(as_text=True)
    top = re.findall(r'<li><a href="/faq#([^"]+)"', home)
    assert top == ["pinned-account-question", "hub-question", "popular-account-question", "quiet-account-question"]
    # (one helpful vote weighs three views, so it beats two)


def test_home_shows_popular_articles_once_there_are_views(app, client):
    assert "Popular articles" not in client.get("/").get_data(as_text=True)  # "Recently updated" stands in
    assert "Recently updated" in client.get("/").get_data(as_text=True)
    for n in range(2):
        visitor(app, f"198.51.100.{n}").get("/articles/harbor-hub-lights")
    app.test_client().get(f"/articles/{ARTICLE}")
    app.test_client().get("/articles/reset-your-password-he")  # Hebrew: not on the English home page
    body = client.get("/").get_data(as_text=True)
    section = body[body.index("Popular articles"):body.index("Recently updated")]
    assert re.findall(r'<a href="/articles/([^"]+)"', section) == ["harbor-hub-lights", ARTICLE]


def test_limits_can_be_shared_through_redis(content_dir, built, tmp_path):
    """With redis:// storage the counts live outside the worker (skipped when no
    Redis answers on 127.0.0.1:6379)."""
    import uuid

    redis = pytest.importorskip("redis")
    server = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5)
    try:
        server.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    finally:
        server.close()
    from portal import create_app

    prefix = f"portal-test-{uuid.uuid4().hex}"
    app = create_app(
        {"TESTING": True, "CONTENT_DIR": content_dir, "INDEX_DIR": built, "INSTANCE_DIR": tmp_path / "redis",
         "SECRET_KEY": "test", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "RATELIMIT_KEY_PREFIX": prefix}
    )
    client = app.test_client()
    try:
        for _ in range(int(VOTE_LIMIT.split()[0])):
            assert vote(client, "yes").status_code == 303
        assert vote(client, "yes").status_code == 429
        server = redis.Redis(host="127.0.0.1", port=6379)
        try:
            keys = server.keys(f"*{prefix}*")
            assert keys  # the counts are in Redis, not in this process
            server.delete(*keys)
        finally:
            server.close()
    finally:
        app.extensions["portal.published"].close()
        db.database(app).dispose()


def test_rankings_are_kept_per_worker_until_the_cache_expires(app, client, content_dir, built, write):
    from portal.build import build

    write(
        content_dir,
        "faq.yaml",
        """\
        - {question: Quiet account question, answer: B., category: account}
        - {question: Popular account question, answer: C., category: account}
        """,
    )
    assert not build(content_dir, built).failed
    app.config["RANKING_CACHE_SECONDS"] = 3600
    before = _faq_order(client.get("/faq").get_data(as_text=True))
    assert before == ["quiet-account-question", "popular-account-question"]
    for n in range(2):
        visitor(app, f"198.51.100.{n}").post("/faq/popular-account-question/view")
    assert _faq_order(client.get("/faq").get_data(as_text=True)) == before  # still the cached ranking
    app.config["RANKING_CACHE_SECONDS"] = 0
    assert _faq_order(client.get("/faq").get_data(as_text=True)) == [
        "popular-account-question", "quiet-account-question"
    ]
