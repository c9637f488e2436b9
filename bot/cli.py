"""The `quotebot` command: a thin layer that reads arguments, calls the core, prints.

Each command returns an exit code: 0 fine, 1 the command found a problem (a corpus
error, a failed post), 2 the bot is not set up right (a missing or bad setting).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import random
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError as DatabaseError

from bot.answers import answer
from bot.book.entries import LIVE, Proposal, to_quote
from bot.book.imports import Report, as_quotes, into_book, sort_out
from bot.book.reports import still_to_fix, with_corrections
from bot.corpus import Corpus, CorpusError, Quote, Topic, load_corpus, shipped_corpus
from bot.corpus.folder import CorpusFolder
from bot.corpus.inline import plain
from bot.corpus.load import collect, read_pages
from bot.corpus.markers import MarkerError, add_markers, needed
from bot.corpus.parse import has_words
from bot.corpus.write import pages
from bot.daily.runner import DailyRunner, RunReport, canonical_ids
from bot.daily.schedule import Subscription, local_date, weekdays
from bot.daily.schedules import schedules
from bot.daily.walk import next_quote
from bot.imports import FORMATS, Batch, Record
from bot.imports import read as read_import
from bot.services import Services
from bot.settings import ENVIRONMENT, Settings, SettingsError, load_settings
from bot.store import BookRow, CorrectionRow, Store, StoreError

log = logging.getLogger("quotebot")
T = TypeVar("T")
MANIFEST = "config/manifest.yaml"


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    """Entry point of the `quotebot` console script and `python -m bot`."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    env = _environment(environ)
    try:
        settings = load_settings(env)
    except SettingsError as error:
        print(f"quotebot: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        return args.run(args, settings)
    except CorpusError as error:
        print(f"quotebot: {error} (set QUOTEBOT_CORPUS or --corpus)", file=sys.stderr)
        return 2
    except StoreError as error:
        print(f"quotebot: {error}", file=sys.stderr)
        return 2
    except DatabaseError as error:
        # The URL is not shown: it may hold a password.
        print(f"quotebot: cannot open the database: {error.orig or error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `quotebot export | head`: the reader has had enough
        sys.stderr.close()
        return 0


def _environment(environ: Mapping[str, str] | None) -> dict[str, str]:
    """The process environment over a `.env` file in the working folder, if there is one."""
    if environ is not None:
        return dict(environ)
    from_file = {k: v for k, v in dotenv_values(".env").items() if v is not None}
    return {**from_file, **os.environ}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="quotebot", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, run: Callable[..., int]) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=run.__doc__, description=run.__doc__)
        sub.set_defaults(run=run)
        return sub

    def corpus_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--corpus", type=Path, help="folder of quote pages (QUOTEBOT_CORPUS)")

    corpus_option(command("serve", serve))
    check_cmd = command("check", check)
    check_cmd.add_argument("path", nargs="?", type=Path, help="corpus folder or file")
    corpus_option(check_cmd)
    corpus_option(command("topics", topics))
    quote_cmd = command("quote", quote)
    quote_cmd.add_argument("text", nargs="*", help="a topic or words; none for a random quote")
    corpus_option(quote_cmd)
    export_cmd = command("export", export)
    export_cmd.add_argument(
        "--format", choices=["jsonl", "markdown"], default="jsonl",
        help="jsonl (to standard output, the default) or markdown (quote pages into DIR)",
    )  # fmt: skip
    export_cmd.add_argument("dir", nargs="?", type=Path, help="the folder for --format markdown")
    export_cmd.add_argument("--team", help="this workspace's quotes (many-workspace mode)")
    corpus_option(export_cmd)
    import_cmd = command("import", import_)
    import_cmd.add_argument("files", nargs="+", type=Path, metavar="FILE", help="files to import")
    import_cmd.add_argument(
        "--format", choices=FORMATS, help="the files' format (default: told from the content)"
    )
    import_cmd.add_argument("--to", type=Path, metavar="DIR", help="write quote pages into DIR")
    import_cmd.add_argument("--team", help="into this workspace's book (many-workspace mode)")
    corpus_option(import_cmd)
    ids_cmd = command("ids", ids)
    ids_cmd.add_argument("path", nargs="?", type=Path, help="corpus folder or file")
    ids_cmd.add_argument("--check", action="store_true", help="only say what would change")
    corpus_option(ids_cmd)

    book = commands.add_parser("book", help="the quote book: hidden, show, pending, corrections")
    book_commands = book.add_subparsers(title="book commands", metavar="COMMAND")
    for name, run in (
        ("hidden", book_hidden), ("pending", book_pending), ("show", book_show),
        ("corrections", book_corrections),
    ):  # fmt: skip
        sub = book_commands.add_parser(name, help=run.__doc__, description=run.__doc__)
        sub.set_defaults(run=run)
        if name == "corrections":
            corpus_option(sub)
        if name == "show":
            sub.add_argument("id", help="the quote's ID, as `quotebot book hidden` shows it")
            sub.add_argument("--team", help="only in this workspace (many-workspace mode)")

    daily = commands.add_parser("daily", help="quote of the day: list, preview, run")
    daily_commands = daily.add_subparsers(title="daily commands", metavar="COMMAND")
    for name, run in (("list", daily_list), ("preview", daily_preview), ("run", daily_run)):
        sub = daily_commands.add_parser(name, help=run.__doc__, description=run.__doc__)
        sub.set_defaults(run=run)
        corpus_option(sub)
        sub.add_argument("--now", type=_instant, help="act as if it were this ISO time")
        if name != "list":
            sub.add_argument("--date", type=date.fromisoformat, help="local date YYYY-MM-DD")
    return parser


