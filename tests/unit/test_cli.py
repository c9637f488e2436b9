"""The `quotebot` command, called in-process with an environment mapping and temp corpora."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, update

from bot.cli import main
from bot.corpus import load_corpus, shipped_corpus
from bot.store import Store
from bot.store.schema import SCHEMA_VERSION, schema_info
from tests.files import write_file as page
from tests.harness import run_cli

REPO = Path(__file__).resolve().parents[2]

ROBOTS = """---
title: Ada Lovelace on Engines
ref: https://example.org/engines
tags: [quote, machines]
---
Quoting Ada Lovelace from [Notes on the Engine](https://example.org/engines).

## Robotics

On factories:
> Robots will build the robots that build the cars.

> A robotic arm never gets tired.

## Gardening

> Tomatoes need sun, water and patience.
"""

NO_QUOTES = """---
title: Just notes
---
Nothing quoted here.
"""

UNCLOSED = """---
title: Broken
tags: quote

> This front matter never ends.
"""


# Run in an empty working folder: no `.env` and no `config/quotebot.yaml` to pick up.
pytestmark = pytest.mark.usefixtures("empty_working_folder")


@pytest.fixture
def quotes(tmp_path: Path) -> Path:
    """A good corpus: three quotes, topics Robotics, Gardening and machines."""
    root = tmp_path / "quotes"
    page(root, "lovelace.md", ROBOTS)
    return root


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, environ: dict[str, str] | None = None
) -> tuple[int, str, str]:
    code = main(list(argv), environ={} if environ is None else environ)
    out, err = capsys.readouterr()
    return code, out, err


# --- check ------------------------------------------------------------------------------


def test_check_a_good_corpus(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    code, out, err = run(capsys, "check", str(quotes))
    assert code == 0, out + err
    assert out.strip() == f"{quotes}: 3 quotes, 3 topics, 0 errors, 0 warnings"


def test_check_with_only_warnings_exits_0(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    page(quotes, "notes/empty.md", NO_QUOTES)
    code, out, err = run(capsys, "check", str(quotes))
    assert code == 0, out + err
    assert "notes/empty.md:1: warning: no quotes" in out
    assert "0 errors, 1 warnings" in out


def test_check_prints_each_problem_and_exits_1_on_an_error(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    page(quotes, "broken.md", UNCLOSED)
    page(quotes, "latin1.md", "---\ntitle: x\n---\n\n> Caf\xe9\n".encode("latin-1"))
    page(quotes, "empty.md", NO_QUOTES)
    code, out, err = run(capsys, "check", "--corpus", str(quotes))
    assert code == 1, out + err
    lines = out.splitlines()
    assert any(line.startswith("broken.md:1: error: front matter is not closed") for line in lines)
    assert any(line.startswith("latin1.md:5: error: not UTF-8") for line in lines), out
    assert any(line.startswith("empty.md:1: warning: no quotes") for line in lines), out
    assert lines[-1] == f"{quotes}: 3 quotes, 3 topics, 2 errors, 1 warnings"


def test_check_reads_the_corpus_setting(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    page(quotes, "broken.md", UNCLOSED)
    code, out, _ = run(capsys, "check", environ={"QUOTEBOT_CORPUS": str(quotes)})
    assert code == 1
    assert "broken.md:1: error:" in out


def test_check_one_file(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    code, out, err = run(capsys, "check", str(quotes / "lovelace.md"))
    assert code == 0, out + err
    assert "3 quotes" in out


def test_check_the_shipped_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "check")
    assert code == 0, out + err
    assert out.startswith(f"{shipped_corpus()}: ")
    assert "0 errors, 0 warnings" in out


# --- topics, quote, export --------------------------------------------------------------


def test_topics(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    code, out, err = run(capsys, "topics", "--corpus", str(quotes))
    assert code == 0, out + err
    assert out.splitlines() == ["    1  Gardening", "    3  machines", "    2  Robotics"]


def test_quote_robotics_prints_a_robotics_quote_with_its_speaker(
    capsys: pytest.CaptureFixture[str],
) -> None:
    robotics = load_corpus(shipped_corpus()).corpus.in_topics(["Robotics"])
    code, out, err = run(capsys, "quote", "robotics")
    assert code == 0, out + err
    assert any(f"“{quote.text}”" in out for quote in robotics), out
    assert "— Andrej Karpathy, No Priors #80" in out
    assert "[Robotics]" in out


def test_quote_words_from_a_corpus_folder(capsys: pytest.CaptureFixture[str], quotes: Path) -> None:
    code, out, err = run(capsys, "quote", "tomatoes", "--corpus", str(quotes))
    assert code == 0, out + err
    first, second = out.splitlines()
    assert first == "“Tomatoes need sun, water and patience.”"
    assert second.startswith(
        "  — Ada Lovelace, Notes on the Engine <https://example.org/engines> [Gardening] #"
    )
    quote_id = second.rsplit("#", 1)[1]
    code, again, err = run(capsys, "quote", f"#{quote_id}", "--corpus", str(quotes))
    assert (code, again) == (0, out), "the ID shown fetches the same quote"


def test_quote_with_no_words_prints_a_random_one(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, out, err = run(capsys, "quote", "--corpus", str(quotes))
    assert code == 0, out + err
    assert "— Ada Lovelace" in out


def test_quote_of_nothing_known_exits_1_with_suggestions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "quote", "xylophone")
    assert code == 1, out + err
    assert "xylophone" in out
    assert "Robotics" in out and "Education" in out


def test_quote_of_a_near_topic_suggests_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "quote", "robotz")
    assert code == 1
    assert "Try: Robotics" in out


def test_export_writes_one_json_object_per_quote(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, out, err = run(capsys, "export", "--corpus", str(quotes))
    assert code == 0, out + err
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 3
    fields = ["id", "text", "speaker", "source", "url", "topic", "lead_in", "tags", "file", "line"]
    fields += ["alias", "origin", "added_by", "added_at", "marked"]
    assert all(sorted(record) == sorted(fields) for record in records), records
    assert records[0] == {
        "id": records[0]["id"],
        "text": "Robots will build the robots that build the cars.",
        "speaker": "Ada Lovelace",
        "source": "Notes on the Engine",
        "url": "https://example.org/engines",
        "topic": "Robotics",
        "lead_in": "On factories",
        "tags": ["quote", "machines"],
        "file": "lovelace.md",
        "line": 11,
        "alias": records[0]["alias"],
        "origin": "file",
        "added_by": None,
        "added_at": None,
        "marked": False,
    }
    assert len(records[0]["id"]) == 6 and len(records[0]["alias"]) == 12


def test_export_keeps_non_ascii_text_readable(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "accents"
    page(root, "cafe.md", "---\nspeaker: Zoë\n---\n\n> Un café, s'il vous plaît.\n")
    code, out, _ = run(capsys, "export", "--corpus", str(root))
    assert code == 0
    assert "Un café, s'il vous plaît." in out
    assert json.loads(out)["speaker"] == "Zoë"


@pytest.mark.parametrize("command", ["check", "topics", "quote", "export", "serve"])
def test_a_missing_corpus_folder_exits_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    missing = tmp_path / "no-such-folder"
    code, out, err = run(capsys, command, "--corpus", str(missing))
    assert code == 2, out + err
    assert err.splitlines() == [
        f"quotebot: {missing}: corpus folder not found (set QUOTEBOT_CORPUS or --corpus)"
    ]
    assert "Traceback" not in out + err


# --- serve and settings ------------------------------------------------------------------


def test_serve_without_credentials_says_what_to_set(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, out, err = run(capsys, "serve", environ={"QUOTEBOT_CORPUS": str(quotes)})
    assert code == 2, out + err
    assert "SLACK_BOT_TOKEN" in out
    assert "SLACK_SIGNING_SECRET" in out
    assert "SLACK_APP_TOKEN" in out  # the Socket Mode alternative
    assert f"3 quotes loaded from {quotes}" in out
    assert "Topics: Gardening, machines, Robotics" in out
    assert "— Ada Lovelace" in out
    assert "Traceback" not in out + err


def test_serve_without_credentials_names_the_corpus_given_on_the_command_line(
    capsys: pytest.CaptureFixture[str], quotes: Path
) -> None:
    code, out, _ = run(capsys, "serve", "--corpus", str(quotes))
    assert code == 2
    assert f"3 quotes loaded from {quotes}" in out


def test_serve_in_socket_mode_asks_only_for_the_bot_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "serve", environ={"SLACK_APP_TOKEN": "xapp-1-A-1"})
    assert code == 2, out + err
    # Half set up: one line naming what is missing in Socket Mode, and only that.
    assert len(err.strip().splitlines()) == 1, err
    assert "SLACK_BOT_TOKEN" in err
    assert "SLACK_SIGNING_SECRET" not in err + out


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"PORT": "http"}, "PORT"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"QUOTEBOT_CONFIG": "missing.yaml"}, "QUOTEBOT_CONFIG"),
    ],
)
@pytest.mark.parametrize("command", ["serve", "topics"])
def test_a_bad_setting_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], environ: dict[str, str], name: str, command: str
) -> None:
    code, out, err = run(capsys, command, environ=environ)
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"quotebot: {name}")


def test_no_command_prints_the_usage_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 2
    assert "usage: quotebot" in out


# --- the module entry point -----------------------------------------------------------------


def clean_environ() -> dict[str, str]:
    """This process's environment without any quotebot or Slack setting of the developer's."""
    environ = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("QUOTEBOT_", "SLACK_", "DATABASE_URL"))
    }
    environ["PYTHONPATH"] = str(REPO)
    return environ


def test_python_dash_m_bot_check(tmp_path: Path) -> None:
    done = run_cli("check", env=clean_environ(), cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 errors, 0 warnings" in done.stdout, done.stdout + done.stderr


def test_check_shows_each_problem_once(tmp_path: Path) -> None:
    page(tmp_path, "broken.md", UNCLOSED)
    done = run_cli("check", str(tmp_path), env=clean_environ(), cwd=tmp_path, timeout=60)
    everything = done.stdout + done.stderr
    assert done.returncode == 1, everything
    assert everything.count("broken.md:1:") == 1, everything


def test_a_database_newer_than_quotebot_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"
    Store(url).close()
    engine = create_engine(url)
    with engine.begin() as db:
        db.execute(update(schema_info).values(version=SCHEMA_VERSION + 1))
    engine.dispose()

    code, out, err = run(capsys, "daily", "list", environ={"DATABASE_URL": url})

    assert code == 2, out + err
    assert err.strip().splitlines() == [
        f"quotebot: database schema is version {SCHEMA_VERSION + 1}, newer than this "
        f"quotebot ({SCHEMA_VERSION}): upgrade quotebot"
    ], err


def test_check_says_how_many_draft_pages_it_skipped(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    root = tmp_path / "site"
    page(root, "done.md", ROBOTS)
    page(root, "later.md", "---\ntitle: Later\ndraft: true\n---\n> Not yet said.\n")

    code, out, _ = run(capsys, "check", str(root))

    assert code == 0
    assert out.strip().endswith("3 quotes, 3 topics, 0 errors, 0 warnings, 1 draft skipped")
