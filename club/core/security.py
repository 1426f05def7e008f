"""Response headers that every page carries."""

from __future__ import annotations

from flask import request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def security_headers(is_secure: bool) -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    if is_secure:
        headers.append(("Strict-Transport-Security", "max-age=63072000; includeSubDomains"))
    return headers


def add_security_headers(response):
    for name, value in security_headers(request.is_secure):
        response.headers.setdefault(name, value)
    return response


# For an email shown as a page (a digest "in the browser"): its CSS is inline, as mail clients need,
# and it has no scripts, so inline styles may run and nothing else may.
EMAIL_PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
)


def email_page(response_class, html: str):
    response = response_class(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EMAIL_PAGE_POLICY
    response.headers["Cache-Control"] = "private, no-store"
    return response
