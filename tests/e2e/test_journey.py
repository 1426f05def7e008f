"""The whole member journey in a real browser, in Italian and in English.

A visitor signs up, confirms the address from the captured email, signs in, fills the profile,
subscribes to the daily digest and posts a case study, which an organiser publishes; the member
registers for a session and enters the case in the award; the organiser checks it and chooses the
finalists, a juror scores them, a member votes, the organiser publishes the results, which name
the case the winner; a digest cycle runs and the unsubscribe link of the member's digest works.

Every action goes through the browser. Only the passage of time between the award's phases is
simulated, by moving the edition's timeline in the database (time_passes).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from club.accounts.models import User
from club.awards.models import AwardEdition
from club.cases.models import CaseStudy
from club.core import outbox
from club.core.timeutil import utcnow
from club.digests import schedule
from club.digests.models import Subscriber
from club.events.models import Registration
from club.extensions import db
from tests.award_factories import add_jurors, enter, make_category, make_edition, timeline
from tests.case_factories import make_case
from tests.e2e.conftest import shoot
from tests.event_factories import make_session, make_week
from tests.factories import DEFAULT_PASSWORD, make_competence, make_function, make_member, make_organiser, make_sector


def expect(locator):
    # Imported late: where Playwright is missing, tests/e2e/conftest.py skips the test after collection.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


NEW_EMAIL = "chiara.bianchi@telconord.example"
NEW_NAME = "Chiara Bianchi"
NEW_PASSWORD = "una frase lunga per la prova del browser"
CASE_TITLE = "Il contact centre che richiama i clienti prima che scrivano"


def seed() -> dict:
    """What the journey needs besides the visitor: taxonomy, people, a week, an edition, a rival case."""
    telco = make_sector("telco", "Telecomunicazioni", "Telecommunications")
    banking = make_sector("banking", "Banche", "Banking")
    care = make_function("customer-care", "Assistenza clienti", "Customer care")
    analytics = make_competence("analytics", "Analisi dei dati", "Data analytics")
    organiser = make_organiser("org@clubcx.example", "Paola Organizza", organisation="Club CX")
    juror = make_member("juror@giuria.example", "Gianni Giurato", organisation="Giuria Indipendente", sector=banking)
    make_member("voter@banca.example", "Vera Votante", organisation="Banca Nord", sector=banking)
    rival_author = make_member("rival@banca.example", "Rino Rivale", organisation="Banca Adriatica", sector=banking)
    week = make_week("Settimana della relazione", starts_on=30, days=3)
    talk = make_session(week, 0, "10:00", "11:00", title="Ascoltare i reclami", room="Sala Verde", capacity=40)
    edition = make_edition("nominations", week=week, actor=organiser, title="Premio Relazione")
    category = make_category(edition, "Miglior caso di ascolto", actor=organiser)
    # Published inside the latest daily digest period, from another sector: the member's digest has news.
    rival_case = make_case(
        rival_author,
        title="La banca che risponde in un'ora",
        sector=banking,
        functions=[care],
        organisation="Banca Adriatica",
        published_at=schedule.due_moment("daily", utcnow()) - timedelta(hours=2),
    )
    enter(category, rival_case, eligible=True)
    add_jurors(category, juror)
    return dict(
        telco=telco,
        care=care,
        analytics=analytics,
        week=week,
        talk=talk,
        edition=edition,
        category=category,
        rival_case=rival_case,
    )


class Journey:
    """The run's language, its artifacts and a few browser gestures shared by the steps."""

    def __init__(self, server, lang: str, artifacts) -> None:
        self.server = server
        self.lang = lang
        self.artifacts = artifacts
        self.step = 0

    def t(self, msgid: str, **values) -> str:
        with force_locale(self.lang):
            return gettext(msgid, **values)

    def url(self, path: str) -> str:
        return self.server.url + path

    def shot(self, page, name: str) -> None:
        self.step += 1
        shoot(page, self.artifacts, f"journey-{self.lang}-{self.step:02d}-{name}")

    def expect_text(self, page, text: str) -> None:
        expect(page.locator("main")).to_contain_text(text)

    def flash(self, page, msgid: str, **values) -> None:
        expect(page.locator(".flashes")).to_contain_text(self.t(msgid, **values))

    def submit(self, page, form_selector: str) -> None:
        with page.expect_navigation():
            page.locator(form_selector).locator("button[type=submit]").first.click()

    def choose_language(self, page) -> None:
        """The visitor's own gesture: the IT/EN switcher in the header (Italian is the default)."""
        if self.lang != "it":
            # A button for members (the choice is kept on the account), a link for visitors.
            lang = self.lang
            switch = page.locator(f"form.lang-switch button[value={lang}], nav.lang-switch a[hreflang={lang}]")
            with page.expect_navigation():
                switch.first.click()
        expect(page.locator("html")).to_have_attribute("lang", self.lang)

    def sign_in(self, page, email: str, password: str = DEFAULT_PASSWORD) -> None:
        page.goto(self.url("/account/login"))
        self.choose_language(page)
        page.fill("#email", email)
        page.fill("#password", password)
        self.submit(page, "main form")


