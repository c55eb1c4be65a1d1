"""Turning uniforms and normals into the synthetic population's draws, one pass each.

``ever_married_probability`` takes Φ(z) = ½(1 + erf(z/√2)) with the C library's erf, which is what
Python's ``math.erf`` (and so ``np.vectorize(math.erf)``) calls: the same numbers, without a Python
call per person. ``categories`` counts how many cumulative shares lie below each uniform;
``birth_age_weights`` gives each woman's weight as the mother of a child of a given age;
``count_at_or_below`` and ``search_cumulative`` are the searches of numpy's ``Generator.choice``
with weights, for a short and a long list of weights.
"""

import math

import numpy as np

from agents.jit import kernel


@kernel
def ever_married_probability(age_months, sex, mean_age_first_marriage, min_age, share, sd):
    """Ages in months and sexes (n,); mean age at first marriage and minimum age by sex (years)
    → float64 (n,): share × Φ((age − mean age at first marriage) / sd), 0 under the minimum age.
    One pass instead of a person-long array per step."""
    out = np.empty(age_months.shape[0])
    root2 = math.sqrt(2.0)
    for i in range(age_months.shape[0]):
        age = age_months[i] / 12.0
        if age >= min_age[sex[i]]:
            z = (age - mean_age_first_marriage[sex[i]]) / sd
            out[i] = share * (0.5 * (1.0 + math.erf(z / root2)))
        else:
            out[i] = 0.0
    return out


@kernel
def categories(u, group, sex, cum_share):
    """u (n,) uniforms, group (n,) and sex (n,) indices into ``cum_share`` (groups, sexes, k), the
    cumulative shares of k categories → int64 (n,): the number of the first k − 1 cumulative
    shares below u, i.e. the category drawn (0..k−1)."""
    n = u.shape[0]
    k = cum_share.shape[2]
    out = np.empty(n, np.int64)
    for i in range(n):
        c = 0
        for j in range(k - 1):
            c += u[i] > cum_share[group[i], sex[i], j]
        out[i] = c
    return out


@kernel
def birth_age_weights(mother_age, child_age, asfr_by_group, out):
    """Women's ages (years) and a child's age → ``out``: the fertility rate of the 5-year group
    (15-19, 20-24, ...) each woman was in at the child's birth, 0 outside the groups."""
    n_groups = asfr_by_group.shape[0]
    for i in range(mother_age.shape[0]):
        group = (np.int64(mother_age[i]) - child_age - 15) // 5
        out[i] = asfr_by_group[group] if 0 <= group < n_groups else 0.0


@kernel
def count_at_or_below(cum, u):
    """cum (k,) sorted, u (n,) uniforms → int64 (n,): the number of ``cum`` values ≤ each u,
    ``cum.searchsorted(u, side="right")`` (how ``Generator.choice`` draws from a cdf), in one
    pass for a short ``cum``."""
    out = np.empty(u.shape[0], np.int64)
    for i in range(u.shape[0]):
        c = 0
        for j in range(cum.shape[0]):
            c += cum[j] <= u[i]
        out[i] = c
    return out


@kernel
def search_cumulative(p, x, by_x):
    """p (n,) non-negative weights, not all 0; x (m,) uniforms and ``by_x`` an argsort of them (numpy's
    is the faster) → int64 (m,): for each x, the number of cdf values ≤ x, cdf = np.cumsum(p) / its
    last value: ``cdf.searchsorted(x, side="right")``, the same numbers as numpy's ``Generator.choice``
    draws with. A pass to the total and a pass alongside the x in order, adding in the same order as
    np.cumsum, instead of writing the cdf and searching it once per x at random."""
    total = 0.0
    for i in range(p.shape[0]):
        total += p[i]
    out = np.empty(x.shape[0], np.int64)
    k = 0
    running = 0.0
    for i in range(p.shape[0]):
        if k == x.shape[0]:
            break
        running += p[i]
        cdf = running / total
        while k < x.shape[0] and x[by_x[k]] < cdf:
            out[by_x[k]] = i
            k += 1
    for r in range(k, x.shape[0]):       # x at or above the last cdf value (1.0): past the end
        out[by_x[r]] = p.shape[0]
    return out


@kernel
def first_draws(drawn, seen):
    """drawn (m,) indices, seen (n,) bool marks (set here) → the drawn not seen before, each once,
    in the order drawn: ``drawn[np.sort(np.unique(drawn, return_index=True)[1])]`` when nothing is
    marked yet, without sorting."""
    out = np.empty(drawn.shape[0], np.int64)
    k = 0
    for i in range(drawn.shape[0]):
        if not seen[drawn[i]]:
            seen[drawn[i]] = True
            out[k] = drawn[i]
            k += 1
    return out[:k]
