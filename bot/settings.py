"""Settings from the environment and the YAML settings file, validated once at start.

Every setting is a row in `ENVIRONMENT` (name, default, help) so the README, the
"what to set" message and the validation all read from one table. Secrets come only
from the environment and are never logged or shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.corpus import shipped_corpus
from bot.daily.schedule import (
    Subscription,
    check_max_length,
    check_zone,
    parse_days,
    parse_time,
)
from bot.ids import ALPHABET, normalize
from bot.roles import Policy


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str | None
    help: str
    secret: bool = False


ENVIRONMENT: tuple[Variable, ...] = (
    Variable(
        "SLACK_BOT_TOKEN",
        None,
        "Bot token (xoxb-…), from the app's OAuth & Permissions page.",
        secret=True,
    ),
    Variable(
        "SLACK_SIGNING_SECRET",
        None,
        "Signing secret, from the app's Basic Information page.",
        secret=True,
    ),
    Variable(
        "SLACK_APP_TOKEN",
        None,
        "App-level token (xapp-…, scope connections:write): set it for Socket Mode.",
        secret=True,
    ),
    Variable(
        "SLACK_CLIENT_ID",
        None,
        "OAuth client ID: set it and SLACK_CLIENT_SECRET to install in many workspaces.",
    ),
    Variable(
        "SLACK_CLIENT_SECRET",
        None,
        "OAuth client secret, from the app's Basic Information page.",
        secret=True,
    ),
    Variable(
        "PORT",
        "3000",
        "HTTP port for /slack/events and /healthz (HTTP mode).",
    ),
    Variable(
        "QUOTEBOT_CORPUS",
        None,
        "Folder of quote pages; default: the quotes shipped with quotebot.",
    ),
    Variable(
        "QUOTEBOT_CONFIG",
        "config/quotebot.yaml",
        "YAML settings file: daily subscriptions and more.",
    ),
    Variable(
        "SLACK_API_URL",
        "https://slack.com/api/",
        "Slack Web API base URL; tests and staging point it elsewhere.",
    ),
    Variable(
        "DATABASE_URL",
        None,
        "SQLite or PostgreSQL URL; default: the SQLite file in the settings file.",
    ),
    Variable(
        "QUOTEBOT_LOG_LEVEL",
        "INFO",
        "Logging level: DEBUG, INFO, WARNING or ERROR.",
    ),
)

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


class SettingsError(Exception):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    bot_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    port: int = 3000
    corpus_path: Path = field(default_factory=shipped_corpus)
    config_path: Path = Path("config/quotebot.yaml")
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = field(
        default="sqlite:///quotebot.sqlite3", repr=False
    )  # may hold a password
    log_level: str = "INFO"
    timezone: str = "UTC"
    catch_up_hours: float = 6.0
    lease_seconds: float = 300.0
    history_days: int = 60
    reload_seconds: float = 10.0  # how often the quote folder is looked at; 0: on SIGHUP only
    # A platform whose disk is wiped at each restart (from its own variables: Heroku sets
    # DYNO, Render sets RENDER), where a SQLite file forgets what was posted.
    ephemeral_platform: str | None = None
    subscriptions: tuple[Subscription, ...] = ()
    policy: Policy = field(default_factory=Policy)  # who manages schedules, approves quotes
    # Where quotes waiting for review are announced: a channel ID; None: a DM to each
    # approver the settings name.
    review_channel: str | None = None
    book_poll_seconds: float = 1.0  # how often the quote book is checked for changes

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Installable in many workspaces: bolt's OAuth flow, tokens in the database."""
        return bool(self.client_id and self.client_secret)

    def describe_mode(self) -> str:
        """The mode in words, for the startup log (bolt picks OAuth silently)."""
        workspaces = (
            "many workspaces (OAuth: SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set; "
            "SLACK_BOT_TOKEN is not used)"
            if self.oauth
            else "single workspace (SLACK_BOT_TOKEN)"
        )
        transport = "Socket Mode" if self.socket_mode else f"HTTP on port {self.port}"
        return f"{transport}, {workspaces}"

    @property
    def has_slack_credentials(self) -> bool:
        """Whether any Slack credential is set at all (else: a first start, offline)."""
        return any((self.bot_token, self.signing_secret, self.app_token, self.client_id))

    def missing_for_slack(self) -> list[str]:
        """The variables still needed to connect to Slack in the chosen mode."""
        needed = ["SLACK_APP_TOKEN" if self.socket_mode else "SLACK_SIGNING_SECRET"]
        if not self.oauth:
            needed.insert(0, "SLACK_BOT_TOKEN")
        values = {
            "SLACK_BOT_TOKEN": self.bot_token,
            "SLACK_APP_TOKEN": self.app_token,
            "SLACK_SIGNING_SECRET": self.signing_secret,
        }
        return [name for name in needed if not values[name]]


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read and check every setting; raise SettingsError naming the first bad one."""
    env = {var.name: (environ.get(var.name) or "").strip() or var.default for var in ENVIRONMENT}
    bot_token = _token(env, "SLACK_BOT_TOKEN", "xoxb-")
    app_token = _token(env, "SLACK_APP_TOKEN", "xapp-")
    config_path = Path(env["QUOTEBOT_CONFIG"] or "config/quotebot.yaml")
    # Only a file named on purpose must exist; an empty variable counts as unset.
    config = _read_yaml(config_path, required=bool((environ.get("QUOTEBOT_CONFIG") or "").strip()))
    timezone = _checked(check_zone, config.get("timezone", "UTC"), f"{config_path}: timezone")
    database = config.get("database", "quotebot.sqlite3")
    if not isinstance(database, str) or not database:
        raise SettingsError(f"{config_path}: database must be a file name, got {database!r}")
    client_id, client_secret = env["SLACK_CLIENT_ID"], env["SLACK_CLIENT_SECRET"]
    # Checked before the pair is complete, so setting the missing half is not wasted.
    if app_token and (client_id or client_secret):
        raise SettingsError(
            "SLACK_APP_TOKEN (Socket Mode) cannot be used with SLACK_CLIENT_ID and "
            "SLACK_CLIENT_SECRET (many workspaces): the install pages /slack/install and "
            "/slack/oauth_redirect need HTTP; unset SLACK_APP_TOKEN, or the client ID and secret"
        )
    if bool(client_id) != bool(client_secret):
        missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
        raise SettingsError(f"{missing} is missing: OAuth needs both client ID and secret")
    return Settings(
        bot_token=bot_token,
        client_id=client_id,
        client_secret=client_secret,
        signing_secret=env["SLACK_SIGNING_SECRET"],
        app_token=app_token,
        port=_port(env["PORT"]),
        corpus_path=Path(env["QUOTEBOT_CORPUS"]) if env["QUOTEBOT_CORPUS"] else shipped_corpus(),
        config_path=config_path,
        slack_api_url=_api_url(env["SLACK_API_URL"]),
        database_url=_database_url(env["DATABASE_URL"]) or f"sqlite:///{database}",
        log_level=_log_level(env["QUOTEBOT_LOG_LEVEL"]),
        timezone=timezone,
        # Values that would silently switch things off are refused: with no catch-up
        # window nothing is ever due, and a lease shorter than one slow send lets a
        # second instance take over a post that is still being sent.
        catch_up_hours=_number(config, "catch_up_hours", 6.0, config_path, above=0),
        lease_seconds=_number(config, "lease_seconds", 300.0, config_path, least=30),
        ephemeral_platform=_ephemeral_platform(environ),
        history_days=int(_number(config, "history_days", 60, config_path, least=1)),
        reload_seconds=_number(config, "reload_seconds", 10.0, config_path, least=0),
        subscriptions=_subscriptions(
            config.get("daily"), timezone, config_path, need_team=bool(client_id)
        ),
        policy=_policy(config, config_path),
        review_channel=_review_channel(config.get("review_channel"), config_path),
    )


_EPHEMERAL_PLATFORMS = (("DYNO", "Heroku"), ("RENDER", "Render"))


def _ephemeral_platform(environ: Mapping[str, str]) -> str | None:
    return next((name for var, name in _EPHEMERAL_PLATFORMS if environ.get(var)), None)


def _token(env: Mapping[str, str | None], name: str, prefix: str) -> str | None:
    value = env[name]
    if value and not value.startswith(prefix):
        raise SettingsError(f"{name} must start with {prefix!r} (is it the right token?)")
    return value


def _database_url(value: str | None) -> str | None:
    """Platforms hand out `postgres://…`; SQLAlchemy wants a dialect and driver."""
    if value and value.startswith(("postgres://", "postgresql://")):
        value = "postgresql+psycopg://" + value.split("://", 1)[1]
    if value:
        # The value itself is never shown: it may hold a password.
        try:
            url = make_url(value)
        except ArgumentError:
            raise SettingsError(
                "DATABASE_URL is not a database URL "
                "(like postgresql+psycopg://USER:PASSWORD@HOST/NAME)"
            ) from None
        try:
            url.get_dialect()
        except NoSuchModuleError:
            raise SettingsError(
                f"DATABASE_URL names a database SQLAlchemy does not know: {url.drivername!r}"
            ) from None
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise SettingsError(
                f"DATABASE_URL must be SQLite or PostgreSQL, got {url.get_backend_name()!r}"
            )
    return value


def _port(value: str | None) -> int:
    if not value or not value.isdigit() or not 0 < int(value) < 65536:
        raise SettingsError(f"PORT must be a number from 1 to 65535, got {value!r}")
    return int(value)


def _api_url(value: str | None) -> str:
    parsed = urlparse(value or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise SettingsError(f"SLACK_API_URL must be an http(s) URL, got {value!r}")
    return value if value.endswith("/") else value + "/"


def _log_level(value: str | None) -> str:
    level = (value or "INFO").upper()
    if level not in _LOG_LEVELS:
        raise SettingsError(f"QUOTEBOT_LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
    return level


def _read_yaml(path: Path, *, required: bool) -> Mapping[str, Any]:
    if not path.exists():
        if required:
            raise SettingsError(f"QUOTEBOT_CONFIG: {path} not found")
        return {}
    try:
        # libyaml's loader when present: ten times faster on a file of many subscriptions.
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise SettingsError(
            f"{where}: not valid YAML: {getattr(error, 'problem', error)}"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: cannot be read: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: must be a mapping of settings")
    return data


def _number(
    config: Mapping[str, Any], key: str, default: float, path: Path, *,
    above: float | None = None, least: float | None = None,
) -> float:  # fmt: skip
    """A number setting, more than `above` or at least `least`; the error names the key."""
    value = config.get(key, default)
    number = not isinstance(value, bool) and isinstance(value, int | float)
    if not number:
        raise SettingsError(f"{path}: {key} must be a number, got {value!r}")
    if above is not None and value <= above:
        raise SettingsError(f"{path}: {key} must be a number above {above:g}, got {value!r}")
    if least is not None and value < least:
        raise SettingsError(f"{path}: {key} must be a number of at least {least:g}, got {value!r}")
    return float(value)


def _checked(parse: Callable[[Any], str], value: Any, where: str) -> str:
    try:
        return parse(value)
    except ValueError as error:
        raise SettingsError(f"{where}: {error}") from None


def _subscriptions(
    raw: Any, default_zone: str, path: Path, *, need_team: bool
) -> tuple[Subscription, ...]:
    """The `daily` list; with many workspaces (OAuth) each must name its `team`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise SettingsError(f"{path}: daily must be a list of subscriptions")
    subscriptions = []
    for number, item in enumerate(raw, start=1):
        where = f"{path}: daily[{number}]"
        if not isinstance(item, dict) or not item.get("channel"):
            raise SettingsError(
                f"{where}: each subscription needs a channel (its ID, like C0123ABCD)"
            )
        if need_team and not item.get("team"):
            raise SettingsError(
                f"{where}: with SLACK_CLIENT_ID set (many workspaces) each subscription "
                "needs its workspace: team: T0123ABCD"
            )
        topics = item.get("topics") or ()
        if isinstance(topics, str):
            topics = [topics]
        subscriptions.append(
            Subscription(
                channel=str(item["channel"]).strip(),
                time=_checked(parse_time, item.get("time", "09:00"), f"{where}.time"),
                timezone=_checked(
                    check_zone, item.get("timezone", default_zone), f"{where}.timezone"
                ),
                days=_checked(parse_days, item.get("days", "mon-fri"), f"{where}.days"),
                topics=tuple(str(topic) for topic in topics),
                team_id=str(item.get("team", "") or ""),
                id=_schedule_id(item.get("id"), f"{where}.id"),
                max_length=(
                    _checked(check_max_length, item["max_length"], f"{where}.max_length")
                    if item.get("max_length") is not None
                    else None
                ),
            )
        )
    ids = [sub.id for sub in subscriptions]
    for number, sub in enumerate(subscriptions, start=1):
        if ids.index(sub.id) != number - 1:
            raise SettingsError(
                f"{path}: daily[{number}] has the same id as daily[{ids.index(sub.id) + 1}] "
                f"({sub.id}): give each schedule its own, or remove the copy"
            )
    return tuple(subscriptions)


