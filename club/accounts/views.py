from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from club.accounts import bp, services
from club.accounts.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    EmailOnlyForm,
    LoginForm,
    NewPasswordForm,
    ReactivateForm,
    SignupForm,
    SuspendForm,
)
from club.accounts.permissions import organiser_required
from club.core.forms import EmptyForm, add_error
from club.core.urls import safe_next
from club.extensions import db, limiter


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _reset_limit() -> str:
    return current_app.config["RESET_RATE_LIMIT"]


def _start_session(user, remember: bool) -> None:
    # A fresh session at login: nothing an attacker planted in the old cookie survives.
    language = session.get("lang")
    session.clear()
    if language:
        session["lang"] = language
    login_user(user, remember=remember)
    services.record_login(user)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            services.register(form.email.data, form.display_name.data, form.password.data, str(get_locale()))
        except services.AccountError as error:
            add_error(form, "password", error.message)
        else:
            return render_template("accounts/check_inbox.html", email=form.email.data)
    return render_template("accounts/signup.html", form=form), 400 if form.errors else 200


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify_email(token: str):
    # The link opens a page with a button: following a link must not change anything, and mail
    # scanners that open links must not use it up.
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            user = services.verify_email(token)
            if not current_user.is_authenticated:
                _start_session(user, remember=False)  # before the flash: a new session starts empty
            flash(
                _("Your email address is confirmed. Welcome to the club, %(name)s!", name=user.display_name), "success"
            )
            return redirect(url_for("members.edit_profile"))
        user = services.check_verification_token(token)
    except services.AccountError as error:
        return render_template("accounts/token_problem.html", message=error.message), error.status
    return render_template("accounts/verify.html", form=form, user=user)


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_verification(form.email.data)
        return render_template("accounts/check_inbox.html", email=form.email.data)
    return render_template("accounts/resend.html", form=form), 400 if form.errors else 200


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    fallback = url_for("core.home")
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next"), fallback))
    form = LoginForm()
    if request.method == "GET":
        # Only a safe target goes into the page: a hostile one (control characters) would otherwise make
        # the hidden field fail validation and keep the member from signing in from that link.
        form.next.data = safe_next(request.args.get("next"), "")
    unverified = False
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.LoginRefused as error:
            form.form_errors.append(error.message)
            unverified = error.unverified
        else:
            _start_session(user, remember=form.remember.data)
            flash(_("Welcome back, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(form.next.data, fallback))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("accounts/login.html", form=form, unverified=unverified), status


@bp.post("/logout")
def logout():
    form = EmptyForm()
    if not form.validate():
        abort(400)
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("core.home"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_request():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        return render_template("accounts/reset_sent.html", email=form.email.data)
    return render_template("accounts/reset_request.html", form=form), 400 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset_password(token: str):
    form = NewPasswordForm()
    try:
        services.check_reset_token(token)
        if form.validate_on_submit():
            try:
                services.reset_password(token, form.password.data)
            except services.AccountError as error:
                add_error(form, "password", error.message)
            else:
                if current_user.is_authenticated:
                    logout_user()
                session.clear()
                flash(_("Your password has been changed. Sign in with the new one."), "success")
                return redirect(url_for("accounts.login"))
    except services.AccountError as error:
        return render_template("accounts/token_problem.html", message=error.message), error.status
    return render_template("accounts/reset_password.html", form=form), 400 if form.errors else 200


@bp.get("/settings")
@login_required
def settings():
    return render_template(
        "accounts/settings.html",
        email_form=ChangeEmailForm(formdata=None),
        password_form=ChangePasswordForm(formdata=None),
    )


@bp.post("/settings/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.password.data)
        except services.AccountError as error:
            add_error(form, error.field or "password", error.message)
        else:
            # Keep this session, under the new session version; every other one has ended.
            remembered = request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
            login_user(current_user._get_current_object(), remember=bool(remembered))
            flash(_("Your password has been changed. Other devices have been signed out."), "success")
            return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", email_form=ChangeEmailForm(formdata=None), password_form=form), 400


@bp.post("/settings/email")
@login_required
def change_email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            services.request_email_change(current_user, form.current_password.data, form.new_email.data)
        except services.AccountError as error:
            add_error(form, error.field or "new_email", error.message)
        else:
            flash(
                _(
                    "We sent a confirmation link to %(email)s. Your address changes when you follow it.",
                    email=form.new_email.data,
                ),
                "info",
            )
            return redirect(url_for("accounts.settings"))
    return render_template(
        "accounts/settings.html", email_form=form, password_form=ChangePasswordForm(formdata=None)
    ), 400


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email_change(token: str):
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            user = services.confirm_email_change(token)
            flash(_("Your email address is now %(email)s.", email=user.email), "success")
            return redirect(
                url_for("accounts.settings") if current_user.is_authenticated else url_for("accounts.login")
            )
        user, new_email = services.check_email_change_token(token)
    except services.AccountError as error:
        return render_template("accounts/token_problem.html", message=error.message), error.status
    return render_template("accounts/confirm_email_change.html", form=form, user=user, new_email=new_email)


@bp.post("/<int:user_id>/suspend")
@organiser_required
def suspend(user_id: int):
    user = db.get_or_404(services.User, user_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at least 3 and at most 500 characters."), "error")
        return redirect(url_for("members.profile", user_id=user.id))
    try:
        services.suspend(current_user, user, form.reason.data)
    except services.AccountError as error:
        abort(error.status, error.message)
    flash(_("%(name)s is suspended.", name=user.display_name), "success")
    return redirect(url_for("members.profile", user_id=user.id))


@bp.post("/<int:user_id>/reactivate")
@organiser_required
def reactivate(user_id: int):
    user = db.get_or_404(services.User, user_id)
    form = ReactivateForm()
    if not form.validate_on_submit():
        flash(_("Give a reason of at least 3 and at most 500 characters."), "error")
        return redirect(url_for("members.profile", user_id=user.id))
    try:
        services.reactivate(current_user, user, form.reason.data)
    except services.AccountError as error:
        if error.field:
            flash(error.message, "error")
            return redirect(url_for("members.profile", user_id=user.id))
        abort(error.status, error.message)
    flash(_("%(name)s is active again.", name=user.display_name), "success")
    return redirect(url_for("members.profile", user_id=user.id))
