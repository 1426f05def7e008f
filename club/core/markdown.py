"""Markdown written by members, rendered to HTML that is safe to show to everyone else."""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off in the parser, and whatever the parser emits is sanitised again: defence in depth.
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def _demote_headings(html: str) -> str:
    # Members' headings sit inside a page that already has h1 and h2.
    for level in (2, 1):
        html = html.replace(f"<h{level}>", "<h3>").replace(f"</h{level}>", "</h3>")
    return html


def render_markdown(text: str | None) -> Markup:
    if not text:
        return Markup("")
    html = _demote_headings(_parser.render(text))
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def markdown_to_text(text: str | None) -> str:
    """The words of a member's Markdown without any markup (for snippets and calendar files)."""
    return html.unescape(nh3.clean(str(render_markdown(text)), tags=set())).strip()
