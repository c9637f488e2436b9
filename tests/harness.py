"""Drive the real bot as Slack does: signed requests, Slack's payloads, a `quotebot serve` process.

The pieces, smallest first:

- `sign(body, secret)`: the headers Slack adds to every request it sends to the bot.
- `command_body`, `action_body`, `event_body`, `url_verification_body`: request bodies encoded
  the way Slack encodes them (slash commands and clicks as forms, events as JSON), plus
  `mention_event`, `message_event`, `reaction_event` and `home_opened_event` for the inner
  events.
- `message_action_body`, `shortcut_body`, `view_submission_body`, `overflow_action_body`,
  `view_action_body`, `block_suggestion_body`: shortcuts, modal submissions, overflow menus,
  clicks in a modal or Home tab and an external select's options load, as Slack posts them
  (`view_state` builds a submission's `state.values`; `check_options` checks the answer).
- `BotProcess`: `python -m bot serve` as a real subprocess on a free port, talking to a
  `SlackStandIn`; `.command()`, `.click()`, `.choose()`, `.shortcut_on()`,
  `.global_shortcut()`, `.submit()`, `.click_in_view()`, `.suggest()`, `.open_home()`,
  `.react()` and `.event()` send signed requests to it. Each payload carries a trigger id
  the stand-in issued, so the bot can open a modal. What Slack would never send, it refuses
  (AssertionError): an event the app's manifest does not subscribe to, a reaction from a
  conversation the bot is not in, an options load the manifest has no URL for.
  With `ready="socket"` it is a Socket Mode bot: `socket_command()` and `socket_event()`
  send envelopes through the stand-in's websocket instead, and return the bot's ack.
- `check_message(message)`: what Slack would refuse (slack-sdk's Block Kit models), and
  `visible_text(message)`: everything a user can read in it.

Only the standard library talks HTTP here, so a failing test never blames a client library.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import itertools
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlencode, urlsplit

import yaml
from slack_sdk.models.blocks import Block

from tests import limits
from tests.slack_standin import SlackStandIn, dm_id

# The workspace the tests pretend to be. The stand-in answers auth.test for BOT_TOKEN with
# BOT_USER_ID and BOT_ID, so bolt recognises the bot's own messages by these.
BOT_TOKEN = "xoxb-test"
APP_TOKEN = "xapp-1-test"  # the app-level token that opens Socket Mode connections
SIGNING_SECRET = "test-signing-secret"
TEAM_ID = "T1"
APP_ID = "AQUOTEBOT"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
USER_ID = "U0ALICE"  # a user id as Slack writes them: U and upper-case letters and digits
CHANNEL_ID = "C0GENERAL"
DM_CHANNEL_ID = "D0ALICE"
# The app's configuration, as Slack knows it: which events it sends, where it sends options.
MANIFEST = Path(__file__).resolve().parents[1] / "config" / "manifest.yaml"
EXTERNAL_SELECTS = ("external_select", "multi_external_select")
MIN_QUERY_LENGTH = 3  # Slack: an external select asks for options once 3 characters are typed

FORM = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"

Reply = tuple[int, Any]  # HTTP status, and the body (parsed when it is JSON)


# ----- signing -------------------------------------------------------------------------------


def sign(body: str, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack signs a request with: `v0=` HMAC-SHA256 of `v0:{ts}:{body}`."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def free_port() -> int:
    """A TCP port nobody listens on right now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# ----- request bodies, as Slack sends them ---------------------------------------------------

_ts_counter = itertools.count(1)


def next_ts() -> str:
    """A message timestamp like Slack's (`seconds.micros`), unique within the test run."""
    return f"{int(time.time())}.{next(_ts_counter):06d}"


def new_event_id() -> str:
    return "Ev" + secrets.token_hex(5).upper()


def command_body(text: str = "", **fields: str) -> str:
    """A slash command, form-encoded (`channel_name` is "directmessage" in a DM)."""
    return urlencode(command_fields(text, **fields))


def command_fields(
    text: str = "",
    *,
    command: str = "/quote",
    response_url: str,
    user_id: str = USER_ID,
    user_name: str = "alice",
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """A slash command's fields: Slack's form, or the payload of a `slash_commands` envelope.

    Without `trigger_id` it carries one no stand-in issued (views.open refuses it).
    """
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "team_domain": "standin",
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or local_trigger_id(),
        **extra,
    }


def local_trigger_id() -> str:
    """A trigger id shaped like Slack's that no stand-in issued: views.open refuses it."""
    return f"{next(_ts_counter)}.1.{secrets.token_hex(16)}"


def find_element(
    message: Mapping[str, Any], action_id: str, kind: str | None = None
) -> tuple[dict, dict]:
    """The block, and the element in it, with this `action_id` (and type `kind`, if given).

    Looked for where Slack puts interactive elements: a block's `elements` (actions) and a
    section's `accessory`. AssertionError if there is none.
    """
    for block in message.get("blocks") or []:
        elements = [*(block.get("elements") or []), block.get("accessory")]
        for element in elements:
            if not isinstance(element, dict) or element.get("action_id") != action_id:
                continue
            if kind is None or element.get("type") == kind:
                return block, element
    raise AssertionError(f"no {kind or 'element'} {action_id!r} in {json.dumps(message)[:2000]}")


def find_button(message: Mapping[str, Any], action_id: str) -> tuple[dict, dict]:
    """The block and the button in it with this `action_id`; AssertionError if none."""
    return find_element(message, action_id, "button")


