"""Counting kernel for the indicators: living persons by single-year age and sex."""

import numpy as np

from agents.jit import kernel


@kernel
def count_by_age_sex(alive, age_months, sex, n_ages):
    """→ int64 (n_ages, 2) living persons; the last age is open-ended."""
    out = np.zeros((n_ages, 2), np.int64)
    for i in range(alive.shape[0]):
        if alive[i]:
            out[min(age_months[i] // 12, n_ages - 1), sex[i]] += 1
    return out


@kernel
def top_earner_by_household(alive, household, gross, n_households):
    """→ int64 (n_households,): the living member with the highest gross income
    (the first such row on ties), −1 for a household with no living member."""
    top = np.full(n_households, -1, np.int64)
    for i in range(alive.shape[0]):
        if alive[i]:
            h = household[i]
            j = top[h]
            if j < 0 or gross[i] > gross[j]:
                top[h] = i
    return top
