"""Who a Slack user is, as far as roles care: the edge between Slack and `bot.roles`.

`users.info` says whether someone is a workspace admin or owner; `usergroups.users.list`
who is in the groups the settings name. Both answers are cached for a short while
(a command or a button click should not cost two API calls each time, and a demoted
admin should not keep the role for long). When Slack cannot tell, the person is
treated as holding no role: refusing a manager once is better than letting anyone
switch off the operator's schedules.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.roles import USERGROUPS_SCOPE, USERS_SCOPE, Person, Policy

log = logging.getLogger(__name__)

K = TypeVar("K")
V = TypeVar("V")

CACHE_SECONDS = 60.0
_SWEEP_AT = 1024  # cache entries; past this, expired ones are dropped on the next store


@dataclass(frozen=True, slots=True)
class _Profile:
    is_admin: bool
    is_owner: bool
    name: str | None = None  # the full (real) name, else the display name


@dataclass(frozen=True, slots=True)
class _Lookup:
    """One answer from Slack, or why there is none (`missing_scope`: the scope it needs)."""

    value: Any
    missing_scope: str | None = None


class Directory:
    """Finds out from Slack who a person is; one per process, shared by all workspaces."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        cache_seconds: float = CACHE_SECONDS,
    ) -> None:
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._profiles: dict[tuple[str, str], tuple[float, _Profile]] = {}
        self._groups: dict[tuple[str, str], tuple[float, frozenset[str]]] = {}
        # (team, scope or error) already logged: one line per workspace, not per request.
        self._warned: set[tuple[str, str]] = set()

    async def person(
        self, client: AsyncWebClient, *, team_id: str, user_id: str, policy: Policy
    ) -> Person:
        """The person behind `user_id` in workspace `team_id`, with the flags roles need.

        Group membership is looked up only when the policy names groups, and only
        until the person is found in one for each role.
        """
        missing: set[str] = set()
        profile = await self._profile(client, team_id=team_id, user_id=user_id, missing=missing)
        in_manager = await self._in_any(
            client, team_id=team_id, user_id=user_id, groups=policy.manager_groups, missing=missing
        )
        in_approver = await self._in_any(
            client,
            team_id=team_id,
            user_id=user_id,
            groups=policy.approver_groups or frozenset(),
            missing=missing,
        )
        return Person(
            user_id=user_id,
            is_admin=profile.is_admin,
            is_owner=profile.is_owner,
            in_manager_group=in_manager,
            in_approver_group=in_approver,
            directory_incomplete=bool(missing),
            missing_scopes=frozenset(missing),
        )

    async def name(self, client: AsyncWebClient, *, team_id: str, user_id: str) -> str | None:
        """The name to call `user_id` by (full name, else display name); None if unknown.

        For naming someone without mentioning them: a quote of them, a review line.
        """
        profile = await self._profile(client, team_id=team_id, user_id=user_id, missing=set())
        return profile.name

    async def _profile(
        self, client: AsyncWebClient, *, team_id: str, user_id: str, missing: set[str]
    ) -> _Profile:
        key = (team_id, user_id)
        cached = self._fresh(self._profiles, key)
        if cached is not None:
            return cached
        found = await self._call(client.users_info(user=user_id), "users.info", team_id=team_id)
        if found.missing_scope:
            missing.add(found.missing_scope)
        if not isinstance(found.value, dict):
            return _Profile(is_admin=False, is_owner=False)  # not cached: ask again next time
        user = found.value.get("user") or {}
        # A deactivated account keeps its old flags in users.info; it holds no role.
        active = not user.get("deleted")
        details = user.get("profile") or {}
        # A quote is attributed by full name ("Ada Lovelace"), not a handle ("ada").
        shown = details.get("real_name") or user.get("real_name") or details.get("display_name")
        profile = _Profile(
            is_admin=active and bool(user.get("is_admin")),
            is_owner=active and bool(user.get("is_owner") or user.get("is_primary_owner")),
            name=str(shown or user.get("name") or "").strip() or None,
        )
        self._store(self._profiles, key, profile)
        return profile

    async def _in_any(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        user_id: str,
        groups: frozenset[str],
        missing: set[str],
    ) -> bool:
        for group in sorted(groups):
            members = await self._members(client, team_id=team_id, group=group, missing=missing)
            if user_id in members:
                return True
        return False

    async def _members(
        self, client: AsyncWebClient, *, team_id: str, group: str, missing: set[str]
    ) -> frozenset[str]:
        key = (team_id, group)
        cached = self._fresh(self._groups, key)
        if cached is not None:
            return cached
        found = await self._call(
            client.usergroups_users_list(usergroup=group), "usergroups.users.list", team_id=team_id
        )
        if found.missing_scope:
            missing.add(found.missing_scope)
        if not isinstance(found.value, dict):
            return frozenset()
        members = frozenset(str(user) for user in found.value.get("users") or ())
        self._store(self._groups, key, members)
        return members

    async def _call(
        self, request: Awaitable[AsyncSlackResponse], method: str, *, team_id: str
    ) -> _Lookup:
        """Await a Slack call; on any failure log once per workspace and answer "no value"."""
        try:
            response = await request
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            code = str(data.get("error") or "unknown_error")
            if code == "missing_scope":
                scope = str(data.get("needed") or _SCOPES[method])
                self._warn_once(
                    team_id,
                    scope,
                    "workspace %s: the bot token lacks the %s scope, so %s fails and nobody "
                    "counts as a workspace admin; reinstall the app to grant it",
                    team_id,
                    scope,
                    method,
                )
                return _Lookup(None, missing_scope=scope)
            self._warn_once(
                team_id,
                f"{method}:{code}",
                "workspace %s: %s answered %s; treating the person as no admin",
                team_id,
                method,
                code,
            )
            return _Lookup(None)
        except (aiohttp.ClientError, TimeoutError) as error:
            self._warn_once(
                team_id,
                f"{method}:{type(error).__name__}",
                "workspace %s: %s failed (%s); treating the person as no admin",
                team_id,
                method,
                error,
            )
            return _Lookup(None)
        # It works (again): a later failure in this workspace is news worth a line.
        self._warned.discard((team_id, _SCOPES[method]))
        return _Lookup(response.data)

    def _warn_once(self, team_id: str, what: str, message: str, *args: object) -> None:
        if (team_id, what) in self._warned:
            return
        self._warned.add((team_id, what))
        log.warning(message, *args)

    def _fresh(self, cache: dict[K, tuple[float, V]], key: K) -> V | None:
        entry = cache.get(key)
        if entry is None or entry[0] <= self._clock():
            return None
        return entry[1]

    def _store(self, cache: dict[K, tuple[float, V]], key: K, value: V) -> None:
        now = self._clock()
        if len(cache) >= _SWEEP_AT:
            for stale in [k for k, (expires, _) in cache.items() if expires <= now]:
                del cache[stale]
        cache[key] = (now + self._cache_seconds, value)


_SCOPES = {"users.info": USERS_SCOPE, "usergroups.users.list": USERGROUPS_SCOPE}
