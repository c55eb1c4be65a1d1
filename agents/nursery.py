"""Nursery places rationed per district.

Each month every child under 3 who wants a nursery place queues in its district:
first the incumbents (children already holding a place), then newcomers; within each
of the two, higher ``priority`` first (e.g. 1 for multi-child families when the lever
``nursery_priority_multichild`` is on, else 0), then lower ``order_u`` (a pre-drawn
uniform), then lower row index. The first ``capacity[district]`` children in the queue
hold a place this month; the rest are waitlisted. Incumbents thus keep their places
unless capacity falls below their number, and a child who no longer wants a nursery
gives its place up.
"""

import numpy as np

from agents.jit import kernel

_PRIORITY_SPAN = 256    # int8 priorities −128..127 map to 0..255 in the sort key


@kernel
def ration_nursery_places(district, wants_nursery, enrolled, priority, order_u, capacity):
    """district (n,) int district index, wants_nursery (n,) bool, enrolled (n,) bool (holds a
    place now), priority (n,) int8 (higher first), order_u (n,) uniforms, capacity
    (n_districts,) int places
    → (gets_place (n,) bool, waitlisted (n,) bool, enrolled_count (n_districts,) int64,
       waitlist_count (n_districts,) int64).

    Only children who want a place get one or are waitlisted (never both); enrolled_count
    never exceeds max(capacity, 0). O(n log n): two stable merge sorts.
    """
    n = district.shape[0]
    n_districts = capacity.shape[0]
    gets_place = np.zeros(n, np.bool_)
    waitlisted = np.zeros(n, np.bool_)
    enrolled_count = np.zeros(n_districts, np.int64)
    waitlist_count = np.zeros(n_districts, np.int64)

    n_queue = 0
    for i in range(n):
        if wants_nursery[i]:
            if district[i] < 0 or district[i] >= n_districts:
                raise ValueError("ration_nursery_places: a district index lies outside capacity")
            n_queue += 1
    queue = np.empty(n_queue, np.int64)
    j = 0
    for i in range(n):
        if wants_nursery[i]:
            queue[j] = i
            j += 1

    # least significant key first: order_u, then (district, newcomer, −priority)
    queue = queue[np.argsort(order_u[queue], kind="mergesort")]
    key = np.empty(n_queue, np.int64)
    for j in range(n_queue):
        i = queue[j]
        newcomer = 0 if enrolled[i] else 1
        key[j] = ((np.int64(district[i]) * 2 + newcomer) * _PRIORITY_SPAN
                  + (_PRIORITY_SPAN // 2 - 1 - np.int64(priority[i])))
    queue = queue[np.argsort(key, kind="mergesort")]

    for j in range(n_queue):
        i = queue[j]
        d = district[i]
        if enrolled_count[d] < capacity[d]:
            gets_place[i] = True
            enrolled_count[d] += 1
        else:
            waitlisted[i] = True
            waitlist_count[d] += 1
    return gets_place, waitlisted, enrolled_count, waitlist_count
