"""Error pages in the visitor's language."""

from __future__ import annotations

from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from club.extensions import db

ERROR_TEXTS = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. If you sent a form, go back, reload the page and try again."),
    ),
    403: (_l("Access denied"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This address does not accept that kind of request.")),
    409: (_l("Conflict"), _l("The request conflicts with the current state of the page. Reload it and try again.")),
    413: (_l("File too large"), _l("What you sent is larger than the site accepts. Choose a smaller file.")),
    429: (
        _l("Too many attempts"),
        _l("You have tried too many times in a short while. Wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. It has been recorded; please try again later."),
    ),
}
CSRF_MESSAGE = _l("The form has expired or did not come from this site. Go back, reload the page and send it again.")


def render_error(code: int, message=None):
    title, default_message = ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    page = render_template("errors/error.html", code=code, title=title, message=message or default_message)
    return page, code


def register_error_handlers(app) -> None:
    def handle_http(error: HTTPException):
        code = error.code or 500
        if code not in ERROR_TEXTS:
            return error
        db.session.rollback()
        if isinstance(error, CSRFError):
            message = CSRF_MESSAGE
        elif error.description != type(error).description:
            message = error.description  # a translated refusal given to abort() by a view
        else:
            message = None
        page, code = render_error(code, message)
        response = app.make_response((page, code))
        if error.response is not None:  # e.g. Retry-After on 429
            for name, value in error.response.headers.items():
                if name.lower().startswith(("retry-after", "x-ratelimit")):
                    response.headers[name] = value
        return response

    def handle_unexpected(error: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        return render_error(500)

    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
