"""Each numba kernel against a plain-Python reference, on random inputs."""

import math

import numpy as np
import pytest
from scipy import stats

from agents.ageing import age_one_month
from agents.census import count_census, count_women_at_work
from agents.conception import (advance_pregnancies, conception_candidates, decide_conception, may_conceive,
                               parity_cap, short_of_desired)
from agents.marriage import children_moving_with, decide_divorce, enter_search, match_couples
from agents.migration import as_bits, decide_household_emigration, members_of
from agents.mortality import decide_deaths
from agents.rng import Streams, child_keys
from agents.rows import rows_where, rows_where_2
from agents.state import FEMALE, HUKOU_LOCAL, NO_CHILD, NO_PARTNER, NOT_PREGNANT, PREGNANCY_MONTHS

N = 3000


@pytest.fixture
def people():
    g = np.random.default_rng(7)
    n = N
    partner = np.where(g.random(n) < 0.5, g.integers(0, n, n), NO_PARTNER).astype(np.int32)
    return {
        "alive": g.random(n) < 0.9,
        "age_months": g.integers(0, 110 * 12, n).astype(np.int16),
        "sex": g.integers(0, 2, n).astype(np.int8),
        "partner": partner,
        "searching": g.random(n) < 0.2,
        "ever_married": g.random(n) < 0.5,
        "fecund": g.random(n) < 0.85,
        "months_pregnant": np.where(g.random(n) < 0.1, g.integers(1, 10, n), NOT_PREGNANT).astype(np.int8),
        "parity": g.integers(0, 4, n).astype(np.int8),
        "months_since_last_birth": np.where(g.random(n) < 0.6, g.integers(0, 200, n), NO_CHILD).astype(np.int16),
        "key": g.integers(0, 2**62, n).astype(np.int64),
        "desired": g.integers(0, 4, n).astype(np.int8),
        "hukou": g.integers(0, 2, n).astype(np.int8),
    }


STREAMS = Streams(31)
MONTH = 24_300


def drawn(name, keys, month=MONTH, k=None):
    """The uniforms a kernel drawing from stream ``name`` gets for ``keys`` (counter-based: the same
    whoever else draws)."""
    return STREAMS.uniform(name, keys, month) if k is None else STREAMS.uniform_k(name, keys, month, k)


def seed_stream(name):
    return STREAMS.seed_stream(name)


def test_age_one_month(people):
    age, since = people["age_months"].copy(), people["months_since_last_birth"].copy()
    n_45, parity_45 = age_one_month(people["alive"], age, since, people["sex"], people["parity"], 45 * 12)
    turning = []
    for i in range(N):
        a = people["alive"][i]
        assert age[i] == people["age_months"][i] + (1 if a else 0)
        s0 = people["months_since_last_birth"][i]
        assert since[i] == (s0 + 1 if a and s0 != NO_CHILD else s0)
        if a and people["sex"][i] == FEMALE and age[i] == 45 * 12:
            turning.append(people["parity"][i])
    assert (n_45, parity_45) == (len(turning), sum(int(x) for x in turning))


