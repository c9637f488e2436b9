"""Web API clients that share one aiohttp session per process, and count every call.

Without a session, slack-sdk's `AsyncWebClient` opens a new aiohttp session (and a new
TCP and TLS connection) for every call. `web_client()` builds clients that use the
process's one `SharedSession` instead, while `shared_session()` is open (as long as
`quotebot serve` runs): connections to Slack are kept alive and reused. Outside it
(a CLI command, a unit test) they behave exactly as plain clients do.

The session, not the clients, does the counting for /metrics, because not every call
goes through a client we built: bolt builds a fresh `AsyncWebClient` for every request
(`context.client`, behind `say()`), handing on only our client's `session`. So:

- an `aiohttp.TraceConfig` counts each HTTP answer by method (the URL's last path
  segment) and status, each 429 as the error "ratelimited", each call that got no
  answer as status "error", and each new connection;
- the session's `response_class` counts `"ok": false` answers by error code, from the
  JSON slack-sdk parses anyway (`ClientResponse.json`), so no body is read twice.

slack-sdk has no response hook of its own (its retry handlers see responses, but are
per client and meant to decide retries), and an `AsyncWebClient` subclass that caught
`SlackApiError` would miss bolt's per-request clients and the 429s its retry handler
waits out. The session is created inside the running event loop (aiohttp requires it)
and closed when `shared_session()` ends; slack-sdk never closes a session it was given.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics

# slack-sdk's own default; bolt's per-request clients get it from the session.
DEFAULT_TIMEOUT_SECONDS = 30


class SharedSession:
    """The process's one aiohttp session for the Web API, while `open()` is entered."""

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    @property
    def current(self) -> aiohttp.ClientSession | None:
        """The open session, or None (then slack-sdk makes one per call, as without us)."""
        session = self._session
        return session if session is not None and not session.closed else None

    @contextlib.asynccontextmanager
    async def open(self) -> AsyncIterator[aiohttp.ClientSession]:
        """Create the session in the running loop; close it on the way out."""
        if self.current is not None:
            raise RuntimeError("the shared Slack session is already open")
        session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=DEFAULT_TIMEOUT_SECONDS),
            trace_configs=[_counting_trace()],
            response_class=_CountingResponse,
        )
        self._session = session
        try:
            yield session
        finally:
            self._session = None
            await session.close()


SHARED = SharedSession()


def shared_session() -> contextlib.AbstractAsyncContextManager[aiohttp.ClientSession]:
    """`async with shared_session():` every `web_client()` shares one session meanwhile."""
    return SHARED.open()


def web_client(token: str | None, base_url: str, **kwargs: Any) -> AsyncWebClient:
    """An `AsyncWebClient` on the process's shared session (see the module docstring).

    `kwargs` are `AsyncWebClient`'s (`retry_handlers`, `timeout`…); passing `session`
    opts out of the shared one.
    """
    return SharedSessionClient(token=token, base_url=base_url, **kwargs)


class SharedSessionClient(AsyncWebClient):
    """An `AsyncWebClient` whose session is looked up on each call, not fixed when built.

    Clients are built before the session opens (bot.app's, at start) and may outlive it
    (a task finishing during shutdown): each call uses the shared session if it is open,
    else slack-sdk's per-call session.
    """

    @property  # type: ignore[override]
    def session(self) -> aiohttp.ClientSession | None:
        return self._own_session or SHARED.current

    @session.setter
    def session(self, value: aiohttp.ClientSession | None) -> None:
        self._own_session = value  # AsyncBaseClient.__init__ assigns `session=`

    async def _request(self, *, http_verb: str, api_url: str, req_args: dict) -> dict[str, Any]:
        # slack-sdk applies `timeout` only to the sessions it creates itself; with a shared
        # session it must travel with each request, or every client gets the session's.
        req_args.setdefault("timeout", aiohttp.ClientTimeout(total=self.timeout))
        return await super()._request(http_verb=http_verb, api_url=api_url, req_args=req_args)


class _CountingResponse(aiohttp.ClientResponse):
    """Counts Slack's `"ok": false` answers as slack-sdk reads them."""

    async def json(self, *args: Any, **kwargs: Any) -> Any:
        data = await super().json(*args, **kwargs)
        # 429s are counted by the trace, whatever their body says.
        if self.status != 429 and isinstance(data, dict) and data.get("ok") is False:
            metrics.record_slack_error(self.url.name, str(data.get("error") or "unknown"))
        return data


def _counting_trace() -> aiohttp.TraceConfig:
    async def request_end(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        method, status = params.url.name, params.response.status
        metrics.record_slack_call(method, status)
        if status == 429:
            metrics.record_slack_error(method, "ratelimited")

    async def request_exception(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        params: aiohttp.TraceRequestExceptionParams,
    ) -> None:
        metrics.record_slack_call(params.url.name, "error")

    async def connection_created(
        _session: aiohttp.ClientSession,
        _context: SimpleNamespace,
        _params: aiohttp.TraceConnectionCreateEndParams,
    ) -> None:
        metrics.record_slack_connection()

    trace = aiohttp.TraceConfig()
    trace.on_request_end.append(request_end)
    trace.on_request_exception.append(request_exception)
    trace.on_connection_create_end.append(connection_created)
    return trace
