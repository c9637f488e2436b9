"""Reports of a problem with a quote: filed by anyone, applied or dismissed by approvers.

A real store (SQLite and PostgreSQL); `Library`s on it stand for running instances, so
"shown" means what `/quote` would find after the instance caught up with the feed.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.book import entries, reports
from bot.book.drafts import Draft
from bot.book.library import Library
from bot.book.reports import ReportDraft
from bot.corpus import Corpus, Quote, load_corpus, shipped_corpus
from bot.roles import Person, Policy
from bot.store import Store

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
POLICY = Policy(adding="open", approvers=frozenset({"U0APP"}))
ADA, APPROVER, OTTO = Person("U0ADA"), Person("U0APP"), Person("U0OTTO")


def fresh_files() -> Corpus:
    return load_corpus(shipped_corpus(), log_problems=False).corpus


def two_instances() -> tuple[Library, Library]:
    """Two running bots' collections of the one workspace, on the same files."""
    return Library(fresh_files(), per_workspace=False), Library(fresh_files(), per_workspace=False)


def a_file_quote(corpus: Corpus) -> Quote:
    return next(q for q in corpus if q.speaker and q.source)


def report(store: Store, quote: Quote, **changes: str | None) -> int:
    draft = ReportDraft(
        problem=str(changes.pop("problem", "speaker")),
        text=str(changes.pop("text", quote.text)),
        speaker=changes.pop("speaker", quote.speaker),
        source=changes.pop("source", quote.source),
        note=changes.pop("note", None),
    ).tidy()
    assert reports.problems(quote, draft) == {}
    return reports.file_report(store, "", quote, draft, by=OTTO.user_id, now=NOW).id


def decide(store: Store, library: Library, number: int, *, apply: bool = True,
           person: Person = APPROVER) -> reports.Decided:  # fmt: skip
    decided = reports.decide(
        store, library, "", number, apply=apply, person=person, policy=POLICY, now=NOW
    )
    library.catch_up(store)
    return decided


def test_an_applied_speaker_correction_of_a_file_quote_shows_on_every_instance(
    store: Store, other: Store
) -> None:
    here, there = two_instances()
    quote = a_file_quote(here.corpus(""))
    number = report(store, quote, speaker="Grace Hopper")
    assert here.corpus("").get(quote.id).speaker == quote.speaker, "not before it is applied"

    assert decide(store, here, number).outcome == "applied"
    shown = here.corpus("").get(quote.id)
    assert (shown.speaker, shown.text, shown.source) == ("Grace Hopper", quote.text, quote.source)
    assert (shown.file, shown.line) == (quote.file, quote.line), "still its file's quote"
    assert [q.id for q in here.corpus("").lookup("Grace Hopper").quotes][:1] == [quote.id]
    there.catch_up(other)
    assert there.corpus("").get(quote.id).speaker == "Grace Hopper"


def test_a_correction_holds_after_a_reload_and_gives_way_once_the_file_is_fixed(
    store: Store,
) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    decide(store, library, report(store, quote, source="The Real Source"))

    library.replace_files(fresh_files())  # the files reloaded, unchanged
    assert library.corpus("").get(quote.id).source == "The Real Source"

    fixed_files = fresh_files()
    fixed_files.replace(replace(fixed_files.get(quote.id), source="Fixed In The File"))
    library.replace_files(fixed_files)
    assert library.corpus("").get(quote.id).source == "Fixed In The File"


def test_in_many_workspace_mode_a_correction_shows_only_in_its_workspace(store: Store) -> None:
    files = fresh_files()
    library = Library(files, per_workspace=True)
    quote = a_file_quote(files)
    draft = ReportDraft("typo", text=quote.text + " (sic)", speaker=quote.speaker,
                        source=quote.source).tidy()  # fmt: skip
    number = reports.file_report(store, "T1", quote, draft, by="U0OTTO", now=NOW).id
    decided = reports.decide(
        store, library, "T1", number, apply=True, person=APPROVER, policy=POLICY, now=NOW
    )
    assert decided.outcome == "applied"
    library.catch_up(store)
    assert library.corpus("T1").get(quote.id).text.endswith("(sic)")
    assert library.corpus("T2").get(quote.id).text == quote.text
    assert files.get(quote.id).text == quote.text, "the shared files stay as they are"


