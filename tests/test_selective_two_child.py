"""The selective two-child rule of 2014 (单独二孩): the ``birth_limit_only_child`` lever, the share of
couples with an only-child parent derived from the start population, and that the lever at 0
changes nothing."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from agents.rng import Streams
from agents.state import FEMALE
from sim import parameters
from sim.model import FertilityModel, only_child_shares
from sim.pack import calibrated_parameters, load_pack
from sim.synthesis import synthesize


def test_only_child_couples_alone_have_second_births_under_a_one_child_limit():
    """birth_limit 1 for all, 2 for only-child couples, everyone complies: every woman who goes from
    parity <= 1 to 2 or more in the run is one whose only-child draw lies below s, and the women
    drawn make up s of all women to within 4 binomial standard errors."""
    params = {**calibrated_parameters("china", 1), "birth_limit_compliance": 1.0}
    policy = {"birth_limit": {"schedule": {"2011": 1}}, "birth_limit_only_child": {"schedule": {"2011": 2}}}
    seed = 4
    model = FertilityModel(region="china", start_year=2011, years=4, scale=5e-5, seed=seed, parameters=params,
                           policy=policy, compaction=False)
    p = model.pop.p
    n0 = model.pop.n
    women = np.flatnonzero(p["sex"][:n0] == FEMALE)
    parity0 = p["parity"][:n0].copy()
    s = model.only_child_couple_share
    assert 0.0 < s < 1.0
    model.run()
    p = model.pop.p
    u = Streams(seed).uniform("only_child_couple", p["key"][:n0], 0)      # month 0: a per-person constant
    drawn = u < s
    second = np.flatnonzero((parity0 <= 1) & (p["parity"][:n0] >= 2) & (p["sex"][:n0] == FEMALE))
    assert len(second) >= 30                                   # the rule is exercised, not vacuously true
    assert drawn[second].all()
    # and no woman goes past two children
    assert (p["parity"][:n0][(parity0 <= 2) & (p["sex"][:n0] == FEMALE)] <= 2).all()
    share = drawn[women].mean()
    se = math.sqrt(s * (1 - s) / len(women))
    assert abs(share - s) < 4 * se, (share, s, se)


def test_without_the_lever_a_one_child_limit_allows_no_second_birth():
    params = {**calibrated_parameters("china", 1), "birth_limit_compliance": 1.0}
    policy = {"birth_limit": {"schedule": {"2011": 1}}, "birth_limit_only_child": {"schedule": {"2011": 0}}}
    model = FertilityModel(region="china", start_year=2011, years=2, scale=5e-5, seed=4, parameters=params,
                           policy=policy, compaction=False)
    n0 = model.pop.n
    parity0 = model.pop.p["parity"][:n0].copy()
    model.run()
    assert not ((parity0 <= 1) & (model.pop.p["parity"][:n0] >= 2)).any()


def test_only_child_share_is_computed_as_documented():
    """q = (women 40-59 with parity 1) / (sum of the parities of women 40-59 with parity >= 1), s = 1 - (1 - q)^2."""
    pack = load_pack("china")
    pop = synthesize(pack, 1e-4, parameters.resolve(calibrated_parameters("china", 1)), seed=3)
    p = pop.p
    age = p["age_months"] // 12
    women = p["alive"] & (p["sex"] == FEMALE) & (age >= 40) & (age <= 59)
    parity = p["parity"][women].astype(np.int64)
    q_direct = (parity == 1).sum() / parity[parity >= 1].sum()
    q, s = only_child_shares(pop)
    assert q == pytest.approx(q_direct, rel=1e-15)
    assert s == pytest.approx(1 - (1 - q_direct) ** 2, rel=1e-15)
    assert 0.0 < q < 1.0
    model = FertilityModel(region="china", start_year=2011, years=1, scale=1e-4, seed=3,
                           parameters=calibrated_parameters("china", 1))
    assert (model.only_child_share, model.only_child_couple_share) == (q, s)


def test_the_lever_at_zero_changes_nothing():
    """A run with birth_limit_only_child = 0 (and a binding one-child limit) is identical to one without the lever."""
    params = {"birth_limit_compliance": 1.0}
    limit = {"birth_limit": {"schedule": {"2021": 1}}}
    kw = dict(start_year=2021, years=2, scale=0.002, seed=2, parameters=params)
    without = FertilityModel(policy=limit, **kw).run().indicator_frame()
    with_zero = FertilityModel(policy={**limit, "birth_limit_only_child": {"schedule": {"2021": 0}}},
                               **kw).run().indicator_frame()
    pd.testing.assert_frame_equal(without, with_zero)
