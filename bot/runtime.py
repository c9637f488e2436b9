"""Start what `quotebot serve` and `quotebot daily` run: store, runner, app, scheduler."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from slack_sdk.web.async_client import AsyncWebClient

from bot.app import build_app
from bot.corpus import Corpus
from bot.daily.runner import DailyRunner
from bot.daily.scheduler import DailyScheduler
from bot.server import serve
from bot.services import Services
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


def open_services(settings: Settings, corpus: Corpus) -> Services:
    """Open the store (creating or migrating its schema) and sync the configured subscriptions."""
    store = Store(settings.database_url)
    services = Services(settings=settings, corpus=corpus, store=store)
    store.sync_config(settings.subscriptions, now=services.clock())
    return services


def daily_runner(services: Services) -> DailyRunner:
    """The runner, posting with the bot token through the configured Web API URL."""
    settings = services.settings
    # No automatic retries in the client: the poster retries itself, checking first
    # whether a post that timed out went through (chat.postMessage is not idempotent).
    client = AsyncWebClient(
        token=settings.bot_token, base_url=settings.slack_api_url, retry_handlers=[], timeout=15
    )
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    return DailyRunner(
        store=services.store,
        corpus=services.corpus,
        client_for=lambda _team_id: client,
        owner=owner,
        lease=timedelta(seconds=settings.lease_seconds),
    )


async def run(settings: Settings, corpus: Corpus) -> int:
    """Serve until told to stop; returns the process exit code."""
    services = open_services(settings, corpus)
    mode = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
    log.info(
        "quotebot starting: %s, single workspace (SLACK_BOT_TOKEN), %d quotes, "
        "%d configured daily subscriptions, Web API at %s",
        mode,
        len(corpus),
        len(settings.subscriptions),
        settings.slack_api_url,
    )
    scheduler = DailyScheduler(
        daily_runner(services),
        clock=services.clock,
        grace=timedelta(hours=settings.catch_up_hours),
    )
    try:
        await serve(build_app(services), services, on_start=scheduler.start, on_stop=scheduler.stop)
    finally:
        services.store.close()
    return 0
