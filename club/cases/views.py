from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select

from club.accounts.permissions import organiser_required
from club.cases import activity, bp, feeds, files, services
from club.cases.forms import (
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    CommentForm,
    CoverForm,
    FollowForm,
    HideCommentForm,
    ModerationForm,
    ReportCommentForm,
)
from club.cases.models import Attachment, CaseStudy, Comment
from club.core import hooks, storage
from club.core.forms import EmptyForm, add_error
from club.core.images import ImageRejected
from club.core.models import Competence, Function, Sector
from club.core.pagecache import cacheable
from club.core.taxonomy import active_terms, choices_keeping, resolve_merged
from club.core.timeutil import utcnow
from club.core.urls import safe_next
from club.extensions import db

PAGE_SIZE = 12
FEED_SIZE = 30


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


def _visible_case_or_404(case_id: int) -> CaseStudy:
    case = services.get_case(case_id)
    if case is None or not services.can_view(case, current_user):
        abort(404)
    return case


def _refuse(error: services.CaseError):
    abort(error.status, error.message)


# -- lists -----------------------------------------------------------------------------------------


def _filter_form() -> CaseFilterForm:
    form = CaseFilterForm(request.args)
    # A retired term is not offered, but the links of the cases that carry it (their tags) still work.
    form.sector.choices = choices_keeping(Sector, [request.args.get("sector")], blank=_("All sectors"))
    form.function.choices = choices_keeping(Function, [request.args.get("function")], blank=_("All functions"))
    form.competence.choices = choices_keeping(
        Competence, [request.args.get("competence")], blank=_("All competence areas")
    )
    form.year.choices = [("", _("Any year"))] + [
        (str(year), str(year)) for year in services.published_years(current_user)
    ]
    form.language.choices = [("", _("Any language")), ("it", "Italiano"), ("en", "English")]
    form.sort.choices = [
        ("relevance", _("Relevance")),
        ("newest", _("Newest")),
        ("useful", _("Most useful")),
        ("discussed", _("Most discussed")),
    ]
    return form


