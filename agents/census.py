"""Counting kernels for the indicators and the nursery capacity: living persons by
single-year age and sex, and by district.

Rows are split into a fixed number of chunks that depends only on the number of rows,
each chunk counted on its own (in parallel) and the integer counts added up, so the
result does not depend on the number of threads.
"""

import numpy as np
from numba import prange

from agents.jit import kernel, parallel_kernel

_CHUNK_ROWS = 1 << 18


@kernel
def _chunks(n):
    return max(1, min(256, n // _CHUNK_ROWS))


@parallel_kernel
def count_by_age_sex(alive, age_months, sex, n_ages):
    """→ int64 (n_ages, 2) living persons; the last age is open-ended."""
    n = alive.shape[0]
    n_chunks = _chunks(n)
    parts = np.zeros((n_chunks, n_ages, 2), np.int64)
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if alive[i]:
                parts[c, min(age_months[i] // 12, n_ages - 1), sex[i]] += 1
    out = np.zeros((n_ages, 2), np.int64)
    for c in range(n_chunks):
        out += parts[c]
    return out


@parallel_kernel
def count_by_district(alive, age_months, district, n_districts, young_months):
    """→ (living persons, living persons younger than ``young_months``), int64 (n_districts,) each."""
    n = alive.shape[0]
    n_chunks = _chunks(n)
    parts = np.zeros((n_chunks, 2, n_districts), np.int64)
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if alive[i]:
                d = district[i]
                parts[c, 0, d] += 1
                if age_months[i] < young_months:
                    parts[c, 1, d] += 1
    residents = np.zeros(n_districts, np.int64)
    young = np.zeros(n_districts, np.int64)
    for c in range(n_chunks):
        residents += parts[c, 0]
        young += parts[c, 1]
    return residents, young


@parallel_kernel
def count_census(alive, age_months, sex, district, n_ages, n_districts, young_months):
    """One pass → (living persons by age year and sex (n_ages, 2), by district (n_districts,),
    younger than ``young_months`` by district (n_districts,)), int64: ``count_by_age_sex`` and
    ``count_by_district`` together."""
    n = alive.shape[0]
    n_chunks = _chunks(n)
    by_age = np.zeros((n_chunks, n_ages, 2), np.int64)
    by_district = np.zeros((n_chunks, 2, n_districts), np.int64)
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if alive[i]:
                age = age_months[i]
                by_age[c, min(age // 12, n_ages - 1), sex[i]] += 1
                d = district[i]
                by_district[c, 0, d] += 1
                if age < young_months:
                    by_district[c, 1, d] += 1
    age_sex = np.zeros((n_ages, 2), np.int64)
    residents = np.zeros(n_districts, np.int64)
    young = np.zeros(n_districts, np.int64)
    for c in range(n_chunks):
        age_sex += by_age[c]
        residents += by_district[c, 0]
        young += by_district[c, 1]
    return age_sex, residents, young
