"""Small helpers for templates: no rules, only how things look."""

from __future__ import annotations

import hashlib

AVATAR_COLOURS = 8


def initials(name: str | None) -> str:
    words = [word for word in (name or "").split() if word[:1].isalpha()]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def colour_index(seed: str | int | None) -> int:
    digest = hashlib.sha256(str(seed).encode()).digest()
    return digest[0] % AVATAR_COLOURS


def page_url_args(args: dict, page: int) -> dict:
    return {**args, "page": page}
