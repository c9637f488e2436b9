"""What the quote-of-the-day runner asks of whoever talks to Slack, and what it hears back.

The runner decides what is posted, where and when, and claims it; a `Sender` (at the
Slack edge: `bot.slack.sender`) gets it there. Keeping this a protocol keeps the
domain free of Slack's client libraries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

METADATA_TYPE = "quotebot_daily"  # the post's metadata names its claim: found again after a crash

# sent: Slack took it (ts known). failed: not today (a reason Slack gave). disabled: the
# channel is gone or closed to the bot. unauthorized: the token was refused. retry_later:
# not sent, safe to try again. lost: another process took the claim over. unverified: a
# send whose outcome is unknown in a channel whose history cannot be read, so it is never
# sent again: a possible miss is better than a double post.
Status = Literal["sent", "failed", "disabled", "unauthorized", "retry_later", "lost", "unverified"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """How a post ended: sent (with its ts), or why not."""

    status: Status
    ts: str | None = None
    error: str | None = None
    # retry_later after a send whose outcome is unknown: the next try must look first.
    maybe_sent: bool = False


@dataclass(frozen=True, slots=True)
class Post:
    """One day's post for one channel, tagged with its claim."""

    team_id: str
    channel: str
    message: dict[str, Any]
    claim_id: str
    oldest: float  # a Unix time before any earlier attempt: where a history search starts
    check_first: bool  # look for it in the channel before the first send


class Sender(Protocol):
    async def ready(self, team_id: str) -> bool:
        """Whether the workspace can be posted to now (it has a token Slack has not refused)."""

    async def settle(self, timeout: float) -> None:
        """Finish work still under way in the background (at most `timeout` seconds)."""

    async def deliver(self, post: Post, *, still_ours: Callable[[], Awaitable[bool]]) -> Delivery:
        """Post it once: never twice, whatever the network does.

        `still_ours` is asked right before each send; False means another process took
        the claim over, and nothing is sent ("lost").
        """
