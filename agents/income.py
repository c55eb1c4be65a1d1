"""Household income and costs (phase 7 of the month), without an array of every person made on
the way and with each person's row fetching its household's record once.

Per living person: gross pay (wage when employed and not on leave; young women's pay cut by
``young_pay_factor``), leave pay (``leave_pay_rate`` × wage while on leave), income tax, and
the transfers per child (by the child's birth order 1, 2, 3+). Per household: children under
3 and 3–17, the top earner (the first living member with the highest gross pay), who claims
the household's child deductions, the tax the deductions forgo, the top earner's marginal
rate, cash transfers, the housing subsidy for families with 2+ children, and the net
monthly income: the sum of each member's (terms rounded to 2**-16 yuan, agents/sums.py, so that
the sum does not depend on the order of the rows)

    gross − tax − social insurance + leave pay + other income.

1. ``person_incomes`` (parallel, per row, branch-free): gross pay, and the contribution with the
   tax of no deduction; who is a child; the leave pay of the month.
2. ``household_earnings`` (parallel over ranges of households, each in row order): top gross pay and
   the sum of contributions per household; ``children_and_transfers`` (over the children): children
   per household, and the transfers per child when a lever pays any.
3. ``household_taxes`` (parallel, per household): the top earner's marginal rate with the
   household's child deduction, and which households' top earners claim one;
   ``household_totals`` (parallel, per household): the claiming households' net with the top earner
   taxed again with the deduction (only that term changes, and it depends on the top pay alone), and
   the month's forgone tax, housing subsidies and per-pupil costs.
4. ``income_write`` (parallel): income = net + transfers (subsidies, allowances, housing subsidy, grants).

Fiscal totals are sums of terms rounded to 2**-16 yuan (``agents.sums.to_fixed``), so they
do not depend on the order of the rows, which compactions change (sim/population.py). The
household work array ``hw``
(n_h, 2) keeps what a person's row touches together: [top gross pay, net].
"""

import numba
import numpy as np

from numba import prange

from agents.ageing import age_years
from agents.jit import kernel, parallel_kernel
from agents.state import FEMALE, HUKOU_LOCAL
from agents.sums import FIXED_PER_YUAN, to_fixed
from agents.taxes import bracket_prefix, schedule_7, tax_7, tax_one

UNDER3_MONTHS = 36
ADULT_MONTHS = 18 * 12
HW_TOP_GROSS, HW_NET = 0, 1
HW_COLUMNS = 2


@kernel
def contribution(gross, tax, leave_pay, social_rate, gross_f32, other_income):
    """One member's part of the household's net income: gross − tax − social insurance + leave pay
    + other income, in that order. ``gross_f32``: gross pay is a float32 array in the model's
    arithmetic, so social insurance is a float32 product."""
    if gross_f32:
        social = np.float64(np.float32(gross) * np.float32(social_rate))
    else:
        social = gross * social_rate
    return gross - tax - social + leave_pay + other_income


@parallel_kernel
def person_incomes(alive, age_months, sex, employed, leave_months_left, wage,
                   young_lo, young_hi, young_pay_factor, gross_f32, leave_pay_rate, social_rate, other_income,
                   bracket_upper, bracket_rate, basic_deduction_annual, gross, contributions, child):
    """Per row, in parallel: ``gross[i]`` the gross pay of a living person (−inf for the dead),
    ``contributions[i]`` their contribution with the tax of no deduction (0 for the dead),
    ``child[i]`` 1 for a living child under 3, 2 for one aged 3–17, else 0 → the month's leave pay
    (leave_pay_rate × wage of each living person on leave), yuan, each term in 2**-16 yuan
    (``to_fixed``, added as integers: the same in any order).

    The schedule must have the law's seven brackets: the loop then has no branch (every choice is
    a select, ``agents.taxes.tax_7``), so it runs in SIMD lanes; the arithmetic is that of
    ``tax_one`` and ``contribution``, operation by operation (``household_totals`` relies on it)."""
    if bracket_upper.shape[0] != 7:
        raise ValueError("person_incomes: the schedule must have the law's seven brackets")
    sc = schedule_7(bracket_upper, bracket_rate)
    # the schedule as scalars (a tuple rebuilt in the loop): loads from an array could alias the outputs
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6], sc[7], sc[8], sc[9]
    s10, s11, s12, s13, s14, s15, s16, s17, s18 = sc[10], sc[11], sc[12], sc[13], sc[14], sc[15], sc[16], sc[17], sc[18]
    rate32 = np.float32(social_rate)
    leave_pay_total = np.int64(0)
    for i in prange(alive.shape[0]):
        a = age_years(age_months[i])
        w = wage[i]
        young = (sex[i] == FEMALE) & (a >= young_lo) & (a <= young_hi)
        on_leave = leave_months_left[i] > 0
        g = w * young_pay_factor if young else np.float64(w)
        g = g if employed[i] & ~on_leave else 0.0
        tax, _ = tax_7(12.0 * g * (1.0 - social_rate) - basic_deduction_annual - 12.0 * 0.0,
                       (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18))
        leave_pay = leave_pay_rate * w if on_leave else 0.0
        social = np.float64(np.float32(g) * rate32) if gross_f32 else g * social_rate
        v = g - tax - social + leave_pay + other_income
        living = alive[i]
        gross[i] = g if living else -np.inf
        contributions[i] = v if living else 0.0
        age = age_months[i]
        child[i] = living * ((age < UNDER3_MONTHS) + 2 * ((age >= UNDER3_MONTHS) & (age < ADULT_MONTHS)))
        leave_pay_total += np.int64(to_fixed(leave_pay)) if living & on_leave else np.int64(0)
    return leave_pay_total / FIXED_PER_YUAN


