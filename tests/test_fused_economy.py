"""The fused economy kernels (agents/income.py, agents/birth_costs.py, agents/sums.py) against
plain numpy array code: the same household incomes, marginal rates, fiscal payments and
birth-decision terms, bit for bit, on a run with every lever on. Sums are of terms rounded to
2**-16 yuan (agents/sums.py), here ``fixed``."""

import copy

import numpy as np
import pytest

from agents.state import FEMALE, HUKOU_LOCAL, NO_PARTNER, TENURE_PRIVATE_RENT, TENURE_PUBLIC_PRIORITY, TENURE_PUBLIC_RENTAL
from agents.sums import FIXED_PER_YUAN, fixed_sum, fixed_total
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER, income_tax_monthly
from policies.fiscal import FiscalLedger
from sim.model import FertilityModel

RICH = {
    "birth_limit": {"schedule": {"2021": 2}, "eligibility": "local_hukou"},
    "birth_grant": {"schedule": {"2021": [5000, 10000, 20000]}, "eligibility": "local_hukou"},
    "childcare_subsidy": {"schedule": {"2021": [100, 300, 600]}},
    "child_allowance": {"schedule": {"2021": [0, 200, 500]}, "eligibility": "local_hukou"},
    "tax_deduction_infant": {"schedule": {"2021": 2000}},
    "tax_deduction_education": {"schedule": {"2021": 1000}},
    "leave_employer_share": {"schedule": {"2021": 0.5}},
    "after_school_coverage": {"schedule": {"2021": 0.5}},
    "education_cost_reduction": {"schedule": {"2021": 0.3}},
    "housing_priority_multichild": {"schedule": {"2021": True}, "eligibility": "local_hukou"},
    "housing_subsidy": {"schedule": {"2021": 800}, "eligibility": "local_hukou"},
    "parental_leave_days": {"schedule": {"2021": 10}},
}


@pytest.fixture(scope="module")
def model():
    m = FertilityModel(scale=0.002, years=2, seed=11, policy=RICH)
    for _ in range(14):
        m.step()
    return m


def fixed(yuan):
    """Each value rounded to a whole number of 2**-16 yuan, in those units."""
    return np.floor(np.asarray(yuan, np.float64) * FIXED_PER_YUAN + 0.5)


def fixed_sum_np(yuan):
    return float(fixed(yuan).astype(np.int64).sum() / FIXED_PER_YUAN)


# --- the array code of the income phase before it was fused (git 6e1ce86, sim/economy.py) -------------
def top_earner(alive, household, gross, n_h):
    """First living member with the highest gross pay, −1 for none (sorted instead of a loop)."""
    rows = np.flatnonzero(alive)
    order = rows[np.lexsort((rows, -gross[rows], household[rows]))]
    first = np.ones(len(order), bool)
    first[1:] = household[order][1:] != household[order][:-1]
    top = np.full(n_h, -1, np.int64)
    top[household[order[first]]] = order[first]
    return top