def test_applying_a_report_on_a_slack_quote_edits_only_what_the_reporter_changed(
    store: Store,
) -> None:
    library = Library(fresh_files(), per_workspace=False)
    saved = entries.save(
        store, library.corpus(""), Draft("Ship it.", speaker="Ada", source="Standup"),
        key="", person=ADA, policy=POLICY, now=NOW, rng=random.Random(1),
    )  # fmt: skip
    library.catch_up(store)
    quote = library.corpus("").get(saved.quote_id)
    number = report(store, quote, speaker="Ada Lovelace")
    # Meanwhile Ada fixes the source herself: applying the report must keep that.
    entries.edit(
        store, library.corpus(""), "", quote.id, Draft("Ship it.", speaker="Ada", source="Retro"),
        person=ADA, policy=POLICY, now=NOW,
    )  # fmt: skip
    library.catch_up(store)

    assert decide(store, library, number).outcome == "applied"
    shown = library.corpus("").get(quote.id)
    assert (shown.id, shown.text, shown.speaker, shown.source) == (
        quote.id, "Ship it.", "Ada Lovelace", "Retro",
    )  # fmt: skip


def test_only_an_approver_decides_and_a_report_is_decided_once(store: Store) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    number = report(store, quote, speaker="Someone Else")
    refused = decide(store, library, number, person=OTTO)
    assert refused.outcome == "refused" and "can apply or dismiss" in refused.decision.reason
    assert library.corpus("").get(quote.id).speaker == quote.speaker

    assert decide(store, library, number, apply=False).outcome == "dismissed"
    again = decide(store, library, number, apply=True)
    assert again.outcome == "already" and again.report.status == "dismissed"
    assert library.corpus("").get(quote.id).speaker == quote.speaker, "a dismissal changes nothing"


def test_a_report_that_changes_nothing_needs_a_note_on_the_note_field() -> None:
    quote = a_file_quote(fresh_files())
    same = ReportDraft("other", quote.text, quote.speaker, quote.source).tidy()
    assert list(reports.problems(quote, same)) == ["note"]
    noted = replace(same, note="The year is wrong").tidy()
    assert reports.problems(quote, noted) == {}
    empty = ReportDraft("typo", "   ", quote.speaker, quote.source).tidy()
    assert list(reports.problems(quote, empty)) == ["text"]
    long = ReportDraft("speaker", quote.text, "x" * 151, quote.source).tidy()
    assert "150" in reports.problems(quote, long)["speaker"]


@pytest.mark.parametrize("apply", [True, False])
def test_a_reports_row_survives_a_restart_with_what_came_of_it(store_url: str, apply: bool) -> None:
    first = Store(store_url)
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    number = report(first, quote, speaker="Restart Speaker", note="seen in the book")
    assert [r.id for r in first.reports.open("")] == [number]
    first.close()

    second = Store(store_url)
    try:
        kept = second.reports.get("", number)
        assert (kept.status, kept.speaker, kept.note) == ("open", "Restart Speaker",
                                                          "seen in the book")  # fmt: skip
        decide(second, library, number, apply=apply)
        assert second.reports.get("", number).status == ("applied" if apply else "dismissed")
        assert second.reports.open("") == []
    finally:
        second.close()


def test_two_reports_applied_at_once_on_two_instances_both_hold(store: Store, other: Store) -> None:
    here, there = two_instances()
    quote = a_file_quote(here.corpus(""))
    speaker_fix = report(store, quote, speaker="Grace Hopper")
    source_fix = report(store, quote, problem="source", source="The Real Source")

    assert decide(store, here, speaker_fix).outcome == "applied"
    # `there` has not caught up: it still shows the file's speaker when it applies its own.
    assert decide(other, there, source_fix).outcome == "applied"
    for library, db in ((here, store), (there, other)):
        library.catch_up(db)
        shown = library.corpus("").get(quote.id)
        assert (shown.speaker, shown.source) == ("Grace Hopper", "The Real Source")


