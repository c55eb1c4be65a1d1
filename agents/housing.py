"""Housing kernels: tenure of new households and admission to public rental.

Tenure is a household state (agents/state.py TENURE_*): drawn by hukou when a household
forms, changed only by the multi-child priority for public rentals. The price of space
(sim/economy.py) depends on it. All shares and rates are assumptions (sim/parameters.py).
"""

import numpy as np

from agents.jit import kernel
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
def admit_multichild_renters(tenure, n_children, eligible, u, p_admit):
    """Private renters with 2+ children who are eligible move to public rental under the
    multi-child priority with probability ``p_admit`` this month. Changes ``tenure`` in
    place; → number admitted."""
    admitted = 0
    for h in range(tenure.shape[0]):
        if tenure[h] == TENURE_PRIVATE_RENT and n_children[h] >= 2 and eligible[h] and u[h] < p_admit:
            tenure[h] = TENURE_PUBLIC_PRIORITY
            admitted += 1
    return admitted