@parallel_kernel
def household_earnings(household, gross, contributions, hw, parts):
    """``hw[h]`` = [top gross pay, sum of the contributions in 2**-16 yuan (``to_fixed``)] of household h's
    rows (from [−inf, 0]: only a strictly higher pay replaces the top; a dead row adds 0 and never tops).
    The households are cut into ``parts`` ranges (one per thread: numba.get_num_threads()); each range
    is reset and then filled by one pass over every row that adds the rows of its households, so each
    household is summed by one thread in row order (the serial bytes for any ``parts``). The persons
    are grouped by household, so the range test is well predicted. ``hw`` is kept to 16 bytes a
    household: this scatter is bound by how much of it the caches hold."""
    n_h = hw.shape[0]
    for part in prange(parts):
        lo = part * n_h // parts
        hi = (part + 1) * n_h // parts
        for h in range(lo, hi):
            hw[h, HW_TOP_GROSS] = -np.inf
            hw[h, HW_NET] = 0.0
        for i in range(household.shape[0]):
            h = household[i]
            if lo <= h and h < hi:
                g = gross[i]
                top = hw[h, HW_TOP_GROSS]
                hw[h, HW_TOP_GROSS] = g if g > top else top
                hw[h, HW_NET] += to_fixed(contributions[i])


@kernel
def children_and_transfers(kids, age_months, household, hukou, birth_order,
                           subsidy_under3, subsidy_local_only, allowance_child, allowance_local_only,
                           children, subsidy_h, allowance_h):
    """Over the living children under 18 (rows ``kids``): ``children[h]`` (from 0) counts those
    under 3 and those 3–17. If a lever pays any (else ``subsidy_h``/``allowance_h`` may be
    empty): ``subsidy_under3`` (3,) yuan per child under 3 and ``allowance_child`` (3,) per child
    under 18, by birth order, each for local-hukou children only if ``*_local_only``, summed per
    household in 2**-16 yuan (``subsidy_h``, ``allowance_h`` from 0, ``to_fixed``)
    → (the month's subsidies, allowances), yuan."""
    subsidy_total = 0.0
    allowance_total = 0.0
    pays = subsidy_h.shape[0] > 0
    for j in range(kids.shape[0]):
        i = kids[j]
        h = household[i]
        under3 = age_months[i] < UNDER3_MONTHS
        children[h, 0] += under3
        children[h, 1] += not under3
        if not pays:
            continue
        o = min(max(np.int64(birth_order[i]), 1), 3) - 1
        local = hukou[i] == HUKOU_LOCAL
        if under3 and (local or not subsidy_local_only):
            s = to_fixed(subsidy_under3[o])
            subsidy_h[h] += s
            subsidy_total += s
        if local or not allowance_local_only:
            a = to_fixed(allowance_child[o])
            allowance_h[h] += a
            allowance_total += a
    return subsidy_total / FIXED_PER_YUAN, allowance_total / FIXED_PER_YUAN


@parallel_kernel
def household_taxes(hw, children, deduction_infant, deduction_education, social_rate, bracket_upper, bracket_rate,
                    basic_deduction_annual, marginal_h, claim):
    """Per household, in parallel and without a branch, after ``household_earnings``: ``marginal_h`` =
    the top earner's marginal rate with the household's child deduction (0 without a living
    member); ``claim[h]`` = 1 where the top earner claims a positive deduction, else 0. ``hw`` is only
    read. Seven brackets required (``agents.taxes.tax_7``)."""
    if bracket_upper.shape[0] != 7:
        raise ValueError("household_taxes: the schedule must have the law's seven brackets")
    sc = schedule_7(bracket_upper, bracket_rate)
    s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 = sc[0], sc[1], sc[2], sc[3], sc[4], sc[5], sc[6], sc[7], sc[8], sc[9]
    s10, s11, s12, s13, s14, s15, s16, s17, s18 = sc[10], sc[11], sc[12], sc[13], sc[14], sc[15], sc[16], sc[17], sc[18]
    for h in prange(hw.shape[0]):
        top_gross = hw[h, HW_TOP_GROSS]
        has_top = top_gross > -np.inf
        deduction = children[h, 0] * deduction_infant + children[h, 1] * deduction_education
        schedule = (s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18)
        _, marginal = tax_7(12.0 * top_gross * (1.0 - social_rate) - basic_deduction_annual - 12.0 * deduction,
                            schedule)
        marginal_h[h] = marginal if has_top else 0.0
        claim[h] = 1 if has_top & (deduction > 0.0) else 0


