"""Start what `quotebot serve` and `quotebot daily` run: store, runner, app, scheduler."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from datetime import timedelta

from bot.app import build_app
from bot.book.library import Library
from bot.book_watch import BookWatcher
from bot.corpus import Corpus
from bot.corpus.folder import CorpusFolder
from bot.corpus_watch import CorpusWatcher
from bot.daily.runner import DailyRunner
from bot.daily.scheduler import DailyScheduler
from bot.daily.schedules import sync_config
from bot.installations import InstallationStore, Workspaces, oauth_settings
from bot.server import serve
from bot.services import Services
from bot.settings import Settings
from bot.slack.clients import shared_session
from bot.slack.poster import posting_client
from bot.slack.sender import SlackSender
from bot.store import Store

log = logging.getLogger(__name__)


def open_services(settings: Settings, corpus: Corpus) -> Services:
    """Open the store (creating or migrating its schema) and sync the configured subscriptions."""
    store = Store(settings.database_url)
    library = Library(corpus, per_workspace=settings.oauth)
    services = Services(settings=settings, store=store, library=library)
    library.catch_up(store)  # the quote book as saved so far
    sync_config(store, settings.subscriptions, now=services.clock())
    for sub in settings.subscriptions:
        for topic in sub.topics:
            if corpus.find_topic(topic) is None:
                log.warning(
                    "%s: the quote of the day in %s is on %r, a topic no quote has: "
                    "it will post nothing",
                    settings.config_path,
                    sub.channel,
                    topic,
                )
    return services


def installations(services: Services) -> InstallationStore | None:
    """The installation store in OAuth mode (many workspaces); None with one bot token."""
    settings = services.settings
    if not settings.oauth:
        return None
    return InstallationStore(settings.client_id or "", services.store)


def daily_runner(services: Services, store: InstallationStore | None = None) -> DailyRunner:
    """The runner, posting with each workspace's bot token through the Web API URL."""
    settings = services.settings
    # Fits the claims' 64-character owner column, however long the host's name.
    owner = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    if store is not None:
        workspaces = Workspaces(store, base_url=settings.slack_api_url)
        sender = SlackSender(
            store=services.store, client_for=workspaces.client_for, forget=workspaces.forget,
            clock=services.clock,
        )  # fmt: skip
    else:
        client = posting_client(settings.bot_token, settings.slack_api_url)
        sender = SlackSender(
            store=services.store, client_for=lambda _team_id: client, clock=services.clock
        )
    return DailyRunner(
        store=services.store,
        corpus_for=services.corpus_for,
        sender=sender,
        owner=owner,
        lease=timedelta(seconds=settings.lease_seconds),
    )


async def run(settings: Settings, folder: CorpusFolder) -> int:
    """Serve until told to stop; returns the process exit code."""
    corpus = folder.result().corpus
    services = open_services(settings, corpus)
    if settings.ephemeral_platform and settings.database_url.startswith("sqlite"):
        log.warning(
            "running on %s with a SQLite file: the disk is wiped at each restart, and with it "
            "the record of which quotes of the day were posted and every schedule made in "
            "Slack. Set DATABASE_URL to a PostgreSQL database.",
            settings.ephemeral_platform,
        )
    policy = settings.policy
    if policy.adding == "reviewed" and not (settings.review_channel or policy.approvers):
        log.warning(
            "%s: adding is reviewed, but no review_channel or approvers are named, so nobody "
            "is told when a quote waits: approvers (workspace admins) see them with "
            "/quote review. Set review_channel, or approvers, or adding: open.",
            settings.config_path,
        )
    log.info(
        "quotebot starting: %s; %d quotes, %d configured daily subscriptions, Web API at %s",
        settings.describe_mode(),
        len(corpus),
        len(settings.subscriptions),
        settings.slack_api_url,
    )
    store = installations(services)
    oauth = oauth_settings(settings, store, services.store) if store else None
    runner = daily_runner(services, store)
    scheduler = DailyScheduler(
        runner,
        clock=services.clock,
        grace=timedelta(hours=settings.catch_up_hours),
        follow_up=timedelta(seconds=settings.lease_seconds + 1),
        keep_history=timedelta(days=settings.history_days),
    )
    app = build_app(services, oauth=oauth)

    def show(changed: Corpus) -> None:  # every reader of the corpus sees the new one
        services.library.replace_files(changed)

    watcher = CorpusWatcher(folder, on_change=show, interval=settings.reload_seconds)
    book = BookWatcher(services.store, services.library, interval=settings.book_poll_seconds)

    async def start() -> None:
        await watcher.start()
        await book.start()
        await scheduler.start()

    async def stop() -> None:
        await watcher.stop()
        await book.stop()
        await scheduler.stop()

    try:
        # One Web API session for the whole process, closed once serve() has finished
        # everything in flight (replies to events included).
        async with shared_session():
            return await serve(app, services, on_start=start, on_stop=stop)
    finally:
        services.store.close()
