"""Dropping the rows of the dead and emigrated and grouping the rest by household
(sim/population.py ``compact``) changes no result, keeps the links whole, and keeps the arrays
from growing with time."""

import numpy as np
import pandas as pd
import pytest

from agents.state import NO_PARTNER
from sim.model import FertilityModel

POLICY = {
    "housing_priority_multichild": {"schedule": {"2021": True}},
    "child_allowance": {"schedule": {"2021": [0, 300, 600]}},
    "tax_deduction_infant": {"schedule": {"2021": 2000}},
}


@pytest.fixture(scope="module")
def runs():
    spec = dict(scale=0.002, years=12, seed=3, policy=POLICY)
    return FertilityModel(**spec, compaction=False).run(), FertilityModel(**spec).run()


def test_compaction_changes_no_indicator(runs):
    kept, compacted = runs
    assert compacted.pop.compactions >= 2
    pd.testing.assert_frame_equal(kept.indicator_frame(), compacted.indicator_frame(), check_exact=True)


def test_the_same_persons_with_the_same_state(runs):
    kept, compacted = runs
    a, b = kept.pop.p, compacted.pop.p
    alive_a = np.flatnonzero(a["alive"])                          # rows in pid order (never compacted)
    alive_b = np.flatnonzero(b["alive"])
    alive_b = alive_b[np.argsort(b["pid"][alive_b])]
    assert (a["pid"][alive_a] == b["pid"][alive_b]).all()         # the same living persons
    for field in ("key", "age_months", "parity", "wage", "employed", "leave_months_left", "desired_children",
                  "household"):
        if field == "household":
            ha, hb = kept.pop.h["hid"][a["household"][alive_a]], compacted.pop.h["hid"][b["household"][alive_b]]
            assert (ha == hb).all()
        else:
            assert (a[field][alive_a] == b[field][alive_b]).all(), field


def test_links_stay_whole(runs):
    _, m = runs
    p, h = m.pop.p, m.pop.h
    alive = p["alive"]
    assert len(np.unique(p["pid"])) == m.pop.n and (np.diff(h["hid"].astype(np.int64)) > 0).all()
    married = np.flatnonzero(alive & (p["partner"] != NO_PARTNER))
    assert (p["partner"][p["partner"][married]] == married).all() and alive[p["partner"][married]].all()
    mothers = p["mother"][p["mother"] >= 0]
    assert (mothers < m.pop.n).all()
    assert ((p["household"] >= 0) & (p["household"] < m.pop.n_households)).all()
    assert (np.bincount(p["household"][alive], minlength=m.pop.n_households) == h["n_members"]).all()
    # gone persons stay only as mothers of living children under 3
    gone = np.flatnonzero(~alive)
    young = alive & (p["age_months"] < 36)
    assert np.isin(gone, p["mother"][young]).all()


def test_persons_are_grouped_by_household():
    """Right after a compaction every household's members are adjacent rows, households in order."""
    m = FertilityModel(scale=0.002, years=1, seed=4)
    hh = m.pop.person("household")
    assert m.pop.compactions == 1 and (np.diff(hh.astype(np.int64)) >= 0).all()
    while m.running:
        m.step()
    hh = m.pop.person("household")
    out_of_place = np.count_nonzero(np.diff(hh.astype(np.int64)) < 0)
    assert 0 < out_of_place < 0.05 * m.pop.n       # a year's births and moves, appended or moved


def test_rows_do_not_grow_with_time():
    m = FertilityModel(scale=0.001, years=25, seed=5)
    rows, capacity = [], []
    while m.running:
        m.step()
        if m.month % 12 == 0:
            rows.append(m.pop.n / m.pop.person("alive").sum())
            capacity.append(len(m.pop._p["alive"]))
    assert max(rows) < 1.06                                 # gone rows are dropped at 5 %
    assert max(capacity) <= capacity[0] * 1.3               # no new allocation beyond the first growth
