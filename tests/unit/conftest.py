"""The store on each backend, for the tests of what it holds (test_store*.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store import Store
from tests.postgres import fresh_database

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each backend: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "postgresql":
        return fresh_database(request.getfixturevalue("postgres"))
    return f"sqlite:///{tmp_path / 'quotebot.sqlite3'}"


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = Store(store_url)
    yield opened
    opened.close()


@pytest.fixture
def other(store: Store, store_url: str) -> Iterator[Store]:
    """A second Store on the same database, as a second instance of the bot has."""
    second = Store(store_url)
    yield second
    second.close()