def income_reference(e, cm):
    """→ (household income, marginal rate per household, payments by lever) as the array code made them."""
    m, p, prm = e.m, e.m.pop.p, e.m.params
    ledger = FiscalLedger()
    n_h = m.pop.n_households
    alive = p["alive"]
    on_leave = alive & (p["leave_months_left"] > 0)
    age = p["age_months"] // 12
    young_woman = (p["sex"] == FEMALE) & (age >= prm["young_women_age_min"]) & (age <= prm["young_women_age_max"])
    wage_cut = min(prm["wage_penalty_coef"] * e.employer_leave_burden(), 1.0)
    pay = np.where(young_woman, p["wage"] * (1.0 - wage_cut), p["wage"])
    earnings = np.where(alive & p["employed"] & ~on_leave, pay, 0.0)
    leave_pay = np.where(on_leave, m.lever["leave_pay_rate"] * p["wage"], 0.0)
    gross = earnings
    ledger.pay("maternity_leave_days", fixed_sum_np(leave_pay) * (1.0 - m.lever["leave_employer_share"]))
    child = alive & (p["age_months"] < 216)
    under3 = child & (p["age_months"] < 36)
    hh = p["household"]
    n_under3 = np.bincount(hh[under3], minlength=n_h)
    n_school = np.bincount(hh[child & ~under3], minlength=n_h)
    top = top_earner(alive, hh, gross, n_h)
    deduction = np.zeros(m.pop.n)
    ded_h_infant = n_under3 * m.lever["tax_deduction_infant"]
    ded_h_edu = n_school * m.lever["tax_deduction_education"]
    has_top = top >= 0
    deduction[top[has_top]] = (ded_h_infant + ded_h_edu)[has_top]
    tax, marginal = income_tax_monthly(gross, prm["social_insurance_rate"], deduction, BRACKET_UPPER, BRACKET_RATE,
                                       BASIC_DEDUCTION_ANNUAL)
    claimers = np.flatnonzero(deduction > 0)
    tax0, _ = income_tax_monthly(gross[claimers], prm["social_insurance_rate"], np.zeros(len(claimers)),
                                 BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
    total_ded = np.maximum(ded_h_infant + ded_h_edu, 1e-300)
    share_infant = np.where(has_top, ded_h_infant / total_ded, 0.0)
    forgone_h = np.bincount(hh[claimers], weights=tax0 - tax[claimers], minlength=n_h)
    ledger.pay("tax_deduction_infant", fixed_sum_np(forgone_h * share_infant))
    ledger.pay("tax_deduction_education", fixed_sum_np(forgone_h * (1 - share_infant)))
    marginal_h = np.zeros(n_h)
    marginal_h[has_top] = marginal[top[has_top]]
    birth_order = np.clip(p["birth_order"].astype(np.int64), 1, 3)
    transfers = np.zeros(n_h)
    for lever, who in (("childcare_subsidy", under3), ("child_allowance", child)):
        ok = who & e._eligible(lever, p["hukou"])
        pay = np.where(ok, e._by_parity(lever, birth_order), 0.0)
        ledger.pay(lever, fixed_sum_np(pay))
        transfers += np.bincount(hh, weights=fixed(pay), minlength=n_h)
    transfers /= FIXED_PER_YUAN
    multichild = (n_under3 + n_school) >= 2
    housing = np.where(multichild, m.lever["housing_subsidy"], 0.0)
    housing *= e._eligible("housing_subsidy", m.pop.household("hukou"))
    ledger.pay("housing_subsidy", fixed_sum_np(housing))
    transfers += housing
    if e.pending_grants is not None:
        households, grants = e.pending_grants
        transfers[households] += grants
    edu = e.child_cost_month * prm["child_cost_education_share"] * m.lever["education_cost_reduction"] * n_school
    ledger.pay("education_cost_reduction", fixed_sum_np(edu))
    ledger.pay("after_school_coverage",
               fixed_sum_np(m.lever["after_school_coverage"] * prm["after_school_cost_per_pupil"] * n_school))
    net = np.bincount(hh, weights=fixed(np.where(alive, gross - tax - gross * prm["social_insurance_rate"] + leave_pay
                                                 + e.other_income_month, 0.0)), minlength=n_h) / FIXED_PER_YUAN
    return (net + transfers).astype(np.float32), marginal_h, ledger.year_total


def test_income_phase_matches_the_array_code(model):
    m = copy.deepcopy(model)
    e = m.economy
    want_income, want_marginal, want_paid = income_reference(e, m.calendar_month)
    e.ledger = FiscalLedger()
    e.m.lever = dict(e.m.lever, housing_priority_multichild=0.0)     # admissions draw: compared in test_housing
    e.income_and_costs(m.calendar_month)
    assert m.pop.household("income").tobytes() == want_income.tobytes()
    assert e.marginal_rate_h.tobytes() == want_marginal.tobytes()
    for lever, yuan in want_paid.items():
        if lever != "housing_priority_multichild":
            assert e.ledger.year_total[lever] == yuan, lever
    assert want_paid["tax_deduction_infant"] > 0 and want_paid["child_allowance"] > 0 and want_paid["housing_subsidy"] > 0


# --- the birth-decision terms ----------------------------------------------------------------------
def birth_terms_reference(e, women):
    m, p, prm = e.m, e.m.pop.p, e.m.params
    hh = p["household"][women]
    income = np.maximum(e.household_income()[hh], prm["income_floor"])
    order = np.clip(p["parity"][women].astype(np.int64) + 1, 1, 3)
    hukou = p["hukou"][women]
    months = 216
    support = (e._by_parity("childcare_subsidy", order) * 36 * e._eligible("childcare_subsidy", hukou)
               + e._by_parity("child_allowance", order) * months * e._eligible("child_allowance", hukou)
               + e._by_parity("birth_grant", order) * e._eligible("birth_grant", hukou)) / months
    marginal = np.zeros(m.pop.n_households)
    marginal[: len(e.marginal_rate_h)] = e.marginal_rate_h
    support += marginal[hh] * (m.lever["tax_deduction_infant"] * 36 + m.lever["tax_deduction_education"] * 180) / months
    support += e.child_cost_month * prm["child_cost_education_share"] * m.lever["education_cost_reduction"] * 180 / months
    support += np.where(order >= 2, m.lever["housing_subsidy"] * e._eligible("housing_subsidy", hukou), 0.0)
    net_cost = np.maximum(e.child_cost_month - support, 0.0)
    tenure = m.pop.household("tenure")[hh]
    public = (tenure == TENURE_PUBLIC_RENTAL) | (tenure == TENURE_PUBLIC_PRIORITY)
    if m.lever["housing_priority_multichild"]:
        public |= (tenure == TENURE_PRIVATE_RENT) & (order >= 2) & e._eligible("housing_priority_multichild", hukou)
    full = e.rent_per_m2() * prm["space_per_child_m2"]
    space = np.where(public, full * (1.0 - prm["public_rental_discount"]), full)
    leave_months = m.lever["maternity_leave_days"] / (365.25 / 12)
    shared_days = m.lever["paternity_leave_days"] + 2 * 3 * m.lever["parental_leave_days"]
    home_months = max(prm["expected_home_care_months"] - leave_months * m.lever["leave_pay_rate"]
                      - shared_days / (365.25 / 12), 0.0)
    lost = p["wage"][women] * (1 - prm["tax_and_social_share"]) * home_months / months
    access = e._nursery_access()[p["district"][women]]
    return net_cost / income, lost / income, access, space / income


def test_birth_terms_match_the_array_code(model):
    e = model.economy
    p = model.pop.p
    women = np.flatnonzero(p["alive"] & (p["sex"] == FEMALE) & (p["partner"] != NO_PARTNER))
    assert (p["hukou"][women] == HUKOU_LOCAL).any() and (p["hukou"][women] != HUKOU_LOCAL).any()
    for got, want in zip(e.birth_terms(women), birth_terms_reference(e, women)):
        assert np.asarray(got, np.float64).tobytes() == np.asarray(want, np.float64).tobytes()


# --- sums in 2**-16 yuan ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
def test_fixed_sums_do_not_depend_on_order(seed):
    """The same bytes in any order of the terms, within m × 2**-17 yuan of the exact sum."""
    g = np.random.default_rng(seed)
    for _ in range(100):
        n = int(g.integers(0, 20_000))
        x = g.standard_normal(n) * 10.0 ** g.uniform(-6, 7, n)
        total = fixed_sum(x, n)
        assert fixed_sum(g.permutation(x), n) == total == fixed_total(x[::-1])
        # each term moves by at most 2**-17 yuan; the long-double reference errs by at most n·eps·Σ|x|
        exact = np.sum(x.astype(np.longdouble))
        assert abs(total - float(exact)) <= n * 2.0 ** -17 + n * float(np.finfo(np.longdouble).eps) * np.abs(x).sum()
