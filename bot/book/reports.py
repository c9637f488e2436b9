"""Reports of a problem with a quote (a wrong speaker, a wrong source, a typo).

Anyone may report; an approver applies or dismisses. Applying changes only what the
reporter changed, so an edit made meanwhile to another field stands:
- a quote saved in Slack is edited, as an approver's edit (it keeps its ID);
- a quote from a file is corrected in Slack (`store.book.set_correction`): the
  correction is shown in its place until someone fixes the file (`corrected`), and
  `quotebot book corrections` lists the file and line to fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Literal

from bot.book import entries
from bot.book.drafts import SOURCE_LIMIT, SPEAKER_LIMIT, TEXT_LIMIT, Draft
from bot.book.drafts import one_line as tidy_line
from bot.corpus import Corpus, Quote
from bot.corpus.model import legacy_id
from bot.roles import Decision, Person, Policy, may_decide_report
from bot.store import CorrectionRow, ReportRow, Store

if TYPE_CHECKING:  # the library applies corrections with `corrected`, below
    from bot.book.library import Library

PROBLEMS: Mapping[str, str] = {
    "speaker": "Wrong speaker",
    "source": "Wrong source",
    "typo": "A typo in the text",
    "other": "Something else",
}
NOTE_LIMIT = 1000
FORM_FIELD = 3000  # a plain_text_input holds at most 3,000 characters

Outcome = Literal["applied", "dismissed", "refused", "missing", "already", "duplicate"]


@dataclass(frozen=True, slots=True)
class ReportDraft:
    """A report as typed into the form: the problem, the quote as it should be, a note."""

    problem: str
    text: str
    speaker: str | None = None
    source: str | None = None
    note: str | None = None

    def tidy(self) -> ReportDraft:
        """Blank fields as None, spaces trimmed, the speaker and source on one line."""
        return replace(
            self, text=(self.text or "").strip(), speaker=tidy_line(self.speaker),
            source=tidy_line(self.source), note=(self.note or "").strip() or None,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Decided:
    outcome: Outcome
    report: ReportRow | None = None
    decision: Decision | None = None
    duplicate_of: str | None = None
    # Someone whose change to the quote waited for review: applying the report took its
    # place, as an approver's edit does, and they are to be told.
    taken_up: str | None = None


def shown_in_form(quote: Quote) -> dict[str, str | None]:
    """What the report form shows in each field: the text (None when it is too long for
    the form, which then has no text field), the speaker and the source (cut to fit)."""
    return {
        "text": quote.text if len(quote.text) <= TEXT_LIMIT else None,
        "speaker": quote.speaker[:FORM_FIELD] if quote.speaker else None,
        "source": quote.source[:FORM_FIELD] if quote.source else None,
    }


def fingerprints(quote: Quote) -> dict[str, str]:
    """A short digest of each field as the form shows it, tidied as a submission is: the
    form keeps them (its private_metadata) to tell which fields the reporter changed."""
    shown = shown_in_form(quote)
    return {field: _digest(field, value) for field, value in shown.items() if field != "text"
            or value is not None}  # fmt: skip


def as_reported(
    quote: Quote, draft: ReportDraft, shown: Mapping[str, str] | None = None
) -> ReportDraft:
    """The (tidied) draft with each field the reporter left as the form showed it (`shown`:
    its `fingerprints`) set to the quote's value now, so only what they changed counts,
    and a change made to another field since the form opened stands. A text the form
    had no field for is the quote's own."""
    shown = fingerprints(quote) if shown is None else shown

    def kept(field: str, typed: str | None) -> bool:
        if field == "text" and field not in shown:
            return True
        return shown.get(field) == _digest(field, typed)

    return replace(
        draft,
        text=quote.text if kept("text", draft.text) else draft.text,
        speaker=quote.speaker if kept("speaker", draft.speaker) else draft.speaker,
        source=quote.source if kept("source", draft.source) else draft.source,
    )


