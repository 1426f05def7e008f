"""Text normalisation for full-text search: accents folded, Italian and English stems.

Both search engines (SQLite FTS5, PostgreSQL) index and query the same normalised terms, so that
"clienti" finds "cliente" and "qualita" finds "qualità" identically on both.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from markupsafe import Markup, escape

_WORD = re.compile(r"\w+", re.UNICODE)
_STEMMERS = {"it": snowballstemmer.stemmer("italian"), "en": snowballstemmer.stemmer("english")}
MAX_QUERY_WORDS = 12


def fold(text: str) -> str:
    """Lower-case and strip accents: "Qualità" -> "qualita"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=50_000)
def stems(word: str) -> frozenset[str]:
    """The Italian and English stems of one folded word (a word may be either language)."""
    return frozenset(stemmer.stemWord(word) for stemmer in _STEMMERS.values())


def words(text: str | None) -> list[str]:
    return _WORD.findall(fold(text or ""))


def document_terms(text: str | None) -> str:
    """The text as the index stores it: every word's stems, separated by spaces."""
    return " ".join(stem for word in words(text) for stem in sorted(stems(word)))


def query_terms(query: str | None) -> list[frozenset[str]]:
    """One set of alternative stems per query word (every word must match one of its stems)."""
    unique: list[frozenset[str]] = []
    for word in words(query)[:MAX_QUERY_WORDS]:
        alternatives = stems(word)
        if alternatives not in unique:
            unique.append(alternatives)
    return unique


def snippet(text: str, query: list[frozenset[str]], width: int = 30) -> Markup:
    """A window of about `width` words of text around the first match, matches wrapped in <mark>."""
    wanted = set().union(*query) if query else set()
    tokens = re.split(r"(\w+)", text or "")
    word_positions = [i for i in range(1, len(tokens), 2)]
    matches = [i for i in word_positions if stems(fold(tokens[i])) & wanted]
    if not word_positions:
        return Markup("")
    first = matches[0] if matches else word_positions[0]
    index = word_positions.index(first)
    start_word = max(0, index - width // 3)
    end_word = min(len(word_positions), start_word + width)
    start = word_positions[start_word] if start_word else 0
    end = word_positions[end_word - 1] + 1
    parts = []
    for i in range(start, min(end, len(tokens))):
        piece = escape(tokens[i])
        parts.append(Markup("<mark>%s</mark>") % piece if i in matches else piece)
    prefix = "… " if start_word else ""
    suffix = " …" if end_word < len(word_positions) else ""
    return escape(prefix) + Markup("").join(parts) + escape(suffix)
