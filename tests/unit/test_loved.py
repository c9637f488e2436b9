"""The most loved quotes of "this month" count from the 1st, in the workspace's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.loved import month_start


def test_this_month_starts_at_midnight_on_the_first_in_the_workspaces_zone() -> None:
    # 05:00 UTC on 1 December is still 30 November in Los Angeles: November's list.
    now = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert month_start(now, "America/Los_Angeles") == datetime(2026, 11, 1, 7, 0, tzinfo=UTC)
    assert month_start(now, "Asia/Tokyo") == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert month_start(now, "UTC") == datetime(2026, 12, 1, tzinfo=UTC)
