"""Quotes filed under names (topics, speakers), kept in corpus order as quotes come and go."""

from __future__ import annotations

import bisect
from collections.abc import Callable

from bot.corpus.names import NameIndex


class Groups:
    """Name keys and their quotes' slots, ascending (the corpus's order).

    Each key is known by its name as its first quote writes it, as if the corpus had
    been built afresh from its quotes; `index` finds keys by a typo.
    """

    def __init__(self) -> None:
        self.slots: dict[str, list[int]] = {}  # key -> slots, ascending
        self.names: dict[str, str] = {}  # key -> the name its first quote gives it
        self.index = NameIndex(())

    def add(self, key: str, slot: int, name: str) -> bool:
        """File `slot` under `key`, written `name` there; True if the key is new."""
        slots = self.slots.get(key)
        if slots is None:
            self.slots[key], self.names[key] = [slot], name
            self.index.add(key)
            return True
        if slots[-1] < slot:  # the usual case: a quote added comes after the others
            slots.append(slot)
            return False
        at = bisect.bisect_left(slots, slot)
        if at < len(slots) and slots[at] == slot:
            return False
        slots.insert(at, slot)
        if at == 0:
            self.names[key] = name
        return False

    def rename(self, key: str, slot: int, name: str) -> None:
        """The quote at `slot`, still under `key`, now writes it `name`."""
        if self.slots[key][0] == slot:
            self.names[key] = name

    def discard(self, key: str, slot: int, name_of: Callable[[int], str]) -> bool:
        """Take `slot` out of `key`; True if that leaves the key with no quote.

        `name_of(slot)` is the key's name as the quote at `slot` writes it: the key takes
        its next quote's name when its first one leaves.
        """
        slots = self.slots.get(key)
        if slots is None:
            return False
        at = bisect.bisect_left(slots, slot)
        if at == len(slots) or slots[at] != slot:
            return False
        del slots[at]
        if not slots:
            del self.slots[key], self.names[key]
            self.index.discard(key)
            return True
        if at == 0:
            self.names[key] = name_of(slots[0])
        return False
