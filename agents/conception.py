"""Conception and birth: pregnancy progression and the monthly conception decision.

p(conceive this month) = fecundability × rel_fecundity[age]
                         × [parity (+1 if pregnant) < parity_cap]
                         × logistic(logit_base[min(parity, 2)] + logit_spacing_per_year × years since last birth
                                    + extra_logit)
for fecund, partnered, non-pregnant women past the postpartum months.
``extra_logit`` carries the economic terms (net cost, opportunity cost, childcare,
housing), computed by sim/economy.py ``birth_logit``.
"""

import numpy as np

from agents.jit import kernel
from agents.state import NO_CHILD, NO_PARTNER, NOT_PREGNANT, PREGNANCY_MONTHS


@kernel
def advance_pregnancies(alive, months_pregnant):
    """In place: +1 month of pregnancy; → bool gives_birth (and resets those to NOT_PREGNANT)."""
    births = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if months_pregnant[i] != NOT_PREGNANT:
            if not alive[i]:
                months_pregnant[i] = NOT_PREGNANT
                continue
            months_pregnant[i] += 1
            if months_pregnant[i] > PREGNANCY_MONTHS:
                months_pregnant[i] = NOT_PREGNANT
                births[i] = True
    return births


@kernel
def decide_conception(alive, sex, age_months, partner, fecund, months_pregnant, parity,
                      months_since_last_birth, parity_cap, extra_logit,
                      rel_fecundity, fecundability, logit_base, logit_spacing_per_year,
                      postpartum_months, u):
    """→ bool conceives, for women meeting every condition above. rel_fecundity is by age year."""
    n_ages = rel_fecundity.shape[0]
    conceives = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if not (alive[i] and sex[i] == 1 and partner[i] != NO_PARTNER and fecund[i]):
            continue
        if months_pregnant[i] != NOT_PREGNANT or parity[i] >= parity_cap[i]:
            continue
        since = months_since_last_birth[i]
        if since != NO_CHILD and since < postpartum_months:
            continue
        a = age_months[i] // 12
        if a >= n_ages:
            continue
        x = logit_base[min(parity[i], logit_base.shape[0] - 1)] + extra_logit[i]
        if since != NO_CHILD:
            x += logit_spacing_per_year * (since / 12.0)
        p = fecundability * rel_fecundity[a] / (1.0 + np.exp(-x))
        conceives[i] = u[i] < p
    return conceives
