"""The region packs reproducible from ../shared/data; the beijing pack: consistent with the census, sourced."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.pack import PackError, available_packs, load_pack
from sim.packs import build_beijing, build_china

PACK_DIR = Path(build_beijing.__file__).parent / "beijing"
SHARED = build_beijing.DEFAULT_SHARED

# DESIGN §4, the lever table (21 levers).
DESIGN_LEVERS = {
    "birth_limit", "birth_grant", "childcare_subsidy", "child_allowance", "tax_deduction_infant",
    "tax_deduction_education", "maternity_leave_days", "leave_pay_rate", "leave_employer_share",
    "paternity_leave_days", "parental_leave_days", "nursery_places_per_1000", "nursery_fee",
    "nursery_fee_subsidy", "nursery_priority_multichild", "after_school_coverage",
    "education_cost_reduction", "housing_priority_multichild", "housing_subsidy", "art_coverage",
    "employment_protection",
}


@pytest.fixture(scope="module")
def pack():
    return load_pack("beijing")


@pytest.mark.parametrize("builder", [build_beijing, build_china], ids=["beijing", "china"])
def test_committed_pack_equals_fresh_build(tmp_path, builder):
    """Every region pack in the repository is what its builder makes of ../shared/data, byte for byte."""
    if not SHARED.is_dir():
        pytest.skip(f"shared data directory {SHARED} is absent; cannot rebuild the pack")
    builder.build(SHARED, tmp_path)
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(builder.GENERATED_FILES)
    for name in built:
        assert (builder.DEFAULT_OUT / name).read_bytes() == (tmp_path / name).read_bytes(), \
            f"{name} differs from a fresh build: run python -m {builder.__name__}"


def test_population_matches_every_census_margin(pack):
    pop = pack.population_age_sex
    assert pop.shape == (101, 2) and pop.dtype == np.int64 and (pop >= 0).all()
    assert pop.sum() == pack.total_population == 21_893_095
    assert tuple(int(x) for x in pop.sum(axis=0)) == pack.sex_totals == (11_195_390, 10_697_705)
    groups = {"0-14": pop[0:15], "15-59": pop[15:60], "60+": pop[60:], "65+": pop[65:]}
    assert {k: int(v.sum()) for k, v in groups.items()} == pack.broad_age_groups
    assert pack.broad_age_groups == {"0-14": 2_591_507, "15-59": 15_002_998, "60+": 4_298_590, "65+": 2_912_060}


def test_districts_sum_to_total(pack):
    assert len(pack.districts) == len(pack.district_population) == 16
    assert pack.districts[0] == "Dongcheng"
    assert int(pack.district_population.sum()) == pack.total_population


@pytest.mark.parametrize("builder", [build_beijing, build_china], ids=["beijing", "china"])
def test_every_csv_row_has_a_source(builder):
    for path in sorted(builder.DEFAULT_OUT.glob("*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert "source" in df.columns, path.name
        assert (df["source"].str.strip() != "").all(), f"{path.name}: empty source"


def test_mortality_positive_and_rising_after_30(pack):
    mort = pd.read_csv(PACK_DIR / "mortality.csv")
    assert (mort[["mx_2015_2020", "mx_2020_2025"]] > 0).all().all()
    assert mort["annual_decline"].between(0.0, 0.03).all()
    mx = pack.mortality_mx
    assert mx.shape == (101, 2) and (mx > 0).all()
    assert (np.diff(mx[30:], axis=0) > 0).all()
    assert pack.mortality_base_year == 2022.5


def test_education_rows_sum_to_one(pack):
    assert pack.education_share.shape == (len(pack.education_age_bands), 2, 4)
    np.testing.assert_allclose(pack.education_share.sum(axis=2), 1.0, atol=1e-12)
    assert pack.education_age_bands[0] == 0


def test_fertility_and_start_year(pack):
    assert pack.asfr_pattern.shape == (7,) and (pack.asfr_pattern > 0).all()
    assert 100 < pack.sex_ratio_at_birth < 120
    assert pack.census_date == "2020-11-01" and pack.earliest_start_year == 2021
    assert pack.nonlocal_share == 0.385


def test_unknown_pack_names_the_available_ones():
    assert "beijing" in available_packs()
    with pytest.raises(PackError, match=r"^unknown region 'nope'; available: .*beijing"):
        load_pack("nope")


def test_policy_history_levers_are_design_levers(pack):
    assert pack.policy_history, "empty policy history"
    assert set(pack.policy_history) <= DESIGN_LEVERS
    for lever, spec in pack.policy_history.items():
        assert spec["eligibility"] in ("all", "local_hukou"), lever
        assert spec["schedule"] and all(isinstance(k, str) for k in spec["schedule"]), lever
    assert pack.policy_history["birth_limit"]["schedule"]["2016"] == 2
    assert pack.policy_history["maternity_leave_days"]["schedule"]["2021-12"] == 158
