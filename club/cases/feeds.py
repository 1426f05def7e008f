"""Atom feeds (RFC 4287) of published public case studies."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET  # noqa: S405 - we write XML, we never parse it here

from club.cases.models import CaseStudy
from club.core.markdown import render_markdown

ATOM = "http://www.w3.org/2005/Atom"
# Characters XML 1.0 forbids: ElementTree writes them as they are and the whole feed stops parsing.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(parent, tag: str, value: str, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = _NOT_XML.sub("", value)
    return element


def entry_updated(case: CaseStudy):
    """When an entry last changed: its last edit, or its publication when that came later."""
    return max(case.updated_at, case.published_at)


def build(
    *, feed_id: str, title: str, self_url: str, site_url: str, cases: list[CaseStudy], case_url, updated
) -> bytes:
    """The feed document; case_url(case) gives each entry's absolute link."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", updated.isoformat())
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": site_url, "type": "text/html"})
    for case in cases:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        link = case_url(case)
        _text(entry, "id", link)
        _text(entry, "title", case.title)
        _text(entry, "published", case.published_at.isoformat())
        _text(entry, "updated", entry_updated(case).isoformat())
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": link, "type": "text/html"})
        for author in case.authors:
            person = ET.SubElement(entry, f"{{{ATOM}}}author")
            _text(person, "name", author.user.public_name)
        if case.sector:
            ET.SubElement(entry, f"{{{ATOM}}}category", {"term": case.sector.slug, "label": case.sector.name})
        _text(entry, "summary", case.summary)
        # The body as sanitised HTML, escaped once more by ElementTree as Atom's type="html" expects.
        _text(entry, "content", str(render_markdown(case.body)), type="html")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