def _instant(text: str) -> datetime:
    """An ISO time; one without a zone is taken as UTC."""
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _corpus(args: argparse.Namespace, settings: Settings) -> Corpus:
    return load_corpus(getattr(args, "corpus", None) or settings.corpus_path).corpus


def serve(args: argparse.Namespace, settings: Settings) -> int:
    """Run the bot (HTTP on $PORT, or Socket Mode with SLACK_APP_TOKEN)."""
    # SIGHUP re-reads the quote folder once serving; until then it must not end the
    # process (the default), say while a long start-up loads the folder.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    folder = CorpusFolder(args.corpus or settings.corpus_path)
    corpus = folder.load().corpus
    missing = settings.missing_for_slack()
    if missing and not settings.has_slack_credentials:
        # A newcomer's first start: say how to set up, and show what works offline.
        _explain_setup(missing, corpus, settings, args.corpus or settings.corpus_path)
        return 2
    if missing:  # half set up: name exactly what is still missing
        print(
            f"quotebot: {' and '.join(missing)} not set: {settings.describe_mode()}",
            file=sys.stderr,
        )
        return 2
    from bot.runtime import run

    return asyncio.run(run(settings, folder))


def check(args: argparse.Namespace, settings: Settings) -> int:
    """Check a corpus: print each problem as file:line: message; exit 1 on errors."""
    root = args.path or args.corpus or settings.corpus_path
    result = load_corpus(root, log_problems=False)  # printed here, once
    for problem in result.problems:
        print(problem)
    warnings = len(result.problems) - len(result.errors)
    print(
        f"{root}: {len(result.corpus)} quotes, {len(result.corpus.topics())} topics, "
        f"{len(result.errors)} errors, {warnings} warnings"
        + (f", {result.drafts} draft{'s' * (result.drafts != 1)} skipped" if result.drafts else "")
    )
    return 1 if result.errors else 0


def topics(args: argparse.Namespace, settings: Settings) -> int:
    """List the topics with their number of quotes."""
    _print_topics(_corpus(args, settings).topics())
    return 0


def _print_topics(topics: Sequence[Topic]) -> None:
    for topic in topics:
        print(f"{topic.count:5d}  {topic.name}")


def quote(args: argparse.Namespace, settings: Settings) -> int:
    """Print the best quote for TEXT, or a random one."""
    corpus = _corpus(args, settings)
    reply = answer(corpus, " ".join(args.text), rng=random.Random())
    if reply.quote is not None:
        print(_as_text(reply.quote))
        return 0
    if reply.kind == "topics":
        _print_topics(reply.topics)
        return 0
    if reply.kind == "not_found":
        print(f"No quote matches {reply.query!r}. Try: {', '.join(reply.suggestions)}")
    elif reply.kind == "no_id":
        print(f"No quote has the ID #{reply.query}.")
    elif reply.kind == "no_speaker":
        print(f"No quotes by {reply.query!r}. Try: {', '.join(reply.suggestions) or '(none)'}")
    else:
        print("Usage: quotebot quote [TOPIC OR WORDS]")
    return 1


