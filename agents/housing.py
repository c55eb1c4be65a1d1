"""Housing kernels: tenure of new households and admission to public rental.

Tenure is a household state (agents/state.py TENURE_*): drawn by hukou when a household
forms, changed only by the multi-child priority for public rentals. The price of space
(sim/economy.py) depends on it. All shares and rates are assumptions (sim/parameters.py).
"""

import numpy as np

from agents.jit import kernel
from agents.rng import uniform_one
from agents.state import (
    HUKOU_LOCAL,
    TENURE_OWNER,
    TENURE_PRIVATE_RENT,
    TENURE_PUBLIC_PRIORITY,
    TENURE_PUBLIC_RENTAL,
)


@kernel
def draw_tenure(hukou, u, owner_share_local, owner_share_nonlocal, public_share_local_renters):
    """Per household: hukou, uniform (n, 2) → int8 tenure. Owners by hukou; renters with a
    local hukou are public tenants with ``public_share_local_renters`` (non-local: never)."""
    out = np.empty(hukou.shape[0], np.int8)
    for i in range(hukou.shape[0]):
        local = hukou[i] == HUKOU_LOCAL
        if u[i, 0] < (owner_share_local if local else owner_share_nonlocal):
            out[i] = TENURE_OWNER
        elif local and u[i, 1] < public_share_local_renters:
            out[i] = TENURE_PUBLIC_RENTAL
        else:
            out[i] = TENURE_PRIVATE_RENT
    return out


@kernel
def admit_multichild_renters(tenure, children, household_hukou, hid, local_only, seed_stream, month, p_admit):
    """Private renters with 2+ children (``children`` (n_h, k): counts by age group), of local hukou if
    ``local_only``, move to public rental under the multi-child priority with probability
    ``p_admit`` this month: household h draws ``uniform_one(seed_stream, hid[h], month, 0)``
    (stream key = ``hid``), only if it qualifies. Changes ``tenure`` in place
    → number admitted."""
    admitted = 0
    for h in range(tenure.shape[0]):
        if tenure[h] != TENURE_PRIVATE_RENT or children[h].sum() < 2:
            continue
        if local_only and household_hukou[h] != HUKOU_LOCAL:
            continue
        if uniform_one(seed_stream, hid[h], month, 0) < p_admit:
            tenure[h] = TENURE_PUBLIC_PRIORITY
            admitted += 1
    return admitted


@kernel
def priority_discounts_and_tenure(tenure, n_members, rent_per_member, discount, out, counts):
    """Households in order: for each public tenant admitted through the multi-child priority
    (living or not), rent_per_member × members × discount into ``out`` (yuan/month the budget
    pays); ``counts[t] += 1`` for each household with members, by tenure t (the four TENURE_*
    codes) → number written. The counts are kept in registers, in a loop without a branch (a count
    in memory makes each household wait for the last one's store)."""
    owner = private = public = priority = 0
    for h in range(tenure.shape[0]):
        t = tenure[h]
        occupied = n_members[h] > 0
        owner += occupied & (t == TENURE_OWNER)
        private += occupied & (t == TENURE_PRIVATE_RENT)
        public += occupied & (t == TENURE_PUBLIC_RENTAL)
        priority += occupied & (t == TENURE_PUBLIC_PRIORITY)
    counts[TENURE_OWNER] += owner
    counts[TENURE_PRIVATE_RENT] += private
    counts[TENURE_PUBLIC_RENTAL] += public
    counts[TENURE_PUBLIC_PRIORITY] += priority
    k = 0
    for h in range(tenure.shape[0]):
        if tenure[h] == TENURE_PUBLIC_PRIORITY:
            out[k] = rent_per_member * n_members[h] * discount
            k += 1
    return k
