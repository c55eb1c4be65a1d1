"""Childcare choice and nursery rationing kernels against plain-Python references."""

import math

import numpy as np
import pytest

from agents.childcare import (CARE_GRANDPARENT, CARE_MODE_NAMES, CARE_MOTHER, CARE_NANNY, CARE_NURSERY,
                              N_CARE_MODES, NO_CARE_MODE, care_choice_inputs, choose_care_mode, rank_care_modes,
                              settle_care_mode)
from agents.nursery import ration_nursery_places
from agents.state import HUKOU_LOCAL

ASC = np.array([0.0, 0.8, -0.3, -1.2])
BETA_PRICE = -2.5
INCOME_FLOOR = 500.0


# --- references ----------------------------------------------------------------

def rank_reference(price, income, asc, beta_price, income_floor, available, needs, u):
    rank = []
    for i in range(len(needs)):
        row = [NO_CARE_MODE] * len(asc)
        if needs[i]:
            inc = max(float(income[i]), income_floor)
            utility = {}
            for m in range(len(asc)):
                if available[i, m]:
                    eps = -math.inf if u[i, m] == 0.0 else -math.log(-math.log(u[i, m]))
                    utility[m] = asc[m] + beta_price * price[i, m] / inc + eps
            ordered = sorted(utility, key=lambda m: (-utility[m], m))
            row[:len(ordered)] = ordered
        rank.append(row)
    return rank


def settle_reference(rank, turned_away, full_mode):
    out = []
    for i, row in enumerate(rank):
        left = [m for m in row if m != NO_CARE_MODE and not (turned_away[i] and m == full_mode)]
        out.append(left[0] if left else NO_CARE_MODE)
    return out


def ration_reference(district, wants, enrolled, priority, order_u, capacity):
    n = len(district)
    gets, waits = [False] * n, [False] * n
    for d in range(len(capacity)):
        def queue_of(incumbent):
            who = [i for i in range(n) if wants[i] and district[i] == d and bool(enrolled[i]) == incumbent]
            return sorted(who, key=lambda i: (-int(priority[i]), order_u[i], i))
        queue = queue_of(True) + queue_of(False)
        places = max(int(capacity[d]), 0)
        for i in queue[:places]:
            gets[i] = True
        for i in queue[places:]:
            waits[i] = True
    return gets, waits


# --- inputs --------------------------------------------------------------------

def care_inputs(n, seed):
    g = np.random.default_rng(seed)
    price = np.column_stack([g.uniform(0, 15000, n), np.zeros(n), g.uniform(0, 4000, n), g.uniform(3000, 9000, n)])
    income = np.where(g.random(n) < 0.1, g.uniform(-100, 600, n), g.uniform(2000, 40000, n))
    available = g.random((n, N_CARE_MODES)) < 0.7
    available[g.random(n) < 0.05] = False                       # some children with nothing available
    needs = g.random(n) < 0.8
    u = g.random((n, N_CARE_MODES))
    u[g.random((n, N_CARE_MODES)) < 0.02] = 0.0                 # eps = −inf: ties broken by mode number
    return price, income, ASC, BETA_PRICE, INCOME_FLOOR, available, needs, u


# --- care-mode choice ----------------------------------------------------------

@pytest.mark.parametrize("n,seed", [(2000, 1), (2000, 2), (500, 3), (1, 4), (0, 5)])
def test_rank_and_choose_match_reference(n, seed):
    args = care_inputs(n, seed)
    rank = rank_care_modes(*args)
    assert rank.shape == (n, N_CARE_MODES) and rank.dtype == np.int8
    assert rank.tolist() == rank_reference(*args)
    chosen = choose_care_mode(*args)
    assert chosen.dtype == np.int8
    assert chosen.tolist() == [row[0] for row in rank_reference(*args)]


def test_nothing_available_or_not_needed_gives_no_mode():
    price, income, asc, beta, floor, available, needs, u = care_inputs(300, 6)
    nothing = np.zeros_like(available)
    assert (rank_care_modes(price, income, asc, beta, floor, nothing, needs, u) == NO_CARE_MODE).all()
    assert (choose_care_mode(price, income, asc, beta, floor, nothing, needs, u) == NO_CARE_MODE).all()
    nobody = np.zeros_like(needs)
    everything = np.ones_like(available)
    assert (rank_care_modes(price, income, asc, beta, floor, everything, nobody, u) == NO_CARE_MODE).all()


def test_only_available_modes_are_ranked():
    price, income, asc, beta, floor, available, needs, u = care_inputs(3000, 7)
    rank = rank_care_modes(price, income, asc, beta, floor, available, needs, u)
    for i in range(len(needs)):
        ranked = [m for m in rank[i] if m != NO_CARE_MODE]
        want = sorted(np.flatnonzero(available[i])) if needs[i] else []
        assert sorted(ranked) == want
        assert list(rank[i, len(ranked):]) == [NO_CARE_MODE] * (N_CARE_MODES - len(ranked))