def export(args: argparse.Namespace, settings: Settings) -> int:
    """Write every quote (the files' and the quote book's): JSON Lines to standard output,
    or with --format markdown DIR quote pages that `quotebot check DIR` reads back."""
    if args.format == "markdown":
        return _export_pages(args, settings)
    if args.dir:
        print("quotebot: DIR is for --format markdown; JSON Lines go to standard output",
              file=sys.stderr)  # fmt: skip
        return 2
    # The files' quotes as Slack shows them; in many-workspace mode each workspace's own
    # corrections are in its Markdown export (--team), not in the one shared record.
    for item in with_corrections(_corpus(args, settings), _corrections(settings, "")):
        print(json.dumps(item.to_dict(), ensure_ascii=False))
    for row in _book_rows(settings, statuses=LIVE):
        record = to_quote(row).to_dict()
        record["team"] = row.team_id or None  # whose quote book (many-workspace mode)
        print(json.dumps(record, ensure_ascii=False))
    return 0


def import_(args: argparse.Namespace, settings: Settings) -> int:
    """Bring quotes from Kindle, Readwise, CSV or JSON Lines files into the quote book.

    They skip review (an import is the operator's act) and go live on every instance;
    a quote the collection has already is left out, so a second run adds nothing.
    With --to DIR they become quote pages in DIR instead.
    """
    if settings.oauth and not args.team and not args.to:
        print("quotebot: many workspaces share this database: name one with --team T",
              file=sys.stderr)  # fmt: skip
        return 2
    batches = [_read_import(path, args.format) for path in args.files]
    found = [problem for batch in batches for problem in batch.problems]
    records = [record for batch in batches for record in batch.records]
    skipped = sum(batch.skipped for batch in batches)
    if args.to:
        report, written = _import_to_pages(records, args.to)
    else:
        report, written = _import_to_book(records, args, settings), []
    for problem in (*found, *report.problems):
        print(problem)
    errors = sum(problem.severity == "error" for problem in (*found, *report.problems))
    where = f"into {len(written)} new pages in {args.to}" if args.to else "into the quote book"
    print(
        f"{report.imported:,} quotes imported {where}; {report.duplicates:,} already there; "
        f"{skipped:,} entries skipped (bookmarks, repeats, notes with no highlight); "
        f"{errors:,} problems"
    )
    return 1 if errors else 0


def _read_import(path: Path, format: str | None) -> Batch:
    size = path.stat().st_size if path.is_file() else 0
    shown = _Progress(f"reading {path.name}, line") if size > _LARGE else None
    return read_import(path, format=format, on_progress=shown)


def _import_to_book(records: list[Record], args: argparse.Namespace, settings: Settings) -> Report:
    files = _corpus(args, settings)
    store = Store(settings.database_url)
    try:
        shown = _Progress("storing quote") if len(records) > 5000 else None
        return into_book(
            store, files, records, key=args.team or "", now=datetime.now(UTC),
            rng=random.Random(), on_progress=shown,
        )  # fmt: skip
    finally:
        store.close()


def _import_to_pages(records: list[Record], folder: Path) -> tuple[Report, list[Path]]:
    there = load_corpus(folder, log_problems=False).corpus if folder.exists() else []
    picked = sort_out(records, {quote.alias for quote in there})
    written = _write_pages(folder, as_quotes(picked.new))
    return Report(len(picked.new), picked.duplicates, picked.problems), written


class _Progress:
    """`on_progress(done, total)` as a line on standard error, at most every 5%."""

    def __init__(self, label: str) -> None:
        self.label, self.shown = label, -1

    def __call__(self, done: int, total: int) -> None:
        step = done * 20 // max(total, 1)
        if step != self.shown:
            self.shown = step
            print(f"quotebot: {self.label} {done:,} of {total:,}", file=sys.stderr)


_LARGE = 1_000_000  # bytes: a file worth showing progress for


def _export_pages(args: argparse.Namespace, settings: Settings) -> int:
    if not args.dir:
        print("quotebot: name the folder: quotebot export --format markdown DIR", file=sys.stderr)
        return 2
    if args.dir.exists() and any(args.dir.iterdir()):
        print(f"quotebot: {args.dir} is not empty: export into a new folder", file=sys.stderr)
        return 2
    rows = _book_rows(settings, statuses=LIVE)
    teams = sorted({row.team_id for row in rows if row.team_id})
    if teams and args.team not in teams:
        print(f"quotebot: one workspace's quotes at a time: add --team, one of {', '.join(teams)}",
              file=sys.stderr)  # fmt: skip
        return 2
    book = [to_quote(row) for row in rows if row.team_id == (args.team or "")]
    quotes = with_corrections(_corpus(args, settings), _corrections(settings, args.team or ""))
    for quote in book:
        if has_words(quote.text):
            quotes.append(quote)
        else:  # an emoji alone, say: no page can hold a quote with no word
            print(f"quotebot: #{quote.id} has no words to write as a quote; left out",
                  file=sys.stderr)  # fmt: skip
    written = _write_pages(args.dir, quotes)
    print(f"{args.dir}: {len(quotes):,} quotes in {len(written):,} pages; "
          f"check them with: quotebot check {args.dir}")  # fmt: skip
    return 0


