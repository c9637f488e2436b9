"""Dependencies point one way: Slack edge → domain → storage.

Read from the source files' imports (not by importing them), so a module that pulls
in Slack's libraries lazily, inside a function, is caught too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot"
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk", "aiohttp")
# The domain: what to answer, what to post and when, who may do what, messages as data.
DOMAIN = [
    "answers.py", "render.py", "render_schedules.py", "render_book.py", "render_home.py",
    "render_schedule_form.py",
    "roles.py", "mrkdwn.py", "ids.py", "corpus", "daily", "imports", "book",
]  # fmt: skip
DOMAIN_MODULES = ("bot.answers", "bot.render", "bot.roles", "bot.daily", "bot.corpus")


def modules(entry: str) -> list[Path]:
    path = BOT / entry
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_domain_never_imports_slack_libraries() -> None:
    offenders = {
        str(path.relative_to(BOT)): sorted(
            name for name in imported(path) if name.split(".")[0] in SLACK_LIBRARIES
        )
        for entry in DOMAIN
        for path in modules(entry)
    }
    assert {path: names for path, names in offenders.items() if names} == {}


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_storage_never_imports_the_domain_or_the_edge(path: Path) -> None:
    upward = (*DOMAIN_MODULES, "bot.listeners", "bot.app", "bot.slack", "bot.settings")
    wrong = [name for name in imported(path) if name.startswith(upward)]
    wrong += [name for name in imported(path) if name.split(".")[0] in SLACK_LIBRARIES]
    assert wrong == []


def test_the_domain_lists_cover_the_folders_they_name() -> None:
    # A guard on the guard: a renamed module must not silently drop out of the check.
    assert all((BOT / entry).exists() for entry in DOMAIN)
    assert len(modules("daily")) >= 6 and len(modules("store")) >= 8
