"""Childcare for children under 3: a multinomial-logit choice among four care modes.

For a child i who needs a decision this month, mode m has utility

    U[i, m] = asc[m] + beta_price × price[i, m] / max(income[i], income_floor) + eps[i, m]
    eps[i, m] = −log(−log(u[i, m]))                       (Gumbel, from pre-drawn uniforms)

over the modes ``available[i, m]`` allows (the caller sets availability: mother and
nanny always; grandparent only with grandparents nearby; nursery only where a place
may be had). ``price`` is yuan per month: the mother's lost income, 0 for
grandparents, nursery fee − subsidy, a market price for a nanny; ``beta_price`` is
normally negative. Choice probabilities are exp(V)/Σ exp(V) over available modes,
V = U − eps.

The month's childcare step, with the nursery rationing of ``agents/nursery.py``:

1. ``rank = rank_care_modes(...)``: every child's available modes, best first;
2. ``wants = rank[:, 0] == CARE_NURSERY`` (plus children staying in nursery);
3. ``ration_nursery_places(district, wants, enrolled, ...)`` → who is waitlisted;
4. ``settle_care_mode(rank, waitlisted, CARE_NURSERY)``: waitlisted children take their
   next-ranked mode, with no new random draws. With Gumbel errors the next-ranked mode
   is exactly a logit choice among the remaining modes.
"""

import numpy as np

from numba import prange

from agents.jit import kernel, parallel_kernel

from agents.state import (CARE_GRANDPARENT, CARE_MODE_NAMES, CARE_MOTHER, CARE_NANNY,  # noqa: F401
                          CARE_NURSERY, HUKOU_LOCAL, N_CARE_MODES, NO_CARE_MODE)


@parallel_kernel
def care_choice_inputs(kids, mother, household, wage, leave_months_left, hukou, age_months, grandparents_nearby,
                       household_income, net_wage_share, net_wage_f32, nursery_fee, fee_subsidy, subsidy_local_only,
                       nanny_price, nursery_min_age_months):
    """The children who need a care decision (rows ``kids``, each with a mother) → the inputs of
    ``rank_care_modes`` in one pass: (price (n, 4) yuan a month, available (n, 4), income (n,) of
    the household, fee subsidy (n,) each would get in a nursery). Prices: mother care her lost net
    wage (wage × net_wage_share, in float32 if ``net_wage_f32``, as numpy multiplies a float32 wage
    by a Python float), grandparents 0, nursery max(fee − subsidy, 0) (the subsidy for local-hukou
    children only if ``subsidy_local_only``), nanny ``nanny_price``. Available: mother and nanny;
    grandparents with grandparents nearby; nursery from ``nursery_min_age_months``; only the mother
    while she is on paid leave."""
    n = kids.shape[0]
    price = np.zeros((n, N_CARE_MODES))
    available = np.ones((n, N_CARE_MODES), np.bool_)
    income = np.empty(n)
    subsidy = np.empty(n)
    share32 = np.float32(net_wage_share)
    for j in prange(n):
        i = kids[j]
        m = mother[i]
        h = household[i]
        income[j] = household_income[h]
        w = wage[m]
        price[j, CARE_MOTHER] = np.float64(w * share32) if net_wage_f32 else np.float64(w) * net_wage_share
        s = fee_subsidy * (1.0 if (hukou[i] == HUKOU_LOCAL or not subsidy_local_only) else 0.0)
        subsidy[j] = s
        price[j, CARE_NURSERY] = max(nursery_fee - s, 0.0)
        price[j, CARE_NANNY] = nanny_price
        available[j, CARE_GRANDPARENT] = grandparents_nearby[h] > 0
        available[j, CARE_NURSERY] = age_months[i] >= nursery_min_age_months
        if leave_months_left[m] > 0:                    # a mother on paid leave cares for her child herself
            for k in range(1, N_CARE_MODES):
                available[j, k] = False
    return price, available, income, subsidy


CARE_CHUNK_ROWS = 4096      # children per chunk of rank_care_modes' parallel loop (its work arrays are per chunk)


@parallel_kernel
def rank_care_modes(price, income, asc, beta_price, income_floor, available, needs, u):
    """price (n, k) yuan/month, income (n,) yuan/month, asc (k,), beta_price, income_floor,
    available (n, k) bool, needs (n,) bool, u (n, k) uniforms in [0, 1)
    → int8 (n, k): each needing child's available modes by utility U (above), best first,
    then NO_CARE_MODE for unavailable modes; a row of NO_CARE_MODE where not needs.

    Equal utilities (only if u = 0 gives eps = −inf) rank the lower mode number first.
    Children are ranked independently, in parallel chunks.
    """
    n = needs.shape[0]
    k = asc.shape[0]
    rank = np.full((n, k), NO_CARE_MODE, np.int8)
    for c in prange((n + CARE_CHUNK_ROWS - 1) // CARE_CHUNK_ROWS):
        utility = np.empty(k)
        left = np.empty(k, np.bool_)
        for i in range(c * CARE_CHUNK_ROWS, min((c + 1) * CARE_CHUNK_ROWS, n)):
            if not needs[i]:
                continue
            inc = income_floor
            if income[i] > income_floor:
                inc = income[i]
            for m in range(k):
                left[m] = available[i, m]
                if left[m]:
                    eps = -np.log(-np.log(u[i, m]))
                    utility[m] = asc[m] + beta_price * price[i, m] / inc + eps
            for r in range(k):
                best = -1
                for m in range(k):
                    if left[m] and (best < 0 or utility[m] > utility[best]):
                        best = m
                if best < 0:
                    break
                rank[i, r] = best
                left[best] = False
    return rank


@kernel
def choose_care_mode(price, income, asc, beta_price, income_floor, available, needs, u):
    """Same inputs as rank_care_modes → int8 (n,): each needing child's best available mode
    (rank_care_modes(...)[:, 0]); NO_CARE_MODE where not needs or no mode is available."""
    rank = rank_care_modes(price, income, asc, beta_price, income_floor, available, needs, u)
    return rank[:, 0].copy()


@kernel
def settle_care_mode(rank, turned_away, full_mode):
    """rank (n, k) from rank_care_modes, turned_away (n,) bool, full_mode (a mode number)
    → int8 (n,): each child's best-ranked mode, skipping full_mode for children turned
    away from it (e.g. waitlisted for a nursery); NO_CARE_MODE if nothing is left."""
    n = rank.shape[0]
    k = rank.shape[1]
    mode = np.full(n, NO_CARE_MODE, np.int8)
    for i in range(n):
        for r in range(k):
            m = rank[i, r]
            if m == NO_CARE_MODE:
                break
            if turned_away[i] and m == full_mode:
                continue
            mode[i] = m
            break
    return mode


@parallel_kernel
def children_needing_care(alive, age_months, mother, childcare_mode, under_months, needs):
    """``needs[i]`` = 1 for living children under ``under_months`` with a known mother, else 0.
    Living persons of that age or older lose their care mode (``childcare_mode`` set to
    NO_CARE_MODE in place). Branch-free, and every row is read before it is written: a load after a
    store to another array keeps the loop out of SIMD lanes (benchmarks/README.md item 21)."""
    for i in prange(alive.shape[0]):
        living = alive[i]
        young = age_months[i] < under_months
        mode = childcare_mode[i]
        has_mother = mother[i] >= 0
        needs[i] = living & young & has_mother
        childcare_mode[i] = NO_CARE_MODE if living & ~young else mode
