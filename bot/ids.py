"""Short IDs people can read aloud and type: `K7Q2M`, never `0O1lI`.

A leaf module with no dependencies, shared by the store and the domain: schedules
from the settings file get an ID derived from their fields, quotes from the files one
derived from their text (the same every start, with or without a database), the ones
made in Slack a random one.
"""

from __future__ import annotations

import hashlib
import random

# Crockford's base32 without the letters that read as digits or as each other.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 5  # 30**5: 24 million IDs, plenty for one workspace's schedules or quotes


def random_id(rng: random.Random, length: int = LENGTH) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def derived_id(*parts: str, length: int = LENGTH) -> str:
    """A stable ID for these parts: the same parts always give the same ID."""
    return from_digest(hashlib.sha256("\x1f".join(parts).encode()).digest(), length)


def from_digest(digest: bytes, length: int = LENGTH) -> str:
    """`length` letters of ALPHABET read off a digest (a hash of something stable).

    The letters come from the digest's low end first, so a longer ID from the same
    digest starts with the shorter one: `7KQ2M`, then `7KQ2MXA`.
    """
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(length):
        number, index = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[index])
    return "".join(letters)


def normalize(text: str) -> str:
    """An ID as typed (`#k7q2m`, ` K7Q2M `) in its canonical form."""
    return text.strip().lstrip("#").upper()