def _digest(field: str, value: str | None) -> str:
    tidied = (value or "").strip() if field == "text" else tidy_line(value) or ""
    return hashlib.sha256(tidied.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def problems(quote: Quote, draft: ReportDraft) -> dict[str, str]:
    """What is wrong with a report (tidied, then `as_reported`), as {field: message};
    empty when it can be filed. A field as the quote has it is never refused."""
    found: dict[str, str] = {}
    if draft.problem not in PROBLEMS:
        found["problem"] = "Choose what is wrong."
    if not draft.text:
        found["text"] = "The quote's words, as they should be."
    elif len(draft.text) > TEXT_LIMIT and draft.text != quote.text:
        found["text"] = f"At most {TEXT_LIMIT:,} characters; this has {len(draft.text):,}."
    for name, value, limit, now in (
        ("speaker", draft.speaker, SPEAKER_LIMIT, quote.speaker),
        ("source", draft.source, SOURCE_LIMIT, quote.source),
        ("note", draft.note, NOTE_LIMIT, None),
    ):
        if value and len(value) > limit and value != now:
            found[name] = f"At most {limit:,} characters, please ({len(value):,} now)."
    unchanged = (draft.text, draft.speaker, draft.source) == (
        quote.text, quote.speaker, quote.source
    )  # fmt: skip
    if unchanged and not draft.note and not found:
        found["note"] = "Correct the text, the speaker or the source, or say here what is wrong."
    return found


def file_report(
    store: Store, key: str, quote: Quote, draft: ReportDraft, *, by: str, now: datetime
) -> ReportRow:
    """Keep a report (a checked `as_reported` draft), open until an approver decides."""
    return store.reports.add(
        ReportRow(
            team_id=key, quote_id=quote.id, problem=draft.problem, was_text=quote.text,
            was_speaker=quote.speaker, was_source=quote.source, text=draft.text,
            speaker=draft.speaker, source=draft.source, note=draft.note, reported_by=by,
            reported_at=now,
        )
    )  # fmt: skip


def changes(report: ReportRow) -> dict[str, str | None]:
    """What the report changes: {"text" | "speaker" | "source": the new value}."""
    found: dict[str, str | None] = {}
    if report.text.strip() != report.was_text.strip():
        found["text"] = report.text
    if report.speaker != report.was_speaker:
        found["speaker"] = report.speaker
    if report.source != report.was_source:
        found["source"] = report.source
    return found


def decide(
    store: Store, library: Library, team: str, report_id: int, *, apply: bool,
    person: Person, policy: Policy, now: datetime,
) -> Decided:  # fmt: skip
    """Apply or dismiss an open report, once, as an approver.

    Applying to a quote no longer in the collection decides nothing: "missing", and the
    report stays open (to dismiss, say).
    """
    corpus, key = library.corpus(team), library.key(team)
    decision = may_decide_report(person, policy)
    if not decision.allowed:
        return Decided("refused", decision=decision)
    report = store.reports.get(key, report_id)
    if report is None:
        return Decided("missing")
    if report.status != "open":
        return Decided("already", report)
    quote = corpus.get(report.quote_id)
    if apply and quote is None:
        return Decided("missing", report)
    status = "applied" if apply and changes(report) else "dismissed"
    decided = store.reports.decide(key, report_id, status=status, by=person.user_id, now=now)
    if decided is None:  # another approver decided it a moment before
        return Decided("already", store.reports.get(key, report_id))
    if status == "dismissed":
        return Decided("dismissed", decided)
    assert quote is not None
    try:
        if quote.origin == "slack":
            outcome, other = _edit(store, corpus, key, quote, decided, person, policy, now)
            if outcome != "applied":
                store.reports.reopen(key, report_id)  # nothing changed: it stays to decide
                return Decided(outcome, report, duplicate_of=other)
            return Decided("applied", decided, taken_up=other)
        else:
            in_file = library.as_in_file(team, quote.id) or quote
            store.book.set_correction(
                key, quote.id, partial(_correction, in_file, decided, person.user_id, now)
            )
    except Exception:
        store.reports.reopen(key, report_id)  # not applied: still to decide
        raise
    return Decided("applied", decided)


def _edit(
    store: Store, corpus: Corpus, key: str, quote: Quote, report: ReportRow, person: Person,
    policy: Policy, now: datetime,
) -> tuple[Outcome, str | None]:  # fmt: skip
    """Edit a quote of the book as the report says: ("applied", whose waiting change it
    took the place of), or why not ("duplicate", of which; "missing", None)."""
    row = store.book.get(key, quote.id)
    if row is None or row.status not in entries.OPEN:
        return "missing", None
    new = changes(report)
    draft = Draft(
        text=new.get("text", row.text) or row.text, speaker=new.get("speaker", row.speaker),
        source=new.get("source", row.source), url=row.url, topics=row.topics,
        lead_in=row.lead_in,
        speaker_user=row.speaker_user if "speaker" not in new else None,
    )  # fmt: skip
    result = entries.edit(
        store, corpus, key, quote.id, draft, person=person, policy=policy, now=now
    )
    if result.outcome == "edited":
        return "applied", result.author
    if result.outcome == "duplicate":
        return "duplicate", result.duplicate_of
    return "missing", None


def _correction(
    in_file: Quote, report: ReportRow, by: str, now: datetime, earlier: CorrectionRow | None
) -> CorrectionRow:
    """The file quote (`in_file`: as its file has it) as the report corrects it, on top
    of what the correction stored before still corrects (read in the same transaction,
    so two reports applied at once both count)."""
    new = changes(report)
    base = (corrected(in_file, earlier) if earlier is not None else None) or in_file
    return CorrectionRow(
        team_id=report.team_id, quote_id=in_file.id,
        alias=in_file.alias or legacy_id(in_file.text), was_text=in_file.text,
        was_speaker=in_file.speaker, was_source=in_file.source, file=in_file.file,
        line=in_file.line, text=new.get("text") or base.text,
        speaker=new.get("speaker", base.speaker), source=new.get("source", base.source),
        changed_by=by, changed_at=now,
    )  # fmt: skip


def still_to_fix(quote: Quote, row: CorrectionRow) -> dict[str, str | None]:
    """The fields `row` still corrects in `quote` (as its file has it): each one whose file
    still says what was corrected there, and the correction says otherwise."""
    if quote.origin != "file":
        return {}
    fields = (
        ("text", quote.text, row.was_text, row.text),
        ("speaker", quote.speaker, row.was_speaker, row.speaker),
        ("source", quote.source, row.was_source, row.source),
    )
    return {name: new for name, now, was, new in fields if now == was and new != now}


def corrected(quote: Quote, row: CorrectionRow) -> Quote | None:
    """The file quote as corrected where its file still says what was corrected: the file
    wins field by field once someone fixes it. None when nothing is left to correct."""
    fixes = still_to_fix(quote, row)
    return replace(quote, **fixes) if fixes else None  # type: ignore[arg-type]


def correction_for(
    quote: Quote, by_id: Mapping[str, CorrectionRow], by_alias: Mapping[str, CorrectionRow]
) -> tuple[CorrectionRow, Quote] | None:
    """The stored correction of a file quote (by its ID, else its text) and the quote as
    corrected; None when none corrects it now."""
    for row in (by_id.get(quote.id), by_alias.get(quote.alias)):
        if row is not None and (fixed := corrected(quote, row)) is not None:
            return row, fixed
    return None


def with_corrections(quotes: Iterable[Quote], rows: Iterable[CorrectionRow]) -> list[Quote]:
    """The quotes, each corrected one as corrected (what `export` writes)."""
    by_id = {row.quote_id: row for row in rows}
    by_alias = {row.alias: row for row in by_id.values()}
    shown = []
    for quote in quotes:
        found = correction_for(quote, by_id, by_alias)
        shown.append(found[1] if found else quote)
    return shown
