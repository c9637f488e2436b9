"""The quote book's tables: rows kept for good, one decision per quote, a feed in order."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.store import BookRow, HiddenRow, SameText, Store
from bot.store.book import _quote_values
from bot.store.schema import book_quotes

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def row(quote_id: str = "7KQ2", *, team: str = "T1", status: str = "pending", **more) -> BookRow:
    fields = dict(
        team_id=team, id=quote_id, text=f"Quote {quote_id}", alias=f"alias-{quote_id}",
        speaker="Ada", speaker_user="U0ADA", source="#general", url=None,
        topics=("robots", "small models"), lead_in=None, status=status, added_by="U0BOB",
        added_at=NOW, changed_by=None, changed_at=NOW,
    )  # fmt: skip
    return BookRow(**{**fields, **more})


def test_a_saved_quote_reads_back_as_saved_with_its_topics_in_order(store: Store) -> None:
    saved = store.book.add(row())
    assert saved is not None
    read = store.book.get("T1", "7KQ2")
    assert read == replace(row(), seq=saved.seq)
    assert read.topics == ("robots", "small models")


def test_an_id_is_given_once_per_workspace_and_free_in_another(store: Store) -> None:
    assert store.book.add(row()) is not None
    assert store.book.add(row(text="something else")) is None, "the ID is taken"
    assert store.book.id_taken("T1", "7KQ2") and not store.book.id_taken("T2", "7KQ2")
    assert store.book.add(row(team="T2")) is not None


def test_of_two_approvers_at_once_only_the_first_decides(store: Store, other: Store) -> None:
    store.book.add(row())
    first = store.book.change(
        "T1", "7KQ2", when_status=["pending"], by="U0APP", now=NOW, status="approved"
    )
    second = other.book.change(
        "T1", "7KQ2", when_status=["pending"], by="U0TWO", now=NOW, status="rejected"
    )
    assert first is not None and first.status == "approved" and first.changed_by == "U0APP"
    assert second is None
    assert other.book.get("T1", "7KQ2").status == "approved"


def test_the_feed_gives_every_change_after_a_number_in_order(store: Store, other: Store) -> None:
    store.book.add(row("AAAA"))
    seen = store.book.latest()
    other.book.add(row("BBBB"))
    other.book.change("T1", "AAAA", when_status=["pending"], by="U1", now=NOW, text="edited")
    changes = store.book.changes_since(seen)
    assert [(r.id, r.text) for r in changes.quotes] == [("BBBB", "Quote BBBB"), ("AAAA", "edited")]
    assert changes.seq == store.book.latest() > seen
    assert store.book.changes_since(changes.seq).quotes == ()


def test_concurrent_saves_all_reach_the_feed(store: Store, store_url: str) -> None:
    """Numbers are taken in commit order: a reader following the feed misses none."""
    seen: set[str] = set()
    last = 0
    stop = threading.Event()

    def follow() -> None:
        nonlocal last
        while not stop.is_set():
            changes = store.book.changes_since(last)
            seen.update(r.id for r in changes.quotes)
            last = changes.seq

    def save(prefix: str) -> None:
        writer = Store(store_url)
        try:
            for number in range(15):
                writer.book.add(row(f"{prefix}{number:02d}"))
        finally:
            writer.close()

    reader = threading.Thread(target=follow)
    reader.start()
    writers = [threading.Thread(target=save, args=(p,)) for p in ("A", "B", "C")]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join()
    stop.set()
    reader.join()
    seen.update(r.id for r in store.book.changes_since(last).quotes)
    assert seen == {f"{p}{n:02d}" for p in "ABC" for n in range(15)}


def test_a_hidden_file_quote_is_listed_until_shown_again(store: Store) -> None:
    hidden = HiddenRow(
        team_id="T1", quote_id="K7Q2M", alias="abc", file="talks/karpathy.md", line=12,
        text="Tesla is a robotics company", hidden=True, changed_by="U0APP", changed_at=NOW,
    )  # fmt: skip
    store.book.set_hidden(hidden)
    assert [(h.quote_id, h.file, h.line) for h in store.book.hidden()] == [
        ("K7Q2M", "talks/karpathy.md", 12)
    ]
    later = NOW + timedelta(hours=1)
    store.book.set_hidden(replace(hidden, hidden=False, changed_at=later))
    assert store.book.hidden() == []
    assert [h.hidden for h in store.book.changes_since(0).hidden] == [False]


def test_quotes_are_listed_by_status_oldest_first(store: Store) -> None:
    store.book.add(row("BBBB", added_at=NOW + timedelta(minutes=1)))
    store.book.add(row("AAAA", status="approved"))
    store.book.add(row("CCCC"))
    assert [r.id for r in store.book.quotes("T1", statuses=["pending"])] == ["CCCC", "BBBB"]
    assert [r.id for r in store.book.quotes(statuses=["approved"])] == ["AAAA"]


def test_a_change_committed_late_is_still_read_in_its_place(store: Store, other: Store) -> None:
    """A change takes its number and holds it until it commits: a later one waits.

    So a reader that has seen number N never finds, later, an uncommitted N-1 turning
    up behind it: the feed is read in the order changes commit.
    """
    started = threading.Event()
    with store.database.begin() as db:
        seq = store.book._next(db)  # the first change: numbered, not yet committed
        db.execute(book_quotes.insert().values(**_quote_values(row("AAAA")), seq=seq))

        def second() -> None:
            started.set()
            other.book.add(row("BBBB"))  # must wait for the first to commit

        thread = threading.Thread(target=second)
        thread.start()
        started.wait()
        thread.join(timeout=1.0)
        assert thread.is_alive(), "the second change waits for the first one's number"
        assert store.book.changes_since(0).quotes == (), "neither is read before it commits"
    thread.join(timeout=30)
    assert [r.id for r in other.book.changes_since(0).quotes] == ["AAAA", "BBBB"]


def test_two_open_quotes_of_one_text_are_refused_by_the_database(store: Store) -> None:
    """Two people saving the same words at the same moment: the second save is refused."""
    store.book.add(row("AAAA", alias="same"))
    with pytest.raises(SameText):
        store.book.add(row("BBBB", alias="same"))
    store.book.change("T1", "AAAA", when_status=["pending"], by="U1", now=NOW, status="rejected")
    assert store.book.add(row("CCCC", alias="same")) is not None, "a rejected one is no bar"
    assert store.book.add(row("DDDD", alias="same", team="T2")) is not None, "nor another team"
