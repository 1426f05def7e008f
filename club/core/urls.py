"""Redirect targets that cannot leave the site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def safe_next(target: str | None, fallback: str) -> str:
    """Return target when it is a path on this site, else fallback.

    Only relative paths starting with a single slash are kept: "//evil.example", "https://evil",
    "/\\evil" and control characters are all refused, since browsers read them as other hosts.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return fallback
    return target


def is_web_address(text: str | None, max_length: int = 300) -> bool:
    """An absolute http(s) address with a host: what members may link to."""
    if not text or len(text) > max_length:
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for emails: from the request when there is one, else from SITE_URL.

    The CLI and the scheduler have no request, and SERVER_NAME would also restrict routing to one
    host name; SITE_URL says where the site lives without that side effect.
    """
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context("/", base_url=current_app.config["SITE_URL"]):
        return url_for(endpoint, _external=True, **values)
