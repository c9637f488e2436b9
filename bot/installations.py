"""Installations in many workspaces: OAuth settings, and each workspace's bot token.

slack-sdk's SQLAlchemy installation and state stores keep their tables in the same
database as the rest of the bot's state. Their async versions need an async
database driver; the sync ones, run in a worker thread, share our one engine and
work the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.daily.post import posting_client
from bot.settings import Settings
from bot.store import Store

log = logging.getLogger(__name__)

# The bot scopes the manifest asks for; an install grants exactly these.
BOT_SCOPES = (
    "commands",
    "app_mentions:read",
    "chat:write",
    "chat:write.public",
    "channels:join",
    "channels:history",
    "groups:history",
    "im:history",
)
STATE_SECONDS = 600


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's SQLAlchemy installation store, run off the event loop."""

    def __init__(self, client_id: str, store: Store) -> None:
        self.sync = SQLAlchemyInstallationStore(
            client_id=client_id, engine=store.engine, logger=log
        )
        store.create_tables(self.sync.metadata)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.sync.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.sync.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )


class StateStore(AsyncOAuthStateStore):
    """slack-sdk's SQLAlchemy OAuth state store, run off the event loop.

    In the database, not in memory, so the install page and the redirect may be
    served by different instances.
    """

    def __init__(self, store: Store) -> None:
        self.sync = SQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_SECONDS, engine=store.engine, logger=log
        )
        store.create_tables(self.sync.metadata)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: object, **kwargs: object) -> str:
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)


def oauth_settings(
    settings: Settings, installations: InstallationStore, store: Store
) -> AsyncOAuthSettings:
    """bolt's OAuth flow, with installations and states in our database."""
    return AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=StateStore(store),
        logger=log,
    )


class Workspaces:
    """Each workspace's Web API client, from its stored bot token (OAuth mode)."""

    def __init__(self, installations: InstallationStore, *, base_url: str) -> None:
        self._installations = installations
        self._base_url = base_url

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        bot = await self._installations.async_find_bot(enterprise_id=None, team_id=team_id or None)
        if bot is None or not bot.bot_token:
            return None
        return posting_client(bot.bot_token, self._base_url)

    async def forget(self, team_id: str) -> None:
        """Delete a workspace's tokens: Slack said they no longer work."""
        await self._installations.async_delete_all(enterprise_id=None, team_id=team_id)
        log.warning("deleted the tokens of workspace %s", team_id)