def _write_pages(folder: Path, quotes: Sequence[Quote]) -> list[Path]:
    """Quote pages for `quotes` in `folder`, next to what is there: no file overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in pages(quotes).items():
        target = folder / name
        number = 2
        while target.exists():
            target = folder / f"{Path(name).stem}-{number}{Path(name).suffix}"
            number += 1
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def book_hidden(args: argparse.Namespace, settings: Settings) -> int:
    """The quotes from files hidden in Slack, with the file and line to change."""
    rows = _read_store(settings, lambda store: store.book.hidden())
    for row in rows:
        team = f"[{row.team_id}] " if row.team_id else ""
        start = " ".join(plain(row.text).split())[:80]
        print(f"{row.file}:{row.line}: {team}#{row.quote_id} “{start}” "
              f"(hidden by {row.changed_by} on {row.changed_at:%Y-%m-%d})")  # fmt: skip
    print(f"{len(rows)} hidden" if rows else "No quote is hidden.")
    return 0


def book_corrections(args: argparse.Namespace, settings: Settings) -> int:
    """The quotes from files corrected in Slack (a report applied), with the file and line
    to fix and what to change there; a field the file already says is done."""
    rows = _corrections(settings, None)
    files = _corpus(args, settings) if rows else None
    to_fix = 0
    for row in rows:
        quote = (files.get(row.quote_id) or files.get(row.alias)) if files else None
        fixes = still_to_fix(quote, row) if quote is not None else {}
        to_fix += bool(fixes)
        team = f"[{row.team_id}] " if row.team_id else ""
        where = f"{quote.file}:{quote.line}" if quote is not None else f"{row.file}:{row.line}"
        what = "; ".join(_correction_parts(row, fixes)) or "nothing left to fix in the file"
        print(f"{where}: {team}#{row.quote_id} {what} "
              f"(corrected by {row.changed_by} on {row.changed_at:%Y-%m-%d})")  # fmt: skip
    print(f"{to_fix} to fix in the files" if rows else "No quote from the files is corrected.")
    return 0


def _correction_parts(row: CorrectionRow, fixes: Mapping[str, str | None]) -> list[str]:
    parts = []
    for field, was in (("speaker", row.was_speaker), ("source", row.was_source)):
        if field in fixes:
            parts.append(f"{field} “{was or ''}” → “{fixes[field] or ''}”")
    if "text" in fixes:
        parts.append(f"text → “{' '.join(plain(fixes['text'] or '').split())[:120]}”")
    return parts


def _corrections(settings: Settings, team: str | None) -> list[CorrectionRow]:
    return _read_store(settings, lambda store: store.book.corrections(team))


def book_show(args: argparse.Namespace, settings: Settings) -> int:
    """Show a hidden quote from the files in Slack again (every running bot within 2 s)."""
    wanted = args.id.strip().lstrip("#").upper()
    store = _existing_store(settings)
    if store is None:
        print("No quote is hidden.", file=sys.stderr)
        return 1
    try:
        rows = [row for row in store.book.hidden(args.team) if row.quote_id == wanted]
        for row in rows:
            store.book.set_hidden(
                dataclasses.replace(
                    row, hidden=False, changed_by="cli", changed_at=datetime.now(UTC)
                )
            )
    finally:
        store.close()
    if not rows:
        print(f"#{wanted} is not hidden (`quotebot book hidden` lists the hidden quotes).",
              file=sys.stderr)  # fmt: skip
        return 1
    for row in rows:
        team = f" in {row.team_id}" if row.team_id else ""
        print(f"#{row.quote_id} is shown again{team} ({row.file}:{row.line})")
    return 0


def book_pending(args: argparse.Namespace, settings: Settings) -> int:
    """What waits for review, oldest first: quotes saved in Slack, and changes to quotes."""
    rows = _read_store(settings, lambda store: store.book.waiting(None))
    for row in rows:
        team = f"[{row.team_id}] " if row.team_id else ""
        proposal = Proposal.of(row) if row.status == "approved" else None
        text = proposal.draft.text if proposal else row.text
        start = " ".join(plain(text).split())[:80]
        who = f"changed by {proposal.by}" if proposal else f"added by {row.added_by}"
        print(f"{team}#{row.id} “{start}” ({who} on {row.changed_at:%Y-%m-%d})")
    print(f"{len(rows)} waiting" if rows else "No quote waits for review.")
    return 0


def _existing_store(settings: Settings) -> Store | None:
    """The bot's database, or None when there is none yet (a SQLite file never made)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return None
    return Store(settings.database_url)


