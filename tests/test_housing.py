"""Housing: tenure kernels against their rules, and the housing levers and prices in paired runs."""

import math

import numpy as np

from agents.housing import admit_multichild_renters, draw_tenure
from agents.rng import Streams
from agents.state import (HUKOU_LOCAL, HUKOU_NONLOCAL, TENURE_OWNER, TENURE_PRIVATE_RENT, TENURE_PUBLIC_PRIORITY,
                          TENURE_PUBLIC_RENTAL)
from sim.model import FertilityModel
from sim.parameters import PARAMETERS

RUN = {"scale": 0.004, "start_year": 2021, "years": 4, "seed": 11}


def test_draw_tenure_rule_on_constructed_cases():
    hukou = np.array([HUKOU_LOCAL, HUKOU_LOCAL, HUKOU_LOCAL, HUKOU_NONLOCAL, HUKOU_NONLOCAL], np.int8)
    u = np.array([[0.79, 0.0], [0.81, 0.19], [0.81, 0.21], [0.24, 0.0], [0.26, 0.0]])
    got = draw_tenure(hukou, u, 0.8, 0.25, 0.2)
    want = [TENURE_OWNER, TENURE_PUBLIC_RENTAL, TENURE_PRIVATE_RENT, TENURE_OWNER, TENURE_PRIVATE_RENT]
    assert got.tolist() == want       # non-local renters are never public tenants, whatever u[:, 1]


def test_draw_tenure_shares_within_binomial_error():
    n = 200_000
    g = np.random.default_rng(5)
    hukou = np.where(g.random(n) < 0.4, HUKOU_NONLOCAL, HUKOU_LOCAL).astype(np.int8)
    got = draw_tenure(hukou, g.random((n, 2)), 0.8, 0.25, 0.2)
    for mask, share_owner, share_public in ((hukou == HUKOU_LOCAL, 0.8, 0.2 * 0.2),
                                            (hukou == HUKOU_NONLOCAL, 0.25, 0.0)):
        k = mask.sum()
        for tenure, share in ((TENURE_OWNER, share_owner), (TENURE_PUBLIC_RENTAL, share_public)):
            observed = (got[mask] == tenure).mean()
            assert abs(observed - share) <= 4 * math.sqrt(share * (1 - share) / k) + 1e-12, (tenure, observed)


def test_admission_only_moves_eligible_private_renters_with_two_children():
    tenure = np.array([TENURE_PRIVATE_RENT, TENURE_PRIVATE_RENT, TENURE_PRIVATE_RENT, TENURE_OWNER,
                       TENURE_PUBLIC_RENTAL, TENURE_PRIVATE_RENT], np.int8)
    children = np.array([[1, 1], [0, 1], [0, 3], [2, 0], [0, 2], [1, 1]], np.int32)    # under 3, 3-17
    hukou = np.array([HUKOU_LOCAL, HUKOU_LOCAL, HUKOU_NONLOCAL, HUKOU_LOCAL, HUKOU_LOCAL, HUKOU_LOCAL], np.int8)
    streams = Streams(3)
    # household keys (hid) whose draws this month are 0.1 (admitted) and 0.6 (not) against p = 0.5
    draws = streams.uniform("public_rental_admission", np.arange(10_000), 7)
    low, high = np.flatnonzero(draws < 0.5)[0], np.flatnonzero(draws > 0.5)[0]
    hid = np.array([low, low, low, low, low, high], np.int32)
    admitted = admit_multichild_renters(tenure, children, hukou, hid, True, streams.seed_stream("public_rental_admission"),
                                        7, 0.5)
    assert admitted == 1
    assert tenure.tolist() == [TENURE_PUBLIC_PRIORITY, TENURE_PRIVATE_RENT, TENURE_PRIVATE_RENT, TENURE_OWNER,
                               TENURE_PUBLIC_RENTAL, TENURE_PRIVATE_RENT]


def run(policy=None, parameters=None, **kw):
    return FertilityModel(policy=policy or {}, parameters=parameters, **{**RUN, **kw}).run()


def values(df, indicator, group=""):
    return df[(df.indicator == indicator) & (df.group == group)]["value"].to_numpy()


def test_public_rental_priority_admits_families_and_pays_the_discount():
    baseline = run().indicator_frame()
    model = FertilityModel(policy={"housing_priority_multichild": {"schedule": {"2022": True}}}, **RUN)
    prm, owed = model.params, 0.0
    while model.running:
        model.step()
        if model.month > 36:     # the last year: the discount on each month's admitted tenants
            h = model.pop.h
            tenants = h["tenure"] == TENURE_PUBLIC_PRIORITY
            owed += (prm["rent_per_m2_month"] * prm["space_per_person_m2"] * prm["public_rental_discount"]
                     * h["n_members"][tenants].astype(float).sum())
    priority = model.indicator_frame()
    share = values(priority, "housing_tenure", "tenure=public_rental_priority")
    assert share[0] == 0 and (np.diff(share) > 0).all()          # none before 2022, then a growing share
    assert (values(baseline, "housing_tenure", "tenure=public_rental_priority") == 0).all()
    paid = values(priority, "fiscal_cost", "lever=housing_priority_multichild")
    assert len(paid) == 3
    np.testing.assert_allclose(paid[-1], owed * model.indicators.rescale, rtol=1e-9)
    # cheaper space for second and later children: not fewer births (common random numbers)
    assert values(priority, "births").sum() >= values(baseline, "births").sum() * 0.999


def test_dearer_housing_lowers_births():
    base = run().indicator_frame()
    dear = run(parameters={"housing_price_index": 2.0}).indicator_frame()
    assert values(dear, "births").sum() < values(base, "births").sum()


def test_housing_parameters_are_declared_with_units_and_sources():
    for name in ("rent_per_m2_month", "space_per_child_m2", "owner_share_local", "public_rental_discount",
                 "public_rental_admission_rate", "housing_price_index"):
        assert PARAMETERS[name].unit and PARAMETERS[name].source