def action_body(
    message: Mapping[str, Any],
    action_id: str,
    *,
    response_url: str,
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    message_ts: str | None = None,
    ephemeral: bool = True,
    trigger_id: str | None = None,
) -> str:
    """A click on the button `action_id` of `message`: form-encoded `payload=` JSON.

    The action is built from the button as the bot sent it (its value, block id, text).
    Slack leaves `message` out of the payload for ephemeral messages; the `container`
    says which message it was.
    """
    block, button = find_button(message, action_id)
    return _message_block_actions(
        message,
        _button_action(block, button),
        response_url=response_url,
        user_id=user_id,
        channel_id=channel_id,
        channel_name=channel_name,
        team_id=team_id,
        message_ts=message_ts,
        ephemeral=ephemeral,
        trigger_id=trigger_id,
    )


def overflow_action_body(
    message: Mapping[str, Any],
    action_id: str,
    value: str,
    *,
    response_url: str,
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    ephemeral: bool = True,
    message_ts: str | None = None,
) -> str:
    """A choice of the option `value` in the overflow menu `action_id` of `message`.

    The menu sits in an actions block or a section's accessory; the option must be in it
    (AssertionError otherwise: no user could choose it). Otherwise as `action_body`.
    """
    block, menu = find_element(message, action_id, "overflow")
    option = _option_with_value(menu.get("options") or [], value, f"overflow {action_id!r}")
    action = {
        "type": "overflow",
        "action_id": action_id,
        "block_id": block.get("block_id") or "actions",
        "selected_option": {"text": _as_submitted(option["text"]), "value": option["value"]},
        "action_ts": next_ts(),
    }
    return _message_block_actions(
        message,
        action,
        response_url=response_url,
        user_id=user_id,
        channel_id=channel_id,
        channel_name=channel_name,
        team_id=team_id,
        message_ts=message_ts,
        ephemeral=ephemeral,
        trigger_id=trigger_id,
    )


def view_action_body(
    view: Mapping[str, Any],
    action_id: str,
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    answers: Mapping[str, Any] | None = None,
) -> str:
    """A click on the button `action_id` in a view (a modal or a Home tab), as Slack posts it.

    The `container` names the view and the payload carries the whole view, with what its
    inputs hold (`answers`, as for `view_submission_body`; else their initial values).
    There is no `response_url`: the bot answers with views.update.
    """
    block, button = find_button(view, action_id)
    payload = _block_actions(
        _button_action(block, button),
        user_id=user_id,
        team_id=team_id,
        trigger_id=trigger_id,
        container={"type": "view", "view_id": view["id"]},
    )
    payload["view"] = {**view, "state": {"values": view_state(view, answers or {})}}
    return _form(payload)


def block_suggestion_body(
    action_id: str,
    block_id: str,
    value: str,
    *,
    view: Mapping[str, Any] | None = None,
    message: Mapping[str, Any] | None = None,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
) -> str:
    """Someone typed `value` into the external select `action_id` of block `block_id`.

    The select is in `view` (a modal or Home tab, as the stand-in holds it) or in
    `message` (a message the bot posted in `channel_id`); Slack asks the app's options
    load URL for its options with this `block_suggestion` payload, form-encoded.
    AssertionError when there is no such external select (no user could type into it).
    """
    if (view is None) == (message is None):
        raise ValueError("pass the view or the message the select is in, not both")
    where = view if view is not None else message
    assert where is not None
    _block, element = find_block_element(where, block_id, action_id)
    assert element.get("type") in EXTERNAL_SELECTS, (
        f"{action_id!r} in block {block_id!r} is a {element.get('type')}, not an external "
        "select: Slack loads options only for external selects"
    )
    payload: dict[str, Any] = {
        "type": "block_suggestion",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "action_id": action_id,
        "block_id": block_id,
        "value": value,
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view["id"]}
        payload["view"] = dict(view)
    else:
        assert message is not None
        payload["container"] = {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_name}
        payload["message"] = dict(message)
    return _form(payload)


def find_block_element(
    container: Mapping[str, Any], block_id: str, action_id: str
) -> tuple[dict, dict]:
    """The block `block_id` of a message or view, and its element `action_id` (an input's
    element, a section's accessory or one of an actions block's); AssertionError if none.
    """
    for block in container.get("blocks") or []:
        if block.get("block_id") != block_id:
            continue
        elements = [block.get("element"), block.get("accessory"), *(block.get("elements") or [])]
        for element in elements:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return block, element
        raise AssertionError(f"block {block_id!r} has no element {action_id!r}: {block}")
    ids = [block.get("block_id") for block in container.get("blocks") or []]
    raise AssertionError(f"no block {block_id!r}; the blocks: {ids}")


def check_options(answer: Any) -> Mapping[str, Any]:
    """Fail unless Slack would show `answer`, an app's reply to a `block_suggestion`; return it.

    One of `options` (at most 100) or `option_groups` (at most 100 groups of at most 100,
    labels of at most 75 characters); each option a plain_text text of at most 75
    characters (select menus take no mrkdwn) and a value of at most 150. An empty list is
    fine: nothing matched.
    """
    assert isinstance(answer, Mapping), f"not a JSON object: {answer!r}"
    kinds = [key for key in ("options", "option_groups") if key in answer]
    assert len(kinds) == 1, f"answer with options or option_groups (one of them): {answer}"
    if kinds == ["options"]:
        _check_select_options(answer["options"], "options")
        return answer
    groups = answer["option_groups"]
    assert isinstance(groups, list), f"option_groups is not a list: {groups!r}"
    assert len(groups) <= limits.SELECT_OPTIONS, (
        f"{len(groups)} option_groups, Slack takes at most {limits.SELECT_OPTIONS}"
    )
    for index, group in enumerate(groups):
        where = f"option group {index}"
        _check_plain_text(group.get("label"), limits.OPTION_GROUP_LABEL, f"{where} label")
        _check_select_options(group.get("options"), where)
    return answer