@bp.get("/")
@cacheable()
def index():
    form = _filter_form()
    if not form.validate():
        return render_template("cases/index.html", form=form, page=None, cases=[], snippets={}, filters={}), 400
    filters = services.ListFilters(
        q=form.q.data or None,
        sector_id=_int_or_none(form.sector.data),
        function_id=_int_or_none(form.function.data),
        competence_id=_int_or_none(form.competence.data),
        year=_int_or_none(form.year.data),
        language=form.language.data or None,
        awarded=bool(form.awarded.data),
        sort=form.sort.data or "relevance",
    )
    statement, ranked = services.list_query(current_user, filters)
    page = db.paginate(statement, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    snippets = services.snippets(page.items, filters.q) if filters.q else {}
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template(
        "cases/index.html", form=form, page=page, cases=page.items, snippets=snippets, filters=args, ranked=ranked
    )


@bp.get("/mine")
@login_required
def mine():
    page = db.paginate(services.my_cases_query(current_user), per_page=PAGE_SIZE, error_out=False)
    return render_template("cases/mine.html", page=page, cases=page.items)


@bp.get("/bookmarks")
@login_required
def bookmarks():
    page = db.paginate(services.bookmarks_query(current_user), per_page=PAGE_SIZE, error_out=False)
    return render_template("cases/bookmarks.html", page=page, cases=page.items)


@bp.get("/moderation")
@organiser_required
def moderation():
    page = db.paginate(services.moderation_queue_query(), per_page=PAGE_SIZE, error_out=False)
    return render_template("cases/moderation.html", page=page, cases=page.items)


# -- one case --------------------------------------------------------------------------------------


def note_case_read(viewer, case_id: int) -> None:
    activity.note_view(case_id, viewer)


@bp.get("/<int:case_id>")
@cacheable(on_hit=note_case_read)
def detail(case_id: int):
    case = _visible_case_or_404(case_id)
    note_case_read(current_user, case.id)
    return _detail_page(case)


def _detail_page(
    case: CaseStudy,
    comment_form: CommentForm | None = None,
    status: int = 200,
    report_form: ReportCommentForm | None = None,
    reported_comment_id: int | None = None,
):
    """The case page; after a refused report, `report_form` carries its errors to that comment's form."""
    roles = services.roles(case, current_user)
    comment_pages, comments = services.comment_page(case, current_user, request.args.get("page", 1, type=int))
    return render_template(
        "cases/detail.html",
        case=case,
        comments=comments,
        comment_pages=comment_pages,
        state=services.reader_state(case, current_user),
        actions=services.workflow.available(case.status, roles),
        can_edit=services.can_edit(case, current_user),
        can_delete=services.can_delete(case, current_user),
        is_author=services.is_author(case, current_user),
        comment_form=comment_form or CommentForm(formdata=None),
        hide_form=HideCommentForm(formdata=None),
        moderation_form=ModerationForm(formdata=None),
        report_form=ReportCommentForm(formdata=None),
        failed_report_form=report_form,
        failed_report_comment_id=reported_comment_id,
        sections=hooks.collect("case_sections", case),
    ), status


@bp.get("/<int:case_id>/history")
@login_required
def history(case_id: int):
    case = _visible_case_or_404(case_id)
    if not (services.is_author(case, current_user) or current_user.is_organiser):
        abort(403)
    return render_template("cases/history.html", case=case, revisions=services.revisions(case))


def _case_form(case: CaseStudy | None = None, **kwargs) -> CaseForm:
    """The case form; editing a case also offers the retired terms it carries, so saving keeps them."""
    form = CaseForm(**kwargs)
    form.set_choices(
        choices_keeping(Sector, [case.sector_id] if case is not None else []),
        choices_keeping(Function, [term.id for term in case.functions] if case is not None else []),
        choices_keeping(Competence, [term.id for term in case.competences] if case is not None else []),
    )
    return form


def _case_input(form: CaseForm) -> services.CaseInput:
    return services.CaseInput(
        title=form.title.data,
        summary=form.summary.data,
        body=form.body.data,
        organisation=form.organisation.data,
        sector_id=_int_or_none(form.sector.data),
        function_ids=[int(value) for value in form.functions.data or []],
        competence_ids=[int(value) for value in form.competences.data or []],
        language=form.language.data,
        visibility=form.visibility.data,
        metrics=[services.MetricInput(**values) for values in form.metric_values()],
        coauthor_emails=form.coauthor_emails(),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = _case_form()
    if request.method == "GET":
        form.language.data = current_user.locale or "it"
        form.visibility.data = "members"
        profile = current_user.profile
        if profile is not None:
            form.organisation.data = profile.organisation
            form.sector.data = str(profile.sector_id or "")
    elif form.validate_on_submit():
        try:
            case = services.create_case(current_user._get_current_object(), _case_input(form))
        except services.CaseError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("Draft saved. Add a cover and attachments, then submit it to the organisers."), "success")
            return redirect(url_for("cases.edit", case_id=case.id))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/form.html", form=form, case=None), status


def _fill_form(form: CaseForm, case: CaseStudy) -> None:
    form.title.data = case.title
    form.summary.data = case.summary
    form.body.data = case.body
    form.organisation.data = case.organisation
    form.sector.data = str(case.sector_id or "")
    form.functions.data = [str(term.id) for term in case.functions]
    form.competences.data = [str(term.id) for term in case.competences]
    form.language.data = case.language
    form.visibility.data = case.visibility
    form.coauthors.data = "\n".join(author.user.email for author in case.authors[1:])
    for entry, metric in zip(form.metrics.entries, case.metrics, strict=False):
        entry.form.name.data = metric.name
        entry.form.before.data = _number_text(metric.before)
        entry.form.after.data = _number_text(metric.after)
        entry.form.unit.data = metric.unit


def _number_text(value) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")


def _edit_page(case, form=None, cover_form=None, attachment_form=None, status=200):
    if form is None:
        form = _case_form(case, formdata=None)
        _fill_form(form, case)
    return render_template(
        "cases/form.html",
        form=form,
        case=case,
        cover_form=cover_form or CoverForm(formdata=None),
        attachment_form=attachment_form or AttachmentForm(formdata=None),
    ), status


def _editable_case_or_404(case_id: int) -> CaseStudy:
    case = _visible_case_or_404(case_id)
    if not services.can_edit(case, current_user):
        abort(403)
    return case


@bp.get("/<int:case_id>/edit")
@login_required
def edit(case_id: int):
    return _edit_page(_editable_case_or_404(case_id))


@bp.post("/<int:case_id>/edit")
@login_required
def update(case_id: int):
    case = _editable_case_or_404(case_id)
    form = _case_form(case)
    if form.validate_on_submit():
        try:
            services.update_case(case, current_user._get_current_object(), _case_input(form))
        except services.CaseError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("The case study has been saved."), "success")
            return redirect(url_for("cases.detail", case_id=case.id))
    return _edit_page(case, form=form, status=400)


