"""The portal as ``bench/http_bench.py`` serves it: ``create_app()`` plus ``/__trivial``.

    gunicorn --pythonpath bench http_app:app

The trivial endpoint lives here, not in the portal, because it exists only to
give the benchmark a baseline: it goes through the same server, worker, Flask
routing and after-request hooks (security headers, visitor cookie) as every
page, so a page's ratio to it is what the page itself costs. Settings come from
the ``PORTAL_*`` environment variables, as in production.
"""

from __future__ import annotations

from portal import create_app

app = create_app()


@app.get("/__trivial")
def trivial() -> str:
    return "ok"
