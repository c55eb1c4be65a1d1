"""Migration: which households leave the region this month, and their members.

Immigrants are new rows, created by the orchestration in ``sim/``.
"""

import numpy as np
from numba import prange

from agents.jit import kernel, parallel_kernel
from agents.rng import uniform_one


@parallel_kernel
def decide_household_emigration(n_members, nonlocal_, hid, p_leave_nonlocal, p_leave_local, seed_stream, month, leaves):
    """Per household with members: leaves with p_leave_nonlocal or p_leave_local by its hukou,
    drawing ``uniform_one(seed_stream, hid[h], month, 0)`` (stream key = ``hid``).
    Writes ``leaves[h]`` (bool) for every household, without a branch."""
    for h in prange(n_members.shape[0]):
        p = p_leave_nonlocal if nonlocal_[h] else p_leave_local
        leaves[h] = (n_members[h] > 0) & (uniform_one(seed_stream, hid[h], month, 0) < p)


@kernel
def as_bits(flags, bits):
    """bool (n,) → ``bits`` (ceil(n/64),) uint64, bit i%64 of word i//64 set where flags[i]
    (a household flag in an eighth of the bytes, so lookups by household stay in cache)
    → number of flags set."""
    n = flags.shape[0]
    k = 0
    for w in range(bits.shape[0]):
        word = np.uint64(0)
        for b in range(min(64, n - 64 * w)):
            if flags[64 * w + b]:
                word |= np.uint64(1) << np.uint64(b)
                k += 1
        bits[w] = word
    return k


@parallel_kernel
def members_of(alive, household, flagged_bits, mask):
    """``mask[i]`` = 1 for living persons whose household's bit is set in ``flagged_bits``
    (``as_bits``), else 0."""
    for i in prange(alive.shape[0]):
        h = household[i]
        mask[i] = 1 if alive[i] & (((flagged_bits[h >> 6] >> np.uint64(h & 63)) & np.uint64(1)) != 0) else 0
