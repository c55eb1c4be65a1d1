"""Parallel kernels give the bytes their serial versions give, and a run gives the same indicator
rows on 1 thread as on 2 (agents/jit.py ``parallel_kernel``: rows are independent, counts integer)."""

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

from agents.ageing import age_one_month
from agents.birth_costs import birth_cost_terms
from agents.census import count_census, count_women_at_work
from agents.compaction import gather, household_order, new_numbers, positions, renumber_links
from agents.childcare import care_choice_inputs, children_needing_care, rank_care_modes
from agents.conception import conception_candidates, decide_conception, may_conceive, short_of_desired
from agents.employment import count_down_leave, decide_employment, grow_wages, monthly_growth_factors
from agents.income import (household_earnings, household_taxes, household_totals, income_write,
                           person_incomes)
from agents.sums import FIXED_PER_YUAN
from agents.marriage import children_moving_with, decide_divorce, enter_search
from agents.migration import decide_household_emigration, members_of
from agents.mortality import decide_deaths
from agents.rng import Streams, _fill_parallel, _fill_serial
from agents.rows import _rows_of, as_bits
from agents.state import NO_MOTHER, NO_PARTNER
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER

N = 400_003        # not a multiple of the chunk or thread counts
SEED_STREAM = Streams(5).seed_stream("x")


def serial(kernel):
    """The same Python function compiled without parallel=True (prange runs as range)."""
    return numba.njit(nogil=True)(kernel.py_func)


