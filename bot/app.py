"""Build the Bolt app: one place where every listener, middleware and handler is wired.

Listeners live in `bot.listeners`; this module only assembles them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

from bot.installations import CachedAuthorize, refused_token
from bot.listeners import (
    actions,
    book,
    commands,
    events,
    home,
    reactions,
    report,
    schedule_form,
)
from bot.metrics import Kind, record_answer, request_kind
from bot.services import Services
from bot.slack.clients import web_client

log = logging.getLogger(__name__)


def build_app(services: Services, *, oauth: AsyncOAuthSettings | None = None) -> AsyncApp:
    """The Slack app for these services, with signature checks on (HTTP mode).

    With `oauth`, bolt's install flow serves many workspaces and each request is
    answered with its own workspace's token; without, the one SLACK_BOT_TOKEN.
    """
    settings = services.settings
    token = None if oauth else settings.bot_token
    # A 429 means Slack did not post: waiting Retry-After and sending again is safe.
    # Nothing else is retried: after a 5xx or a dropped connection the reply may have
    # been posted, and chat.postMessage has no idempotency key.
    retries = [AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    # On the process's shared session: connections reused, every call counted (/metrics).
    client = web_client(token, settings.slack_api_url, retry_handlers=retries)
    bolt_log = logging.getLogger("slack_bolt")
    # bolt also reads SLACK_BOT_TOKEN from the environment and warns that the client's
    # token wins; the client is built from that same variable, so the warning misleads.
    bolt_log.addFilter(_TOKEN_SKIPPED)
    app = AsyncApp(
        client=client,  # carries the Web API URL (and the bot token in single-workspace mode)
        # Socket Mode has no HTTP requests to sign: Slack authenticates the socket.
        signing_secret=settings.signing_secret or "",
        request_verification_enabled=not settings.socket_mode,
        ignoring_self_events_enabled=True,
        oauth_settings=oauth,
        logger=bolt_log,
    )
    app.use(_measure_answers)  # first: its clock includes the other middleware
    app.use(_drop_retried_events(services))
    if oauth:
        # app_uninstalled and tokens_revoked delete the workspace's stored tokens (and
        # so, in bot.installations, its cached authorization).
        app.enable_token_revocation_listeners()
    commands.register(app, services)
    actions.register(app, services)
    book.register(app, services)
    report.register(app, services)
    events.register(app, services)
    reactions.register(app, services)
    home.register(app, services)
    schedule_form.register(app, services)
    app.error(_error_handler(oauth.authorize if oauth else None))
    return app


async def _measure_answers(
    body: dict[str, Any], context: AsyncBoltContext, next: Callable[[], Awaitable[None]]
) -> None:
    """Middleware: count each command, event and action answered, and time its answer.

    bolt's middleware is not an onion (`next()` returns before any listener runs), so
    the end of a request is seen from its `ack()`, through which every answer goes
    (bolt acks events itself). A request never acked (a retried event dropped, an
    unmatched one, a listener failing first) is not counted as answered.
    """
    kind = request_kind(body)
    if kind is not None:
        context["ack"] = _TimedAck(*kind, started=time.perf_counter())
    await next()


class _TimedAck(AsyncAck):
    """bolt's `ack()`, recording the answer for /metrics the first time it is called."""

    def __init__(self, kind: Kind, label: str, *, started: float) -> None:
        super().__init__()
        self._kind, self._label, self._started = kind, label, started

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        first = self.response is None
        response = await super().__call__(*args, **kwargs)
        if first:
            record_answer(self._kind, self._label, seconds=time.perf_counter() - self._started)
        return response


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
                services.store.events.first_delivery, event_id, now=services.clock()
            )
            if not fresh:
                log.info("event %s already handled; ignoring Slack's retry", event_id)
                return BoltResponse(status=200, body="")
        await next()
        return None

    return drop_retried_events


def _error_handler(authorize: AsyncAuthorize | None) -> Callable[..., Awaitable[None]]:
    """The one error handler: log, and forget a workspace authorization Slack refused.

    In OAuth mode a listener's call answered `invalid_auth` (or `token_revoked`,
    `account_inactive`) drops the workspace's cached auth.test answer: its next request
    asks auth.test again and is refused, rather than replying with the dead token.
    """

    async def handle_error(
        error: Exception, body: dict[str, Any], context: AsyncBoltContext
    ) -> None:
        await _log_error(error, body)
        if isinstance(authorize, CachedAuthorize) and refused_token(error):
            authorize.forget(enterprise_id=context.enterprise_id, team_id=context.team_id)

    return handle_error


async def _log_error(error: Exception, body: dict[str, Any]) -> None:
    """Log an error with enough context to find the request, never secrets."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    detail = body.get("command") or (body.get("event") or {}).get("type") or ""
    log.error("error handling %s %s: %s", kind, detail, error, exc_info=error)


class _NotThisWarning(logging.Filter):
    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != self.message


_TOKEN_SKIPPED = _NotThisWarning(warning_client_prioritized_and_token_skipped())
