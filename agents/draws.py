"""Turning uniforms and normals into the synthetic population's draws, one pass each.

``normal_cdf`` is Φ(z) = ½(1 + erf(z/√2)) with the C library's erf, which is what Python's
``math.erf`` (and so ``np.vectorize(math.erf)``) calls: the same numbers, without a Python call
per person. ``categories`` counts how many cumulative shares lie below each uniform;
``birth_age_weights`` gives each woman's weight as the mother of a child of a given age.
"""

import math

import numpy as np

from agents.jit import kernel


@kernel
def normal_cdf(z):
    """z (n,) → Φ(z) (n,) float64."""
    out = np.empty(z.shape[0])
    root2 = math.sqrt(2.0)
    for i in range(z.shape[0]):
        out[i] = 0.5 * (1.0 + math.erf(z[i] / root2))
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
