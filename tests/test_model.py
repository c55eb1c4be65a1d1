"""The engine: synthetic population, the month's demography, levers, reproducibility."""

import mesa
import numpy as np
import pandas as pd
import pytest

from agents.state import FEMALE, HOUSEHOLD_FAMILY, MALE, NO_PARTNER
from sim.model import FertilityModel
from sim.pack import load_pack

PACK = load_pack("beijing")


@pytest.fixture(scope="module")
def start():
    """The synthetic population at scale 0.01 (about 219,000 persons) before any month."""
    return FertilityModel(scale=0.01, years=1, seed=3)


def test_census_marginals(start):
    """Total, sex and broad ages are exact up to rounding; districts within one household each."""
    p, h, scale = start.pop.p, start.pop.h, 0.01
    alive = p["alive"]
    assert abs(alive.sum() - PACK.total_population * scale) <= 1
    for sex in (MALE, FEMALE):
        assert abs((p["sex"][alive] == sex).sum() - PACK.sex_totals[sex] * scale) <= 0.5
    age = p["age_months"] // 12
    for label, lo, hi in (("0-14", 0, 14), ("15-59", 15, 59), ("60+", 60, 200), ("65+", 65, 200)):
        got = ((age >= lo) & (age <= hi)).sum()
        # largest-remainder rounding of 101 × 2 cells: each cell within 1 person
        assert abs(got - PACK.broad_age_groups[label] * scale) <= 101 * 2, label
    district_counts = np.bincount(p["district"], minlength=len(PACK.districts))
    biggest_household = h["n_members"].max()
    assert np.all(np.abs(district_counts - PACK.district_population * scale) <= biggest_household)


def test_household_marginals(start):
    """Family households: the census count and so its mean size 2.31; collective population to rounding."""
    h, scale = start.pop.h, 0.01
    family = h["kind"] == HOUSEHOLD_FAMILY
    assert abs(family.sum() - PACK.family_households * scale) <= 1
    mean_size = h["n_members"][family].mean()
    want = PACK.family_household_population / PACK.family_households
    # family population differs from the census only by the collective-household rounding
    assert abs(mean_size - want) < 0.02
    assert abs(h["n_members"][~family].sum() - PACK.collective_household_population * scale) <= 1
    assert (h["n_members"] == np.bincount(start.pop.person("household"), minlength=len(family))).all()


def test_nonlocal_share_and_links(start):
    p = start.pop.p
    assert abs((p["hukou"] == 1).mean() - PACK.nonlocal_share) < 0.01
    married = p["partner"] != NO_PARTNER
    partners = p["partner"][married]
    assert (p["partner"][partners] == np.flatnonzero(married)).all()          # mutual
    assert (p["sex"][married] != p["sex"][partners]).all()
    assert (p["household"][married] == p["household"][partners]).all()
    kids = np.flatnonzero(p["mother"] >= 0)
    mothers = p["mother"][kids]
    assert (p["sex"][mothers] == FEMALE).all()
    age_at_birth = (p["age_months"][mothers] - p["age_months"][kids]) / 12
    assert age_at_birth.min() >= 14 and age_at_birth.max() <= 51
    co_resident = np.bincount(mothers, minlength=len(p["alive"]))
    assert (p["parity"] >= co_resident).all()
    assert (p["desired_children"][p["sex"] == FEMALE] >= 0).all()
    # employment: the pack's (national) participation rate for ages 15+, unless the statutory
    # retirement age makes it unattainable with 98 % employment at prime ages (then that cap)
    age = p["age_months"] // 12
    student = start.params["student_employment_rel"]
    for sex, key, retire in ((FEMALE, "lfp_female_15plus", "retirement_age_women_cadres"),
                             (MALE, "lfp_male_15plus", "retirement_age_men")):
        adults = (age >= 15) & (p["sex"] == sex)
        weight = np.where((age >= 22) & (age < PACK.economy[retire]), 1.0,
                          np.where((age >= 18) & (age < 22), student, 0.0))[adults]
        expected = min(PACK.economy[key], 0.98 * weight.sum() / adults.sum())
        sd = np.sqrt(expected * (1 - expected) / adults.sum())
        assert abs(p["employed"][adults].mean() - expected) < 4 * sd, key


def run(**kw):
    kw.setdefault("scale", 0.003)
    kw.setdefault("years", 3)
    kw.setdefault("seed", 1)
    return FertilityModel(**kw).run()


def test_invariants_after_running():
    m = run(years=3)
    p = m.pop.p
    alive = p["alive"]
    married = alive & (p["partner"] != NO_PARTNER)
    assert not (~alive & (p["partner"] != NO_PARTNER)).any()
    assert (p["partner"][p["partner"][married]] == np.flatnonzero(married)).all()
    assert p["alive"][p["partner"][married]].all()
    live_members = np.bincount(p["household"][alive], minlength=m.pop.n_households)
    assert (m.pop.household("n_members") == live_members).all()
    kids = np.flatnonzero(p["mother"] >= 0)
    assert (p["parity"] >= np.bincount(p["mother"][kids], minlength=m.pop.n)).all()
    assert (p["months_pregnant"][~alive] == 0).all()


