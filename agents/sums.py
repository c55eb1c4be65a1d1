"""Sums whose result does not depend on the order of their terms.

Household incomes and fiscal totals are sums over persons (or households) in whatever order
the rows happen to be: the rows are regrouped by household at each compaction
(sim/population.py), so a float sum in row order would change in its last bits when they
move. Each term is therefore rounded to a whole number of 2**-16 yuan (``to_fixed``: a
float64 holding an integer) and the integers are added; below 2**53 such sums are exact,
so any order gives the same bytes. The rounding moves a term by at most 2**-17 yuan
(7.6e-6 yuan), far below the float32 resolution of a household's monthly income.
"""

import numpy as np

from agents.jit import kernel

FIXED_PER_YUAN = 65536.0        # 2**16 units a yuan


@kernel
def to_fixed(yuan):
    """yuan (float64) → the nearest whole number of 2**-16 yuan, as a float64 (exact below 2**53)."""
    return np.floor(yuan * FIXED_PER_YUAN + 0.5)


@kernel
def fixed_sum(val, m):
    """The sum of val[:m] term by term rounded to 2**-16 yuan (``to_fixed``) → yuan; the same for
    any order of the terms (integers added in an int64)."""
    total = np.int64(0)
    for j in range(m):
        total += np.int64(to_fixed(val[j]))
    return total / FIXED_PER_YUAN


def fixed_total(values) -> float:
    """``fixed_sum`` of a whole array (any shape), as a Python float."""
    flat = np.ascontiguousarray(values, dtype=np.float64).ravel()
    return float(fixed_sum(flat, flat.shape[0]))
