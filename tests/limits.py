"""Slack's limits on what a bot sends, checked one by one so a failure names the limit broken.

slack-sdk's Block Kit models (`Block.parse(d).validate_json()`) catch most per-field
limits, but not all of them (a context block's long text passes), and nothing in
slack-sdk knows the size of a whole message: Slack answers `msg_blocks_too_long` when the
blocks, as JSON, run near 13,000 characters. `check_message` checks the models and every
limit explicitly, for a message (`kind="message"`) or a modal or Home tab view, including
the input elements, selects and overflow menus that views hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

SECTION_TEXT = 3000
SECTION_FIELDS = 10
SECTION_FIELD_TEXT = 2000
CONTEXT_ELEMENTS = 10
CONTEXT_TEXT = 2000  # slack-sdk's models do not check this one
HEADER_TEXT = 150
ACTIONS_ELEMENTS = 25
BUTTON_TEXT = 75
BUTTON_VALUE = 2000
BUTTON_URL = 3000
ACTION_ID = 255
BLOCK_ID = 255
MARKDOWN_TEXT = 12_000
MESSAGE_TEXT = 40_000
# len(json.dumps(blocks)); Slack refuses messages near 13,000 (`msg_blocks_too_long`).
MESSAGE_PAYLOAD = 12_000
VIEW_TITLE = 24  # a modal's title, submit and close texts
PRIVATE_METADATA = 3000
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
INPUT_LABEL = 2000
INPUT_HINT = 2000
TEXT_INPUT_LENGTH = 3000  # plain_text_input's max_length, and so its initial_value
SELECT_OPTIONS = 100  # a static select's options, or its option_groups
OPTION_GROUP_LABEL = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
CHOICE_OPTIONS = 10  # checkboxes and radio buttons
OVERFLOW_OPTIONS = (2, 5)  # Slack: an overflow menu holds 2 to 5 options
STATIC_SELECTS = ("static_select", "multi_static_select")


def check_message(message: Mapping[str, Any], kind: str = "message") -> None:
    """Raise AssertionError naming the first Slack limit `message` breaks; None if it is fine.

    `kind` is "message" (50 blocks, a non-empty `text` fallback of at most 40,000
    characters, blocks JSON within 12,000 characters), or "modal" / "home" for a view
    (100 blocks; its `type`, when given, is `kind`; a modal's plain_text title, submit and
    close at most 24 characters, and a submit when it has inputs; private_metadata at most
    3,000). The payload budget is a message limit (`msg_blocks_too_long`); none is known
    for views. In any kind: input labels and hints, text inputs' lengths, selects' and
    overflow menus' options.
    """
    if kind not in MAX_BLOCKS:
        raise ValueError(f"kind must be one of {sorted(MAX_BLOCKS)}, not {kind!r}")
    blocks = message.get("blocks") or []
    assert isinstance(blocks, list), f"blocks must be a list, not {type(blocks).__name__}"
    if kind == "message":
        _check_fallback(message)
        size = len(json.dumps(blocks))
        assert size <= MESSAGE_PAYLOAD, (
            f"blocks payload is {size:,} characters of JSON: keep it within "
            f"{MESSAGE_PAYLOAD:,} (Slack answers msg_blocks_too_long near 13,000)"
        )
    else:
        _check_view(message, kind)
    limit = MAX_BLOCKS[kind]
    assert len(blocks) <= limit, f"{len(blocks)} blocks: a {kind} takes at most {limit}"
    for index, block in enumerate(blocks):
        where = f"block {index} ({block.get('type')!r})"
        _check_block(block, where)
        _check_with_slack_sdk(block, where)


def _check_fallback(message: Mapping[str, Any]) -> None:
    text = message.get("text")
    assert isinstance(text, str), f"message text fallback missing or not a string: {text!r}"
    assert text.strip(), "message text fallback is empty: notifications would show nothing"
    assert len(text) <= MESSAGE_TEXT, (
        f"message text is {len(text):,} characters: Slack takes at most {MESSAGE_TEXT:,}"
    )


def _check_view(view: Mapping[str, Any], kind: str) -> None:
    if "type" in view:
        assert view["type"] == kind, f"view type is {view['type']!r}: a {kind} view is {kind!r}"
    if kind == "modal":
        for key in ("title", "submit", "close"):
            if key in view:
                _check_text(view[key], VIEW_TITLE, f"modal {key}")
                assert view[key]["type"] == "plain_text", f"modal {key} must be plain_text"
        inputs = [b for b in view.get("blocks") or [] if b.get("type") == "input"]
        assert not inputs or "submit" in view, (
            "a modal with input blocks needs a submit button: Slack refuses it without one"
        )
    metadata = view.get("private_metadata") or ""
    assert len(metadata) <= PRIVATE_METADATA, (
        f"private_metadata is {len(metadata):,} characters: at most {PRIVATE_METADATA:,}"
    )


def _check_with_slack_sdk(block: Mapping[str, Any], where: str) -> None:
    """slack-sdk's own validation, and a round trip that drops no key it does not know."""
    parsed = Block.parse(dict(block))
    assert parsed is not None, f"{where}: not a Block Kit block slack-sdk knows: {block}"
    try:
        parsed.validate_json()
    except SlackObjectFormationError as error:
        raise AssertionError(f"{where}: slack-sdk refuses it: {error}") from error
    assert parsed.to_dict() == block, f"{where}: changed by slack-sdk's model: {block}"


