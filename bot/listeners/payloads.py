"""What listeners read from Slack's payloads, the same way whichever listener reads it."""

from __future__ import annotations

from typing import Any


def team_of(body: dict[str, Any]) -> str:
    """The workspace a click, a shortcut or a form submission came from."""
    team = body.get("team") or {}
    return str(team.get("id") or (body.get("user") or {}).get("team_id") or "")
