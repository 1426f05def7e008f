from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from club.accounts.permissions import organiser_required
from club.core.forms import EmptyForm, add_error
from club.core.models import OutboxMessage
from club.core.security import email_page
from club.core.timeutil import utcnow
from club.digests import bp, schedule, services
from club.digests.forms import CycleForm, PreferencesForm, SubscribeForm
from club.digests.models import Subscriber
from club.extensions import csrf, db, limiter

ADMIN_PAGE_SIZE = 50


def _subscribe_limit() -> str:
    return current_app.config["SUBSCRIBE_RATE_LIMIT"]


# -- members' preferences --------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings():
    subscriber = services.subscription_of(current_user)
    form = PreferencesForm()
    if request.method == "GET":
        form.frequency.data = subscriber.frequency if subscriber else "weekly"
        form.locale.data = subscriber.locale if subscriber else services.default_locale(current_user)
    elif form.validate_on_submit():
        try:
            services.save_member_preferences(current_user._get_current_object(), form.frequency.data, form.locale.data)
        except services.DigestError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("Your digest preferences are saved."), "success")
            return redirect(url_for("digests.settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("digests/settings.html", form=form, subscriber=subscriber), status


# -- anyone: subscribe, confirm, unsubscribe -------------------------------------------------------


@bp.route("/subscribe", methods=["GET", "POST"])
@limiter.limit(_subscribe_limit, methods=["POST"])
def subscribe():
    form = SubscribeForm()
    if request.method == "GET":
        form.locale.data = str(get_locale() or "it")
    elif form.validate_on_submit():
        try:
            services.subscribe(form.email.data, form.frequency.data, form.locale.data)
        except services.DigestError as error:
            add_error(form, error.field or "form", error.message)
        else:
            # The same answer whether or not the address was known: the page does not tell who subscribes.
            return render_template("digests/subscribe_sent.html", email=form.email.data)
    status = 400 if request.method == "POST" else 200
    return render_template("digests/subscribe.html", form=form), status


@bp.route("/confirm/<token>", methods=["GET", "POST"])
def confirm(token: str):
    subscriber = services.subscriber_from_confirm_token(token)
    if subscriber is None:
        return render_template("digests/link_invalid.html"), 404
    if request.method == "POST":
        if not EmptyForm().validate_on_submit():
            abort(400)
        services.confirm(subscriber)
        return render_template("digests/confirmed.html", subscriber=subscriber)
    # Mail scanners open links: confirming takes a press of the button.
    return render_template("digests/confirm.html", subscriber=subscriber)


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str):
    subscriber = services.subscriber_from_token(token, "unsubscribe")
    if subscriber is None:
        return render_template("digests/link_invalid.html"), 404
    return render_template("digests/unsubscribe.html", subscriber=subscriber, token=token, done=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_now(token: str):
    """RFC 8058 one-click: mail clients POST here without a page or a session; the token is the proof."""
    subscriber = services.subscriber_from_token(token, "unsubscribe")
    if subscriber is None:
        return render_template("digests/link_invalid.html"), 404
    services.unsubscribe(subscriber)
    return render_template("digests/unsubscribe.html", subscriber=subscriber, token=token, done=True)


@bp.post("/resubscribe/<token>")
def resubscribe(token: str):
    subscriber = services.subscriber_from_token(token, "unsubscribe")
    if subscriber is None:
        return render_template("digests/link_invalid.html"), 404
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.resubscribe(subscriber)
    return render_template("digests/unsubscribe.html", subscriber=subscriber, token=token, done=False, again=True)


@bp.get("/view/<token>")
def view(token: str):
    """The digest as it was sent, for mail clients that show it badly."""
    run = services.run_from_view_token(token)
    message = (
        db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == run.outbox_key))
        if run and run.outbox_key
        else None
    )
    if message is None or not message.html_body:
        abort(404)
    return email_page(current_app.response_class, message.html_body)


# -- organisers ------------------------------------------------------------------------------------


@bp.get("/admin")
@organiser_required
def admin():
    # No address holds a NUL, and PostgreSQL would refuse the query with one (a 500).
    query = (request.args.get("q") or "").replace("\x00", "").strip().lower()[:254]
    statement = select(Subscriber).order_by(Subscriber.id.desc())
    if query:
        statement = statement.where(Subscriber.email.contains(query, autoescape=True))
    page = db.paginate(statement, per_page=ADMIN_PAGE_SIZE, max_per_page=ADMIN_PAGE_SIZE, error_out=False)
    return render_template(
        "digests/admin.html",
        page=page,
        query=query,
        reach=services.reach(),
        cycle_form=CycleForm(formdata=None),
        bounce_limit=current_app.config["DIGEST_BOUNCE_LIMIT"],
        next_moments={frequency: schedule.due_moment(frequency, utcnow()) for frequency in schedule.FREQUENCIES},
    )


@bp.get("/admin/subscribers/<int:subscriber_id>")
@organiser_required
def subscriber_log(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    content, reasons, (subject, _text, _html) = services.preview(subscriber)
    return render_template(
        "digests/subscriber.html",
        subscriber=subscriber,
        log=services.send_log(subscriber),
        bouncing=services.is_bouncing(subscriber),
        content=content,
        reasons=reasons,
        subject=subject,
    )


@bp.get("/admin/subscribers/<int:subscriber_id>/preview")
@organiser_required
def preview(subscriber_id: int):
    subscriber = db.get_or_404(Subscriber, subscriber_id)
    _content, _reasons, (_subject, _text, html) = services.preview(subscriber)
    return email_page(current_app.response_class, html)


@bp.post("/admin/cycle")
@organiser_required
def start_cycle():
    form = CycleForm()
    if not form.validate_on_submit():
        abort(400, _("Choose a frequency."))
    try:
        report = services.start_cycle(form.frequency.data, current_user._get_current_object())
    except services.DigestError as error:
        abort(error.status, error.message)
    flash(
        _(
            "Cycle %(period)s: %(queued)d digests queued, %(skipped)d skipped (nothing new), %(already)d done before.",
            period=report.period_key,
            queued=report.queued,
            skipped=report.skipped,
            already=report.already,
        ),
        "success",
    )
    return redirect(url_for("digests.admin"))
