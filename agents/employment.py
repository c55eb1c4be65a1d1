"""Employment: job-protected leave, who works this month, wages.

The month's order (DESIGN §3.3 step 6): ``count_down_leave`` first, so that a mother
whose leave ends this month faces the employment rules already this month; then
``decide_employment``; then ``grow_wages``; ``apply_motherhood_penalty`` for the
month's new mothers.
"""

import numpy as np

from agents.jit import kernel
from agents.state import FEMALE


@kernel
def count_down_leave(alive, leave_months_left):
    """In place: −1 month of leave for living persons on leave (a dead person's leave is
    cleared) → bool leave_ended_this_month (true where the last month was used up)."""
    ended = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if leave_months_left[i] > 0:
            if not alive[i]:
                leave_months_left[i] = 0
                continue
            leave_months_left[i] -= 1
            ended[i] = leave_months_left[i] == 0
    return ended


@kernel
def decide_employment(alive, sex, age_months, employed, leave_months_left,
                      retirement_age_months, min_working_age_months,
                      p_exit, p_hire, hire_penalty_young_women, young_women_age_range,
                      care_needs_mother, mother_youngest_3plus, p_return_school, u):
    """Who works this month → new bool employed. The first rule that applies decides:

    1. dead persons do not work;
    2. persons at or past the retirement age of their sex (``retirement_age_months[sex]``,
       months) stop working and are not hired;
    3. persons on leave (``leave_months_left > 0``) keep their job (or their
       non-employment) unchanged;
    4. mothers whose child under 3 is cared for by themselves (``care_needs_mother``)
       do not work;
    5. employed persons leave their job with probability ``p_exit`` per month;
    6. non-employed persons aged ``min_working_age_months`` or more are hired with
       probability ``p_hire`` per month, or ``p_return_school`` for mothers whose
       youngest child is 3 or older (``mother_youngest_3plus``: the child has left
       mother care for kindergarten or school); either is multiplied by
       (1 − ``hire_penalty_young_women``) for women whose age in months lies in
       [young_women_age_range[0], young_women_age_range[1]) — employers' reluctance
       to hire women who may take leave.

    One uniform ``u`` per person; rules 5 and 6 are disjoint, so each person uses it once.
    """
    n = alive.shape[0]
    new_employed = np.zeros(n, np.bool_)
    for i in range(n):
        if not alive[i]:
            continue
        age = age_months[i]
        if age >= retirement_age_months[sex[i]]:
            continue
        if leave_months_left[i] > 0:
            new_employed[i] = employed[i]
            continue
        if care_needs_mother[i]:
            continue
        if employed[i]:
            new_employed[i] = not (u[i] < p_exit)
            continue
        if age < min_working_age_months:
            continue
        p = p_return_school if mother_youngest_3plus[i] else p_hire
        if sex[i] == FEMALE and young_women_age_range[0] <= age < young_women_age_range[1]:
            p *= 1.0 - hire_penalty_young_women
        new_employed[i] = u[i] < p
    return new_employed


@kernel
def grow_wages(alive, age_months, wage, annual_growth_by_age):
    """In place: wage × (1 + annual_growth_by_age[age_year]) ** (1/12) for each person
    where ``alive`` (pass ``alive & employed`` to grow only the wages of those at work).
    Ages past the table's last year use its last entry."""
    n_ages = annual_growth_by_age.shape[0]
    for i in range(alive.shape[0]):
        if alive[i]:
            a = min(age_months[i] // 12, n_ages - 1)
            wage[i] = wage[i] * (1.0 + annual_growth_by_age[a]) ** (1.0 / 12.0)


@kernel
def apply_motherhood_penalty(wage, mothers_idx, penalty_per_child):
    """In place: wage × (1 − penalty_per_child) for each index in ``mothers_idx``
    (the month's new mothers); an index listed twice (twins) is penalised twice."""
    for j in range(mothers_idx.shape[0]):
        i = mothers_idx[j]
        wage[i] = wage[i] * (1.0 - penalty_per_child)
