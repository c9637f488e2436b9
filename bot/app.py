"""Build the Bolt app: one place where every listener, middleware and handler is wired.

Listeners live in `bot.listeners`; this module only assembles them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.web.async_client import AsyncWebClient

from bot.listeners import actions, commands, events
from bot.services import Services

log = logging.getLogger(__name__)


def build_app(services: Services) -> AsyncApp:
    """The Slack app for these services, with signature checks on (HTTP mode)."""
    settings = services.settings
    client = AsyncWebClient(token=settings.bot_token, base_url=settings.slack_api_url)
    app = AsyncApp(
        client=client,  # carries the bot token and the Web API URL
        # Socket Mode has no HTTP requests to sign: Slack authenticates the socket.
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("slack_bolt"),
    )
    app.use(_drop_retried_events(services))
    commands.register(app, services)
    actions.register(app, services)
    events.register(app, services)
    app.error(_log_error)
    return app


def _drop_retried_events(services: Services) -> Callable[..., Awaitable[Any]]:
    """Middleware: an event whose `event_id` was already handled gets a quiet 200.

    Slack re-sends an event (same `event_id`) when it thinks we missed it; bolt does
    not filter those. The id is recorded in the database, so this holds across
    restarts and across several instances.
    """

    async def drop_retried_events(
        body: dict[str, Any], next: Callable[[], Awaitable[None]]
    ) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            fresh = await asyncio.to_thread(
                services.store.first_delivery, event_id, now=services.clock()
            )
            if not fresh:
                log.info("event %s already handled; ignoring Slack's retry", event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None

    return drop_retried_events


async def _log_error(error: Exception, body: dict[str, Any]) -> None:
    """The one error handler: log with enough context to find the request, never secrets."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    detail = body.get("command") or (body.get("event") or {}).get("type") or ""
    log.error("error handling %s %s: %s", kind, detail, error, exc_info=error)