def _check_block(block: Mapping[str, Any], where: str) -> None:
    kind = block.get("type")
    _check_length(block.get("block_id"), BLOCK_ID, f"{where} block_id")
    if kind == "section":
        if "text" in block:
            _check_text(block["text"], SECTION_TEXT, f"{where} section text")
        fields = block.get("fields") or []
        assert len(fields) <= SECTION_FIELDS, (
            f"{where}: {len(fields)} fields, at most {SECTION_FIELDS}"
        )
        for field in fields:
            _check_text(field, SECTION_FIELD_TEXT, f"{where} section field")
        if "accessory" in block:
            _check_element(block["accessory"], f"{where} accessory")
    elif kind == "context":
        elements = block.get("elements") or []
        assert len(elements) <= CONTEXT_ELEMENTS, (
            f"{where}: {len(elements)} context elements, at most {CONTEXT_ELEMENTS}"
        )
        for element in elements:
            if element.get("type") in ("mrkdwn", "plain_text"):
                _check_text(element, CONTEXT_TEXT, f"{where} context text")
    elif kind == "header":
        _check_text(block.get("text"), HEADER_TEXT, f"{where} header text")
    elif kind == "actions":
        elements = block.get("elements") or []
        assert len(elements) <= ACTIONS_ELEMENTS, (
            f"{where}: {len(elements)} actions elements, at most {ACTIONS_ELEMENTS}"
        )
        for index, element in enumerate(elements):
            _check_element(element, f"{where} element {index}")
    elif kind == "markdown":
        _check_length(block.get("text"), MARKDOWN_TEXT, f"{where} markdown text")
    elif kind == "input":
        _check_text(block.get("label"), INPUT_LABEL, f"{where} input label")
        if "hint" in block:
            _check_text(block["hint"], INPUT_HINT, f"{where} input hint")
        _check_element(block.get("element") or {}, f"{where} element")
    # Whatever the block: every action_id anywhere inside it.
    for node in _dicts(block):
        _check_length(node.get("action_id"), ACTION_ID, f"{where} action_id")


def _check_element(element: Mapping[str, Any], where: str) -> None:
    kind = element.get("type")
    if kind == "button":
        _check_text(element.get("text"), BUTTON_TEXT, f"{where} button text")
        _check_length(element.get("value"), BUTTON_VALUE, f"{where} button value")
        _check_length(element.get("url"), BUTTON_URL, f"{where} button url")
    elif kind == "plain_text_input":
        _check_text_input(element, where)
    elif kind in STATIC_SELECTS:
        _check_static_select(element, where)
    elif kind in ("checkboxes", "radio_buttons"):
        options = element.get("options") or []
        assert len(options) <= CHOICE_OPTIONS, (
            f"{where}: {len(options)} {kind} options, Slack takes at most {CHOICE_OPTIONS}"
        )
        _check_options(options, f"{where} {kind}")
    elif kind == "overflow":
        options = element.get("options") or []
        fewest, most = OVERFLOW_OPTIONS
        assert fewest <= len(options) <= most, (
            f"{where}: {len(options)} overflow options, Slack takes {fewest} to {most}"
        )
        _check_options(options, f"{where} overflow")
    _check_length(element.get("action_id"), ACTION_ID, f"{where} action_id")


def _check_text_input(element: Mapping[str, Any], where: str) -> None:
    longest = element.get("max_length", TEXT_INPUT_LENGTH)
    assert longest <= TEXT_INPUT_LENGTH, (
        f"{where}: plain_text_input max_length {longest:,}, Slack takes at most "
        f"{TEXT_INPUT_LENGTH:,}"
    )
    _check_length(element.get("initial_value"), longest, f"{where} initial_value (max_length)")


def _check_static_select(element: Mapping[str, Any], where: str) -> None:
    options, groups = element.get("options") or [], element.get("option_groups") or []
    for what, items in (("options", options), ("option_groups", groups)):
        assert len(items) <= SELECT_OPTIONS, (
            f"{where}: {len(items)} select {what}, Slack takes at most {SELECT_OPTIONS}"
        )
    _check_options(options, f"{where} select")
    for index, group in enumerate(groups):
        group_where = f"{where} option group {index}"
        _check_text(group.get("label"), OPTION_GROUP_LABEL, f"{group_where} label")
        group_options = group.get("options") or []
        assert len(group_options) <= SELECT_OPTIONS, (
            f"{group_where}: {len(group_options)} options, Slack takes at most {SELECT_OPTIONS}"
        )
        _check_options(group_options, group_where)


def _check_options(options: list[Mapping[str, Any]], where: str) -> None:
    for option in options:
        _check_text(option.get("text"), OPTION_TEXT, f"{where} option text")
        _check_length(option.get("value"), OPTION_VALUE, f"{where} option value")


def _check_text(text: Any, limit: int, what: str) -> None:
    assert isinstance(text, Mapping), f"{what}: not a text object: {text!r}"
    assert text.get("type") in ("mrkdwn", "plain_text"), f"{what}: type {text.get('type')!r}"
    assert isinstance(text.get("text"), str), f"{what}: no text in {text!r}"
    assert text["text"], f"{what} is empty: Slack wants at least 1 character"
    _check_length(text["text"], limit, what)


def _check_length(value: Any, limit: int, what: str) -> None:
    if value is None:
        return
    assert isinstance(value, str), f"{what}: not a string: {value!r}"
    assert len(value) <= limit, (
        f"{what} is {len(value):,} characters: Slack takes at most {limit:,}"
    )


def _dicts(node: Any) -> Iterator[Mapping[str, Any]]:
    """Every mapping nested in `node`, `node` included."""
    if isinstance(node, Mapping):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dicts(item)
