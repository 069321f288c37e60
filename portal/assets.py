"""Fingerprinted static files: ``asset_url("site.css")`` → ``/static/site.css?v=3f2a9c1b``.

The fingerprint changes with the file, so browsers may cache assets for a year
and still never run stale CSS or JavaScript after a deploy.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request, url_for

from portal import i18n

YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    static = Path(app.static_folder or "")
    fingerprints = {
        p.relative_to(static).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()[:10]
        for p in static.rglob("*")
        if p.is_file()
    }

    def asset_url(name: str) -> str:
        # One address in every interface language, so a browser caches each file once.
        url = url_for("static", filename=name, v=fingerprints.get(name))
        return i18n.site_root() + url.removeprefix(request.script_root)

    @app.after_request
    def cache_assets(response: Response) -> Response:
        if request.endpoint == "static" and request.args.get("v"):
            response.cache_control.public = True
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        return response

    app.add_template_global(asset_url)
