"""Work arrays kept from one month to the next.

At full scale a fresh array of every person is some 22 million elements: numpy maps it
from the kernel and the kernel zero-fills every page on first touch, then it is unmapped
when freed, so a month of fresh temporaries spends seconds in page faults. A ``Scratch``
hands out the same memory every month instead: ``scratch.get("top", n, np.int32, fill=-1)``
is a view of the first n elements of a buffer named "top" that is allocated once (and
regrown by 1.25× if n outgrows it). The contents are whatever the last user left (zeros
in a new buffer) unless ``fill`` is given, so a buffer of flags that every user clears
again after use stays clear without a fill. A view is valid until the next ``get`` of the
same name.
"""

from __future__ import annotations

import numpy as np

_GROWTH = 1.25


class Scratch:
    def __init__(self):
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, n: int, dtype, fill=None) -> np.ndarray:
        buf = self._buffers.get(name)
        if buf is None or buf.dtype != np.dtype(dtype) or len(buf) < n:
            buf = np.zeros(int(n * _GROWTH) + 16, dtype)
            self._buffers[name] = buf
        out = buf[:n]
        if fill is not None:
            out.fill(fill)
        return out

    def nbytes(self) -> int:
        return sum(b.nbytes for b in self._buffers.values())
