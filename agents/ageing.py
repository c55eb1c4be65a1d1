"""Ageing: every living person gets one month older."""

from agents.jit import kernel
from agents.state import NO_CHILD


@kernel
def age_one_month(alive, age_months, months_since_last_birth):
    """In place: +1 month of age, and of time since the last birth where there is one."""
    for i in range(alive.shape[0]):
        if alive[i]:
            age_months[i] += 1
            if months_since_last_birth[i] != NO_CHILD:
                months_since_last_birth[i] += 1
