"""Settings from an environment mapping and a YAML file: defaults, and each way to get one wrong."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from bot.corpus import shipped_corpus
from bot.daily.schedule import Subscription
from bot.settings import ENVIRONMENT, Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in an empty folder, so the default `config/quotebot.yaml` is not the repo's."""
    monkeypatch.chdir(tmp_path)


def config(tmp_path: Path, text: str, name: str = "quotebot.yaml") -> dict[str, str]:
    """Write a settings file; returns the environment that points at it."""
    path = tmp_path / name
    path.write_text(dedent(text), encoding="utf-8")
    return {"QUOTEBOT_CONFIG": str(path)}


def error_for(environ: dict[str, str]) -> str:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ)
    return str(caught.value)


# --- defaults and good values ------------------------------------------------------


def test_nothing_set_gives_the_defaults() -> None:
    settings = load_settings({})
    assert settings == Settings()
    assert settings.bot_token is None
    assert settings.signing_secret is None
    assert settings.app_token is None
    assert settings.socket_mode is False
    assert settings.port == 3000
    assert settings.corpus_path == shipped_corpus()
    assert settings.config_path == Path("config/quotebot.yaml")
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.database_url == "sqlite:///quotebot.sqlite3"
    assert settings.log_level == "INFO"
    assert settings.timezone == "UTC"
    assert settings.catch_up_hours == 6.0
    assert settings.lease_seconds == 300.0
    assert settings.subscriptions == ()


def test_empty_variables_count_as_unset() -> None:
    blank = {var.name: "" for var in ENVIRONMENT}
    assert load_settings(blank) == load_settings({})
    assert load_settings({name: "  " for name in blank}) == load_settings({})


def test_the_shipped_settings_file_holds_the_defaults() -> None:
    shipped = load_settings({"QUOTEBOT_CONFIG": str(REPO / "config" / "quotebot.yaml")})
    defaults = load_settings({})
    assert shipped.timezone == defaults.timezone
    assert shipped.database_url == defaults.database_url
    assert shipped.catch_up_hours == defaults.catch_up_hours
    assert shipped.lease_seconds == defaults.lease_seconds
    assert shipped.subscriptions == ()


def test_values_from_the_environment() -> None:
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": " xoxb-1-2-3 ",
            "SLACK_SIGNING_SECRET": "s3cret",
            "SLACK_APP_TOKEN": "xapp-1-A-2",
            "PORT": "8080",
            "QUOTEBOT_CORPUS": "/srv/quotes",
            "SLACK_API_URL": "http://127.0.0.1:9000/api",
            "DATABASE_URL": "postgresql+psycopg://bot@db/quotebot",
            "QUOTEBOT_LOG_LEVEL": "debug",
        }
    )
    assert settings.bot_token == "xoxb-1-2-3"
    assert settings.signing_secret == "s3cret"
    assert settings.app_token == "xapp-1-A-2"
    assert settings.socket_mode is True
    assert settings.port == 8080
    assert settings.corpus_path == Path("/srv/quotes")
    assert settings.slack_api_url == "http://127.0.0.1:9000/api/"
    assert settings.database_url == "postgresql+psycopg://bot@db/quotebot"
    assert settings.log_level == "DEBUG"


def test_values_from_the_settings_file(tmp_path: Path) -> None:
    env = config(
        tmp_path,
        """
        timezone: Europe/Berlin
        database: state/bot.sqlite3
        catch_up_hours: 2.5
        lease_seconds: 60
        daily:
          - channel: C0123ABCD
            time: "07:45"
            days: weekdays
            topics: [Robotics, self driving]
          - channel: " C0999 "
            timezone: America/New_York
            topics: Education
            team: T42
        """,
    )
    settings = load_settings(env)
    assert settings.config_path == Path(env["QUOTEBOT_CONFIG"])
    assert settings.timezone == "Europe/Berlin"
    assert settings.database_url == "sqlite:///state/bot.sqlite3"
    assert settings.catch_up_hours == 2.5
    assert settings.lease_seconds == 60.0
    assert settings.subscriptions == (
        Subscription(
            channel="C0123ABCD",
            time="07:45",
            timezone="Europe/Berlin",
            days="mon-fri",
            topics=("Robotics", "self driving"),
        ),
        Subscription(
            channel="C0999",
            time="09:00",
            timezone="America/New_York",
            days="mon-fri",
            topics=("Education",),
            team_id="T42",
        ),
    )


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_platform_postgres_url_gets_a_driver(scheme: str) -> None:
    settings = load_settings({"DATABASE_URL": f"{scheme}://bot:pw@db:5432/quotebot"})
    assert settings.database_url == "postgresql+psycopg://bot:pw@db:5432/quotebot"