def test_a_file_quote_too_long_for_the_form_can_still_be_reported_with_a_note() -> None:
    quote = replace(a_file_quote(fresh_files()), text="word " * 800)
    # The form has no text field for it: the text submitted is the quote's own.
    typed = ReportDraft("typo", quote.text, quote.speaker, quote.source, "Typo in line 3")
    draft = reports.as_reported(quote, typed.tidy())
    assert reports.problems(quote, draft) == {}
    assert draft.text == quote.text


def test_a_speaker_the_form_showed_tidied_is_no_change() -> None:
    quote = replace(a_file_quote(fresh_files()), speaker="Ada  Lovelace\n", source="x" * 4000)
    shown = ReportDraft("typo", quote.text + " (sic)", "Ada Lovelace", "x" * 3000).tidy()
    draft = reports.as_reported(quote, shown)
    assert (draft.speaker, draft.source) == (quote.speaker, quote.source)
    assert reports.problems(quote, draft) == {}, "no error on fields left as they were"


def test_a_third_correction_applied_on_an_instance_behind_keeps_the_first_two(
    store: Store, other: Store
) -> None:
    here, there = two_instances()
    quote = a_file_quote(here.corpus(""))
    decide(store, here, report(store, quote, speaker="Grace Hopper"))
    there.catch_up(other)  # both show the first correction
    source_fix = report(store, here.corpus("").get(quote.id), problem="source", source="Real")
    typo_fix = report(store, there.corpus("").get(quote.id), problem="typo",
                      text=quote.text + " (sic)")  # fmt: skip
    assert decide(store, here, source_fix).outcome == "applied"
    # `there` has not seen the source's correction when it applies the typo's.
    assert decide(other, there, typo_fix).outcome == "applied"
    for library, db in ((here, store), (there, other)):
        library.catch_up(db)
        shown = library.corpus("").get(quote.id)
        assert (shown.speaker, shown.source) == ("Grace Hopper", "Real")
        assert shown.text.endswith("(sic)")


def test_once_the_file_says_what_a_correction_said_a_new_report_corrects_the_file_as_it_is(
    store: Store,
) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    decide(store, library, report(store, quote, speaker="Grace Hopper"))
    fixed_files = fresh_files()  # someone fixed the speaker in the file, as listed
    fixed_files.replace(replace(fixed_files.get(quote.id), speaker="Grace Hopper"))
    library.replace_files(fixed_files)

    shown = library.corpus("").get(quote.id)
    assert decide(store, library, report(store, shown, source="The Real Source")).outcome == (
        "applied"
    )
    shown = library.corpus("").get(quote.id)
    assert (shown.speaker, shown.source) == ("Grace Hopper", "The Real Source")


def test_applying_to_a_quote_no_longer_there_decides_nothing_and_it_can_be_dismissed(
    store: Store,
) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    number = report(store, quote, speaker="Someone")
    library.corpus("").remove(quote.id)  # its file changed: the quote is gone

    missing = decide(store, library, number)
    assert missing.outcome == "missing" and store.reports.get("", number).status == "open"
    assert decide(store, library, number, apply=False).outcome == "dismissed"


def test_a_field_left_as_the_form_showed_it_keeps_a_change_made_since() -> None:
    quote = a_file_quote(fresh_files())
    shown = reports.fingerprints(quote)  # the form opens
    since = replace(quote, speaker="Grace Hopper")  # another report is applied meanwhile
    typed = ReportDraft("source", quote.text, quote.speaker, "Better Source").tidy()

    draft = reports.as_reported(since, typed, shown)
    assert (draft.speaker, draft.source) == ("Grace Hopper", "Better Source")