def test_decide_deaths(people):
    table = np.random.default_rng(1).random((101, 2)) * 0.1
    dies = np.full(N, 7, np.uint8)
    decide_deaths(people["alive"], people["age_months"], people["sex"], people["key"], table,
                  seed_stream("mortality"), MONTH, dies, np.empty(N))
    u = drawn("mortality", people["key"])
    for i in range(N):
        a = min(people["age_months"][i] // 12, 100)
        assert dies[i] == (people["alive"][i] and u[i] < table[a, people["sex"][i]])


def test_decide_household_emigration():
    g = np.random.default_rng(3)
    members, nonlocal_ = g.integers(0, 3, 500) * (g.random(500) < 0.8), g.random(500) < 0.4
    hid = np.arange(1000, 1500, dtype=np.int32)
    leaves = np.zeros(500, np.bool_)
    decide_household_emigration(members, nonlocal_, hid, 0.3, 0.05, seed_stream("emigration"), MONTH, leaves)
    u = drawn("emigration", hid)
    want = [members[h] > 0 and u[h] < (0.3 if nonlocal_[h] else 0.05) for h in range(500)]
    assert list(leaves) == want
    alive, household = g.random(3000) < 0.9, g.integers(0, 500, 3000).astype(np.int32)
    mask = np.zeros(3000, np.uint8)
    bits = np.zeros((500 + 63) // 64, np.uint64)
    assert as_bits(leaves, bits) == leaves.sum()
    members_of(alive, household, bits, mask)
    assert list(mask) == [int(alive[i] and leaves[household[i]]) for i in range(3000)]


def test_enter_search(people):
    table = np.random.default_rng(2).random((101, 2)) * 0.2
    p = people
    searching = p["searching"].copy()
    pool = np.zeros(N, np.uint8)
    enter_search(p["alive"], p["age_months"], p["sex"], p["partner"], searching, p["ever_married"], p["key"],
                 table, 0.5, seed_stream("search_entry"), MONTH, pool)
    u = drawn("search_entry", p["key"])
    for i in range(N):
        pr = table[min(p["age_months"][i] // 12, 100), p["sex"][i]] * (0.5 if p["ever_married"][i] else 1.0)
        single = p["alive"][i] and p["partner"][i] == NO_PARTNER
        joins = single and not p["searching"][i] and u[i] < pr
        assert searching[i] == (p["searching"][i] or joins)
        in_pool = single and searching[i]
        assert pool[i] == (0 if not in_pool else (1 if p["sex"][i] == FEMALE else 2))


def test_rows_of_a_mask():
    g = np.random.default_rng(4)
    for n in (0, 1, 7, 8, 9, 100, 1001):
        mask = (g.random(n) < 0.1) * g.integers(1, 3, n).astype(np.uint8)
        out1, out2 = np.empty(n, np.int64), np.empty(n, np.int64)
        assert list(out1[:rows_where(mask, out1)]) == list(np.flatnonzero(mask))
        k1, k2 = rows_where_2(mask, out1, out2)
        assert list(out1[:k1]) == list(np.flatnonzero(mask == 1))
        assert list(out2[:k2]) == list(np.flatnonzero(mask == 2))


def match_reference(w_age, w_edu, w_d, m_age, m_edu, m_d, z, uc, ua, gap_mean, gap_sd, we, wd, accept):
    husband = [-1] * len(w_age)
    taken = [False] * len(m_age)
    for i in range(len(w_age)):
        target = w_age[i] + gap_mean + gap_sd * z[i]
        lo, hi = int(np.searchsorted(m_age, target - gap_sd)), int(np.searchsorted(m_age, target + gap_sd))
        best, best_score = -1, -math.inf
        for c in range(uc.shape[1]):
            j = lo + int(uc[i, c] * (hi - lo))
            if j >= hi or taken[j]:
                continue
            score = -0.5 * ((m_age[j] - w_age[i] - gap_mean) / gap_sd) ** 2 - we * abs(int(m_edu[j]) - int(w_edu[i]))
            score -= wd if m_d[j] != w_d[i] else 0.0
            if score > best_score:
                best, best_score = j, score
        if best >= 0 and ua[i] < accept * math.exp(best_score):
            husband[i] = best
            taken[best] = True
    return husband


@pytest.mark.parametrize("n_w,n_m", [(300, 400), (500, 50), (1, 1)])
def test_match_couples(n_w, n_m):
    g = np.random.default_rng(n_w + n_m)
    w_age, m_age = g.uniform(20, 45, n_w), np.sort(g.uniform(20, 50, n_m))
    args = (w_age, g.integers(0, 4, n_w).astype(np.int8), g.integers(0, 16, n_w).astype(np.int8),
            m_age, g.integers(0, 4, n_m).astype(np.int8), g.integers(0, 16, n_m).astype(np.int8),
            g.standard_normal(n_w), g.random((n_w, 6)), g.random(n_w), 1.5, 3.0, 0.5, 0.5, 0.8)
    got = match_couples(*args)
    assert list(got) == match_reference(*args)
    matched = got[got >= 0]
    assert len(set(matched)) == len(matched)          # no man married twice


def test_matching_prefers_the_age_gap():
    """Many candidates, no other preference: realised gaps centre on gap_mean."""
    g = np.random.default_rng(11)
    n = 4000
    w_age, m_age = g.uniform(22, 40, n), np.sort(g.uniform(18, 50, 3 * n))
    zeros_w, zeros_m = np.zeros(n, np.int8), np.zeros(3 * n, np.int8)
    h = match_couples(w_age, zeros_w, zeros_w, m_age, zeros_m, zeros_m, g.standard_normal(n), g.random((n, 16)),
                      g.random(n), 2.0, 2.0, 0.0, 0.0, 1.0)
    gaps = m_age[h[h >= 0]] - w_age[h >= 0]
    assert abs(gaps.mean() - 2.0) < 0.25
    assert gaps.std() < 3.5


def test_decide_divorce(people):
    p = people
    mask = np.zeros(N, np.uint8)
    decide_divorce(p["alive"], p["sex"], p["partner"], p["key"], 0.3, seed_stream("divorce"), MONTH, mask)
    u = drawn("divorce", p["key"])
    for i in range(N):
        assert mask[i] == (p["alive"][i] and p["sex"][i] == 1 and p["partner"][i] != NO_PARTNER and u[i] < 0.3)


def test_children_moving_with_a_bride(people):
    p = people
    g = np.random.default_rng(8)
    mother = np.where(g.random(N) < 0.7, g.integers(0, N, N), -1).astype(np.int32)
    household = g.integers(0, 50, N).astype(np.int32)
    bride = g.random(N) < 0.3
    mask = np.zeros(N, np.uint8)
    children_moving_with(p["alive"], mother, p["age_months"], household, bride, 18 * 12, mask)
    for i in range(N):
        m = mother[i]
        want = p["alive"][i] and p["age_months"][i] < 216 and m >= 0 and bride[m] and household[i] == household[m]
        assert mask[i] == want


def test_advance_pregnancies(people):
    mp = people["months_pregnant"].copy()
    births = np.full(N, 9, np.uint8)
    advance_pregnancies(people["alive"], mp, births)
    for i in range(N):
        m0 = people["months_pregnant"][i]
        if m0 == NOT_PREGNANT:
            assert mp[i] == NOT_PREGNANT and not births[i]
        elif not people["alive"][i]:
            assert mp[i] == NOT_PREGNANT and not births[i]
        elif m0 + 1 > PREGNANCY_MONTHS:
            assert births[i] and mp[i] == NOT_PREGNANT
        else:
            assert mp[i] == m0 + 1 and not births[i]


def cap_reference(desired, hukou, u_comply, limit, local_only, compliance, u_only_child=1.0, oc_limit=0,
                  oc_local_only=False, oc_share=0.0):
    local = hukou == HUKOU_LOCAL
    bound = limit if (local or not local_only) else 0
    if oc_limit > 0 and (local or not oc_local_only) and u_only_child < oc_share:
        bound = oc_limit
    complies = bound > 0 and u_comply < compliance
    return min(desired, bound) if complies else desired


@pytest.mark.parametrize("limit,local_only,oc_limit,oc_local_only", [
    (0, False, 0, False), (1, False, 0, False), (2, True, 0, False), (3, False, 0, False),
    (1, False, 2, False), (1, True, 2, True), (2, False, 1, True), (0, False, 2, False)])
def test_conception_candidates_and_parity_cap(people, limit, local_only, oc_limit, oc_local_only):
    p = people
    rel = np.zeros(101)
    rel[15:50] = np.random.default_rng(6).random(35)
    rel[30] = 0.0
    art_ages = np.array([35 * 12, 45 * 12])
    mask = np.zeros(N, np.uint8)
    oc_share = 0.4
    conception_candidates(p["alive"], p["sex"], p["age_months"], p["partner"], p["fecund"], p["months_pregnant"],
                          p["parity"], p["months_since_last_birth"], p["desired"], p["hukou"], p["key"], limit,
                          local_only, 0.8, seed_stream("birth_limit_compliance"), oc_limit, oc_local_only, oc_share,
                          seed_stream("only_child_couple"), rel, 3, art_ages, mask)
    u_comply = STREAMS.uniform("birth_limit_compliance", p["key"], 0)     # month 0: a per-person constant
    u_only_child = STREAMS.uniform("only_child_couple", p["key"], 0)
    for i in range(N):
        cap = cap_reference(int(p["desired"][i]), p["hukou"][i], u_comply[i], limit, local_only, 0.8,
                            u_only_child[i], oc_limit, oc_local_only, oc_share)
        assert parity_cap(p["desired"][i], p["hukou"][i], p["key"][i], limit, local_only, 0.8,
                          seed_stream("birth_limit_compliance"), oc_limit, oc_local_only, oc_share,
                          seed_stream("only_child_couple")) == cap
        if oc_limit == 0:       # the 7-argument form is the one without the only-child limit
            assert parity_cap(p["desired"][i], p["hukou"][i], p["key"][i], limit, local_only, 0.8,
                              seed_stream("birth_limit_compliance")) == cap
        base = (p["alive"][i] and p["sex"][i] == 1 and p["partner"][i] != NO_PARTNER
                and p["months_pregnant"][i] == NOT_PREGNANT and p["parity"][i] < cap)
        since = p["months_since_last_birth"][i]
        a = p["age_months"][i] // 12
        fecund = (base and p["fecund"][i] and not (since != NO_CHILD and since < 3) and a < 101 and rel[a] > 0)
        art = base and not p["fecund"][i] and 35 * 12 <= p["age_months"][i] < 45 * 12
        assert mask[i] == (1 if fecund else 2 if art else 0)


def test_decide_conception(people):
    p = people
    g = np.random.default_rng(5)
    women = np.flatnonzero((p["sex"] == 1) & (p["age_months"] < 50 * 12)).astype(np.int64)
    extra = g.normal(0, 1, len(women))
    rel = np.zeros(101)
    rel[15:50] = g.random(35)
    base = np.array([-1.0, -2.0, -3.0])
    got = decide_conception(women, p["age_months"], p["parity"], p["months_since_last_birth"], p["key"], extra,
                            rel, 0.25, base, -0.1, seed_stream("conception"), MONTH)
    u = drawn("conception", p["key"][women])
    for j, i in enumerate(women):
        since = p["months_since_last_birth"][i]
        x = base[min(p["parity"][i], 2)] + extra[j] + (-0.1 * since / 12.0 if since != NO_CHILD else 0.0)
        assert got[j] == (u[j] < 0.25 * rel[p["age_months"][i] // 12] / (1 + math.exp(-x)))


def test_may_conceive_is_a_bound_of_decide_conception(people):
    """Women whose draw lies at or above fecundability × rel_fecundity cannot conceive whatever their
    log-odds, so computing those only for the others changes nothing."""
    p = people
    rel = np.zeros(101)
    rel[15:50] = np.random.default_rng(9).random(35)
    women = np.flatnonzero((p["sex"] == 1) & (p["age_months"] < 50 * 12)).astype(np.int64)
    may = may_conceive(women, p["age_months"], p["key"], rel, 0.3, seed_stream("conception"), MONTH)
    u = drawn("conception", p["key"][women])
    assert (may == (u < 0.3 * rel[p["age_months"][women] // 12])).all()
    assert 0 < may.sum() < len(women)
    for extra in (np.full(len(women), 50.0), np.full(len(women), -50.0), np.zeros(len(women))):
        got = decide_conception(women, p["age_months"], p["parity"], p["months_since_last_birth"], p["key"], extra,
                                rel, 0.3, np.zeros(3), 0.0, seed_stream("conception"), MONTH)
        assert not (got & ~may).any()


def test_short_of_desired(people):
    p = people
    mask = np.zeros(N, np.uint8)
    short_of_desired(p["alive"], p["sex"], p["partner"], p["age_months"], p["parity"], p["desired"], 50 * 12, mask)
    for i in range(N):
        assert mask[i] == (p["alive"][i] and p["sex"][i] == 1 and p["partner"][i] != NO_PARTNER
                           and p["age_months"][i] < 600 and p["parity"][i] < p["desired"][i])


@pytest.mark.parametrize("n", [N, 600_000])
def test_count_census(n):
    g = np.random.default_rng(n)
    alive, age, sex = g.random(n) < 0.9, g.integers(0, 110 * 12, n).astype(np.int16), g.integers(0, 2, n).astype(np.int8)
    district = g.integers(0, 16, n).astype(np.int8)
    got, residents, young = count_census(alive, age, sex, district, 101, 16, 36)
    want = np.zeros((101, 2), int)
    np.add.at(want, (np.minimum(age[alive] // 12, 100), sex[alive]), 1)
    assert (got == want).all()
    assert (residents == np.bincount(district[alive], minlength=16)).all()
    assert (young == np.bincount(district[alive & (age < 36)], minlength=16)).all()


def test_count_women_at_work():
    g = np.random.default_rng(9)
    n = 300_000
    alive, sex, employed = g.random(n) < 0.9, g.integers(0, 2, n).astype(np.int8), g.random(n) < 0.6
    age = g.integers(0, 110 * 12, n).astype(np.int16)
    got = count_women_at_work(alive, sex, age, employed, 1, np.array([[25, 49], [15, 10_000]]))
    for r, (lo, hi) in enumerate([(25, 49), (15, 10_000)]):
        women = alive & (sex == 1) & (age // 12 >= lo) & (age // 12 <= hi)
        assert got[r].tolist() == [women.sum(), (women & employed).sum()]


def test_uniforms_are_uniform_and_independent():
    """Fixed-seed KS test (α = 0.001) and a near-zero correlation between streams and months."""
    s = Streams(42)
    keys = np.arange(200_000)
    a = s.uniform("a", keys, 100)
    b = s.uniform("b", keys, 100)
    c = s.uniform("a", keys, 101)
    for x in (a, b, c):
        assert stats.kstest(x, "uniform").pvalue > 1e-3
        assert x.min() >= 0.0 and x.max() < 1.0
    # |r| of independent uniforms has sd 1/sqrt(n) ≈ 0.0022: 5 sd bound
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.011 and abs(np.corrcoef(a, c)[0, 1]) < 0.011
    z = s.normal("z", keys, 3)
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_streams_are_counter_based():
    """A draw depends only on (seed, stream, key, month): not on which other keys are drawn with it."""
    s1, s2 = Streams(9), Streams(9)
    keys = np.array([5, 17, 123456789, 2**60 + 3], dtype=np.int64)
    whole = s1.uniform("x", keys, 7)
    one_by_one = np.array([s2.uniform("x", keys[i:i + 1], 7)[0] for i in range(len(keys))])
    assert (whole == one_by_one).all()
    assert not (Streams(10).uniform("x", keys, 7) == whole).any()
    ck = child_keys(keys, np.array([1, 1, 2, 1]))
    assert len(set(ck)) == 4 and (ck >= 0).all()
