"""Saving, reviewing, editing, removing and hiding quotes, with who may do each.

Each function takes the store, the collection the person sees, the person (as far as
roles care) and the policy, decides with `bot.roles`, writes through `store.book`,
and answers with what happened, for the Slack edge to say. Nothing here talks to
Slack. Quotes are keyed by `key`: the workspace (many-workspace mode) or "" (one).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.book.drafts import Draft
from bot.corpus import Corpus, Quote
from bot.corpus.model import legacy_id
from bot.ids import random_id
from bot.roles import (
    ALLOWED,
    Decision,
    Person,
    Policy,
    may_approve,
    may_change_quote,
    may_hide,
    needs_review,
)
from bot.store import BookRow, HiddenRow, SameText, Store

OTHERS_CHANGE_WAITS = Decision(
    False,
    "A change to this quote by someone else waits for review: try again once an approver "
    "has decided it.",
)
ID_LENGTH = 4  # 810,000 IDs per workspace; the quote files' own are 5 or 7 long
LIVE = ("approved",)
OPEN = ("pending", "approved")  # statuses a quote can still be edited or removed in

Outcome = Literal[
    "added", "pending", "duplicate", "approved", "rejected", "edited", "removed", "hidden",
    "shown", "refused", "missing", "already", "changed", "proposed",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Result:
    """What happened: `outcome`, the quote's row (book) or quote (file), and why not."""

    outcome: Outcome
    row: BookRow | None = None
    quote: Quote | None = None
    decision: Decision = ALLOWED
    duplicate_of: str | None = None  # the ID of the quote with the same text
    # A review: whose it was (who added the quote, or proposed the change), and whether
    # it was a change to an approved quote rather than a new one.
    author: str | None = None
    change: bool = False

    @property
    def quote_id(self) -> str:
        if self.row is not None:
            return self.row.id
        return self.quote.id if self.quote is not None else (self.duplicate_of or "")


@dataclass(frozen=True, slots=True)
class Proposal:
    """A change to an approved quote, waiting for review: the new fields, and whose."""

    draft: Draft
    by: str

    def encode(self) -> str:
        d = self.draft
        return json.dumps(
            {"text": d.text, "speaker": d.speaker, "source": d.source, "url": d.url,
             "topics": list(d.topics), "lead_in": d.lead_in, "speaker_user": d.speaker_user,
             "by": self.by},
            ensure_ascii=False,
        )  # fmt: skip

    @classmethod
    def of(cls, row: BookRow) -> Proposal | None:
        if not row.proposed:
            return None
        data = json.loads(row.proposed)
        draft = Draft(
            text=data["text"], speaker=data.get("speaker"), source=data.get("source"),
            url=data.get("url"), topics=tuple(data.get("topics") or ()),
            lead_in=data.get("lead_in"), speaker_user=data.get("speaker_user"),
        )  # fmt: skip
        return cls(draft, str(data.get("by") or ""))


def to_quote(row: BookRow, *, proposed: bool = False) -> Quote:
    """A quote of the book as the corpus holds it: its first topic heads the others.

    `proposed`: as it would be with the change waiting for review (for the review card).
    """
    proposal = Proposal.of(row) if proposed else None
    d = proposal.draft if proposal else Draft(
        text=row.text, speaker=row.speaker, source=row.source, url=row.url, topics=row.topics,
        lead_in=row.lead_in,
    )  # fmt: skip
    topics = d.topics
    return Quote(
        id=row.id,
        text=d.text,
        speaker=d.speaker,
        source=d.source,
        url=d.url,
        topic=topics[0] if topics else None,
        lead_in=d.lead_in,
        tags=tuple(topics[1:]),
        file="",
        line=0,
        alias=row.alias,
        origin="slack",
        added_by=row.added_by,
        added_at=row.added_at.isoformat(timespec="seconds"),
    )


