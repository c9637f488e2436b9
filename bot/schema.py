"""The database tables, as SQLAlchemy Core metadata; `bot.store` reads and writes them.

Bump SCHEMA_VERSION with every change here, and add the step that migrates an older
database to `Store._migrate`.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, MetaData, String, Table, Text

SCHEMA_VERSION = 1
SCHEMA_LOCK = 0x71756F7465  # any constant shared by all instances: 'quote'

metadata = MetaData()

schema_info = Table(
    "quotebot_schema",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

seen_events = Table(
    "seen_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("team_id", String(32), nullable=False, default=""),
    Column("channel", String(32), nullable=False, index=True),
    Column("time", String(5), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("days", String(64), nullable=False),
    Column("topics", Text, nullable=False, default="[]"),
    Column("origin", String(8), nullable=False),  # "config" or "slack"
    Column("created_by", String(32), nullable=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("disabled_reason", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

daily_posts = Table(
    "daily_posts",
    metadata,
    Column("subscription_key", String(32), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("status", String(8), nullable=False),  # pending, sent, failed
    Column("quote_id", String(32), nullable=False),
    Column("cycle", Integer, nullable=False, default=0),
    Column("ts", String(32), nullable=True),
    Column("claimed_by", String(64), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
