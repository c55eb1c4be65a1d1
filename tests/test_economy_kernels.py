"""Economy kernels (income tax, employment, wages) against plain-Python references,
hand-computed tax cases and constructed employment cases."""

import math

import numpy as np
import pytest

from agents.employment import (apply_motherhood_penalty, count_down_leave, decide_employment, grow_wages,
                               monthly_growth_factors)
from agents.rng import Streams
from agents.state import FEMALE, MALE
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER, income_tax_monthly

N = 3000
SCHEDULE = (BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
# The law's schedule also states a quick-deduction (速算扣除数) per bracket:
# tax = taxable × rate − quick deduction; an independent check of the bracket sums.
QUICK_DEDUCTION = (0.0, 2_520.0, 16_920.0, 31_920.0, 52_920.0, 85_920.0, 181_920.0)


def tax(gross, social_rate=0.105, child=0.0):
    """One person through the kernel → (tax per month, marginal rate)."""
    t, m = income_tax_monthly(np.array([float(gross)]), social_rate, np.array([float(child)]), *SCHEDULE)
    return t[0], m[0]


# --- income tax -------------------------------------------------------------------

def tax_reference(gross, social_rate, child, upper, rate, basic):
    taxable = max(0.0, 12 * gross * (1 - social_rate) - basic - 12 * child)
    if taxable == 0.0:
        return 0.0, 0.0
    k = next(k for k in range(len(upper)) if taxable <= upper[k])
    return (taxable * rate[k] - QUICK_DEDUCTION[k]) / 12, rate[k]


def test_schedule_is_the_law():
    assert list(BRACKET_UPPER) == [36_000, 144_000, 300_000, 420_000, 660_000, 960_000, math.inf]
    assert list(BRACKET_RATE) == [0.03, 0.10, 0.20, 0.25, 0.30, 0.35, 0.45]
    assert BASIC_DEDUCTION_ANNUAL == 60_000
    assert not BRACKET_UPPER.flags.writeable and not BRACKET_RATE.flags.writeable


def test_income_tax_hand_cases():
    # 10,000/month, 10.5 % social insurance: taxable 120,000 × 0.895 − 60,000 = 47,400;
    # tax 36,000 × 3 % + 11,400 × 10 % = 2,220 per year
    t, m = tax(10_000)
    assert t == pytest.approx(2_220 / 12) and m == 0.10
    # at or below the basic deduction: no tax, marginal rate 0
    assert tax(0) == (0.0, 0.0)
    assert tax(5_000, social_rate=0.0) == (0.0, 0.0)
    # a bracket includes its upper bound: taxable exactly 36,000 → 1,080, 3 %
    t, m = tax((36_000 + 60_000) / 12, social_rate=0.0)
    assert t == pytest.approx(1_080 / 12) and m == 0.03
    # taxable 1,000,000: 1,080 + 10,800 + 31,200 + 30,000 + 72,000 + 105,000 + 18,000 = 268,080
    t, m = tax((1_000_000 + 60_000) / 12, social_rate=0.0)
    assert t == pytest.approx(268_080 / 12) and m == 0.45
    # child deduction of 2,000/month on the 10,000 case: taxable 23,400 → 702 per year, 3 %
    t, m = tax(10_000, child=2_000)
    assert t == pytest.approx(702 / 12) and m == 0.03
    # deductions larger than income never give negative tax
    assert tax(6_000, child=5_000) == (0.0, 0.0)


def test_income_tax_matches_reference():
    g = np.random.default_rng(21)
    gross = np.exp(g.uniform(np.log(1_000), np.log(200_000), N))
    gross[:50] = 0.0
    child = np.where(g.random(N) < 0.5, g.choice([0.0, 500.0, 1_000.0, 2_000.0, 4_000.0], N), 0.0)
    for social_rate in (0.0, 0.105, 0.225):
        t, m = income_tax_monthly(gross, social_rate, child, *SCHEDULE)
        for i in range(N):
            want_t, want_m = tax_reference(gross[i], social_rate, child[i], *SCHEDULE)
            assert t[i] == pytest.approx(want_t, rel=1e-12, abs=1e-9)
            assert m[i] == want_m


def test_income_tax_continuous_and_non_decreasing():
    gross = np.linspace(0.0, 150_000.0, 300_001)           # 0.5 yuan steps across every bracket
    t, m = income_tax_monthly(gross, 0.105, np.zeros_like(gross), *SCHEDULE)
    steps = np.diff(t)
    assert (steps >= 0).all()
    # a 0.5 yuan rise in gross raises monthly tax by at most 45 % × 0.5 × (1 − 10.5 %)
    assert steps.max() <= 0.45 * 0.5 * 0.895 + 1e-9
    assert (np.diff(m) >= 0).all()
    # continuity at every bracket bound: 1 fen either side of it
    bounds = np.concatenate([[0.0], BRACKET_UPPER[:-1]])
    at = (bounds + BASIC_DEDUCTION_ANNUAL) / 12 / 0.895
    for eps in (-0.01, 0.01):
        t_eps, _ = income_tax_monthly(at + eps, 0.105, np.zeros_like(at), *SCHEDULE)
        t_at, _ = income_tax_monthly(at, 0.105, np.zeros_like(at), *SCHEDULE)
        assert np.abs(t_eps - t_at).max() < 0.01


def test_child_deduction_saves_marginal_rate_times_deduction():
    """Within one bracket, deducting d per month saves exactly marginal_rate × d per month."""
    d = 1_000.0
    lower = np.concatenate([[0.0], BRACKET_UPPER[:-1]])
    upper = np.minimum(BRACKET_UPPER, 2_000_000.0)
    # annual taxable in the bracket's middle, d × 12 above the bracket floor at least
    taxable = (lower + 12 * d + upper) / 2
    assert ((taxable - 12 * d > lower) & (taxable <= upper)).all()
    gross = (taxable + BASIC_DEDUCTION_ANNUAL) / 12 / (1 - 0.105)
    t0, m0 = income_tax_monthly(gross, 0.105, np.zeros_like(gross), *SCHEDULE)
    t1, m1 = income_tax_monthly(gross, 0.105, np.full_like(gross, d), *SCHEDULE)
    assert (m0 == BRACKET_RATE).all() and (m1 == m0).all()
    assert t0 - t1 == pytest.approx(m0 * d, rel=1e-9)


# --- leave ------------------------------------------------------------------------

def test_count_down_leave():
    g = np.random.default_rng(3)
    alive = g.random(N) < 0.9
    leave0 = np.where(g.random(N) < 0.4, g.integers(0, 7, N), 0).astype(np.int16)
    leave = leave0.copy()
    ended = count_down_leave(alive, leave)
    for i in range(N):
        if leave0[i] == 0 or not alive[i]:
            assert leave[i] == 0
        else:
            assert leave[i] == leave0[i] - 1
    assert ended == (alive & (leave0 == 1)).sum() > 0


# --- employment -------------------------------------------------------------------

RETIRE = np.array([60 * 12, 55 * 12])      # by sex: MALE, FEMALE
MIN_AGE = 16 * 12
YOUNG = np.array([22 * 12, 40 * 12])


def employment_reference(alive, sex, age, employed, leave, retire, min_age, p_exit, p_hire, penalty, young,
                         care_mother, since, p_return, u):
    out = []
    for i in range(len(alive)):
        mother_3plus = sex[i] == FEMALE and since[i] >= 36
        if not alive[i] or age[i] >= retire[sex[i]]:
            out.append(False)
        elif leave[i] > 0:
            out.append(bool(employed[i]))
        elif care_mother[i]:
            out.append(False)
        elif employed[i]:
            out.append(not u[i] < p_exit)
        elif age[i] < min_age:
            out.append(False)
        else:
            p = p_return if mother_3plus else p_hire
            if sex[i] == FEMALE and young[0] <= age[i] < young[1]:
                p *= 1 - penalty
            out.append(u[i] < p)
    return out


def people(n, g):
    sex = g.integers(0, 2, n).astype(np.int8)
    return dict(
        alive=g.random(n) < 0.9, sex=sex, age_months=g.integers(0, 80 * 12, n).astype(np.int16),
        employed=g.random(n) < 0.6,
        leave_months_left=np.where(g.random(n) < 0.15, g.integers(1, 6, n), 0).astype(np.int16),
        care_needs_mother=(sex == FEMALE) & (g.random(n) < 0.15),
        months_since_last_birth=np.where(g.random(n) < 0.5, g.integers(0, 120, n), -1).astype(np.int16),
        key=np.arange(n, dtype=np.int64) * 7919 + 5,
    )


STREAMS = Streams(77)


def employ(p, month=3, p_exit=0.01, p_hire=0.05, penalty=0.3, p_return=0.08, streams=STREAMS):
    """The kernel on a copy of p's employment → new employed (bool array)."""
    employed = p["employed"].copy()
    decide_employment(p["alive"], p["sex"], p["age_months"], employed, p["leave_months_left"],
                      p["months_since_last_birth"], p["key"], RETIRE, MIN_AGE, p_exit, p_hire, penalty, YOUNG,
                      p["care_needs_mother"], p_return, streams.seed_stream("employment"), month)
    return employed


def test_decide_employment_matches_reference():
    g = np.random.default_rng(11)
    p = people(N, g)
    u = STREAMS.uniform("employment", p["key"], 3)
    for p_exit, p_hire, penalty, p_return in ((0.01, 0.05, 0.3, 0.08), (0.5, 0.5, 0.9, 0.2), (0.0, 1.0, 0.0, 0.0)):
        got = employ(p, 3, p_exit, p_hire, penalty, p_return)
        want = employment_reference(p["alive"], p["sex"], p["age_months"], p["employed"], p["leave_months_left"],
                                    RETIRE, MIN_AGE, p_exit, p_hire, penalty, YOUNG, p["care_needs_mother"],
                                    p["months_since_last_birth"], p_return, u)
        assert list(got) == want


_KEYS = np.arange(400_000, dtype=np.int64)
_DRAWS = STREAMS.uniform("employment", _KEYS, 3)


def key_drawing(u):
    """A key whose employment draw in month 3 lies within 1e-4 below ``u`` (the lowest draw if u is
    smaller): the kernels draw for a person's key, so a test picks the key for the draw it needs."""
    ok = np.flatnonzero((_DRAWS < u) & (_DRAWS >= u - 1e-4))
    return _KEYS[ok[0]] if len(ok) else _KEYS[np.argmin(_DRAWS)]


def one(u=0.5, **kw):
    """A single person: an employed man of 35, alive, no leave, no children, whose draw this month
    is just below u; kw overrides."""
    p = dict(alive=True, sex=MALE, age_months=35 * 12, employed=True, leave_months_left=0,
             care_needs_mother=False, months_since_last_birth=-1, key=key_drawing(u))
    p.update(kw)
    types = dict(alive=np.bool_, sex=np.int8, age_months=np.int16, employed=np.bool_, leave_months_left=np.int16,
                 care_needs_mother=np.bool_, months_since_last_birth=np.int16, key=np.int64)
    return {k: np.array([v], dtype=types[k]) for k, v in p.items()}


def works(u=0.5, p_exit=0.01, p_hire=0.05, penalty=0.3, p_return=0.08, **kw):
    """Employed after the month, for a person whose draw is just below u (u=0.0: the lowest draw)."""
    return bool(employ(one(u, **kw), 3, p_exit, p_hire, penalty, p_return)[0])


def test_employment_rules_on_constructed_cases():
    # the dead do not work
    assert not works(alive=False)
    # retirement by sex: a woman stops at 55, a man keeps working at 55 and stops at 60
    assert not works(sex=FEMALE, age_months=55 * 12)
    assert works(sex=FEMALE, age_months=55 * 12 - 1)
    assert works(sex=MALE, age_months=55 * 12)
    assert not works(sex=MALE, age_months=60 * 12)
    assert not works(sex=MALE, age_months=61 * 12, employed=False, u=0.0, p_hire=1.0)   # retired: never hired
    # on leave: the job is kept whatever the hazards and mother care say
    assert works(sex=FEMALE, leave_months_left=3, care_needs_mother=True, u=0.0, p_exit=1.0)
    assert not works(sex=FEMALE, employed=False, leave_months_left=3, u=0.0, p_hire=1.0)
    # mother care of a child under 3: she does not work, nor is she hired
    assert not works(sex=FEMALE, care_needs_mother=True, u=0.99, p_exit=0.0)
    assert not works(sex=FEMALE, employed=False, care_needs_mother=True, u=0.0, p_hire=1.0)
    # exit hazard: u < p_exit leaves, u ≥ p_exit stays
    assert not works(u=0.009, p_exit=0.01)
    assert works(u=0.011, p_exit=0.01)
    # hiring hazard for a non-employed working-age man
    assert works(employed=False, u=0.049, p_hire=0.05)
    assert not works(employed=False, u=0.051, p_hire=0.05)
    # below the minimum working age nobody is hired
    assert not works(employed=False, age_months=MIN_AGE - 1, u=0.0, p_hire=1.0)
    assert works(employed=False, age_months=MIN_AGE, u=0.0, p_hire=1.0)
    # young women's hiring penalty: 0.05 × (1 − 0.3) = 0.035 inside [22, 40) years, none outside
    young_woman = dict(employed=False, sex=FEMALE, age_months=30 * 12, p_hire=0.05, penalty=0.3)
    assert works(u=0.034, **young_woman) and not works(u=0.036, **young_woman)
    assert works(u=0.049, **{**young_woman, "age_months": 40 * 12})
    assert works(u=0.049, **{**young_woman, "age_months": 22 * 12 - 1})
    assert not works(u=0.036, **{**young_woman, "age_months": 22 * 12})
    assert works(u=0.049, **{**young_woman, "sex": MALE})
    # mothers whose youngest child is 3+: p_return_school instead of p_hire (penalty still applies)
    mother = dict(employed=False, sex=FEMALE, age_months=45 * 12, months_since_last_birth=36, p_hire=0.05,
                  p_return=0.2)
    assert works(u=0.19, **mother) and not works(u=0.21, **mother)
    assert works(u=0.139, **{**mother, "age_months": 35 * 12}) and not works(u=0.141, **{**mother, "age_months": 35 * 12})


def test_hazards_give_expected_shares():
    """Fixed seed, the model's own random streams: each share within 4 binomial sd."""
    n = 200_000
    age = np.full(n, 35 * 12, np.int16)
    cases = (  # (sex, employed, mother_youngest_3plus, expected share employed after the month)
        (MALE, True, False, 1 - 0.02),
        (MALE, False, False, 0.06),
        (FEMALE, False, False, 0.06 * (1 - 0.4)),
        (FEMALE, False, True, 0.15 * (1 - 0.4)),
    )
    for sex, employed, mother_3plus, share in cases:
        p = dict(alive=np.ones(n, np.bool_), sex=np.full(n, sex, np.int8), age_months=age,
                 employed=np.full(n, employed), leave_months_left=np.zeros(n, np.int16),
                 care_needs_mother=np.zeros(n, np.bool_),
                 months_since_last_birth=np.full(n, 40 if mother_3plus else -1, np.int16), key=np.arange(n))
        got = employ(p, 5, p_exit=0.02, p_hire=0.06, penalty=0.4, p_return=0.15, streams=Streams(2024)).mean()
        assert abs(got - share) < 4 * math.sqrt(share * (1 - share) / n), (sex, employed, mother_3plus, got, share)


# --- wages ------------------------------------------------------------------------

def test_grow_wages():
    g = np.random.default_rng(5)
    alive = g.random(N) < 0.9
    age = g.integers(0, 110 * 12, N).astype(np.int16)
    wage0 = (g.random(N) * 30_000).astype(np.float32)
    growth = g.uniform(-0.02, 0.08, 101)
    wage = wage0.copy()
    grow_wages(alive, age, wage, monthly_growth_factors(growth))
    for i in range(N):
        if alive[i]:
            want = float(wage0[i]) * (1 + growth[min(age[i] // 12, 100)]) ** (1 / 12)
            assert wage[i] == pytest.approx(np.float32(want), rel=1e-6)
        else:
            assert wage[i] == wage0[i]


def test_twelve_months_of_growth_compound_to_the_annual_rate():
    growth = np.full(101, 0.05)
    wage = np.array([10_000.0])
    for _ in range(12):
        grow_wages(np.array([True]), np.array([30 * 12], np.int16), wage, monthly_growth_factors(growth))
    assert wage[0] == pytest.approx(10_500.0, rel=1e-12)


def test_apply_motherhood_penalty():
    g = np.random.default_rng(9)
    wage0 = (g.random(200) * 20_000).astype(np.float32)
    idx = np.array([3, 17, 17, 150], np.int64)         # 17 listed twice: twins
    wage = wage0.copy()
    apply_motherhood_penalty(wage, idx, 0.12)
    want = wage0.astype(np.float64)
    for i in idx:
        want[i] = np.float32(want[i] * (1 - 0.12))
    assert np.allclose(wage, want, rtol=1e-6)
    untouched = np.setdiff1d(np.arange(200), idx)
    assert (wage[untouched] == wage0[untouched]).all()
