"""Individual income tax on wages: China's comprehensive-income schedule.

Annual taxable income = max(0, 12 × gross × (1 − social_rate) − basic deduction
− 12 × child deductions); tax is progressive over the brackets below. Brackets,
rates and the basic deduction are the law's and live here once; the kernel takes
them as arguments so that tests and scenarios may pass others.
"""

import numpy as np

from agents.jit import kernel

# PRC Individual Income Tax Law (2018 amendment, in force 2019-01-01), art. 6 and its
# schedule (个人所得税税率表一, comprehensive income, annual): upper bound of each
# bracket in yuan of taxable income per year ("not exceeding"), the last one open,
# and the rate on the part of income inside the bracket.
BRACKET_UPPER = np.array([36_000.0, 144_000.0, 300_000.0, 420_000.0, 660_000.0, 960_000.0, np.inf])
BRACKET_RATE = np.array([0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.45])
# Same law, art. 6: basic deduction (基本减除费用) of 60,000 yuan per year.
BASIC_DEDUCTION_ANNUAL = 60_000.0
for _a in (BRACKET_UPPER, BRACKET_RATE):
    _a.flags.writeable = False


@kernel
def income_tax_monthly(gross_monthly, social_rate, child_deduction_monthly,
                       bracket_upper, bracket_rate, basic_deduction_annual):
    """Gross monthly wage and child deduction claimed (yuan per month, per person),
    employee social-insurance share, the schedule → (tax per month, marginal rate).

    The marginal rate is the rate of the bracket the annual taxable income falls in
    (a bracket includes its upper bound), 0 when taxable income is 0. The last upper
    bound must be infinite.
    """
    n = gross_monthly.shape[0]
    n_brackets = bracket_upper.shape[0]
    tax = np.zeros(n)
    marginal = np.zeros(n)
    for i in range(n):
        taxable = (12.0 * gross_monthly[i] * (1.0 - social_rate) - basic_deduction_annual
                   - 12.0 * child_deduction_monthly[i])
        if taxable <= 0.0:
            continue
        annual = 0.0
        lower = 0.0
        for k in range(n_brackets):
            upper = bracket_upper[k]
            if taxable <= upper:
                annual += (taxable - lower) * bracket_rate[k]
                marginal[i] = bracket_rate[k]
                break
            annual += (upper - lower) * bracket_rate[k]
            lower = upper
        tax[i] = annual / 12.0
    return tax, marginal
