"""The quote corpus: parse quote pages, hold them in memory, find them by topic and words.

Pure Python with no Slack in it, so it can be used and tested alone.
"""

from bot.corpus.collection import Corpus, Lookup, topic_key
from bot.corpus.load import CorpusError, LoadResult, load_corpus, quote_files, shipped_corpus
from bot.corpus.model import Page, Problem, Quote, Span, Topic, legacy_id, quote_id
from bot.corpus.parse import parse_page

__all__ = [
    "Corpus",
    "CorpusError",
    "LoadResult",
    "Lookup",
    "Page",
    "Problem",
    "Quote",
    "Span",
    "Topic",
    "legacy_id",
    "load_corpus",
    "parse_page",
    "quote_files",
    "quote_id",
    "shipped_corpus",
    "topic_key",
]