def test_income_is_floored():
    """Zero and negative incomes behave as income_floor."""
    price, income, asc, beta, floor, available, needs, u = care_inputs(1000, 8)
    low = np.where(income < floor, floor, income)
    assert (rank_care_modes(price, income, asc, beta, floor, available, needs, u)
            == rank_care_modes(price, low, asc, beta, floor, available, needs, u)).all()


@pytest.mark.parametrize("n,seed", [(2000, 9), (0, 10), (1, 11)])
def test_settle_care_mode_matches_reference(n, seed):
    args = care_inputs(n, seed)
    rank = rank_care_modes(*args)
    turned_away = np.random.default_rng(seed).random(n) < 0.5
    got = settle_care_mode(rank, turned_away, CARE_NURSERY)
    assert got.dtype == np.int8
    assert got.tolist() == settle_reference(rank.tolist(), turned_away, CARE_NURSERY)


def logit_shares(v):
    e = np.exp(v - v.max())
    return e / e.sum()


def assert_shares(chosen, p, modes):
    """Observed shares of each mode within 4 binomial standard deviations of p."""
    n = len(chosen)
    assert n > 10_000
    for m, p_m in zip(modes, p):
        share = np.mean(chosen == m)
        sd = math.sqrt(p_m * (1 - p_m) / n)
        assert abs(share - p_m) < 4 * sd, (CARE_MODE_NAMES[m], share, p_m, sd)


@pytest.mark.parametrize("grandparent_nearby", [True, False])
def test_choice_shares_match_closed_form_logit(grandparent_nearby):
    """A homogeneous population of 200,000: shares ≈ exp(V)/Σexp(V) over available modes,
    and the next choice of those whose first choice is nursery ≈ the logit over the rest."""
    n = 200_000
    income = np.full(n, 12000.0)
    price = np.tile([6000.0, 0.0, 2500.0, 7000.0], (n, 1))
    available = np.ones((n, N_CARE_MODES), np.bool_)
    available[:, CARE_GRANDPARENT] = grandparent_nearby
    u = np.random.default_rng(2024).random((n, N_CARE_MODES))
    rank = rank_care_modes(price, income, ASC, BETA_PRICE, INCOME_FLOOR, available, np.ones(n, np.bool_), u)

    modes = [m for m in range(N_CARE_MODES) if available[0, m]]
    v = np.array([ASC[m] + BETA_PRICE * price[0, m] / income[0] for m in modes])
    assert_shares(rank[:, 0], logit_shares(v), modes)
    assert not (rank[:, 0] == CARE_GRANDPARENT).any() or grandparent_nearby

    first_nursery = rank[:, 0] == CARE_NURSERY
    fallback = settle_care_mode(rank, np.ones(n, np.bool_), CARE_NURSERY)[first_nursery]
    rest = [m for m in modes if m != CARE_NURSERY]
    v_rest = np.array([v[modes.index(m)] for m in rest])
    assert_shares(fallback, logit_shares(v_rest), rest)


# --- nursery rationing ---------------------------------------------------------

