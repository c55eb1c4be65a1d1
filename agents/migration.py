"""Migration: which households leave the region this month.

Immigrants are new rows, created by the orchestration in ``sim/``.
"""

import numpy as np

from agents.jit import kernel


@kernel
def decide_household_emigration(hh_alive, hh_nonlocal, p_leave_nonlocal, p_leave_local, u):
    """Per household: alive, non-local flag, monthly leave probabilities, one uniform → bool leaves."""
    leaves = np.zeros(hh_alive.shape[0], np.bool_)
    for h in range(hh_alive.shape[0]):
        if hh_alive[h]:
            p = p_leave_nonlocal if hh_nonlocal[h] else p_leave_local
            leaves[h] = u[h] < p
    return leaves
