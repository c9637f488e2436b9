"""The fixture files: real formats, as the tools that write them write them."""

from __future__ import annotations

from pathlib import Path

FILES = Path(__file__).resolve().parent / "files"
KINDLE = FILES / "My Clippings.txt"
READWISE_NEW = FILES / "readwise-new.csv"
READWISE_OLD = FILES / "readwise-old.csv"
READWISE_MARKDOWN = FILES / "readwise.md"
QUOTES_CSV = FILES / "quotes.csv"
QUOTES_JSONL = FILES / "quotes.jsonl"