def nursery_inputs(n, n_districts, seed, tie_u=False):
    g = np.random.default_rng(seed)
    district = g.integers(0, n_districts, n).astype(np.int8)
    wants = g.random(n) < 0.6
    enrolled = g.random(n) < 0.3
    priority = g.integers(0, 2, n).astype(np.int8)
    order_u = g.integers(0, 4, n) / 4.0 if tie_u else g.random(n)   # ties → row order
    capacity = g.integers(0, max(n // n_districts, 1) + 1, n_districts).astype(np.int64)
    return district, wants, enrolled, priority, order_u, capacity


@pytest.mark.parametrize("n,n_districts,seed,tie_u", [
    (3000, 16, 1, False), (3000, 16, 2, True), (500, 3, 3, False), (200, 1, 4, True), (0, 16, 5, False),
    (1, 2, 6, False),
])
def test_ration_matches_reference(n, n_districts, seed, tie_u):
    args = nursery_inputs(n, n_districts, seed, tie_u)
    district, wants, _, _, _, capacity = args
    gets, waits, n_enrolled, n_waiting = ration_nursery_places(*args)
    want_gets, want_waits = ration_reference(*args)
    assert gets.tolist() == want_gets and waits.tolist() == want_waits
    assert n_enrolled.dtype == np.int64 and n_waiting.dtype == np.int64
    assert (n_enrolled == np.bincount(district[gets], minlength=n_districts)).all()
    assert (n_waiting == np.bincount(district[waits], minlength=n_districts)).all()
    assert not (gets & waits).any() and ((gets | waits) == wants).all()


@pytest.mark.parametrize("seed", range(5))
def test_enrolment_never_exceeds_capacity(seed):
    district, wants, enrolled, priority, order_u, capacity = nursery_inputs(4000, 16, seed)
    capacity[0] = 0
    capacity[1] = 10**9
    gets, _, n_enrolled, n_waiting = ration_nursery_places(district, wants, enrolled, priority, order_u, capacity)
    assert (n_enrolled <= capacity).all()
    assert n_enrolled[0] == 0
    assert n_waiting[1] == 0
    # a district waitlists only when it is full
    assert ((n_waiting == 0) | (n_enrolled == capacity)).all()


@pytest.mark.parametrize("seed", range(5))
def test_priority_children_are_served_first(seed):
    """Among newcomers in a district, no priority-0 child holds a place while a priority-1 child waits."""
    district, wants, enrolled, priority, order_u, capacity = nursery_inputs(4000, 16, seed)
    gets, waits, _, _ = ration_nursery_places(district, wants, enrolled, priority, order_u, capacity)
    newcomer = ~enrolled
    for d in range(len(capacity)):
        here = (district == d) & newcomer
        if (here & gets & (priority == 0)).any():
            assert not (here & waits & (priority == 1)).any()
        # within a priority class, lower order_u first
        for p in (0, 1):
            cls = here & (priority == p)
            if (cls & gets).any() and (cls & waits).any():
                assert order_u[cls & gets].max() <= order_u[cls & waits].min()


def test_incumbents_keep_places():
    g = np.random.default_rng(12)
    n = 1000
    district = np.zeros(n, np.int8)
    wants = g.random(n) < 0.7
    enrolled = g.random(n) < 0.2
    priority = g.integers(0, 2, n).astype(np.int8)
    order_u = g.random(n)
    staying = wants & enrolled

    # enough places for every staying incumbent: all keep theirs, whatever the newcomers' priority
    capacity = np.array([staying.sum() + 5])
    gets, waits, n_enrolled, _ = ration_nursery_places(district, wants, enrolled, np.zeros(n, np.int8) + ~enrolled,
                                                       order_u, capacity)
    assert gets[staying].all()
    assert n_enrolled[0] == capacity[0]
    # incumbents who no longer want a place give it up
    assert not gets[enrolled & ~wants].any() and not waits[~wants].any()

    # capacity cut below the incumbents: only incumbents hold places, by priority then order_u
    cut = int(staying.sum()) // 2
    gets, waits, n_enrolled, _ = ration_nursery_places(district, wants, enrolled, priority, order_u, np.array([cut]))
    assert n_enrolled[0] == cut
    assert not gets[~enrolled].any()
    kept = sorted(np.flatnonzero(staying), key=lambda i: (-priority[i], order_u[i]))[:cut]
    assert sorted(np.flatnonzero(gets)) == sorted(kept)


def test_bad_district_is_an_error():
    one = np.ones(1, np.bool_)
    with pytest.raises(ValueError, match="district"):
        ration_nursery_places(np.array([3], np.int8), one, one, np.zeros(1, np.int8), np.zeros(1),
                              np.array([5, 5], np.int64))


def test_mode_constants():
    assert (CARE_MOTHER, CARE_GRANDPARENT, CARE_NURSERY, CARE_NANNY) == (0, 1, 2, 3)
    assert CARE_MODE_NAMES == ("mother", "grandparent", "nursery", "nanny") and N_CARE_MODES == 4


@pytest.mark.parametrize("share", [0.2, np.float64(0.2)])      # a Python float keeps numpy's product float32
@pytest.mark.parametrize("local_only", [False, True])
def test_care_choice_inputs_match_the_array_code(share, local_only):
    g = np.random.default_rng(11)
    n, n_h = 50_000, 20_000
    mother = g.integers(0, n, n).astype(np.int32)
    household = g.integers(0, n_h, n).astype(np.int32)
    wage = (g.random(n) * 30_000).astype(np.float32)
    leave = np.where(g.random(n) < 0.1, 3, 0).astype(np.int16)
    hukou = g.integers(0, 2, n).astype(np.int8)
    age = g.integers(0, 36, n).astype(np.int16)
    grandparents = g.integers(0, 3, n_h).astype(np.int8)
    income_h = (g.random(n_h) * 40_000).astype(np.float32)
    kids = np.flatnonzero(g.random(n) < 0.3)
    fee, fee_subsidy, nanny, min_age = np.float64(2700.0), np.float64(800.0), 7000.0, 12
    net = 1 - share
    price, available, income, subsidy = care_choice_inputs(
        kids, mother, household, wage, leave, hukou, age, grandparents, income_h, float(net),
        (wage[:0] * net).dtype == np.float32, float(fee), float(fee_subsidy), local_only, nanny, float(min_age))
    # the array code the kernel replaced (sim/economy.py)
    mothers, hh = mother[kids], household[kids]
    want_price = np.zeros((len(kids), N_CARE_MODES))
    want_price[:, CARE_MOTHER] = wage[mothers] * net
    eligible = (hukou[kids] == HUKOU_LOCAL) if local_only else np.ones(len(kids), bool)
    want_subsidy = fee_subsidy * eligible
    want_price[:, CARE_NURSERY] = np.maximum(fee - want_subsidy, 0.0)
    want_price[:, CARE_NANNY] = nanny
    want_available = np.ones((len(kids), N_CARE_MODES), bool)
    want_available[:, CARE_GRANDPARENT] = grandparents[hh] > 0
    want_available[:, CARE_NURSERY] = age[kids] >= min_age
    want_available[leave[mothers] > 0, 1:] = False
    assert price.tobytes() == want_price.tobytes() and available.tobytes() == want_available.tobytes()
    assert income.tobytes() == income_h[hh].astype(float).tobytes() and subsidy.tobytes() == want_subsidy.tobytes()