def _check_select_options(options: Any, where: str) -> None:
    assert isinstance(options, list), f"{where}: options is not a list: {options!r}"
    assert len(options) <= limits.SELECT_OPTIONS, (
        f"{where}: {len(options)} options, Slack takes at most {limits.SELECT_OPTIONS}"
    )
    for index, option in enumerate(options):
        what = f"{where} option {index}"
        assert isinstance(option, Mapping), f"{what}: not an object: {option!r}"
        _check_plain_text(option.get("text"), limits.OPTION_TEXT, f"{what} text")
        value = option.get("value")
        assert isinstance(value, str) and value, f"{what}: no value: {option}"
        assert len(value) <= limits.OPTION_VALUE, (
            f"{what} value is {len(value)} characters: Slack takes at most {limits.OPTION_VALUE}"
        )
        if "description" in option:
            _check_plain_text(option["description"], limits.OPTION_TEXT, f"{what} description")


def _check_plain_text(text: Any, limit: int, what: str) -> None:
    assert isinstance(text, Mapping) and text.get("type") == "plain_text", (
        f"{what}: a select's texts are plain_text objects, not {text!r}"
    )
    value = text.get("text")
    assert isinstance(value, str) and value, f"{what} is empty: Slack wants at least 1 character"
    assert len(value) <= limit, f"{what} is {len(value)} characters: Slack takes at most {limit}"


