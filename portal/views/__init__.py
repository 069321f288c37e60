"""One blueprint per area customers use; views parse, call, render."""

from __future__ import annotations

from flask import Flask

from portal.content.slugs import slugify
from portal.views import (
    api,
    articles,
    faq,
    feedback,
    glossary,
    home,
    meta,
    search,
    staff,
    ticket_status,
    tickets,
    troubleshoot,
)


def init_app(app: Flask) -> None:
    app.add_template_filter(slugify, "slugify")
    for module in (
        home,
        articles,
        search,
        faq,
        glossary,
        troubleshoot,
        api,
        meta,
        feedback,
        tickets,
        ticket_status,
        staff,
    ):
        app.register_blueprint(module.bp)
