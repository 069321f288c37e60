"""One blueprint per area customers use; views parse, call, render."""

from __future__ import annotations

from flask import Flask

from portal.content.slugs import slugify
from portal.views import (
    api,
    articles,
    events,
    faq,
    feedback,
    glossary,
    home,
    insights,
    meta,
    search,
    staff,
    staff_content,
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
        events,
        tickets,
        ticket_status,
        staff,
        insights,
        staff_content,
    ):
        app.register_blueprint(module.bp)
