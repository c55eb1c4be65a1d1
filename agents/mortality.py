"""Mortality: who dies this month."""

import numpy as np

from agents.jit import kernel


@kernel
def decide_deaths(alive, age_months, sex, p_death_month, u):
    """alive, age (months), sex, p_death_month[age_year, sex], one uniform each → bool died."""
    n_ages = p_death_month.shape[0]
    died = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if alive[i]:
            a = min(age_months[i] // 12, n_ages - 1)
            died[i] = u[i] < p_death_month[a, sex[i]]
    return died