def _book_rows(settings: Settings, *, statuses: Sequence[str]) -> list[BookRow]:
    return _read_store(settings, lambda store: store.book.quotes(statuses=statuses))


def _read_store(settings: Settings, read: Callable[[Store], list[T]]) -> list[T]:
    """What `read` finds in the bot's database; nothing when there is no database yet."""
    store = _existing_store(settings)
    if store is None:
        return []
    try:
        return read(store)
    finally:
        store.close()


def ids(args: argparse.Namespace, settings: Settings) -> int:
    """Write a marker after each quote lacking one, so an edit of its text keeps its ID."""
    named = args.path or args.corpus
    root = named or settings.corpus_path
    if not (args.check or named) and Path(root).resolve() == shipped_corpus().resolve():
        # No corpus configured: the quotes inside the package are not rewritten unasked.
        print(
            "quotebot: no corpus configured; pass DIR to mark the shipped quotes", file=sys.stderr
        )
        return 2
    pages = list(read_pages(root))
    wanted = needed(collect(file.page for file in pages).corpus)
    total = changed = failed = 0
    for file in pages:
        lines = wanted.get(file.name)
        if not lines or file.data is None:
            continue
        try:
            marked = add_markers(file.data.decode("utf-8"), lines)
            if not args.check:
                _replace_file(file.path, marked.text.encode("utf-8"), was=file.data)
        except (MarkerError, OSError) as error:
            print(f"{file.name}: not changed: {error}", file=sys.stderr)
            failed += 1
            continue
        verb = "to add" if args.check else "added"
        fixed = f" ({marked.replaced} replacing bad ones)" if marked.replaced else ""
        print(f"{file.name}: {marked.changed} markers {verb}{fixed}")
        total += marked.changed
        changed += 1
    if args.check:
        print(f"{root}: {total} markers to add in {changed} pages")
        return 1 if total or failed else 0
    print(f"{root}: {total} markers added in {changed} pages")
    return 1 if failed else 0


def _replace_file(path: Path, data: bytes, *, was: bytes) -> None:
    """Write `data` over `path` at once (a reader sees the old page or the new one),
    unless the page is no longer `was`: someone saved it meanwhile, and keeps their edit."""
    target = path.resolve()  # a link keeps pointing at the page
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
        if target.read_bytes() != was:
            raise OSError("the page changed while its markers were written; run again")
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _as_text(item: Quote) -> str:
    lead = f"{plain(item.lead_in)}:\n" if item.lead_in else ""
    who = ", ".join(part for part in (item.speaker, item.source) if part) or "unknown"
    where = f" <{item.url}>" if item.url else ""
    topic = f" [{item.topic}]" if item.topic else ""
    return f"{lead}“{plain(item.text)}”\n  — {who}{where}{topic} #{item.id}"


def _explain_setup(missing: list[str], corpus: Corpus, settings: Settings, path: Path) -> None:
    """No Slack credentials: say exactly what to set, then show what works offline."""
    help_by_name = {var.name: var.help for var in ENVIRONMENT}
    print("quotebot is not connected to Slack yet. Set these environment variables")
    print("(in the environment, or in a .env file in this folder):\n")
    for name in missing:
        print(f"  {name:22} {help_by_name[name]}")
    if not settings.socket_mode:
        print(f"  {'(or SLACK_APP_TOKEN)':22} {help_by_name['SLACK_APP_TOKEN']}")
    print(
        f"\nTo create the Slack app: open https://api.slack.com/apps, choose Create New App,\n"
        f"From an app manifest, pick your workspace and paste {MANIFEST}; then install\n"
        f"it and copy the tokens above. The README walks through it step by step.\n"
    )
    names = ", ".join(t.name for t in corpus.topics())
    print(f"Meanwhile, offline: {len(corpus)} quotes loaded from {path}")
    print(f"Topics: {names}\n")
    reply = answer(corpus, "", rng=random.Random())
    if reply.quote is not None:
        print(_as_text(reply.quote))
    print("\nTry: quotebot quote robotics · quotebot topics · quotebot check")


