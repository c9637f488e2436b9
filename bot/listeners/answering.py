"""What the quote book's listeners share: answering the clicker, posting, telling approvers.

`show_now` applies a change made here before the answer says it is done; `refusal` says
why not, and what to reinstall when Slack would not say who someone is.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.render import notice_message
from bot.roles import Decision, Person, reinstall_line
from bot.services import Services

log = logging.getLogger(__name__)

GONE = "That quote is no longer in the collection."
_APPLYING: set[asyncio.Future[None]] = set()


async def show_now(services: Services, *, within: float = 1.5) -> None:
    """Apply a change made here before answering, but never past Slack's 3 seconds.

    Applying is milliseconds, except a workspace's first quote of its own in
    many-workspace mode, which builds its collection (about 1.5 s at 100,000 quotes):
    then the answer goes out and the change is applied just after.
    """
    task = asyncio.ensure_future(services.book_changed())
    _APPLYING.add(task)  # kept until done: a task nobody holds may be collected
    task.add_done_callback(_applied)
    done, _ = await asyncio.wait({task}, timeout=max(within, 0.0))
    if not done:
        log.info("the quote book change is still being applied; answering first")


def _applied(task: asyncio.Future[None]) -> None:
    _APPLYING.discard(task)
    if not task.cancelled() and task.exception() is not None:
        log.error("applying a quote book change failed", exc_info=task.exception())


async def tell(respond: AsyncRespond, text: str) -> None:
    """A line only the clicker sees, leaving the message they clicked on as it was."""
    await respond(response_type="ephemeral", replace_original=False, **notice_message(text))


async def post(client: AsyncWebClient, channel: str, message: dict[str, Any]) -> None:
    """Post, and log (not raise) a refusal: one failed DM must not stop the others."""
    try:
        await client.chat_postMessage(
            channel=channel, unfurl_links=False, unfurl_media=False, **message
        )
    except SlackApiError as error:
        log.warning("could not post to %s: %s", channel, error.response.get("error"))


async def tell_approvers(
    services: Services, client: AsyncWebClient, message: dict[str, Any], *, what: str
) -> None:
    """Post to the approvers: in the review channel, or a DM to each named."""
    settings = services.settings
    places = [settings.review_channel] if settings.review_channel else []
    places = places or sorted(settings.policy.approvers or ())
    if not places:
        log.warning(
            "%s, and the settings name no review_channel and no approvers to tell: "
            "approvers see it with /quote review and on the Home tab", what
        )  # fmt: skip
    for place in places:
        await post(client, place, message)


def refusal(decision: Decision, person: Person) -> str:
    """Why not, and, when Slack would not say who the person is, what to reinstall."""
    if person.directory_incomplete:
        return f"{decision.reason} {reinstall_line(person.missing_scopes)}"
    return decision.reason
