"""Every message the bot sent during a test must be one Slack would show."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import check_message
from tests.slack_standin import SlackStandIn


@pytest.fixture(autouse=True)
def posted_messages_are_valid(slack: SlackStandIn) -> Iterator[None]:
    """After each test: each message posted (chat.postMessage, response_url) passes Block Kit.

    Answers in HTTP bodies are checked by the tests themselves, with `check_message`.
    """
    yield
    for call in slack.calls:
        if call.method in ("chat.postMessage", "response_url") and "blocks" in call.args:
            check_message(call.args)
