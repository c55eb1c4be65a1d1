"""Rows of a mask: the compaction step after a parallel decision kernel.

A parallel kernel writes one byte per row (0 = nothing happens, 1, 2, ... = what happens);
these serial kernels list the rows of each value in row order, skipping eight zero bytes
at a time, so a mask where few rows are marked costs little more than reading it.
"""

import numpy as np

from agents.jit import kernel


@kernel
def rows_where(mask, out):
    """uint8 mask → rows where mask != 0, in order, into ``out`` → their number."""
    n = mask.shape[0]
    words = mask[: n - n % 8].view(np.uint64)
    k = 0
    for w in range(words.shape[0]):
        if words[w] != 0:
            for i in range(8 * w, 8 * w + 8):
                if mask[i] != 0:
                    out[k] = i
                    k += 1
    for i in range(n - n % 8, n):
        if mask[i] != 0:
            out[k] = i
            k += 1
    return k


@kernel
def rows_where_2(mask, out1, out2):
    """uint8 mask of values 0, 1, 2 → (rows where 1, rows where 2), each in order, into
    ``out1`` and ``out2`` → (their numbers)."""
    n = mask.shape[0]
    words = mask[: n - n % 8].view(np.uint64)
    k1 = 0
    k2 = 0
    for w in range(words.shape[0] + 1):
        if w < words.shape[0]:
            if words[w] == 0:
                continue
            lo, hi = 8 * w, 8 * w + 8
        else:
            lo, hi = n - n % 8, n
        for i in range(lo, hi):
            v = mask[i]
            if v == 1:
                out1[k1] = i
                k1 += 1
            elif v == 2:
                out2[k2] = i
                k2 += 1
    return k1, k2
