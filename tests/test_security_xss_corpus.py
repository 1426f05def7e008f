"""XSS across the site: what members and organisers type stays text wherever it is shown.

tests/test_cases_xss.py covers the cases domain (case fields, moderation comments, comments, hide
reasons, co-authors, feeds). This module covers every other text input, through the real forms:

    sign-up name; profile name, organisation, job title, bio (Markdown) and links; comment report
    notes; event week title, themes, description and place; session title, description, room,
    speakers; feedback comments; award edition title and description; category name, description
    and criteria; nomination statements; eligibility notes; conflict reasons; jury comments;
    invitation name and message; taxonomy names.

and then every place that shows them: pages (public, member, organiser console), the iCalendar
export, the CSV exports (where a cell starting with = + - @ must not run as a formula) and the emails
(HTML and text parts). The compact corpus goes into every field; the full corpus into the profile
and the event session, the two forms with the most places that show their text.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from club.accounts.models import User
from club.awards.models import AwardCategory, AwardEdition, Nomination
from club.core import outbox as outbox_module
from club.core.csvexport import safe_cell
from club.events.models import EventSession, EventWeek
from club.extensions import db
from tests.award_factories import (
    add_jurors,
    category_form_data,
    edition_form_data,
    make_category,
    make_edition,
    make_finalists,
    move_to,
)
from tests.case_factories import make_case, make_comment
from tests.event_factories import make_session, make_week, seat, session_form_data, week_form_data
from tests.factories import DEFAULT_PASSWORD, make_member, make_organiser
from tests.helpers import login, url
from tests.security_payloads import FORMULA_PAYLOADS, XSS_COMPACT, XSS_PAYLOADS
from tests.test_cases_xss import InertChecker, assert_inert

CHART_PARTS = {"title", "desc", "g", "rect", "line", "path", "text", "polyline", "circle"}

pytestmark = pytest.mark.usefixtures("app")


def cut(payload: str, length: int) -> str:
    return payload[:length]


def marker(payload: str) -> str:
    return payload.split(" ", 1)[0]


class Site:
    """Signed-in clients and a checker that reads pages the way a browser would."""

    def __init__(self, app):
        self.app = app
        self.organiser_user = make_organiser(display_name="Orsola Organizzatrice")
        self.member_user = make_member(display_name="Marta Membro", profile=True)
        self.organiser = self.client(self.organiser_user)
        self.member = self.client(self.member_user)
        self.anonymous = app.test_client()

    def client(self, user):
        client = self.app.test_client()
        login(client, user)
        client.get(url("core.home"))  # the welcome message goes
        return client

    def page(self, client, path: str, *, shows: str | None = None, status: int = 200) -> str:
        response = client.get(path)
        assert response.status_code == status, f"{path}: {response.status_code}"
        html = response.get_data(as_text=True)
        assert_inert(html, path)
        if shows is not None:
            assert shows in html, f"{path} does not show {shows!r}"
        return html


class ChartAwareChecker(InertChecker):
    """The checker of tests/test_cases_xss.py, knowing the console's own charts (organiser/charts.py).

    Inside <svg class="chart"> only drawing elements may appear, with no handler and no URL; their
    text (term names, months) must be plain text like anywhere else.
    """

    def __init__(self) -> None:
        super().__init__()
        self.chart_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg" and dict(attrs).get("class") == "chart" and not self.chart_depth:
            self.chart_depth = 1
            self._check_chart_attributes(tag, attrs)
            return
        if self.chart_depth:
            self._check_chart_part(tag, attrs)
            if tag != "svg":
                self.chart_depth += 1
            return
        super().handle_starttag(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        if self.chart_depth:
            self._check_chart_part(tag, attrs)
            return
        super().handle_startendtag(tag, attrs)

    def handle_endtag(self, tag):
        if self.chart_depth:
            self.chart_depth -= 1
            return
        super().handle_endtag(tag)

    def _check_chart_part(self, tag, attrs):
        if tag not in CHART_PARTS:
            self.problems.append(f"<{tag}> inside a chart")
        self._check_chart_attributes(tag, attrs)

    def _check_chart_attributes(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") or name in ("href", "xlink:href", "src", "style"):
                self.problems.append(f"{name}={value!r} on <{tag}> inside a chart")


def assert_inert_with_charts(html: str, where: str) -> None:
    checker = ChartAwareChecker()
    checker.feed(html)
    checker.close()
    assert not checker.problems, f"{where}: {checker.problems}"


def check_answer(response, where: str) -> None:
    """A form's answer: a redirect, or the form again (refused) with the typed text inert in it."""
    if response.status_code != 302:
        assert_inert(response.get_data(as_text=True), where)


