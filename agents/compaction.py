"""Dropping the rows of the dead and emigrated, and grouping the rest by household.

``survivors`` decides which rows stay; ``household_order`` puts the kept persons in the order of
their households (row order within one), so that the month's per-household sums walk the
household arrays in order instead of jumping about them; ``positions`` numbers them;
``renumber_links`` rewrites partner, mother and household for the new numbering; ``gather``
moves each person array's rows into the new order; ``compact_rows`` moves a household array's
kept rows to the front (households keep their order).
No result depends on the order of person rows: random draws are keyed by person key, sums are
exact in any order (agents/sums.py), and lists that make new rows or ids are taken in pid order.
"""

import numpy as np

from numba import prange

from agents.jit import kernel, parallel_kernel
from agents.state import NO_HOUSEHOLD, NO_MOTHER, NO_PARTNER


@kernel
def survivors(alive, mother, age_months, household, child_months, n_households, keep_household):
    """→ (keep person rows, keep household rows), bool each. A person row stays if alive, or if a
    living child younger than ``child_months`` names it as mother (the child's care reads her
    wage, leave and parity). A household row stays if a kept person belongs to it or
    ``keep_household[h]`` (an array of n_households, or empty for none)."""
    n = alive.shape[0]
    keep_p = np.zeros(n, np.bool_)
    for i in range(n):
        if alive[i]:
            keep_p[i] = True
            m = mother[i]
            if m >= 0 and age_months[i] < child_months:
                keep_p[m] = True
    keep_h = np.zeros(n_households, np.bool_)
    if keep_household.shape[0] == n_households:
        for h in range(n_households):
            keep_h[h] = keep_household[h]
    for i in range(n):
        if keep_p[i] and household[i] >= 0:
            keep_h[household[i]] = True
    return keep_p, keep_h


@kernel
def new_numbers(keep):
    """bool (n,) → int32 (n,): each kept row's number after the compaction (−1 for a dropped row)."""
    out = np.empty(keep.shape[0], np.int32)
    k = 0
    for i in range(keep.shape[0]):
        out[i] = k if keep[i] else -1
        k += keep[i]
    return out


@kernel
def household_order(keep_p, household, new_household, n_households_kept):
    """→ int32: the kept person rows (``keep_p``) grouped by their household's new number
    (``new_household[old]``, −1 for a dropped household), in row order within a household; rows
    without a kept household last. A counting sort: each row's bucket first, in parallel
    (``_buckets``: the rows out of their household's place, 5–9 % after three years, each look
    ``new_household`` up at random, and two threads wait for two such reads at once), then the
    counts and the order in two serial passes over the buckets."""
    n = keep_p.shape[0]
    if n >= 2**31:
        raise ValueError("household_order: rows are numbered in int32")
    bucket = np.empty(n, np.int32)
    _buckets(keep_p, household, new_household, n_households_kept, bucket)
    counts = np.zeros(n_households_kept + 2, np.int64)
    for i in range(n):
        counts[bucket[i] + 1] += 1                     # bucket −1 (a row that goes) counts in counts[0]
    counts[0] = 0
    for b in range(1, counts.shape[0]):
        counts[b] += counts[b - 1]
    order = np.empty(counts[-1], np.int32)
    for i in range(n):
        b = bucket[i]
        if b >= 0:
            order[counts[b]] = i
            counts[b] += 1
    return order


@parallel_kernel
def _buckets(keep_p, household, new_household, n_households_kept, bucket):
    """bucket[i] = the new household number of kept row i (``_bucket``), −1 for a row that goes."""
    for i in prange(keep_p.shape[0]):
        bucket[i] = _bucket(household[i], new_household, n_households_kept) if keep_p[i] else -1


@kernel
def _bucket(h, new_household, n_households_kept):
    b = new_household[h] if h >= 0 else -1
    return b if b >= 0 else n_households_kept


@parallel_kernel
def positions(order, n):
    """order (k,) distinct rows of [0, n) → int32 (n,): each row's position in ``order``, −1 if absent
    (in parallel: the rows are distinct, so each is written once)."""
    out = np.empty(n, np.int32)
    for i in prange(n):
        out[i] = -1
    for j in prange(order.shape[0]):
        out[order[j]] = j
    return out


@parallel_kernel
def gather(values, order, out):
    """out[j] = values[order[j]] for each j (in parallel: each output row is one copy)."""
    for j in prange(order.shape[0]):
        out[j] = values[order[j]]


@kernel
def is_constant(values):
    """→ True if every value equals the first (or there are none): a gather would leave them as they are."""
    for i in range(1, values.shape[0]):
        if values[i] != values[0]:
            return False
    return True


@parallel_kernel
def renumber_links(keep_p, partner, mother, household, new_person, new_household):
    """In place, for kept rows, in parallel (each row writes its own fields): partner, mother and
    household to their new numbers (``new_*[old]`` from ``new_numbers``; a mother whose row goes
    becomes NO_MOTHER). A kept row's partner is kept (partners of the gone are cleared when they go)."""
    for i in prange(keep_p.shape[0]):
        if not keep_p[i]:
            continue
        q = partner[i]
        if q != NO_PARTNER:
            partner[i] = new_person[q]
        m = mother[i]
        if m != NO_MOTHER:
            mother[i] = new_person[m] if new_person[m] >= 0 else NO_MOTHER
        hh = household[i]
        if hh != NO_HOUSEHOLD:
            household[i] = new_household[hh]


@kernel
def compact_rows(values, keep):
    """In place: the rows where ``keep`` moved, in order, to the front of ``values`` → their number."""
    k = 0
    for i in range(keep.shape[0]):
        if keep[i]:
            values[k] = values[i]
            k += 1
    return k
