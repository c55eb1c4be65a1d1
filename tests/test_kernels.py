"""Each numba kernel against a plain-Python reference, on random inputs."""

import math

import numpy as np
import pytest
from scipy import stats

from agents.ageing import MAX_AGE_MONTHS, age_one_month, age_years
from agents.census import count_census, count_mothers_at_work, count_women_at_work
from agents.compaction import household_order, is_constant, new_numbers
from agents.conception import (advance_pregnancies, age_bits, conception_candidates, decide_conception, may_conceive,
                               parity_cap, short_of_desired)
from agents.housing import priority_discounts_and_tenure
from agents.income import household_earnings, household_taxes, household_totals, person_incomes
from agents.draws import count_at_or_below, ever_married_probability, first_draws, search_cumulative
from agents.marriage import children_moving_with, decide_divorce, enter_search, match_couples
from agents.migration import decide_household_emigration, members_of
from agents.mortality import decide_deaths
from agents.rng import Streams, child_keys
from agents.rows import ROW_BLOCK, as_bits, rows_where, rows_where_2, set_bits
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER, income_tax_monthly
from agents.state import (FEMALE, HUKOU_LOCAL, NO_CHILD, NO_PARTNER, NOT_PREGNANT, PREGNANCY_MONTHS,
                          TENURE_PUBLIC_PRIORITY)
