"""Other tools' quote collections read into records quotebot can import.

Kindle's `My Clippings.txt`, Readwise's CSV and Markdown exports, and any CSV or JSON
Lines file with a text column: `read` tells the format from the content (or takes it
from `format=`) and returns a `Batch` of records and problems. Pure: no Slack, no
database; `quotebot import` does the storing.
"""

from bot.imports.load import read, read_text
from bot.imports.records import FORMATS, Batch, Record

__all__ = ["FORMATS", "Batch", "Record", "read", "read_text"]
