"""GET /metrics on the real bot: what it answered, posted and asked Slack, as Prometheus reads it.

The module's bot process keeps counting across tests, so each test reads the page
before and after and checks the difference. Web API calls are counted when the bot has
read Slack's answer, a moment after the stand-in recorded the call: those counts are
polled for (bounded) rather than read once.
"""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot import metrics
from bot.slack.clients import SHARED, shared_session, web_client
from tests.harness import (
    BOT_TOKEN,
    BOT_USER_ID,
    FORM,
    BotProcess,
    bot_environment,
    command_body,
    mention_event,
)
from tests.slack_standin import SlackStandIn

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(bot: BotProcess) -> Samples:
    """Every sample on the bot's /metrics page, by (name, labels)."""
    content_type, text = fetch(bot)
    assert content_type.startswith("text/plain"), content_type
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def fetch(bot: BotProcess) -> tuple[str, str]:
    with urllib.request.urlopen(bot.url + "/metrics", timeout=10) as response:
        assert response.status == 200
        return response.headers["Content-Type"], response.read().decode()


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples) -> dict[str, float]:
    """The samples that changed (quotebot's own, `_created` timestamps left out)."""
    changed = {}
    for key, now in after.items():
        name, labels = key
        if name.startswith("quotebot_") and not name.endswith("_created"):
            delta = now - before.get(key, 0.0)
            if delta:
                label_text = ",".join(f"{k}={v}" for k, v in sorted(labels))
                changed[f"{name}{{{label_text}}}"] = delta
    return changed


def wait_for_metrics(
    bot: BotProcess, done: Callable[[Samples], bool], what: str, timeout: float = 10
) -> Samples:
    deadline = time.monotonic() + timeout
    while not done(samples := scrape(bot)):
        if time.monotonic() > deadline:
            raise AssertionError(f"/metrics never showed {what} within {timeout}s:\n{bot.log()}")
        time.sleep(0.02)
    return samples


def calls(samples: Samples, method: str, status: int | str) -> float:
    return value(samples, "quotebot_slack_api_calls_total", method=method, status=str(status))


def errors(samples: Samples, method: str, error: str) -> float:
    return value(samples, "quotebot_slack_api_errors_total", method=method, error=error)


def mention(bot: BotProcess, text: str = "robotics", **options: str) -> dict:
    event = mention_event(f"<@{BOT_USER_ID}> {text}")
    status, body = bot.event(event, **options)
    assert status == 200, f"{status} {body!r}\n{bot.log()}"
    return event


# ----- the page ------------------------------------------------------------------------------


def test_the_page_is_prometheus_text_and_lists_every_metric_before_anything_happened(
    bot: BotProcess,
) -> None:
    content_type, text = fetch(bot)

    assert content_type == CONTENT_TYPE_LATEST, content_type
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {
        "quotebot_commands",
        "quotebot_events",
        "quotebot_actions",
        "quotebot_answer_seconds",
        "quotebot_daily_posts",
        "quotebot_daily_takeovers",
        "quotebot_slack_api_calls",
        "quotebot_slack_api_errors",
        "quotebot_slack_api_connections",
    } <= names, text
    samples = scrape(bot)
    for outcome in ("sent", "failed", "retry_later", "unverified"):  # there from the start
        assert ("quotebot_daily_posts_total", frozenset({("outcome", outcome)})) in samples
    assert "xoxb" not in text and "secret" not in text.lower()


# ----- requests answered ---------------------------------------------------------------------


