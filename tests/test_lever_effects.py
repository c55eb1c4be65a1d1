"""Each lever moves its outcome the right way in paired runs (same seed, common random numbers),
and the fiscal ledger adds up."""

import numpy as np
import pytest

from sim.model import FertilityModel

RUN = dict(scale=0.004, start_year=2021, years=4, seed=11)


def frame(policy=None, parameters=None, **kw):
    spec = {**RUN, **kw}
    return FertilityModel(policy=policy or {}, parameters=parameters, **spec).run().indicator_frame()


def value(df, indicator, group="", year=None):
    rows = df[(df.indicator == indicator) & (df.group == group)]
    if year is not None:
        rows = rows[rows.year == year]
    return rows["value"].to_numpy()


@pytest.fixture(scope="module")
def baseline():
    return frame()


def test_more_nursery_places_raise_enrolment_and_do_not_lower_births(baseline):
    more = frame({"nursery_places_per_1000": {"schedule": {"2021": 15.0}}})
    assert value(more, "nursery_places").sum() > 2 * value(baseline, "nursery_places").sum()
    assert value(more, "nursery_enrolled").sum() > value(baseline, "nursery_enrolled").sum()
    assert value(more, "childcare_mode", "mode=nursery").mean() > value(baseline, "childcare_mode", "mode=nursery").mean()
    # births: access enters the conception log-odds with a positive coefficient; with common random
    # numbers the paired difference of cumulative births is not negative beyond one birth in a thousand
    assert value(more, "births").sum() >= value(baseline, "births").sum() * 0.999


def test_enrolment_never_exceeds_district_capacity(baseline):
    for name in baseline[baseline.group.str.startswith("district=")].group.unique():
        places = value(baseline, "nursery_places", name)
        enrolled = value(baseline, "nursery_enrolled", name)
        assert (enrolled <= places + 1e-6).all(), name


def test_employer_paid_leave_lowers_young_womens_employment(baseline):
    employer = frame({"leave_employer_share": {"schedule": {"2021": 1.0}},
                      "employment_protection": {"schedule": {"2021": 0.0}}})
    insurer = frame({"leave_employer_share": {"schedule": {"2021": 0.0}}})
    assert value(employer, "female_lfp_25_49")[-1] < value(insurer, "female_lfp_25_49")[-1]


def test_employer_paid_leave_cuts_young_womens_pay():
    """Same people, first month: young women's pay is cut, so total household income is lower
    (single households may differ either way as care and job choices respond)."""
    def incomes(share):
        m = FertilityModel(policy={"leave_employer_share": {"schedule": {"2021": share}}}, **{**RUN, "years": 1})
        m.step()
        return m.pop.household("income").copy()
    employer, insurer = incomes(1.0), incomes(0.0)
    assert employer.sum() < insurer.sum()


def test_a_cash_transfer_raises_births_and_is_paid_in_full(baseline):
    grant = frame({"birth_grant": {"schedule": {"2021": [0, 50000, 100000]}}})
    assert value(grant, "births").sum() > value(baseline, "births").sum()
    # the ledger: the grant paid equals the grant times the births of each order, every year
    paid = value(grant, "fiscal_cost", "lever=birth_grant")
    owed = 50000 * value(grant, "births", "parity=2") + 100000 * value(grant, "births", "parity=3")
    np.testing.assert_allclose(paid, owed, rtol=1e-9)


def test_fiscal_total_is_the_sum_over_levers(baseline):
    df = frame({"childcare_subsidy": {"schedule": {"2021": 500}}, "child_allowance": {"schedule": {"2022": 200}}})
    fiscal = df[df.indicator == "fiscal_cost"]
    total = fiscal[fiscal.group == ""].set_index("year")["value"]
    by_lever = fiscal[fiscal.group != ""].groupby("year")["value"].sum()
    np.testing.assert_allclose(total.to_numpy(), by_lever.reindex(total.index).to_numpy(), rtol=1e-9)
    assert (fiscal[fiscal.group == "lever=child_allowance"].year >= 2022).all()


def test_local_hukou_eligibility_costs_less_than_all():
    every = frame({"childcare_subsidy": {"schedule": {"2021": 500}}}, years=1)
    local = frame({"childcare_subsidy": {"schedule": {"2021": 500}, "eligibility": "local_hukou"}}, years=1)
    cost_all = value(every, "fiscal_cost", "lever=childcare_subsidy")[0]
    cost_local = value(local, "fiscal_cost", "lever=childcare_subsidy")[0]
    assert 0 < cost_local < cost_all


def test_lower_birth_limit_gives_fewer_higher_order_births(baseline):
    limited = frame({"birth_limit": {"schedule": {"2021": 1}}}, parameters={"birth_limit_compliance": 0.5})
    higher = lambda df: value(df, "births", "parity=2").sum() + value(df, "births", "parity=3").sum()  # noqa: E731
    assert higher(limited) < higher(baseline)


def test_art_coverage_raises_art_spending_and_births_35_plus(baseline):
    none = frame({"art_coverage": {"schedule": {"2021": 0.0}}})
    full = frame({"art_coverage": {"schedule": {"2021": 1.0}}})
    assert value(none, "fiscal_cost", "lever=art_coverage").size == 0
    assert value(full, "fiscal_cost", "lever=art_coverage").sum() > 0
    older = lambda df: sum(value(df, "asfr", g).sum() for g in ("age=35-39", "age=40-44"))  # noqa: E731
    assert older(full) > older(none)
