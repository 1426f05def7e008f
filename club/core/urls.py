"""Redirect targets that cannot leave the site."""

from __future__ import annotations

from urllib.parse import urlsplit


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