@bp.post("/<int:case_id>/cover")
@login_required
def upload_cover(case_id: int):
    case = _editable_case_or_404(case_id)
    form = CoverForm()
    if form.validate_on_submit():
        try:
            services.set_cover(case, current_user._get_current_object(), form.cover.data.stream)
        except ImageRejected as error:
            add_error(form, "cover", error.message)
        else:
            flash(_("The cover image has been updated."), "success")
            return redirect(url_for("cases.edit", case_id=case.id))
    return _edit_page(case, cover_form=form, status=400)


@bp.post("/<int:case_id>/cover/remove")
@login_required
def remove_cover(case_id: int):
    case = _editable_case_or_404(case_id)
    services.remove_cover(case, current_user._get_current_object())
    flash(_("The cover image has been removed."), "success")
    return redirect(url_for("cases.edit", case_id=case.id))


@bp.get("/covers/<name>")
def cover(name: str):
    case = db.session.scalar(select(CaseStudy).where(CaseStudy.cover_filename == name))
    if case is None or not services.can_view(case, current_user):
        abort(404)
    response = storage.send(files.COVER_KIND, name, mimetype="image/webp", max_age=7 * 24 * 3600)
    if not services.can_view(case, None):
        # Only what anyone may see goes into shared caches (drafts, members-only cases stay private).
        response.cache_control.public = False
        response.cache_control.private = True
    return response


