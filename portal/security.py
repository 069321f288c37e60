"""Security headers on every response: pages, errors, JSON and static files.

The Content-Security-Policy allows nothing inline: no ``<script>`` without
``src``, no ``style=`` attributes, no ``<style>`` elements. Article HTML passes
the sanitiser (which strips ``style`` and event handlers) and the templates use
only files from /static, so the policy costs the site nothing and turns any
injection that slipped past the sanitiser into inert text.
"""

from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        # Authors link images from other sites (https only: http would be mixed
        # content); data: for small inline images in imported articles.
        "img-src 'self' https: data:",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    # frame-ancestors covers current browsers; X-Frame-Options the older ones.
    "X-Frame-Options": "DENY",
    # A help centre needs none of these; denying them limits what injected or
    # third-party code could ever ask the visitor for.
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

# One year. Sent only over HTTPS (browsers ignore it over HTTP anyway), and
# without includeSubDomains: other hosts of the domain are not ours to pin.
STRICT_TRANSPORT_SECURITY = "max-age=31536000"


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response
