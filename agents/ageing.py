"""Ageing: every living person gets one month older."""

import numpy as np
from numba import prange

from agents.jit import kernel, parallel_kernel
from agents.state import FEMALE, NO_CHILD

MAX_AGE_MONTHS = 32767      # the largest age ``age_months`` (int16) holds


@kernel
def age_years(age_months):
    """Completed years of an age in months, 0..MAX_AGE_MONTHS: age_months // 12 as a multiply and a
    shift (exact on that range: 43691 / 2**19 is 1/12 to within 2**-21), which runs in SIMD lanes;
    numba's floor division of a signed integer does not."""
    return (np.int32(age_months) * np.int32(43691)) >> np.int32(19)


@parallel_kernel
def age_one_month(alive, age_months, months_since_last_birth, sex, parity, tally_age_months):
    """In place: +1 month of age, and of time since the last birth where there is one
    → (number of living women who reach ``tally_age_months`` this month, their parities summed).
    Branch-free (every row written, with integer arithmetic for the selects, each row read before
    it is written), so the loop runs in SIMD lanes (benchmarks/README.md item 21)."""
    n_women = 0
    parity_sum = 0
    for i in prange(alive.shape[0]):
        living = alive[i]
        age = age_months[i]
        since = months_since_last_birth[i]
        woman = sex[i] == FEMALE
        children = parity[i]
        age = age + np.int16(living)
        age_months[i] = age
        months_since_last_birth[i] = since + np.int16(living & (since != NO_CHILD))
        turning = living & (age == tally_age_months) & woman
        n_women += np.int64(turning)
        parity_sum += np.int64(children) * turning
    return n_women, parity_sum
