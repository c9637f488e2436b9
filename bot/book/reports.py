"""Reports of a problem with a quote (a wrong speaker, a wrong source, a typo).

Anyone may report; an approver applies or dismisses. Applying changes only what the
reporter changed, so an edit made meanwhile to another field stands:
- a quote saved in Slack is edited, as an approver's edit (it keeps its ID);
- a quote from a file is corrected in Slack (`store.book.set_correction`): the
  correction is shown in its place until someone fixes the file (`corrected`), and
  `quotebot book corrections` lists the file and line to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Literal

from bot.book import entries
from bot.book.drafts import SOURCE_LIMIT, SPEAKER_LIMIT, TEXT_LIMIT, Draft
from bot.book.drafts import one_line as tidy_line
from bot.corpus import Corpus, Quote
from bot.corpus.model import legacy_id
from bot.roles import Decision, Person, Policy, may_decide_report
from bot.store import CorrectionRow, ReportRow, Store

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
        draft = Draft(self.text, self.speaker, self.source).tidy()
        note = (self.note or "").strip() or None
        return replace(self, text=draft.text, speaker=draft.speaker, source=draft.source, note=note)


@dataclass(frozen=True, slots=True)
class Decided:
    outcome: Outcome
    report: ReportRow | None = None
    decision: Decision | None = None
    duplicate_of: str | None = None


def as_reported(quote: Quote, draft: ReportDraft) -> ReportDraft:
    """The draft with each field the reporter left as the form showed it set back to the
    quote's own value, so that only what they changed counts as a change.

    A form shows a field tidied (one line, trimmed) and at most 3,000 characters long: a
    file's odd spacing, or a text too long for the form (it is left out), is no change.
    """
    return replace(
        draft,
        text=quote.text if _same(draft.text, quote.text, one_line=False) else draft.text,
        speaker=quote.speaker if _same(draft.speaker, quote.speaker) else draft.speaker,
        source=quote.source if _same(draft.source, quote.source) else draft.source,
    )


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


def _same(typed: str | None, current: str | None, *, one_line: bool = True) -> bool:
    """Whether a field holds what the form showed of `current` (tidied, cut to fit)."""
    if current is None:
        return typed is None
    if one_line:
        return typed in (current, tidy_line(current), tidy_line(current[:FORM_FIELD]))
    return typed in (current, current.strip(), current[:FORM_FIELD].strip())


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
    store: Store, corpus: Corpus, key: str, report_id: int, *, apply: bool, person: Person,
    policy: Policy, now: datetime,
) -> Decided:  # fmt: skip
    """Apply or dismiss an open report, once, as an approver."""
    decision = may_decide_report(person, policy)
    if not decision.allowed:
        return Decided("refused", decision=decision)
    report = store.reports.get(key, report_id)
    if report is None:
        return Decided("missing")
    if report.status != "open":
        return Decided("already", report)
    quote = corpus.get(report.quote_id)
    status = "applied" if apply and quote is not None and changes(report) else "dismissed"
    decided = store.reports.decide(key, report_id, status=status, by=person.user_id, now=now)
    if decided is None:  # another approver decided it a moment before
        return Decided("already", store.reports.get(key, report_id))
    if status == "dismissed":
        return Decided("dismissed" if quote is not None or not apply else "missing", decided)
    assert quote is not None
    if quote.origin == "slack":
        outcome, same = _edit(store, corpus, key, quote, decided, person, policy, now)
        if outcome != "applied":
            store.reports.reopen(key, report_id)  # nothing changed: it stays to decide
            return Decided(outcome, report, duplicate_of=same)
    else:
        store.book.set_correction(
            key, quote.id, partial(_correction, quote, decided, person.user_id, now)
        )
    return Decided("applied", decided)


def _edit(
    store: Store, corpus: Corpus, key: str, quote: Quote, report: ReportRow, person: Person,
    policy: Policy, now: datetime,
) -> tuple[Outcome, str | None]:  # fmt: skip
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
        return "applied", None
    if result.outcome == "duplicate":
        return "duplicate", result.duplicate_of
    return "missing", None


def _correction(
    quote: Quote, report: ReportRow, by: str, now: datetime, earlier: CorrectionRow | None
) -> CorrectionRow:
    """The file quote as the report corrects it, on top of the correction stored before
    (read in the same transaction: two reports applied at once both count). It keeps the
    file's own text as the first correction found it, so it holds until the file changes."""
    new = changes(report)
    if earlier is not None and not _in_force(quote, earlier):
        earlier = None  # its file has changed since: that correction has done its work
    text = earlier.text if earlier else quote.text
    speaker = earlier.speaker if earlier else quote.speaker
    source = earlier.source if earlier else quote.source
    return CorrectionRow(
        team_id=report.team_id, quote_id=quote.id,
        alias=earlier.alias if earlier else quote.alias or legacy_id(quote.text),
        was_speaker=earlier.was_speaker if earlier else quote.speaker,
        was_source=earlier.was_source if earlier else quote.source,
        file=quote.file, line=quote.line, text=new.get("text") or text,
        speaker=new.get("speaker", speaker), source=new.get("source", source),
        changed_by=by, changed_at=now,
    )  # fmt: skip


def _in_force(quote: Quote, row: CorrectionRow) -> bool:
    """Whether `quote` (as shown, or as its file has it) is under this correction."""
    shown = (quote.alias, quote.text, quote.speaker, quote.source)
    return shown == (row.alias, row.text, row.speaker, row.source) or bool(corrected(quote, row))


def corrected(quote: Quote, row: CorrectionRow) -> Quote | None:
    """The file quote as corrected, while its file still says what was corrected; else None."""
    if quote.origin != "file" or quote.alias != row.alias:
        return None
    if (quote.speaker, quote.source) != (row.was_speaker, row.was_source):
        return None
    return replace(quote, text=row.text, speaker=row.speaker, source=row.source)


def with_corrections(quotes: Iterable[Quote], rows: Iterable[CorrectionRow]) -> list[Quote]:
    """The quotes, each corrected one as corrected (what `export` writes)."""
    by_id = {row.quote_id: row for row in rows}
    by_alias = {row.alias: row for row in by_id.values()}
    shown = []
    for quote in quotes:
        row = by_id.get(quote.id) or by_alias.get(quote.alias)
        shown.append((corrected(quote, row) if row else None) or quote)
    return shown