def duplicate(store: Store, corpus: Corpus, key: str, text: str) -> str | None:
    """The ID of a quote with this text (case, punctuation, spaces aside), if there is one."""
    alias = legacy_id(text)
    found = corpus.get(alias)
    if found is not None:
        return found.id
    waiting = store.book.with_alias(key, alias, statuses=["pending"])
    if waiting is not None:
        return waiting.id
    # A file's quote an approver hid: saving its text again must not bring it back.
    hidden = next((row for row in store.book.hidden(key) if row.alias == alias), None)
    return hidden.quote_id if hidden else None


def save(
    store: Store, corpus: Corpus, draft: Draft, *, key: str, person: Person, policy: Policy,
    now: datetime, rng: random.Random,
) -> Result:  # fmt: skip
    """Add a (checked) draft: live at once, or waiting for review; never the same text twice."""
    same = duplicate(store, corpus, key, draft.text)
    if same is not None:
        return Result("duplicate", duplicate_of=same)
    status = "pending" if needs_review(person, policy) else "approved"
    for _ in range(100):
        quote_id = random_id(rng, ID_LENGTH)
        if corpus.get(quote_id) is not None or store.book.id_taken(key, quote_id):
            continue
        row = BookRow(
            team_id=key, id=quote_id, text=draft.text, alias=legacy_id(draft.text),
            speaker=draft.speaker, speaker_user=draft.speaker_user, source=draft.source,
            url=draft.url, topics=draft.topics, lead_in=draft.lead_in, status=status,
            added_by=person.user_id, added_at=now, changed_by=None, changed_at=now,
        )  # fmt: skip
        try:
            saved = store.book.add(row)
        except SameText:  # saved by someone else a moment ago
            return Result("duplicate", duplicate_of=_open_with_text(store, key, draft.text))
        if saved is not None:
            return Result("pending" if status == "pending" else "added", row=saved)
    raise RuntimeError("no free quote ID after 100 draws: the workspace's IDs are nearly used up")


def _open_with_text(store: Store, key: str, text: str) -> str | None:
    same = store.book.with_alias(key, legacy_id(text), statuses=OPEN)
    return same.id if same else None


def review(
    store: Store, key: str, quote_id: str, *, approve: bool, person: Person, policy: Policy,
    now: datetime, seen: int | None = None,
) -> Result:  # fmt: skip
    """Approve or reject what waits: a new quote, or a change to an approved one.

    Of two approvers, the first decides. `seen`: the change number of the version the
    approver was shown; one edited since is not decided ("changed"): the approver is
    shown the new text first. Rejecting a change leaves the quote as it was.
    """
    decision = may_approve(person, policy)
    if not decision.allowed:
        return Result("refused", decision=decision)
    current = store.book.get(key, quote_id)
    if current is None:
        return Result("missing")
    proposal = Proposal.of(current) if current.status == "approved" else None
    if proposal is not None and seen is None:
        return Result("changed", row=current, author=proposal.by)  # show it before deciding
    outcome: Outcome = "approved" if approve else "rejected"
    by, at = person.user_id, now
    if proposal is not None:
        d = proposal.draft
        fields = (
            dict(text=d.text, alias=legacy_id(d.text), speaker=d.speaker, source=d.source,
                 url=d.url, topics=d.topics, lead_in=d.lead_in, speaker_user=d.speaker_user)
            if approve else {}
        )  # fmt: skip
        try:
            row = store.book.change(
                key, quote_id, when_status=["approved"], when_seq=seen, by=by, now=at,
                proposed=None, **fields,
            )  # fmt: skip
        except SameText:
            return Result(
                "duplicate", row=current, duplicate_of=_open_with_text(store, key, d.text)
            )
        author = proposal.by
    else:
        status = "approved" if approve else "rejected"
        row = store.book.change(
            key, quote_id, when_status=["pending"], when_seq=seen, by=by, now=at, status=status
        )
        author = current.added_by
    if row is not None:
        return Result(outcome, row=row, author=author, change=proposal is not None)
    now_row = store.book.get(key, quote_id)
    if now_row is None:
        return Result("missing")
    still = now_row.status == "pending" or (now_row.status == "approved" and now_row.proposed)
    return Result("changed" if still else "already", row=now_row, author=author)


