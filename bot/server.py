"""Run the bot: an aiohttp server for HTTP mode, or a Socket Mode connection.

aiohttp's server is a production server (bolt's `app.start()` is for development);
it runs in the same event loop as the scheduler, so one process serves requests
and posts the quote of the day; listeners never wait on a thread pool (only the
short database calls go to worker threads).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Literal

import aiohttp
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot.metrics import exposition
from bot.services import Services

if TYPE_CHECKING:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
SHUTDOWN_SECONDS = 8.0  # within the 10 s a platform gives after SIGTERM
# Slack's answers to apps.connections.open that no retry will change: the app token is wrong.
REFUSED_APP_TOKEN = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "not_allowed_token_type",
        "token_revoked",
        "account_inactive",
        "missing_scope",
        "no_permission",
    }
)

Hook = Callable[[], Awaitable[None]]


def web_app(app: AsyncApp, services: Services) -> web.Application:
    """The HTTP routes: Slack's requests, a health check and metrics for the platform.

    /healthz and /metrics need no authentication: they show counts, never a message,
    a channel, a user or a secret (see bot.metrics).
    """

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "quotes": len(services.library.files)})

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    application = web.Application(client_max_size=1024 * 1024)
    application.router.add_post(EVENTS_PATH, slack_events)
    application.router.add_get("/healthz", healthz)
    application.router.add_get("/metrics", metrics)
    flow = app.oauth_flow
    if flow is not None:

        async def install(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_installation(await to_bolt_request(request))
            )

        async def oauth_redirect(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await flow.handle_callback(await to_bolt_request(request))
            )

        application.router.add_get(flow.install_path, install)
        application.router.add_get(flow.redirect_uri_path, oauth_redirect)
    return application


async def serve(
    app: AsyncApp,
    services: Services,
    *,
    on_start: Hook | None = None,
    on_stop: Hook | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT, then stop taking work and finish what is running.

    Returns the exit code: 0, or 2 when Slack refuses the app token (Socket Mode).
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)

    settings = services.settings
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler = AsyncSocketModeHandler(app, settings.app_token)
        close: Hook = handler.close_async
        outcome = await _connect_socket_mode(handler, stop)
        if outcome != "connected":
            await close()
            log.info("stopped before Slack could be reached")
            return 2 if outcome == "refused" else 0
        log.info("connected to Slack in Socket Mode")
    else:
        # One access-log line per request is noise at INFO (and costs time under load).
        access_log = (
            logging.getLogger("aiohttp.access") if log.isEnabledFor(logging.DEBUG) else None
        )
        runner = web.AppRunner(
            web_app(app, services), shutdown_timeout=SHUTDOWN_SECONDS / 2, access_log=access_log
        )
        await runner.setup()
        site = web.TCPSite(runner, host="0.0.0.0", port=settings.port)
        await site.start()
        log.info("listening on http://0.0.0.0:%d%s (HTTP mode)", settings.port, EVENTS_PATH)
        close = runner.cleanup

    if on_start:
        await on_start()
    await stop.wait()
    log.info("stopping: no new work taken; finishing what is in flight")
    try:
        async with asyncio.timeout(SHUTDOWN_SECONDS):
            await close()  # no new requests; in-flight ones finish
            if on_stop:
                await on_stop()  # no new posts; in-flight ones finish
            await _background_work_done()
    except TimeoutError:
        log.warning("shutdown took longer than %.0f s; exiting anyway", SHUTDOWN_SECONDS)
    log.info("stopped")
    return 0


async def _connect_socket_mode(
    handler: AsyncSocketModeHandler, stop: asyncio.Event
) -> Literal["connected", "stopped", "refused"]:
    """Connect to Slack over Socket Mode, unless told to stop first or the token is refused.

    slack-sdk retries a failed connection every 10 s for ever, with a traceback each time,
    and nothing else runs meanwhile: right for an outage, not for an app token Slack
    refuses, and a stop signal must still end it. So a refusal is one line (and exit
    code 2), and a stop signal ends the connecting.
    """
    connecting = asyncio.ensure_future(_open_socket(handler))
    stopping = asyncio.ensure_future(stop.wait())
    await asyncio.wait((connecting, stopping), return_when=asyncio.FIRST_COMPLETED)
    stopping.cancel()
    if not connecting.done():
        connecting.cancel()
        await asyncio.wait((connecting,))
        return "stopped"
    try:
        connecting.result()
    except SlackApiError as error:  # only a refused app token gets here
        log.error(
            "Slack refused SLACK_APP_TOKEN (%s): copy the app-level token (xapp-…, "
            "scope connections:write) from the app's Basic Information page",
            error.response.get("error"),
        )
        return "refused"
    return "connected"


async def _open_socket(handler: AsyncSocketModeHandler) -> None:
    """Ask for the socket URL once (a refused token raises SlackApiError), then connect."""
    client = handler.client
    try:
        opened = await client.web_client.apps_connections_open(app_token=handler.app_token)
        client.wss_uri = opened["url"]
    except SlackApiError as error:
        if error.response.get("error") in REFUSED_APP_TOKEN:
            raise
    except (aiohttp.ClientError, TimeoutError):
        pass  # Slack unreachable: slack-sdk's connect() retries
    await handler.connect_async()


async def _background_work_done() -> None:
    """Wait for the tasks still running: bolt answers events in tasks of their own.

    Slack had its 200 for those events and will not send them again, so a reply cut
    off here would be lost for good.
    """
    others = asyncio.all_tasks() - {asyncio.current_task()}
    if others:
        log.info("finishing %d tasks still running (replies to events)", len(others))
        await asyncio.wait(others)
