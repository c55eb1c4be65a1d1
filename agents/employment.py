"""Employment: job-protected leave, who works this month, wages.

The month's order (DESIGN §3.3 step 6): ``count_down_leave`` first, so that a mother
whose leave ends this month faces the employment rules already this month; then
``decide_employment``; then ``grow_wages``; ``apply_motherhood_penalty`` for the
month's new mothers.
"""

import numpy as np

from numba import prange

from agents.ageing import age_years
from agents.jit import kernel, parallel_kernel
from agents.rng import uniform_one
from agents.state import FEMALE


@parallel_kernel
def count_down_leave(alive, leave_months_left):
    """In place: −1 month of leave for living persons on leave (a dead person's leave is
    cleared) → number whose leave ended this month (the last month was used up). Branch-free."""
    ended = 0
    for i in prange(alive.shape[0]):
        left = leave_months_left[i]
        on_leave = left > 0
        living = alive[i]
        leave_months_left[i] = (left - 1 if living else 0) if on_leave else left
        ended += 1 if on_leave & living & (left == 1) else 0
    return ended


@parallel_kernel
def decide_employment(alive, sex, age_months, employed, leave_months_left, months_since_last_birth, key,
                      retirement_age_months, min_working_age_months,
                      p_exit, p_hire, hire_penalty_young_women, young_women_age_range,
                      care_needs_mother, p_return_school, seed_stream, month):
    """Who works this month: ``employed`` is updated in place. The first rule that applies decides:

    1. dead persons do not work;
    2. persons at or past the retirement age of their sex (``retirement_age_months[sex]``,
       months) stop working and are not hired;
    3. persons on leave (``leave_months_left > 0``) keep their job (or their
       non-employment) unchanged;
    4. mothers whose child under 3 is cared for by themselves (``care_needs_mother``)
       do not work;
    5. employed persons leave their job with probability ``p_exit`` per month;
    6. non-employed persons aged ``min_working_age_months`` or more are hired with
       probability ``p_hire`` per month, or ``p_return_school`` for women whose youngest
       child is 3 or older (``months_since_last_birth`` ≥ 36: the child has left mother care
       for kindergarten or school); either is multiplied by (1 − ``hire_penalty_young_women``)
       for women whose age in months lies in [young_women_age_range[0],
       young_women_age_range[1]) — employers' reluctance to hire women who may take leave.

    Rules 5 and 6 draw ``uniform_one(seed_stream, key, month, 0)`` (one draw a person). The draw is
    made for every row and the rules are combined with ``&``, ``|``, ``~`` on booleans and float or
    integer selects, without a branch or a boolean ``x if c else y``, so that the loop runs in SIMD
    lanes (benchmarks/README.md items 18 and 21: a boolean select kept AVX2 targets scalar).
    """
    r_male, r_female = retirement_age_months[0], retirement_age_months[1]
    young_lo, young_hi = young_women_age_range[0], young_women_age_range[1]
    p_young = p_hire * (1.0 - hire_penalty_young_women)
    p_school_young = p_return_school * (1.0 - hire_penalty_young_women)
    for i in prange(alive.shape[0]):
        age = age_months[i]
        woman = sex[i] == FEMALE
        was = employed[i]
        u = uniform_one(seed_stream, key[i], month, 0)
        school = woman & (months_since_last_birth[i] >= 36)
        young = woman & (young_lo <= age) & (age < young_hi)
        p = (p_school_young if young else p_return_school) if school else (p_young if young else p_hire)
        decided = (was & (u >= p_exit)) | (~was & (age >= min_working_age_months) & (u < p))   # rules 5, 6
        on_leave = leave_months_left[i] > 0
        now = (on_leave & was) | (~on_leave & ~care_needs_mother[i] & decided)                  # rules 3, 4
        employed[i] = now & alive[i] & (age < (r_female if woman else r_male))                  # rules 1, 2


@kernel
def monthly_growth_factors(annual_growth_by_age):
    """Annual growth rates by age year → the monthly factors (1 + rate) ** (1/12)."""
    out = np.empty(annual_growth_by_age.shape[0])
    for a in range(annual_growth_by_age.shape[0]):
        out[a] = (1.0 + annual_growth_by_age[a]) ** (1.0 / 12.0)
    return out


@parallel_kernel
def grow_wages(alive, age_months, wage, monthly_factor_by_age):
    """In place: wage × monthly_factor_by_age[age_year] (``monthly_growth_factors``) for each
    person where ``alive`` (pass ``alive & employed`` to grow only the wages of those at work).
    Ages past the table's last year use its last entry."""
    n_ages = monthly_factor_by_age.shape[0]
    for i in prange(alive.shape[0]):
        if alive[i]:
            a = min(age_years(age_months[i]), n_ages - 1)
            wage[i] = wage[i] * monthly_factor_by_age[a]


@kernel
def apply_motherhood_penalty(wage, mothers_idx, penalty_per_child):
    """In place: wage × (1 − penalty_per_child) for each index in ``mothers_idx``
    (the month's new mothers); an index listed twice (twins) is penalised twice."""
    for j in range(mothers_idx.shape[0]):
        i = mothers_idx[j]
        wage[i] = wage[i] * (1.0 - penalty_per_child)
