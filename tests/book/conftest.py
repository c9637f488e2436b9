"""The store fixtures of tests/unit/test_store.py: each test on SQLite and PostgreSQL."""

from tests.unit.test_store import other, store, store_url

__all__ = ["other", "store", "store_url"]
