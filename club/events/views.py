from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from club.accounts.permissions import organiser_required
from club.core import hooks, images, storage
from club.core.csvexport import csv_response
from club.core.forms import EmptyForm, add_error
from club.core.pagecache import cacheable
from club.core.timeutil import ROME, utcnow
from club.events import bp, calendar, services
from club.events.forms import KIND_LABELS, CoverForm, ProgrammeFilterForm, RatingForm, SessionForm, WeekForm
from club.events.models import EventSession, EventWeek
from club.extensions import db

COVER_SIZE = (1200, 630)


def _week_or_404(week_id: int) -> EventWeek:
    week = db.session.get(EventWeek, week_id)
    if week is None or not services.can_view_week(week, current_user):
        abort(404)
    return week


def _session_or_404(session_id: int) -> EventSession:
    event_session = services.get_session(session_id)
    if event_session is None or not services.can_view_session(event_session, current_user):
        abort(404)
    return event_session


def _refuse(error: services.EventError):
    abort(error.status, error.message)


def _session_url(event_session) -> str:
    return url_for("events.session_detail", session_id=event_session.id, _external=True)


def _ics_response(body: bytes, filename: str, private: bool = False):
    response = make_response(body)
    response.mimetype = "text/calendar"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store" if private else "public, max-age=300"
    return response


# -- weeks and programme ---------------------------------------------------------------------------


@bp.get("/")
@cacheable()
def index():
    weeks = services.visible_weeks(current_user)
    return render_template("events/index.html", weeks=weeks, upcoming=services.upcoming_sessions(current_user, 6))


@bp.get("/<int:week_id>")
@cacheable()
def week(week_id: int):
    week = _week_or_404(week_id)
    form = ProgrammeFilterForm(request.args)
    form.theme.choices = [("", _("All themes"))] + [(theme, theme) for theme in week.themes or []]
    form.kind.choices = [("", _("All types"))] + [(key, str(label)) for key, label in KIND_LABELS.items()]
    if not form.validate():
        return render_template("events/week.html", week=week, form=form, days=[], counts={}, sections=[]), 400
    days = services.programme(week, theme=form.theme.data or None, kind=form.kind.data or None)
    counts = services.seat_counts([item.id for _day, items in days for item in items])
    sections = hooks.collect("week_sections", week)
    return render_template("events/week.html", week=week, form=form, days=days, counts=counts, sections=sections)


@bp.get("/<int:week_id>/programme.ics")
def week_calendar(week_id: int):
    week = _week_or_404(week_id)
    sessions = [item for _day, items in services.programme(week) for item in items]
    return _ics_response(calendar.build(week.title, sessions, _session_url), f"programme-{week.id}.ics")


@bp.get("/covers/<name>")
def cover(name: str):
    week = db.session.scalar(select(EventWeek).where(EventWeek.cover_filename == name))
    if week is None or not services.can_view_week(week, current_user):
        abort(404)
    return storage.send(services.COVER_KIND, name, mimetype="image/webp", max_age=7 * 24 * 3600)


# -- sessions --------------------------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>")
@cacheable()
def session_detail(session_id: int):
    event_session = _session_or_404(session_id)
    services.hide_unviewable_cases(event_session, current_user)
    registration = services.registration_of(event_session, current_user)
    feedback = services.feedback_of(event_session, current_user)
    rating_form = RatingForm(formdata=None)
    if feedback is not None:
        rating_form.rating.data = str(feedback.rating)
        rating_form.comment.data = feedback.comment
    counts = services.seat_counts([event_session.id]).get(event_session.id, (0, 0))
    return render_template(
        "events/session.html",
        session=event_session,
        registration=registration,
        counts=counts,
        can_rate=services.can_give_feedback(event_session, current_user),
        feedback=feedback,
        rating_form=rating_form,
        registration_open=services.registration_open(event_session),
    )


@bp.get("/sessions/<int:session_id>.ics")
def session_calendar(session_id: int):
    event_session = _session_or_404(session_id)
    return _ics_response(
        calendar.build(event_session.title, [event_session], _session_url), f"session-{event_session.id}.ics"
    )


