"""Migration: which households leave the region this month, and their members.

Immigrants are new rows, created by the orchestration in ``sim/``.
"""

from numba import prange

from agents.jit import parallel_kernel
from agents.rng import uniform_one
from agents.rows import has_bit


@parallel_kernel
def decide_household_emigration(n_members, nonlocal_, hid, p_leave_nonlocal, p_leave_local, seed_stream, month, leaves):
    """Per household with members: leaves with p_leave_nonlocal or p_leave_local by its hukou,
    drawing ``uniform_one(seed_stream, hid[h], month, 0)`` (stream key = ``hid``).
    Writes ``leaves[h]`` (bool) for every household, without a branch."""
    for h in prange(n_members.shape[0]):
        p = p_leave_nonlocal if nonlocal_[h] else p_leave_local
        leaves[h] = (n_members[h] > 0) & (uniform_one(seed_stream, hid[h], month, 0) < p)


@parallel_kernel
def members_of(alive, household, flagged_bits, mask):
    """``mask[i]`` = 1 for living persons whose household's bit is set in ``flagged_bits``
    (agents/rows.py ``as_bits``), else 0."""
    for i in prange(alive.shape[0]):
        h = household[i]
        mask[i] = 1 if alive[i] & has_bit(flagged_bits, h) else 0
