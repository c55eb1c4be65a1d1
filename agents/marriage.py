"""Marriage market: entering the search pool, matching couples, divorce."""

import numpy as np

from numba import prange

from agents.ageing import age_years
from agents.jit import kernel, parallel_kernel
from agents.rng import uniform_one
from agents.rows import has_bit
from agents.state import FEMALE, NO_PARTNER


SEARCH_BLOCK = 2048     # rows per block of enter_search: its work lists stay in the core's cache


@parallel_kernel
def enter_search(alive, age_months, sex, partner, searching, ever_married, key,
                 p_search_month, rel_previously_married, seed_stream, month, pool):
    """Singles not yet searching join the pool with probability p_search_month[age_year, sex]
    (× rel_previously_married if married before), drawing ``uniform_one(seed_stream, key,
    month, 0)``; ``searching`` is set in place. ``pool[i]``: 1 for a woman, 2 for a man in the
    pool after that (living singles who search), else 0.

    About a quarter of the rows can join (singles not searching, old enough for a positive chance),
    so the rows are taken in blocks: a pass without a branch lists a block's rows that can join,
    their keys are gathered, the draws made over that list in SIMD lanes, and only then is the
    table looked up (a lookup keeps a loop out of SIMD lanes). Rows younger than the first age
    with a positive chance (for either sex) would never join, so they are not drawn for."""
    n_ages = p_search_month.shape[0]
    first_age = n_ages
    for a in range(n_ages - 1, -1, -1):
        if p_search_month[a, 0] > 0.0 or p_search_month[a, 1] > 0.0:
            first_age = a
    first_month = first_age * 12
    n = alive.shape[0]
    for b in prange((n + SEARCH_BLOCK - 1) // SEARCH_BLOCK):
        lo = b * SEARCH_BLOCK
        hi = min(lo + SEARCH_BLOCK, n)
        rows = np.empty(SEARCH_BLOCK, np.int64)
        keys = np.empty(SEARCH_BLOCK, np.int64)
        u = np.empty(SEARCH_BLOCK)
        k = 0
        for i in range(lo, hi):
            single = alive[i] & (partner[i] == NO_PARTNER)
            was = searching[i]
            pool[i] = (1 if sex[i] == FEMALE else 2) * (single & was)
            rows[k] = i         # kept only if the row can join: the next row overwrites it otherwise
            k += single & ~was & (age_months[i] >= first_month)
        for j in range(k):
            keys[j] = key[rows[j]]
        for j in range(k):
            u[j] = uniform_one(seed_stream, keys[j], month, 0)
        for j in range(k):
            i = rows[j]
            p = p_search_month[min(age_years(age_months[i]), n_ages - 1), sex[i]]
            if u[j] < (p * rel_previously_married if ever_married[i] else p):
                searching[i] = True
                pool[i] = 1 if sex[i] == FEMALE else 2


@kernel
def age_windows(target, by_target, m_age, gap_sd):
    """Each woman's window of men: (lo, hi) = np.searchsorted(m_age, target ∓ gap_sd) (m_age sorted),
    found by walking the women in the order ``by_target`` (an argsort of ``target``) alongside the
    men, one pass over each, instead of two binary searches each over memory at random."""
    n_w = target.shape[0]
    n_m = m_age.shape[0]
    lows = np.empty(n_w, np.int64)
    highs = np.empty(n_w, np.int64)
    j_lo = 0
    j_hi = 0
    for r in range(n_w):
        i = by_target[r]
        key_lo = target[i] - gap_sd
        while j_lo < n_m and m_age[j_lo] < key_lo:
            j_lo += 1
        key_hi = target[i] + gap_sd
        while j_hi < n_m and m_age[j_hi] < key_hi:
            j_hi += 1
        lows[i] = j_lo
        highs[i] = j_hi
    return lows, highs


@kernel
def age_windows_by_value(target, m_age, gap_sd):
    """The same windows as ``age_windows`` (np.searchsorted(m_age, target ∓ gap_sd), m_age sorted)
    without sorting the women, for men whose ages take few distinct values (the synthetic
    population's: whole months): each bound is found among the distinct ages (``_count_below``)."""
    n_m = m_age.shape[0]
    first = np.empty(n_m + 1, np.int64)      # the first man of each distinct age, then n_m
    k = 0
    for j in range(n_m):
        if j == 0 or m_age[j] != m_age[j - 1]:
            first[k] = j
            k += 1
    first[k] = n_m
    ages = m_age[first[:k]]
    lows = np.empty(target.shape[0], np.int64)
    highs = np.empty(target.shape[0], np.int64)
    for i in range(target.shape[0]):
        lows[i] = first[_count_below(ages, target[i] - gap_sd)]
        highs[i] = first[_count_below(ages, target[i] + gap_sd)]
    return lows, highs


@kernel
def _count_below(values, key):
    """The number of ``values`` (sorted, distinct) below ``key``: a guess by linear interpolation
    (a step or two off for evenly spaced values, such as ages in months), then stepping to the
    exact count."""
    k = values.shape[0]
    if k == 0 or not values[0] < key:
        return 0
    if values[k - 1] < key:
        return k
    # values[0] < key <= values[k - 1]: the count c has values[c - 1] < key <= values[c]
    c = 1 + int((key - values[0]) / (values[k - 1] - values[0]) * (k - 1))
    c = min(max(c, 1), k - 1)
    while values[c - 1] >= key:
        c -= 1
    while values[c] < key:
        c += 1
    return c


def match_couples(w_age, w_edu, w_district, m_age, m_edu, m_district, z_gap, u_candidates, u_accept,
                  gap_mean, gap_sd, weight_education, weight_district, accept_prob):
    """Pair searching women with searching men (``pair_couples``; this wrapper finds each woman's
    window of men with numpy's sort, ``age_windows``). → husband index into the men arrays for
    each woman, −1 if unmatched."""
    target = w_age + gap_mean + gap_sd * z_gap          # as pair_couples' docstring: age + mean + sd × z
    lows, highs = age_windows(target, np.argsort(target), m_age, gap_sd)
    return pair_couples(w_age, w_edu, w_district, m_age, m_edu, m_district, lows, highs, u_candidates, u_accept,
                        gap_mean, gap_sd, weight_education, weight_district, accept_prob)


@kernel
def pair_couples(w_age, w_edu, w_district, m_age, m_edu, m_district,
                 lows, highs, u_candidates, u_accept,
                 gap_mean, gap_sd, weight_education, weight_district, accept_prob):
    """Pair searching women with searching men.

    Women (w_*) are visited in the order given; men (m_*) must be sorted by age.
    Ages in years (float). For woman i the preferred husband's age is
    target = age + gap_mean + gap_sd × z_gap[i]; she looks at K = u_candidates.shape[1] men
    drawn from those within ± gap_sd years of that age, men[lows[i]:highs[i]] (``age_windows``;
    a window in years, not in men, so the outcome does not depend on the population's scale), keeps the one
    with the best score
        −½((age gap − gap_mean)/gap_sd)² − weight_education·|Δedu| − weight_district·[other district]
    and marries him with probability accept_prob·exp(score).
    → husband index into the men arrays for each woman, −1 if unmatched.
    """
    n_w = w_age.shape[0]
    n_m = m_age.shape[0]
    k = u_candidates.shape[1]
    husband = np.full(n_w, -1, np.int64)
    if n_m == 0:
        return husband
    taken = np.zeros(n_m, np.bool_)
    for i in range(n_w):
        lo = lows[i]
        hi = highs[i]
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


@parallel_kernel
def decide_divorce(alive, sex, partner, key, p_divorce_month, seed_stream, month, divorces):
    """Married women divorce with probability p_divorce_month, drawing ``uniform_one(seed_stream,
    key, month, 0)``: ``divorces[i]`` = 1 for the wife of each divorce, else 0 (branch-free)."""
    for i in prange(alive.shape[0]):
        wife = alive[i] & (sex[i] == FEMALE) & (partner[i] != NO_PARTNER)
        divorces[i] = 1 if wife & (uniform_one(seed_stream, key[i], month, 0) < p_divorce_month) else 0


@parallel_kernel
def children_moving_with(alive, mother, age_months, household, is_bride, bride_households, adult_months, moves):
    """``moves[i]`` = 1 for living children under ``adult_months`` whose mother is a bride of this
    month (``is_bride`` by person) and who live in her household (checked before anyone
    moves), else 0. ``bride_households``: the brides' households as bits (agents/rows.py ``as_bits``' layout); a row
    outside them is passed over after one bit test, without looking up its mother's row."""
    for i in prange(alive.shape[0]):
        k = 0
        h = household[i]
        if h >= 0 and has_bit(bride_households, h):
            m = mother[i]
            if alive[i] and age_months[i] < adult_months and m >= 0 and is_bride[m] and household[m] == h:
                k = 1
        moves[i] = k
