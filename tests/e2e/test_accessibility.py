"""axe-core on every main page, as a visitor, a member, a juror and an organiser, on the demo data.

A page passes when axe reports no violation of impact "serious" or "critical"; a failure lists
every such violation with the elements concerned. Each page is also saved as screenshots at
desktop and phone widths in the artifacts folder.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.accounts.models import User
from club.awards.models import AwardCategory, AwardEdition, Juror
from club.cases.models import CaseStudy
from club.events.models import EventSession, EventWeek
from club.extensions import db
from tests.e2e.conftest import shoot

DEMO_PASSWORD = "club-demo-2026-password"
MEMBER_EMAIL = "giulia.rinaldi@telconord.example"
ORGANISER_EMAIL = "paola.marchetti@clubcx.example"
BLOCKING = {"serious", "critical"}


def _first(statement):
    value = db.session.scalar(statement.limit(1))
    assert value is not None, f"the demo data has nothing for {statement}"
    return value


def demo_pages() -> dict[str, dict[str, str]]:
    """The main pages, by who looks at them, with ids taken from the demo data."""
    member = _first(select(User).where(User.email == MEMBER_EMAIL))
    other = _first(select(User.id).where(User.role == "member", User.id != member.id).order_by(User.id))
    case = _first(select(CaseStudy.id).where(CaseStudy.status == "published").order_by(CaseStudy.id))
    week = _first(select(EventWeek.id).where(EventWeek.status == "published").order_by(EventWeek.starts_on.desc()))
    talk = _first(select(EventSession.id).where(EventSession.week_id == week).order_by(EventSession.starts_at))
    edition = _first(select(AwardEdition.id).order_by(AwardEdition.id.desc()))
    past_edition = _first(select(AwardEdition.id).order_by(AwardEdition.id))
    category = _first(select(AwardCategory.id).where(AwardCategory.edition_id == edition).order_by(AwardCategory.id))
    past_category = _first(
        select(AwardCategory.id).where(AwardCategory.edition_id == past_edition).order_by(AwardCategory.id)
    )
    jury_category, juror = db.session.execute(
        select(Juror.category_id, Juror.user_id).order_by(Juror.category_id.desc(), Juror.user_id)
    ).first()
    return {
        "anonymous": {
            "home": "/",
            "login": "/account/login",
            "signup": "/account/signup",
            "password-reset": "/account/reset",
            "cases": "/cases/",
            "case": f"/cases/{case}",
            "events": "/events/",
            "week": f"/events/{week}",
            "awards": "/awards/",
            "digest-subscribe": "/digests/subscribe",
        },
        "member": {
            "home-member": "/",
            "cases-member": "/cases/",
            "case-member": f"/cases/{case}",
            "search": "/cases/?q=clienti+reclami",
            "case-new": "/cases/new",
            "case-mine": "/cases/mine",
            "directory": "/members/",
            "profile": f"/members/{other}",
            "profile-edit": "/members/me/edit",
            "settings": "/account/settings",
            "data": "/members/me/data",
            "events-member": "/events/",
            "week-member": f"/events/{week}",
            "session": f"/events/sessions/{talk}",
            "awards-member": "/awards/",
            "edition": f"/awards/{edition}",
            "category": f"/awards/categories/{category}",
            "ballot": f"/awards/categories/{category}/vote",
            "results": f"/awards/categories/{past_category}/results",
            "digest-settings": "/digests/settings",
        },
        f"juror:{db.session.get(User, juror).email}": {
            "jury": f"/awards/categories/{jury_category}/jury",
        },
        "organiser": {
            "console": "/organiser/",
            "console-members": "/organiser/members",
            "console-member": f"/organiser/members/{member.id}",
            "console-taxonomy": "/organiser/taxonomy/sector",
            "console-comments": "/organiser/comments",
            "console-insights": "/organiser/insights",
            "console-audit": "/organiser/audit",
            "moderation": "/cases/moderation",
            "award-manage": f"/awards/categories/{category}/manage",
            "digest-admin": "/digests/admin",
        },
    }


def describe(name: str, path: str, violations: list[dict]) -> str:
    lines = [f"{name} ({path}):"]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:5]:
            lines.append(f"      {' '.join(map(str, node['target']))}: {node['html'][:160]}")
        if len(violation["nodes"]) > 5:
            lines.append(f"      ... and {len(violation['nodes']) - 5} more")
    return "\n".join(lines)


@pytest.fixture
def demo_site(app, runner, live_server):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    return live_server


def test_no_serious_or_critical_violation_on_the_main_pages(demo_site, new_context, artifacts):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    failures = []
    checked = 0
    for who, pages in demo_pages().items():
        db.session.commit()  # nothing of the test's transaction stays open while the browser asks for pages
        page = new_context(bypass_csp=True).new_page()
        if who != "anonymous":
            email = {"member": MEMBER_EMAIL, "organiser": ORGANISER_EMAIL}.get(who, who.partition(":")[2])
            page.goto(demo_site.url + "/account/login")
            page.fill("#email", email)
            page.fill("#password", DEMO_PASSWORD)
            with page.expect_navigation():
                page.click("main form button[type=submit]")
            assert "/account/login" not in page.url, f"{email} could not sign in"
        for name, path in pages.items():
            response = page.goto(demo_site.url + path)
            assert response is not None and response.status < 400, f"{name} ({path}) answered {response.status}"
            violations = [
                violation for violation in axe.run(page).response["violations"] if violation["impact"] in BLOCKING
            ]
            if violations:
                failures.append(describe(name, path, violations))
            shoot(page, artifacts, f"page-{name}")
            checked += 1
        page.context.close()
    assert checked >= 40
    assert not failures, "axe found serious or critical violations:\n" + "\n".join(failures)
