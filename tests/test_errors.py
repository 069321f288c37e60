"""Error pages (portal/errors.py) under the staff desk: the public layout, but
not the customers' "This page is available in …" offer, in every language."""

from __future__ import annotations

import pytest
from flask import abort

OFFER = "data-offer="


@pytest.fixture
def app(app_on_shared_build):
    app = app_on_shared_build

    # Registered before the first request: a desk page that fails each way.
    @app.get("/staff/test-bad-request")
    def bad_request() -> str:
        abort(400)

    @app.get("/staff/test-broken")
    def broken() -> str:
        raise RuntimeError("a bug in a desk view")

    return app


@pytest.mark.parametrize("lang", ["", "/he", "/fa"])
@pytest.mark.parametrize(
    ("path", "status"),
    [("/staff/no-such-page", 404), ("/staff/test-bad-request", 400), ("/staff/test-broken", 500)],
)
def test_error_pages_under_the_desk_make_no_language_offer(app, lang, path, status):
    response = app.test_client().get(lang + path)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert OFFER not in body and "data-offer-slot" not in body
    assert 'class="language-switcher"' in body  # the rest of the layout stays


@pytest.mark.parametrize("lang", ["", "/he", "/fa"])
def test_error_pages_of_the_public_site_still_offer_the_other_languages(app, lang):
    response = app.test_client().get(f"{lang}/articles/no-such-article")
    assert response.status_code == 404
    assert response.get_data(as_text=True).count(OFFER) == 2  # the two languages this page is not in


def test_only_paths_under_staff_are_the_desk():
    from portal.errors import on_desk

    assert on_desk("/staff") and on_desk("/staff/") and on_desk("/staff/tickets/x")
    assert not on_desk("/staffing") and not on_desk("/") and not on_desk("/articles/staff")
