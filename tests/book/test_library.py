"""The collection each workspace sees, kept in step with the quote book on every instance.

A real store (SQLite and PostgreSQL) and two `Library`s on it stand for two instances:
a change made through one is applied by the other when it catches up with the feed.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.book import entries
from bot.book.drafts import Draft
from bot.book.library import Library
from bot.corpus import Corpus, load_corpus, shipped_corpus
from bot.daily.runner import choose_quote
from bot.daily.schedule import Subscription
from bot.roles import Person, Policy
from bot.store import Store

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
OPEN = Policy(adding="open")
ADA = Person("U0ADA")
APPROVER = Person("U0APP", is_admin=True)


@pytest.fixture
def files() -> Corpus:
    return load_corpus(shipped_corpus(), log_problems=False).corpus


def fresh_files() -> Corpus:
    return load_corpus(shipped_corpus(), log_problems=False).corpus


def add(store: Store, library: Library, text: str, *, team: str = "T1", **more) -> str:
    """Save a quote as Ada in an open book, through `library`'s workspace; its ID."""
    key = library.key(team)
    result = entries.save(
        store, library.corpus(team), Draft(text=text, **more), key=key, person=ADA,
        policy=OPEN, now=NOW, rng=random.Random(text),
    )  # fmt: skip
    assert result.outcome == "added", result
    library.catch_up(store)
    return result.quote_id


def test_a_saved_quote_is_found_at_once_and_by_another_instance_after_its_look(
    store: Store, other: Store
) -> None:
    here, there = (
        Library(fresh_files(), per_workspace=False),
        Library(fresh_files(), per_workspace=False),
    )
    quote_id = add(store, here, "Simplicity is prerequisite for reliability.", topics=("craft",))
    assert here.corpus("T1").get(quote_id).text.startswith("Simplicity")
    assert there.corpus("T1").get(quote_id) is None, "not until it looks at the feed"
    there.catch_up(other)
    found = there.corpus("T1").lookup("simplicity reliability").quotes
    assert [q.id for q in found][:1] == [quote_id]
    assert "craft" in [t.name for t in there.corpus("T1").topics()]


def test_each_workspace_sees_only_its_own_book_and_the_shared_files(
    store: Store, files: Corpus
) -> None:
    library = Library(files, per_workspace=True)
    quote_id = add(store, library, "Only in T1.", team="T1")
    assert library.corpus("T1").get(quote_id) is not None
    assert library.corpus("T2").get(quote_id) is None
    assert len(library.corpus("T2")) == len(files) == len(library.corpus("T1")) - 1


def test_an_edit_keeps_the_id_and_the_walk_keeps_its_place(store: Store, files: Corpus) -> None:
    library = Library(files, per_workspace=False)
    quote_id = add(store, library, "Version one.", topics=("edits",))
    sub = Subscription(channel="C1", time="09:00", topics=("edits",), id="WALK1")
    first, cycle = choose_quote(store, library.corpus(""), sub)
    assert first == quote_id
    store.claims.claim(
        subscription_id=sub.id, local_date=date(2026, 12, 1), quote_id=first, cycle=cycle,
        owner="me", now=NOW, lease=timedelta(minutes=5),
    )  # fmt: skip
    edited = entries.edit(
        store, library.corpus(""), "", quote_id, Draft(text="Version two, better.",
        topics=("edits",)), person=ADA, policy=OPEN, now=NOW,
    )  # fmt: skip
    assert edited.outcome == "edited"
    library.catch_up(store)
    assert library.corpus("").get(quote_id).text == "Version two, better."
    second_id = add(store, library, "A newer one on edits.", topics=("edits",))
    # The edited quote was used in this cycle: the new one comes next, not a repeat.
    assert choose_quote(store, library.corpus(""), sub) == (second_id, cycle)


