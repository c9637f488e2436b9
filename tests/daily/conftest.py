"""Quote-of-the-day tests count every message a channel ever got, make channels private
or archived and revoke the token: each test gets a fresh Slack stand-in of its own rather
than the module's shared one (whose `reset()` keeps channels and messages)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.harness import BOT_TOKEN, TEAM_ID
from tests.slack_standin import SlackStandIn


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    """A fresh stand-in knowing the bot token of team T1 (also what `bot_env` points at)."""
    with SlackStandIn(tokens={BOT_TOKEN: TEAM_ID}) as standin:
        yield standin