def check_emails(outbox: list, start: int = 0) -> int:
    """Every message since `start` (the outbox drained first): an inert HTML part and a plain text part."""
    db.session.commit()
    outbox_module.drain()
    for message in outbox[start:]:
        html_part = message.get_body(("html",))
        if html_part is not None:
            assert_inert(html_part.get_content(), f"email {message['Subject']!r}", email=True)
        text_part = message.get_body(("plain",))
        assert text_part is not None and text_part.get_content_type() == "text/plain"
        for header in ("Subject", "To", "From"):
            assert "\n" not in str(message[header] or "") and "\r" not in str(message[header] or "")
    return len(outbox)


def check_ics(body: bytes, where: str) -> None:
    text = body.decode()
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    lines = unfolded.split("\r\n")
    assert not any(line.startswith("SUMMARY:injected") for line in lines), f"{where}: the payload made a property"
    assert unfolded.count("BEGIN:VEVENT") == unfolded.count("END:VEVENT"), where
    for line in lines:
        assert not line.startswith(("BEGIN:VEVENT", "END:VEVENT")) or line in ("BEGIN:VEVENT", "END:VEVENT"), where


def check_csv(body: bytes, where: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    for row in rows:
        for cell in row:
            if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not _is_number(cell)):
                pytest.fail(f"{where}: the cell {cell!r} would run as a formula")
    return rows


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# -- accounts and members ----------------------------------------------------------------------------


def test_signup_name_is_inert_in_the_welcome_email(app, mail_outbox):
    site = Site(app)
    start = len(mail_outbox)
    for number, payload in enumerate([*XSS_COMPACT, "zq90 Mario\r\nBcc: victim@example.com"]):
        response = site.anonymous.post(
            url("accounts.signup"),
            data={
                "email": f"nuovo{number}@example.com",
                "display_name": cut(payload, 80),
                "password": DEFAULT_PASSWORD,
                "password_confirm": DEFAULT_PASSWORD,
            },
        )
        assert response.status_code in (200, 302, 400), response.status_code
        check_answer(response, f"signup / {payload!r}")
    assert len(mail_outbox) > start
    check_emails(mail_outbox, start)


def _save_profile(client, payload: str, *, links: str = "") -> None:
    response = client.post(
        url("members.save_profile"),
        data={
            "display_name": cut(payload, 80),
            "organisation": cut(payload, 120),
            "job_title": cut(payload, 120),
            "bio": f"{payload}\n\n{payload}",
            "links": links,
            "locale": "it",
        },
    )
    if response.status_code != 302:
        assert response.status_code == 400, response.status_code
        check_answer(response, f"refused profile / {payload!r}")