def time_passes(edition_id: int, phase: str) -> None:
    """Move the edition's timeline so that it is now in `phase`: the only step no user takes.

    One UPDATE in a transaction of its own: on SQLite a transaction that read first could not take
    the write lock after the server's requests have written.
    """
    db.session.commit()
    db.session.execute(update(AwardEdition).where(AwardEdition.id == edition_id).values(**timeline(phase)))
    db.session.commit()


def deliver(app) -> None:
    """What the scheduler's sender does: the outbox table drains into the memory transport."""
    db.session.commit()
    outbox.drain()


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_whole_journey(lang, live_server, new_context, artifacts):
    data = seed()
    app = live_server.app
    journey = Journey(live_server, lang, artifacts)
    category_id, edition_id = data["category"].id, data["edition"].id
    member = new_context().new_page()

    # -- a visitor signs up and confirms the address ---------------------------------------------------
    member.goto(journey.url("/"))
    journey.choose_language(member)
    journey.shot(member, "home")
    with member.expect_navigation():
        member.click("header a[href='/account/signup']")
    member.fill("#email", NEW_EMAIL)
    member.fill("#display_name", NEW_NAME)
    member.fill("#password", NEW_PASSWORD)
    member.fill("#password_confirm", NEW_PASSWORD)
    journey.shot(member, "signup")
    journey.submit(member, "main form")
    journey.expect_text(member, journey.t("Check your inbox"))
    journey.shot(member, "check-inbox")

    deliver(app)
    messages = live_server.mail_to(NEW_EMAIL)
    assert len(messages) == 1, [str(message["Subject"]) for message in live_server.outbox]
    member.goto(live_server.link_in(messages[0], "/account/verify/"))
    journey.expect_text(member, journey.t("Confirm your email address"))
    journey.submit(member, "main form")
    journey.flash(member, "Your email address is confirmed. Welcome to the club, %(name)s!", name=NEW_NAME)
    journey.shot(member, "verified")

    # -- signs out and in again, fills the profile ---------------------------------------------------------
    member.click("details.user-menu summary")
    journey.submit(member, "details.user-menu form")
    journey.sign_in(member, NEW_EMAIL, NEW_PASSWORD)
    journey.flash(member, "Welcome back, %(name)s.", name=NEW_NAME)

    member.goto(journey.url("/members/me/edit"))
    member.fill("#organisation", "Telco Nord")
    member.fill("#job_title", "Responsabile del contact centre")
    member.select_option("#sector", str(data["telco"].id))
    member.select_option("#function", str(data["care"].id))
    member.check(f"input[name=competences][value='{data['analytics'].id}']")
    journey.submit(member, "form[action='/members/me/edit']")
    journey.flash(member, "Your profile has been saved.")
    sector_name = "Telecommunications" if lang == "en" else "Telecomunicazioni"
    journey.expect_text(member, sector_name)
    journey.shot(member, "profile")

    member.goto(journey.url("/digests/settings"))
    member.select_option("#frequency", "daily")
    journey.submit(member, "main form")
    journey.flash(member, "Your digest preferences are saved.")

    # -- posts a case study and submits it; an organiser publishes it ------------------------------------
    member.goto(journey.url("/cases/new"))
    member.fill("#title", CASE_TITLE)
    member.fill("#summary", "Richiamiamo chi ha un problema prima che ci scriva: i reclami sono calati di un terzo.")
    member.fill("#body", "## Il contesto\n\nOgni mese migliaia di clienti scrivevano per lo stesso guasto. " * 3)
    member.check(f"input[name=functions][value='{data['care'].id}']")
    journey.shot(member, "case-form")
    journey.submit(member, "main form")
    journey.flash(member, "Draft saved. Add a cover and attachments, then submit it to the organisers.")
    case_id = int(member.url.rstrip("/").split("/")[-2])
    member.goto(journey.url(f"/cases/{case_id}"))
    journey.submit(member, f"form[action='/cases/{case_id}/transition/submit']")
    journey.shot(member, "case-submitted")

    organiser = new_context().new_page()
    journey.sign_in(organiser, "org@clubcx.example")
    organiser.goto(journey.url("/cases/moderation"))
    journey.shot(organiser, "moderation-queue")
    with organiser.expect_navigation():
        organiser.click(f"main a:has-text('{CASE_TITLE}')")
    journey.submit(organiser, f"form[action='/cases/{case_id}/transition/publish']")
    journey.shot(organiser, "case-published")
    db.session.commit()  # ends the test's transaction: what the server wrote becomes visible
    assert db.session.get(CaseStudy, case_id).status == "published"

    member.goto(journey.url("/cases/"))
    journey.expect_text(member, CASE_TITLE)

    # -- registers for a session --------------------------------------------------------------------------
    member.goto(journey.url("/events/"))
    with member.expect_navigation():
        member.click(f"main a[href='/events/{data['week'].id}']")
    journey.shot(member, "week")
    with member.expect_navigation():
        member.click(f"main a[href='/events/sessions/{data['talk'].id}']")
    journey.submit(member, f"form[action='/events/sessions/{data['talk'].id}/register']")
    journey.flash(member, "You are registered. See you there!")
    journey.shot(member, "registered")
    db.session.commit()
    user_id = db.session.scalar(select(User.id).where(User.email == NEW_EMAIL))
    seats = db.session.scalars(select(Registration.seat).where(Registration.user_id == user_id)).all()
    assert len(seats) == 1 and seats[0] is not None  # a place, not the waitlist

    # -- enters the case in the award -------------------------------------------------------------------------
    member.goto(journey.url("/awards/"))
    with member.expect_navigation():
        member.click(f"main a[href='/awards/{edition_id}']")
    member.select_option("#category_id", str(category_id))
    member.fill("#case", str(case_id))
    journey.submit(member, f"form[action='/awards/{edition_id}/nominate']")
    entered = "“%(title)s” is entered in %(category)s."
    journey.flash(member, entered, title=CASE_TITLE, category="Miglior caso di ascolto")
    journey.shot(member, "nominated")

    # Time passes: the nominations close (the timeline moves, nobody clicks).
    time_passes(edition_id, "selection")

    # -- the organiser checks eligibility and chooses the finalists ---------------------------------------------
    organiser.goto(journey.url(f"/awards/categories/{category_id}/manage"))
    row = organiser.locator("#nominations tbody tr", has_text=CASE_TITLE)
    row.locator("select").select_option("eligible")
    with organiser.expect_navigation():
        row.locator("button[type=submit]").click()
    journey.flash(organiser, "The decision is recorded.")
    for checkbox in organiser.locator("#finalists input[type=checkbox]").all():
        checkbox.check()
    journey.submit(organiser, "#finalists form")
    journey.flash(organiser, "The finalists are saved.")
    journey.shot(organiser, "finalists")

    # Time passes: the jury and the member vote open.
    time_passes(edition_id, "judging_voting")

    # -- a juror scores both finalists -------------------------------------------------------------------------
    juror = new_context().new_page()
    journey.sign_in(juror, "juror@giuria.example")
    for title, value in ((CASE_TITLE, "9"), (data["rival_case"].title, "5")):
        juror.goto(journey.url(f"/awards/categories/{category_id}/jury"))
        with juror.expect_navigation():
            juror.locator("main tr", has_text=title).locator("a.button").click()
        for field in juror.locator("select[name^=criterion_]").all():
            field.select_option(value)
        journey.submit(juror, "form[action$='/score']")
        journey.flash(juror, "Your scores are saved. You can change them until the jury closes.")
    journey.shot(juror, "jury")

    # -- a member votes -------------------------------------------------------------------------------------
    voter = new_context().new_page()
    journey.sign_in(voter, "voter@banca.example")
    voter.goto(journey.url(f"/awards/categories/{category_id}/vote"))
    voter.select_option(f"select[name=place_{case_id}]", "1")
    voter.select_option(f"select[name=place_{data['rival_case'].id}]", "2")
    journey.shot(voter, "ballot")
    journey.submit(voter, "form.ballot")
    journey.expect_text(voter, journey.t("Change my ballot"))

    # Time passes: the jury and the vote close.
    time_passes(edition_id, "closed")

    # -- the organiser publishes the results; the case wins ---------------------------------------------------
    organiser.goto(journey.url(f"/awards/{edition_id}"))
    journey.submit(organiser, f"form[action='/awards/{edition_id}/publish']")
    journey.flash(organiser, "The results are published.")
    member.goto(journey.url(f"/awards/categories/{category_id}/results"))
    winner = member.locator("section.winner")
    expect(winner).to_contain_text(journey.t("Winner"))
    expect(winner).to_contain_text(CASE_TITLE)
    journey.shot(member, "results")

    # -- a digest cycle runs; the digest's unsubscribe link works -----------------------------------------------
    organiser.goto(journey.url("/digests/admin"))
    organiser.select_option("#frequency", "daily")
    journey.submit(organiser, "form[action='/digests/admin/cycle']")
    period = schedule.period_key("daily", schedule.due_moment("daily", utcnow()))
    expect(organiser.locator(".flashes")).to_contain_text(period)
    journey.shot(organiser, "digest-cycle")
    deliver(app)
    digests = [message for message in live_server.mail_to(NEW_EMAIL) if message["List-Unsubscribe"]]
    assert len(digests) == 1, [str(message["Subject"]) for message in live_server.mail_to(NEW_EMAIL)]
    member.goto(live_server.link_in(digests[0], "/digests/unsubscribe/"))
    journey.shot(member, "unsubscribe")
    journey.submit(member, "main form")
    journey.expect_text(member, journey.t("You are unsubscribed"))
    journey.shot(member, "unsubscribed")
    db.session.commit()  # ends the test's transaction: what the server wrote becomes visible
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.user_id == user_id))
    assert subscriber.frequency == "off"