def _daily_services(args: argparse.Namespace, settings: Settings) -> Services:
    from bot.runtime import open_services

    return open_services(settings, _corpus(args, settings))


def daily_list(args: argparse.Namespace, settings: Settings) -> int:
    """List the daily subscriptions with their next post time in their own zone."""
    services = _daily_services(args, settings)
    now = args.now or services.clock()
    subs = schedules(services.store, enabled_only=False)
    if not subs:
        print("No daily subscriptions. Add them in the settings file or with /quote daily.")
    for stored in subs:
        sub = stored.subscription
        state = (
            f"next {stored.next_post(now=now):%Y-%m-%d %H:%M %Z}"
            if stored.enabled
            else f"off: {stored.disabled_reason}"
        )
        print(f"{sub.channel:12} {sub.id:6} {sub.describe():40} [{stored.origin}] {state}")
    return 0


def daily_preview(args: argparse.Namespace, settings: Settings) -> int:
    """Show what each subscription would post (on --date), without sending anything."""
    services = _daily_services(args, settings)
    now = args.now or services.clock()
    try:
        for stored in schedules(services.store):
            sub = stored.subscription
            day = args.date or local_date(sub, now)
            print(f"{sub.id} {sub.channel} {day} {sub.describe()}:")
            if day.weekday() not in weekdays(sub.days):
                print(f"  (no post on {day:%A}s)")
                continue
            quote_id = _quote_on(services, sub, day, now=now)
            corpus = services.corpus_for(sub.team_id)
            quote_found = corpus.get(quote_id) if quote_id else None
            print(_as_text(quote_found) if quote_found else "  (no quotes on these topics)")
    finally:
        services.store.close()
    return 0


def _quote_on(services: Services, sub: Subscription, day: date, *, now: datetime) -> str | None:
    """The quote `sub` posts (or posted) on `day`: its claim, or the walk stepped to that day."""
    claimed = {
        post.local_date: post.quote_id
        for post in services.store.claims.posts(subscription_id=sub.id)
        if post.status != "failed"
    }
    if day in claimed:
        return claimed[day]
    cycle, used = services.store.claims.walk(sub.id)
    corpus = services.corpus_for(sub.team_id)
    used = canonical_ids(corpus, used)
    eligible = [quote.id for quote in corpus.in_topics(sub.topics)]
    days = weekdays(sub.days)
    current = min(day, local_date(sub, now))
    while current < day:  # each post day until then, not yet claimed, takes one step
        if current.weekday() in days and current not in claimed:
            step = next_quote(eligible, used, seed=sub.id, cycle=cycle)
            if step is None:
                return None
            quote_id, step_cycle = step
            if step_cycle != cycle:
                cycle, used = step_cycle, set()
            used = used | {quote_id}
        current += timedelta(days=1)
    step = next_quote(eligible, used, seed=sub.id, cycle=cycle)
    return step[0] if step else None


async def _run_once(runner: DailyRunner, *, now: datetime, day: date | None) -> RunReport:
    """One run, as a scheduler tick would make it, then the background joins (10 s at most)."""
    try:
        return await runner.run_due(now=now, day=day)
    finally:
        await runner.sender.settle(10)


def daily_run(args: argparse.Namespace, settings: Settings) -> int:
    """Post every due, unposted quote of the day (for --date) now; exit 1 if any failed."""
    if not settings.bot_token and not settings.oauth:
        print("quotebot: SLACK_BOT_TOKEN is needed to post", file=sys.stderr)
        return 2
    from bot.runtime import daily_runner, installations

    services = _daily_services(args, settings)
    runner = daily_runner(services, installations(services))
    now = args.now or services.clock()
    try:
        report = asyncio.run(_run_once(runner, now=now, day=args.date))
    finally:
        services.store.close()
    for claim_id in report.sent:
        print(f"sent {claim_id}")
    for line in report.retry_later:
        print(f"not sent (try again later): {line}")
    for line in report.failed:
        print(f"failed: {line}")
    print(
        f"{len(report.sent)} sent, {len(report.failed)} failed, "
        f"{len(report.retry_later)} to retry, {report.skipped} already claimed"
    )
    return 1 if report.failed else 0