@pytest.mark.parametrize("corpus", ["full", "compact"])
def test_profile_fields_are_inert_on_profile_directory_and_console(app, corpus):
    site = Site(app)
    author = make_member(display_name="Autrice", profile=True)
    writer = site.client(author)
    payloads = XSS_PAYLOADS if corpus == "full" else XSS_COMPACT
    for number, payload in enumerate(payloads):
        # the compact run also tries the links box, which only takes web addresses
        _save_profile(writer, payload, links=payload if corpus == "compact" else "")
        db.session.expire_all()
        shown = db.session.get(User, author.id).display_name
        pages = [
            (site.member, url("members.profile", user_id=author.id)),
            (writer, url("members.edit_profile")),
        ]
        if corpus == "compact" or number % 8 == 0:
            pages += [
                (site.member, url("members.directory", q=marker(payload))),
                (site.organiser, url("organiser.members", q=marker(payload))),
                (site.organiser, url("organiser.member", user_id=author.id)),
            ]
        for client, path in pages:
            site.page(client, path, shows=marker(payload) if marker(payload) in shown else None)
    # the organiser's CSV of members: no cell runs as a formula
    for formula in FORMULA_PAYLOADS:
        _save_profile(writer, formula)
    response = site.organiser.get(url("organiser.export", name="members"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    check_csv(response.data, "members.csv")


def test_csv_cells_that_start_a_formula_are_quoted():
    for formula in FORMULA_PAYLOADS:
        assert safe_cell(formula).startswith("'")
    assert safe_cell(-3) == "-3" and safe_cell("Rossi") == "Rossi"


# -- comment reports --------------------------------------------------------------------------------


def test_report_notes_are_inert_in_the_moderation_console(app, mail_outbox):
    site = Site(app)
    case = make_case(make_member())
    for payload in XSS_COMPACT:
        comment = make_comment(case, make_member(), "Un commento da segnalare")
        response = site.member.post(
            url("cases.report_comment", comment_id=comment.id), data={"reason": "other", "note": cut(payload, 500)}
        )
        assert response.status_code in (302, 400), response.status_code
        check_answer(response, f"report / {payload!r}")
    site.page(site.organiser, url("organiser.comments"))
    site.page(site.organiser, url("organiser.dashboard"))
    check_emails(mail_outbox)


# -- events -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("corpus", ["full", "compact"])
def test_event_week_and_session_fields_are_inert_everywhere(app, mail_outbox, corpus):
    site = Site(app)
    speaker = make_member(email="relatrice@example.com", display_name="Relatrice")
    payloads = XSS_PAYLOADS if corpus == "full" else XSS_COMPACT
    # the week form for the compact corpus (every field), one week holding every session for the full one
    host = make_week("Settimana ospite", starts_on=3, themes=("ascolto",))
    for number, payload in enumerate(payloads):
        if corpus == "compact":
            response = site.organiser.post(
                url("events.new_week"),
                data=week_form_data(
                    title=cut(payload, 200).ljust(3, "."),
                    themes=f"{cut(payload, 60)}\nascolto",
                    description=payload,
                    place=cut(payload, 200),
                    starts_on=(host.starts_on + timedelta(days=7)).isoformat(),
                    ends_on=(host.starts_on + timedelta(days=11)).isoformat(),
                ),
            )
            assert response.status_code in (302, 400), response.status_code
            check_answer(response, f"week form / {payload!r}")
            week = db.session.scalars(select(EventWeek).order_by(EventWeek.id.desc())).first()
        else:
            week = host
        response = site.organiser.post(
            url("events.new_session", week_id=week.id),
            data=session_form_data(
                week,
                title=cut(payload, 200).ljust(3, "."),
                description=payload,
                room=cut(payload, 80),
                speakers=f"relatrice@example.com\n{cut(payload, 100)}",
                start=f"{8 + number % 10:02d}:00",
                end=f"{8 + number % 10:02d}:30",
                day=week.starts_on.isoformat(),
            ),
        )
        assert response.status_code in (302, 400), response.status_code
        check_answer(response, f"session form / {payload!r}")
        created = db.session.scalars(select(EventSession).order_by(EventSession.id.desc())).first()
        if created is None:
            continue
        site.page(site.member, url("events.session_detail", session_id=created.id))
        if corpus == "compact" or number % 8 == 0:
            site.page(site.anonymous, url("events.week", week_id=week.id))
            site.page(site.organiser, url("events.edit_session", session_id=created.id))
            site.page(site.organiser, url("events.edit_week", week_id=week.id))
            site.page(site.anonymous, url("events.index"))
            calendar = site.anonymous.get(url("events.week_calendar", week_id=week.id))
            assert calendar.status_code == 200 and calendar.mimetype == "text/calendar"
            check_ics(calendar.data, f"programme.ics / {payload!r}")
    site.page(site.anonymous, url("events.week", week_id=host.id))
    check_ics(site.anonymous.get(url("events.week_calendar", week_id=host.id)).data, "host programme.ics")
    site.page(site.client(speaker), url("events.my_sessions"))
    check_emails(mail_outbox)


def test_feedback_comments_and_attendees_are_inert_for_organisers(app):
    site = Site(app)
    week = make_week("Settimana passata", starts_on=-3, days=2)
    event_session = make_session(week, 0, title="Sessione conclusa")
    people = [make_member(display_name=cut(payload, 80)) for payload in XSS_COMPACT]
    seat(event_session, *people)
    for person, payload in zip(people, XSS_COMPACT, strict=True):
        response = site.client(person).post(
            url("events.rate", session_id=event_session.id), data={"rating": "3", "comment": payload}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    site.page(site.organiser, url("events.feedback", week_id=week.id), shows=marker(XSS_COMPACT[0]))
    site.page(site.organiser, url("events.attendees", session_id=event_session.id), shows=marker(XSS_COMPACT[0]))
    attendees = site.organiser.get(url("events.attendees_csv", session_id=event_session.id))
    check_csv(attendees.data, "attendees.csv")
    feedback = site.organiser.get(url("organiser.export", name="feedback"))
    check_csv(feedback.data, "feedback.csv")
    for name in ("rsvps", "cases", "award-results"):
        check_csv(site.organiser.get(url("organiser.export", name=name)).data, f"{name}.csv")


# -- awards -----------------------------------------------------------------------------------------


def test_award_edition_and_category_fields_are_inert(app):
    site = Site(app)
    week = make_week("Settimana premi", starts_on=20)
    for payload in XSS_COMPACT:
        response = site.organiser.post(
            url("awards.new_edition"),
            data=edition_form_data(week, title=cut(payload, 200).ljust(3, "."), description=payload),
        )
        assert response.status_code in (302, 400), response.status_code
        check_answer(response, f"edition form / {payload!r}")
        edition = db.session.scalars(select(AwardEdition).order_by(AwardEdition.id.desc())).first()
        response = site.organiser.post(
            url("awards.new_category", edition_id=edition.id),
            data=category_form_data(
                name=cut(payload, 120).ljust(3, "."),
                description=payload,
                criteria=f"{cut(payload, 60).replace('|', '!')} | 60\nImpatto | 40",
            ),
        )
        assert response.status_code in (302, 400), response.status_code
        check_answer(response, f"category form / {payload!r}")
        category = db.session.scalars(select(AwardCategory).order_by(AwardCategory.id.desc())).first()
        for client in (site.organiser, site.member):
            site.page(client, url("awards.index"))
            site.page(client, url("awards.edition", edition_id=edition.id))
            site.page(client, url("awards.category", category_id=category.id))
        site.page(site.organiser, url("awards.manage", category_id=category.id))
        site.page(site.organiser, url("awards.edit_category", category_id=category.id))
        site.page(site.organiser, url("awards.edit_edition", edition_id=edition.id))
    site.page(site.organiser, url("awards.audit_log", edition_id=edition.id))


def test_nomination_eligibility_conflict_and_jury_texts_are_inert(app, mail_outbox):
    site = Site(app)
    edition = make_edition("nominations")
    category = make_category(edition, "Categoria di prova")
    author_user = make_member(display_name="Autore")
    author = site.client(author_user)
    cases = [make_case(author_user, title=f"Caso numero {number} per il premio") for number in range(len(XSS_COMPACT))]
    for case, payload in zip(cases, XSS_COMPACT, strict=True):
        response = author.post(
            url("awards.nominate", edition_id=edition.id),
            data={"category_id": str(category.id), "case": str(case.id), "statement": cut(payload, 2000)},
        )
        assert response.status_code in (302, 400), response.get_data(as_text=True)[:1000]
        check_answer(response, f"nominate / {payload!r}")
    nominations = db.session.scalars(select(Nomination).where(Nomination.category_id == category.id)).all()
    assert nominations, "no nomination went through the form"
    for nomination, payload in zip(nominations, XSS_COMPACT, strict=False):
        response = site.organiser.post(
            url("awards.eligibility", nomination_id=nomination.id),
            data={"decision": "ineligible", "note": cut(payload, 300)},
        )
        assert response.status_code in (302, 400), response.status_code
    site.page(site.organiser, url("awards.manage", category_id=category.id))
    site.page(author, url("awards.edition", edition_id=edition.id))
    site.page(author, url("cases.mine"))
    # the jury: a juror with conflicts and comments on finalists of another category
    judged = make_category(edition, "Categoria della giuria")
    juror_user = make_member(display_name="Giurata")
    add_jurors(judged, juror_user)
    finalists = make_finalists(judged, *[make_case(make_member()) for _ in range(3)])
    move_to(edition, "judging")
    juror = site.client(juror_user)
    criteria = db.session.get(AwardCategory, judged.id).criteria
    for number, payload in enumerate(XSS_COMPACT):
        finalist = finalists[number % len(finalists)]
        scores = {f"criterion_{criterion.id}": "7" for criterion in criteria}
        response = juror.post(url("awards.save_score", nomination_id=finalist.id), data={**scores, "comment": payload})
        assert response.status_code in (302, 400), response.get_data(as_text=True)[:1000]
        check_answer(response, f"score / {payload!r}")
        site.page(juror, url("awards.score", nomination_id=finalist.id))
    response = juror.post(
        url("awards.conflict", nomination_id=finalists[2].id), data={"reason": cut(XSS_COMPACT[1], 300)}
    )
    assert response.status_code in (302, 400)
    site.page(juror, url("awards.jury", category_id=judged.id))
    site.page(site.organiser, url("awards.manage", category_id=judged.id))
    site.page(site.organiser, url("awards.audit_log", edition_id=edition.id))
    check_emails(mail_outbox)


# -- the organiser console --------------------------------------------------------------------------


def test_invitation_texts_are_inert_in_the_console_and_the_email(app, mail_outbox):
    site = Site(app)
    for number, payload in enumerate(XSS_COMPACT):
        response = site.organiser.post(
            url("organiser.invite"),
            data={
                "email": f"invitata{number}@example.org",
                "display_name": cut(payload, 80),
                "role": "member",
                "locale": "it" if number % 2 else "en",
                "message": cut(payload, 1000),
            },
        )
        assert response.status_code in (302, 400), response.status_code
        check_answer(response, f"invite / {payload!r}")
    site.page(site.organiser, url("organiser.invitations"))
    check_emails(mail_outbox)
    assert len(mail_outbox) == len(XSS_COMPACT), "an invitation was refused or sent no email"
    # the invitee's page, which greets them by the name the organiser typed
    for message in mail_outbox:
        link = re.search(r"https?://[^/\s]+(/join/[A-Za-z0-9_\-]+)", message.get_body(("plain",)).get_content())
        assert link, "no join link in the invitation"
        site.page(app.test_client(), link.group(1))


def test_taxonomy_names_are_inert_in_the_console_and_the_forms_that_offer_them(app):
    site = Site(app)
    for kind in ("sector", "function", "competence"):
        for payload in XSS_COMPACT:
            response = site.organiser.post(
                url("organiser.add_term", kind=kind),
                data={"name_it": cut(payload, 120), "name_en": cut(payload, 120) + " en"},
            )
            assert response.status_code in (302, 400, 409), response.status_code
            check_answer(response, f"term / {payload!r}")
        site.page(site.organiser, url("organiser.terms", kind=kind), shows=marker(XSS_COMPACT[0]))
    for path in (
        url("members.edit_profile"),
        url("members.directory"),
        url("cases.index"),
        url("cases.new"),
        url("cases.following"),
    ):
        site.page(site.member, path, shows=marker(XSS_COMPACT[0]))
    site.page(site.organiser, url("organiser.members"))
    response = site.organiser.get(url("organiser.insights"))
    assert response.status_code == 200
    assert_inert_with_charts(response.get_data(as_text=True), "insights")
    response = site.organiser.get(url("organiser.insights", dimension="sector"))
    assert_inert_with_charts(response.get_data(as_text=True), "insights by sector")


def test_the_chart_aware_checker_still_catches_what_runs():
    chart = '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"><title>x</title>{}</svg>'
    assert_inert_with_charts("<body>" + chart.format("<g><rect/><text>a &lt;b&gt;</text></g>") + "</body>", "clean")
    for bad in (
        "<script>alert(1)</script>",
        '<g onload="alert(1)"></g>',
        '<a href="javascript:x">x</a>',
        "<foreignObject/>",
    ):
        with pytest.raises(AssertionError):
            assert_inert_with_charts("<body>" + chart.format(bad) + "</body>", "bad")
    with pytest.raises(AssertionError):
        assert_inert_with_charts("<body>" + chart.format("") + "<img src=x onerror=a></body>", "after the chart")