def test_database_url_wins_over_the_settings_file(tmp_path: Path) -> None:
    env = config(tmp_path, "database: other.sqlite3\n")
    env["DATABASE_URL"] = "sqlite:////var/lib/quotebot.sqlite3"
    assert load_settings(env).database_url == "sqlite:////var/lib/quotebot.sqlite3"


@pytest.mark.parametrize("text", ["", "# only comments\n"])
def test_an_empty_settings_file_means_the_defaults(tmp_path: Path, text: str) -> None:
    settings = load_settings(config(tmp_path, text))
    assert settings.timezone == "UTC"
    assert settings.subscriptions == ()


@pytest.mark.parametrize(
    ("written", "expected"),
    [("09:00", "09:00"), ("9:00", "09:00"), ("17:30", "17:30"), ("0:05", "00:05")],
)
def test_an_unquoted_yaml_time_is_read_as_a_time(
    tmp_path: Path, written: str, expected: str
) -> None:
    # YAML 1.1 reads 9:00 as the sexagesimal number 540; quotebot reads it back as 09:00.
    env = config(tmp_path, f"daily:\n  - channel: C1\n    time: {written}\n")
    assert load_settings(env).subscriptions[0].time == expected


@pytest.mark.parametrize("written", ["24:00", "25:00", "99:00"])
def test_an_unquoted_yaml_time_past_midnight_is_refused(tmp_path: Path, written: str) -> None:
    # YAML reads 24:00 as 1440 and 25:00 as 1500 (minutes): no time of day.
    message = error_for(config(tmp_path, f"daily:\n  - channel: C1\n    time: {written}\n"))
    assert "time" in message


# --- malformed environment variables ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "http"),
        ("PORT", "0"),
        ("PORT", "70000"),
        ("PORT", "-1"),
        ("PORT", "30.5"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
        ("SLACK_APP_TOKEN", "xoxb-not-an-app-token"),
        ("SLACK_API_URL", "ftp://slack.com/api/"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SLACK_API_URL", "http://"),
        ("QUOTEBOT_LOG_LEVEL", "verbose"),
    ],
)
def test_a_malformed_variable_is_named(name: str, value: str) -> None:
    message = error_for({name: value})
    assert message.startswith(name), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "secret"),
    [("SLACK_BOT_TOKEN", "xoxp-123-secret-456"), ("SLACK_APP_TOKEN", "xoxb-789-secret-000")],
)
def test_a_wrong_token_is_not_echoed(name: str, secret: str) -> None:
    assert secret not in error_for({name: secret})


def test_a_settings_file_that_is_named_but_missing(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    message = error_for({"QUOTEBOT_CONFIG": str(missing)})
    assert "QUOTEBOT_CONFIG" in message
    assert str(missing) in message


def test_the_default_settings_file_may_be_missing() -> None:
    assert not Path("config/quotebot.yaml").exists()
    assert load_settings({}).subscriptions == ()


# --- malformed settings file ---------------------------------------------------------


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    env = config(tmp_path, "timezone: UTC\ncatch_up_hours: 6\n  lease_seconds: 30\n")
    message = error_for(env)
    assert message.startswith(f"{env['QUOTEBOT_CONFIG']}:3:"), message
    assert "YAML" in message


def test_a_settings_file_must_be_a_mapping(tmp_path: Path) -> None:
    env = config(tmp_path, "- timezone: UTC\n")
    assert env["QUOTEBOT_CONFIG"] in error_for(env)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("timezone: Mars/Olympus\n", "timezone"),
        ("timezone: Europe/Berlin\ndaily:\n  - channel: C1\n    timezone: Europe/Bern1n\n",
         "daily[1].timezone"),
        ("database: 42\n", "database"),
        ("catch_up_hours: -1\n", "catch_up_hours"),
        ("catch_up_hours: soon\n", "catch_up_hours"),
        ("lease_seconds: true\n", "lease_seconds"),
        ("daily: {channel: C1}\n", "daily"),
        ("daily:\n  - time: '09:00'\n", "channel"),
        ("daily:\n  - channel: C1\n  - time: '09:00'\n", "daily[2]"),
        ("daily:\n  - channel: C1\n    time: 9am\n", "daily[1].time"),
        ("daily:\n  - channel: C1\n    time: '25:00'\n", "daily[1].time"),
        ("daily:\n  - channel: C1\n    days: 1-5\n", "daily[1].days"),
        ("daily:\n  - channel: C1\n    days: 0,6\n", "daily[1].days"),
        ("daily:\n  - channel: C1\n    days: someday\n", "daily[1].days"),
    ],
)  # fmt: skip
def test_a_malformed_setting_names_the_file_and_key(tmp_path: Path, text: str, key: str) -> None:
    env = config(tmp_path, text)
    message = error_for(env)
    assert message.startswith(env["QUOTEBOT_CONFIG"]), message
    assert key in message
    assert "\n" not in message


