"""Marriage market: entering the search pool, matching couples, divorce."""

import numpy as np

from agents.jit import kernel
from agents.state import NO_PARTNER


@kernel
def enter_search(alive, age_months, sex, partner, searching, ever_married,
                 p_search_month, rel_previously_married, u):
    """Singles join the pool with probability p_search_month[age_year, sex]
    (× rel_previously_married if married before) → bool newly searching."""
    n_ages = p_search_month.shape[0]
    joins = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if alive[i] and partner[i] == NO_PARTNER and not searching[i]:
            p = p_search_month[min(age_months[i] // 12, n_ages - 1), sex[i]]
            if ever_married[i]:
                p *= rel_previously_married
            joins[i] = u[i] < p
    return joins


@kernel
def match_couples(w_age, w_edu, w_district, m_age, m_edu, m_district,
                  z_gap, u_candidates, u_accept,
                  gap_mean, gap_sd, weight_education, weight_district, accept_prob):
    """Pair searching women with searching men.

    Women (w_*) are visited in the order given; men (m_*) must be sorted by age.
    Ages in years (float). For woman i the preferred husband's age is
    age + gap_mean + gap_sd × z_gap[i]; she looks at K = u_candidates.shape[1] men
    drawn from those within ± gap_sd years of that age (a window in years, not in
    men, so the outcome does not depend on the population's scale), keeps the one
    with the best score
        −½((age gap − gap_mean)/gap_sd)² − weight_education·|Δedu| − weight_district·[other district]
    and marries him with probability accept_prob·exp(score).
    → husband index into the men arrays for each woman, −1 if unmatched.
    """
    n_w = w_age.shape[0]
    n_m = m_age.shape[0]
    k = u_candidates.shape[1]
    husband = np.full(n_w, -1, np.int64)
    taken = np.zeros(n_m, np.bool_)
    if n_m == 0:
        return husband
    for i in range(n_w):
        target = w_age[i] + gap_mean + gap_sd * z_gap[i]
        lo = np.searchsorted(m_age, target - gap_sd)
        hi = np.searchsorted(m_age, target + gap_sd)
        best = -1
        best_score = -np.inf
        for c in range(k):
            j = lo + int(u_candidates[i, c] * (hi - lo))
            if j >= hi or taken[j]:
                continue
            gap = (m_age[j] - w_age[i] - gap_mean) / gap_sd
            score = -0.5 * gap * gap - weight_education * abs(m_edu[j] - w_edu[i])
            if m_district[j] != w_district[i]:
                score -= weight_district
            if score > best_score:
                best_score = score
                best = j
        if best >= 0 and u_accept[i] < accept_prob * np.exp(best_score):
            husband[i] = best
            taken[best] = True
    return husband


@kernel
def decide_divorce(alive, sex, partner, p_divorce_month, u):
    """Married women divorce with probability p_divorce_month → bool divorcing (wife's row)."""
    divorcing = np.zeros(alive.shape[0], np.bool_)
    for i in range(alive.shape[0]):
        if alive[i] and sex[i] == 1 and partner[i] != NO_PARTNER:
            divorcing[i] = u[i] < p_divorce_month
    return divorcing
