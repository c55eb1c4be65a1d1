"""sim/family.py: a family followed month by month without changing the run, the same woman in
every scenario of a seed, and events that agree with the person arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import dashboard_helpers
from dashboard_helpers import EXPERIMENT, SCENARIO, TINY
from experiments.config import BASELINE, config_from_dict
from experiments.store import Store
from sim.family import EVENT_COLUMNS, N_FAMILIES, FamilyTracker, sample_women, trace_family
from sim.model import FertilityModel

tiny_db = dashboard_helpers.tiny_db         # fixture

CONFIG = config_from_dict(TINY)


def test_following_a_family_leaves_the_run_unchanged(tiny_db):
    """Stepping with a tracker gives the stored run's indicator rows exactly."""
    model = FertilityModel(**CONFIG.run_spec(SCENARIO, 2))
    trackers = [FamilyTracker(model, int(w)) for w in sample_women(model)]
    while model.month < model.n_months:
        model.step()
        for tracker in trackers:
            tracker.observe()
    with Store(f"sqlite:///{tiny_db}") as store:
        runs = store.list_runs(EXPERIMENT)
        run = int(runs[(runs["scenario"] == SCENARIO) & (runs["seed"] == 2)]["id"].iloc[0])
        stored = store.run_rows(run)
    mine = model.indicator_frame().sort_values(["year", "indicator", "group"], ignore_index=True)
    pd.testing.assert_frame_equal(mine, stored.sort_values(["year", "indicator", "group"], ignore_index=True))


def test_the_same_women_are_sampled_in_every_scenario_of_a_seed():
    base = FertilityModel(**CONFIG.run_spec(BASELINE, 1))
    other = FertilityModel(**CONFIG.run_spec(SCENARIO, 1))
    women = sample_women(base)
    assert len(women) == N_FAMILIES and len(set(women.tolist())) == N_FAMILIES
    assert women.tolist() == sample_women(other).tolist()
    p = base.pop.p
    assert (p["sex"][women] == 1).all() and ((p["age_months"][women] // 12 >= 22) & (p["age_months"][women] // 12 <= 32)).all()
    assert sample_women(FertilityModel(**CONFIG.run_spec(BASELINE, 2))).tolist() != women.tolist()


@pytest.mark.parametrize("family", [1, 2, 3, 4, 5])
def test_events_agree_with_the_person_arrays(family):
    spec = {**CONFIG.run_spec(BASELINE, 1), "years": 6}
    trace = trace_family(spec, family)
    events = trace.events
    assert list(events.columns) == EVENT_COLUMNS
    assert events["event"].iloc[0] == "start" and events["detail"].iloc[0].startswith("aged ")
    dates = list(zip(events["year"], events["month"]))
    assert dates == sorted(dates) and dates[0] == (2021, 1)
    model = FertilityModel(**spec)                    # run the same months and compare the end state
    model.run()
    p = model.pop.p
    # the run compacts (and regroups) its rows; pid is the row the tracer (which does not compact) saw
    rows = np.flatnonzero(p["pid"] == trace.person)
    present = len(rows) == 1
    person = int(rows[0]) if present else 0
    births = (events["event"] == "birth").sum()
    start_parity = int(events["detail"].iloc[0].split(", ")[2].split(" ")[0])
    if trace.months == model.n_months:                # she stayed to the end
        assert present and p["alive"][person] and "left" not in set(events["event"])
        assert int(p["parity"][person]) == start_parity + births
        marriages, splits = (events["event"] == "marriage").sum(), events["event"].isin(["divorce", "widowed"]).sum()
        married_at_start = "married" in events["detail"].iloc[0].split(", ")[1]
        assert (p["partner"][person] >= 0) == (married_at_start + marriages - splits == 1)
    else:
        assert events["event"].iloc[-1] == "left" and not (present and p["alive"][person])


def test_an_unknown_family_number_is_an_error():
    with pytest.raises(ValueError, match="family 11 is not sampled; this run has families 1..10"):
        trace_family(CONFIG.run_spec(BASELINE, 1), 11)