def test_same_seed_same_rows_and_other_seed_differs():
    a = run().indicator_frame()
    b = run().indicator_frame()
    pd.testing.assert_frame_equal(a, b)
    c = run(seed=2).indicator_frame()
    assert not a["value"].equals(c["value"])


def test_lever_from_2030_leaves_earlier_years_identical():
    base = run(years=10, scale=0.002).indicator_frame()
    policy = {"birth_limit": {"schedule": {"2030": 1}, "eligibility": "all"}}
    scen = run(years=10, scale=0.002, policy=policy, parameters={"birth_limit_compliance": 1.0}).indicator_frame()
    before = base["year"] < 2030
    pd.testing.assert_frame_equal(base[before].reset_index(drop=True), scen[before].reset_index(drop=True))
    second = (scen["indicator"] == "births") & (scen["group"] == "parity=2") & (scen["year"] == 2030)
    base_second = (base["indicator"] == "births") & (base["group"] == "parity=2") & (base["year"] == 2030)
    assert scen.loc[second, "value"].item() < base.loc[base_second, "value"].item()


def test_one_child_limit_with_full_compliance_gives_no_second_births():
    policy = {"birth_limit": {"schedule": {"2021": 1}, "eligibility": "all"}}
    df = run(years=3, policy=policy, parameters={"birth_limit_compliance": 1.0}).indicator_frame()
    higher = df[(df["indicator"] == "births") & df["group"].isin(["parity=2", "parity=3"])]
    assert (higher["value"] == 0).all()
    first = df[(df["indicator"] == "births") & (df["group"] == "parity=1")]
    assert (first["value"] > 0).all()


def test_mortality_follows_the_life_table():
    """Deaths by age group and sex in one year against the expectation Σ exposure × q,
    within 4 binomial standard deviations."""
    m = FertilityModel(scale=0.02, years=1, seed=5)
    p = m.pop.p
    alive0 = p["alive"].copy()
    age0 = (p["age_months"] // 12).copy()
    sex = p["sex"].copy()
    q_year = 1 - (1 - m._mortality_table(m.start_year)) ** 12
    n0 = len(alive0)
    m.run()
    died = alive0 & ~m.pop.person("alive")[:n0]
    # emigrants also leave: count only those who were not in an emigrating household
    # by comparing deaths among persons in local-hukou households, which do not emigrate (rate 0)
    local = m.pop.person("hukou")[:n0] == 0
    for lo, hi in ((0, 39), (40, 59), (60, 69), (70, 79), (80, 100)):
        for s in (MALE, FEMALE):
            sel = alive0 & local & (age0 >= lo) & (age0 <= hi) & (sex == s)
            q = q_year[np.minimum(age0[sel] + 1, 100), s] * 0.5 + q_year[age0[sel], s] * 0.5
            expected, sd = q.sum(), np.sqrt((q * (1 - q)).sum())
            assert abs(died[sel].sum() - expected) <= 4 * sd + 1, (lo, hi, s, died[sel].sum(), expected)


def test_yearly_indicators_are_complete_and_rescaled():
    m = run(years=2, scale=0.002)
    df = m.indicator_frame()
    names = {"population", "births", "deaths", "marriages", "divorces", "net_migration", "crude_birth_rate", "tfr",
             "asfr", "mean_age_first_birth", "mean_age_first_marriage", "completed_fertility_45",
             "sex_ratio_at_birth", "old_age_dependency_ratio"}
    assert names <= set(df["indicator"])
    assert sorted(df["year"].unique()) == [2021, 2022]
    pop = df[(df.indicator == "population") & (df.group == "")].set_index("year")["value"]
    pyramid = df[(df.indicator == "population") & (df.group != "")].groupby("year")["value"].sum()
    assert np.allclose(pop, pyramid)
    assert abs(pop[2021] - PACK.total_population) / PACK.total_population < 0.03     # rescaled, not simulated size
    births = df[(df.indicator == "births")]
    total = births[births.group == ""].set_index("year")["value"]
    by_parity = births[births.group != ""].groupby("year")["value"].sum()
    assert np.allclose(total, by_parity)


def test_mesa_batch_run():
    results = mesa.batch_run(FertilityModel, parameters={"scale": 0.001, "years": 1, "seed": [1, 2]},
                             number_processes=1, max_steps=10_000, display_progress=False)
    assert len(results) == 2
    assert {r["seed"] for r in results} == {1, 2}
    assert all(r["population"] > 0 and r["births"] > 0 for r in results)


def test_results_do_not_depend_on_the_number_of_threads(tmp_path):
    """The parallel random-number kernel gives the same run on 1 thread as on 2."""
    import subprocess
    import sys
    script = ("import sys; from sim.model import FertilityModel; "
              "FertilityModel(scale=0.002, years=2, seed=4).run().indicator_frame().to_csv(sys.argv[1], index=False)")
    outs = []
    for threads in ("1", "2"):
        out = tmp_path / f"t{threads}.csv"
        env = {**__import__("os").environ, "NUMBA_NUM_THREADS": threads}
        subprocess.run([sys.executable, "-c", script, str(out)], check=True, env=env)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
