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
def bracket_prefix(bracket_upper, bracket_rate):
    """Tax on all of each bracket below bracket k, summed in order: prefix[k] (annual yuan)."""
    prefix = np.zeros(bracket_upper.shape[0])
    lower = 0.0
    for k in range(bracket_upper.shape[0] - 1):
        prefix[k + 1] = prefix[k] + (bracket_upper[k] - lower) * bracket_rate[k]
        lower = bracket_upper[k]
    return prefix


@kernel
def tax_one(gross_monthly, social_rate, child_deduction_monthly, bracket_upper, bracket_rate, prefix,
            basic_deduction_annual):
    """One person's (tax per month, marginal rate): the rule of ``income_tax_monthly``;
    ``prefix`` = bracket_prefix(bracket_upper, bracket_rate). The bracket is found by counting
    the upper bounds below the taxable income (no branch per bracket), and the tax is the same
    sum, in the same order, as adding bracket by bracket."""
    taxable = (12.0 * gross_monthly * (1.0 - social_rate) - basic_deduction_annual
               - 12.0 * child_deduction_monthly)
    if taxable <= 0.0:
        return 0.0, 0.0
    k = 0
    for j in range(bracket_upper.shape[0]):
        k += taxable > bracket_upper[j]
    lower = bracket_upper[k - 1] if k > 0 else 0.0
    annual = prefix[k] + (taxable - lower) * bracket_rate[k]
    return annual / 12.0, bracket_rate[k]


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
    tax = np.zeros(n)
    marginal = np.zeros(n)
    prefix = bracket_prefix(bracket_upper, bracket_rate)
    for i in range(n):
        tax[i], marginal[i] = tax_one(gross_monthly[i], social_rate, child_deduction_monthly[i],
                                      bracket_upper, bracket_rate, prefix, basic_deduction_annual)
    return tax, marginal


@kernel
def schedule_7(bracket_upper, bracket_rate):
    """The law's seven-bracket schedule as one array of 19 for ``tax_7``: the six finite upper
    bounds, the seven rates, the prefix sums of brackets 1..6."""
    p = bracket_prefix(bracket_upper, bracket_rate)
    s = np.empty(19)
    s[0:6] = bracket_upper[0:6]
    s[6:13] = bracket_rate[0:7]
    s[13:19] = p[1:7]
    return s


@kernel
def tax_7(taxable, s):
    """(tax per month, marginal rate) of an annual taxable income under the seven-bracket schedule
    ``s`` = schedule_7(...) (an array, or the same 19 numbers as a tuple): the numbers of
    ``tax_one``, with every choice a select (no branch), so that a loop calling it runs in SIMD lanes."""
    c0, c1, c2, c3, c4, c5 = taxable > s[0], taxable > s[1], taxable > s[2], taxable > s[3], taxable > s[4], taxable > s[5]
    rate = s[12] if c5 else (s[11] if c4 else (s[10] if c3 else (s[9] if c2 else (s[8] if c1 else (s[7] if c0 else s[6])))))
    base = s[18] if c5 else (s[17] if c4 else (s[16] if c3 else (s[15] if c2 else (s[14] if c1 else (s[13] if c0 else 0.0)))))
    lower = s[5] if c5 else (s[4] if c4 else (s[3] if c3 else (s[2] if c2 else (s[1] if c1 else (s[0] if c0 else 0.0)))))
    positive = taxable > 0.0
    tax = (base + (taxable - lower) * rate) / 12.0 if positive else 0.0
    return tax, (rate if positive else 0.0)
