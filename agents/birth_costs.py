"""The economic terms of the birth decision, per woman (sim/economy.py ``birth_terms``).

For a further child of woman i (its birth order o = min(parity + 1, 3)), relative to her
household's income (at least ``income_floor``):

* net cost: the monthly cost of a child less the support per month over its 18 years
  (childcare subsidy × 36 months, child allowance × 216, birth grant, each by birth order
  and eligibility, / 216; the household's marginal tax rate × the deductions' support;
  the education cost reduction; the housing subsidy from the second child), at least 0;
* lost income: the mother's net wage × the months at home per month of the child's 18 years;
* nursery access: places per child under 3 in her district;
* space: the rent of the extra space a child needs, discounted for public tenants (and for
  private renters whose 2nd+ child would qualify under the multi-child priority).

The arithmetic is numpy's for the same expressions, operation by operation (household income
and wages are float32; the lost wage is a float32 product), so the values are identical.
"""

import numpy as np
from numba import prange

from agents.jit import parallel_kernel
from agents.state import HUKOU_LOCAL, TENURE_PRIVATE_RENT, TENURE_PUBLIC_PRIORITY, TENURE_PUBLIC_RENTAL

UNDER3_MONTHS = 36
CHILD_MONTHS = 18 * 12


@parallel_kernel
def birth_cost_terms(women, household, parity, hukou, wage, district,
                     household_income, tenure, marginal_rate_h, income_floor32,
                     subsidy_under3, subsidy_local_only, allowance_child, allowance_local_only,
                     birth_grant, grant_local_only, deduction_support, education_support,
                     housing_subsidy, housing_local_only, priority_rental, priority_local_only,
                     space_full, space_public, child_cost_month, net_wage_share32, home_months,
                     access_by_district):
    """Women (rows) and the month's levers → (net cost / income, lost income / income, nursery
    access, space cost / income), float64 each. ``deduction_support`` = deduction_infant × 36 +
    deduction_education × 180 (yuan over a child's 18 years per unit marginal rate);
    ``education_support`` = the education cost reduction per month; ``marginal_rate_h`` covers the
    households that existed at the last income phase (later ones: 0); ``income_floor32`` and
    ``net_wage_share32`` are float32. Each woman's terms are her own: the loop runs in parallel."""
    n = women.shape[0]
    cost = np.empty(n)
    lost = np.empty(n)
    access = np.empty(n)
    space = np.empty(n)
    n_marginal = marginal_rate_h.shape[0]
    for j in prange(n):
        i = women[j]
        h = household[i]
        income = max(household_income[h], income_floor32)
        o = min(max(np.int64(parity[i]) + 1, 1), 3)
        local = hukou[i] == HUKOU_LOCAL
        a = subsidy_under3[o - 1] * UNDER3_MONTHS
        a = a if local or not subsidy_local_only else a * 0.0
        b = allowance_child[o - 1] * CHILD_MONTHS
        b = b if local or not allowance_local_only else b * 0.0
        c = birth_grant[o - 1]
        c = c if local or not grant_local_only else c * 0.0
        support = (a + b + c) / CHILD_MONTHS
        marginal = marginal_rate_h[h] if h < n_marginal else 0.0
        support += marginal * deduction_support / CHILD_MONTHS
        support += education_support
        housing = 0.0
        if o >= 2:
            housing = housing_subsidy if local or not housing_local_only else housing_subsidy * 0.0
        support += housing
        cost[j] = max(child_cost_month - support, 0.0) / income
        t = tenure[h]
        public = t == TENURE_PUBLIC_RENTAL or t == TENURE_PUBLIC_PRIORITY
        if priority_rental and t == TENURE_PRIVATE_RENT and o >= 2 and (local or not priority_local_only):
            public = True
        space[j] = (space_public if public else space_full) / income
        lost[j] = np.float64(wage[i] * net_wage_share32) * home_months / CHILD_MONTHS / income
        access[j] = access_by_district[district[i]]
    return cost, lost, access, space
