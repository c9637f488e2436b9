"""What `GET /metrics` shows: counts of what the bot answered, posted and asked Slack.

One `CollectorRegistry` for the process, not prometheus_client's global default: tests
and several apps in one interpreter never register the same name twice, and the page
shows only quotebot's own figures. Labels hold only bounded values (slash command
names, event and payload types, Web API method names, Slack error codes): never user
text, channel ids or tokens. The page holds only counts, so like /healthz it is served
without authentication.

The `record_*` functions are the only writers; the Slack edge calls them (the bolt
middleware in bot.app, the aiohttp hooks in bot.slack.clients, the daily scheduler).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sized
from typing import Any, Literal, Protocol

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

Kind = Literal["command", "event", "action"]

REGISTRY = CollectorRegistry(auto_describe=True)

COMMANDS = Counter(
    "quotebot_commands",
    "Slash commands answered, by command name (without the slash).",
    ["command"],
    registry=REGISTRY,
)
EVENTS = Counter(
    "quotebot_events",
    "Events API events answered, by event type (app_mention, message…).",
    ["type"],
    registry=REGISTRY,
)
ACTIONS = Counter(
    "quotebot_actions",
    "Interactive requests answered (button clicks, modals…), by payload type.",
    ["type"],
    registry=REGISTRY,
)
# Slack waits 3 s for an answer: the buckets around it say how close the bot gets.
ANSWER_SECONDS = Histogram(
    "quotebot_answer_seconds",
    "Time from a request reaching the listeners to its answer (the ack), by kind.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
    registry=REGISTRY,
)
DAILY_POSTS = Counter(
    "quotebot_daily_posts",
    "Quote-of-the-day posts by outcome: sent, failed (for good today), retry_later "
    "(released, to be tried again), unverified (may have gone out; never re-sent).",
    ["outcome"],
    registry=REGISTRY,
)
DAILY_TAKEOVERS = Counter(
    "quotebot_daily_takeovers",
    "Quote-of-the-day claims taken over from an instance whose lease ran out.",
    registry=REGISTRY,
)
SLACK_CALLS = Counter(
    "quotebot_slack_api_calls",
    'Slack Web API calls by method and HTTP status ("error": no answer, e.g. a dropped '
    "connection or a timeout).",
    ["method", "status"],
    registry=REGISTRY,
)
SLACK_ERRORS = Counter(
    "quotebot_slack_api_errors",
    'Slack Web API answers with "ok": false, by method and error code; a 429 counts as '
    '"ratelimited", each time, retried or not.',
    ["method", "error"],
    registry=REGISTRY,
)
SLACK_CONNECTIONS = Counter(
    "quotebot_slack_api_connections",
    "New HTTP connections opened to the Web API (far fewer than calls: connections are reused).",
    registry=REGISTRY,
)

DAILY_OUTCOMES = ("sent", "failed", "retry_later", "unverified")
_BY_KIND = {"command": COMMANDS, "event": EVENTS, "action": ACTIONS}
# Shapes of Slack's own names; anything else is counted as "other", so a surprise (a
# proxy's error page, a new URL scheme) can never grow a label without bound.
_METHOD = re.compile(r"[a-z]+(?:\.[A-Za-z0-9]+)+")
_ERROR = re.compile(r"[a-z0-9_.]{1,80}")

# Zero rather than absent: an alert on `increase(...[1h]) > 0` works from the first scrape.
for _outcome in DAILY_OUTCOMES:
    DAILY_POSTS.labels(outcome=_outcome)
for _kind in _BY_KIND:
    ANSWER_SECONDS.labels(kind=_kind)


class RunReportLike(Protocol):
    """What `record_daily_run` reads from bot.daily.runner's `RunReport` (duck-typed)."""

    sent: Sized
    failed: Sized
    retry_later: Sized


def exposition() -> bytes:
    """The registry in Prometheus' text format (serve with `CONTENT_TYPE_LATEST`)."""
    return generate_latest(REGISTRY)


def request_kind(body: Mapping[str, Any]) -> tuple[Kind, str] | None:
    """("command", name), ("event", type) or ("action", payload type) of a request body.

    None for what is neither (url_verification and the like, which bolt answers itself).
    """
    if "command" in body:
        return "command", str(body["command"]).lstrip("/")
    kind = body.get("type")
    if kind == "event_callback":
        return "event", str((body.get("event") or {}).get("type") or "unknown")
    if isinstance(kind, str) and kind:
        return "action", kind
    return None


def record_answer(kind: Kind, label: str, *, seconds: float) -> None:
    """One request answered (acked) after `seconds`."""
    _BY_KIND[kind].labels(label).inc()
    ANSWER_SECONDS.labels(kind=kind).observe(seconds)


def record_daily_run(report: RunReportLike) -> None:
    """Count one run's posts: its `sent`, `failed` and `retry_later` (lists or counts).

    Also its `unverified` and `taken_over`, when the report has them.
    """
    for outcome in DAILY_OUTCOMES:
        if n := _count(getattr(report, outcome, 0)):
            DAILY_POSTS.labels(outcome=outcome).inc(n)
    if n := _count(getattr(report, "taken_over", 0)):
        DAILY_TAKEOVERS.inc(n)


def record_slack_call(method: str, status: int | str) -> None:
    """One Web API call answered with HTTP `status` ("error": no answer at all)."""
    SLACK_CALLS.labels(method=_method(method), status=str(status)).inc()


def record_slack_error(method: str, error: str) -> None:
    """One Web API answer with `"ok": false` and this error code (or a 429: "ratelimited")."""
    code = error if _ERROR.fullmatch(error) else "other"
    SLACK_ERRORS.labels(method=_method(method), error=code).inc()


def record_slack_connection() -> None:
    """One new HTTP connection to the Web API."""
    SLACK_CONNECTIONS.inc()


def _method(name: str) -> str:
    return name if _METHOD.fullmatch(name) else "other"


def _count(value: Sized | int) -> int:
    return value if isinstance(value, int) else len(value)
