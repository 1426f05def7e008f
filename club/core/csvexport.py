"""CSV downloads: one response shape, and cells that spreadsheets will not run as formulas."""

from __future__ import annotations

import csv
import io

from flask import make_response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """Spreadsheets run a text cell starting with = + - @ as a formula: quote such text.

    Numbers pass unchanged (a negative number is data, not a formula).
    """
    if isinstance(value, int | float):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(rows, filename: str, *, private: bool = True):
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    response = make_response(out.getvalue())
    response.mimetype = "text/csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    if private:
        response.headers["Cache-Control"] = "private, no-store"
    return response