def test_a_removed_quote_is_skipped_and_never_found(store: Store, files: Corpus) -> None:
    library = Library(files, per_workspace=False)
    quote_id = add(store, library, "Soon gone.", topics=("gone",))
    removed = entries.remove(store, "", quote_id, person=ADA, policy=OPEN, now=NOW)
    assert removed.outcome == "removed"
    library.catch_up(store)
    assert library.corpus("").get(quote_id) is None
    assert library.corpus("").in_topics(["gone"]) == ()
    sub = Subscription(channel="C1", time="09:00", topics=("gone",), id="WALK2")
    assert choose_quote(store, library.corpus(""), sub)[0] == ""


def test_a_hidden_file_quote_leaves_that_workspace_until_shown_again(
    store: Store, files: Corpus
) -> None:
    library = Library(files, per_workspace=True)
    quote = files.quotes[0]
    assert entries.hide(store, "T1", quote, person=APPROVER, policy=OPEN, now=NOW).outcome == (
        "hidden"
    )
    library.catch_up(store)
    assert library.corpus("T1").get(quote.id) is None
    assert library.corpus("T2").get(quote.id) is not None
    entries.hide(store, "T1", quote, person=APPROVER, policy=OPEN, now=NOW, hidden=False)
    library.catch_up(store)
    assert library.corpus("T1").get(quote.id) == quote


def test_only_approvers_hide_file_quotes(store: Store, files: Corpus) -> None:
    result = entries.hide(store, "", files.quotes[0], person=ADA, policy=OPEN, now=NOW)
    assert result.outcome == "refused"
    assert "to change it, change its file" in result.decision.reason


def test_new_quote_files_keep_the_workspaces_own_quotes(store: Store, files: Corpus) -> None:
    library = Library(files, per_workspace=False)
    quote_id = add(store, library, "Survives a reload.")
    fewer = Corpus(files.quotes[:3])
    library.replace_files(fewer)
    assert len(library.corpus("")) == 4
    assert library.corpus("").get(quote_id) is not None


def test_a_quote_in_review_is_not_shown_until_approved(store: Store, files: Corpus) -> None:
    library = Library(files, per_workspace=False)
    saved = entries.save(
        store, library.corpus(""), Draft(text="Waiting patiently."), key="", person=ADA,
        policy=Policy(), now=NOW, rng=random.Random(1),
    )  # fmt: skip
    assert saved.outcome == "pending"
    library.catch_up(store)
    assert library.corpus("").get(saved.quote_id) is None
    again = entries.save(
        store, library.corpus(""), Draft(text="waiting, patiently"), key="", person=ADA,
        policy=Policy(), now=NOW, rng=random.Random(2),
    )  # fmt: skip
    assert (again.outcome, again.duplicate_of) == ("duplicate", saved.quote_id)
    refused = entries.review(store, "", saved.quote_id, approve=True, person=ADA,
                             policy=Policy(), now=NOW)  # fmt: skip
    assert refused.outcome == "refused"
    approved = entries.review(store, "", saved.quote_id, approve=True, person=APPROVER,
                              policy=Policy(), now=NOW)  # fmt: skip
    assert approved.outcome == "approved"
    library.catch_up(store)
    assert library.corpus("").get(saved.quote_id).text == "Waiting patiently."
    twice = entries.review(store, "", saved.quote_id, approve=False, person=APPROVER,
                           policy=Policy(), now=NOW)  # fmt: skip
    assert twice.outcome == "already" and twice.row.status == "approved"


