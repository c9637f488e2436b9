"""Installing in many workspaces: bolt's OAuth flow end to end, against the stand-in.

install page → Slack's redirect back with a code → `oauth.v2.access` on the stand-in →
the installation stored → that workspace's requests answered with its own token, checked
with `auth.test` once → uninstalling, a revocation or a refused token forgets it.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.oauth.installation_store import Bot
from slack_sdk.web.async_client import AsyncWebClient

from bot.corpus import load_corpus, shipped_corpus
from bot.installations import InstallationStore, Workspaces
from bot.mrkdwn import escape
from bot.store import Store
from tests.harness import (
    BOT_TOKEN,
    FORM,
    JSON_TYPE,
    BotProcess,
    Reply,
    bot_environment,
    check_message,
    command_body,
    context_text,
    event_body,
    mention_event,
    section_texts,
)
from tests.slack_standin import Call, SlackStandIn

NINE = {
    "team_id": "T9",
    "team_name": "Nine",
    "bot_token": "xoxb-nine",
    "bot_user_id": "U9BOT",
    "authed_user_id": "U9",
}
# What bolt answers a request from a workspace it finds no (working) installation for.
NOT_INSTALLED = "your installation with this app is no longer available"


@pytest.fixture
def oauth_bot(tmp_path: Path, slack: SlackStandIn) -> BotProcess:
    env = bot_environment(
        tmp_path,
        slack,
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=slack.client_id,
        SLACK_CLIENT_SECRET=slack.client_secret,
    )
    with BotProcess(env, cwd=tmp_path, slack=slack) as process:
        yield process


def install(bot: BotProcess, code: str) -> tuple[int, str]:
    """Open the install page, then come back from Slack with `code`, as a browser would."""
    with urllib.request.urlopen(bot.url + "/slack/install", timeout=10) as page:
        html = page.read().decode()
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', html)
    assert link, html
    state = parse_qs(urlparse(link.group(1).replace("&amp;", "&")).query)["state"][0]
    query = urlencode({"code": code, "state": state})
    request = urllib.request.Request(
        f"{bot.url}/slack/oauth_redirect?{query}", headers={"Cookie": cookie}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as done:
            return done.status, done.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def command_from_nine(bot: BotProcess, slack: SlackStandIn, text: str = "robotics") -> Reply:
    """`/quote TEXT` typed in workspace T9 (its answers can also go to a response_url)."""
    return bot.post(command_body(text, team_id="T9", response_url=slack.response_url()), FORM)


def mention_from_nine(bot: BotProcess, text: str = "<@U9BOT> robotics") -> Reply:
    return bot.post(event_body(mention_event(text, channel="C9"), team_id="T9"), JSON_TYPE)


def revocation_event(kind: str) -> dict[str, Any]:
    """`tokens_revoked` (the bot token) or `app_uninstalled`, as Slack sends them."""
    event: dict[str, Any] = {"type": kind, "event_ts": f"{time.time():.6f}"}
    if kind == "tokens_revoked":
        event["tokens"] = {"oauth": [], "bot": [NINE["bot_user_id"]]}
    return event


def wait_until_forgotten(bot: BotProcess, client_id: str) -> None:
    deadline = time.monotonic() + 5
    while stored_bot(bot, client_id) is not None:
        assert time.monotonic() < deadline, "token still stored:\n" + bot.log()
        time.sleep(0.05)


def since(slack: SlackStandIn, mark: int) -> list[Call]:
    """The calls the stand-in saw after the first `mark` ones."""
    return slack.calls[mark:]


def robotics_quotes() -> list[str]:
    """The robotics quotes of the shipped corpus, escaped as Slack shows them."""
    corpus = load_corpus(shipped_corpus()).corpus
    return [escape(quote.text) for quote in corpus.in_topics(["Robotics"])]


def stored_bot(bot: BotProcess, client_id: str, team_id: str = "T9") -> Bot | None:
    """The bot token record the running bot has stored for a workspace, if any."""
    store = Store(bot.env["DATABASE_URL"])
    try:
        installations = InstallationStore(client_id, store)
        return installations.sync.find_bot(enterprise_id=None, team_id=team_id)
    finally:
        store.close()


def test_the_startup_log_says_oauth_mode_is_on(oauth_bot: BotProcess) -> None:
    assert "many workspaces (OAuth" in oauth_bot.log(), oauth_bot.log()


def test_install_stores_the_workspace_and_its_requests_use_its_own_token(
    oauth_bot: BotProcess, slack: SlackStandIn, tmp_path: Path
) -> None:
    slack.oauth_codes["code-nine"] = dict(NINE)

    status, page = install(oauth_bot, "code-nine")

    assert status == 200, page + oauth_bot.log()
    exchange = slack.calls_to("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].args["code"] == "code-nine"
    bot = stored_bot(oauth_bot, slack.client_id)
    assert bot is not None and bot.bot_token == "xoxb-nine"

    # A slash command from the new workspace is answered in the HTTP response, with a
    # quote on robotics (not, say, "no quote matches robotics")...
    status, reply = command_from_nine(oauth_bot, slack)
    assert status == 200 and isinstance(reply, dict), f"{status} {reply!r}\n{oauth_bot.log()}"
    check_message(reply)
    first = section_texts(reply)[0]
    assert any(quote in first for quote in robotics_quotes()), reply
    assert "· Robotics · #" in context_text(reply), reply  # the attribution: topic, then ID
    # ...and a mention there is answered through chat.postMessage with T9's own token.
    status, _ = oauth_bot.post(
        event_body(mention_event("<@U9BOT> robotics", channel="C9"), team_id="T9"), JSON_TYPE
    )
    assert status == 200
    posts = slack.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"])
    assert [call.token for call in posts if call.method == "chat.postMessage"] == ["xoxb-nine"]
    assert BOT_TOKEN not in {call.token for call in slack.calls}


def test_a_bad_code_shows_bolts_failure_page_and_installs_nothing(
    oauth_bot: BotProcess, slack: SlackStandIn
) -> None:
    status, page = install(oauth_bot, "no-such-code")

    # Slack refused the code: bolt answers 401 with its failure page, which names Slack's
    # reason and links back to the install page.
    exchange = slack.calls_to("oauth.v2.access")
    assert [call.response.get("error") for call in exchange] == ["invalid_code"]
    assert status == 401, f"{status}\n{page}\n{oauth_bot.log()}"
    assert "Oops, Something Went Wrong!" in page, page
    assert "reason: invalid_code" in page, page
    assert 'href="/slack/install"' in page, page
    assert stored_bot(oauth_bot, slack.client_id) is None


def test_uninstalling_forgets_the_workspace_token(
    oauth_bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.oauth_codes["code-nine"] = dict(NINE)
    assert install(oauth_bot, "code-nine")[0] == 200

    status, _ = oauth_bot.post(
        event_body({"type": "app_uninstalled", "event_ts": f"{time.time():.6f}"}, team_id="T9"),
        JSON_TYPE,
    )

    assert status == 200, oauth_bot.log()
    wait_until_forgotten(oauth_bot, slack.client_id)


# ----- each workspace's authorization, cached -----------------------------------------------


def test_requests_from_an_installed_workspace_ask_auth_test_once(
    oauth_bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.oauth_codes["code-nine"] = dict(NINE)
    assert install(oauth_bot, "code-nine")[0] == 200
    mark = len(slack.calls)  # the install itself asks auth.test about the new token

    for _ in range(5):
        status, reply = command_from_nine(oauth_bot, slack)
        assert status == 200 and isinstance(reply, dict), f"{reply!r}\n{oauth_bot.log()}"
    for _ in range(3):
        assert mention_from_nine(oauth_bot)[0] == 200
    slack.wait_for(lambda calls: len([c for c in calls if c.method == "chat.postMessage"]) == 3)

    checks = [call for call in since(slack, mark) if call.method == "auth.test"]
    assert [call.token for call in checks] == ["xoxb-nine"], slack.dump_calls()


@pytest.mark.parametrize("kind", ["tokens_revoked", "app_uninstalled"])
def test_after_a_revocation_the_workspace_is_told_to_reinstall_and_its_token_is_not_used(
    oauth_bot: BotProcess, slack: SlackStandIn, kind: str
) -> None:
    slack.oauth_codes["code-nine"] = dict(NINE)
    assert install(oauth_bot, "code-nine")[0] == 200
    assert isinstance(command_from_nine(oauth_bot, slack)[1], dict)  # authorized, and cached
    slack.revoke("xoxb-nine")  # Slack revokes the token, then tells the app

    assert oauth_bot.post(event_body(revocation_event(kind), team_id="T9"), JSON_TYPE)[0] == 200
    wait_until_forgotten(oauth_bot, slack.client_id)
    mark = len(slack.calls)

    # The user who types /quote there gets bolt's "reinstall" answer, not a quote...
    status, reply = command_from_nine(oauth_bot, slack)
    assert (status, reply) == (200, ""), f"{status} {reply!r}\n{oauth_bot.log()}"
    told = slack.wait_for(lambda calls: [c for c in calls[mark:] if c.method == "response_url"])
    answers = [c.args.get("text", "") for c in told[mark:] if c.method == "response_url"]
    assert len(answers) == 1 and NOT_INSTALLED in answers[0], answers
    # ...a mention there gets no reply, and the revoked token is never sent to Slack again.
    oauth_bot.mark_log()
    assert mention_from_nine(oauth_bot)[0] == 200
    oauth_bot.wait_for_log("no installation stored for workspace T9")
    after = since(slack, mark)
    assert not [c for c in after if c.token == "xoxb-nine"], slack.dump_calls()
    assert not [c for c in after if c.method in ("auth.test", "chat.postMessage")], after


def test_a_reply_slack_refuses_with_invalid_auth_drops_the_cached_authorization(
    oauth_bot: BotProcess, slack: SlackStandIn
) -> None:
    slack.oauth_codes["code-nine"] = dict(NINE)
    assert install(oauth_bot, "code-nine")[0] == 200
    assert mention_from_nine(oauth_bot)[0] == 200  # authorized with auth.test, and cached
    slack.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"])
    slack.revoke("xoxb-nine")  # e.g. revoked while Slack's event about it is still on its way
    mark = len(slack.calls)

    # The cached authorization still says yes: the reply is sent, and refused.
    assert mention_from_nine(oauth_bot)[0] == 200
    refused = slack.wait_for(lambda calls: calls[mark:])
    assert [(c.method, c.response.get("error")) for c in refused[mark:]] == [
        ("chat.postMessage", "invalid_auth")
    ], slack.dump_calls()
    oauth_bot.wait_for_log("dropped the cached authorization of workspace T9")
    mark = len(slack.calls)

    # The next request asks auth.test again, is refused, and the user is told to reinstall.
    status, reply = command_from_nine(oauth_bot, slack)
    assert (status, reply) == (200, ""), f"{status} {reply!r}\n{oauth_bot.log()}"
    calls = slack.wait_for(lambda calls: [c for c in calls[mark:] if c.method == "response_url"])
    seen = [(c.method, c.token, c.response.get("error")) for c in calls[mark:]]
    assert seen == [("auth.test", "xoxb-nine", "invalid_auth"), ("response_url", None, None)]
    assert NOT_INSTALLED in calls[-1].args.get("text", ""), calls[-1]


def test_deleting_a_workspaces_tokens_drops_its_cached_authorization(
    tmp_path: Path, slack: SlackStandIn
) -> None:
    """In-process: the cache entry goes with the tokens, even if the same token comes back."""
    slack.tokens["xoxb-nine"] = "T9"
    store = Store(f"sqlite:///{tmp_path / 'quotebot.sqlite3'}")
    installations = InstallationStore(slack.client_id, store)
    workspaces = Workspaces(installations, base_url=slack.api_url)
    nine = Bot(
        app_id=slack.app_id,
        enterprise_id=None,
        team_id="T9",
        bot_token="xoxb-nine",
        bot_id="BBOT",
        bot_user_id="U9BOT",
        bot_scopes=["chat:write"],
        installed_at=time.time(),
    )

    async def authorize() -> str | None:
        context = AsyncBoltContext(client=AsyncWebClient(base_url=slack.api_url))
        result = await installations.authorize(
            context=context, enterprise_id=None, team_id="T9", user_id="U9"
        )
        return result.bot_token if result else None

    async def scenario() -> list[str | None]:
        await installations.async_save_bot(nine)
        tokens = [await authorize(), await authorize()]  # one auth.test, then the cache
        await installations.async_delete_all(enterprise_id=None, team_id="T9")  # uninstalled
        tokens.append(await authorize())  # nothing stored: no token, no auth.test
        await installations.async_save_bot(nine)  # installed again, with the same token
        tokens.append(await authorize())  # asked about afresh
        await workspaces.forget("T9")  # the daily poster's path
        await installations.async_save_bot(nine)
        tokens.append(await authorize())
        return tokens

    try:
        tokens = asyncio.run(scenario())
    finally:
        store.close()

    assert tokens == ["xoxb-nine", "xoxb-nine", None, "xoxb-nine", "xoxb-nine"]
    assert [c.token for c in slack.calls_to("auth.test")] == ["xoxb-nine"] * 3, slack.dump_calls()
