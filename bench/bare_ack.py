"""The floor for bench/http.py: a bare bolt app whose /quote only acks, on quotebot's server kind.

The same stack as `quotebot serve` in HTTP mode: aiohttp's AppRunner and TCPSite without
an access log, bolt's aiohttp adapter, bolt's AsyncApp with its signature check and its
auth.test on the first request. What it leaves out is quotebot's own work: the corpus
lookup, the rendering and the middleware. The difference between the two is what
quotebot costs per command.

Settings come from the environment, as for quotebot: PORT, SLACK_SIGNING_SECRET,
SLACK_BOT_TOKEN and SLACK_API_URL (the stand-in). It serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


async def serve(port: int) -> None:
    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    async def quote(ack: AsyncAck) -> None:
        await ack()

    app.command("/quote")(quote)

    async def slack_events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    application = web.Application(client_max_size=1024 * 1024)
    application.router.add_post("/slack/events", slack_events)
    application.router.add_get("/healthz", healthz)
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host="127.0.0.1", port=port).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)  # as quotebot at its default level
    asyncio.run(serve(int(os.environ["PORT"])))
