"""Steps that bring an older database up to the current schema, one version at a time.

Each step runs inside the schema lock of `Database._migrate`, after the current
tables were created, so it only has to move data.
"""

from __future__ import annotations

import json
import random

from sqlalchemy import MetaData, Table, inspect, text
from sqlalchemy.engine import Connection

from bot.ids import derived_id, random_id
from bot.store.schema import claims, reactions, schedules, walk_steps


def upgrade(db: Connection, version: int) -> None:
    if version < 2:
        _v2_short_ids_and_walk(db)
    if version < 4:
        _v4_max_length(db)
    if version < 5:
        _v5_reaction_events(db)
    # Version 3 added the quote book's tables, 4 the reactions table, 6 the reports and
    # corrections tables: create_all made them, nothing moves.


def _v4_max_length(db: Connection) -> None:
    """Schedules gain a maximum quote length (none: every quote, as before)."""
    columns = {column["name"] for column in inspect(db).get_columns("daily_schedules")}
    if "max_length" not in columns:
        db.execute(text("ALTER TABLE daily_schedules ADD COLUMN max_length INTEGER"))


def _v5_reaction_events(db: Connection) -> None:
    """Reactions keep their latest event (its time, added or taken back), not only adds.

    A version-4 row is a reaction that was there: an add, older than any event to come
    (time 0), so the next event about it decides. The "most loved" index gains `added`.
    (From version 3, create_all has just made the table as it is now: nothing to do.)
    """
    columns = {column["name"] for column in inspect(db).get_columns("reactions")}
    if "event_micros" not in columns:
        db.execute(text("ALTER TABLE reactions ADD COLUMN event_micros BIGINT NOT NULL DEFAULT 0"))
    if "added" not in columns:
        db.execute(text("ALTER TABLE reactions ADD COLUMN added BOOLEAN NOT NULL DEFAULT TRUE"))
    db.execute(text("DROP INDEX IF EXISTS reactions_by_team_and_time"))
    for index in reactions.indexes:
        index.create(db, checkfirst=True)


def _v2_short_ids_and_walk(db: Connection) -> None:
    """Version 1 keyed schedules by a hash of their fields and kept the walk in the posts.

    Schedules get short IDs (the settings file's the same ID it derives at every start),
    their posts move along, and the current cycle of each walk is copied out of the post
    history so that pruning the history never resets it.
    """
    if not inspect(db).has_table("subscriptions"):
        return
    old = MetaData()
    old_subs = Table("subscriptions", old, autoload_with=db)
    old_posts = Table("daily_posts", old, autoload_with=db)
    rng = random.SystemRandom()
    new_ids: dict[str, str] = {}
    for row in db.execute(old_subs.select()):
        topics = json.loads(row.topics)
        if row.origin == "config":
            new_id = derived_id(row.team_id, row.channel, row.time, row.timezone, row.days, *topics)
        else:
            new_id = random_id(rng)
        new_ids[row.key] = new_id
        db.execute(
            schedules.insert().values(
                id=new_id, team_id=row.team_id, channel=row.channel, time=row.time,
                timezone=row.timezone, days=row.days, topics=row.topics, origin=row.origin,
                created_by=row.created_by, enabled=row.enabled,
                disabled_reason=row.disabled_reason, created_at=row.created_at,
                starts_at=row.created_at if row.origin == "slack" else None,
            )
        )  # fmt: skip
    latest_cycle: dict[str, int] = {}
    posts = list(db.execute(old_posts.select()))
    for post in posts:
        if post.subscription_key in new_ids and post.status != "failed":
            key = post.subscription_key
            latest_cycle[key] = max(latest_cycle.get(key, 0), post.cycle)
    for post in posts:
        new_id = new_ids.get(post.subscription_key)
        if new_id is None:
            continue
        db.execute(
            claims.insert().values(
                subscription_id=new_id, local_date=post.local_date, status=post.status,
                quote_id=post.quote_id, cycle=post.cycle, ts=post.ts, claimed_by=post.claimed_by,
                lease_until=post.lease_until, attempts=post.attempts, error=post.error,
                updated_at=post.updated_at,
            )
        )  # fmt: skip
        if post.status != "failed" and post.cycle == latest_cycle.get(post.subscription_key):
            db.execute(
                walk_steps.insert().values(
                    subscription_id=new_id, local_date=post.local_date, cycle=post.cycle,
                    quote_id=post.quote_id,
                )
            )  # fmt: skip
    old_posts.drop(db)
    old_subs.drop(db)
