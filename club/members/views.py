from __future__ import annotations

import json

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from club.accounts.forms import SuspendForm
from club.accounts.models import User
from club.accounts.services import AccountError
from club.core import hooks
from club.core.forms import EmptyForm, add_error
from club.core.models import Competence, Function, Sector
from club.core.pagecache import cacheable
from club.core.taxonomy import choices_keeping
from club.extensions import db
from club.members import avatars, bp, services
from club.members.forms import AvatarForm, DirectoryForm, PasswordConfirmForm, ProfileForm, parse_links
from club.members.models import PRIVATE_FIELDS


def _int_or_none(value):
    return int(value) if value and str(value).isdigit() else None


@bp.get("/")
@cacheable()
@login_required
def directory():
    form = DirectoryForm(request.args)
    # A retired term is not offered, but a link that asks for it (from a profile that carries it) works.
    form.sector.choices = choices_keeping(Sector, [request.args.get("sector")], blank=_("All sectors"))
    form.function.choices = choices_keeping(Function, [request.args.get("function")], blank=_("All functions"))
    form.competence.choices = choices_keeping(
        Competence, [request.args.get("competence")], blank=_("All competence areas")
    )
    if not form.validate():
        return render_template("members/directory.html", form=form, page=None, cards=[], filters={}), 400
    statement = services.directory_query(
        current_user,
        q=form.q.data,
        sector_id=_int_or_none(form.sector.data),
        function_id=_int_or_none(form.function.data),
        competence_id=_int_or_none(form.competence.data),
    )
    page = db.paginate(statement, per_page=current_app.config["DIRECTORY_PAGE_SIZE"], max_per_page=100, error_out=False)
    cards = [services.card_for(user, current_user) for user in page.items]
    filters = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("members/directory.html", form=form, page=page, cards=cards, filters=filters)


@bp.get("/<int:user_id>")
@cacheable()
def profile(user_id: int):
    user = db.get_or_404(User, user_id)
    if not services.can_view_profile(user, current_user):
        abort(404)
    card = services.card_for(user, current_user)
    sections = hooks.collect("profile_sections", user)
    return render_template(
        "members/profile.html", card=card, sections=sections, suspend_form=SuspendForm(formdata=None)
    )


def _set_taxonomy_choices(form: ProfileForm, profile) -> None:
    """The active terms, plus the retired ones the profile carries: they stay selected and saving keeps them."""
    form.set_taxonomy_choices(
        choices_keeping(Sector, [profile.sector_id]),
        choices_keeping(Function, [profile.function_id]),
        choices_keeping(Competence, [term.id for term in profile.competences]),
    )


def _render_edit(form: ProfileForm | None = None, avatar_form: AvatarForm | None = None, status: int = 200):
    user = current_user._get_current_object()
    profile = services.get_profile_for_edit(user)
    if form is None:
        form = ProfileForm(formdata=None)
        form.display_name.data = user.display_name
        form.locale.data = user.locale or "it"
        form.organisation.data = profile.organisation
        form.job_title.data = profile.job_title
        form.sector.data = str(profile.sector_id or "")
        form.function.data = str(profile.function_id or "")
        form.competences.data = [str(term.id) for term in profile.competences]
        form.bio.data = profile.bio
        form.links.data = "\n".join(profile.links or [])
        for name in PRIVATE_FIELDS:
            getattr(form, f"{name}_visibility").data = getattr(profile, f"{name}_visibility")
    _set_taxonomy_choices(form, profile)
    return render_template(
        "members/edit.html", form=form, avatar_form=avatar_form or AvatarForm(formdata=None), profile=profile
    ), status


@bp.get("/me/edit")
@login_required
def edit_profile():
    return _render_edit()


@bp.post("/me/edit")
@login_required
def save_profile():
    form = ProfileForm()
    _set_taxonomy_choices(form, services.get_profile_for_edit(current_user._get_current_object()))
    if form.validate_on_submit():
        data = dict(form.data)
        data["links"] = parse_links(form.links.data)
        try:
            services.save_profile(current_user._get_current_object(), data)
        except AccountError as error:
            add_error(form, "form", error.message)
        else:
            flash(_("Your profile has been saved."), "success")
            return redirect(url_for("members.profile", user_id=current_user.id))
    return _render_edit(form=form, status=400)


@bp.post("/me/avatar")
@login_required
def upload_avatar():
    form = AvatarForm()
    if form.validate_on_submit():
        try:
            services.set_avatar(
                current_user._get_current_object(), form.avatar.data.stream, current_app.config["AVATAR_MAX_BYTES"]
            )
        except avatars.AvatarRejected as error:
            add_error(form, "avatar", error.message)
        else:
            flash(_("Your photo has been updated."), "success")
            return redirect(url_for("members.edit_profile"))
    return _render_edit(avatar_form=form, status=400)


@bp.post("/me/avatar/remove")
@login_required
def remove_avatar():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.remove_avatar(current_user._get_current_object())
    flash(_("Your photo has been removed."), "success")
    return redirect(url_for("members.edit_profile"))


@bp.get("/avatars/<name>")
def avatar(name: str):
    return avatars.send(name)


def _render_data(export_form=None, delete_form=None, status: int = 200):
    return render_template(
        "members/data.html",
        export_form=export_form or PasswordConfirmForm(prefix="export", formdata=None),
        delete_form=delete_form or PasswordConfirmForm(prefix="delete", formdata=None),
    ), status


@bp.get("/me/data")
@login_required
def my_data():
    return _render_data()


@bp.post("/me/data/export")
@login_required
def export_data():
    form = PasswordConfirmForm(prefix="export")
    if form.validate_on_submit():
        try:
            data = services.export_data(current_user._get_current_object(), form.password.data)
        except AccountError as error:
            add_error(form, "password", error.message)
        else:
            response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
            response.mimetype = "application/json"
            response.headers["Content-Disposition"] = f'attachment; filename="club-data-{current_user.id}.json"'
            response.headers["Cache-Control"] = "no-store"
            return response
    return _render_data(export_form=form, status=400)


@bp.post("/me/delete")
@login_required
def delete_account():
    form = PasswordConfirmForm(prefix="delete")
    if form.validate_on_submit():
        try:
            services.delete_account(current_user._get_current_object(), form.password.data)
        except AccountError as error:
            add_error(form, "password", error.message)
            return _render_data(delete_form=form, status=error.status)
        logout_user()
        session.clear()
        flash(
            _(
                "Your account has been deleted and your personal data erased. "
                "Thank you for having been part of the club."
            ),
            "info",
        )
        return redirect(url_for("core.home"))
    return _render_data(delete_form=form, status=400)
