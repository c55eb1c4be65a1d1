"""Mortality: who dies this month."""

import numpy as np
from numba import prange

from agents.ageing import age_years
from agents.jit import parallel_kernel
from agents.rng import uniform_one

DEATH_BLOCK = 4096      # rows per block of decide_deaths: its draws stay in the core's cache


@parallel_kernel
def decide_deaths(alive, age_months, sex, key, p_death_month, seed_stream, month, dies):
    """Each living person dies with p_death_month[age_year, sex] (the last age open-ended),
    drawing ``uniform_one(seed_stream, key, month, 0)``: ``dies[i]`` = 1 if so, else 0
    (agents/rows.py lists them).

    The rows are taken in blocks: a block's draws are made first, in SIMD lanes; the rows whose
    draw lies below the table's largest entry (a few in a hundred; no other row can die) are listed
    without a branch, and the table is looked up for them alone (a table lookup keeps a loop out of
    SIMD lanes)."""
    n_ages = p_death_month.shape[0]
    p_max = p_death_month.max()
    n = alive.shape[0]
    for b in prange((n + DEATH_BLOCK - 1) // DEATH_BLOCK):
        lo = b * DEATH_BLOCK
        hi = min(lo + DEATH_BLOCK, n)
        keys = key[lo:hi]
        d = dies[lo:hi]
        u = np.empty(hi - lo)
        near = np.empty(hi - lo, np.int64)
        for j in range(keys.shape[0]):
            u[j] = uniform_one(seed_stream, keys[j], month, 0)
        k = 0
        for j in range(keys.shape[0]):
            d[j] = 0
            near[k] = j         # kept only if the draw is below p_max: the next row overwrites it otherwise
            k += u[j] < p_max
        for r in range(k):
            j = near[r]
            i = lo + j
            d[j] = alive[i] and u[j] < p_death_month[min(age_years(age_months[i]), n_ages - 1), sex[i]]