from agents.sums import FIXED_PER_YUAN

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
    """Against the rule row by row, over three blocks of rows (the people three times over)."""
    table = np.random.default_rng(1).random((101, 2)) * 0.1
    alive, age_months, sex, key = (np.tile(people[k], 3) for k in ("alive", "age_months", "sex", "key"))
    dies = np.full(3 * N, 7, np.uint8)
    decide_deaths(alive, age_months, sex, key, table, seed_stream("mortality"), MONTH, dies)
    u = drawn("mortality", key)
    for i in range(3 * N):
        a = min(age_months[i] // 12, 100)
        assert dies[i] == (alive[i] and u[i] < table[a, sex[i]])
    assert dies.sum() > 100


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
    same_bits = np.zeros_like(bits)
    set_bits(same_bits, np.flatnonzero(leaves))
    assert same_bits.tobytes() == bits.tobytes()
    members_of(alive, household, bits, mask)
    assert list(mask) == [int(alive[i] and leaves[household[i]]) for i in range(3000)]


@pytest.mark.parametrize("first_age", [0, 16])
def test_enter_search(people, first_age):
    """Against the rule row by row; with a table that is zero below age 16, rows below it are not drawn for."""
    table = np.random.default_rng(2).random((101, 2)) * 0.2
    table[:first_age] = 0.0
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
    assert (searching & ~p["searching"]).sum() > 20          # some joined


def test_rows_of_a_mask():
    g = np.random.default_rng(4)
    for n, share in [(n, 0.1) for n in (0, 1, 7, 8, 9, 100, 1001)] + \
            [(3 * ROW_BLOCK + 5, share) for share in (0.0, 0.001, 0.3, 1.0)]:      # several blocks, sparse to full
        mask = (g.random(n) < share) * g.integers(1, 3, n).astype(np.uint8)
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
    bride[household >= 40] = False                                         # households 40-49: no bride
    mask = np.zeros(N, np.uint8)
    bride_households = np.zeros(1, np.uint64)
    as_bits(np.bincount(household[bride], minlength=50) > 0, bride_households)
    assert not bride_households[0] >> np.uint64(40)
    children_moving_with(p["alive"], mother, p["age_months"], household, bride, bride_households, 18 * 12, mask)
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


def test_count_mothers_at_work_counts_each_living_mother_once():
    """Against the array code it replaced: the unique mothers of living children under 3, kept if alive."""
    g = np.random.default_rng(13)
    n = 200_000
    alive, employed = g.random(n) < 0.9, g.random(n) < 0.6
    age = g.integers(0, 60, n).astype(np.int16)                      # many children under 3, siblings too
    mother = np.where(g.random(n) < 0.7, g.integers(0, n // 20, n), -1).astype(np.int32)
    marked = np.full(n, 7, np.uint8)                                # overwritten by the kernel
    mothers, at_work = count_mothers_at_work(alive, age, mother, employed, 36, marked)
    want = np.unique(mother[alive & (age < 36) & (mother >= 0)])
    want = want[alive[want]]
    assert (mothers, at_work) == (len(want), employed[want].sum()) and 0 < at_work < mothers < n // 20


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


def test_age_years_is_floor_division_on_the_whole_range():
    ages = np.arange(0, MAX_AGE_MONTHS + 1)
    assert [age_years(np.int16(a)) for a in ages] == list(ages // 12)


def test_search_cumulative_is_numpys_choice_search():
    """The cdf search of Generator.choice with weights (zeros and ties included); and weighted_choice,
    built on it, makes the same draws as Generator.choice, with and without replacement."""
    from sim.synthesis import weighted_choice
    g = np.random.default_rng(5)
    for case in range(60):
        n = int(g.integers(1, 400))
        w = g.random(n) * (g.random(n) < g.random())
        if case % 3 == 0:
            w = np.round(w * 4) / 4
        if not w.any():
            w[g.integers(0, n)] = 1.0
        x = g.random(int(g.integers(0, 300)))
        cdf = np.cumsum(w)
        cdf /= cdf[-1]
        assert np.array_equal(search_cumulative(w, x, np.argsort(x)), cdf.searchsorted(x, side="right"))
        size = int(g.integers(1, 2 * np.count_nonzero(w) + 2))
        replace = size > np.count_nonzero(w) or case % 2 == 0
        seed = int(g.integers(0, 2**32))
        want = np.random.default_rng(seed).choice(n, size=size, p=w / w.sum(), replace=replace)
        assert np.array_equal(weighted_choice(np.random.default_rng(seed), w, size, replace), want)


def test_count_at_or_below_is_searchsorted_right():
    g = np.random.default_rng(8)
    cdf = np.cumsum([0.1, 0.25, 0.0, 0.4, 0.25])
    cdf /= cdf[-1]
    u = np.concatenate([g.random(N), cdf[:-1], [0.0]])      # ties on the cdf values
    assert np.array_equal(count_at_or_below(cdf, u), cdf.searchsorted(u, side="right"))
    probs = np.array([0.1, 0.25, 0.0, 0.4, 0.25])           # the draws of Generator.choice with these weights
    assert np.array_equal(count_at_or_below(cdf, np.random.default_rng(2).random(N)),
                          np.random.default_rng(2).choice(len(probs), N, p=probs))


def test_first_draws_is_unique_in_the_order_drawn():
    g = np.random.default_rng(9)
    drawn = g.integers(0, 50, 200)
    _, first = np.unique(drawn, return_index=True)
    seen = np.zeros(50, bool)
    assert np.array_equal(first_draws(drawn, seen), drawn[np.sort(first)])
    assert seen.sum() == len(first) and len(first_draws(drawn, seen)) == 0      # marked: not again


def test_ever_married_probability():
    g = np.random.default_rng(3)
    age_months, sex = g.integers(0, 110 * 12, N).astype(np.int16), g.integers(0, 2, N).astype(np.int8)
    afm, min_age, share, sd = np.array([27.5, 25.9]), np.array([22, 20]), 0.95, 3.5
    age = age_months / 12.0
    want = share * 0.5 * (1.0 + np.vectorize(math.erf)((age - afm[sex]) / sd / math.sqrt(2.0)))
    want[age < min_age[sex]] = 0.0
    assert np.array_equal(ever_married_probability(age_months, sex, afm, min_age, share, sd), want)


def test_age_windows_by_value_is_age_windows():
    """Men's ages in whole months, evenly spaced or with gaps; women's targets on and between them."""
    from agents.marriage import age_windows, age_windows_by_value
    g = np.random.default_rng(11)
    for case in range(40):
        m_age = np.sort(g.integers(0, int(g.integers(1, 1500)), int(g.integers(1, 2000)))) / 12.0
        if case % 4 == 0:
            m_age = m_age[m_age % 2 < 0.5]     # gaps
        if len(m_age) == 0:
            continue
        target = g.integers(-100, 1700, int(g.integers(0, 1000))) / 12.0 + g.standard_normal() * (case % 2)
        gap_sd = float(g.choice([5.0, 1 / 12, 0.0]))
        want = age_windows(target, np.argsort(target), m_age, gap_sd)
        assert all(np.array_equal(a, b) for a, b in zip(age_windows_by_value(target, m_age, gap_sd), want))


def test_household_order_is_a_stable_sort_by_new_household():
    """Kept rows by their household's new number, row order within one, rows whose household goes last."""
    g = np.random.default_rng(17)
    n, n_h = 100_000, 30_000
    household = np.where(g.random(n) < 0.97, np.sort(g.integers(0, n_h, n)), g.integers(-1, n_h, n)).astype(np.int32)
    keep_p, keep_h = g.random(n) < 0.9, g.random(n_h) < 0.95
    new_household = new_numbers(keep_h)
    order = household_order(keep_p, household, new_household, int(keep_h.sum()))
    bucket = np.where(household >= 0, new_household[household], -1)
    bucket = np.where(bucket >= 0, bucket, keep_h.sum())
    rows = np.flatnonzero(keep_p)
    assert order.tolist() == rows[np.argsort(bucket[rows], kind="stable")].tolist()


def test_is_constant():
    assert is_constant(np.zeros(0, np.int8)) and is_constant(np.full(5, 7, np.int16))
    x = np.full(50, 3, np.uint32)
    x[49] = 4
    assert not is_constant(x) and is_constant(x[:49])


def test_age_bits_mark_the_non_zero_ages():
    table = np.zeros(101)
    table[[0, 15, 49, 63, 64, 100]] = 0.5
    low, high = age_bits(table)
    assert [a for a in range(128) if ((int(low) | int(high) << 64) >> a) & 1] == [0, 15, 49, 63, 64, 100]
    with pytest.raises(ValueError, match="at most 128 ages"):
        age_bits(np.ones(129))


def grouped_persons(g, n, n_h, pay_step):
    """Persons grouped by household but for 5 % moved out of their group: (household, alive, gross pay
    in whole steps of ``pay_step``, so that households have ties among their top pays, contributions)."""
    household = np.sort(g.integers(0, n_h, n)).astype(np.int32)
    moved = g.random(n) < 0.05
    household[moved] = g.integers(0, n_h, np.count_nonzero(moved))
    alive = g.random(n) < 0.9
    gross = np.where(alive, g.integers(0, 5, n) * pay_step, -np.inf)
    contributions = np.where(alive, g.random(n) * 9000.0, 0.0)
    return household, alive, gross, contributions


@pytest.mark.parametrize("parts", [1, 2, 7])
def test_household_earnings_sum_each_household_for_any_number_of_parts(parts):
    n, n_h = 100_003, 30_001
    household, alive, gross, contributions = grouped_persons(np.random.default_rng(9), n, n_h, 1000.0)
    hw = np.full((n_h, 2), 123.0)                                          # reset by the kernel
    household_earnings(household, gross, contributions, hw, parts)
    top = np.full(n_h, -np.inf)
    np.maximum.at(top, household, gross)
    net = np.zeros(n_h)
    np.add.at(net, household, np.floor(contributions * FIXED_PER_YUAN + 0.5))
    assert hw[:, 0].tobytes() == top.tobytes() and hw[:, 1].tobytes() == net.tobytes()


@pytest.mark.parametrize("gross_f32", [False, True])
def test_claiming_households_net_against_a_member_loop(gross_f32):
    """A claiming household's net income in 2**-16 yuan, from ``person_incomes``, ``household_earnings``,
    ``household_taxes`` and ``household_totals``: its living members' contributions, the first top
    earner's (row order) taxed again with the child deduction, as a loop over the members computes it;
    other households keep the plain sum. Pays in whole steps, so top pays tie; some top earners on leave."""
    g = np.random.default_rng(5)
    n, n_h = 40_003, 12_001
    household, alive, _, _ = grouped_persons(g, n, n_h, 1.0)
    age = g.integers(0, 70 * 12, n).astype(np.int16)
    sex = g.integers(0, 2, n).astype(np.int8)
    employed = (g.random(n) < 0.7).astype(np.uint8)
    leave = ((g.random(n) < 0.1) * g.integers(1, 6, n)).astype(np.int16)
    wage = (g.integers(0, 5, n) * 6000.0).astype(np.float32)
    social, other, pay_factor, leave_rate, infant, education = 0.105, 100.0, np.float64(0.9), 0.8, 2000.0, 1000.0
    gross, contributions, child = np.zeros(n), np.zeros(n), np.zeros(n, np.uint8)
    person_incomes(alive, age, sex, employed, leave, wage, 20.0, 39.0, pay_factor, gross_f32, leave_rate, social,
                   other, BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL, gross, contributions, child)
    hw = np.zeros((n_h, 2))
    household_earnings(household, gross, contributions, hw, 2)
    plain_net = hw[:, 1].copy()
    children = g.integers(0, 3, (n_h, 2)).astype(np.int16)
    top = hw[:, 0].copy()
    marginal, claim = np.zeros(n_h), np.zeros(n_h, np.uint8)
    household_taxes(hw, children, infant, education, social, BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL,
                    marginal, claim)
    forgone = household_totals(hw, children, claim, infant, education, social, gross_f32, other, BRACKET_UPPER,
                               BRACKET_RATE, BASIC_DEDUCTION_ANNUAL, 0.0, False, np.zeros(n_h, np.int8), 0.0, 0.0)[:2]
    assert claim.tolist() == ((top > -np.inf) & (children[:, 0] + children[:, 1] > 0)).tolist()
    claim = claim.astype(bool)
    deduction = children[:, 0] * infant + children[:, 1] * education
    tax, want_marginal = income_tax_monthly(np.where(top > -np.inf, top, 0.0), social, deduction, BRACKET_UPPER,
                                            BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
    tax0, _ = income_tax_monthly(np.where(top > -np.inf, top, 0.0), social, np.zeros(n_h), BRACKET_UPPER,
                                 BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
    assert marginal.tolist() == np.where(top > -np.inf, want_marginal, 0.0).tolist()
    share = children[:, 0] * infant / np.maximum(deduction, 1e-300)
    to_fixed = lambda yuan: np.floor(yuan * FIXED_PER_YUAN + 0.5)  # noqa: E731
    want_forgone = [to_fixed((tax0 - tax) * s)[claim].sum() / FIXED_PER_YUAN for s in (share, 1 - share)]
    assert list(forgone) == want_forgone and want_forgone[0] > 0 and want_forgone[1] > 0
    want, top_done = np.zeros(n_h), np.zeros(n_h, bool)
    for i in range(n):
        h = household[i]
        if not alive[i]:
            continue
        v = contributions[i]
        if claim[h] and not top_done[h] and gross[i] == top[h]:
            top_done[h] = True
            pay = np.float32(gross[i]) * np.float32(social) if gross_f32 else gross[i] * social
            v = gross[i] - tax[h] - np.float64(pay) + (leave_rate * float(wage[i]) if leave[i] > 0 else 0.0) + other
        want[h] += to_fixed(v)
    assert hw[:, 1].tobytes() == want.tobytes()
    assert (hw[:, 1] != plain_net).sum() > 1000                       # the claims changed many nets
    assert top_done.sum() == claim.sum() > 2000


def test_priority_discounts_and_tenure():
    """The budget's rent discounts of priority tenants (in household order) and the count of
    occupied households by tenure, against numpy."""
    g = np.random.default_rng(11)
    n_h = 5000
    tenure = g.integers(0, 4, n_h).astype(np.int8)
    n_members = (g.integers(0, 6, n_h) * (g.random(n_h) < 0.9)).astype(np.int16)
    out, counts = np.full(n_h, -1.0), np.full(4, 3, np.int64)
    k = priority_discounts_and_tenure(tenure, n_members, 60.0, 0.4, out, counts)
    priority = tenure == TENURE_PUBLIC_PRIORITY
    assert k == priority.sum()
    assert out[:k].tolist() == (60.0 * n_members[priority] * 0.4).tolist()
    assert counts.tolist() == (3 + np.bincount(tenure[n_members > 0], minlength=4)).tolist()