@bp.post("/sessions/<int:session_id>/register")
@login_required
def register(session_id: int):
    event_session = _session_or_404(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        registration = services.register(event_session, current_user._get_current_object())
    except services.EventError as error:
        _refuse(error)
    if registration.seat is None:
        flash(_("The session is full: you are on the waitlist. We will email you if a place frees up."), "info")
    else:
        flash(_("You are registered. See you there!"), "success")
    return redirect(url_for("events.session_detail", session_id=event_session.id))


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    event_session = _session_or_404(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.cancel(event_session, current_user._get_current_object())
    except services.EventError as error:
        _refuse(error)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("events.session_detail", session_id=event_session.id))


@bp.post("/sessions/<int:session_id>/feedback")
@login_required
def rate(session_id: int):
    event_session = _session_or_404(session_id)
    form = RatingForm()
    if not form.validate_on_submit():
        abort(400, _("Give a rating from 1 to 5; a comment has at most 2,000 characters."))
    try:
        services.give_feedback(
            event_session, current_user._get_current_object(), int(form.rating.data), form.comment.data
        )
    except services.EventError as error:
        _refuse(error)
    flash(_("Thank you for your rating."), "success")
    return redirect(url_for("events.session_detail", session_id=event_session.id))


# -- my sessions and the private calendar ----------------------------------------------------------


@bp.get("/my")
@login_required
def my_sessions():
    token = services.calendar_token(current_user)
    feed_url = url_for("events.personal_calendar", token=token.token, _external=True) if token else None
    now = utcnow()
    sessions = services.my_sessions(current_user)
    upcoming = [item for item in sessions if item.ends_at > now]
    past = [item for item in reversed(sessions) if item.ends_at <= now]
    return render_template("events/my.html", sessions=upcoming, past=past, feed_url=feed_url)


@bp.post("/my/calendar-token")
@login_required
def reset_calendar_token():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.reset_calendar_token(current_user._get_current_object())
    flash(_("Your calendar address is new: the old one no longer works."), "success")
    return redirect(url_for("events.my_sessions"))


@bp.get("/calendar/<token>.ics")
def personal_calendar(token: str):
    user = services.user_for_calendar_token(token)
    if user is None:
        abort(404)
    body = calendar.build(
        _("My sessions"), services.my_sessions(user), _session_url, show_online_url=lambda session: True
    )
    return _ics_response(body, "my-sessions.ics", private=True)


# -- organisers ------------------------------------------------------------------------------------


def _week_input(form: WeekForm) -> services.WeekInput:
    return services.WeekInput(
        title=form.title.data,
        themes=form.theme_list(),
        description=form.description.data or "",
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        place=form.place.data or None,
        online=form.online.data,
        status=form.status.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
def new_week():
    form = WeekForm()
    if form.validate_on_submit():
        try:
            week = services.save_week(None, _week_input(form), current_user._get_current_object())
        except services.EventError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("The event week has been created. Now add its sessions."), "success")
            return redirect(url_for("events.week", week_id=week.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/week_form.html", form=form, week=None), status


@bp.route("/<int:week_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_week(week_id: int):
    week = _week_or_404(week_id)
    form = WeekForm()
    if request.method == "GET":
        form = WeekForm(formdata=None, obj=week)
        form.themes.data = "\n".join(week.themes or [])
    elif form.validate_on_submit():
        try:
            services.save_week(week, _week_input(form), current_user._get_current_object())
        except services.EventError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("The event week has been saved."), "success")
            return redirect(url_for("events.week", week_id=week.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/week_form.html", form=form, week=week, cover_form=CoverForm(formdata=None)), status


@bp.post("/<int:week_id>/cover")
@organiser_required
def upload_week_cover(week_id: int):
    week = _week_or_404(week_id)
    form = CoverForm()
    if form.validate_on_submit():
        try:
            services.set_week_cover(
                week,
                images.process(form.cover.data.stream, 5 * 1024 * 1024, COVER_SIZE),
                current_user._get_current_object(),
            )
        except images.ImageRejected as error:
            add_error(form, "cover", error.message)
        else:
            flash(_("The cover image has been updated."), "success")
            return redirect(url_for("events.edit_week", week_id=week.id))
    form_week = WeekForm(formdata=None, obj=week)
    form_week.themes.data = "\n".join(week.themes or [])
    return render_template("events/week_form.html", form=form_week, week=week, cover_form=form), 400


def _session_form(week: EventWeek, **kwargs) -> SessionForm:
    form = SessionForm(**kwargs)
    form.theme.choices = [("", _("No theme"))] + [(theme, theme) for theme in week.themes or []]
    return form


def _session_input(form: SessionForm) -> services.SessionInput:
    return services.SessionInput(
        title=form.title.data,
        kind=form.kind.data,
        theme=form.theme.data or None,
        description=form.description.data or "",
        day=form.day.data,
        start=form.start.data,
        end=form.end.data,
        room=form.room.data or None,
        online_url=form.online_url.data or None,
        capacity=form.capacity.data,
        speakers=[
            services.SpeakerInput(email, name, organisation) for email, name, organisation in form.speaker_entries()
        ],
        case_ids=form.case_ids(),
    )


@bp.route("/<int:week_id>/sessions/new", methods=["GET", "POST"])
@organiser_required
def new_session(week_id: int):
    week = _week_or_404(week_id)
    form = _session_form(week)
    if request.method == "GET":
        form.day.data = week.starts_on
    elif form.validate_on_submit():
        try:
            event_session = services.save_session(week, None, _session_input(form), current_user._get_current_object())
        except services.EventError as error:
            add_error(form, error.field or "form", error.message)
            return render_template("events/session_form.html", form=form, week=week, session=None), error.status
        flash(_("The session has been added to the programme."), "success")
        return redirect(url_for("events.session_detail", session_id=event_session.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/session_form.html", form=form, week=week, session=None), status


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_session(session_id: int):
    event_session = _session_or_404(session_id)
    week = event_session.week
    form = _session_form(week)
    if request.method == "GET":
        starts = event_session.starts_at.astimezone(ROME)
        ends = event_session.ends_at.astimezone(ROME)
        form = _session_form(week, formdata=None, obj=event_session)
        form.day.data, form.start.data, form.end.data = starts.date(), starts.time(), ends.time()
        form.speakers.data = "\n".join(
            speaker.user.email
            if speaker.user
            else " | ".join(filter(None, [speaker.guest_name, speaker.guest_organisation]))
            for speaker in event_session.speakers
        )
        form.cases.data = ", ".join(str(case.id) for case in event_session.cases)
    elif form.validate_on_submit():
        try:
            services.save_session(week, event_session, _session_input(form), current_user._get_current_object())
        except services.EventError as error:
            add_error(form, error.field or "form", error.message)
            return render_template(
                "events/session_form.html", form=form, week=week, session=event_session
            ), error.status
        flash(_("The session has been saved."), "success")
        return redirect(url_for("events.session_detail", session_id=event_session.id))
    status = 400 if request.method == "POST" else 200
    return render_template("events/session_form.html", form=form, week=week, session=event_session), status


@bp.post("/sessions/<int:session_id>/delete")
@organiser_required
def delete_session(session_id: int):
    event_session = _session_or_404(session_id)
    week_id = event_session.week_id
    services.delete_session(event_session, current_user._get_current_object())
    flash(_("The session has been deleted."), "success")
    return redirect(url_for("events.week", week_id=week_id))


@bp.get("/sessions/<int:session_id>/attendees")
@organiser_required
def attendees(session_id: int):
    event_session = _session_or_404(session_id)
    return render_template(
        "events/attendees.html", session=event_session, registrations=services.attendees(event_session)
    )


@bp.get("/sessions/<int:session_id>/attendees.csv")
@organiser_required
def attendees_csv(session_id: int):
    event_session = _session_or_404(session_id)
    rows = [["name", "email", "organisation", "status", "seat", "registered_at"]]
    for registration in services.attendees(event_session):
        user = registration.user
        profile = user.profile
        rows.append(
            [
                user.public_name,
                user.email,
                profile.organisation if profile else "",
                "waitlist" if registration.seat is None else "registered",
                registration.seat or "",
                registration.created_at.isoformat(),
            ]
        )
    return csv_response(rows, f"attendees-session-{event_session.id}.csv")


@bp.get("/<int:week_id>/feedback")
@organiser_required
def feedback(week_id: int):
    week = _week_or_404(week_id)
    overall, per_session = services.feedback_report(week)
    return render_template("events/feedback.html", week=week, overall=overall, per_session=per_session)
