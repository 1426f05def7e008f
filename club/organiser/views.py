from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, select

from club.accounts.models import User
from club.accounts.permissions import organiser_required
from club.cases import services as case_services
from club.cases.forms import HideCommentForm
from club.core import taxonomy
from club.core.csvexport import csv_response
from club.core.forms import EmptyForm, add_error
from club.core.models import AuditEntry
from club.core.taxonomy import TAXONOMIES, choices
from club.extensions import db
from club.organiser import bp, charts, exports, services
from club.organiser.forms import (
    ACTIVITY_LABELS,
    DIMENSION_LABELS,
    STATE_LABELS,
    AuditFilterForm,
    InsightsForm,
    InvitationForm,
    JoinForm,
    MemberFilterForm,
    MergeForm,
    ReasonForm,
    RoleForm,
    TermForm,
    role_choices,
)
from club.organiser.models import Invitation

PAGE_SIZE = 30


def _actor() -> User:
    return current_user._get_current_object()


def _page(statement, per_page: int = PAGE_SIZE):
    return db.paginate(statement, per_page=per_page, max_per_page=per_page, error_out=False)


def _month_label(month: str) -> str:
    year, number = month.split("-")
    return format_date(date(int(year), int(number), 1), "MMM yyyy")


def _int_or_none(value) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _query_args() -> dict:
    return {key: value for key, value in request.args.items() if key != "page" and value}


# -- dashboard --------------------------------------------------------------------------------------


@bp.get("/organiser/")
@organiser_required
def dashboard():
    return render_template("organiser/dashboard.html", board=services.dashboard())


# -- comments ---------------------------------------------------------------------------------------


@bp.get("/organiser/comments")
@organiser_required
def comments():
    show = "hidden" if request.args.get("show") == "hidden" else "reported"
    if show == "hidden":
        page = _page(services.hidden_comments_query())
        reports = {}
    else:
        page = _page(case_services.open_reports_query())
        reports = case_services.open_reports_of([comment.id for comment in page.items])
    return render_template(
        "organiser/comments.html",
        show=show,
        page=page,
        reports=reports,
        hide_form=HideCommentForm(formdata=None),
        button_form=EmptyForm(formdata=None),
    )


# -- members ----------------------------------------------------------------------------------------


def _member_filter_form() -> MemberFilterForm:
    form = MemberFilterForm(request.args)
    form.role.choices = [("", _("All roles")), *role_choices(["member", "organiser", "admin"])]
    form.state.choices = [("", _("Any state")), *[(key, str(label)) for key, label in STATE_LABELS.items()]]
    form.sector.choices = choices(TAXONOMIES["sector"], blank=_("All sectors"))
    form.function.choices = choices(TAXONOMIES["function"], blank=_("All functions"))
    return form


@bp.get("/organiser/members")
@organiser_required
def members():
    form = _member_filter_form()
    filters = services.MemberFilters()
    if form.validate():
        filters = services.MemberFilters(
            query=form.q.data or "",
            role=form.role.data or "",
            state=form.state.data or "",
            sector_id=_int_or_none(form.sector.data),
            function_id=_int_or_none(form.function.data),
        )
    page = _page(services.members_query(filters))
    return render_template(
        "organiser/members.html", form=form, page=page, args=_query_args(), state_labels=STATE_LABELS
    )


def _member_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _member_page(user: User, role_form=None, suspend_form=None, reactivate_form=None, status: int = 200):
    role_form = role_form or RoleForm(formdata=None, role=user.role)
    role_form.role.choices = role_choices(services.assignable_roles(_actor()))
    history = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.scope == f"user:{user.id}")
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(50)
    ).all()
    return (
        render_template(
            "organiser/member.html",
            user=user,
            activity=services.member_activity(user),
            role_form=role_form,
            suspend_form=suspend_form or ReasonForm(formdata=None),
            reactivate_form=reactivate_form or ReasonForm(formdata=None),
            history=history,
        ),
        status,
    )


@bp.get("/organiser/members/<int:user_id>")
@organiser_required
def member(user_id: int):
    return _member_page(_member_or_404(user_id))