def edit(
    store: Store, corpus: Corpus, key: str, quote_id: str, draft: Draft, *, person: Person,
    policy: Policy, now: datetime, adder_name: str | None = None,
) -> Result:  # fmt: skip
    """Change a quote of the book; it keeps its ID (and its place in every walk)."""
    current = store.book.get(key, quote_id)
    if current is None or current.status not in OPEN:
        return Result("missing", row=current)
    decision = may_change_quote(
        person, added_by=current.added_by, speaker_user=current.speaker_user, policy=policy,
        adder_name=adder_name,
    )  # fmt: skip
    if not decision.allowed:
        return Result("refused", row=current, decision=decision)
    if legacy_id(draft.text) != current.alias:
        same = duplicate(store, corpus, key, draft.text)
        if same is not None and same != quote_id:
            return Result("duplicate", row=current, duplicate_of=same)
    waiting = Proposal.of(current) if current.status == "approved" else None
    if current.status == "approved" and needs_review(person, policy):
        # Where quotes are reviewed, a change by someone who may not approve waits for an
        # approver too; the quote stays in the collection, as it was, until then. One
        # change waits at a time: someone else's is not overwritten.
        if waiting is not None and waiting.by != person.user_id:
            return Result("refused", row=current, decision=OTHERS_CHANGE_WAITS)
        proposal = Proposal(draft, person.user_id)
        row = store.book.change(
            key, quote_id, when_status=["approved"], when_seq=current.seq, by=person.user_id,
            now=now, proposed=proposal.encode(),
        )  # fmt: skip
        return Result("proposed", row=row) if row else Result("missing", row=current)
    try:
        row = store.book.change(
            key, quote_id, when_status=OPEN, by=person.user_id, now=now, text=draft.text,
            alias=legacy_id(draft.text), speaker=draft.speaker, source=draft.source,
            url=draft.url, topics=draft.topics, lead_in=draft.lead_in,
            speaker_user=draft.speaker_user, proposed=None,
        )  # fmt: skip
    except SameText:
        return Result(
            "duplicate", row=current, duplicate_of=_open_with_text(store, key, draft.text)
        )
    if row is None:
        return Result("missing", row=current)
    # An approver's edit takes the place of a change that waited: its author is told.
    taken_up = waiting.by if waiting is not None and waiting.by != person.user_id else None
    return Result("edited", row=row, author=taken_up, change=taken_up is not None)


def may_change(
    current: BookRow, *, person: Person, policy: Policy, adder_name: str | None = None
) -> Decision:
    """Whether `person` may edit or remove this quote (asked before opening the form)."""
    return may_change_quote(
        person, added_by=current.added_by, speaker_user=current.speaker_user, policy=policy,
        adder_name=adder_name,
    )  # fmt: skip


def remove(
    store: Store, key: str, quote_id: str, *, person: Person, policy: Policy, now: datetime,
    adder_name: str | None = None,
) -> Result:  # fmt: skip
    """Take a quote out of the collection; its row stays, so its ID is never given again."""
    current = store.book.get(key, quote_id)
    if current is None or current.status not in OPEN:
        return Result("missing", row=current)
    decision = may_change(current, person=person, policy=policy, adder_name=adder_name)
    if not decision.allowed:
        return Result("refused", row=current, decision=decision)
    row = store.book.change(
        key, quote_id, when_status=OPEN, by=person.user_id, now=now, status="removed",
        proposed=None,
    )  # fmt: skip
    return Result("removed", row=row) if row else Result("missing", row=current)


def hide(
    store: Store, key: str, quote: Quote, *, person: Person, policy: Policy, now: datetime,
    hidden: bool = True,
) -> Result:  # fmt: skip
    """Hide a quote from the files in one workspace (or show it again); the file stays."""
    decision = may_hide(person, policy)
    if not decision.allowed:
        return Result("refused", quote=quote, decision=decision)
    store.book.set_hidden(
        HiddenRow(
            team_id=key, quote_id=quote.id, alias=quote.alias, file=quote.file,
            line=quote.line, text=quote.text[:300], hidden=hidden, changed_by=person.user_id,
            changed_at=now,
        )
    )  # fmt: skip
    return Result("hidden" if hidden else "shown", quote=quote)
