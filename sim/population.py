"""The population container: person and household arrays (declared in agents/state.py)
with room to grow. Row index = id; rows of the dead and emigrated stay (alive=False),
so links (mother, household) never dangle.
"""

from __future__ import annotations

import numpy as np

from agents.state import HOUSEHOLD_FIELDS, PERSON_FIELDS, allocate, grow

_GROWTH = 1.25  # capacity factor when arrays are full


class Population:
    def __init__(self, n_persons: int, n_households: int):
        self._p = allocate(PERSON_FIELDS, n_persons)
        self._h = allocate(HOUSEHOLD_FIELDS, n_households)
        self.n = n_persons
        self.n_households = n_households

    # Views of the used rows. Views stay valid until the next add_*() call.
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
        self.n += k
        return ids

    def add_households(self, k: int) -> np.ndarray:
        if self.n_households + k > len(self._h["district"]):
            self._h = grow(self._h, HOUSEHOLD_FIELDS, int((self.n_households + k) * _GROWTH) + 16)
        ids = np.arange(self.n_households, self.n_households + k)
        self.n_households += k
        return ids

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self._p.values()) + sum(a.nbytes for a in self._h.values())
