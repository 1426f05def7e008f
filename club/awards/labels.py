"""The words pages use for phases, moments, statuses and recusals."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from club.awards.forms import MOMENT_LABELS

PHASE_LABELS = {
    "announced": _l("Announced"),
    "nominations": _l("Nominations open"),
    "selection": _l("Choosing the finalists"),
    "judging": _l("The jury is judging"),
    "voting": _l("Member vote open"),
    "judging_voting": _l("Jury at work and member vote open"),
    "counting": _l("Counting"),
    "results": _l("Results published"),
}
NOMINATION_LABELS = {
    "proposed": _l("Waiting for the authors"),
    "entered": _l("Entered"),
    "declined": _l("Declined by the authors"),
    "withdrawn": _l("Withdrawn"),
}
ELIGIBILITY_LABELS = {
    "unchecked": _l("To check"),
    "eligible": _l("Eligible"),
    "ineligible": _l("Not eligible"),
}
RECUSAL_LABELS = {
    "author": _l("Author or co-author"),
    "organisation": _l("Same organisation"),
    "declared": _l("Declared conflict"),
}
AUDIT_LABELS = {
    "award.edition.created": _l("Edition created"),
    "award.edition.changed": _l("Edition changed"),
    "award.timeline.changed": _l("Timeline changed"),
    "award.category.created": _l("Category added"),
    "award.category.changed": _l("Category changed"),
    "award.eligibility": _l("Eligibility decided"),
    "award.finalists": _l("Finalists chosen"),
    "award.jurors": _l("Jurors assigned"),
    "award.results.published": _l("Results published"),
}


def register_labels(app) -> None:
    def label(table):
        return lambda key: str(table.get(key, key))

    app.jinja_env.globals.update(
        award_phase_label=label(PHASE_LABELS),
        award_moment_label=label(MOMENT_LABELS),
        nomination_label=label(NOMINATION_LABELS),
        eligibility_label=label(ELIGIBILITY_LABELS),
        recusal_label=label(RECUSAL_LABELS),
        audit_label=label(AUDIT_LABELS),
    )