def _schedule_id(value: Any, where: str) -> str:
    """An optional `id:`: keeps a schedule's walk when its time or days change in the file.

    Without one, the ID is derived from the schedule's fields (the same at every start).
    """
    if value is None:
        return ""
    text = normalize(str(value))
    if not 2 <= len(text) <= 16 or not all(char in ALPHABET for char in text):
        raise SettingsError(
            f"{where}: must be 2 to 16 of the letters and digits {ALPHABET}, got {value!r}"
        )
    return text


_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_GROUP_ID = re.compile(r"S[A-Z0-9]{2,}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")


def _policy(config: Mapping[str, Any], path: Path) -> Policy:
    """`managers`, `approvers` and `schedules_added_by`: who holds which role."""
    managers, manager_groups = _people(config.get("managers"), "managers", path)
    approvers = approver_groups = None  # absent: the same as the managers
    if config.get("approvers") is not None:
        approvers, approver_groups = _people(config["approvers"], "approvers", path)
    adding = config.get("adding", "reviewed")
    if adding not in ("open", "reviewed"):
        raise SettingsError(
            f"{path}: adding must be open (quotes added in Slack join at once) or reviewed "
            f"(they wait for an approver), got {adding!r}"
        )
    added_by = config.get("schedules_added_by", "everyone")
    if added_by not in ("everyone", "managers"):
        raise SettingsError(
            f"{path}: schedules_added_by must be everyone or managers, got {added_by!r}"
        )
    return Policy(
        managers=managers,
        manager_groups=manager_groups,
        approvers=approvers,
        approver_groups=approver_groups,
        schedules_added_by=added_by,
        adding=adding,
    )


