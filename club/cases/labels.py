"""The words the pages use for statuses, actions and fields of a case study."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS = {
    "draft": _l("Draft"),
    "submitted": _l("Submitted for review"),
    "changes_requested": _l("Changes requested"),
    "published": _l("Published"),
    "archived": _l("Archived"),
}
ACTION = {
    "submit": _l("Submit for review"),
    "resubmit": _l("Submit again"),
    "withdraw": _l("Withdraw"),
    "request_changes": _l("Ask for changes"),
    "publish": _l("Publish"),
    "archive": _l("Archive"),
    "restore": _l("Publish again"),
}
# What the history says happened (past tense), beside the buttons' imperatives above.
HISTORY = {
    "created": _l("Created"),
    "edited": _l("Edited"),
    "submit": _l("Submitted for review"),
    "resubmit": _l("Submitted again"),
    "withdraw": _l("Withdrawn"),
    "request_changes": _l("Changes requested"),
    "publish": _l("Published"),
    "archive": _l("Archived"),
    "restore": _l("Published again"),
    "cover_changed": _l("Cover image changed"),
    "cover_removed": _l("Cover image removed"),
    "attachment_added": _l("Attachment added"),
    "attachment_removed": _l("Attachment removed"),
}
FIELD = {
    "title": _l("Title"),
    "summary": _l("Summary"),
    "body": _l("The case"),
    "organisation": _l("Organisation"),
    "sector": _l("Sector"),
    "functions": _l("Functions involved"),
    "competences": _l("Competence areas"),
    "language": _l("Language"),
    "visibility": _l("Visibility"),
    "metrics": _l("Results"),
    "coauthors": _l("Co-authors"),
    "status": _l("Status"),
    "attachment": _l("Attachment"),
}


def status_label(value: str) -> str:
    return str(STATUS.get(value, value))


def action_label(value: str) -> str:
    return str(ACTION.get(value, value))


def history_label(value: str) -> str:
    return str(HISTORY.get(value, value))


def field_label(value: str) -> str:
    return str(FIELD.get(value, value))


def change_value(value) -> str:
    """A before/after value of the history, as text: lists joined, nothing as a dash."""
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)