def test_commands_and_a_mention_are_counted_and_timed_and_the_reply_call_seen(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    before = scrape(bot)

    for text in ("robotics", "", "topics"):
        status, body = bot.command(text)
        assert status == 200, f"{status} {body!r}\n{bot.log()}"
    mention(bot)
    slack.wait_for(lambda seen: any(c.method == "chat.postMessage" for c in seen))
    after = wait_for_metrics(
        bot,
        lambda s: calls(s, "chat.postMessage", 200) > calls(before, "chat.postMessage", 200),
        "the mention's chat.postMessage",
    )

    changes = moved(before, after)
    assert changes["quotebot_commands_total{command=quote}"] == 3, changes
    assert changes["quotebot_events_total{type=app_mention}"] == 1, changes
    assert changes["quotebot_answer_seconds_count{kind=command}"] == 3, changes
    assert changes["quotebot_answer_seconds_count{kind=event}"] == 1, changes
    assert changes["quotebot_slack_api_calls_total{method=chat.postMessage,status=200}"] == 1
    assert 0 < changes["quotebot_answer_seconds_sum{kind=command}"] < 3 * 3, changes  # < 3 s each
    assert not [name for name in changes if name.startswith("quotebot_actions")], changes
    assert not [name for name in changes if "errors" in name], changes


def test_a_retried_event_and_an_unsigned_request_are_not_counted_as_answered(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    before = scrape(bot)

    event = mention_event(f"<@{BOT_USER_ID}> robotics")
    status, _ = bot.event(event, event_id="EvMETRICS1")
    assert status == 200
    assert bot.event(event, event_id="EvMETRICS1", retry=1)[0] == 200  # dropped: a retry
    unsigned = command_body("robotics", response_url=slack.response_url())
    assert bot.post(unsigned, FORM, signed=False)[0] == 401
    after = wait_for_metrics(
        bot,
        lambda s: calls(s, "chat.postMessage", 200) > calls(before, "chat.postMessage", 200),
        "the mention's chat.postMessage",
    )

    changes = moved(before, after)
    assert changes["quotebot_events_total{type=app_mention}"] == 1, changes
    assert changes["quotebot_answer_seconds_count{kind=event}"] == 1, changes
    assert "quotebot_commands_total{command=quote}" not in changes, changes
    assert len(slack.calls_to("chat.postMessage")) == 1, slack.dump_calls()


def test_a_button_click_is_counted_as_an_action(bot: BotProcess, slack: SlackStandIn) -> None:
    status, preview = bot.command("robotics")
    assert status == 200, preview
    before = scrape(bot)

    status, body = bot.click(preview, "quote_another")
    assert status == 200, f"{status} {body!r}\n{bot.log()}"

    changes = moved(before, scrape(bot))
    assert changes["quotebot_actions_total{type=block_actions}"] == 1, changes
    assert changes["quotebot_answer_seconds_count{kind=action}"] == 1, changes


# ----- Slack's answers -----------------------------------------------------------------------


def test_an_ok_false_answer_is_counted_by_its_error_code(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    before = scrape(bot)
    slack.fail("chat.postMessage", "channel_not_found")

    mention(bot)
    after = wait_for_metrics(
        bot,
        lambda s: (
            errors(s, "chat.postMessage", "channel_not_found")
            > errors(before, "chat.postMessage", "channel_not_found")
        ),
        "channel_not_found",
    )

    changes = moved(before, after)
    errors_seen = {k: v for k, v in changes.items() if k.startswith("quotebot_slack_api_errors")}
    assert errors_seen == {
        "quotebot_slack_api_errors_total{error=channel_not_found,method=chat.postMessage}": 1
    }, changes
    # Slack answers ok: false with HTTP 200.
    assert changes["quotebot_slack_api_calls_total{method=chat.postMessage,status=200}"] == 1


def test_a_429_is_counted_as_ratelimited_even_when_the_retry_succeeds(
    bot: BotProcess, slack: SlackStandIn
) -> None:
    before = scrape(bot)
    slack.fail("chat.postMessage", ratelimited=True, retry_after=1)

    mention(bot)
    after = wait_for_metrics(
        bot,
        lambda s: calls(s, "chat.postMessage", 200) > calls(before, "chat.postMessage", 200),
        "the retried chat.postMessage",
    )

    changes = moved(before, after)
    assert changes["quotebot_slack_api_calls_total{method=chat.postMessage,status=429}"] == 1
    assert changes["quotebot_slack_api_calls_total{method=chat.postMessage,status=200}"] == 1
    assert (
        changes["quotebot_slack_api_errors_total{error=ratelimited,method=chat.postMessage}"] == 1
    )
    assert len([k for k in changes if k.startswith("quotebot_slack_api_errors")]) == 1, changes


def test_connections_to_slack_are_reused(bot: BotProcess) -> None:
    before = scrape(bot)
    replies = calls(before, "chat.postMessage", 200)

    for n in range(1, 4):  # one after the other, so one kept-alive connection serves them
        mention(bot)
        wait_for_metrics(
            bot, lambda s, n=n: calls(s, "chat.postMessage", 200) - replies >= n, f"{n} replies"
        )

    changes = moved(before, scrape(bot))
    assert changes["quotebot_slack_api_calls_total{method=chat.postMessage,status=200}"] == 3
    assert changes.get("quotebot_slack_api_connections_total", 0) <= 1, changes


# ----- the quote of the day ------------------------------------------------------------------


def test_daily_posts_sent_and_failed_are_counted(tmp_path: Path, slack: SlackStandIn) -> None:
    slack.add_channel("C0METRICSGONE", "gone", is_archived=True)
    at = f"{datetime.now(UTC):%H:%M}"  # a post time that has just passed: due at start
    (tmp_path / "quotebot.yaml").write_text(
        "timezone: UTC\ndaily:\n"
        f'  - {{channel: C0METRICSDAILY, time: "{at}", days: daily}}\n'
        f'  - {{channel: C0METRICSGONE, time: "{at}", days: daily}}\n',
        encoding="utf-8",
    )
    with BotProcess(bot_environment(tmp_path, slack), cwd=tmp_path, slack=slack) as bot:
        samples = wait_for_metrics(
            bot,
            lambda s: (
                value(s, "quotebot_daily_posts_total", outcome="sent")
                + value(s, "quotebot_daily_posts_total", outcome="failed")
                >= 2
            ),
            "two daily posts",
            timeout=20,
        )

    assert value(samples, "quotebot_daily_posts_total", outcome="sent") == 1, samples
    assert value(samples, "quotebot_daily_posts_total", outcome="failed") == 1, samples
    assert value(samples, "quotebot_daily_posts_total", outcome="retry_later") == 0
    assert value(samples, "quotebot_daily_takeovers_total") == 0
    assert len(slack.messages("C0METRICSDAILY")) == 1, slack.dump_calls()


# ----- the shared session --------------------------------------------------------------------


def test_the_bot_closes_its_slack_session_when_it_stops(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    # ResourceWarning is silent by default: "always" prints aiohttp's "Unclosed client
    # session" and "Unclosed connector" if the session were left open.
    env = bot_environment(tmp_path, slack, PYTHONWARNINGS="always::ResourceWarning")
    with BotProcess(env, cwd=tmp_path, slack=slack) as bot:
        mention(bot)
        wait_for_metrics(
            bot, lambda s: calls(s, "chat.postMessage", 200) >= 1, "the mention's reply"
        )
        assert bot.stop() == 0, bot.log()
        log = bot.log()

    assert "Unclosed" not in log and "ResourceWarning" not in log, log


async def test_web_clients_share_one_session_only_while_it_is_open(slack: SlackStandIn) -> None:
    """In-process: inside `shared_session()` one connection serves every call; outside,
    a client works as a plain one (its own session per call) and nothing is left open.
    pytest turns warnings into errors, so an unclosed session would fail this test."""
    client = web_client(BOT_TOKEN, slack.api_url)

    assert SHARED.current is None
    assert client.session is None
    assert (await client.auth_test())["ok"]  # outside: slack-sdk's own session, closed

    async with shared_session() as session:
        assert client.session is session
        later = web_client(BOT_TOKEN, slack.api_url)  # built inside, same session
        assert later.session is session
        opened = connections_opened()
        for _ in range(3):
            assert (await client.auth_test())["ok"]
            assert (await later.auth_test())["ok"]
        assert connections_opened() - opened == 1
    assert session.closed
    assert client.session is None  # a call after shutdown still works, on its own session
    assert (await client.auth_test())["ok"]


def connections_opened() -> float:
    return metrics.REGISTRY.get_sample_value("quotebot_slack_api_connections_total") or 0.0


async def test_a_client_keeps_its_own_timeout_on_the_shared_session(
    slack: SlackStandIn,
) -> None:
    """And a call that got no answer is counted with status "error"."""
    unanswered = {"method": "auth.test", "status": "error"}
    before = metrics.REGISTRY.get_sample_value("quotebot_slack_api_calls_total", unanswered)
    slack.fail("auth.test", delay=1.5)
    async with shared_session():
        client = web_client(BOT_TOKEN, slack.api_url, timeout=0.5, retry_handlers=[])
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            await client.auth_test()
        assert time.monotonic() - started < 1.4  # the session's own default is 30 s

    after = metrics.REGISTRY.get_sample_value("quotebot_slack_api_calls_total", unanswered)
    assert (after or 0) - (before or 0) == 1


# ----- what the scheduler reports ------------------------------------------------------------


class Report:
    def __init__(self, **fields: object) -> None:
        self.__dict__.update(fields)


def daily_totals() -> Mapping[str, float]:
    get = metrics.REGISTRY.get_sample_value
    totals = {
        outcome: get("quotebot_daily_posts_total", {"outcome": outcome}) or 0.0
        for outcome in metrics.DAILY_OUTCOMES
    }
    totals["taken_over"] = get("quotebot_daily_takeovers_total") or 0.0
    return totals


def test_record_daily_run_counts_a_reports_lists_and_counts() -> None:
    before = daily_totals()

    metrics.record_daily_run(
        Report(sent=["a", "b"], failed=["c: is_archived"], retry_later=[], skipped=4)
    )
    metrics.record_daily_run(
        Report(sent=[], failed=[], retry_later=["d: 429"], unverified=["e"], taken_over=2)
    )

    after = daily_totals()
    assert {k: after[k] - before[k] for k in after} == {
        "sent": 2,
        "failed": 1,
        "retry_later": 1,
        "unverified": 1,
        "taken_over": 2,
    }
