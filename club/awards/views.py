from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from club.accounts.permissions import is_active_member, is_active_organiser, organiser_required
from club.awards import bp, certificates, services
from club.awards.forms import (
    CategoryForm,
    ConflictForm,
    EditionForm,
    EligibilityForm,
    FinalistsForm,
    JurorsForm,
    NominateForm,
    RankingUnreadable,
    ReceiptForm,
    ballot_form,
    ranking_from_form,
    score_form,
    score_values,
)
from club.awards.models import AwardCategory, Nomination
from club.awards.timeline import Timeline
from club.cases.models import CaseStudy
from club.cases.services import get_case
from club.core import audit
from club.core.csvexport import csv_response
from club.core.forms import EmptyForm, add_error
from club.core.models import Sector
from club.core.pagecache import cacheable
from club.core.taxonomy import choices_keeping
from club.core.timeutil import utcnow
from club.events.models import EventWeek
from club.extensions import db, login_manager


def _edition_or_404(edition_id: int):
    edition = services.get_edition(edition_id)
    if edition is None or not services.can_view_edition(edition, current_user):
        abort(404)
    return edition


def _category_or_404(category_id: int) -> AwardCategory:
    category = services.get_category(category_id)
    if category is None or not services.can_view_edition(category.edition, current_user):
        abort(404)
    return category


def _nomination_or_404(nomination_id: int) -> Nomination:
    nomination = db.session.get(Nomination, nomination_id)
    if nomination is None or not services.can_view_edition(nomination.category.edition, current_user):
        abort(404)
    return nomination


def _refuse(error: services.AwardError):
    abort(error.status, error.message)


def _user():
    return current_user._get_current_object()


# -- editions --------------------------------------------------------------------------------------


@bp.get("/")
@cacheable()
def index():
    now = utcnow()
    cards = [
        services.EditionCard(edition, services.current_phase(edition, now))
        for edition in services.visible_editions(current_user)
    ]
    return render_template("awards/index.html", cards=cards)


@bp.get("/<int:edition_id>")
@cacheable()
def edition(edition_id: int):
    edition = _edition_or_404(edition_id)
    now = utcnow()
    timeline = Timeline.of(edition)
    form = None
    if timeline.nominations_open(now) and is_active_member(current_user):
        form = NominateForm(formdata=None)
        form.category_id.choices = [(category.id, category.name) for category in edition.categories]
        if request.args.get("case", "").isdigit():
            form.case.data = request.args["case"]
    return render_template(
        "awards/edition.html",
        edition=edition,
        phase=services.current_phase(edition, now),
        timeline=timeline,
        now=now,
        form=form,
        own_cases=services.enterable_cases(edition, current_user),
        nominations=services.nominations_for_user(edition, current_user),
        jury_categories=services.jury_categories(edition, current_user),
        results=services.results_visible(edition, now),
        turnouts=services.turnouts(edition) if is_active_organiser(current_user) else {},
    )


@bp.post("/<int:edition_id>/nominate")
@login_required
def nominate(edition_id: int):
    edition = _edition_or_404(edition_id)
    form = NominateForm()
    form.category_id.choices = [(category.id, category.name) for category in edition.categories]
    if not form.validate_on_submit():
        message = next(iter(form.errors.values()))[0] if form.errors else _("Check the form.")
        abort(400, message)
    category = next(category for category in edition.categories if category.id == form.category_id.data)
    case = get_case(form.case_id())
    if case is None:
        abort(404, _("No such case study."))
    try:
        nomination = services.nominate(category, case, _user(), form.statement.data or "")
    except services.AwardError as error:
        _refuse(error)
    if nomination.counts:
        flash(_("“%(title)s” is entered in %(category)s.", title=case.title, category=category.name), "success")
    else:
        flash(_("Thank you: the authors have been asked to accept the nomination."), "success")
    return redirect(url_for("awards.edition", edition_id=edition.id, _anchor="my-nominations"))


