"""What services raise when they refuse: a message for the person who asked and the HTTP status
that says it (400 bad input, 403 not allowed, 404, 409 not now), with the form field it concerns."""

from __future__ import annotations


class Refused(Exception):
    def __init__(self, message, status: int = 400, field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.status = status
        self.field = field
