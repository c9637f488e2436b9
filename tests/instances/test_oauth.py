"""Installing in many workspaces: bolt's OAuth flow end to end, against the stand-in.

install page → Slack's redirect back with a code → `oauth.v2.access` on the stand-in →
the installation stored → that workspace's requests answered with its own token →
uninstalling forgets the token.
"""

from __future__ import annotations

import re
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from slack_sdk.oauth.installation_store import Bot

from bot.installations import InstallationStore
from bot.store import Store
from tests.harness import (
    BOT_TOKEN,
    FORM,
    JSON_TYPE,
    BotProcess,
    bot_environment,
    command_body,
    event_body,
    mention_event,
)
from tests.slack_standin import SlackStandIn

NINE = {
    "team_id": "T9",
    "team_name": "Nine",
    "bot_token": "xoxb-nine",
    "bot_user_id": "U9BOT",
    "authed_user_id": "U9",
}


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

    # A slash command from the new workspace is answered in the HTTP response...
    status, reply = oauth_bot.post(
        command_body("robotics", team_id="T9", response_url=slack.response_url()), FORM
    )
    assert status == 200 and "robotics" in str(reply).lower(), oauth_bot.log()
    # ...and a mention there is answered through chat.postMessage with T9's own token.
    status, _ = oauth_bot.post(
        event_body(mention_event("<@U9BOT> robotics", channel="C9"), team_id="T9"), JSON_TYPE
    )
    assert status == 200
    posts = slack.wait_for(lambda calls: [c for c in calls if c.method == "chat.postMessage"])
    assert [call.token for call in posts if call.method == "chat.postMessage"] == ["xoxb-nine"]
    assert BOT_TOKEN not in {call.token for call in slack.calls}


def test_a_bad_code_installs_nothing(oauth_bot: BotProcess, slack: SlackStandIn) -> None:
    status, page = install(oauth_bot, "no-such-code")

    assert status != 200 or "error" in page.lower(), page
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
    deadline = time.monotonic() + 5
    while stored_bot(oauth_bot, slack.client_id) is not None:
        assert time.monotonic() < deadline, "token still stored:\n" + oauth_bot.log()
        time.sleep(0.05)
