"""Conception and birth: pregnancy progression and the monthly conception decision.

p(conceive this month) = fecundability × rel_fecundity[age]
                         × [parity (+1 if pregnant) < parity_cap]
                         × logistic(logit_base[min(parity, 2)] + logit_spacing_per_year × years since last birth
                                    + extra_logit)
for fecund, partnered, non-pregnant women past the postpartum months.
``parity_cap`` is the desired family size, lowered to the birth limit for couples who
comply (a per-person draw made once, in month 0 of the stream). The limit is
``birth_limit``, or ``birth_limit_only_child`` (when > 0) for the women of couples in
which a parent is an only child: those whose month-0 draw on their own stream lies below
the share of such couples (``sim/model.py``, ``only_child_couple_share``).
``extra_logit`` carries the economic terms (net cost, opportunity cost, childcare,
housing), computed by sim/economy.py ``birth_logit``.
"""

import numpy as np

from numba import prange

from agents.ageing import age_years
from agents.jit import kernel, parallel_kernel
from agents.rng import uniform_one
from agents.state import FEMALE, HUKOU_LOCAL, NO_CHILD, NO_PARTNER, NOT_PREGNANT, PREGNANCY_MONTHS


@parallel_kernel
def advance_pregnancies(alive, months_pregnant, gives_birth):
    """In place: +1 month of pregnancy; ``gives_birth[i]`` = 1 for a woman whose pregnancy is over
    this month (reset to NOT_PREGNANT), else 0. A dead woman's pregnancy is cleared."""
    for i in prange(alive.shape[0]):
        birth = 0
        if months_pregnant[i] != NOT_PREGNANT:
            if not alive[i]:
                months_pregnant[i] = NOT_PREGNANT
            else:
                months_pregnant[i] += 1
                if months_pregnant[i] > PREGNANCY_MONTHS:
                    months_pregnant[i] = NOT_PREGNANT
                    birth = 1
        gives_birth[i] = birth


@kernel
def parity_cap(desired, hukou, key, birth_limit, limit_local_only, compliance, compliance_stream,
               only_child_limit=0, only_child_local_only=False, only_child_share=0.0, only_child_stream=0):
    """One woman's cap on parity: her desired family size, lowered to her limit (if > 0) when
    she complies, i.e. her month-0 draw ``uniform_one(compliance_stream, key, 0, 0)`` is below
    ``compliance``. Her limit is ``only_child_limit`` if it is > 0 and she is in an only-child
    couple -- her month-0 draw ``uniform_one(only_child_stream, key, 0, 0)`` is below
    ``only_child_share`` (and she has a local hukou if ``only_child_local_only``) --, else
    ``birth_limit`` if she has a local hukou or not ``limit_local_only``, else none. The draws
    are made only when they can change the cap."""
    cap = np.int64(desired)
    limit = np.int64(birth_limit) if (hukou == HUKOU_LOCAL or not limit_local_only) else np.int64(0)
    if only_child_limit > 0 and (hukou == HUKOU_LOCAL or not only_child_local_only):
        if uniform_one(only_child_stream, key, 0, 0) < only_child_share:
            limit = np.int64(only_child_limit)
    if limit > 0 and limit < cap:
        if uniform_one(compliance_stream, key, 0, 0) < compliance:
            cap = limit
    return cap


@kernel
def age_bits(table):
    """Ages (years, 0..127) where ``table`` is non-zero, as two 64-bit masks (ages 0–63, 64–127):
    testing a bit is a shift, which runs in SIMD lanes where a table lookup does not."""
    if table.shape[0] > 128:
        raise ValueError("age_bits: at most 128 ages")
    low = np.uint64(0)
    high = np.uint64(0)
    for a in range(table.shape[0]):
        if table[a] != 0.0:
            if a < 64:
                low |= np.uint64(1) << np.uint64(a)
            else:
                high |= np.uint64(1) << np.uint64(a - 64)
    return low, high