# --- Slack credentials -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, ["SLACK_SIGNING_SECRET"]),
        ({"SLACK_SIGNING_SECRET": "s"}, ["SLACK_BOT_TOKEN"]),
        ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}, []),
        ({"SLACK_APP_TOKEN": "xapp-1"}, ["SLACK_BOT_TOKEN"]),
        ({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"}, []),
    ],
)
def test_missing_for_slack(environ: dict[str, str], missing: list[str]) -> None:
    assert load_settings(environ).missing_for_slack() == missing


@pytest.mark.parametrize(
    ("environ", "missing"),
    [
        ({}, ["SLACK_SIGNING_SECRET"]),
        ({"SLACK_SIGNING_SECRET": "s"}, []),
    ],
)
def test_oauth_needs_no_bot_token(environ: dict[str, str], missing: list[str]) -> None:
    oauth = {"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "c"}
    settings = load_settings({**oauth, **environ})
    assert settings.oauth
    assert settings.missing_for_slack() == missing


@pytest.mark.parametrize(
    ("name", "other"),
    [("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"), ("SLACK_CLIENT_SECRET", "SLACK_CLIENT_ID")],
)
def test_oauth_needs_both_client_id_and_secret(name: str, other: str) -> None:
    assert error_for({name: "x"}).startswith(other)


def test_socket_mode_does_not_need_the_signing_secret() -> None:
    settings = load_settings({"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1"})
    assert settings.socket_mode
    assert "SLACK_SIGNING_SECRET" not in settings.missing_for_slack()


def test_secrets_never_show_in_the_settings_repr() -> None:
    environ = {
        "SLACK_BOT_TOKEN": "xoxb-bot-TOPSECRET-1",
        "SLACK_SIGNING_SECRET": "signing-TOPSECRET-2",
        "SLACK_APP_TOKEN": "xapp-app-TOPSECRET-3",
        "SLACK_CLIENT_ID": "1234.5678",
        "SLACK_CLIENT_SECRET": "client-TOPSECRET-4",
    }
    # A secret added to ENVIRONMENT must be added here too, to be checked.
    secrets = {var.name for var in ENVIRONMENT if var.secret}
    assert secrets <= set(environ)
    assert all("TOPSECRET" in environ[name] for name in secrets)
    # Socket Mode and OAuth are refused together: each secret is read in a mode that takes it.
    oauth = {name: value for name, value in environ.items() if name != "SLACK_APP_TOKEN"}
    socket = {name: value for name, value in environ.items() if "_CLIENT_" not in name}
    for settings in (load_settings(oauth), load_settings(socket)):
        for text in (repr(settings), str(settings), f"{settings}"):
            assert "TOPSECRET" not in text, text


def test_a_database_other_than_sqlite_or_postgresql_is_refused_by_name() -> None:
    with pytest.raises(SettingsError, match="DATABASE_URL must be SQLite or PostgreSQL"):
        load_settings({"DATABASE_URL": "mysql+pymysql://bot:secret@db/quotebot"})


def test_the_database_url_never_shows_in_the_settings_repr() -> None:
    settings = load_settings({"DATABASE_URL": "postgresql://bot:hunter2@db/quotebot"})
    assert "hunter2" not in repr(settings)


def test_with_many_workspaces_each_configured_subscription_names_its_team(
    tmp_path: Path,
) -> None:
    config = tmp_path / "quotebot.yaml"
    config.write_text("daily:\n  - channel: C1\n    time: '09:00'\n", encoding="utf-8")
    environ = {
        "QUOTEBOT_CONFIG": str(config),
        "SLACK_CLIENT_ID": "1.2",
        "SLACK_CLIENT_SECRET": "s",
    }
    with pytest.raises(SettingsError, match=r"daily\[1\].*team: T0123ABCD"):
        load_settings(environ)


# --- Socket Mode with OAuth ----------------------------------------------------------


@pytest.mark.parametrize(
    "oauth",
    [
        {"SLACK_CLIENT_ID": "1234.5678", "SLACK_CLIENT_SECRET": "client-TOPSECRET"},
        {"SLACK_CLIENT_ID": "1234.5678"},  # refused before the missing secret is asked for
        {"SLACK_CLIENT_SECRET": "client-TOPSECRET"},
    ],
)
def test_socket_mode_with_oauth_is_refused_naming_the_variables(oauth: dict[str, str]) -> None:
    """The install pages (/slack/install, /slack/oauth_redirect) need HTTP."""
    message = error_for(
        {"SLACK_APP_TOKEN": "xapp-1-TOPSECRET", "SLACK_BOT_TOKEN": "xoxb-1", **oauth}
    )

    assert message.startswith("SLACK_APP_TOKEN"), message
    for name in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "/slack/install"):
        assert name in message, message
    assert "\n" not in message and "TOPSECRET" not in message, message
