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
