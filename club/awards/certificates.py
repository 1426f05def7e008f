"""PDF certificates for the winners and finalists of a category, drawn with fpdf2."""

from __future__ import annotations

import unicodedata

from fpdf import FPDF

# The PDF core fonts cover Latin-1 only; these are the common characters outside it.
_REPLACEMENTS = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-", "…": "...", "€": "EUR"})


def _latin1(text: str) -> str:
    """Text the core fonts can draw: Italian accents stay, other letters lose their marks, the rest is dropped."""
    text = text.translate(_REPLACEMENTS)
    result = []
    for character in text:
        try:
            character.encode("latin-1")
        except UnicodeEncodeError:
            character = unicodedata.normalize("NFKD", character).encode("latin-1", "ignore").decode("latin-1")
        result.append(character)
    return "".join(result)


def render(
    *,
    club_name: str,
    heading: str,
    honour: str,
    case_title: str,
    authors: str,
    organisation: str,
    category: str,
    edition: str,
    date_text: str,
    verify_url: str,
) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_title(_latin1(f"{heading} - {case_title}"))
    pdf.set_author(_latin1(club_name))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    width, height = pdf.w, pdf.h
    pdf.set_draw_color(22, 84, 115)
    pdf.set_line_width(1.6)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, width - 28, height - 28)

    def line(text: str, size: int, style: str = "", gap: float = 4, colour=(20, 33, 43)) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(width - 60, size * 0.5, _latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    pdf.set_left_margin(30)
    pdf.set_y(32)
    line(club_name.upper(), 13, "B", 10, (22, 84, 115))
    line(heading, 34, "B", 8)
    line(honour, 18, "", 8, (120, 72, 0))
    line(case_title, 20, "B", 5)
    line(authors, 14, "", 2)
    if organisation:
        line(organisation, 13, "I", 8, (70, 80, 90))
    line(f"{category} - {edition}", 13, "", 3)
    line(date_text, 12, "", 0, (70, 80, 90))
    pdf.set_y(height - 32)
    line(verify_url, 9, "", 0, (70, 80, 90))
    return bytes(pdf.output())