@bp.post("/organiser/members/<int:user_id>/role")
@organiser_required
def change_role(user_id: int):
    user = _member_or_404(user_id)
    form = RoleForm()
    form.role.choices = role_choices(["member", "organiser", "admin"])
    if not form.validate_on_submit():
        return _member_page(user, role_form=form, status=400)
    try:
        services.change_role(_actor(), user, form.role.data)
    except services.OrganiserError as error:
        _tell(form, "role", error)
        return _member_page(user, role_form=form, status=error.status)
    flash(_("%(name)s is now: %(role)s.", name=user.display_name, role=user.role_label), "success")
    return redirect(url_for("organiser.member", user_id=user.id))


def _tell(form, field_name: str, error) -> None:
    """A refusal about the input goes by its field; one about the member (already suspended, one's
    own role...) goes on top of the page, as the form may not even be shown for them."""
    if error.status == 400:
        add_error(form, field_name, error.message)
    else:
        flash(error.message, "error")


def _reason_action(user_id: int, action, done_message: str, form_name: str):
    user = _member_or_404(user_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        return _member_page(user, **{form_name: form}, status=400)
    try:
        action(_actor(), user, form.reason.data)
    except services.Refused as error:
        _tell(form, "reason", error)
        return _member_page(user, **{form_name: form}, status=error.status)
    flash(done_message % {"name": user.display_name}, "success")
    return redirect(url_for("organiser.member", user_id=user.id))


@bp.post("/organiser/members/<int:user_id>/suspend")
@organiser_required
def suspend(user_id: int):
    return _reason_action(user_id, services.suspend, _("%(name)s is suspended."), "suspend_form")


@bp.post("/organiser/members/<int:user_id>/reactivate")
@organiser_required
def reactivate(user_id: int):
    return _reason_action(user_id, services.reactivate, _("%(name)s is active again."), "reactivate_form")


# -- invitations ------------------------------------------------------------------------------------


def _invitation_form(formdata=None) -> InvitationForm:
    form = InvitationForm(formdata=formdata)
    form.role.choices = role_choices(services.assignable_roles(_actor()))
    return form


def _invitations_page(form: InvitationForm, status: int = 200):
    return (
        render_template(
            "organiser/invitations.html",
            form=form,
            page=_page(services.invitations_query()),
            button_form=EmptyForm(formdata=None),
        ),
        status,
    )


@bp.get("/organiser/invitations")
@organiser_required
def invitations():
    return _invitations_page(_invitation_form())


@bp.post("/organiser/invitations")
@organiser_required
def invite():
    form = _invitation_form(request.form)
    if not form.validate_on_submit():
        return _invitations_page(form, status=400)
    try:
        invitation = services.invite(
            _actor(), form.email.data, form.display_name.data, form.role.data, form.locale.data, form.message.data
        )
    except services.OrganiserError as error:
        add_error(form, error.field or "email", error.message)
        return _invitations_page(form, status=error.status)
    flash(_("The invitation to %(email)s is on its way.", email=invitation.email), "success")
    return redirect(url_for("organiser.invitations"))


@bp.post("/organiser/invitations/<int:invitation_id>/revoke")
@organiser_required
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.revoke_invitation(_actor(), invitation)
    except services.OrganiserError as error:
        abort(error.status, error.message)
    flash(_("The invitation to %(email)s was withdrawn.", email=invitation.email), "success")
    return redirect(url_for("organiser.invitations"))


@bp.route("/join/<token>", methods=["GET", "POST"])
def join(token: str):
    if current_user.is_authenticated:
        flash(_("You are already signed in: sign out to accept an invitation for another address."), "info")
        return redirect(url_for("core.home"))
    try:
        invitation = services.invitation_for_token(token)
    except services.OrganiserError as error:
        return render_template("accounts/token_problem.html", message=error.message), error.status
    form = JoinForm(display_name=invitation.display_name) if request.method == "GET" else JoinForm()
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(token, form.display_name.data, form.password.data)
        except services.OrganiserError as error:
            add_error(form, error.field or "password", error.message)
            return render_template("organiser/join.html", form=form, invitation=invitation), error.status
        login_user(user)
        flash(_("Welcome to the club! Tell the others about yourself."), "success")
        return redirect(url_for("members.edit_profile"))
    status = 400 if request.method == "POST" else 200
    return render_template("organiser/join.html", form=form, invitation=invitation), status


# -- taxonomy ---------------------------------------------------------------------------------------


def _kind_or_404(kind: str) -> str:
    if kind not in TAXONOMIES:
        abort(404)
    return kind


def _term_or_404(kind: str, term_id: int):
    return db.get_or_404(TAXONOMIES[_kind_or_404(kind)], term_id)


def _terms_page(kind: str, form: TermForm, status: int = 200):
    model = TAXONOMIES[kind]
    terms = sorted(
        db.session.scalars(select(model)).all(),
        key=lambda term: (term.merged_into_id is not None, term.retired_at is not None, term.name.casefold()),
    )
    return (
        render_template(
            "organiser/taxonomy.html",
            kind=kind,
            kinds=list(TAXONOMIES),
            terms=terms,
            names={term.id: term.name for term in terms},
            usage=taxonomy.usage_counts(model),
            form=form,
        ),
        status,
    )


@bp.get("/organiser/taxonomy")
@organiser_required
def taxonomy_index():
    return redirect(url_for("organiser.terms", kind="sector"))


@bp.get("/organiser/taxonomy/<kind>")
@organiser_required
def terms(kind: str):
    return _terms_page(_kind_or_404(kind), TermForm(formdata=None))


@bp.post("/organiser/taxonomy/<kind>")
@organiser_required
def add_term(kind: str):
    kind = _kind_or_404(kind)
    form = TermForm()
    if not form.validate_on_submit():
        return _terms_page(kind, form, status=400)
    try:
        term = services.add_term(_actor(), kind, form.name_it.data, form.name_en.data)
    except services.Refused as error:
        add_error(form, error.field or "name_it", error.message)
        return _terms_page(kind, form, status=error.status)
    flash(_("Added: %(name)s.", name=term.name), "success")
    return redirect(url_for("organiser.terms", kind=kind))


def _merge_choices(kind: str, term) -> list[tuple[str, str]]:
    return [(str(other.id), other.name) for other in taxonomy.active_terms(TAXONOMIES[kind]) if other.id != term.id]


def _term_page(kind: str, term, rename_form=None, merge_form=None, status: int = 200):
    model = TAXONOMIES[kind]
    merge_form = merge_form or MergeForm(formdata=None)
    merge_form.target.choices = _merge_choices(kind, term)
    return (
        render_template(
            "organiser/term.html",
            kind=kind,
            term=term,
            merged_into=db.session.get(model, term.merged_into_id) if term.merged_into_id else None,
            usage=taxonomy.usage_counts(model).get(term.id, 0),
            rename_form=rename_form or TermForm(formdata=None, name_it=term.name_it, name_en=term.name_en),
            merge_form=merge_form,
            button_form=EmptyForm(formdata=None),
        ),
        status,
    )


@bp.get("/organiser/taxonomy/<kind>/<int:term_id>")
@organiser_required
def term(kind: str, term_id: int):
    return _term_page(kind, _term_or_404(kind, term_id))


@bp.post("/organiser/taxonomy/<kind>/<int:term_id>/rename")
@organiser_required
def rename_term(kind: str, term_id: int):
    term = _term_or_404(kind, term_id)
    form = TermForm()
    if not form.validate_on_submit():
        return _term_page(kind, term, rename_form=form, status=400)
    try:
        services.rename_term(_actor(), kind, term, form.name_it.data, form.name_en.data)
    except services.Refused as error:
        add_error(form, error.field or "name_it", error.message)
        return _term_page(kind, term, rename_form=form, status=error.status)
    flash(_("Renamed."), "success")
    return redirect(url_for("organiser.term", kind=kind, term_id=term.id))


def _term_button(kind: str, term_id: int, action, message: str):
    term = _term_or_404(kind, term_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(_actor(), kind, term)
    except services.Refused as error:
        flash(error.message, "error")
        return _term_page(kind, term, status=error.status)
    flash(message, "success")
    return redirect(url_for("organiser.term", kind=kind, term_id=term.id))


@bp.post("/organiser/taxonomy/<kind>/<int:term_id>/retire")
@organiser_required
def retire_term(kind: str, term_id: int):
    return _term_button(kind, term_id, services.retire_term, _("Retired: it is no longer offered for new choices."))


@bp.post("/organiser/taxonomy/<kind>/<int:term_id>/restore")
@organiser_required
def restore_term(kind: str, term_id: int):
    return _term_button(kind, term_id, services.restore_term, _("Restored: it is offered again."))


@bp.post("/organiser/taxonomy/<kind>/<int:term_id>/merge")
@organiser_required
def merge_term(kind: str, term_id: int):
    term = _term_or_404(kind, term_id)
    form = MergeForm()
    form.target.choices = _merge_choices(kind, term)
    if not form.validate_on_submit():
        return _term_page(kind, term, merge_form=form, status=400)
    target = db.session.get(TAXONOMIES[kind], int(form.target.data))
    try:
        moved = services.merge_terms(_actor(), kind, term, target)
    except services.Refused as error:
        add_error(form, "target", error.message)
        return _term_page(kind, term, merge_form=form, status=error.status)
    flash(
        _("Merged into %(name)s: %(count)d references moved.", name=target.name, count=sum(moved.values())), "success"
    )
    return redirect(url_for("organiser.term", kind=kind, term_id=target.id))


# -- insights ---------------------------------------------------------------------------------------


def _insights_form() -> InsightsForm:
    form = InsightsForm(request.args)
    form.activity.choices = [("", _("All activity")), *[(key, str(label)) for key, label in ACTIVITY_LABELS.items()]]
    return form


@bp.get("/organiser/insights")
@organiser_required
def insights():
    form = _insights_form()
    if not form.validate():
        # A hand-edited address: show the default view rather than an error page.
        form = _insights_form()
        form.process(formdata=None)
    count = int(form.months.data or 12)
    dimension = form.dimension.data or "sector"
    activities = (form.activity.data,) if form.activity.data else services.ACTIVITIES
    months = services.recent_months(count)
    sharing = services.sharing(months, dimension, activities, unknown_label=_("Not stated"))
    reach = services.digest_reach(months)
    share_chart = charts.share_chart(
        sharing.shares,
        chart_id="share-chart",
        title=_("Share of activity crossing silos, month by month"),
        description=_(
            "For each month, the share of the chosen activity by members of one silo on cases of another "
            "(the table below gives the figures)."
        ),
        month_label=_month_label,
        no_data=_("no data"),
    )
    reach_chart = charts.stacked_bars(
        months,
        [
            (_("Delivered"), "sent", [item.sent for item in reach]),
            (_("Skipped (nothing new)"), "skipped", [item.skipped for item in reach]),
            (_("Bounced"), "bounced", [item.bounced for item in reach]),
        ],
        chart_id="reach-chart",
        title=_("Digest reach, month by month"),
        description=_(
            "Digests sent, skipped because there was nothing new, and bounced (the table below gives the figures)."
        ),
        month_label=_month_label,
    )
    silent = db.session.scalar(select(func.count()).select_from(services.silent_members_query().subquery()))
    return render_template(
        "organiser/insights.html",
        form=form,
        sharing=sharing,
        share_chart=share_chart,
        reach=reach,
        reach_chart=reach_chart,
        silent=silent,
        month_label=_month_label,
        activity_labels=ACTIVITY_LABELS,
        dimension_labels=DIMENSION_LABELS,
    )


@bp.get("/organiser/insights/silent")
@organiser_required
def silent_members():
    return render_template("organiser/silent.html", page=_page(services.silent_members_list_query()))


# -- exports ----------------------------------------------------------------------------------------

EXPORTS = {
    "members": exports.members,
    "cases": exports.cases,
    "rsvps": exports.registrations,
    "feedback": exports.feedback,
    "award-results": exports.award_results,
}


@bp.get("/organiser/exports")
@organiser_required
def exports_page():
    return render_template("organiser/exports.html", names=list(EXPORTS))


@bp.get("/organiser/exports/<name>.csv")
@organiser_required
def export(name: str):
    if name not in EXPORTS:
        abort(404)
    return csv_response(EXPORTS[name](), f"{name}-{date.today().isoformat()}.csv")


# -- audit log --------------------------------------------------------------------------------------


@bp.get("/organiser/audit")
@organiser_required
def audit_log():
    form = AuditFilterForm(request.args)
    form.actor.choices = [("", _("Everyone"))] + [(str(user_id), name) for user_id, name in services.audit_actors()]
    kinds = services.audit_kinds()
    families = sorted({kind.split(".")[0] for kind in kinds})
    form.kind.choices = (
        [("", _("Every kind"))]
        + [(family, _("%(family)s (all)", family=family)) for family in families]
        + [(kind, kind) for kind in kinds]
    )
    filters = services.AuditFilters()
    if form.validate():
        filters = services.AuditFilters(
            actor_id=_int_or_none(form.actor.data),
            kind=form.kind.data or "",
            since=form.since.data,
            until=form.until.data,
        )
    page = _page(services.audit_query(filters), per_page=50)
    return render_template("organiser/audit.html", form=form, page=page, args=_query_args())
