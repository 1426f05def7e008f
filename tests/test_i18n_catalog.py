"""The Italian catalog covers every string of the code and templates, with the placeholders intact.

A pure file test (no app, no database): it extracts the messages exactly as `make extract` does
(babel.cfg, the `_l`, `lazy_gettext` and `lazy_ngettext` keywords) into a temporary .pot, then compares it with
club/translations/it/LC_MESSAGES/messages.po. When it fails, run `make extract`, translate the
entries it lists, and compile (`make translations`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
ITALIAN_PO = ROOT / "club" / "translations" / "it" / "LC_MESSAGES" / "messages.po"

# A %-style conversion: "%%", "%s", "%(name)s", "%(count)d", "%(ratio).1f"...
CONVERSION = re.compile(r"%(?:\((?P<name>[^)]*)\))?[#0 +\-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<type>[diouxXeEfFgGcrsa%])")


def _as_tuple(value) -> tuple[str, ...]:
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


def _placeholders(text: str) -> list[str]:
    """The conversions of a string, sorted, without the literal "%%"."""
    return sorted(match.group(0) for match in CONVERSION.finditer(text) if match.group("type") != "%")


def _stray_percent(text: str) -> bool:
    """A "%" that is not part of a conversion: `text % values` would raise or garble it."""
    return "%" in CONVERSION.sub("", text)


def _relative(filename: str) -> str:
    path = Path(filename)
    return str(path.relative_to(ROOT)) if path.is_absolute() and path.is_relative_to(ROOT) else filename


def _describe(message) -> str:
    where = ", ".join(f"{_relative(filename)}:{lineno}" for filename, lineno in message.locations[:3])
    return f"{_as_tuple(message.id)[0]!r} ({where})" if where else repr(_as_tuple(message.id)[0])


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    status = CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            # Babel skips folders starting with "_" or "." by default: templates/_macros has strings.
            "--ignore-dirs",
            ".* ._ __pycache__ node_modules",
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_ngettext:1,2",
            "-o",
            str(output),
            str(ROOT),
        ]
    )
    assert not status, f"pybabel extract failed ({status})"
    with output.open("rb") as fh:
        catalog = read_po(fh)
    messages = [message for message in catalog if message.id]
    assert messages, "the extraction found no messages: is babel.cfg right?"
    return messages


@pytest.fixture(scope="module")
def italian():
    assert ITALIAN_PO.is_file(), f"{ITALIAN_PO.relative_to(ROOT)} is missing"
    with ITALIAN_PO.open("rb") as fh:
        return read_po(fh, locale="it")


def test_italian_catalog_uses_two_plural_forms(italian):
    assert italian.num_plurals == 2
    assert italian.plural_expr.replace(" ", "") == "(n!=1)"


def test_every_extracted_message_is_translated_into_italian(template, italian):
    problems = []
    for message in template:
        translation = italian.get(message.id, context=message.context)
        if translation is None:
            problems.append(f"missing:      {_describe(message)}")
        elif translation.fuzzy:
            problems.append(f"fuzzy:        {_describe(message)}")
        elif message.pluralizable and not translation.pluralizable:
            problems.append(f"not a plural: {_describe(message)}")
        elif message.pluralizable and len(_as_tuple(translation.string)) != italian.num_plurals:
            problems.append(f"plural forms: {_describe(message)}")
        elif not all(_as_tuple(translation.string)):
            problems.append(f"empty:        {_describe(message)}")
    assert not problems, (
        f"{len(problems)} of {len(template)} messages lack an Italian translation "
        "(run `make extract`, then translate them in club/translations/it/LC_MESSAGES/messages.po):\n"
        + "\n".join(problems)
    )


def test_italian_translations_keep_the_placeholders(italian):
    problems = []
    for message in italian:
        if not message.id or not any(_as_tuple(message.string)):
            continue
        originals = _as_tuple(message.id)
        for index, string in enumerate(_as_tuple(message.string)):
            if not string:
                continue
            # msgstr[0] answers the singular msgid, every other form the plural one.
            original = originals[min(index, len(originals) - 1)]
            if _placeholders(string) != _placeholders(original):
                problems.append(
                    f"{original!r} -> {string!r}: placeholders {_placeholders(original)} became {_placeholders(string)}"
                )
            elif _stray_percent(string) and not _stray_percent(original):
                problems.append(f"{original!r} -> {string!r}: a lone '%' (write '%%')")
    assert not problems, "Italian translations that change the placeholders:\n" + "\n".join(problems)
