"""Counting kernels for the indicators and the nursery capacity: living persons by single-year
age and sex, by district, and younger than a given age by district, in one pass
(``count_census``); women at work in two age ranges (``count_women_at_work``).

Rows are split into a fixed number of chunks that depends only on the number of rows,
each chunk counted on its own (in parallel) and the integer counts added up, so the
result does not depend on the number of threads. Each chunk counts by age in months (a
division by 12 per row costs more than the count) and the months are folded into years
at the end.
"""

import numpy as np
from numba import prange

from agents.ageing import age_years
from agents.jit import kernel, parallel_kernel

_CHUNK_ROWS = 1 << 18


@kernel
def _chunks(n):
    return max(1, min(256, n // _CHUNK_ROWS))


@parallel_kernel
def count_census(alive, age_months, sex, district, n_ages, n_districts, young_months):
    """One pass → (living persons by age year and sex (n_ages, 2), the last age open-ended; by
    district (n_districts,); younger than ``young_months`` by district (n_districts,)), int64."""
    n = alive.shape[0]
    n_chunks = _chunks(n)
    last = (n_ages - 1) * 12                       # from this age in months on: the last age
    districts_at = 2 * (last + 1)                  # per chunk: (age month, sex), then (district, young)
    width = districts_at + 2 * n_districts
    parts = np.zeros((n_chunks, width), np.int64)
    for c in prange(n_chunks):
        # a chunk counts into its own int32 array, over slices from 0 and without a branch: 40 % faster
        # than counting into a row of ``parts`` (benchmarks/README.md item 21)
        lo, hi = c * n // n_chunks, (c + 1) * n // n_chunks
        living, ages, sexes, districts = alive[lo:hi], age_months[lo:hi], sex[lo:hi], district[lo:hi]
        counts = np.zeros(width, np.int32)
        for i in range(hi - lo):
            age = np.int64(ages[i])
            counts[2 * min(age, last) + sexes[i]] += living[i]
            counts[districts_at + 2 * np.int64(districts[i]) + (age < young_months)] += living[i]
        for k in range(width):
            parts[c, k] = counts[k]
    total = parts[0].copy()
    for c in range(1, n_chunks):
        total += parts[c]
    age_sex = np.zeros((n_ages, 2), np.int64)
    for m in range(last + 1):
        a = min(m // 12, n_ages - 1)
        age_sex[a, 0] += total[2 * m]
        age_sex[a, 1] += total[2 * m + 1]
    residents = np.zeros(n_districts, np.int64)
    young = np.zeros(n_districts, np.int64)
    for d in range(n_districts):
        young[d] = total[districts_at + 2 * d + 1]
        residents[d] = total[districts_at + 2 * d] + young[d]
    return age_sex, residents, young


@parallel_kernel
def count_women_at_work(alive, sex, age_months, employed, female, ranges):
    """ranges (k, 2) of age years [lo, hi] → int64 (k, 2): living women of each range, and those of
    them employed (``female`` is the sex code of women)."""
    n = alive.shape[0]
    n_chunks = _chunks(n)
    k = ranges.shape[0]
    parts = np.zeros((n_chunks, k, 2), np.int64)
    for c in prange(n_chunks):
        for i in range(c * n // n_chunks, (c + 1) * n // n_chunks):
            if alive[i] and sex[i] == female:
                a = age_years(age_months[i])
                for r in range(k):
                    if ranges[r, 0] <= a and a <= ranges[r, 1]:
                        parts[c, r, 0] += 1
                        parts[c, r, 1] += 1 if employed[i] else 0
    out = np.zeros((k, 2), np.int64)
    for c in range(n_chunks):
        out += parts[c]
    return out


@kernel
def count_mothers_at_work(alive, age_months, mother, employed, young_months, marked):
    """Living mothers of a living child younger than ``young_months``, each counted once, and those
    of them employed → (mothers, employed mothers). ``marked`` is a work array of one byte a row
    (overwritten): the mothers are marked in it instead of listed and made unique (``np.unique``
    over the children's mothers hashed them, 0.2 s at full scale)."""
    n = alive.shape[0]
    for i in range(n):
        marked[i] = 0
    for i in range(n):
        m = mother[i]
        if alive[i] and age_months[i] < young_months and m >= 0:
            marked[m] = 1
    mothers = 0
    at_work = 0
    for i in range(n):
        counted = marked[i] & alive[i]
        mothers += counted
        at_work += counted & (employed[i] != 0)
    return mothers, at_work
