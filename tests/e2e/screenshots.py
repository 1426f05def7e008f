"""Screenshots of the main pages at desktop and phone widths, for a person to look at.

    python -m tests.e2e.screenshots [BASE_URL] [OUT_DIR] [NAME,NAME...]

Needs a running site with the demo data (`make run`) and Debian's Chromium; signs in as a demo
member and as an organiser. The optional third argument keeps only the named pages. Not part of the
test run.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.e2e.browser import CHROMIUM_ARGS, WIDTHS

ANONYMOUS_PAGES = {
    "home": "/",
    "login": "/account/login",
    "signup": "/account/signup",
    "404": "/no-such-page",
    "cases": "/cases/",
}
MEMBER_PAGES = {
    "home-member": "/",
    "directory": "/members/",
    "profile": "/members/10",
    "cases-member": "/cases/",
    "case": "/cases/1",
    "search": "/cases/?q=clienti+reclami",
    "case-new": "/cases/new",
    "case-mine": "/cases/mine",
    "following": "/cases/following",
    "notifications": "/cases/notifications",
    "events": "/events/",
    "week": "/events/2",
    "session": "/events/sessions/25",
    "my-sessions": "/events/my",
    "edit-profile": "/members/me/edit",
    "settings": "/account/settings",
    "data": "/members/me/data",
    "awards": "/awards/",
    "award-past": "/awards/1",
    "award-current": "/awards/2",
    "award-category": "/awards/categories/1",
    "award-results": "/awards/categories/1/results",
}
ORGANISER_PAGES = {
    "award-manage": "/awards/categories/1/manage",
    "award-manage-current": "/awards/categories/4/manage",
    "award-audit": "/awards/1/audit",
    "console": "/organiser/",
    "console-members": "/organiser/members",
    "console-member": "/organiser/members/10",
    "console-invitations": "/organiser/invitations",
    "console-comments": "/organiser/comments",
    "console-taxonomy": "/organiser/taxonomy/sector",
    "console-term": "/organiser/taxonomy/competence/1",
    "console-insights": "/organiser/insights",
    "console-insights-functions": "/organiser/insights?dimension=function&months=24",
    "console-silent": "/organiser/insights/silent",
    "console-exports": "/organiser/exports",
    "console-audit": "/organiser/audit",
    "award-edit": "/awards/2/edit",
    "award-category-edit": "/awards/categories/4/edit",
}


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/account/login")
    page.fill("#email", email)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def _shoot(page, base: str, pages: dict, out: Path, label: str, wanted: set[str] | None) -> None:
    for name, path in pages.items():
        if wanted is None or name in wanted:
            page.goto(base + path)
            page.screenshot(path=str(out / f"{name}-{label}.png"), full_page=True)


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "screenshots")
    wanted = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for label, (width, height) in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": height}, locale="it-IT")
            page = context.new_page()
            _shoot(page, base, ANONYMOUS_PAGES, out, label, wanted)
            _sign_in(page, base, "giulia.rinaldi@telconord.example", "club-demo-2026-password")
            _shoot(page, base, MEMBER_PAGES, out, label, wanted)
            filtered = {"directory-filtered": "/members/?q=&sector=&function=&competence=1"}
            _shoot(page, base, filtered, out, label, wanted)
            context.close()
            context = browser.new_context(viewport={"width": width, "height": height}, locale="it-IT")
            page = context.new_page()
            _sign_in(page, base, "paola.marchetti@clubcx.example", "club-demo-2026-password")
            _shoot(page, base, ORGANISER_PAGES, out, label, wanted)
            context.close()
        browser.close()
    print(f"screenshots in {out}/")


if __name__ == "__main__":
    main()