def _review_channel(raw: Any, path: Path) -> str | None:
    if raw is None or raw == "":
        return None
    value = raw.strip() if isinstance(raw, str) else raw
    if not isinstance(value, str) or not _CHANNEL_ID.fullmatch(value):
        raise SettingsError(
            f"{path}: review_channel must be a channel ID like C0123456789 (channel details "
            f"→ bottom of About), got {raw!r}"
        )
    return value


def _people(raw: Any, key: str, path: Path) -> tuple[frozenset[str], frozenset[str]]:
    """A list of user IDs and user group IDs, split into (users, groups).

    IDs, not names: names change and can be shared, an ID is one account or group.
    """
    if raw is None:
        return frozenset(), frozenset()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list):
        raise SettingsError(
            f"{path}: {key} must be a list of Slack user IDs (U…) or user group IDs (S…)"
        )
    users, groups = set(), set()
    for number, item in enumerate(raw, start=1):
        value = item.strip() if isinstance(item, str) else item
        if isinstance(value, str) and _USER_ID.fullmatch(value):
            users.add(value)
        elif isinstance(value, str) and _GROUP_ID.fullmatch(value):
            groups.add(value)
        else:
            raise SettingsError(
                f"{path}: {key}[{number}] must be a Slack user ID like U0123ABCD (profile → ⋮ "
                f"→ Copy member ID) or a user group ID like S0123ABCD, got {item!r}"
            )
    return frozenset(users), frozenset(groups)