@parallel_kernel
def conception_candidates(alive, sex, age_months, partner, fecund, months_pregnant, parity,
                          months_since_last_birth, desired, hukou, key,
                          birth_limit, limit_local_only, compliance, compliance_stream,
                          only_child_limit, only_child_local_only, only_child_share, only_child_stream,
                          rel_fecundity, postpartum_months, art_age_months, candidate):
    """Partnered, living, non-pregnant women below their parity cap (``parity_cap``):
    ``candidate[i]`` =

    * 1 for fecund women past the postpartum months whose age has a positive
      ``rel_fecundity`` (by age year, at most 128 ages): those who may conceive (``decide_conception``);
    * 2 for infertile women whose age in months lies in [art_age_months[0],
      art_age_months[1]): those who may try ART;
    * 0 for everyone else.

    Two passes: the first, without a branch, a boolean select or a table lookup (in SIMD lanes), marks the women who
    would be candidates below their desired family size (the cap is never above it); the second
    lowers the cap of the marked ones to the birth limit where they comply (``parity_cap``, whose
    draws are made only where they can change the cap)."""
    fertile_low, fertile_high = age_bits(rel_fecundity)
    art_lo, art_hi = art_age_months[0], art_age_months[1]
    for i in prange(alive.shape[0]):
        age = age_months[i]
        a = age_years(age)
        fertile_age = (a < 128) & ((((fertile_low if a < 64 else fertile_high) >> np.uint64(a & 63)) & np.uint64(1)) != 0)
        since = months_since_last_birth[i]
        past_postpartum = (since == NO_CHILD) | (since >= postpartum_months)
        f = fecund[i]
        may_try = alive[i] & (sex[i] == FEMALE) & (partner[i] != NO_PARTNER) & (months_pregnant[i] == NOT_PREGNANT) \
            & (parity[i] < desired[i])
        candidate[i] = (may_try & f & fertile_age & past_postpartum) + 2 * (may_try & ~f & (art_lo <= age) & (age < art_hi))
    for i in prange(alive.shape[0]):
        if candidate[i] != 0:
            cap = parity_cap(desired[i], hukou[i], key[i], birth_limit, limit_local_only, compliance,
                             compliance_stream, only_child_limit, only_child_local_only, only_child_share,
                             only_child_stream)
            if parity[i] >= cap:
                candidate[i] = 0


@parallel_kernel
def may_conceive(women, age_months, key, rel_fecundity, fecundability, seed_stream, month):
    """Candidate women (rows) → bool: whether this month's draw ``uniform_one(seed_stream, key,
    month, 0)`` lies below fecundability × rel_fecundity[age], the most the logistic of
    ``decide_conception`` can give (it divides that by 1 + exp(−x) ≥ 1). The others cannot
    conceive whatever their log-odds, so theirs need not be computed."""
    out = np.empty(women.shape[0], np.bool_)
    for j in prange(women.shape[0]):
        i = women[j]
        out[j] = uniform_one(seed_stream, key[i], month, 0) < fecundability * rel_fecundity[age_years(age_months[i])]
    return out


@parallel_kernel
def decide_conception(women, age_months, parity, months_since_last_birth, key, extra_logit,
                      rel_fecundity, fecundability, logit_base, logit_spacing_per_year, seed_stream, month):
    """For each candidate woman (rows ``women``, from ``conception_candidates``; ``extra_logit``
    aligned with them) → bool conceives: ``uniform_one(seed_stream, key, month, 0)`` below
    fecundability × rel_fecundity[age] × logistic(logit_base[min(parity, 2)] + extra_logit
    + logit_spacing_per_year × years since the last birth)."""
    conceives = np.zeros(women.shape[0], np.bool_)
    for j in prange(women.shape[0]):
        i = women[j]
        since = months_since_last_birth[i]
        x = logit_base[min(parity[i], logit_base.shape[0] - 1)] + extra_logit[j]
        if since != NO_CHILD:
            x += logit_spacing_per_year * (since / 12.0)
        p = fecundability * rel_fecundity[age_years(age_months[i])] / (1.0 + np.exp(-x))
        conceives[j] = uniform_one(seed_stream, key[i], month, 0) < p
    return conceives


@parallel_kernel
def short_of_desired(alive, sex, partner, age_months, parity, desired, under_months, short):
    """``short[i]`` = 1 for living partnered women younger than ``under_months`` whose parity is
    below their desired family size, else 0."""
    for i in prange(alive.shape[0]):
        short[i] = 1 if (alive[i] and sex[i] == FEMALE and partner[i] != NO_PARTNER
                         and age_months[i] < under_months and parity[i] < desired[i]) else 0
