"""The china (national) region pack: reproducible from ../shared/data, true to the 2010 and 2015
population data, sourced, and usable at the small scales a national run needs (its rebuild from
../shared/data, byte for byte, and a source on every row: tests/test_pack.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.config import ConfigError, config_from_dict
from sim import parameters
from sim.model import FertilityModel
from sim.pack import available_packs, calibrated_parameters, load_pack
from sim.packs import build_china
from sim.synthesis import synthesize

SHARED = build_china.DEFAULT_SHARED
TOTAL_2010, TOTAL_2015 = 1_348_190_000, 1_393_715_000        # shared/data/china_population_2010_2015_by_age.csv


@pytest.fixture(scope="module")
def pack():
    return load_pack("china")


def five_year_groups(pack, year: int) -> pd.Series:
    """The pack's reference rows of the national population by five-year group (persons, both sexes)."""
    rows = pack.vital_rates[(pack.vital_rates.year == year) & pack.vital_rates.indicator.str.startswith("population_")]
    return rows.set_index("indicator")["value"].astype(np.int64)


def test_reference_rows_are_the_shared_data(pack):
    if not SHARED.is_dir():
        pytest.skip(f"shared data directory {SHARED} is absent")
    data = pd.read_csv(SHARED / "china_population_2010_2015_by_age.csv")
    for year, total in ((2010, TOTAL_2010), (2015, TOTAL_2015)):
        groups = data[data.reference_date == f"{year}-07-01"]["population_persons"].to_numpy()
        assert groups.sum() == total
        assert (five_year_groups(pack, year).to_numpy() == groups).all()


def test_population_keeps_every_2010_group_and_the_total(pack):
    pop = pack.population_age_sex
    assert "china" in available_packs() and pack.name == "china"
    assert pop.shape == (101, 2) and pop.dtype == np.int64 and (pop >= 0).all()
    assert pop.sum() == pack.total_population == TOTAL_2010 == int(pack.district_population.sum())
    groups = five_year_groups(pack, 2010).to_numpy()
    model_groups = [pop[a:a + 5].sum() for a in range(0, 100, 5)] + [pop[100:].sum()]
    assert (np.array(model_groups) == groups).all()
    assert 103 < pack.sex_totals[0] / pack.sex_totals[1] * 100 < 106        # more men than women
    assert pack.census_date == "2010-07-01" and pack.earliest_start_year == 2011 <= 2015
    assert pack.min_scale == 1e-5 and pack.nonlocal_share == 0.0


def test_synthesis_matches_the_2010_population(pack):
    scale = 1e-4
    pop = synthesize(pack, scale, parameters.resolve(None), seed=3)
    p = pop.p
    age = p["age_months"] // 12
    assert pop.n * pack.total_population / pop.n == pytest.approx(TOTAL_2010)
    assert pop.n == pytest.approx(TOTAL_2010 * scale, abs=1)
    groups = five_year_groups(pack, 2010).to_numpy()
    simulated = np.array([((age >= a) & (age < a + 5)).sum() for a in range(0, 100, 5)] + [(age >= 100).sum()])
    np.testing.assert_allclose(simulated, groups * scale, atol=2.0)      # each group within 2 simulated persons
    men = (p["sex"] == 0).sum()
    assert men == pytest.approx(pack.sex_totals[0] * scale, abs=1)


def test_calibrated_run_reaches_the_2015_population(pack):
    """Calibrated on 2011-2015 (sim/packs/china/calibrated/v2.toml): the year-end 2015 population is
    within 1.5 % of the national population of 1 July 2015 (the model's clock starts half a year late)."""
    params = calibrated_parameters("china", 2)
    frame = FertilityModel(region="china", start_year=2011, years=5, scale=1e-4, seed=1, parameters=params).run() \
        .indicator_frame()
    end_2015 = frame[(frame.indicator == "population") & (frame.group == "") & (frame.year == 2015)]["value"].item()
    assert end_2015 == pytest.approx(TOTAL_2015, rel=0.015)
    tfr = frame[(frame.indicator == "tfr") & (frame.group == "")]["value"]
    assert tfr.between(1.0, 2.5).all()


def test_targets_use_data_up_to_2015_only(pack):
    assert pack.targets["year"].max() <= 2015
    assert set(pack.targets["name"]) >= {"tfr", "population_year_end"}
    assert sorted(pack.targets[pack.targets.name == "tfr"]["year"]) == [2011, 2012, 2013, 2014, 2015]


def test_policy_history_is_the_national_timeline(pack):
    h = pack.policy_history
    assert h["birth_limit"]["schedule"] == {"2011": 1, "2016": 2, "2021-06": 3}
    # the selective two-child rule: 2 for only-child couples from 2014-03 (Beijing's 2014-02-21, next whole month)
    assert h["birth_limit_only_child"]["schedule"] == {"2011": 0, "2014-03": 2, "2016": 0}
    assert h["maternity_leave_days"]["schedule"] == {"2011": 98}
    assert h["tax_deduction_infant"]["schedule"] == {"2011": 0, "2022": 1000, "2023": 2000}
    assert h["nursery_places_per_1000"]["schedule"]["2021-12"] == 2.03
    assert all(spec["eligibility"] == "all" for spec in h.values())


def test_scale_bounds_come_from_the_pack():
    base = {"name": "x", "seeds": [1]}
    assert config_from_dict({**base, "region": "china", "start_year": 2011, "scale": 1e-5}).resolved["scale"] == 1e-5
    with pytest.raises(ConfigError, match=r"^scale: 1e-06 is out of range; allowed 1e-05..1.0$"):
        config_from_dict({**base, "region": "china", "start_year": 2011, "scale": 1e-6})
    with pytest.raises(ConfigError, match=r"^scale: 0.0005 is out of range; allowed 0.001..1.0$"):
        config_from_dict({**base, "scale": 0.0005})
    with pytest.raises(ConfigError, match=r"^start_year: 2010 is out of range; allowed 2011..2100$"):
        config_from_dict({**base, "region": "china", "start_year": 2010, "scale": 1e-4})