def message_action_body(
    message: Mapping[str, Any],
    *,
    response_url: str,
    callback_id: str = "save_quote",
    user_id: str = USER_ID,
    channel_id: str = CHANNEL_ID,
    channel_name: str = "general",
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> str:
    """The message shortcut `callback_id` used on `message`: a `message_action` payload.

    `message` is the message as Slack sends it (type, user, ts, text, blocks…), such as
    `SlackStandIn.add_message` returns. `channel_name` is what Slack writes: the channel's
    name, "directmessage" in a DM, "privategroup" in a private channel.
    """
    payload = {
        "type": "message_action",
        "token": "legacy-verification-token",
        "action_ts": next_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or local_trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": dict(message),
    }
    return _form(payload)


def shortcut_body(
    callback_id: str,
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
) -> str:
    """The global shortcut `callback_id` (from the shortcuts menu): a `shortcut` payload.

    It comes from no channel, so it has neither a channel nor a `response_url`.
    """
    payload = {
        "type": "shortcut",
        "token": "legacy-verification-token",
        "action_ts": next_ts(),
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or local_trigger_id(),
    }
    return _form(payload)


def view_submission_body(
    view: Mapping[str, Any],
    answers: Mapping[str, Any],
    *,
    user_id: str = USER_ID,
    team_id: str = TEAM_ID,
    trigger_id: str | None = None,
    response_url: str | None = None,
) -> str:
    """The user pressed the submit button of `view`: a `view_submission` payload.

    `view` is the view as the stand-in holds it (id, hash, callback_id, private_metadata,
    blocks…); `answers` maps input blocks' `block_id` to what the user entered (see
    `view_state`). A conversations or channels select with `response_url_enabled` gets a
    `response_urls` entry with `response_url`, as Slack does; otherwise the list is empty.
    """
    values = view_state(view, answers)
    response_urls = []
    for block in _input_blocks(view):
        element = block["element"]
        picked = values[block["block_id"]][element["action_id"]]
        channel = picked.get("selected_conversation") or picked.get("selected_channel")
        if element.get("response_url_enabled") and channel and response_url:
            response_urls.append(
                {
                    "block_id": block["block_id"],
                    "action_id": element["action_id"],
                    "channel_id": channel,
                    "response_url": response_url,
                }
            )
    payload = {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "trigger_id": trigger_id or local_trigger_id(),
        "view": {**view, "state": {"values": values}},
        "response_urls": response_urls,
        "is_enterprise_install": False,
        "enterprise": None,
    }
    return _form(payload)


# What each input element submits in `view.state.values[block_id][action_id]`, besides its
# type: element type -> (the state key, the element key holding its initial value).
_TYPED_VALUE = {
    "plain_text_input": ("value", "initial_value"),
    "url_text_input": ("value", "initial_value"),
    "email_text_input": ("value", "initial_value"),
    "number_input": ("value", "initial_value"),
    "timepicker": ("selected_time", "initial_time"),
    "datepicker": ("selected_date", "initial_date"),
    "users_select": ("selected_user", "initial_user"),
    "conversations_select": ("selected_conversation", "initial_conversation"),
    "channels_select": ("selected_channel", "initial_channel"),
}
_PICKED_MANY = {
    "multi_users_select": ("selected_users", "initial_users"),
    "multi_conversations_select": ("selected_conversations", "initial_conversations"),
    "multi_channels_select": ("selected_channels", "initial_channels"),
}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons"}
_MANY_OPTIONS = {"multi_static_select", "multi_external_select", "checkboxes"}


def view_state(view: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """`view.state.values` as Slack submits it: every input block, by block_id and action_id.

    `answers` maps a block_id to what the user entered: a `str` for a text input, a
    single select (its option's value), a time, date, user or conversation; a `list[str]`
    for multi selects and checkboxes; `None` to leave it empty. Blocks not in `answers`
    keep their initial value or option(s), else are empty. Selected options are the
    view's own (their text and value, as Slack sends them back); an external select's
    answer may be an option dict, as it has no options in the view.

    AssertionError where Slack would never send it (the test is wrong): an answer for no
    input block, an option not in the view, a required input left empty, a text outside
    its `min_length`/`max_length`, more options than `max_selected_items`.
    """
    inputs = {block["block_id"]: block for block in _input_blocks(view)}
    unknown = sorted(set(answers) - set(inputs))
    assert not unknown, f"no input blocks {unknown} in the view; its inputs: {sorted(inputs)}"
    values: dict[str, Any] = {}
    for block_id, block in inputs.items():
        element = block["element"]
        where = f"input {block_id!r} ({element['type']})"
        state = _element_state(element, answers.get(block_id, ...), where)
        empty = all(v in (None, "", []) for k, v in state.items() if k != "type")
        assert block.get("optional") or not empty, (
            f"{where} is required: Slack does not submit the modal with it empty"
        )
        values[block_id] = {element["action_id"]: state}
    return values


def _element_state(element: Mapping[str, Any], answer: Any, where: str) -> dict[str, Any]:
    """One input element's state; `answer` is `...` when the user left it as it was."""
    kind = element["type"]
    many = kind in _PICKED_MANY or kind in _MANY_OPTIONS
    if answer is not ... and answer is not None:
        external = kind == "external_select" and isinstance(answer, Mapping)  # an option
        assert isinstance(answer, list) if many else isinstance(answer, str) or external, (
            f"{where}: answer with {'a list of str' if many else 'a str'}, not {answer!r}"
        )
    if kind in _TYPED_VALUE or kind in _PICKED_MANY:
        key, initial = _TYPED_VALUE.get(kind) or _PICKED_MANY[kind]
        value = element.get(initial) if answer is ... else answer
        if kind in _PICKED_MANY:
            value = list(value or [])
            _check_selected_count(element, value, where)
        elif value == "":
            value = None  # a field the user cleared is submitted as null
        if kind == "plain_text_input" and value:
            low, high = element.get("min_length", 0), element.get("max_length", 3000)
            assert low <= len(value) <= high, (
                f"{where}: {len(value)} characters, Slack takes {low} to {high} here"
            )
        return {"type": kind, key: value}
    if kind in _ONE_OPTION:
        if answer is ...:
            option = element.get("initial_option")
        else:
            option = None if answer is None else _pick_option(element, answer, where)
        return {"type": kind, "selected_option": option and _submitted_option(option)}
    if kind in _MANY_OPTIONS:
        if answer is ...:
            options = list(element.get("initial_options") or [])
        else:
            options = [_pick_option(element, value, where) for value in answer or []]
        _check_selected_count(element, options, where)
        return {"type": kind, "selected_options": [_submitted_option(o) for o in options]}
    raise AssertionError(f"{where}: the harness does not know what Slack submits for {kind!r}")


def _pick_option(element: Mapping[str, Any], answer: Any, where: str) -> Mapping[str, Any]:
    """The option of `element` the user picked, by value (an external select's: any)."""
    if element["type"].endswith("external_select"):
        if isinstance(answer, Mapping):
            return answer
        initial = [element.get("initial_option"), *(element.get("initial_options") or [])]
        known = [option for option in initial if option and option["value"] == answer]
        plain = {"type": "plain_text", "text": answer}
        return known[0] if known else {"text": plain, "value": answer}
    assert isinstance(answer, str), f"{where}: answer with an option's value, not {answer!r}"
    return _option_with_value(_options_of(element), answer, where)


def _options_of(element: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    groups = element.get("option_groups") or []
    return [*(element.get("options") or []), *(o for g in groups for o in g.get("options", []))]


def _option_with_value(
    options: Sequence[Mapping[str, Any]], value: str, where: str
) -> Mapping[str, Any]:
    for option in options:
        if option.get("value") == value:
            return option
    values = [option.get("value") for option in options]
    raise AssertionError(f"{where} has no option {value!r}; its options: {values}")


def _check_selected_count(element: Mapping[str, Any], selected: list[Any], where: str) -> None:
    most = element.get("max_selected_items")
    assert most is None or len(selected) <= most, (
        f"{where}: {len(selected)} selected, Slack lets the user pick at most {most}"
    )


def _submitted_option(option: Mapping[str, Any]) -> dict[str, Any]:
    """An option as Slack sends it back: its text (and description) as Slack writes them."""
    submitted = {"text": _as_submitted(option["text"]), "value": option["value"]}
    if "description" in option:
        submitted["description"] = _as_submitted(option["description"])
    return submitted


def _as_submitted(text: Mapping[str, Any]) -> dict[str, Any]:
    """A text object as Slack echoes it: plain_text with `emoji`, mrkdwn with `verbatim`."""
    if text.get("type") == "mrkdwn":
        return {"verbatim": False, **text}
    return {**text, "emoji": text.get("emoji", True)}


def _input_blocks(view: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            assert block.get("block_id") and block["element"].get("action_id"), (
                f"an input without block_id or action_id: pass the view as the stand-in "
                f"holds it (Slack names them): {block}"
            )
    return [block for block in view.get("blocks") or [] if block.get("type") == "input"]


def _button_action(block: Mapping[str, Any], button: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "action_id": button["action_id"],
        "block_id": block.get("block_id") or "actions",
        "text": {**button["text"], "emoji": True},
        "value": button.get("value", ""),
        "type": "button",
        "action_ts": next_ts(),
        **({"style": button["style"]} if "style" in button else {}),
    }


def _message_block_actions(
    message: Mapping[str, Any],
    action: dict[str, Any],
    *,
    response_url: str,
    user_id: str,
    channel_id: str,
    channel_name: str,
    team_id: str,
    message_ts: str | None,
    ephemeral: bool,
    trigger_id: str | None,
) -> str:
    """A `block_actions` payload for an element of a message the bot sent, form-encoded."""
    ts = message_ts or next_ts()
    container = {
        "type": "message",
        "message_ts": ts,
        "channel_id": channel_id,
        "is_ephemeral": ephemeral,
    }
    payload = _block_actions(
        action, user_id=user_id, team_id=team_id, trigger_id=trigger_id, container=container
    )
    payload["channel"] = {"id": channel_id, "name": channel_name}
    payload["state"] = {"values": {}}
    payload["response_url"] = response_url
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "ts": ts,
            "text": message.get("text", ""),
            "blocks": message.get("blocks", []),
        }
    return _form(payload)


def _block_actions(
    action: dict[str, Any],
    *,
    user_id: str,
    team_id: str,
    trigger_id: str | None,
    container: dict[str, Any],
) -> dict[str, Any]:
    """What every `block_actions` payload holds, wherever the element was."""
    return {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": APP_ID,
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": trigger_id or local_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [action],
    }


def _team(team_id: str) -> dict[str, str]:
    return {"id": team_id, "domain": "standin"}


def _user(user_id: str, team_id: str) -> dict[str, str]:
    name = "alice" if user_id == USER_ID else user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _form(payload: Mapping[str, Any]) -> str:
    """How Slack posts interactions: form-encoded, one `payload` field holding JSON."""
    return urlencode({"payload": json.dumps(payload)})


def mention_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = CHANNEL_ID,
    ts: str | None = None,
    thread_ts: str | None = None,
) -> dict[str, Any]:
    """An `app_mention` event: someone wrote `<@UBOT> …` in a channel (or a thread)."""
    ts = ts or next_ts()
    event = {
        "type": "app_mention",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "team": TEAM_ID,
        "client_msg_id": secrets.token_hex(8),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message_event(
    text: str,
    *,
    user: str = USER_ID,
    channel: str = DM_CHANNEL_ID,
    channel_type: str = "im",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A `message` event (a DM to the bot by default); `extra` adds subtype, bot_id…."""
    ts = ts or next_ts()
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts,
        "team": TEAM_ID,
        **extra,
    }


def reaction_event(
    channel: str,
    ts: str,
    reaction: str,
    *,
    user: str = USER_ID,
    item_user: str = BOT_USER_ID,
    added: bool = True,
) -> dict[str, Any]:
    """A `reaction_added` (or `reaction_removed`) event: `user` put `reaction` (an emoji's
    name, no colons) on, or took it off, the message `ts` that `item_user` wrote in `channel`.
    """
    return {
        "type": "reaction_added" if added else "reaction_removed",
        "user": user,
        "reaction": reaction,
        "item_user": item_user,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": next_ts(),
    }


def home_opened_event(
    user: str = USER_ID, *, tab: str = "home", view: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """An `app_home_opened` event: `user` opened the app's Home (or Messages) tab.

    `channel` is the user's DM with the app; `view` is the Home view the app published for
    them last, absent when there is none (the first visit).
    """
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": dm_id(user),
        "tab": tab,
        "event_ts": next_ts(),
    }
    if view is not None:
        event["view"] = dict(view)
    return event


def event_body(
    event: Mapping[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
) -> str:
    """The `event_callback` envelope around an event, JSON-encoded."""
    return json.dumps(event_callback(event, event_id=event_id, team_id=team_id))


def event_callback(
    event: Mapping[str, Any], *, event_id: str | None = None, team_id: str = TEAM_ID
) -> dict[str, Any]:
    """The `event_callback` around an event (the payload of a Socket Mode `events_api`)."""
    return {
        "token": "legacy-verification-token",
        "team_id": team_id,
        "api_app_id": APP_ID,
        "event": dict(event),
        "type": "event_callback",
        "event_id": event_id or new_event_id(),
        "event_time": int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": "4-" + secrets.token_hex(12),
    }


def url_verification_body(challenge: str) -> str:
    """What Slack sends once when the events URL is saved in the app's settings."""
    return json.dumps({"token": "legacy", "challenge": challenge, "type": "url_verification"})


# ----- what a user sees ----------------------------------------------------------------------


def check_message(message: Mapping[str, Any]) -> Mapping[str, Any]:
    """Fail unless Slack would show `message`: a text fallback, valid blocks; return it.

    Each block must parse as one of slack-sdk's Block Kit models, pass its
    `validate_json()` (the limits Slack enforces) and survive the round trip unchanged,
    so no key slipped in that the model does not know.
    """
    assert isinstance(message.get("text"), str), f"no text fallback: {message}"
    assert message["text"].strip(), f"empty text fallback: {message}"
    blocks = message.get("blocks") or []
    assert len(blocks) <= 50, f"{len(blocks)} blocks: Slack takes at most 50"
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None, f"not a Block Kit block: {block}"
        parsed.validate_json()
        assert parsed.to_dict() == block, f"block changed by slack-sdk's model: {block}"
    limits.check_message(message)  # and every limit slack-sdk's models do not check
    return message


def visible_text(message: Mapping[str, Any]) -> str:
    """Every piece of text a user can read in a message: the fallback and each text object."""
    texts = [str(message.get("text") or "")]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
                texts.append(node["text"])
            for key, value in node.items():
                if key != "value":  # button values are data, never shown
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(texts)


def blocks_of(message: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """The blocks of one type (`section`, `context`, `actions`…), in order."""
    return [block for block in message.get("blocks") or [] if block.get("type") == kind]


def section_texts(message: Mapping[str, Any]) -> list[str]:
    return [block["text"]["text"] for block in blocks_of(message, "section")]


def context_text(message: Mapping[str, Any]) -> str:
    return "\n".join(
        element.get("text", "")
        for block in blocks_of(message, "context")
        for element in block["elements"]
    )


def button_labels(message: Mapping[str, Any]) -> list[str]:
    """The buttons' texts in the actions blocks (an overflow menu there has none)."""
    return [
        element["text"]["text"]
        for block in blocks_of(message, "actions")
        for element in block["elements"]
        if element.get("type") == "button"
    ]


# ----- the bot process -----------------------------------------------------------------------


def bot_environment(folder: Path, slack: SlackStandIn, **overrides: str | None) -> dict[str, str]:
    """The environment of a bot wired to `slack`, with its files in `folder`.

    Built from nothing rather than from os.environ, so a developer's own SLACK_* variables
    never leak in. An override of None removes that variable.
    """
    config = folder / "quotebot.yaml"
    if not config.exists():
        config.write_text("timezone: UTC\ndaily: []\n", encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url,
        "PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{folder / 'quotebot.sqlite3'}",
        "QUOTEBOT_CONFIG": str(config),
        "QUOTEBOT_LOG_LEVEL": "DEBUG",
    }
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` to completion; stdout and stderr captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def listening_ports(pid: int) -> list[int]:
    """The TCP ports process `pid` listens on (Linux: its socket fds matched in /proc/net)."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):  # an fd closed meanwhile
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[len("socket:[") : -1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return sorted(ports)


class BotProcess:
    """`python -m bot serve` (or other `args`, or another `command`) as a process.

    Its output goes to `cwd/bot.log`; `log()` returns it, for assertion messages. Use it
    as a context manager: the process is always stopped, killed if it must be.

    `ready` says when it has started: "healthz" (HTTP mode) once GET /healthz answers 200,
    "socket" (Socket Mode) once it has opened a new connection to the stand-in `slack`,
    "spawned" as soon as the process is there (for tests of what comes before ready).

    `manifest` is the app's configuration as Slack knows it (the shipped
    config/manifest.yaml by default, read afresh at each use): Slack sends only the events
    it subscribes to, a Home tab it enables and options loads to its URL, so neither do
    `open_home()`, `react()` and `suggest()` (unless `force=True`).
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        cwd: Path,
        slack: SlackStandIn | None = None,
        args: tuple[str, ...] = ("serve",),
        command: Sequence[str] | None = None,
        secret: str | None = None,
        ready: str = "healthz",
        manifest: Path = MANIFEST,
    ) -> None:
        if ready not in ("healthz", "socket", "spawned") or (ready == "socket" and not slack):
            raise ValueError('ready is "healthz", "spawned", or "socket" with a SlackStandIn')
        self.ready = ready
        self.command_line = list(command or [sys.executable, "-m", "bot", *args])
        self.env = dict(env)
        self.cwd = cwd
        self.slack = slack
        self.secret = secret or self.env.get("SLACK_SIGNING_SECRET") or ""
        self.port = int(self.env.get("PORT") or 3000)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = cwd / "bot.log"
        self.manifest_path = manifest
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None
        self._log_from = 0
        self._sent_events: dict[str, tuple[dict[str, Any], str]] = {}  # event_id -> (event, team)

    # --- lifecycle ---

    def start(self, *, timeout: float = 20) -> Self:
        """Start the process and wait until it is ready (see the class docstring)."""
        self.mark_log()
        sockets_before = self.slack.sockets_opened if self.slack else 0
        self._log_file = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command_line,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"bot exited with {self.process.returncode} before it was ready:\n{self.log()}"
                )
            if self._ready(sockets_before):
                return self
            if time.monotonic() > deadline:
                self.kill()
                raise AssertionError(f"bot not ready within {timeout}s:\n{self.log()}")
            time.sleep(0.02)

    def _ready(self, sockets_before: int) -> bool:
        if self.ready == "spawned":
            return True
        if self.ready == "socket":
            assert self.slack is not None
            return any(number > sockets_before for number in self.slack.open_sockets)
        try:
            return self.get("/healthz", timeout=1)[0] == 200
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send `sig` and wait for the exit code; kill and fail if it takes over `timeout` s."""
        assert self.process is not None, "bot not started"
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError(
                    f"bot still running {timeout}s after signal {sig}:\n{self.log()}"
                ) from None
        self._close_log()
        return self.process.returncode

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._close_log()

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(AssertionError):  # it was killed; the test says more
                self.stop()
        self._close_log()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def mark_log(self) -> None:
        """From now on, `log()` shows only what comes after this point (one test's part)."""
        self._log_from = self.log_path.stat().st_size if self.log_path.exists() else 0

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        """Wait until `text` shows in `log()`; the log. AssertionError with the log if not."""
        deadline = time.monotonic() + timeout
        while text not in (log := self.log()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not logged within {timeout}s:\n{log}")
            time.sleep(0.02)
        return log

    def log(self) -> str:
        """What the process wrote (stdout and stderr) since it started, or since `mark_log()`."""
        try:
            with self.log_path.open("rb") as file:
                file.seek(self._log_from)
                return file.read().decode("utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"

    # --- HTTP ---

    def get(self, path: str, *, timeout: float = 10) -> Reply:
        return self._send(urllib.request.Request(self.url + path), timeout)

    def post(
        self,
        body: str,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        *,
        signed: bool = True,
        path: str = "/slack/events",
        timeout: float = 10,
    ) -> Reply:
        """POST `body` to the bot, signed with its secret unless `signed=False`.

        `headers` are added last, so a test can replace the signature or the timestamp.
        """
        all_headers = {"Content-Type": content_type}
        if signed:
            all_headers.update(sign(body, self.secret))
        all_headers.update(headers or {})
        request = urllib.request.Request(
            self.url + path, data=body.encode(), headers=all_headers, method="POST"
        )
        return self._send(request, timeout)

    def command(self, text: str = "", **fields: str) -> Reply:
        """Type `/quote TEXT` (fields override the form: channel_id, user_id…)."""
        fields.setdefault("response_url", self._response_url("command"))
        self._add_trigger(fields)
        return self.post(command_body(text, **fields), FORM)

    def click(self, message: Mapping[str, Any], action_id: str, **fields: Any) -> Reply:
        """Click the button `action_id` on `message`, a message the bot sent."""
        fields.setdefault("response_url", self._response_url(action_id))
        self._add_trigger(fields)
        return self.post(action_body(message, action_id, **fields), FORM)

    def choose(
        self, message: Mapping[str, Any], action_id: str, value: str, **fields: Any
    ) -> Reply:
        """Choose the option `value` in the overflow menu `action_id` on a bot's message."""
        fields.setdefault("response_url", self._response_url(action_id))
        self._add_trigger(fields)
        return self.post(overflow_action_body(message, action_id, value, **fields), FORM)

    def shortcut_on(self, message: Mapping[str, Any], **fields: Any) -> Reply:
        """Use a message shortcut (`callback_id`, default save_quote) on someone's message.

        `channel_id` says where the message is (default CHANNEL_ID); `channel_name`
        defaults to what Slack writes for it: "directmessage" for a DM, "privategroup" for
        a private channel the stand-in knows, else its name.
        """
        fields.setdefault("response_url", self._response_url(fields.get("callback_id", "shortcut")))
        fields.setdefault("channel_name", self._channel_name(fields.get("channel_id", CHANNEL_ID)))
        self._add_trigger(fields)
        return self.post(message_action_body(message, **fields), FORM)

    def global_shortcut(self, callback_id: str, **fields: Any) -> Reply:
        """Use the global shortcut `callback_id` from Slack's shortcuts menu."""
        self._add_trigger(fields)
        return self.post(shortcut_body(callback_id, **fields), FORM)

    def submit(self, view: Mapping[str, Any], answers: Mapping[str, Any], **fields: Any) -> Reply:
        """Fill in `view` with `answers` (see `view_state`) and press its submit button.

        The user defaults to the view's owner in the stand-in. The reply's body is empty
        when the bot closes the modal, else JSON with its `response_action`.
        """
        self._add_view_user(view, fields)
        wants_url = any(b["element"].get("response_url_enabled") for b in _input_blocks(view))
        if self.slack is not None and wants_url:
            fields.setdefault("response_url", self.slack.response_url(f"view:{view['id']}"))
        self._add_trigger(fields)
        return self.post(view_submission_body(view, answers, **fields), FORM)

    def click_in_view(self, view: Mapping[str, Any], action_id: str, **fields: Any) -> Reply:
        """Click the button `action_id` in a modal or Home tab (user: the view's owner)."""
        self._add_view_user(view, fields)
        self._add_trigger(fields)
        return self.post(view_action_body(view, action_id, **fields), FORM)

    def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry: int = 0,
        team_id: str = TEAM_ID,
    ) -> Reply:
        """Deliver an event; `retry=N` sends it as Slack's Nth retry of `event_id`."""
        headers = {}
        if retry:
            headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        body = event_body(event, event_id=event_id, team_id=team_id)
        return self.post(body, JSON_TYPE, headers)

    def open_home(
        self,
        user_id: str = USER_ID,
        *,
        team_id: str = TEAM_ID,
        tab: str = "home",
        force: bool = False,
    ) -> Reply:
        """`user_id` opens the app's Home tab (`tab="messages"`: its Messages tab).

        An `app_home_opened` event with a fresh event id, carrying the Home view the
        stand-in holds for that user (none on a first visit), as Slack sends it. Refused
        (AssertionError) unless the manifest enables that tab and subscribes to the event.
        """
        if not force:
            enabled = {"home": "home_tab_enabled", "messages": "messages_tab_enabled"}[tab]
            app_home = (self.manifest().get("features") or {}).get("app_home") or {}
            assert app_home.get(enabled), (
                f"the manifest's features.app_home.{enabled} is not true: users have no "
                f"{tab.title()} tab to open, so Slack never sends app_home_opened for it"
            )
            self._assert_subscribed("app_home_opened")
        view = None
        if tab == "home" and self.slack is not None:
            view = self.slack.home_view(user_id, team=team_id)
        return self.event(home_opened_event(user_id, tab=tab, view=view), team_id=team_id)

    def react(
        self,
        channel: str,
        ts: str,
        reaction: str,
        user: str = USER_ID,
        *,
        added: bool = True,
        event_id: str | None = None,
        retry_num: int | None = None,
        team_id: str = TEAM_ID,
        force: bool = False,
    ) -> Reply:
        """`user` adds `reaction` to the message `ts` in `channel` (`added=False`: removes it).

        Sends `reaction_added` / `reaction_removed` as Slack does, and changes the message's
        `reactions` in the stand-in when it holds that message (its author is the event's
        `item_user`; else the bot). `retry_num=N` resends the event first sent with
        `event_id`, unchanged, as Slack's Nth retry, and changes nothing in the stand-in.

        Slack sends reaction events only from conversations the app is a member of, when
        the manifest subscribes to them and the install has `reactions:read`; it sends none
        for a reaction the user already has there (or, removing, does not have). Anything
        else is refused with an AssertionError saying why, unless `force=True`.
        """
        if retry_num is not None:
            if event_id not in self._sent_events:
                raise ValueError(
                    "a retry repeats an event sent before: pass the event_id of that delivery"
                )
            event, team_id = self._sent_events[event_id]
            return self.event(event, event_id=event_id, retry=retry_num, team_id=team_id)
        kind = "reaction_added" if added else "reaction_removed"
        if not force:
            self._assert_subscribed(kind, scope="reactions:read", team_id=team_id)
            self._assert_member(channel, kind)
        item_user = BOT_USER_ID
        if self.slack is not None and (message := self.slack.message(channel, ts)) is not None:
            item_user = message.get("user") or item_user
            changed = self.slack.react(channel, ts, reaction, user, added=added)
            assert changed or force, (
                f"{user} {'already has' if added else 'has no'} :{reaction}: on {ts} in "
                f"{channel}: Slack sends no {kind} (a retry repeats an event: retry_num=)"
            )
        event = reaction_event(channel, ts, reaction, user=user, item_user=item_user, added=added)
        event_id = event_id or new_event_id()
        self._sent_events[event_id] = (event, team_id)
        return self.event(event, event_id=event_id, team_id=team_id)

    def suggest(
        self,
        action_id: str,
        block_id: str,
        value: str,
        *,
        view: Mapping[str, Any] | None = None,
        message: Mapping[str, Any] | None = None,
        force: bool = False,
        **fields: Any,
    ) -> Reply:
        """Type `value` into the external select `action_id` (in block `block_id`) of `view`
        or `message`: Slack's `block_suggestion` request, and the bot's answer.

        Posted to the path of the manifest's `settings.interactivity.message_menu_options_url`
        (Slack sends options loads nowhere else; with none and `force=True`, /slack/events);
        in a view, the user defaults to its owner. Refused (AssertionError) where Slack would
        send nothing: no options URL, or fewer characters than the select's
        `min_query_length` (3 unless set). A 200 answer must be options Slack shows
        (`check_options`). `force=True` skips all three checks.
        """
        if view is not None:
            self._add_view_user(view, fields)
        interactivity = (self.manifest().get("settings") or {}).get("interactivity") or {}
        url = interactivity.get("message_menu_options_url")
        path = (urlsplit(url).path or "/") if url else "/slack/events"
        where = view if view is not None else message
        if not force and where is not None:
            assert interactivity.get("is_enabled") and url, (
                "the manifest sets no settings.interactivity.message_menu_options_url (Slack's "
                "Options Load URL): Slack sends block_suggestion requests nowhere"
            )
            _block, element = find_block_element(where, block_id, action_id)
            fewest = element.get("min_query_length", MIN_QUERY_LENGTH)
            assert len(value) >= fewest, (
                f"{value!r} is shorter than the select's min_query_length ({fewest}): Slack "
                "asks for options only once that many characters are typed"
            )
        body = block_suggestion_body(
            action_id, block_id, value, view=view, message=message, **fields
        )
        status, answer = self.post(body, FORM, path=path)
        if not force and status == 200:
            check_options(answer)
        return status, answer

    def manifest(self) -> dict[str, Any]:
        """The app's manifest, as it is now."""
        return yaml.safe_load(self.manifest_path.read_text(encoding="utf-8")) or {}

    def _assert_subscribed(
        self, event_type: str, *, scope: str | None = None, team_id: str = TEAM_ID
    ) -> None:
        """Slack sends an event only to an app subscribed to it, with the scope it needs."""
        events = (self.manifest().get("settings") or {}).get("event_subscriptions") or {}
        assert event_type in (events.get("bot_events") or []), (
            f"the manifest's settings.event_subscriptions.bot_events has no {event_type}: "
            "Slack never sends it"
        )
        if scope is None or self.slack is None:
            return
        tokens = [token for token, team in self.slack.tokens.items() if team == team_id]
        assert any(scope in self.slack.scopes_of(token) for token in tokens), (
            f"no bot token of {team_id} has {scope} (add it to the manifest's scopes, and "
            f"the stand-in's with set_scopes): Slack sends {event_type} only with it"
        )

    def _assert_member(self, channel: str, event_type: str) -> None:
        """Slack sends reaction and message events only from conversations the app is in."""
        assert self.slack is not None, (
            f"{event_type}: give the BotProcess its SlackStandIn, which knows where the bot "
            "is a member, or pass force=True"
        )
        known = self.slack.channel(channel)
        assert known is not None and known.is_member, (
            f"the bot is not a member of {channel}: Slack sends {event_type} only from "
            "conversations the app is in (conversations.join, an invite, or the bot's own "
            "DM; add_channel(..., is_member=True) in a test), or pass force=True"
        )

    # --- Socket Mode (ready="socket"): envelopes through the stand-in, answered by acks ---

    def socket_command(self, text: str = "", **fields: str) -> dict[str, Any]:
        """Type `/quote TEXT` as a `slash_commands` envelope; the bot's ack (`payload`: answer)."""
        fields.setdefault("response_url", self._response_url("command"))
        self._add_trigger(fields)
        return self._socket_round_trip("slash_commands", command_fields(text, **fields))

    def socket_event(
        self, event: Mapping[str, Any], *, event_id: str | None = None, retry: int = 0
    ) -> dict[str, Any]:
        """Deliver an event as an `events_api` envelope (`retry=N`: Slack's Nth retry); the ack."""
        payload = event_callback(event, event_id=event_id)
        reason = "timeout" if retry else ""
        return self._socket_round_trip(
            "events_api", payload, retry_attempt=retry, retry_reason=reason
        )

    def _socket_round_trip(self, kind: str, payload: dict[str, Any], **options: Any) -> dict:
        assert self.slack is not None, "a Socket Mode bot needs its SlackStandIn"
        envelope_id = self.slack.socket_send(kind, payload, **options)
        try:
            return self.slack.socket_ack(envelope_id, timeout=10)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.log()}") from None

    def _response_url(self, name: str | None) -> str:
        if self.slack is None:
            raise ValueError("pass response_url=…, or give the BotProcess a SlackStandIn")
        return self.slack.response_url(name)

    def _add_trigger(self, fields: dict[str, Any]) -> None:
        """A fresh trigger id from the stand-in, for the user and team of the payload."""
        if self.slack is not None and not fields.get("trigger_id"):
            user, team = fields.get("user_id", USER_ID), fields.get("team_id", TEAM_ID)
            fields["trigger_id"] = self.slack.trigger_id(user, team=team)

    def _add_view_user(self, view: Mapping[str, Any], fields: dict[str, Any]) -> None:
        """The user acting in a view is, unless told otherwise, the one it belongs to."""
        if self.slack is not None and "user_id" not in fields:
            fields["user_id"] = self.slack.view_user(view["id"]) or USER_ID

    def _channel_name(self, channel_id: str) -> str:
        """`channel.name` as Slack writes it in an interaction payload."""
        if channel_id.startswith("D"):
            return "directmessage"
        known = self.slack.channel(channel_id) if self.slack is not None else None
        if known is not None:
            return "privategroup" if known.is_private else known.name
        return "general" if channel_id == CHANNEL_ID else channel_id.lower()

    @staticmethod
    def _send(request: urllib.request.Request, timeout: float) -> Reply:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                status, content_type, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, content_type, raw = error.code, error.headers, error.read()
        text = raw.decode("utf-8", errors="replace")
        if (content_type.get_content_type() or "") == JSON_TYPE and text:
            return status, json.loads(text)
        return status, text