@pytest.fixture(scope="module")
def people():
    g = np.random.default_rng(2024)
    n = N
    return dict(
        alive=g.random(n) < 0.9, age_months=g.integers(0, 100 * 12, n).astype(np.int16),
        sex=g.integers(0, 2, n).astype(np.int8), key=g.integers(0, 2**62, n).astype(np.int64),
        partner=np.where(g.random(n) < 0.5, g.integers(0, n, n), -1).astype(np.int32),
        mother=np.where(g.random(n) < 0.5, g.integers(0, n, n), -1).astype(np.int32),
        household=g.integers(0, n // 3, n).astype(np.int32), hukou=g.integers(0, 2, n).astype(np.int8),
        district=g.integers(0, 16, n).astype(np.int8), parity=g.integers(0, 4, n).astype(np.int8),
        desired=g.integers(0, 4, n).astype(np.int8), fecund=g.random(n) < 0.85,
        months_pregnant=np.where(g.random(n) < 0.1, g.integers(1, 10, n), 0).astype(np.int8),
        months_since_last_birth=np.where(g.random(n) < 0.6, g.integers(0, 200, n), -1).astype(np.int16),
        searching=g.random(n) < 0.2, ever_married=g.random(n) < 0.5, employed=g.random(n) < 0.6,
        leave_months_left=np.where(g.random(n) < 0.05, g.integers(1, 6, n), 0).astype(np.int16),
        wage=(g.random(n) * 30_000).astype(np.float32), childcare_mode=g.integers(-1, 4, n).astype(np.int8),
        flag=g.random(n) < 0.1, table=g.random((101, 2)) * 0.05,
    )


def same(kernel, make_args):
    """Run the parallel kernel and its serial twin on fresh copies of the same inputs; every output
    and every array changed in place must be byte-identical."""
    a, b = make_args(), make_args()
    ra, rb = kernel(*a), serial(kernel)(*b)
    for x, y in zip(a, b):
        if isinstance(x, np.ndarray):
            assert x.tobytes() == y.tobytes()
    for x, y in zip(np.atleast_1d(ra) if not isinstance(ra, tuple) else ra,
                    np.atleast_1d(rb) if not isinstance(rb, tuple) else rb):
        assert np.asarray(x).tobytes() == np.asarray(y).tobytes()


def test_demography_kernels(people):
    p = people
    c = {k: (lambda v=v: v.copy()) for k, v in p.items()}
    mask = lambda: np.zeros(N, np.uint8)  # noqa: E731
    same(age_one_month, lambda: (p["alive"], c["age_months"](), c["months_since_last_birth"](), p["sex"], p["parity"], 540))
    same(decide_deaths, lambda: (p["alive"], p["age_months"], p["sex"], p["key"], p["table"], SEED_STREAM, 7, mask()))
    same(decide_household_emigration, lambda: (np.bincount(p["household"], minlength=N // 3).astype(np.int16),
                                               p["flag"][: N // 3], np.arange(N // 3, dtype=np.int32), 0.02, 0.01,
                                               SEED_STREAM, 7, np.zeros(N // 3, np.bool_)))
    bits = np.random.default_rng(2).integers(0, 2**63, (N // 3 + 63) // 64, dtype=np.int64).astype(np.uint64)
    same(members_of, lambda: (p["alive"], p["household"], bits, mask()))
    same(enter_search, lambda: (p["alive"], p["age_months"], p["sex"], p["partner"], c["searching"](), p["ever_married"],
                                p["key"], p["table"], 0.5, SEED_STREAM, 7, mask()))
    same(decide_divorce, lambda: (p["alive"], p["sex"], p["partner"], p["key"], 0.01, SEED_STREAM, 7, mask()))
    bride_households = np.zeros((N // 3 + 63) // 64, np.uint64)
    as_bits(np.bincount(p["household"][p["flag"]], minlength=N // 3) > 0, bride_households)
    same(children_moving_with, lambda: (p["alive"], p["mother"], p["age_months"], p["household"], p["flag"],
                                        bride_households, 216, mask()))
    rel = np.zeros(101)
    rel[15:50] = 0.5
    same(conception_candidates, lambda: (p["alive"], p["sex"], p["age_months"], p["partner"], p["fecund"],
                                         p["months_pregnant"], p["parity"], p["months_since_last_birth"], p["desired"],
                                         p["hukou"], p["key"], 2, True, 0.9, SEED_STREAM, 0, False, 0.5, SEED_STREAM + 1,
                                         rel, 3, np.array([420, 540]), mask()))
    same(conception_candidates, lambda: (p["alive"], p["sex"], p["age_months"], p["partner"], p["fecund"],
                                         p["months_pregnant"], p["parity"], p["months_since_last_birth"], p["desired"],
                                         p["hukou"], p["key"], 1, False, 0.9, SEED_STREAM, 2, True, 0.5, SEED_STREAM + 1,
                                         rel, 3, np.array([420, 540]), mask()))
    women = np.flatnonzero(p["sex"] == 1)
    same(may_conceive, lambda: (women, p["age_months"], p["key"], rel, 0.2, SEED_STREAM, 7))
    same(decide_conception, lambda: (women, p["age_months"], p["parity"], p["months_since_last_birth"], p["key"],
                                     p["table"][:, 0].repeat(len(women) // 101 + 1)[: len(women)], rel, 0.2,
                                     np.array([0.5, -1.0, -3.0]), -0.1, SEED_STREAM, 7))
    same(short_of_desired, lambda: (p["alive"], p["sex"], p["partner"], p["age_months"], p["parity"], p["desired"], 600,
                                    mask()))
    same(count_census, lambda: (p["alive"], p["age_months"], p["sex"], p["district"], 101, 16, 36))
    same(count_women_at_work, lambda: (p["alive"], p["sex"], p["age_months"], p["employed"], 1,
                                       np.array([[25, 49], [15, 10_000]])))
    same(gather, lambda: (p["key"], np.random.default_rng(1).permutation(N), np.empty(N, np.int64)))
    kept_h = np.random.default_rng(4).random(N // 3) < 0.9
    same(household_order, lambda: (p["alive"], p["household"], new_numbers(kept_h), int(kept_h.sum())))
    order = household_order(p["alive"], p["household"], new_numbers(kept_h), int(kept_h.sum()))
    same(positions, lambda: (order, N))
    links = lambda: (p["alive"], np.where(p["flag"], NO_PARTNER, p["household"]).astype(np.int32),  # noqa: E731
                     np.where(p["flag"], p["household"], NO_MOTHER).astype(np.int32), p["household"].copy(),
                     positions(order, N), new_numbers(kept_h))
    same(renumber_links, links)
    marks = (np.random.default_rng(3).random(N) < 0.2) * p["sex"].astype(np.uint8) + p["flag"]
    same(_rows_of, lambda: (marks, np.zeros(N, np.int64), np.zeros(N, np.int64)))
    same(_rows_of, lambda: (marks, np.zeros(N, np.int64), np.zeros(0, np.int64)))


def test_economy_kernels(people):
    p = people
    c = {k: (lambda v=v: v.copy()) for k, v in p.items()}
    same(children_needing_care, lambda: (p["alive"], p["age_months"], p["mother"], c["childcare_mode"](), 36,
                                         np.zeros(N, np.uint8)))
    same(count_down_leave, lambda: (p["alive"], c["leave_months_left"]()))
    g = np.random.default_rng(7)
    care = (g.random((N, 4)) * 3000, g.random(N) * 20_000, np.array([0.0, 0.5, -0.2, -1.0]), -2.0, 1000.0,
            g.random((N, 4)) < 0.7, p["flag"], g.random((N, 4)))
    same(rank_care_modes, lambda: care)
    kids = np.flatnonzero((p["mother"] >= 0) & (p["age_months"] < 36))
    same(care_choice_inputs, lambda: (kids, p["mother"], p["household"], p["wage"], p["leave_months_left"], p["hukou"],
                                      p["age_months"], p["district"], care[1].astype(np.float32), 0.8, True, 2700.0,
                                      800.0, True, 7000.0, 12.0))
    same(decide_employment, lambda: (p["alive"], p["sex"], p["age_months"], c["employed"](), p["leave_months_left"],
                                     p["months_since_last_birth"], p["key"], np.array([720, 660]), 216, 0.01, 0.05,
                                     0.3, np.array([240, 480]), p["flag"], 0.1, SEED_STREAM, 7))
    same(grow_wages, lambda: (p["alive"], p["age_months"], c["wage"](), monthly_growth_factors(np.full(101, 0.03))))
    for f32 in (False, True):
        same(person_incomes, lambda: (p["alive"], p["age_months"], p["sex"], p["employed"], p["leave_months_left"],
                                      p["wage"], 20.0, 39.0, np.float64(0.9), f32, np.float64(1.0), 0.105, 700.0,
                                      BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL, np.zeros(N), np.zeros(N),
                                      np.zeros(N, np.uint8)))
    n_h = N // 3
    g = np.random.default_rng(1)
    hw = np.stack([np.where(g.random(n_h) < 0.9, g.random(n_h) * 30_000, -np.inf), np.zeros(n_h)], axis=1)
    children = g.integers(0, 3, (n_h, 2)).astype(np.int16)
    same(household_taxes, lambda: (hw, children, np.float64(2000.0), np.float64(1000.0), 0.105, BRACKET_UPPER,
                                   BRACKET_RATE, BASIC_DEDUCTION_ANNUAL, np.zeros(n_h), np.zeros(n_h, np.uint8)))
    gross = np.where(p["alive"], g.integers(0, 4, N) * 5000.0, -np.inf)      # ties among the top pays
    contributions = np.where(p["alive"], g.random(N) * 9000.0, 0.0)
    for parts in (1, 2, 3):
        same(household_earnings, lambda: (p["household"], gross, contributions, np.zeros((n_h, 2)), parts))
    hw[:, 1] = np.floor(g.random(n_h) * 20_000 * FIXED_PER_YUAN)
    claim, hukou = ((g.random(n_h) < 0.3) & (hw[:, 0] > -np.inf)).astype(np.uint8), p["hukou"][:n_h]  # as household_taxes
    same(household_totals, lambda: (hw.copy(), children, claim, np.float64(2000.0), np.float64(1000.0), 0.105, False,
                                    100.0, BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL, 500.0, True, hukou,
                                    300.0, 150.0))
    women = np.flatnonzero((p["sex"] == 1) & (p["age_months"] >= 180))
    income, tenure = (g.random(n_h) * 30_000).astype(np.float32), g.integers(0, 4, n_h).astype(np.int8)
    marginal, access = g.random(n_h // 2) * 0.45, g.random(16)     # marginal rates of the first half only
    same(birth_cost_terms, lambda: (women, p["household"], p["parity"], p["hukou"], p["wage"], p["district"], income,
                                    tenure, marginal, np.float32(2000.0), np.array([0.0, 500.0, 800.0]), True,
                                    np.array([0.0, 200.0, 300.0]), False, np.array([0.0, 1e4, 2e4]), True, 7000.0, 90.0,
                                    1000.0, True, True, False, 800.0, 300.0, 3500.0, np.float32(0.8), 14.0, access))
    fixed = lambda: np.floor(g.random(n_h) * 1000 * FIXED_PER_YUAN)  # noqa: E731
    subsidy_h, allowance_h = fixed(), fixed()
    grants = np.unique(g.integers(0, n_h, 500)).astype(np.int64)
    amounts = g.random(len(grants)) * 5000
    for transfers in ((subsidy_h, allowance_h), (np.zeros(0), np.zeros(0))):
        same(income_write, lambda: (hw, children, *transfers, grants, amounts,
                                    500.0, False, hukou, np.zeros(n_h, np.float32)))


def test_random_fill():
    keys = np.random.default_rng(3).integers(0, 2**62, N).astype(np.int64)
    a, b = np.empty((N, 3)), np.empty((N, 3))
    _fill_parallel(SEED_STREAM, keys, 11, 3, a)
    _fill_serial(SEED_STREAM, keys, 11, 3, b)
    assert a.tobytes() == b.tobytes()


RUN = ("import sys; from sim.model import FertilityModel; "
       "FertilityModel(scale=0.003, years=3, seed=9, policy={"
       "'birth_limit': {'schedule': {'2021': 2}, 'eligibility': 'local_hukou'}, "
       "'child_allowance': {'schedule': {'2021': [0, 200, 500]}}, 'tax_deduction_infant': {'schedule': {'2021': 2000}}, "
       "'housing_priority_multichild': {'schedule': {'2021': True}}, 'housing_subsidy': {'schedule': {'2021': 800}}}"
       ").run().indicator_frame().to_csv(sys.argv[1], index=False, float_format='%.17g')")


def test_a_run_is_the_same_on_one_thread_and_on_two(tmp_path):
    """The whole indicator frame of a small run (every parallel kernel, compactions, the economy),
    written with full float precision, in subprocesses with NUMBA_NUM_THREADS=1 and 2."""
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / f"threads{threads}.csv"
        subprocess.run([sys.executable, "-c", RUN, str(out)], check=True,
                       env={**os.environ, "NUMBA_NUM_THREADS": threads})
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
