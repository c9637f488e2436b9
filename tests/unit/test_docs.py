"""The README keeps up with the code: every setting, every command, the two scripts."""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot import cli
from bot.settings import ENVIRONMENT

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text(encoding="utf-8")


def commands(parser: argparse.ArgumentParser, prefix: str = "quotebot") -> Iterator[str]:
    """Every command the parser accepts, nested ones included: `quotebot daily run`."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}"
                yield from commands(sub, f"{prefix} {name}")


def test_the_parser_has_the_commands_this_test_expects_to_find() -> None:
    found = list(commands(cli._parser()))
    assert {"quotebot serve", "quotebot check", "quotebot quote"} <= set(found), found


def test_every_setting_is_in_the_readme() -> None:
    missing = [var.name for var in ENVIRONMENT if f"`{var.name}`" not in README]
    assert missing == [], f"README.md does not document {missing}"


def test_every_command_is_in_the_readme() -> None:
    missing = [command for command in commands(cli._parser()) if f"`{command}" not in README]
    assert missing == [], f"README.md does not document {missing}"


def test_the_readme_starts_with_the_two_commands() -> None:
    top = "\n".join(README.splitlines()[:5])
    assert "`./scripts/start`" in top, top
    assert "`./scripts/test`" in top, top
    for script in ("start", "test"):
        path = REPO / "scripts" / script
        assert path.is_file(), path
        assert path.stat().st_mode & 0o111, f"{path} is not executable"


def test_ci_runs_the_readmes_test_command() -> None:
    match = re.search(r"^Run the tests: `([^`]+)`", README, re.MULTILINE)
    assert match, "README.md has no 'Run the tests: `…`' line"
    command = shlex.split(match[1])
    ci = REPO / ".ci" / "run"
    assert ci.stat().st_mode & 0o111, f"{ci} is not executable"
    lines = [
        shlex.split(line)
        for line in ci.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    runs = [words[1:] if words[0] == "exec" else words for words in lines]
    assert command in runs, f".ci/run does not run {match[1]!r}: {lines}"


def test_every_key_of_the_settings_file_is_in_the_readme() -> None:
    config = yaml.safe_load((REPO / "config" / "quotebot.yaml").read_text(encoding="utf-8"))
    missing = [key for key in config if f"`{key}`" not in README]
    assert missing == [], f"settings-file keys the README does not document: {missing}"
