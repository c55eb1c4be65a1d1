"""The population container: person and household arrays (declared in agents/state.py)
with room to grow. Row index = id. The rows of the dead and emigrated stay (alive=False)
until ``compact`` drops them, groups the persons by household and renumbers the links
(partner, mother, household); no result depends on the order of person rows (agents/compaction.py).
"""

from __future__ import annotations

import numpy as np

from agents.compaction import (compact_rows, gather, household_order, is_constant, new_numbers, positions, renumber_links,
                               survivors)
from agents.state import HOUSEHOLD_FIELDS, PERSON_FIELDS, allocate, grow

_GROWTH = 1.25  # capacity factor when arrays are full


class Population:
    def __init__(self, n_persons: int, n_households: int):
        self._p = allocate(PERSON_FIELDS, n_persons)
        self._h = allocate(HOUSEHOLD_FIELDS, n_households)
        self.n = n_persons
        self.n_households = n_households
        self._p["pid"][:] = np.arange(n_persons, dtype=self._p["pid"].dtype)      # no int64 temporary
        self._h["hid"][:] = np.arange(n_households, dtype=self._h["hid"].dtype)
        self.n_persons_ever = n_persons          # rows ever made: the next pid
        self.n_households_ever = n_households    # the next hid
        self.compactions = 0

    # Views of the used rows. Views stay valid until the next add_*() or compact() call.
    @property
    def p(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n] for k, v in self._p.items()}

    @property
    def h(self) -> dict[str, np.ndarray]:
        return {k: v[: self.n_households] for k, v in self._h.items()}

    def person(self, name: str) -> np.ndarray:
        return self._p[name][: self.n]

    def household(self, name: str) -> np.ndarray:
        return self._h[name][: self.n_households]

    def add_persons(self, k: int) -> np.ndarray:
        """k new rows with defaults → their ids."""
        if self.n + k > len(self._p["alive"]):
            self._p = grow(self._p, PERSON_FIELDS, int((self.n + k) * _GROWTH) + 16)
        ids = np.arange(self.n, self.n + k)
        self._p["pid"][self.n: self.n + k] = np.arange(self.n_persons_ever, self.n_persons_ever + k)   # (a slice: no scatter)
        self.n += k
        self.n_persons_ever += k
        if self.n_persons_ever > np.iinfo(np.int32).max:
            raise OverflowError("more than 2**31 persons made in one run: pid is int32")
        return ids

    def add_households(self, k: int) -> np.ndarray:
        if self.n_households + k > len(self._h["district"]):
            self._h = grow(self._h, HOUSEHOLD_FIELDS, int((self.n_households + k) * _GROWTH) + 16)
        ids = np.arange(self.n_households, self.n_households + k)
        self._h["hid"][self.n_households: self.n_households + k] = np.arange(self.n_households_ever, self.n_households_ever + k)
        self.n_households += k
        self.n_households_ever += k
        if self.n_households_ever > np.iinfo(np.int32).max:
            raise OverflowError("more than 2**31 households made in one run: hid is int32")
        return ids

    def dead_share(self) -> tuple[float, float]:
        """(share of person rows not alive, share of household rows without members)."""
        p_dead = 1.0 - np.count_nonzero(self.person("alive")) / max(self.n, 1)
        h_dead = 1.0 - np.count_nonzero(self.household("n_members")) / max(self.n_households, 1)
        return p_dead, h_dead

    def compact(self, child_months: int, keep_household: np.ndarray | None = None,
                work: np.ndarray | None = None) -> np.ndarray:
        """Drop the rows of persons who are gone (not alive) unless a living child younger than
        ``child_months`` names them as mother, and of households that no kept person belongs to
        (unless ``keep_household`` says to keep them); the persons kept are grouped by household
        (row order within one), the households keep their order, links are renumbered (a mother
        whose row goes becomes NO_MOTHER). → which household rows were kept (bool, by old row), for
        callers that hold per-household arrays of their own (``agents.compaction.compact_rows``).
        ``work``: a buffer of at least 8 bytes a person row to move the fields through (the model
        passes one of its month's work arrays, whose pages are already mapped), else one is allocated."""
        p, h = self.p, self.h
        keep_p, keep_h = survivors(p["alive"], p["mother"], p["age_months"], p["household"], child_months,
                                   self.n_households, np.zeros(0, np.bool_) if keep_household is None else keep_household)
        new_household = new_numbers(keep_h)
        order = household_order(keep_p, p["household"], new_household, int(keep_h.sum()))
        renumber_links(keep_p, p["partner"], p["mother"], p["household"], positions(order, self.n), new_household)
        n_p = len(order)
        if work is None or work.nbytes < 8 * n_p:
            work = np.empty(n_p, np.uint64)
        work = work.view(np.uint8)[: 8 * n_p]
        for arr in p.values():          # moved as raw bytes through the one work buffer
            raw = arr.view(f"u{arr.itemsize}")
            if is_constant(raw):        # one value in every row (a field no one has set yet): nothing to move
                continue
            moved = work[: arr.itemsize * n_p].view(raw.dtype)
            gather(raw, order, moved)
            raw[:n_p] = moved
        n_h = 0
        for arr in h.values():
            n_h = compact_rows(arr, keep_h)
        # the freed rows get their defaults back, as add_persons / add_households expect
        for f in PERSON_FIELDS:
            self._p[f.name][n_p: self.n] = f.default
        for f in HOUSEHOLD_FIELDS:
            self._h[f.name][n_h: self.n_households] = f.default
        self.n, self.n_households = n_p, n_h
        self.compactions += 1
        return keep_h

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._p.values()) + sum(a.nbytes for a in self._h.values())