@bp.post("/<int:case_id>/attachments")
@login_required
def upload_attachment(case_id: int):
    case = _editable_case_or_404(case_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            services.add_attachment(
                case, current_user._get_current_object(), form.file.data.stream, form.file.data.filename
            )
        except (services.CaseError, ImageRejected) as error:
            add_error(form, "file", error.message)
            return _edit_page(case, attachment_form=form, status=getattr(error, "status", 400))
        flash(_("The attachment has been added."), "success")
        return redirect(url_for("cases.edit", case_id=case.id))
    return _edit_page(case, attachment_form=form, status=400)


@bp.post("/<int:case_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(case_id: int, attachment_id: int):
    case = _editable_case_or_404(case_id)
    try:
        services.remove_attachment(case, current_user._get_current_object(), attachment_id)
    except services.CaseError as error:
        _refuse(error)
    flash(_("The attachment has been removed."), "success")
    return redirect(url_for("cases.edit", case_id=case.id))


@bp.get("/<int:case_id>/attachments/<int:attachment_id>")
def attachment(case_id: int, attachment_id: int):
    case = _visible_case_or_404(case_id)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    response = storage.send(
        files.ATTACHMENT_KIND,
        item.stored_name,
        mimetype=item.content_type,
        as_attachment=True,
        download_name=item.original_name,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Shared caches get only what anyone may download: a published, public case's files.
    response.headers["Cache-Control"] = "public, max-age=300" if services.can_view(case, None) else "private, no-store"
    return response


@bp.post("/<int:case_id>/transition/<action>")
@login_required
def transition(case_id: int, action: str):
    case = _visible_case_or_404(case_id)
    form = ModerationForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.transition(case, current_user._get_current_object(), action, form.comment.data)
    except services.CaseError as error:
        _refuse(error)
    flash(TRANSITION_MESSAGES[action], "success")
    return redirect(url_for("cases.detail", case_id=case.id))


TRANSITION_MESSAGES = {
    "submit": _l("Submitted: the organisers will read it and publish it or suggest changes."),
    "resubmit": _l("Submitted again: the organisers will read your changes."),
    "withdraw": _l("Withdrawn: the case study is a draft again."),
    "request_changes": _l("The authors have been asked for changes."),
    "publish": _l("Published: the club can read it now."),
    "archive": _l("Archived: it no longer appears in lists, searches and feeds."),
    "restore": _l("Published again."),
}


@bp.post("/<int:case_id>/delete")
@login_required
def delete(case_id: int):
    case = _visible_case_or_404(case_id)
    try:
        services.delete_case(case, current_user._get_current_object())
    except services.CaseError as error:
        _refuse(error)
    flash(_("The case study has been deleted."), "success")
    return redirect(url_for("cases.mine"))


# -- discussion ------------------------------------------------------------------------------------


@bp.post("/<int:case_id>/comments")
@login_required
def add_comment(case_id: int):
    case = _visible_case_or_404(case_id)
    form = CommentForm()
    if not form.validate_on_submit():
        # The page again, with the message beside the field and what the member typed still there.
        return _detail_page(case, comment_form=form, status=400)
    try:
        comment = services.add_comment(case, current_user._get_current_object(), form.body.data)
    except services.CaseError as error:
        _refuse(error)
    return redirect(_comment_url(case, comment))


def _comment_or_404(comment_id: int) -> tuple[Comment, CaseStudy]:
    comment = db.get_or_404(Comment, comment_id)
    return comment, _visible_case_or_404(comment.case_id)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    if not services.comment_editable(comment, current_user):
        abort(403, _("Comments can be changed by their author for 15 minutes only."))
    form = CommentForm()
    if request.method == "GET":
        form.body.data = comment.body
    elif form.validate_on_submit():
        services.edit_comment(comment, current_user._get_current_object(), form.body.data)
        return redirect(_comment_url(case, comment))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/comment_edit.html", form=form, comment=comment, case=case), status


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def delete_comment(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    try:
        services.delete_comment(comment, current_user._get_current_object())
    except services.CaseError as error:
        _refuse(error)
    flash(_("Your comment has been deleted."), "success")
    return redirect(url_for("cases.detail", case_id=case.id, _anchor="comments"))


def _comment_url(case: CaseStudy, comment: Comment) -> str:
    """The case page at the page of its discussion that shows the comment."""
    page = services.comment_page_of(comment)
    return url_for("cases.detail", case_id=case.id, page=page if page > 1 else None, _anchor=f"comment-{comment.id}")


def _back_to(case: CaseStudy, comment: Comment) -> str:
    """Organisers moderate from the case page or from the console's list: go back where they were."""
    return safe_next(request.form.get("next"), _comment_url(case, comment))


@bp.post("/comments/<int:comment_id>/hide")
@organiser_required
def hide_comment(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    form = HideCommentForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at least 3 and at most 300 characters."), "error")
        return redirect(_back_to(case, comment))
    try:
        services.hide_comment(comment, current_user._get_current_object(), form.reason.data)
    except services.CaseError as error:
        _refuse(error)
    flash(_("The comment is hidden."), "success")
    return redirect(_back_to(case, comment))


@bp.post("/comments/<int:comment_id>/unhide")
@organiser_required
def unhide_comment(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    try:
        services.unhide_comment(comment, current_user._get_current_object())
    except services.CaseError as error:
        _refuse(error)
    flash(_("The comment is visible again."), "success")
    return redirect(_back_to(case, comment))


@bp.post("/comments/<int:comment_id>/report")
@login_required
def report_comment(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    form = ReportCommentForm()
    if form.validate_on_submit():
        try:
            services.report_comment(comment, current_user._get_current_object(), form.reason.data, form.note.data)
        except services.CaseError as error:
            add_error(form, error.field or "form", error.message)
            status = error.status
        else:
            flash(_("Thank you: the organisers will look at this comment."), "success")
            return redirect(_comment_url(case, comment))
    else:
        status = 400
    # The case page again, with the reason beside the report form of that comment.
    return _detail_page(case, status=status, report_form=form, reported_comment_id=comment.id)


@bp.post("/comments/<int:comment_id>/reports/dismiss")
@organiser_required
def dismiss_reports(comment_id: int):
    comment, case = _comment_or_404(comment_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        count = services.dismiss_reports(comment, current_user._get_current_object())
    except services.CaseError as error:
        _refuse(error)
    flash(
        ngettext(
            "%(num)d report dismissed: the comment stays.", "%(num)d reports dismissed: the comment stays.", count
        ),
        "success",
    )
    return redirect(_back_to(case, comment))


def _toggle_view(case_id: int, toggle, on_message, off_message):
    case = _visible_case_or_404(case_id)
    on = request.form.get("on") == "1"
    try:
        toggle(case, current_user._get_current_object(), on)
    except services.CaseError as error:
        _refuse(error)
    flash(on_message if on else off_message, "success")
    return redirect(url_for("cases.detail", case_id=case.id))


@bp.post("/<int:case_id>/useful")
@login_required
def useful(case_id: int):
    return _toggle_view(
        case_id, services.mark_useful, _("Marked as useful. Thank you!"), _("No longer marked as useful.")
    )


@bp.post("/<int:case_id>/bookmark")
@login_required
def bookmark(case_id: int):
    return _toggle_view(case_id, services.bookmark, _("Saved in your bookmarks."), _("Removed from your bookmarks."))


# -- following, notifications ----------------------------------------------------------------------


def _follow_form(**kwargs) -> FollowForm:
    form = FollowForm(**kwargs)
    # What the member follows already stays shown (and kept while ticked), even if it was retired since.
    current = services.follows(current_user)
    form.sectors.choices = choices_keeping(Sector, current["sector"])
    form.functions.choices = choices_keeping(Function, current["function"])
    form.competences.choices = choices_keeping(Competence, current["competence"])
    return form


@bp.get("/following")
@login_required
def following():
    form = _follow_form(formdata=None)
    current = services.follows(current_user)
    form.sectors.data = [str(i) for i in current["sector"]]
    form.functions.data = [str(i) for i in current["function"]]
    form.competences.data = [str(i) for i in current["competence"]]
    form.email_on_comment.data = services.preferences(current_user).email_on_comment
    return render_template("cases/following.html", form=form)


@bp.post("/following")
@login_required
def save_following():
    form = _follow_form()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            services.set_follows(
                user,
                {
                    "sector": [int(v) for v in form.sectors.data or []],
                    "function": [int(v) for v in form.functions.data or []],
                    "competence": [int(v) for v in form.competences.data or []],
                },
            )
        except services.CaseError as error:
            add_error(form, "form", error.message)
        else:
            services.save_preferences(user, form.email_on_comment.data)
            flash(_("Saved. Your home page now shows case studies from what you follow."), "success")
            return redirect(url_for("cases.following"))
    return render_template("cases/following.html", form=form), 400


@bp.get("/notifications")
@login_required
def notifications():
    page = db.paginate(services.notifications_query(current_user), per_page=30, error_out=False)
    return render_template("cases/notifications.html", page=page, notifications=page.items)


@bp.post("/notifications/read")
@login_required
def read_notifications():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.mark_notifications_read(current_user._get_current_object())
    return redirect(url_for("cases.notifications"))


# -- feeds -----------------------------------------------------------------------------------------


def _feed_response(title: str, cases: list[CaseStudy], self_url: str):
    body = feeds.build(
        feed_id=self_url,
        title=title,
        self_url=self_url,
        site_url=url_for("cases.index", _external=True),
        cases=cases,
        case_url=lambda case: url_for("cases.detail", case_id=case.id, _external=True),
        updated=max((feeds.entry_updated(case) for case in cases), default=utcnow()),
    )
    response = make_response(body)
    response.mimetype = "application/atom+xml"
    response.headers["Cache-Control"] = "public, max-age=600"
    return response


def _feed_cases(*conditions) -> list[CaseStudy]:
    statement, _ranked = services.list_query(None, services.ListFilters(sort="newest"))
    return list(db.session.scalars(statement.where(*conditions).limit(FEED_SIZE)).unique())


@bp.get("/feed.atom")
def feed():
    club = current_app.config["CLUB_NAME"]
    return _feed_response(_("%(club)s: case studies", club=club), _feed_cases(), url_for("cases.feed", _external=True))


@bp.get("/feed/sector/<slug>.atom")
def sector_feed(slug: str):
    # A slug is letters and dashes: a NUL would make PostgreSQL refuse the query (a 500, not a 404).
    sector = None if "\x00" in slug else db.session.scalar(select(Sector).where(Sector.slug == slug))
    if sector is None:
        abort(404)
    if sector.merged_into_id is not None:  # merged by an organiser: its readers follow it to the new term
        target = resolve_merged(sector) or abort(404)
        return redirect(url_for("cases.sector_feed", slug=target.slug), 301)
    cases = _feed_cases(CaseStudy.sector_id == sector.id)
    return _feed_response(
        _("Case studies: %(name)s", name=sector.name), cases, url_for("cases.sector_feed", slug=slug, _external=True)
    )


@bp.get("/feed/competence/<slug>.atom")
def competence_feed(slug: str):
    # A slug is letters and dashes: a NUL would make PostgreSQL refuse the query (a 500, not a 404).
    competence = None if "\x00" in slug else db.session.scalar(select(Competence).where(Competence.slug == slug))
    if competence is None:
        abort(404)
    if competence.merged_into_id is not None:
        target = resolve_merged(competence) or abort(404)
        return redirect(url_for("cases.competence_feed", slug=target.slug), 301)
    statement, _ranked = services.list_query(None, services.ListFilters(competence_id=competence.id, sort="newest"))
    cases = list(db.session.scalars(statement.limit(FEED_SIZE)).unique())
    return _feed_response(
        _("Case studies: %(name)s", name=competence.name),
        cases,
        url_for("cases.competence_feed", slug=slug, _external=True),
    )


@bp.get("/feeds")
def feed_list():
    return render_template("cases/feeds.html", sectors=active_terms(Sector), competences=active_terms(Competence))
