"""The self-service support portal: a Flask application.

``create_app`` follows the application-factory pattern: defaults and ``PORTAL_*``
environment variables from :mod:`portal.config`, then the test mapping; then each
part registers itself with ``init_app``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from portal import config


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    settings = config.from_environment(overrides=test_config)
    instance = Path(settings["INSTANCE_DIR"])
    app = Flask(__name__, instance_path=str(instance.resolve()))
    app.config.update(settings)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.persisted_secret_key(instance)

    from portal import assets, cli, csrf, db, errors, i18n, published, ratelimit, security, views, visitors
    from portal.tickets import sla

    i18n.init_app(app)
    published.init_app(app)
    assets.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    db.init_app(app)
    csrf.init_app(app)
    ratelimit.init_app(app)
    visitors.init_app(app)
    sla.init_app(app)
    views.init_app(app)
    cli.init_app(app)
    return app
