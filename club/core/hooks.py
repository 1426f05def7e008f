"""Where a lower domain asks a higher one for something to show, without importing it.

A higher domain registers a provider at start-up (in its blueprint's registration); the lower
domain's page calls `collect(name, ...)` and gets whatever the registered providers return.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app


def register(app, name: str, provider: Callable) -> None:
    app.extensions.setdefault("club_hooks", {}).setdefault(name, []).append(provider)


def collect(name: str, *args, **kwargs) -> list:
    providers = current_app.extensions.get("club_hooks", {}).get(name, [])
    results = []
    for provider in providers:
        value = provider(*args, **kwargs)
        if value is not None:
            results.append(value)
    return results