def test_a_quote_corrected_while_hidden_shows_corrected_once_shown_again(
    store: Store, other: Store
) -> None:
    here, there = two_instances()
    quote = a_file_quote(here.corpus(""))
    number = report(store, quote, speaker="Grace Hopper")
    entries.hide(store, "", quote, person=APPROVER, policy=POLICY, now=NOW)
    here.catch_up(store)
    assert here.corpus("").get(quote.id) is None, "hidden here"

    # `there` has not seen the hide yet: it applies the report.
    assert (
        reports.decide(
            other, there, "", number, apply=True, person=APPROVER, policy=POLICY, now=NOW
        ).outcome
        == "applied"
    )
    here.catch_up(store)
    assert here.corpus("").get(quote.id) is None, "still hidden"
    entries.hide(store, "", quote, person=APPROVER, policy=POLICY, now=NOW, hidden=False)
    here.catch_up(store)
    assert here.corpus("").get(quote.id).speaker == "Grace Hopper"


def test_apply_on_a_hidden_quote_decides_nothing(store: Store) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    number = report(store, quote, speaker="Grace Hopper")
    entries.hide(store, "", quote, person=APPROVER, policy=POLICY, now=NOW)
    library.catch_up(store)

    assert decide(store, library, number).outcome == "missing"
    assert store.reports.get("", number).status == "open"


def test_a_punctuation_fix_gives_way_once_the_file_has_it(store: Store) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    fixed_text = quote.text.rstrip(".") + "!"
    decide(store, library, report(store, quote, problem="typo", text=fixed_text))
    assert library.corpus("").get(quote.id).text == fixed_text

    files = fresh_files()  # the file now says it, word for word
    files.replace(replace(files.get(quote.id), text=fixed_text))
    library.replace_files(files)
    files = fresh_files()  # then someone changes its case in the file: the file wins
    files.replace(replace(files.get(quote.id), text=fixed_text.upper()))
    library.replace_files(files)
    assert library.corpus("").get(quote.id).text == fixed_text.upper()


def test_fixing_one_field_in_the_file_keeps_the_correction_of_the_other(store: Store) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    decide(store, library, report(store, quote, speaker="Grace Hopper", source="Real Source"))

    files = fresh_files()  # only the speaker was fixed in the file
    files.replace(replace(files.get(quote.id), speaker="Grace Hopper"))
    library.replace_files(files)
    shown = library.corpus("").get(quote.id)
    assert (shown.speaker, shown.source) == ("Grace Hopper", "Real Source")


def test_a_report_undoing_a_correction_shows_the_file_again(store: Store) -> None:
    library = Library(fresh_files(), per_workspace=False)
    quote = a_file_quote(library.corpus(""))
    decide(store, library, report(store, quote, speaker="Grace Hopper"))
    shown = library.corpus("").get(quote.id)
    decide(store, library, report(store, shown, speaker=quote.speaker))
    assert library.corpus("").get(quote.id).speaker == quote.speaker
    [row] = store.book.corrections("")
    assert reports.still_to_fix(quote, row) == {}, "nothing left for the file"


def test_applying_a_report_over_a_change_waiting_for_review_names_its_author(
    store: Store,
) -> None:
    reviewed = Policy(adding="reviewed", approvers=frozenset({"U0APP"}))
    library = Library(fresh_files(), per_workspace=False)
    saved = entries.save(
        store, library.corpus(""), Draft("Ship it.", speaker="Ada"), key="", person=ADA,
        policy=POLICY, now=NOW, rng=random.Random(2),
    )  # fmt: skip
    library.catch_up(store)
    quote = library.corpus("").get(saved.quote_id)
    waiting = entries.edit(
        store, library.corpus(""), "", quote.id, Draft("Ship it now.", speaker="Ada"),
        person=ADA, policy=reviewed, now=NOW,
    )  # fmt: skip
    assert waiting.outcome == "proposed", "Ada's change waits for an approver"
    number = report(store, quote, speaker="Ada Lovelace")

    decided = reports.decide(
        store, library, "", number, apply=True, person=APPROVER, policy=reviewed, now=NOW
    )
    assert decided.outcome == "applied" and decided.taken_up == ADA.user_id