@parallel_kernel
def household_totals(hw, children, claim, deduction_infant, deduction_education, social_rate, gross_f32, other_income,
                     bracket_upper, bracket_rate, basic_deduction_annual, housing_subsidy, housing_local_only,
                     household_hukou, school_cost_per_pupil, after_school_per_pupil):
    """After ``household_taxes``, per household in parallel: where ``claim[h]``, the top earner's
    contribution is taxed again with the household's child deduction, and ``hw[h, HW_NET]`` moves
    by the difference → (the month's yuan of: tax forgone by the claims (the top
    earner's tax without less with the deduction) on the infant part of the deductions, on the
    education part, housing subsidies for families with 2+ children, school cost reductions,
    after-school costs), each household's term in 2**-16 yuan (``to_fixed``) added as integers:
    the same in any order, so the threads' partial sums give the serial bytes.

    Only the top earner's term changes, and it depends on the top gross pay alone: a top earner
    with pay is at work, so has no leave pay, and every tied member's term is the same; with no
    pay both taxes are 0. ``contribution`` with the no-deduction tax is ``person_incomes``'s term,
    operation by operation, so the new net is the sum a member-by-member pass would give."""
    prefix = bracket_prefix(bracket_upper, bracket_rate)
    housing_term = np.int64(to_fixed(housing_subsidy))
    any_hukou = not housing_local_only
    forgone_infant = np.int64(0)
    forgone_education = np.int64(0)
    housing = np.int64(0)
    school = np.int64(0)
    after_school = np.int64(0)
    for h in prange(claim.shape[0]):
        n_under3 = children[h, 0]
        pupils = children[h, 1]
        local = household_hukou[h] == HUKOU_LOCAL
        # every household's pair read and written, not the claimers' alone (5 % of them, scattered):
        # a stream the prefetcher follows costs less than a cache miss per claimer
        top_gross = hw[h, HW_TOP_GROSS]
        net = hw[h, HW_NET]
        housing += housing_term if (n_under3 + pupils >= 2) & (local | any_hukou) else np.int64(0)
        school += np.int64(to_fixed(school_cost_per_pupil * pupils))            # 0 without pupils
        after_school += np.int64(to_fixed(after_school_per_pupil * pupils))
        change = 0.0
        if claim[h]:
            d_infant = n_under3 * deduction_infant
            deduction = d_infant + pupils * deduction_education
            tax, _ = tax_one(top_gross, social_rate, deduction, bracket_upper, bracket_rate, prefix,
                             basic_deduction_annual)
            tax0, _ = tax_one(top_gross, social_rate, 0.0, bracket_upper, bracket_rate, prefix, basic_deduction_annual)
            change = (to_fixed(contribution(top_gross, tax, 0.0, social_rate, gross_f32, other_income))
                      - to_fixed(contribution(top_gross, tax0, 0.0, social_rate, gross_f32, other_income)))
            f = tax0 - tax
            share = d_infant / max(deduction, 1e-300)
            forgone_infant += np.int64(to_fixed(f * share))
            forgone_education += np.int64(to_fixed(f * (1 - share)))
        hw[h, HW_NET] = net + change
    s = FIXED_PER_YUAN
    return forgone_infant / s, forgone_education / s, housing / s, school / s, after_school / s


@numba.njit(inline="always")
def _income_of(h, hw, children, subsidy_h, allowance_h, housing_subsidy, housing_local_only, household_hukou, grant):
    """Household h's income (float32, yuan): see ``income_write``. Inlined by numba itself: a call with
    array arguments would cost their reference counts at every household."""
    net = hw[h, HW_NET] / FIXED_PER_YUAN
    subsidy = subsidy_h[h] if subsidy_h.shape[0] > 0 else 0.0
    allowance = allowance_h[h] if allowance_h.shape[0] > 0 else 0.0
    transfers = (subsidy + allowance) / FIXED_PER_YUAN
    if children[h, 0] + children[h, 1] >= 2 and (household_hukou[h] == HUKOU_LOCAL or not housing_local_only):
        transfers += housing_subsidy
    else:
        transfers += 0.0
    return np.float32(net + (transfers + grant))


@parallel_kernel
def income_write(hw, children, subsidy_h, allowance_h, grant_households, grant_amounts,
                 housing_subsidy, housing_local_only, household_hukou, income):
    """income[h] (float32) = net (with the child deductions claimed, ``household_totals``) + transfers;
    transfers = subsidies + allowances (``subsidy_h``/``allowance_h``, or none if empty) + the housing
    subsidy for 2+ children + this month's birth grants (``grant_households`` unique, ``grant_amounts``;
    few, so their households are written again after the parallel pass).
    Net, subsidies and allowances are held in 2**-16 yuan (``to_fixed``)."""
    for h in prange(hw.shape[0]):
        income[h] = _income_of(h, hw, children, subsidy_h, allowance_h, housing_subsidy, housing_local_only,
                               household_hukou, 0.0)
    for g in range(grant_households.shape[0]):
        h = grant_households[g]
        income[h] = _income_of(h, hw, children, subsidy_h, allowance_h, housing_subsidy, housing_local_only,
                               household_hukou, grant_amounts[g])
