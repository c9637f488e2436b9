"""The database tables, as SQLAlchemy Core metadata; the modules beside it read and write them.

Bump SCHEMA_VERSION with every change here, and add the step that migrates an older
database to `bot.store.migrations`.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
    true,
)

SCHEMA_VERSION = 6
SCHEMA_LOCK = 0x71756F7465  # any constant shared by all instances: 'quote'

metadata = MetaData()

schema_info = Table(
    "quotebot_schema",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

# When this database was made. A post whose time came before it may have been sent from
# a database that was lost (an ephemeral disk): such a post is looked for in its
# channel before it is sent.
database_origin = Table(
    "quotebot_origin",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

seen_events = Table(
    "seen_events",
    metadata,
    Column("event_id", String(64), primary_key=True),
    Column("seen_at", DateTime(timezone=True), nullable=False, index=True),
)

# A channel's quote of the day. `id` is short and stays when the schedule is edited,
# so its walk and its claims follow it.
schedules = Table(
    "daily_schedules",
    metadata,
    Column("id", String(16), primary_key=True),
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
    # Post times before this instant are never due: set when made, resumed or edited
    # in Slack ("first one at …" holds); None for the settings file's (they catch up).
    Column("starts_at", DateTime(timezone=True), nullable=True),
    Column("max_length", Integer, nullable=True),  # short quotes only (version 4)
)

# One row per (schedule, local date): the claim that decides who sends that post.
claims = Table(
    "daily_claims",
    metadata,
    Column("subscription_id", String(16), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("status", String(12), nullable=False),  # pending, sent, failed, unverified
    Column("quote_id", String(32), nullable=False),
    Column("cycle", Integer, nullable=False, default=0),
    Column("ts", String(32), nullable=True),
    Column("claimed_by", String(64), nullable=False),
    Column("lease_until", DateTime(timezone=True), nullable=False),
    Column("attempts", Integer, nullable=False, default=1),
    Column("error", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Every minute the scheduler asks which of today's posts are done, and pruning
    # deletes by date: both read this index, so neither grows with the history.
    Index("daily_claims_by_date", "local_date", "status"),
)

# The no-repeat walk, apart from the post history: pruning old claims never resets it.
# Only the current cycle's steps are kept.
walk_steps = Table(
    "daily_walk",
    metadata,
    Column("subscription_id", String(16), primary_key=True),
    Column("local_date", Date, primary_key=True),
    Column("cycle", Integer, nullable=False),
    Column("quote_id", String(32), nullable=False),
    Index("daily_walk_by_cycle", "subscription_id", "cycle"),
)

# Channels the bot has joined (or posted to as a member): there it can read the
# history, so a post whose answer was lost is looked for before it is sent again.
channel_members = Table(
    "channel_members",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("joined_at", DateTime(timezone=True), nullable=False),
)

# The team's quote book: quotes saved or added in Slack, one workspace's apart from
# another's (`team_id` is "" with a single bot token). A row is never deleted, so an ID
# is never given twice: a removed or rejected quote keeps its row and its status.
book_quotes = Table(
    "book_quotes",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("id", String(16), primary_key=True),
    Column("text", Text, nullable=False),
    # The normalised text's digest (the quote's 12-character alias): duplicates are
    # found by it, whatever the case, punctuation and spacing.
    Column("alias", String(32), nullable=False),
    Column("speaker", Text, nullable=True),
    Column("speaker_user", String(32), nullable=True),  # the Slack user quoted, if one was
    Column("source", Text, nullable=True),
    Column("url", Text, nullable=True),
    Column("topics", Text, nullable=False, default="[]"),
    Column("lead_in", Text, nullable=True),
    Column("status", String(10), nullable=False),  # pending, approved, rejected, removed
    # A change to an approved quote waiting for review (JSON: the new fields and who made
    # it); the quote stays as it was until an approver accepts the change.
    Column("proposed", Text, nullable=True),
    Column("added_by", String(32), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("changed_by", String(32), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    # Every change takes the next number of `book_changes`: an instance that has seen
    # up to N reads only the rows above N to catch up (see bot.store.book).
    Column("seq", Integer, nullable=False),
    Index("book_quotes_by_seq", "seq"),
    Index("book_quotes_by_alias", "team_id", "alias"),
    # One open quote per text in a workspace, however many people save it at once: the
    # database refuses the second (a removed or rejected one may be saved again).
    Index(
        "book_quotes_one_open_per_text",
        "team_id",
        "alias",
        unique=True,
        sqlite_where=text("status IN ('pending', 'approved')"),
        postgresql_where=text("status IN ('pending', 'approved')"),
    ),
)

# Quotes from files that approvers hid from Slack (the files stay as they are).
hidden_quotes = Table(
    "hidden_quotes",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("quote_id", String(16), primary_key=True),
    Column("alias", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("text", Text, nullable=False),  # its start, to list it when the file changed
    Column("hidden", Boolean, nullable=False),  # False once shown again
    Column("changed_by", String(32), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Index("hidden_quotes_by_seq", "seq"),
)

# Quotes from files shown corrected in Slack (a report applied): in the change feed,
# like the two tables above. Until the file is fixed, the correction shows in its place.
corrections = Table(
    "corrections",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("quote_id", String(16), primary_key=True),
    Column("alias", String(32), nullable=False),  # to find the quote by its text
    Column("was_text", Text, nullable=False),  # the file's text, as it was corrected
    Column("was_speaker", Text, nullable=True),
    Column("was_source", Text, nullable=True),
    Column("file", Text, nullable=False),
    Column("line", Integer, nullable=False),
    Column("text", Text, nullable=False),
    Column("speaker", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("changed_by", String(32), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("seq", Integer, nullable=False),
    Index("corrections_by_seq", "seq"),
)

# Reports of a problem with a quote (a wrong speaker, a typo), open until an approver
# applies or dismisses them. Kept afterwards: who reported what, and what came of it.
reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("team_id", String(32), nullable=False),
    Column("quote_id", String(16), nullable=False),
    Column("problem", String(16), nullable=False),
    Column("was_text", Text, nullable=False),
    Column("was_speaker", Text, nullable=True),
    Column("was_source", Text, nullable=True),
    Column("text", Text, nullable=False),
    Column("speaker", Text, nullable=True),
    Column("source", Text, nullable=True),
    Column("note", Text, nullable=True),
    Column("reported_by", String(32), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # open, applied, dismissed
    Column("decided_by", String(32), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Index("reports_open", "team_id", "status", "id"),
)

# One row: the number of the latest change to book_quotes, hidden_quotes and corrections.
# Taking the next number locks the row until the change commits, so numbers are seen in
# commit order.
book_changes = Table(
    "book_changes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
)

# Reactions to the bot's posts: one row per person, emoji and message, with the quote the
# message shows. Apart from the post history (`daily_claims`), so pruning old posts never
# forgets who loved a quote. A row holds the latest event about its reaction, added or
# taken back (version 5): Slack may deliver a removal before the add it takes back, or
# while the add is still looking up its message, and an older event never overrides a
# newer one; a retried event, with the same time, changes nothing. A removal that comes
# first knows no quote: its `quote_id` is "" until an add fills it in.
reactions = Table(
    "reactions",
    metadata,
    Column("team_id", String(32), primary_key=True),
    Column("channel", String(32), primary_key=True),
    Column("ts", String(32), primary_key=True),
    Column("user_id", String(32), primary_key=True),
    Column("reaction", String(255), primary_key=True),  # "heart", "+1::skin-tone-2"
    Column("quote_id", String(32), nullable=False),
    Column("reacted_at", DateTime(timezone=True), nullable=False),  # when it was added
    # The latest event's `event_ts`, in microseconds since 1970 (0: a row from before
    # version 5, older than any event), and whether that event added the reaction.
    Column("event_micros", BigInteger, nullable=False, server_default=text("0")),
    Column("added", Boolean, nullable=False, server_default=true()),
    # "Most loved" counts people per quote in one workspace, of the reactions still there,
    # since a time or ever: the index holds every column that query reads, so it never
    # touches the table.
    Index("reactions_loved", "team_id", "added", "reacted_at", "quote_id", "user_id"),
)
