"""The buttons: Share, Another and Cancel on a preview; "Show me another" on a daily post.

Ephemeral messages can only be changed through their `response_url`, so every
button answers with `respond()`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.answers import answer
from bot.listeners.payloads import team_of
from bot.listeners.replies import preview
from bot.render import (
    ANOTHER,
    CANCEL,
    DAILY_ANOTHER,
    SHARE,
    ButtonState,
    notice_message,
    quote_message,
)
from bot.services import Services

log = logging.getLogger(__name__)

NO_UNFURL = {"unfurl_links": False, "unfurl_media": False}


def _state(body: dict[str, Any]) -> ButtonState | None:
    try:
        return ButtonState.decode(body["actions"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError, json.JSONDecodeError):
        return None


def register(app: AsyncApp, services: Services) -> None:
    async def share(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        state = _state(body)
        corpus = services.corpus_for(team_of(body))
        quote = corpus.get(state.quote_id) if state else None
        if quote is None:
            gone = notice_message("That quote is no longer in the collection.")
            await respond(replace_original=True, **gone)
            return
        message = quote_message(quote, shared_by=body["user"]["id"])
        # Post for everyone first, then remove the preview: a failed post keeps the preview.
        # respond() does not raise when Slack refuses the post; it returns Slack's answer,
        # and Slack refuses a bad message with HTTP 200 and {"ok": false, "error": …}.
        posted = await respond(
            response_type="in_channel", replace_original=False, **message, **NO_UNFURL
        )
        refused = posted.status_code != 200
        if not refused:
            try:
                answer_body = json.loads(posted.body or "{}")
            except ValueError:
                answer_body = None  # not JSON (Slack has also answered a plain "ok")
            refused = isinstance(answer_body, dict) and answer_body.get("ok") is False
        if refused:
            # Logged, not raised: bolt turns an exception raised just after ack() into a
            # 404 for Slack three seconds later.
            log.error("Share: Slack refused the post: %s %.200s", posted.status_code, posted.body)
            failed = notice_message("Slack did not take the shared quote. Try *Share* again.")
            await respond(response_type="ephemeral", replace_original=False, **failed)
            return
        await respond(delete_original=True)

    async def another(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        state = _state(body) or ButtonState("", 0, "")
        reply = answer(
            services.corpus_for(team_of(body)),
            state.query,
            rng=services.rng,
            position=state.position + 1,
            exclude=state.quote_id,
        )
        await respond(replace_original=True, **preview(reply), **NO_UNFURL)

    async def cancel(ack: AsyncAck, respond: AsyncRespond) -> None:
        await ack()
        await respond(delete_original=True)

    async def daily_another(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        """From a channel's quote of the day: a preview only the clicker sees."""
        await ack()
        shown = (body.get("actions") or [{}])[0].get("value")
        reply = answer(services.corpus_for(team_of(body)), "", rng=services.rng, exclude=shown)
        await respond(
            response_type="ephemeral", replace_original=False, **preview(reply), **NO_UNFURL
        )

    app.action(SHARE)(share)
    app.action(ANOTHER)(another)
    app.action(CANCEL)(cancel)
    app.action(DAILY_ANOTHER)(daily_another)