def _answer(nomination_id: int, action, message: str):
    nomination = _nomination_or_404(nomination_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        action(nomination, _user())
    except services.AwardError as error:
        _refuse(error)
    flash(message, "success")
    return redirect(url_for("awards.edition", edition_id=nomination.edition_id, _anchor="my-nominations"))


@bp.post("/nominations/<int:nomination_id>/accept")
@login_required
def accept(nomination_id: int):
    return _answer(nomination_id, services.accept, _("Your case is entered in the category."))


@bp.post("/nominations/<int:nomination_id>/decline")
@login_required
def decline(nomination_id: int):
    return _answer(nomination_id, services.decline, _("The nomination is declined."))


@bp.post("/nominations/<int:nomination_id>/withdraw")
@login_required
def withdraw(nomination_id: int):
    return _answer(nomination_id, services.withdraw, _("Your case is withdrawn from the category."))


# -- categories ------------------------------------------------------------------------------------


@bp.get("/categories/<int:category_id>")
@cacheable()
def category(category_id: int):
    category = _category_or_404(category_id)
    edition = category.edition
    now = utcnow()
    finalists = services.announced_finalists(category, current_user)
    return render_template(
        "awards/category.html",
        category=category,
        edition=edition,
        phase=services.current_phase(edition, now),
        finalists=finalists,
        vote_open=Timeline.of(edition).vote_open(now),
        has_ballot=services.my_ballot(category, current_user) is not None,
        is_juror=services.is_juror(category, current_user),
        results=services.results_visible(edition, now),
    )


# -- the member vote -------------------------------------------------------------------------------


def _ballot_page(category, form, status=200, errors=None):
    edition = category.edition
    return render_template(
        "awards/ballot.html",
        category=category,
        edition=edition,
        phase=services.current_phase(edition),
        form=form,
        own=[item for item in services.finalists(category) if current_user.id in item.case.author_ids],
        ballot=services.my_ballot(category, current_user),
        vote_open=Timeline.of(edition).vote_open(utcnow()),
        errors=errors or [],
    ), status


@bp.get("/categories/<int:category_id>/vote")
@login_required
def ballot(category_id: int):
    category = _category_or_404(category_id)
    options = services.ballot_options(category, current_user)
    form = ballot_form(options, formdata=None)
    existing = services.my_ballot(category, current_user)
    if existing is not None:
        for place, case_id in enumerate(existing.ranking, start=1):
            field = getattr(form, f"place_{case_id}", None)
            if field is not None:
                field.data = str(place)
    return _ballot_page(category, form)


@bp.post("/categories/<int:category_id>/vote")
@login_required
def cast(category_id: int):
    category = _category_or_404(category_id)
    options = services.ballot_options(category, current_user)
    form = ballot_form(options)
    if not form.validate_on_submit():
        if form.errors.keys() - {"csrf_token"}:  # a place that is not one of the page's choices
            return _ballot_page(category, form, 400, [_("The ranking cannot be read.")])
        return _ballot_page(category, form, 400, [_("The form has expired: send it again.")])
    try:
        ranking = ranking_from_form(request.form)
    except RankingUnreadable as error:
        message = (
            services.BALLOT_REASONS["repeated"] if error.args[0] == "repeated" else _("The ranking cannot be read.")
        )
        return _ballot_page(category, form, 400, [message])
    try:
        receipt = services.cast_ballot(category, _user(), ranking)
    except services.AwardError as error:
        return _ballot_page(category, form, error.status, [error.message])
    flash(receipt, "receipt")
    return redirect(url_for("awards.ballot", category_id=category.id))


@bp.get("/<int:edition_id>/receipt")
def receipt(edition_id: int):
    edition = _edition_or_404(edition_id)
    if not services.results_visible(edition):
        abort(404)
    form = ReceiptForm(request.args)
    found = None
    searched = "receipt" in request.args
    if searched and form.validate():
        found = services.find_ballot_by_receipt(edition, form.receipt.data)
    cases = {}
    if found is not None:
        cases = {case.id: case for case in db.session.scalars(select(CaseStudy).where(CaseStudy.id.in_(found.ranking)))}
    category = db.session.get(AwardCategory, found.category_id) if found else None
    return render_template(
        "awards/receipt.html",
        edition=edition,
        form=form,
        searched=searched,
        ballot=found,
        category=category,
        cases=cases,
        fingerprint=services.fingerprint(found.receipt_hash) if found else None,
    ), (404 if searched and found is None else 200)


# -- the jury --------------------------------------------------------------------------------------


@bp.get("/categories/<int:category_id>/jury")
@login_required
def jury(category_id: int):
    category = _category_or_404(category_id)
    if not services.is_juror(category, current_user):
        abort(403, _("You are not on the jury of this category."))
    finalists = services.announced_finalists(category, current_user)
    recused = {
        item.nomination.id: item.reason
        for item in services.recusals(category, finalists)
        if item.juror.id == current_user.id
    }
    return render_template(
        "awards/jury.html",
        category=category,
        edition=category.edition,
        phase=services.current_phase(category.edition),
        finalists=finalists,
        reviews=services.reviews_by(category, current_user),
        recused=recused,
        jury_open=Timeline.of(category.edition).jury_open(utcnow()),
    )


def _score_page(nomination, form, conflict_form, status=200):
    category = nomination.category
    return render_template(
        "awards/score.html",
        nomination=nomination,
        case=get_case(nomination.case_id),
        category=category,
        edition=category.edition,
        phase=services.current_phase(category.edition),
        form=form,
        conflict_form=conflict_form,
        recusal=services.recusal_reason(nomination, current_user),
        jury_open=Timeline.of(category.edition).jury_open(utcnow()),
    ), status


def _juror_finalist_or_403(nomination_id: int) -> Nomination:
    nomination = _nomination_or_404(nomination_id)
    if not services.is_juror(nomination.category, current_user):
        abort(403, _("You are not on the jury of this category."))
    if not nomination.finalist:
        abort(404, _("This case is not a finalist."))
    return nomination


@bp.get("/finalists/<int:nomination_id>/score")
@login_required
def score(nomination_id: int):
    nomination = _juror_finalist_or_403(nomination_id)
    criteria = nomination.category.criteria
    form = score_form(criteria, formdata=None)
    review = services.reviews_by(nomination.category, current_user).get(nomination.id)
    if review is not None:
        for item in review.scores:
            field = getattr(form, f"criterion_{item.criterion_id}", None)
            if field is not None:
                field.data = str(item.value)
        form.comment.data = review.comment
    return _score_page(nomination, form, ConflictForm(formdata=None))


@bp.post("/finalists/<int:nomination_id>/score")
@login_required
def save_score(nomination_id: int):
    nomination = _juror_finalist_or_403(nomination_id)
    criteria = nomination.category.criteria
    form = score_form(criteria)
    if not form.validate_on_submit():
        return _score_page(nomination, form, ConflictForm(formdata=None), 400)
    try:
        services.submit_scores(nomination, _user(), score_values(form, criteria), form.comment.data or "")
    except services.AwardError as error:
        add_error(form, error.field or "form", error.message)
        return _score_page(nomination, form, ConflictForm(formdata=None), error.status)
    flash(_("Your scores are saved. You can change them until the jury closes."), "success")
    return redirect(url_for("awards.jury", category_id=nomination.category_id))


@bp.post("/finalists/<int:nomination_id>/conflict")
@login_required
def conflict(nomination_id: int):
    nomination = _juror_finalist_or_403(nomination_id)
    form = ConflictForm()
    if not form.validate_on_submit():
        return _score_page(nomination, score_form(nomination.category.criteria, formdata=None), form, 400)
    try:
        services.declare_conflict(nomination, _user(), form.reason.data)
    except services.AwardError as error:
        add_error(form, error.field or "reason", error.message)
        return _score_page(nomination, score_form(nomination.category.criteria, formdata=None), form, error.status)
    flash(_("Thank you: you are recused from this finalist."), "success")
    return redirect(url_for("awards.jury", category_id=nomination.category_id))


# -- results ---------------------------------------------------------------------------------------


def _results_category_or_404(category_id: int) -> AwardCategory:
    category = _category_or_404(category_id)
    if not services.results_visible(category.edition):
        abort(404)
    return category


@bp.get("/categories/<int:category_id>/results")
@cacheable()
def results(category_id: int):
    category = _results_category_or_404(category_id)
    tally = category.tally or {}
    cases = {
        case.id: case
        for case in db.session.scalars(
            select(CaseStudy)
            .where(CaseStudy.id.in_(tally.get("candidates", [])))
            .options(selectinload(CaseStudy.authors))  # author_ids, for the certificate links
        )
    }
    return render_template(
        "awards/results.html",
        category=category,
        edition=category.edition,
        phase=services.current_phase(category.edition),
        tally=tally,
        cases=cases,
        jury={row["candidate"]: row for row in tally.get("jury", [])},
        may_certify=is_active_organiser(current_user)
        or (is_active_member(current_user) and any(current_user.id in case.author_ids for case in cases.values())),
    )


@bp.get("/categories/<int:category_id>/ballots.csv")
def ballots_csv(category_id: int):
    category = _results_category_or_404(category_id)
    rows = [["ballot", "ranking"]]
    for ballot in services.counted_ballots(category):
        rows.append([services.fingerprint(ballot.receipt_hash), " > ".join(str(case_id) for case_id in ballot.ranking)])
    return csv_response(rows, f"ballots-category-{category.id}.csv", private=False)


@bp.get("/categories/<int:category_id>/scores.csv")
def scores_csv(category_id: int):
    category = _results_category_or_404(category_id)
    rows = [["juror", "case", "criterion", "weight", "score"]]
    weights = {criterion.name: criterion.weight for criterion in category.criteria}
    for juror, case_id, criterion, value in services.score_rows(category):
        rows.append([juror, case_id, criterion, weights[criterion], value])
    return csv_response(rows, f"scores-category-{category.id}.csv", private=False)


@bp.get("/categories/<int:category_id>/certificates/<int:case_id>.pdf")
def certificate(category_id: int, case_id: int):
    # Before publication no certificate exists, for visitors too: the 404 comes before asking to sign in.
    category = _results_category_or_404(category_id)
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    try:
        nomination, result = services.certificate_nomination(category, case_id, current_user)
    except services.AwardError as error:
        _refuse(error)
    case = nomination.case
    edition = category.edition
    body = certificates.render(
        club_name=current_app.config["CLUB_NAME"],
        heading=_("Certificate"),
        honour=_("Winner") if result.winner else _("Finalist"),
        case_title=case.title,
        authors=", ".join(author.user.public_name for author in case.authors),
        organisation=case.organisation,
        category=category.name,
        edition=edition.title,
        date_text=format_date(edition.results_at, "long"),
        verify_url=url_for("awards.results", category_id=category.id, _external=True),
    )
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="certificate-{category.id}-{case.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- organisers ------------------------------------------------------------------------------------


def _edition_form(**kwargs) -> EditionForm:
    form = EditionForm(**kwargs)
    weeks = db.session.scalars(select(EventWeek).order_by(EventWeek.starts_on.desc())).all()
    form.week_id.choices = [(week.id, f"{week.title} ({format_date(week.starts_on, 'short')})") for week in weeks]
    return form


def _edition_input(form: EditionForm) -> services.EditionInput:
    return services.EditionInput(
        week_id=form.week_id.data,
        title=form.title.data,
        description=form.description.data or "",
        published=form.published.data,
        max_entries_per_case=form.max_entries_per_case.data,
        anonymous_judging=form.anonymous_judging.data,
        jury_weight=form.jury_weight.data,
        **{name: form.moment(name) for name in Timeline.__dataclass_fields__},
    )


@bp.route("/new", methods=["GET", "POST"])
@organiser_required
def new_edition():
    form = _edition_form()
    if request.method == "GET" and request.args.get("week", "").isdigit():
        form.week_id.data = int(request.args["week"])
    if form.validate_on_submit():
        try:
            edition = services.save_edition(None, _edition_input(form), _user())
        except services.AwardError as error:
            add_error(form, error.field or "form", error.message)
        else:
            flash(_("The edition has been created. Now add its categories."), "success")
            return redirect(url_for("awards.edition", edition_id=edition.id))
    status = 400 if request.method == "POST" else 200
    return render_template("awards/edition_form.html", form=form, edition=None), status


@bp.route("/<int:edition_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_edition(edition_id: int):
    edition = _edition_or_404(edition_id)
    if request.method == "GET":
        form = _edition_form(formdata=None, obj=edition)
        form.show_moments(edition)
        return render_template("awards/edition_form.html", form=form, edition=edition)
    form = _edition_form()
    if form.validate_on_submit():
        try:
            services.save_edition(edition, _edition_input(form), _user())
        except services.AwardError as error:
            add_error(form, error.field or "form", error.message)
            return render_template("awards/edition_form.html", form=form, edition=edition), error.status
        flash(_("The edition has been saved."), "success")
        return redirect(url_for("awards.edition", edition_id=edition.id))
    return render_template("awards/edition_form.html", form=form, edition=edition), 400


def _category_form(category: AwardCategory | None = None, **kwargs) -> CategoryForm:
    """The category form; editing also offers the retired sectors the category lists, so saving keeps them."""
    form = CategoryForm(**kwargs)
    kept = [sector.id for sector in category.sectors] if category is not None else []
    form.sectors.choices = [(int(value), label) for value, label in choices_keeping(Sector, kept)]
    return form


def _category_input(form: CategoryForm) -> services.CategoryInput:
    return services.CategoryInput(
        name=form.name.data,
        description=form.description.data or "",
        eligible_from=form.eligible_from.data,
        eligible_until=form.eligible_until.data,
        sector_ids=list(form.sectors.data or []),
        criteria=form.criteria_list() or [],
    )


@bp.route("/<int:edition_id>/categories/new", methods=["GET", "POST"])
@organiser_required
def new_category(edition_id: int):
    edition = _edition_or_404(edition_id)
    form = _category_form()
    if request.method == "GET":
        form.criteria.data = "\n".join(
            [_("Impact on customers | 40"), _("Innovation | 30"), _("Replicability in other sectors | 30")]
        )
    elif form.validate_on_submit():
        try:
            services.save_category(edition, None, _category_input(form), _user())
        except services.AwardError as error:
            add_error(form, error.field or "form", error.message)
            return render_template("awards/category_form.html", form=form, edition=edition, category=None), error.status
        flash(_("The category has been added."), "success")
        return redirect(url_for("awards.edition", edition_id=edition.id))
    status = 400 if request.method == "POST" else 200
    return render_template("awards/category_form.html", form=form, edition=edition, category=None), status


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@organiser_required
def edit_category(category_id: int):
    category = _category_or_404(category_id)
    edition = category.edition
    if request.method == "GET":
        form = _category_form(category, formdata=None, obj=category)
        form.sectors.data = [sector.id for sector in category.sectors]
        form.show_criteria(category)
        return render_template("awards/category_form.html", form=form, edition=edition, category=category)
    form = _category_form(category)
    if form.validate_on_submit():
        try:
            services.save_category(edition, category, _category_input(form), _user())
        except services.AwardError as error:
            add_error(form, error.field or "form", error.message)
            return render_template(
                "awards/category_form.html", form=form, edition=edition, category=category
            ), error.status
        flash(_("The category has been saved."), "success")
        return redirect(url_for("awards.manage", category_id=category.id))
    return render_template("awards/category_form.html", form=form, edition=edition, category=category), 400


@bp.get("/categories/<int:category_id>/manage")
@organiser_required
def manage(category_id: int):
    category = _category_or_404(category_id)
    nominations = services.category_nominations(category)
    finalists_form = FinalistsForm(formdata=None)
    finalists_form.finalists.choices = [(item.id, item.case.title) for item in nominations if item.counts]
    finalists_form.finalists.data = [item.id for item in nominations if item.finalist]
    jurors_form = JurorsForm(formdata=None)
    jurors = services.jurors(category)
    jurors_form.emails.data = "\n".join(juror.user.email for juror in jurors)
    now = utcnow()
    return render_template(
        "awards/manage.html",
        category=category,
        edition=category.edition,
        phase=services.current_phase(category.edition, now),
        timeline=Timeline.of(category.edition),
        now=now,
        nominations=nominations,
        problems={item.id: services.eligibility_problem(item.case, category) for item in nominations},
        eligibility_form=EligibilityForm,
        finalists_form=finalists_form,
        jurors_form=jurors_form,
        jurors=jurors,
        report=services.jury_report(category),
        turnout=services.turnout(category),
    )


@bp.post("/nominations/<int:nomination_id>/eligibility")
@organiser_required
def eligibility(nomination_id: int):
    nomination = _nomination_or_404(nomination_id)
    form = EligibilityForm()
    if not form.validate_on_submit():
        abort(400, _("Choose a decision; a reason has at most 300 characters."))
    try:
        services.set_eligibility(nomination, _user(), form.decision.data, form.note.data or None)
    except services.AwardError as error:
        _refuse(error)
    flash(_("The decision is recorded."), "success")
    return redirect(url_for("awards.manage", category_id=nomination.category_id, _anchor="nominations"))


@bp.post("/categories/<int:category_id>/finalists")
@organiser_required
def choose_finalists(category_id: int):
    category = _category_or_404(category_id)
    form = FinalistsForm()
    form.finalists.choices = [(item.id, str(item.id)) for item in services.category_nominations(category)]
    if not form.validate_on_submit():
        abort(400, _("Unknown nomination."))
    try:
        services.set_finalists(category, _user(), set(form.finalists.data or []))
    except services.AwardError as error:
        _refuse(error)
    flash(_("The finalists are saved."), "success")
    return redirect(url_for("awards.manage", category_id=category.id, _anchor="finalists"))


@bp.post("/categories/<int:category_id>/jurors")
@organiser_required
def set_jurors(category_id: int):
    category = _category_or_404(category_id)
    form = JurorsForm()
    if not form.validate_on_submit():
        abort(400, next(iter(form.errors.values()))[0] if form.errors else None)
    try:
        services.set_jurors(category, _user(), form.email_list())
    except services.AwardError as error:
        _refuse(error)
    flash(_("The jury is saved."), "success")
    return redirect(url_for("awards.manage", category_id=category.id, _anchor="jury"))


@bp.post("/<int:edition_id>/publish")
@organiser_required
def publish(edition_id: int):
    edition = _edition_or_404(edition_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.publish_results(edition, _user())
    except services.AwardError as error:
        _refuse(error)
    flash(_("The results are published."), "success")
    return redirect(url_for("awards.edition", edition_id=edition.id))


@bp.get("/<int:edition_id>/audit")
@organiser_required
def audit_log(edition_id: int):
    edition = _edition_or_404(edition_id)
    return render_template(
        "awards/audit.html",
        edition=edition,
        phase=services.current_phase(edition),
        entries=audit.entries(edition.scope),
    )
