"""Start everything `quotebot serve` runs: the store, the Slack app, the scheduler, the server."""

from __future__ import annotations

import logging

from bot.app import build_app
from bot.corpus import Corpus
from bot.server import serve
from bot.services import Services
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)


async def run(settings: Settings, corpus: Corpus) -> int:
    """Serve until told to stop; returns the process exit code."""
    store = Store(settings.database_url)
    services = Services(settings=settings, corpus=corpus, store=store)
    mode = "Socket Mode" if settings.socket_mode else f"HTTP on port {settings.port}"
    log.info(
        "quotebot starting: %s, %d quotes, Web API at %s",
        mode,
        len(corpus),
        settings.slack_api_url,
    )
    app = build_app(services)
    try:
        await serve(app, services)
    finally:
        store.close()
    return 0
