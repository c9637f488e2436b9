"""The store fixtures of tests/unit/conftest.py: each test on SQLite and PostgreSQL."""

from tests.unit.conftest import other, store, store_url

__all__ = ["other", "store", "store_url"]
