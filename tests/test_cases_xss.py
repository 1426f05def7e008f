"""A corpus of XSS payloads, put in every text field of the cases domain, stays inert everywhere it shows.

Each payload goes, through the real forms, into a case's title, summary, body, organisation, metric
name and unit, the moderation comment, two comments (one hidden with the payload as its reason),
and the co-author line; the commenter's display name carries one too. Then every page and feed
that shows them is parsed, and nothing that would run may be there.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import feedparser
import pytest
from sqlalchemy import select, update

from club.cases import search, services
from club.cases.models import CaseStudy, Comment
from club.core.timeutil import utcnow
from club.extensions import db
from tests.case_factories import make_case
from tests.factories import make_competence, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '"><svg/onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<<script>script>alert(1)<</script>/script>",
    "javascript:alert(1)",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java\tscript:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    '<a href="javascript:alert(1)">x</a>',
    "<a href='&#106;avascript:alert(1)'>x</a>",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>">',
    '<object data="data:text/html,x"></object>',
    '<embed src="data:text/html,x">',
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width:expression(alert(1))">x</p>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>x</button></form>',
    "<!--<script>alert(1)//-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "]]></title><script>alert(1)</script>",
    "{{ 7*7 }}{% raw %}",
    "\u202e<script>alert(1)</script>",
]

# Short ones for the 20-character unit field.
SHORT_PAYLOADS = [
    '"><svg/onload=a>',
    "<script>x",
    "<img/src/onerror=a>",
    "javascript:x()",
    "<iframe>",
    "' onmouseover='a",
]

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
    "srcset",
    "cite",
    "longdesc",
    "ping",
    "manifest",
    "codebase",
    "classid",
    "archive",
    "usemap",
    "srcdoc",
}
FORBIDDEN_TAGS = {
    "iframe",
    "svg",
    "object",
    "embed",
    "math",
    "base",
    "style",
    "frame",
    "frameset",
    "applet",
    "noscript",
    "template",
    "portal",
}
CARD_TITLE = re.compile(r'class="case-card__title"><a href="/cases/(\d+)">([^<]*)</a>')
SITE_ICON_ATTRIBUTES = {
    "class": "icon",
    "viewbox": "0 0 24 24",
    "width": "16",
    "height": "16",
    "aria-hidden": "true",
    "focusable": "false",
    "fill": "none",
    "stroke": "currentColor",
    "stroke-width": "2",
    "stroke-linecap": "round",
    "stroke-linejoin": "round",
}
# Declarations with plain values only: no parentheses, so no url(), expression() or any other function.
_PLAIN_STYLE = re.compile(r"[a-z0-9:;#%.,\- ]*", re.IGNORECASE)
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")


class InertChecker(HTMLParser):
    """Collects whatever in a page could run: elements, event handlers, script URLs, styles.

    email=True for messages: their templates style elements inline (mail clients ignore style sheets),
    so plain style attributes are allowed there, but nothing that loads or runs (url(), expression()).
    """

    def __init__(self, email: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.email = email
        self.problems: list[str] = []
        self.in_head = False
        self.in_script = False
        self.in_icon = False

    def handle_starttag(self, tag, attrs):
        if self.in_icon:
            self._check_icon_part(tag, attrs)
            return
        if tag == "svg" and self._is_site_icon(attrs):
            self.in_icon = True
            return
        self._check(tag, attrs)
        if tag == "head":
            self.in_head = True
        if tag == "script":
            self.in_script = True

    def handle_startendtag(self, tag, attrs):
        if self.in_icon:
            self._check_icon_part(tag, attrs)
            return
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "svg" and self.in_icon:
            self.in_icon = False
        if tag == "head":
            self.in_head = False
        if tag == "script":
            self.in_script = False

    @staticmethod
    def _is_site_icon(attrs) -> bool:
        """The site's own decorative icons (templates/_macros/icons.html), exactly as the macro writes them."""
        return dict(attrs) == SITE_ICON_ATTRIBUTES

    def _check_icon_part(self, tag, attrs):
        if tag != "path" or {name for name, _value in attrs} != {"d"}:
            self.problems.append(f"unexpected <{tag} {attrs}> inside an icon")

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data[:80]!r}")

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        if tag == "script" and not (attributes.get("src") or "").startswith("/static/"):
            self.problems.append(f"<script> not from /static/: {attrs}")
        if tag in ("meta", "link", "title") and not self.in_head:
            self.problems.append(f"<{tag}> outside <head>: {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style" and not (self.email and _PLAIN_STYLE.fullmatch(value or "")):
                self.problems.append(f"style attribute on <{tag}>: {value!r}")
            if name in URL_ATTRIBUTES and value:
                scheme = _IGNORED_IN_SCHEME.sub("", value).lower()
                if scheme.startswith(("javascript:", "vbscript:", "data:", "livescript:")):
                    self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "http-equiv" and (value or "").lower() == "refresh":
                self.problems.append("meta refresh")


def assert_inert(html: str, where: str, *, email: bool = False) -> None:
    checker = InertChecker(email=email)
    checker.feed(html)
    checker.close()
    assert not checker.problems, f"{where}: {checker.problems}"


def check_page(client, path: str, where: str | None = None, expected: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == expected, f"{where or path}: {response.status_code}"
    page = response.get_data(as_text=True)
    assert_inert(page, where or path)
    return page


def check_feed(client, path: str) -> feedparser.FeedParserDict:
    response = client.get(path)
    assert response.status_code == 200, path
    # feedparser sanitises HTML by default; read what the site wrote, not what feedparser cleaned.
    parsed = feedparser.parse(response.data, sanitize_html=False)
    assert not parsed.bozo, f"{path}: {parsed.get('bozo_exception')}"
    for entry in parsed.entries:
        details = [entry.title_detail, entry.summary_detail, *entry.get("content", [])]
        for detail in details:
            if detail.type in ("text/html", "application/xhtml+xml"):
                assert_inert(detail.value, f"{path} entry {entry.link}")
            else:
                assert detail.type == "text/plain", detail.type  # shown as text by any reader
        for link in entry.links:
            assert link.href.startswith("http://localhost/cases/"), link.href
    return parsed


def _set_status(case_id: int, status: str) -> None:
    db.session.execute(update(CaseStudy).where(CaseStudy.id == case_id).values(status=status))
    db.session.commit()


def _publish(case_id: int) -> None:
    case = db.session.get(CaseStudy, case_id)
    case.status, case.published_at = "published", utcnow()
    case.published_year = case.published_at.year
    search.index_case(case)
    db.session.commit()


def _case_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/cases/(\d+)/edit", response.headers["Location"]).group(1))


def build_corpus(app):
    """Every payload through every form; returns the clients and what they made."""
    sector, function, competence = make_sector("banking"), make_function("customer-care"), make_competence("voice")
    author = make_member(display_name="Anna Autrice")
    make_member(email="coautrice@example.com", display_name='"><svg/onload=alert(1)>')  # the co-author line names her
    organiser_user = make_organiser()
    commenter_user = make_member(display_name="<img src=x onerror=alert(1)>")
    clients = {name: app.test_client() for name in ("anonymous", "author", "organiser", "commenter")}
    login(clients["author"], author)
    login(clients["organiser"], organiser_user)
    login(clients["commenter"], commenter_user)
    clients["commenter"].post(
        url("cases.following"),
        data={"sectors": [str(sector.id)], "functions": [str(function.id)], "competences": [str(competence.id)]},
    )
    writer = clients["author"]
    case_ids, comment_ids = [], []
    for number, payload in enumerate(PAYLOADS):
        unit = SHORT_PAYLOADS[number % len(SHORT_PAYLOADS)]
        data = {
            "title": f"Zanzara {number} {payload}"[:200],
            "summary": f"{payload} una sintesi abbastanza lunga"[:500],
            "body": f"{payload}\n\n{payload} un corpo abbastanza lungo da superare i cinquanta caratteri.",
            "organisation": payload[:120],
            "sector": str(sector.id),
            "functions": [str(function.id)],
            "competences": [str(competence.id)],
            "language": "it",
            "visibility": "public",
            "coauthors": "coautrice@example.com",
            "metrics-0-name": payload[:80],
            "metrics-0-before": "21",
            "metrics-0-after": "38",
            "metrics-0-unit": unit,
        }
        case_id = _case_id(writer.post(url("cases.new"), data=data))
        case_ids.append(case_id)
        bookmark = number < 14  # enough for two pages of bookmarks
        # an edit, so the history shows the payloads as field changes
        data["title"] = f"Zanzara {number} bis {payload}"[:200]
        data["body"] += f"\n\n* {payload}\n* [link]({payload})"
        data["metrics-1-name"], data["metrics-1-unit"] = payload[:80], unit
        assert writer.post(url("cases.update", case_id=case_id), data=data).status_code == 302
        # The rest through the services (the forms that lead to them are proven verbatim below, in
        # test_the_discussion_forms_store_the_payloads_verbatim): half the requests, same data.
        _set_status(case_id, "submitted")
        with app.test_request_context():
            case = services.get_case(case_id)
            services.transition(case, organiser_user, "request_changes", comment=payload)
            db.session.commit()
        check_page(writer, url("cases.detail", case_id=case_id), f"changes requested / {payload}")
        _publish(case_id)
        body = payload if len(payload) >= 2 else payload + " ."
        with app.test_request_context():
            case = services.get_case(case_id)
            shown = services.add_comment(case, commenter_user, body)
            hidden = services.add_comment(case, commenter_user, f"Da nascondere {body}")
            services.hide_comment(hidden, organiser_user, (payload + " motivo")[:300])
            if bookmark:
                services.mark_useful(case, commenter_user, True)
                services.bookmark(case, commenter_user, True)
            db.session.commit()
        comment_ids.append(shown.id)
    db.session.expire_all()
    published = db.session.scalars(select(CaseStudy.status).where(CaseStudy.id.in_(case_ids))).all()
    assert published == ["published"] * len(PAYLOADS)
    # and a queue of submitted ones for the moderation page (made directly: the forms are proven above)
    for payload in PAYLOADS[:14]:
        make_case(
            author,
            status="submitted",
            title=f"In coda {payload}"[:200],
            organisation=payload[:120],
            summary=f"{payload} una sintesi abbastanza lunga"[:500],
            metrics=[(payload[:80], 1, 2, "%")],
        )
    return clients, case_ids, comment_ids


def test_every_page_feed_and_email_stays_inert(app, mail_outbox):
    corpus = build_corpus(app)
    check_case_pages(corpus)
    check_lists_search_and_home(corpus)
    check_feeds(corpus)
    check_emails(mail_outbox)


def check_emails(outbox):
    # changes requested (2 authors) and two comments (2 authors each), per payload
    assert len(outbox) >= len(PAYLOADS) * 6
    for message in outbox:
        html = message.get_body(("html",)).get_content()
        assert_inert(html, f"email {message['Subject']} to {message['To']}", email=True)


def check_case_pages(corpus):
    clients, case_ids, comment_ids = corpus
    for number, case_id in enumerate(case_ids):
        # the organiser sees everything (hidden comments too), the commenter their comment tools; the
        # other two see the same content with other chrome: every fifth case is enough for them
        viewers = ("organiser", "commenter", "anonymous", "author") if number % 5 == 0 else ("organiser", "commenter")
        for viewer in viewers:
            page = check_page(clients[viewer], url("cases.detail", case_id=case_id), f"detail {case_id} as {viewer}")
            assert "Zanzara" in page
        check_page(clients["author"], url("cases.history", case_id=case_id), f"history {case_id}")
        check_page(clients["author"], url("cases.edit", case_id=case_id), f"edit form {case_id}")
    for comment_id in comment_ids:
        check_page(clients["commenter"], url("cases.edit_comment", comment_id=comment_id), f"comment {comment_id}")


def check_lists_search_and_home(corpus):
    clients, case_ids, _comment_ids = corpus
    pages = (len(case_ids) + 11) // 12
    seen = set()
    for viewer in ("anonymous", "commenter"):
        client = clients[viewer]
        for page in range(1, pages + 1):
            for path in (
                url("cases.index", page=page),
                url("cases.index", q="zanzara", page=page),
                url("cases.index", q="zanzara alert", sort="newest", page=page),
                url("cases.index", sort="useful", page=page),
            ):
                page_html = check_page(client, path, f"{path} as {viewer}")
                seen.update(title for _id, title in CARD_TITLE.findall(page_html))
        check_page(client, url("core.home"), f"home as {viewer}")
    assert len({title.split(" ")[1] for title in seen}) == len(case_ids)
    for path in (url("cases.mine"), url("cases.notifications")):
        for page in range(1, pages + 1):
            check_page(clients["author"], f"{path}?page={page}", path)
    for page in range(1, pages + 1):
        check_page(clients["commenter"], url("cases.bookmarks", page=page), "bookmarks")
    check_page(clients["anonymous"], url("cases.feed_list"), "feeds page")
    for page in (1, 2):
        check_page(clients["organiser"], url("cases.moderation", page=page), "moderation queue")


def check_feeds(corpus):
    clients, case_ids, _comment_ids = corpus
    for path in (
        url("cases.feed"),
        url("cases.sector_feed", slug="banking"),
        url("cases.competence_feed", slug="voice"),
    ):
        parsed = check_feed(clients["anonymous"], path)
        assert len(parsed.entries) == min(30, len(case_ids))


def test_the_discussion_forms_store_the_payloads_verbatim(app):
    """The corpus above writes comments, hide reasons and moderation comments through the services:
    here the forms that lead to them show they store exactly what was typed (and strip nothing else)."""
    author, organiser_user, commenter_user = make_member(), make_organiser(), make_member()
    moderator, commenter = app.test_client(), app.test_client()
    login(moderator, organiser_user)
    login(commenter, commenter_user)
    for payload in PAYLOADS[::4]:
        payload = payload if len(payload) >= 3 else payload + " ."
        review = make_case(author, status="submitted")
        moderator.post(url("cases.transition", case_id=review.id, action="request_changes"), data={"comment": payload})
        assert db.session.get(CaseStudy, review.id).moderation_comment == payload.strip()
        case = make_case(author)
        commenter.post(url("cases.add_comment", case_id=case.id), data={"body": payload})
        comment = db.session.scalar(select(Comment).where(Comment.case_id == case.id))
        assert comment.body == payload.strip()
        moderator.post(url("cases.hide_comment", comment_id=comment.id), data={"reason": payload[:300]})
        db.session.expire_all()
        assert db.session.get(Comment, comment.id).hidden_reason == payload[:300].strip()


def test_refused_forms_echo_the_payloads_inertly(app):
    sector, function = make_sector("banking"), make_function("customer-care")
    author = make_member()
    client = app.test_client()
    login(client, author)
    for payload in PAYLOADS:
        base = {
            "title": payload[:200],
            "summary": "corta",  # too short: the form comes back with everything typed in it
            "body": payload,
            "organisation": payload[:120],
            "sector": str(sector.id),
            "functions": [str(function.id)],
            "language": "it",
            "visibility": "public",
            "metrics-0-name": payload[:80],
            "metrics-0-before": payload[:20],
            "metrics-0-unit": payload[:20],
        }
        response = client.post(url("cases.new"), data=base)
        assert response.status_code == 400
        assert_inert(response.get_data(as_text=True), f"refused form / {payload}")
        # the co-author line is echoed in the refusal message
        good = {
            **base,
            "summary": "una sintesi abbastanza lunga per passare",
            "body": "b" * 60,
            "metrics-0-before": "",
            "coauthors": payload,
        }
        response = client.post(url("cases.new"), data=good)
        assert response.status_code == 400
        assert_inert(response.get_data(as_text=True), f"co-author refusal / {payload}")
    assert db.session.scalars(select(CaseStudy.id)).all() == []


def test_the_checker_catches_what_it_should():
    for bad in (
        "<body><script>alert(1)</script></body>",
        "<body><img src=x onerror=alert(1)></body>",
        "<body><svg/onload=alert(1)></body>",
        '<body><a href=" jav&#x09;ascript:alert(1)">x</a></body>',
        '<body><a href="DATA:text/html,x">x</a></body>',
        "<body><iframe></iframe></body>",
        '<body><p style="color:red">x</p></body>',
        '<body><meta http-equiv="refresh" content="0"></body>',
    ):
        with pytest.raises(AssertionError):
            assert_inert(bad, "sample")
    assert_inert(
        '<html><head><script src="/static/js/club.js" defer></script></head>'
        "<body><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
        '<svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false" '
        'fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        '<path d="M7 10v12"/></svg></body></html>',
        "sample",
    )
    with pytest.raises(AssertionError):
        assert_inert('<body><svg class="icon"><path d="M1"/></svg></body>', "an icon that is not the site's")
    assert_inert('<body><p style="margin:0;color:#0b6e69;">x</p></body>', "email style", email=True)
    for style in ("background:url(javascript:alert(1))", "width:expression(alert(1))", "x:y;behavior:url(a.htc)"):
        with pytest.raises(AssertionError):
            assert_inert(f'<body><p style="{style}">x</p></body>', "email style", email=True)
    with pytest.raises(AssertionError):
        assert_inert(
            '<body><svg class="icon" viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" '
            'focusable="false" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" '
            'stroke-linejoin="round"><script>alert(1)</script></svg></body>',
            "something smuggled in an icon",
        )
