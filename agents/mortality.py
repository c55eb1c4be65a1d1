"""Mortality: who dies this month."""

from numba import prange

from agents.ageing import age_years
from agents.jit import parallel_kernel
from agents.rng import uniform_one


@parallel_kernel
def decide_deaths(alive, age_months, sex, key, p_death_month, seed_stream, month, dies, p_row):
    """Each living person dies with p_death_month[age_year, sex] (the last age open-ended),
    drawing ``uniform_one(seed_stream, key, month, 0)``: ``dies[i]`` = 1 if so, else 0
    (agents/rows.py lists them). ``p_row`` (float64, a row each) is work space: the table is
    looked up in one loop, the draws made in another without a branch (in SIMD lanes)."""
    n_ages = p_death_month.shape[0]
    for i in prange(alive.shape[0]):
        p_row[i] = p_death_month[min(age_years(age_months[i]), n_ages - 1), sex[i]]
    for i in prange(alive.shape[0]):
        dies[i] = 1 if alive[i] & (uniform_one(seed_stream, key[i], month, 0) < p_row[i]) else 0
