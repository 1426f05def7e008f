"""DESIGN.md's layer order: a domain imports only the domains below it."""

from __future__ import annotations

import ast
from pathlib import Path

ORDER = ["core", "accounts", "members", "cases", "events", "awards", "digests", "organiser"]
PACKAGE = Path(__file__).resolve().parent.parent / "club"


def _imported_domains(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    domains = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "club" and len(parts) > 1 and parts[1] in ORDER:
                domains.add(parts[1])
    return domains


def test_domains_import_only_lower_domains():
    problems = []
    for domain in ORDER:
        folder = PACKAGE / domain
        if not folder.exists():
            continue
        allowed = set(ORDER[: ORDER.index(domain) + 1])
        for path in folder.rglob("*.py"):
            for imported in _imported_domains(path) - allowed:
                problems.append(f"{path.relative_to(PACKAGE.parent)} imports club.{imported}")
    assert not problems, "\n".join(problems)


def test_the_checker_sees_imports():
    sample = PACKAGE / "members" / "services.py"
    assert {"accounts", "core"} <= _imported_domains(sample)
