"""Installations in many workspaces: OAuth settings, and each workspace's bot token.

slack-sdk's SQLAlchemy installation and state stores keep their tables in the same
database as the rest of the bot's state. Their async versions need an async
database driver; the sync ones, run in a worker thread, share our one engine and
work the same on SQLite and PostgreSQL.

Each workspace's `auth.test` answer is kept (`CachedAuthorize`), so a request costs
no call to Slack before its reply; the entry is dropped when the workspace's tokens
are deleted and when Slack refuses its token.
"""

from __future__ import annotations

import asyncio
import logging

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from slack_sdk.web.async_client import AsyncWebClient

from bot.settings import Settings
from bot.slack.poster import AUTH_ERRORS, posting_client
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
    "users:read",
    "usergroups:read",
    "reactions:read",
    "channels:read",
    "groups:read",
)
STATE_SECONDS = 600


def refused_token(error: BaseException) -> bool:
    """Whether Slack answered `error` because the token itself no longer works."""
    code = error.response.get("error") if isinstance(error, SlackApiError) else None
    return code in AUTH_ERRORS


class InstallationStore(AsyncInstallationStore):
    """slack-sdk's SQLAlchemy installation store, run off the event loop.

    It holds the cache of each workspace's authorization (`authorize`), and deleting a
    workspace's tokens here drops its entry: so every way tokens get deleted (bolt's
    `tokens_revoked` and `app_uninstalled` listeners, the daily poster's `forget`)
    empties the cache too.
    """

    def __init__(self, client_id: str, store: Store) -> None:
        self.sync = SQLAlchemyInstallationStore(
            client_id=client_id, engine=store.engine, logger=log
        )
        store.create_tables(self.sync.metadata)
        self.authorize = CachedAuthorize(self)

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
        self.authorize.forget(enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.sync.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )
        # Also for one user's token (tokens_revoked): the next request asks auth.test again.
        self.authorize.forget(enterprise_id=enterprise_id, team_id=team_id)


class CachedAuthorize(AsyncAuthorize):
    """bolt's authorize for many workspaces, asking `auth.test` once per workspace token.

    bolt's own `AsyncInstallationStoreAuthorize` asks `auth.test` on every request; its
    `cache_enabled` keeps the answers but never drops one. Here the stored bot token is
    still read on every request (one indexed row), so tokens deleted by any instance
    stop working at once; only Slack's answer about that token is kept, by workspace,
    until `forget`. A reinstall brings a new token, which is asked about afresh.
    Bot tokens only (`installation_store_bot_only`), and the manifest leaves token
    rotation off, so there is no refresh token to handle.
    """

    def __init__(self, installations: AsyncInstallationStore) -> None:
        self._installations = installations
        self._results: dict[tuple[str | None, str | None], AuthorizeResult] = {}

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **actor: str | None,
    ) -> AuthorizeResult | None:
        bot = await self._installations.async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=context.is_enterprise_install,
        )
        if bot is None or not bot.bot_token:
            log.debug("no installation stored for workspace %s", team_id)
            return None  # bolt answers that the app is not installed here
        key = (enterprise_id, team_id)
        cached = self._results.get(key)
        if cached is not None and cached.bot_token == bot.bot_token:
            return cached
        try:
            answer = await context.client.auth_test(token=bot.bot_token)
        except SlackApiError as error:
            log.warning(
                "Slack refused the stored token of workspace %s: %s",
                team_id,
                error.response.get("error"),
            )
            return None
        result = AuthorizeResult.from_auth_test_response(
            auth_test_response=answer, bot_token=bot.bot_token, bot_scopes=bot.bot_scopes
        )
        self._results[key] = result
        return result

    def forget(self, *, enterprise_id: str | None = None, team_id: str | None) -> None:
        """Drop a workspace's kept answer: its next request asks `auth.test` again."""
        if self._results.pop((enterprise_id, team_id), None) is not None:
            log.info("dropped the cached authorization of workspace %s", team_id)


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
    flow = AsyncOAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=StateStore(store),
        logger=log,
    )
    # The one bolt built asks auth.test on every request; AsyncApp takes this one.
    flow.authorize = installations.authorize
    return flow


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
        """Delete a workspace's tokens (and so its cached authorization): Slack refused them."""
        await self._installations.async_delete_all(enterprise_id=None, team_id=team_id)
        log.warning("deleted the tokens of workspace %s", team_id)
