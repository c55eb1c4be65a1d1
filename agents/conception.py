"""Conception and birth: pregnancy progression and the monthly conception decision.

p(conceive this month) = fecundability × rel_fecundity[age]
                         × [parity (+1 if pregnant) < parity_cap]
                         × logistic(logit_base[min(parity, 2)] + logit_spacing_per_year × years since last birth
                                    + extra_logit)
for fecund, partnered, non-pregnant women past the postpartum months.
``parity_cap`` is the desired family size, lowered to the birth limit for couples who
comply (a per-person draw made once, in month 0 of the stream).
``extra_logit`` carries the economic terms (net cost, opportunity cost, childcare,
housing), computed by sim/economy.py ``birth_logit``.
"""

import numpy as np

from numba import prange

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
def parity_cap(desired, hukou, key, birth_limit, limit_local_only, compliance, compliance_stream):
    """One woman's cap on parity: her desired family size, lowered to ``birth_limit`` (if > 0)
    when she complies, i.e. her month-0 draw ``uniform_one(compliance_stream, key, 0, 0)`` is
    below ``compliance`` (and she has a local hukou if ``limit_local_only``). The draw is made
    only when the limit could lower the cap."""
    cap = np.int64(desired)
    if birth_limit > 0 and birth_limit < cap and (hukou == HUKOU_LOCAL or not limit_local_only):
        if uniform_one(compliance_stream, key, 0, 0) < compliance:
            cap = birth_limit
    return cap


@parallel_kernel
def conception_candidates(alive, sex, age_months, partner, fecund, months_pregnant, parity,
                          months_since_last_birth, desired, hukou, key,
                          birth_limit, limit_local_only, compliance, compliance_stream,
                          rel_fecundity, postpartum_months, art_age_months, candidate, fertile_age):
    """Partnered, living, non-pregnant women below their parity cap (``parity_cap``):
    ``candidate[i]`` =

    * 1 for fecund women past the postpartum months whose age has a positive
      ``rel_fecundity`` (by age year): those who may conceive (``decide_conception``);
    * 2 for infertile women whose age in months lies in [art_age_months[0],
      art_age_months[1]): those who may try ART;
    * 0 for everyone else.

    ``fertile_age`` (uint8, a row each) is work space: the table is looked up in one loop, the
    rest decided in another without a branch (the compliance draw of ``parity_cap`` is made for
    every row, so the loop runs in SIMD lanes; a draw nobody uses changes nothing).
    """
    n_ages = rel_fecundity.shape[0]
    for i in prange(alive.shape[0]):
        a = age_months[i] // 12
        fertile_age[i] = 1 if (a < n_ages) & (rel_fecundity[min(a, n_ages - 1)] != 0.0) else 0
    art_lo, art_hi = art_age_months[0], art_age_months[1]
    limited = birth_limit > 0
    for i in prange(alive.shape[0]):
        age = age_months[i]
        since = months_since_last_birth[i]
        wants = desired[i]
        complies = (limited & (birth_limit < wants) & ((hukou[i] == HUKOU_LOCAL) | (not limit_local_only))
                    & (uniform_one(compliance_stream, key[i], 0, 0) < compliance))
        cap = np.int64(birth_limit) if complies else np.int64(wants)
        eligible = (alive[i] & (sex[i] == FEMALE) & (partner[i] != NO_PARTNER)
                    & (months_pregnant[i] == NOT_PREGNANT) & (parity[i] < cap))
        fecund_ok = fecund[i] & (not ((since != NO_CHILD) & (since < postpartum_months))) & (fertile_age[i] != 0)
        art_ok = (not fecund[i]) & (art_lo <= age) & (age < art_hi)
        c = 1 if fecund_ok else (2 if art_ok else 0)
        candidate[i] = c if eligible else 0


@kernel
def may_conceive(women, age_months, key, rel_fecundity, fecundability, seed_stream, month):
    """Candidate women (rows) → bool: whether this month's draw ``uniform_one(seed_stream, key,
    month, 0)`` lies below fecundability × rel_fecundity[age], the most the logistic of
    ``decide_conception`` can give (it divides that by 1 + exp(−x) ≥ 1). The others cannot
    conceive whatever their log-odds, so theirs need not be computed."""
    out = np.empty(women.shape[0], np.bool_)
    for j in range(women.shape[0]):
        i = women[j]
        out[j] = uniform_one(seed_stream, key[i], month, 0) < fecundability * rel_fecundity[age_months[i] // 12]
    return out


@kernel
def decide_conception(women, age_months, parity, months_since_last_birth, key, extra_logit,
                      rel_fecundity, fecundability, logit_base, logit_spacing_per_year, seed_stream, month):
    """For each candidate woman (rows ``women``, from ``conception_candidates``; ``extra_logit``
    aligned with them) → bool conceives: ``uniform_one(seed_stream, key, month, 0)`` below
    fecundability × rel_fecundity[age] × logistic(logit_base[min(parity, 2)] + extra_logit
    + logit_spacing_per_year × years since the last birth)."""
    conceives = np.zeros(women.shape[0], np.bool_)
    for j in range(women.shape[0]):
        i = women[j]
        since = months_since_last_birth[i]
        x = logit_base[min(parity[i], logit_base.shape[0] - 1)] + extra_logit[j]
        if since != NO_CHILD:
            x += logit_spacing_per_year * (since / 12.0)
        p = fecundability * rel_fecundity[age_months[i] // 12] / (1.0 + np.exp(-x))
        conceives[j] = uniform_one(seed_stream, key[i], month, 0) < p
    return conceives


@parallel_kernel
def short_of_desired(alive, sex, partner, age_months, parity, desired, under_months, short):
    """``short[i]`` = 1 for living partnered women younger than ``under_months`` whose parity is
    below their desired family size, else 0."""
    for i in prange(alive.shape[0]):
        short[i] = 1 if (alive[i] and sex[i] == FEMALE and partner[i] != NO_PARTNER
                         and age_months[i] < under_months and parity[i] < desired[i]) else 0