@pytest.mark.parametrize("per_workspace", [False, True])
def test_a_hidden_quote_stays_hidden_when_the_files_change_and_can_be_shown_again(
    store: Store, per_workspace: bool
) -> None:
    library = Library(fresh_files(), per_workspace=per_workspace)
    quote = library.files.quotes[0]
    entries.hide(store, "T1" if per_workspace else "", quote, person=APPROVER, policy=OPEN, now=NOW)
    library.catch_up(store)
    library.replace_files(fresh_files())  # the folder was read again
    assert library.corpus("T1").get(quote.id) is None
    assert quote.id not in {q.id for q in library.corpus("T1").lookup(quote.text[:40]).quotes}
    entries.hide(store, "T1" if per_workspace else "", quote, person=APPROVER, policy=OPEN,
                 now=NOW, hidden=False)  # fmt: skip
    library.catch_up(store)
    assert library.corpus("T1").get(quote.id) == quote


REVIEWED = Policy(adding="reviewed")
BOB = Person("U0BOB")


def approved(store: Store, text: str) -> str:
    """A quote of Bob that Ada added and an approver approved, in a reviewed book; its ID."""
    draft = Draft(text=text, speaker="Bob", speaker_user=BOB.user_id)
    saved = entries.save(store, fresh_files(), draft, key="", person=ADA,
                         policy=REVIEWED, now=NOW, rng=random.Random(text))  # fmt: skip
    done = entries.review(store, "", saved.quote_id, approve=True, person=APPROVER,
                          policy=REVIEWED, now=NOW, seen=saved.row.seq)  # fmt: skip
    assert done.outcome == "approved"
    return saved.quote_id


def change(store: Store, quote_id: str, text: str, person: Person) -> entries.Result:
    return entries.edit(store, fresh_files(), "", quote_id, Draft(text=text), person=person,
                        policy=REVIEWED, now=NOW)  # fmt: skip


def test_one_change_waits_at_a_time_and_someone_elses_is_never_overwritten(store: Store) -> None:
    quote_id = approved(store, "Original words.")
    assert change(store, quote_id, "Ada's change.", ADA).outcome == "proposed"
    refused = change(store, quote_id, "Bob's change.", BOB)  # Bob is quoted: he may edit
    assert refused.outcome == "refused" and "someone else waits" in refused.decision.reason
    assert change(store, quote_id, "Ada's second thought.", ADA).outcome == "proposed"
    [waiting] = store.book.waiting("")
    assert entries.Proposal.of(waiting).draft.text == "Ada's second thought."
    assert waiting.text == "Original words.", "the quote stays as it was meanwhile"


def test_an_approvers_edit_takes_up_a_waiting_change_and_names_its_author(store: Store) -> None:
    quote_id = approved(store, "Before.")
    change(store, quote_id, "Ada's version.", ADA)
    edited = change(store, quote_id, "The approver's version.", APPROVER)
    assert (edited.outcome, edited.author) == ("edited", ADA.user_id)
    assert store.book.waiting("") == [] and store.book.get("", quote_id).text == (
        "The approver's version."
    )


def test_a_change_is_decided_only_on_the_version_the_approver_saw(store: Store) -> None:
    quote_id = approved(store, "Stable text.")
    proposed = change(store, quote_id, "Proposed text.", ADA)
    blind = entries.review(store, "", quote_id, approve=True, person=APPROVER, policy=REVIEWED,
                           now=NOW, seen=None)  # fmt: skip
    assert blind.outcome == "changed" and store.book.get("", quote_id).text == "Stable text."
    rejected = entries.review(store, "", quote_id, approve=False, person=APPROVER,
                              policy=REVIEWED, now=NOW, seen=proposed.row.seq)  # fmt: skip
    assert (rejected.outcome, rejected.author, rejected.change) == ("rejected", ADA.user_id, True)
    assert store.book.get("", quote_id).text == "Stable text.", "rejecting leaves the quote"


def test_removing_a_quote_drops_its_waiting_change(store: Store) -> None:
    quote_id = approved(store, "Going away.")
    change(store, quote_id, "Changed, then gone.", ADA)
    assert entries.remove(store, "", quote_id, person=ADA, policy=REVIEWED, now=NOW).outcome == (
        "removed"
    )
    assert store.book.waiting("") == [] and store.book.get("", quote_id).proposed is None
