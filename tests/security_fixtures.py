"""A whole small club for the security tests: every route of the app resolves to a real row.

    world = build_world()                      # committed; needs the `app` fixture's context
    client = world.client(app, "organiser")    # signed in (a new client; "anonymous" is not signed in)
    for call in world.calls():                 # every route, with the requests that exercise it
        ...
    before = fingerprint()                     # every row of every table, to prove a request changed nothing

The people: the five roles the access tests speak of (anonymous has no user), plus the others the
world needs: `other` writes the cases the roles read, `newbie` has not verified the address yet,
`token_user` owns the password-reset and email-change links, and a few members are there only to
be promoted, suspended or reactivated.

calls() says how to reach each endpoint (URL with real ids, form data) and, for a POST, which role
is meant to do it (`actor`) and what that role gets (`done`). What every role gets is the policy;
it lives in tests/test_security_access_matrix.py. Each action that destroys or moves something has
a target of its own, so one role can run every call in a row on one world.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

from sqlalchemy import select

from club.accounts import tokens
from club.accounts.services import CHANGE_EMAIL, RESET, VERIFY
from club.awards import services as award_services
from club.awards.models import AwardCategory
from club.cases import services as case_services
from club.cases.models import CaseStudy
from club.core import images
from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.digests import services as digest_services
from club.digests.models import DigestRun
from club.events import services as event_services
from club.extensions import db
from club.members import services as member_services
from tests.award_factories import (
    add_jurors,
    category_form_data,
    edition_form_data,
    enter,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    publish,
    score,
    vote,
)
from tests.case_factories import case_form_data, image_bytes, make_case, make_comment, pdf_bytes
from tests.digest_factories import make_subscriber, member_subscriber
from tests.event_factories import make_session, make_week, seat, session_form_data, week_form_data
from tests.factories import (
    DEFAULT_PASSWORD,
    make_admin,
    make_competence,
    make_function,
    make_member,
    make_organiser,
    make_sector,
)
from tests.helpers import login, url
from tests.organiser_factories import hide, make_invitation, report, seen_today

ROLES = ("anonymous", "member", "juror", "organiser", "admin")
SIGNED_IN = ROLES[1:]
NEW_PASSWORD = "a brand new passphrase for the club"  # what accounts.change_password sets
EN = {"Accept-Language": "en"}


@dataclass(frozen=True)
class Call:
    """One request: method, path, form data (a dict, or a function making one: file uploads are read once).

    For a POST, `actor` is the role meant to do it and `done` what that role gets back.
    `fresh` asks for a newly signed-in client (the call ends the session it runs in).
    """

    method: str
    path: str
    data: dict | Callable[[], dict] | None = None
    actor: str | None = None
    done: int | None = None
    fresh: bool = False
    label: str = ""

    def form(self) -> dict:
        data = self.data() if callable(self.data) else self.data
        return dict(data or {})


def send(client, call: Call):
    if call.method == "GET":
        return client.get(call.path, headers=EN)
    return client.post(call.path, data=call.form(), headers=EN, content_type="multipart/form-data")


def fingerprint() -> str:
    """A digest of every row of every table: equal before and after means the request wrote nothing."""
    db.session.commit()
    db.session.expire_all()
    digest = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        columns = list(table.primary_key.columns) or list(table.columns)
        for row in db.session.execute(select(table).order_by(*columns)):
            digest.update(repr((table.name, tuple(row))).encode())
    return digest.hexdigest()


def table_counts() -> dict[str, int]:
    """The row count of every table (for a readable message when a fingerprint differs)."""
    from sqlalchemy import func

    db.session.commit()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def _small_image() -> bytes:
    # Small: the image pipeline's cost is not what these tests measure.
    return image_bytes(size=(120, 80))


def _upload(name: str, data: bytes, field_name: str) -> Callable[[], dict]:
    return lambda: {field_name: (io.BytesIO(data), name)}


@dataclass
class World:
    users: dict = field(default_factory=dict)
    v: SimpleNamespace = field(default_factory=SimpleNamespace)

    def client(self, app, role: str):
        client = app.test_client()
        if role != "anonymous":
            seen_today(self.users[role])
            login(client, self.users[role])
        return client

    def user(self, role: str):
        return None if role == "anonymous" else self.users[role]

    # -- every route -------------------------------------------------------------------------------

    def calls(self) -> dict[str, list[Call]]:
        """Every endpoint of the app, with the requests that exercise it (GETs, then POSTs, in order)."""
        v = self.v
        routes: dict[str, list[Call]] = {}

        def get(endpoint: str, label: str = "", **values) -> None:
            routes.setdefault(endpoint, []).append(Call("GET", url(endpoint, **values), label=label))

        def post(endpoint: str, data=None, *, actor: str, done: int, fresh: bool = False, label: str = "", **values):
            routes.setdefault(endpoint, []).append(
                Call("POST", url(endpoint, **values), data, actor, done, fresh, label)
            )

        # core
        get("core.home")
        get("core.healthz")
        get("core.mailbox")
        get("core.mailbox_message", name="20260101T000000-0123abcd.eml")
        get("static", filename="css/club.css")
        post("core.set_language", {"language": "en", "next": "/"}, actor="anonymous", done=302)
        get("core.choose_language", code="en", next="/")

        # accounts
        get("accounts.signup")
        get("accounts.login")
        get("accounts.resend_verification")
        get("accounts.reset_request")
        get("accounts.settings")
        get("accounts.verify_email", token=v.verify_token)
        get("accounts.reset_password", token=v.reset_token)
        get("accounts.confirm_email_change", token=v.email_token)
        password_pair = {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}
        post(
            "accounts.signup",
            {"email": "nuovo.socio@example.org", "display_name": "Nuovo Socio", **password_pair},
            actor="anonymous",
            done=200,
        )
        post("accounts.login", {"email": v.other_email, "password": DEFAULT_PASSWORD}, actor="anonymous", done=302)
        post("accounts.verify_email", {}, actor="anonymous", done=302, token=v.verify_token)
        post("accounts.resend_verification", {"email": v.newbie_email}, actor="anonymous", done=200)
        post("accounts.reset_request", {"email": v.other_email}, actor="anonymous", done=200)
        post("accounts.reset_password", password_pair, actor="anonymous", done=302, fresh=True, token=v.reset_token)
        post("accounts.confirm_email_change", {}, actor="anonymous", done=302, token=v.email_token)
        post(
            "accounts.change_email",
            {"new_email": "altro.indirizzo@example.org", "current_password": DEFAULT_PASSWORD},
            actor="member",
            done=302,
        )
        reason = {"reason": "Una ragione sufficiente"}
        post("accounts.suspend", reason, actor="organiser", done=302, user_id=v.acc_to_suspend)
        post("accounts.reactivate", reason, actor="organiser", done=302, user_id=v.acc_suspended)

        # members
        get("members.directory")
        get("members.profile", label="a member", user_id=v.other)
        get("members.profile", label="unverified", user_id=v.newbie)
        get("members.edit_profile")
        get("members.my_data")
        get("members.avatar", name=v.avatar)
        profile = {
            "display_name": "Nome Cambiato",
            "locale": "it",
            "organisation": "Banca",
            "job_title": "",
            "sector": "",
            "function": "",
            "bio": "",
            "links": "",
            **{f"{name}_visibility": "members" for name in ("organisation", "job_title", "bio", "links", "email")},
        }
        post("members.save_profile", profile, actor="member", done=302)
        post("members.upload_avatar", _upload("me.png", _small_image(), "avatar"), actor="member", done=302)
        post("members.remove_avatar", {}, actor="member", done=302)
        post("members.export_data", {"export-password": DEFAULT_PASSWORD}, actor="member", done=200)

        # cases: reading
        get("cases.index")
        get("cases.mine")
        get("cases.bookmarks")
        get("cases.moderation")
        get("cases.detail", label="public", case_id=v.public_case)
        get("cases.detail", label="members-only", case_id=v.members_case)
        get("cases.detail", label="another's draft", case_id=v.other_draft)
        get("cases.detail", label="own draft", case_id=v.own_draft)
        get("cases.history", label="another's case", case_id=v.public_case)
        get("cases.history", label="own draft", case_id=v.own_draft)
        get("cases.new")
        get("cases.edit", label="own draft", case_id=v.own_draft)
        get("cases.edit", label="another's draft", case_id=v.other_draft)
        get("cases.edit", label="another's published case", case_id=v.public_case)
        get("cases.cover", label="public", name=v.public_cover)
        get("cases.cover", label="members-only", name=v.members_cover)
        get("cases.attachment", label="public", case_id=v.public_case, attachment_id=v.public_attachment)
        get("cases.attachment", label="another's draft", case_id=v.other_draft, attachment_id=v.draft_attachment)
        get("cases.edit_comment", label="own comment", comment_id=v.own_comment)
        get("cases.edit_comment", label="another's comment", comment_id=v.other_comment)
        get("cases.following")
        get("cases.notifications")
        get("cases.feed")
        get("cases.sector_feed", slug=v.sector_slug)
        get("cases.competence_feed", slug=v.competence_slug)
        get("cases.feed_list")

        # cases: acting (authors on their own drafts; organisers on anything)
        post("cases.new", lambda: case_form_data(v.sector_obj, [v.function_obj]), actor="member", done=302)
        post(
            "cases.update",
            lambda: case_form_data(v.sector_obj, [v.function_obj]),
            actor="member",
            done=302,
            case_id=v.own_draft,
        )
        post(
            "cases.update",
            lambda: case_form_data(v.sector_obj, [v.function_obj], title="Cambiato da chi non può"),
            label="another's draft",
            actor="organiser",
            done=302,
            case_id=v.other_draft,
        )
        post(
            "cases.upload_cover",
            _upload("c.png", _small_image(), "cover"),
            actor="member",
            done=302,
            case_id=v.own_draft,
        )
        post("cases.remove_cover", {}, actor="member", done=302, case_id=v.own_covered)
        post(
            "cases.upload_attachment",
            _upload("a.pdf", pdf_bytes(), "file"),
            actor="member",
            done=302,
            case_id=v.own_draft,
        )
        post(
            "cases.remove_attachment",
            {},
            actor="member",
            done=302,
            case_id=v.own_covered,
            attachment_id=v.own_attachment,
        )
        post(
            "cases.transition",
            {},
            label="submit own draft",
            actor="member",
            done=302,
            case_id=v.own_to_submit,
            action="submit",
        )
        post(
            "cases.transition",
            {"comment": "Bene"},
            label="publish a submitted case",
            actor="organiser",
            done=302,
            case_id=v.submitted_case,
            action="publish",
        )
        post("cases.delete", {}, label="own draft", actor="member", done=302, case_id=v.own_deletable)
        post("cases.delete", {}, label="another's draft", actor="organiser", done=302, case_id=v.other_deletable)
        post("cases.add_comment", {"body": "Un commento nuovo."}, actor="member", done=302, case_id=v.public_case)
        post("cases.edit_comment", {"body": "Corretto."}, actor="member", done=302, comment_id=v.own_comment)
        post("cases.delete_comment", {}, actor="member", done=302, comment_id=v.own_deletable_comment)
        post("cases.hide_comment", {"reason": "Fuori tema"}, actor="organiser", done=302, comment_id=v.other_comment)
        post("cases.unhide_comment", {}, actor="organiser", done=302, comment_id=v.hidden_comment)
        post("cases.report_comment", {"reason": "spam"}, actor="member", done=302, comment_id=v.reportable_comment)
        post("cases.dismiss_reports", {}, actor="organiser", done=302, comment_id=v.reported_comment)
        post("cases.useful", {"on": "1"}, actor="member", done=302, case_id=v.public_case)
        post("cases.bookmark", {"on": "1"}, actor="member", done=302, case_id=v.public_case)
        post("cases.save_following", {"sectors": [str(v.sector)]}, actor="member", done=302)
        post("cases.read_notifications", {}, actor="member", done=302)

        # events
        get("events.index")
        get("events.week", label="published", week_id=v.week)
        get("events.week", label="draft", week_id=v.draft_week)
        get("events.week_calendar", week_id=v.week)
        get("events.cover", name=v.week_cover)
        get("events.session_detail", label="published", session_id=v.session)
        get("events.session_detail", label="in a draft week", session_id=v.draft_session)
        get("events.session_calendar", session_id=v.session)
        get("events.my_sessions")
        get("events.personal_calendar", token=v.calendar_token)
        get("events.new_week")
        get("events.edit_week", week_id=v.week)
        get("events.new_session", week_id=v.week)
        get("events.edit_session", session_id=v.session)
        get("events.attendees", session_id=v.session)
        get("events.attendees_csv", session_id=v.session)
        get("events.feedback", week_id=v.past_week)
        post("events.register", {}, actor="member", done=302, session_id=v.session)
        post("events.cancel", {}, actor="member", done=302, session_id=v.seated_session)
        post("events.rate", {"rating": "4", "comment": ""}, actor="member", done=302, session_id=v.past_session)
        post("events.reset_calendar_token", {}, actor="member", done=302)
        post("events.new_week", week_form_data(), actor="organiser", done=302)
        post(
            "events.edit_week",
            week_form_data(title="Settimana rinominata"),
            actor="organiser",
            done=302,
            week_id=v.edit_week,
        )
        post(
            "events.upload_week_cover",
            _upload("w.png", _small_image(), "cover"),
            actor="organiser",
            done=302,
            week_id=v.week,
        )
        post(
            "events.new_session",
            session_form_data(v.week_obj, 1, room="Sala Nuova"),
            actor="organiser",
            done=302,
            week_id=v.week,
        )
        post(
            "events.edit_session",
            session_form_data(v.week_obj, 2, room="Sala Spostata"),
            actor="organiser",
            done=302,
            session_id=v.editable_session,
        )
        post("events.delete_session", {}, actor="organiser", done=302, session_id=v.doomed_session)

        # awards: reading
        get("awards.index")
        get("awards.edition", label="nominations open", edition_id=v.ed_nom)
        get("awards.edition", label="unpublished", edition_id=v.ed_hidden)
        get("awards.category", category_id=v.cat_jv)
        get("awards.ballot", category_id=v.cat_jv)
        get("awards.receipt", edition_id=v.ed_pub)
        get("awards.jury", category_id=v.cat_jv)
        get("awards.score", nomination_id=v.finalist_jv)
        get("awards.results", label="published", category_id=v.cat_pub)
        get("awards.results", label="not yet published", category_id=v.cat_jv)
        get("awards.ballots_csv", category_id=v.cat_pub)
        get("awards.scores_csv", category_id=v.cat_pub)
        get("awards.certificate", category_id=v.cat_pub, case_id=v.award_case)
        get("awards.new_edition")
        get("awards.edit_edition", edition_id=v.ed_nom)
        get("awards.new_category", edition_id=v.ed_nom)
        get("awards.edit_category", category_id=v.cat_nom)
        get("awards.manage", category_id=v.cat_nom)
        get("awards.audit_log", edition_id=v.ed_pub)

        # awards: acting
        post(
            "awards.nominate",
            {"category_id": str(v.cat_nom), "case": str(v.members_case)},
            actor="member",
            done=302,
            edition_id=v.ed_nom,
        )
        post("awards.accept", {}, actor="member", done=302, nomination_id=v.proposal_to_accept)
        post("awards.decline", {}, actor="member", done=302, nomination_id=v.proposal_to_decline)
        post("awards.withdraw", {}, actor="member", done=302, nomination_id=v.entry_to_withdraw)
        post(
            "awards.cast",
            {f"place_{v.finalist_case_a}": "1", f"place_{v.finalist_case_b}": "2"},
            actor="member",
            done=302,
            category_id=v.cat_jv,
        )
        post(
            "awards.save_score",
            {**{f"criterion_{c}": "7" for c in v.criteria_jv}, "comment": ""},
            actor="juror",
            done=302,
            nomination_id=v.finalist_jv,
        )
        post(
            "awards.conflict",
            {"reason": "Lavoro con gli autori"},
            actor="juror",
            done=302,
            nomination_id=v.finalist_jv_b,
        )
        post("awards.new_edition", edition_form_data(v.week_obj), actor="organiser", done=302)
        post(
            "awards.edit_edition",
            edition_form_data(v.week_obj, "selection", title="Premio rinominato"),
            actor="organiser",
            done=302,
            edition_id=v.ed_edit,
        )
        post("awards.new_category", category_form_data(), actor="organiser", done=302, edition_id=v.ed_nom)
        post(
            "awards.edit_category",
            category_form_data(name="Categoria rinominata"),
            actor="organiser",
            done=302,
            category_id=v.cat_edit,
        )
        post(
            "awards.eligibility",
            {"decision": "ineligible", "note": "Fuori periodo"},
            actor="organiser",
            done=302,
            nomination_id=v.entry_to_check,
        )
        post(
            "awards.choose_finalists",
            {"finalists": [str(v.entry_to_choose)]},
            actor="organiser",
            done=302,
            category_id=v.cat_sel,
        )
        post("awards.set_jurors", {"emails": v.other_email}, actor="organiser", done=302, category_id=v.cat_nom)
        post("awards.publish", {}, actor="organiser", done=302, edition_id=v.ed_closed)

        # digests
        get("digests.settings")
        get("digests.subscribe")
        get("digests.confirm", token=v.confirm_token)
        get("digests.unsubscribe", token=v.unsubscribe_token)
        get("digests.view", token=v.view_token)
        get("digests.admin")
        get("digests.subscriber_log", subscriber_id=v.reader)
        get("digests.preview", subscriber_id=v.reader)
        post("digests.settings", {"frequency": "monthly", "locale": "en"}, actor="member", done=302)
        post(
            "digests.subscribe",
            {"email": "lettrice@example.org", "frequency": "weekly", "locale": "it"},
            actor="anonymous",
            done=200,
        )
        post("digests.confirm", {}, actor="anonymous", done=200, token=v.confirm_token)
        post("digests.unsubscribe_now", {}, actor="anonymous", done=200, token=v.unsubscribe_token)
        post("digests.resubscribe", {}, actor="anonymous", done=200, token=v.resubscribe_token)
        post("digests.start_cycle", {"frequency": "monthly"}, actor="organiser", done=302)

        # organiser console
        get("organiser.dashboard")
        get("organiser.comments")
        get("organiser.members")
        get("organiser.member", user_id=v.other)
        get("organiser.invitations")
        get("organiser.join", token=v.join_token)
        get("organiser.taxonomy_index")
        get("organiser.terms", kind="sector")
        get("organiser.term", kind="sector", term_id=v.sector)
        get("organiser.insights")
        get("organiser.silent_members")
        get("organiser.exports_page")
        get("organiser.export", name="members")
        get("organiser.audit_log")
        post("organiser.change_role", {"role": "organiser"}, actor="organiser", done=302, user_id=v.promotable)
        post("organiser.suspend", reason, actor="organiser", done=302, user_id=v.org_to_suspend)
        post("organiser.reactivate", reason, actor="organiser", done=302, user_id=v.org_suspended)
        post(
            "organiser.invite",
            {
                "email": "invitata.nuova@example.org",
                "role": "member",
                "locale": "it",
                "display_name": "",
                "message": "",
            },
            actor="organiser",
            done=302,
        )
        post("organiser.revoke_invitation", {}, actor="organiser", done=302, invitation_id=v.revocable_invitation)
        post(
            "organiser.add_term",
            {"name_it": "Farmaceutico", "name_en": "Pharma"},
            actor="organiser",
            done=302,
            kind="sector",
        )
        post(
            "organiser.rename_term",
            {"name_it": "Banche e credito", "name_en": "Banks and credit"},
            actor="organiser",
            done=302,
            kind="sector",
            term_id=v.renamable_term,
        )
        post("organiser.retire_term", {}, actor="organiser", done=302, kind="sector", term_id=v.retirable_term)
        post("organiser.restore_term", {}, actor="organiser", done=302, kind="sector", term_id=v.retired_term)
        post(
            "organiser.merge_term",
            {"target": str(v.merge_target), "confirm": "y"},
            actor="organiser",
            done=302,
            kind="sector",
            term_id=v.merge_source,
        )
        post(
            "organiser.join",
            {"display_name": "Invitata", **password_pair},
            actor="anonymous",
            done=302,
            token=v.join_token,
        )

        # Last: the calls that end the session or the account they run in.
        post("accounts.logout", {}, actor="member", done=302, fresh=True)
        post(
            "accounts.change_password",
            {"current_password": DEFAULT_PASSWORD, **password_pair},
            actor="member",
            done=302,
        )
        post("members.delete_account", {"delete-password": NEW_PASSWORD}, actor="member", done=302)
        return routes


# -- building it -------------------------------------------------------------------------------------


def _set_cover(case: CaseStudy, editor) -> str:
    case_services.set_cover(case, editor, io.BytesIO(_small_image()))
    db.session.commit()
    return case.cover_filename


def _attach(case: CaseStudy, editor) -> int:
    attachment = case_services.add_attachment(case, editor, io.BytesIO(pdf_bytes()), "scheda.pdf")
    db.session.commit()
    return attachment.id


def _digest_view_token(subscriber) -> str:
    """A sent digest (its run and its outbox message), and the token of its "view in the browser" link."""
    now = utcnow()
    key = f"digest:{subscriber.id}:weekly:2031-W01"
    db.session.add(
        OutboxMessage(
            key=key,
            kind="digest",
            recipient=subscriber.email,
            subject="Il digest",
            text_body="Testo",
            html_body="<p>Il digest</p>",
            status="sent",
            sent_at=now,
        )
    )
    run = DigestRun(
        subscriber_id=subscriber.id,
        frequency="weekly",
        period_key="2031-W01",
        period_start=now - timedelta(days=7),
        period_end=now,
        status="queued",
        outbox_key=key,
        case_count=1,
    )
    db.session.add(run)
    db.session.commit()
    return digest_services.view_token(run)


def build_world() -> World:
    world = World()
    v = world.v
    # -- people
    sector = make_sector("banche")
    function = make_function("customer-care")
    competence = make_competence("ascolto")
    member = make_member("mario.membro@example.com", "Mario Membro", sector=sector, organisation="Banca Uno")
    juror = make_member("giulia.giurata@example.com", "Giulia Giurata", sector=sector)
    organiser = make_organiser("olga.organizzatrice@example.com", "Olga Organizzatrice")
    admin = make_admin("ada.admin@example.com", "Ada Admin")
    other = make_member("ottavio.altro@example.com", "Ottavio Altro", sector=sector, organisation="Telco Due")
    newbie = make_member("nina.nuova@example.com", "Nina Nuova", verified=False)
    token_user = make_member("tito.token@example.com", "Tito Token")
    world.users = {"member": member, "juror": juror, "organiser": organiser, "admin": admin}
    for user in world.users.values():
        seen_today(user)
    v.other, v.newbie = other.id, newbie.id
    v.other_email, v.newbie_email = other.email, newbie.email
    v.sector, v.sector_slug, v.competence_slug, v.sector_obj = sector.id, sector.slug, competence.slug, sector
    v.function_obj = function
    v.promotable = make_member(display_name="Piero Promosso").id
    v.org_to_suspend = make_member(display_name="Sara Sospendibile").id
    v.org_suspended = make_member(display_name="Rita Sospesa", suspended=True).id
    v.acc_to_suspend = make_member(display_name="Sandro Sospendibile").id
    v.acc_suspended = make_member(display_name="Renato Sospeso", suspended=True).id
    member_services.set_avatar(member, io.BytesIO(_small_image()), 5 * 1024 * 1024)
    db.session.commit()
    v.avatar = member.profile.avatar_filename

    # -- account links
    v.verify_token = tokens.make_token(VERIFY, {"u": newbie.id, "e": newbie.email})
    v.reset_token = tokens.make_token(RESET, {"u": token_user.id, "h": tokens.fingerprint(token_user.password_hash)})
    v.email_token = tokens.make_token(
        CHANGE_EMAIL, {"u": token_user.id, "old": token_user.email, "new": "tito.nuovo@example.com"}
    )

    # -- cases
    public_case = make_case(other, title="Ascoltare i clienti in filiale", sector=sector, competences=[competence])
    members_case = make_case(other, visibility="members", title="Solo per i soci", sector=sector)
    other_draft = make_case(other, "draft", title="La bozza di un altro", sector=sector)
    own_draft = make_case(member, "draft", title="La mia bozza", sector=sector)
    own_covered = make_case(member, "draft", title="La mia bozza con copertina", sector=sector)
    v.public_case, v.members_case, v.other_draft, v.own_draft = (
        public_case.id,
        members_case.id,
        other_draft.id,
        own_draft.id,
    )
    v.own_covered = own_covered.id
    v.own_to_submit = make_case(member, "draft", title="Da inviare", sector=sector).id
    v.own_deletable = make_case(member, "draft", title="Da cancellare", sector=sector).id
    v.other_deletable = make_case(other, "draft", title="Da cancellare, di un altro", sector=sector).id
    v.submitted_case = make_case(other, "submitted", title="In attesa di lettura", sector=sector).id
    v.public_cover = _set_cover(public_case, other)
    v.members_cover = _set_cover(members_case, other)
    _set_cover(own_covered, member)
    v.public_attachment = _attach(public_case, other)
    v.draft_attachment = _attach(other_draft, other)
    v.own_attachment = _attach(own_covered, member)
    # A comment written now by each signed-in role, so each may edit "their own" within the 15 minutes:
    # own_comment is the member's.
    v.own_comment = make_comment(public_case, member, "Il mio commento.").id
    v.own_deletable_comment = make_comment(public_case, member, "Un commento da cancellare.").id
    v.other_comment = make_comment(public_case, other, "Il commento di un altro.").id
    v.reportable_comment = make_comment(public_case, other, "Un commento da segnalare.").id
    reported = make_comment(public_case, other, "Un commento già segnalato.")
    report(reported, token_user, "spam")
    v.reported_comment = reported.id
    hidden = make_comment(public_case, other, "Un commento nascosto.")
    hide(hidden, organiser)
    v.hidden_comment = hidden.id

    # -- events
    week = make_week("Settimana della relazione", actor=organiser)
    v.week, v.week_obj = week.id, week
    v.edit_week = make_week("Settimana da modificare").id
    draft_week = make_week("Settimana in bozza", status="draft")
    v.draft_week = draft_week.id
    v.draft_session = make_session(draft_week, title="Sessione in bozza").id
    v.session = make_session(week, 0, capacity=50, title="Il cliente al centro", speakers=[other]).id
    seated = make_session(week, 0, "12:00", "13:00", title="Con posti prenotati")
    seat(seated, *world.users.values())
    v.seated_session = seated.id
    v.editable_session = make_session(week, 1, title="Da spostare").id
    v.doomed_session = make_session(week, 1, "15:00", "16:00", title="Da cancellare").id
    past_week = make_week("Settimana passata", starts_on=-2, days=3)
    past_session = make_session(past_week, 0, "09:00", "10:00", title="Già tenuta")
    seat(past_session, *world.users.values())
    v.past_week, v.past_session = past_week.id, past_session.id
    event_services.set_week_cover(week, images.process(io.BytesIO(_small_image()), 5 * 1024 * 1024, (1200, 630)), None)
    db.session.commit()
    v.week_cover = week.cover_filename
    v.calendar_token = event_services.reset_calendar_token(member).token
    db.session.commit()

    # -- awards: nominations open
    ed_nom = make_edition("nominations", actor=organiser, title="Premio aperto")
    cat_nom = make_category(ed_nom, "Ascolto", actor=organiser)
    v.ed_nom, v.cat_nom = ed_nom.id, cat_nom.id
    v.cat_edit = make_category(ed_nom, "Da rinominare", actor=organiser).id
    # Nominations closed, finalists not chosen yet: the organisers choose them now.
    ed_sel = make_edition("selection", actor=organiser, title="Premio in selezione")
    cat_sel = make_category(ed_sel, "Selezione", actor=organiser)
    v.ed_edit, v.cat_sel = ed_sel.id, cat_sel.id
    v.entry_to_choose = enter(cat_sel, make_case(other, title="Un caso da scegliere", sector=sector)).id
    v.ed_hidden = make_edition("nominations", actor=organiser, title="Premio nascosto", published=False).id
    mine_a = make_case(member, title="Il mio caso A", sector=sector)
    mine_b = make_case(member, title="Il mio caso B", sector=sector)
    mine_c = make_case(member, title="Il mio caso C", sector=sector)
    v.proposal_to_accept = award_services.nominate(cat_nom, mine_a, other).id
    v.proposal_to_decline = award_services.nominate(cat_nom, mine_b, other).id
    db.session.commit()
    v.entry_to_withdraw = enter(cat_nom, mine_c).id
    v.entry_to_check = enter(cat_nom, public_case, eligible=False).id

    # -- awards: jury and vote open, the juror on the jury
    ed_jv = make_edition("judging_voting", actor=organiser, title="Premio in giuria")
    cat_jv = make_category(ed_jv, "Innovazione", actor=organiser)
    finalist_b_case = make_case(other, title="Un altro finalista", sector=sector)
    fin_a, fin_b = make_finalists(cat_jv, public_case, finalist_b_case)
    add_jurors(cat_jv, juror)
    v.cat_jv, v.finalist_jv, v.finalist_jv_b = cat_jv.id, fin_a.id, fin_b.id
    v.finalist_case_a, v.finalist_case_b = public_case.id, finalist_b_case.id
    v.criteria_jv = [criterion.id for criterion in db.session.get(AwardCategory, cat_jv.id).criteria]

    # -- awards: results published (the member wrote a finalist: their certificate)
    ed_pub = make_edition("judging_voting", actor=organiser, title="Premio concluso")
    cat_pub = make_category(ed_pub, "Relazione", actor=organiser)
    award_case = make_case(member, title="Il mio caso premiato", sector=sector)
    rival = make_case(other, title="Il caso rivale", sector=sector)
    pub_a, pub_b = make_finalists(cat_pub, award_case, rival)
    scorer = make_member(display_name="Giurato Passato")
    add_jurors(cat_pub, scorer)
    score(pub_a, scorer, 8, 8, 8)
    score(pub_b, scorer, 6, 6, 6)
    v.receipt = vote(cat_pub, other, award_case)
    move_to(ed_pub, "closed")
    publish(ed_pub, organiser)
    v.ed_pub, v.cat_pub, v.award_case = ed_pub.id, cat_pub.id, award_case.id

    # -- awards: closed, waiting for publication
    ed_closed = make_edition("judging_voting", actor=organiser, title="Premio da pubblicare")
    cat_closed = make_category(ed_closed, "Recupero", actor=organiser)
    make_finalists(cat_closed, make_case(other, title="Un finalista da pubblicare", sector=sector))
    move_to(ed_closed, "closed")
    v.ed_closed = ed_closed.id

    # -- digests
    member_subscriber(member)
    pending = make_subscriber("in.attesa@example.org", confirmed=False)
    reader = make_subscriber("lettore@example.org")
    leaver = make_subscriber("ex.lettore@example.org", frequency="off")
    v.reader = reader.id
    v.confirm_token = digest_services.confirm_token(pending)
    v.unsubscribe_token = digest_services.subscriber_token(reader, "unsubscribe")
    v.resubscribe_token = digest_services.subscriber_token(leaver, "unsubscribe")
    v.view_token = _digest_view_token(reader)

    # -- organiser console
    _invitation, v.join_token = make_invitation(organiser, "invitata@example.org")
    v.revocable_invitation = make_invitation(organiser, "da.revocare@example.org")[0].id
    v.renamable_term = make_sector("telco").id
    v.retirable_term = make_sector("utility").id
    v.retired_term = make_sector("vecchio", retired=True).id
    v.merge_source = make_sector("energia").id
    v.merge_target = make_sector("gas-e-luce").id
    db.session.commit()
    return world
