"""The `flask demo` and `flask create-admin` commands, and the demo data they load."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from club.accounts import demo as accounts_demo
from club.accounts.models import Role, User
from club.accounts.passwords import policy_errors, verify_password
from club.core import demo as core_demo
from club.core.models import Competence, Function, Sector
from club.extensions import db
from club.members import demo as members_demo
from club.members.models import Profile, profile_competences
from tests.factories import DEFAULT_PASSWORD, make_member

SIX_COMPETENCES = {
    "customer-journey",
    "customer-experience",
    "omnichannel",
    "artificial-intelligence",
    "people-training-motivation",
    "measurement-voice-of-customer",
}


def _count(what) -> int:
    return db.session.scalar(select(func.count()).select_from(what))


def _row_counts() -> dict[str, int]:
    tables = {
        "users": User,
        "profiles": Profile,
        "sectors": Sector,
        "functions": Function,
        "competences": Competence,
        "profile_competences": profile_competences,
    }
    return {name: _count(table) for name, table in tables.items()}


# -- flask demo ---------------------------------------------------------------------------------------


def test_demo_loads_a_varied_club(runner):
    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert f"Demo logins (password: {accounts_demo.DEMO_PASSWORD}):" in result.output
    for email in [accounts_demo.ADMIN_EMAIL, *accounts_demo.ORGANISER_EMAILS, members_demo.DEMO_MEMBER_EMAIL]:
        assert email in result.output

    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles[Role.ADMIN] == 1
    assert roles[Role.ORGANISER] == 3
    assert roles[Role.MEMBER] >= 60
    users = db.session.scalars(select(User)).all()
    assert all(user.is_verified and user.is_active for user in users)
    assert all(user.email.endswith(".example") for user in users)
    assert all(user.profile is not None for user in users)
    # One hash for everyone (hashed once), and it is the demo password's.
    assert len({user.password_hash for user in users}) == 1
    assert verify_password(users[0].password_hash, accounts_demo.DEMO_PASSWORD)

    assert set(db.session.scalars(select(Competence.slug))) == SIX_COMPETENCES
    assert _count(Sector) >= 10 and _count(Function) >= 7
    members = db.session.scalars(select(Profile).join(User).where(User.role == Role.MEMBER)).all()
    assert len({profile.sector_id for profile in members}) >= 8
    assert len({profile.function_id for profile in members}) >= 6
    assert all(1 <= len(profile.competences) <= 3 for profile in members)
    assert all(profile.organisation and profile.job_title and profile.bio for profile in members)
    assert all(
        len(profile.links) <= 2 and all(link.startswith("https://") for link in profile.links) for profile in members
    )
    assert len({profile.bio for profile in members}) == len(members)
    assert {profile.organisation_visibility for profile in members} == {"public", "members", "private"}
    assert {user.locale for user in users} == {"it", "en"}
    created = [user.created_at for user in users]
    assert max(created) - min(created) > timedelta(days=365)


def test_demo_twice_adds_nothing(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    after_first = _row_counts()

    result = runner.invoke(args=["demo"])

    assert result.exit_code == 0, result.output
    assert _row_counts() == after_first
    assert "0 new accounts" in result.output


def test_demo_keeps_what_was_changed_since(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    organiser = db.session.scalar(select(User).where(User.email == accounts_demo.ORGANISER_EMAILS[0]))
    organiser.display_name = "Renamed"
    organiser.profile.job_title = "Changed"
    db.session.commit()

    assert runner.invoke(args=["demo"]).exit_code == 0

    assert organiser.display_name == "Renamed"
    assert organiser.profile.job_title == "Changed"


def test_demo_if_empty_skips_a_database_with_accounts(runner):
    make_member()

    result = runner.invoke(args=["demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "demo data not loaded" in result.output
    assert _count(User) == 1
    assert _count(Sector) == 0


def test_demo_if_empty_loads_an_empty_database(runner):
    result = runner.invoke(args=["demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert _count(User) >= 64


def test_demo_password_passes_the_policy_for_every_demo_account():
    people = [(accounts_demo.ADMIN_EMAIL, accounts_demo.ADMIN_NAME), *accounts_demo.ORGANISERS]
    people += [(spec.email, spec.display_name) for spec in members_demo.member_specs()]
    for email, name in people:
        assert policy_errors(accounts_demo.DEMO_PASSWORD, email=email, display_name=name) == [], email


def test_member_specs_are_deterministic_and_unique():
    first, second = members_demo.member_specs(), members_demo.member_specs()
    assert first == second
    emails = [spec.email for spec in first]
    assert len(set(emails)) == len(emails)
    assert not set(emails) & {accounts_demo.ADMIN_EMAIL, *accounts_demo.ORGANISER_EMAILS}
    known = {slug for slug, _, _ in core_demo.SECTORS}, {slug for slug, _, _ in core_demo.FUNCTIONS}
    assert all(spec.sector in known[0] and spec.function in known[1] for spec in first)


def test_demo_member_can_log_in(runner, client):
    from tests.helpers import login

    assert runner.invoke(args=["demo"]).exit_code == 0

    login(client, members_demo.DEMO_MEMBER_EMAIL, password=accounts_demo.DEMO_PASSWORD)


# -- flask create-admin ----------------------------------------------------------------------------


def test_create_admin_creates_a_verified_admin(runner):
    result = runner.invoke(
        args=["create-admin", "Boss@Club.example", "--password", DEFAULT_PASSWORD, "--name", "Anna Verdi"]
    )

    assert result.exit_code == 0, result.output
    assert "Created" in result.output
    user = db.session.scalar(select(User).where(User.email == "boss@club.example"))
    assert user.role == Role.ADMIN and user.is_verified and user.display_name == "Anna Verdi"
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_create_admin_asks_for_the_password_of_a_new_account(runner):
    result = runner.invoke(
        args=["create-admin", "boss@club.example"], input=f"{DEFAULT_PASSWORD}\n{DEFAULT_PASSWORD}\n"
    )

    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "boss@club.example"))
    assert user.role == Role.ADMIN
    assert verify_password(user.password_hash, DEFAULT_PASSWORD)


def test_create_admin_promotes_an_existing_member(runner):
    member = make_member(email="carla@club.example")
    old_hash = member.password_hash

    result = runner.invoke(args=["create-admin", "carla@club.example"])

    assert result.exit_code == 0, result.output
    assert "Promoted" in result.output
    assert member.role == Role.ADMIN
    assert member.password_hash == old_hash
    assert _count(User) == 1


def test_create_admin_refuses_a_weak_password(runner):
    result = runner.invoke(args=["create-admin", "boss@club.example", "--password", "password2024"])

    assert result.exit_code == 1
    assert "too common" in result.stderr
    assert _count(User) == 0


def test_create_admin_refuses_something_that_is_not_an_address(runner):
    result = runner.invoke(args=["create-admin", "not-an-address", "--password", DEFAULT_PASSWORD])

    assert result.exit_code == 1
    assert _count(User) == 0
