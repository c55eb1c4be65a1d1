"""Paired-run results (experiments/compare.py), `fertsim compare`, `fertsim export --paired`,
and the scenario configs in experiments/configs.

Real model runs (scale 0.002, 3 years, 3 seeds) into a real SQLite store; the expected
numbers are computed by hand from the exported indicator rows. Until the model writes
``fiscal_cost`` rows, the fiscal test skips and every other test holds without them.
"""

import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from experiments.compare import CompareError, comparison_table, paired_results, t_quantile
from experiments.config import load_config
from experiments.runner import run_experiment
from experiments.store import EXPORT_COLUMNS, Store
from policies.schedule import check_window, compile_policy, merge_policy
from sim.pack import load_pack
from cli_helpers import assert_user_error, fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "experiments" / "configs"
T90_DF2 = 2.919985580355516          # Student t, 0.95 quantile, 2 degrees of freedom (table value)
INDICATORS = ("additional_births", "additional_fiscal_cost", "cost_per_additional_birth")
SMALL = """name = "paired"
scale = 0.002
start_year = 2021
years = 3
seeds = [1, 2, 3]
[parameters]
birth_limit_compliance = 1.0
[scenarios.same]
description = "restates the baseline: no birth grant (the default) from 2021"
[scenarios.same.policy.birth_grant]
schedule = {2021 = 0}
[scenarios.one_child]
description = "one child per couple from 2022, full compliance: fewer births"
[scenarios.one_child.policy.birth_limit]
schedule = {2022 = 1}
[scenarios.grants]
description = "a transfer lever: cash at second and third births from 2022"
[scenarios.grants.policy.birth_grant]
schedule = {2022 = [0, 10000, 20000]}
"""
SCENARIOS = ("grants", "one_child", "same")
SEEDS = (1, 2, 3)
YEARS = (2021, 2022, 2023)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """A SQLite store with the SMALL experiment run: 4 scenarios x 3 seeds x 3 years."""
    root = tmp_path_factory.mktemp("compare")
    (root / "small.toml").write_text(SMALL, encoding="utf-8")
    path = root / "paired.db"
    with Store(f"sqlite:///{path}") as store:
        run_experiment(load_config(root / "small.toml"), store, progress=False)
    return path


@pytest.fixture(scope="module")
def exported(db) -> pd.DataFrame:
    with Store(f"sqlite:///{db}", create=False) as store:
        return store.export("paired")


@pytest.fixture(scope="module")
def paired(exported) -> pd.DataFrame:
    return paired_results(exported, "paired")


def per_seed(paired: pd.DataFrame, scenario: str, indicator: str) -> dict[tuple[int, int], float]:
    rows = paired[(paired["scenario"] == scenario) & (paired["indicator"] == indicator) & paired["seed"].notna()]
    assert (rows["group"] == "").all()
    return {(int(seed), int(year)): value for seed, year, value in zip(rows["seed"], rows["year"], rows["value"])}


def summary(paired: pd.DataFrame, scenario: str, indicator: str, year: int) -> dict[str, float]:
    rows = paired[(paired["scenario"] == scenario) & (paired["indicator"] == indicator) & paired["seed"].isna()
                  & (paired["year"] == year)]
    return dict(zip(rows["group"], rows["value"]))


def hand_cumulative(exported: pd.DataFrame, indicator: str, scenario: str) -> dict[tuple[int, int], float]:
    """Cumulative scenario − baseline of a city-wide indicator, by plain loops; missing rows are 0."""
    value = {(r.scenario, r.seed, r.year): r.value
             for r in exported[(exported["indicator"] == indicator) & (exported["group"] == "")].itertuples()}
    out = {}
    for seed in SEEDS:
        total = 0.0
        for year in YEARS:
            total += value.get((scenario, seed, year), 0.0) - value.get(("baseline", seed, year), 0.0)
            out[seed, year] = total
    return out


# --- paired_results on real runs --------------------------------------------------------

def test_layout_of_the_paired_rows(paired):
    assert list(paired.columns) == EXPORT_COLUMNS
    assert set(paired["experiment"]) == {"paired"} and set(paired["scenario"]) == set(SCENARIOS)
    assert set(paired["indicator"]) == set(INDICATORS)
    seeded, summaries = paired[paired["seed"].notna()], paired[paired["seed"].isna()]
    assert len(seeded) == len(SCENARIOS) * len(SEEDS) * len(YEARS) * len(INDICATORS)
    assert set(seeded["group"]) == {""} and set(seeded["seed"]) == set(SEEDS)
    assert len(summaries) == len(SCENARIOS) * len(YEARS) * len(INDICATORS) * 3
    assert set(summaries["group"]) == {"stat=mean", "stat=low90", "stat=high90"}
    assert not paired.duplicated(EXPORT_COLUMNS[:-1]).any()


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_paired_numbers_equal_a_hand_computation(exported, paired, scenario):
    births = hand_cumulative(exported, "births", scenario)
    cost = hand_cumulative(exported, "fiscal_cost", scenario)
    got_births = per_seed(paired, scenario, "additional_births")
    got_cost = per_seed(paired, scenario, "additional_fiscal_cost")
    got_ratio = per_seed(paired, scenario, "cost_per_additional_birth")
    assert set(got_births) == set(births)
    for key in births:
        assert got_births[key] == pytest.approx(births[key], rel=1e-12, abs=1e-6)
        assert got_cost[key] == pytest.approx(cost[key], rel=1e-12, abs=1e-6)
        if births[key] > 0:
            assert got_ratio[key] == pytest.approx(cost[key] / births[key], rel=1e-12)
        else:
            assert math.isnan(got_ratio[key])
    for year in YEARS:
        for name, values in (("additional_births", births), ("additional_fiscal_cost", cost)):
            x = [values[seed, year] for seed in SEEDS]
            mean, half = statistics.fmean(x), T90_DF2 * statistics.stdev(x) / math.sqrt(3)
            got = summary(paired, scenario, name, year)
            assert got["stat=mean"] == pytest.approx(mean, rel=1e-12, abs=1e-6)
            assert got["stat=low90"] == pytest.approx(mean - half, rel=1e-9, abs=1e-6)
            assert got["stat=high90"] == pytest.approx(mean + half, rel=1e-9, abs=1e-6)
        mean_b = statistics.fmean(births[seed, year] for seed in SEEDS)
        mean_c = statistics.fmean(cost[seed, year] for seed in SEEDS)
        ratio = summary(paired, scenario, "cost_per_additional_birth", year)["stat=mean"]
        if mean_b > 0:
            assert ratio == pytest.approx(mean_c / mean_b, rel=1e-12)
        else:
            assert math.isnan(ratio)


def test_a_scenario_identical_to_the_baseline_adds_exactly_nothing(paired):
    """Common random numbers: the same policy on the same seed gives the same run."""
    for indicator in ("additional_births", "additional_fiscal_cost"):
        values = per_seed(paired, "same", indicator)
        assert len(values) == len(SEEDS) * len(YEARS) and set(values.values()) == {0.0}
        for year in YEARS:
            assert set(summary(paired, "same", indicator, year).values()) == {0.0}
    assert all(math.isnan(v) for v in per_seed(paired, "same", "cost_per_additional_birth").values())


def test_a_one_child_limit_gives_fewer_births(paired):
    births = per_seed(paired, "one_child", "additional_births")
    for seed in SEEDS:
        assert births[seed, 2021] == 0.0              # the limit starts in 2022: 2021 is identical
        assert births[seed, 2023] < 0, seed
        assert births[seed, 2023] <= births[seed, 2022] <= 0
    last = summary(paired, "one_child", "additional_births", 2023)
    assert last["stat=low90"] <= last["stat=mean"] <= last["stat=high90"] < 0
    ratio = per_seed(paired, "one_child", "cost_per_additional_birth")
    assert all(math.isnan(ratio[seed, 2023]) for seed in SEEDS)   # no births added: no cost per birth


def test_a_transfer_lever_costs_money(exported, paired):
    fiscal = exported[exported["indicator"] == "fiscal_cost"]
    grant = fiscal[fiscal["group"] == "lever=birth_grant"]
    assert (grant.loc[grant["scenario"] == "grants", "value"] > 0).any()
    assert (grant.loc[grant["scenario"] == "baseline", "value"] == 0).all()
    cost = per_seed(paired, "grants", "additional_fiscal_cost")
    hand = hand_cumulative(exported, "fiscal_cost", "grants")
    for seed in SEEDS:
        assert cost[seed, 2021] == 0.0                    # the grants start in 2022
        assert cost[seed, 2023] > 0 and cost[seed, 2023] == pytest.approx(hand[seed, 2023], rel=1e-12)
    births = per_seed(paired, "grants", "additional_births")
    mean_b = statistics.fmean(births[seed, 2023] for seed in SEEDS)
    mean_c = statistics.fmean(cost[seed, 2023] for seed in SEEDS)
    ratio = summary(paired, "grants", "cost_per_additional_birth", 2023)
    if mean_b > 0:
        assert ratio["stat=mean"] == pytest.approx(mean_c / mean_b, rel=1e-12)
        assert ratio["stat=low90"] <= ratio["stat=mean"] <= ratio["stat=high90"]
    else:
        assert all(math.isnan(v) for v in ratio.values())


def test_only_seeds_run_by_both_the_baseline_and_the_scenario_count(exported):
    part = exported[~(((exported["scenario"] == "one_child") & (exported["seed"] == 3))
                      | ((exported["scenario"] == "baseline") & (exported["seed"] == 1)))]
    paired = paired_results(part, "paired")
    seeds = paired[paired["seed"].notna()].groupby("scenario")["seed"].agg(lambda s: sorted(set(s)))
    assert seeds.to_dict() == {"grants": [2, 3], "one_child": [2], "same": [2, 3]}
    one = summary(paired, "one_child", "additional_births", 2023)
    assert one["stat=mean"] == per_seed(paired, "one_child", "additional_births")[2, 2023]
    assert math.isnan(one["stat=low90"]) and math.isnan(one["stat=high90"])   # one seed: no interval
    full = paired_results(exported, "paired")
    key = ["scenario", "seed", "year", "indicator"]
    a = paired[paired["seed"] == 2].set_index(key)["value"]
    b = full[full["seed"] == 2].set_index(key)["value"]
    pd.testing.assert_series_equal(a, b.loc[a.index])       # a seed's own rows do not depend on others


# --- paired_results on hand-made rows ---------------------------------------------------------

def rows(records: list[tuple]) -> pd.DataFrame:
    """Export rows from (scenario, seed, year, indicator, value), group "" and experiment "x"."""
    return pd.DataFrame([("x", s, seed, y, i, "", v) for s, seed, y, i, v in records], columns=EXPORT_COLUMNS)


def test_ratio_of_means_and_its_delta_method_interval():
    base_births, scen_births = [100, 100, 100, 100], [110, 104, 98, 112]
    base_cost, scen_cost = [5.0, 5.0, 5.0, 5.0], [305.0, 150.0, 35.0, 400.0]
    records = []
    for seed in range(4):
        records += [("baseline", seed, 2030, "births", base_births[seed]),
                    ("s", seed, 2030, "births", scen_births[seed]),
                    ("baseline", seed, 2030, "fiscal_cost", base_cost[seed]),
                    ("s", seed, 2030, "fiscal_cost", scen_cost[seed])]
    paired = paired_results(rows(records), "x")
    b = np.array(scen_births, float) - base_births
    c = np.array(scen_cost) - base_cost
    ratio = c.mean() / b.mean()
    s_c, s_b, s_cb = np.var(c, ddof=1), np.var(b, ddof=1), np.cov(c, b, ddof=1)[0, 1]
    half = stats.t.ppf(0.95, 3) * math.sqrt((s_c - 2 * ratio * s_cb + ratio**2 * s_b) / 4) / b.mean()
    got = summary(paired, "s", "cost_per_additional_birth", 2030)
    assert got["stat=mean"] == pytest.approx(ratio, rel=1e-12)
    assert got["stat=low90"] == pytest.approx(ratio - half, rel=1e-9)
    assert got["stat=high90"] == pytest.approx(ratio + half, rel=1e-9)
    per = per_seed(paired, "s", "cost_per_additional_birth")
    assert per[0, 2030] == pytest.approx(300 / 10) and math.isnan(per[2, 2030])   # Δ births −2: n/a


def test_missing_fiscal_cost_counts_as_zero_and_cumulates_from_the_first_year():
    records = [("baseline", 1, 2021, "births", 10.0), ("baseline", 1, 2022, "births", 10.0),
               ("s", 1, 2021, "births", 12.0), ("s", 1, 2022, "births", 13.0),
               ("s", 1, 2022, "fiscal_cost", 50.0)]                      # no baseline fiscal rows at all
    paired = paired_results(rows(records), "x")
    assert per_seed(paired, "s", "additional_births") == {(1, 2021): 2.0, (1, 2022): 5.0}
    assert per_seed(paired, "s", "additional_fiscal_cost") == {(1, 2021): 0.0, (1, 2022): 50.0}
    assert per_seed(paired, "s", "cost_per_additional_birth") == {(1, 2021): 0.0, (1, 2022): 10.0}
    negative = paired_results(rows([*records[:2], ("s", 1, 2021, "births", 9.0), ("s", 1, 2022, "births", 10.0),
                                    ("s", 1, 2021, "fiscal_cost", 7.0)]), "x")
    assert all(math.isnan(v) for v in per_seed(negative, "s", "cost_per_additional_birth").values())
    assert math.isnan(summary(negative, "s", "cost_per_additional_birth", 2022)["stat=mean"])
    table = comparison_table(negative)
    assert table.loc[0, "seeds_no_added_births"] == 1 and table.loc[0, "year"] == 2022


@pytest.mark.parametrize("records, expect", [
    ([], "has no finished runs"),
    ([("s", 1, 2021, "births", 1.0)], "has no finished baseline run"),
    ([("baseline", 1, 2021, "births", 1.0)], "has no finished scenario runs"),
    ([("baseline", 1, 2021, "births", 1.0), ("s", 2, 2021, "births", 1.0)], "no seed has finished runs of both"),
    ([("baseline", 1, 2021, "tfr", 1.0), ("s", 1, 2021, "tfr", 1.0)], "has no city-wide births rows"),
])
def test_experiments_that_cannot_be_compared(records, expect):
    with pytest.raises(CompareError, match=expect):
        paired_results(rows(records), "x")


def test_t_quantile_matches_scipy():
    for df in (1, 2, 3, 4, 7, 10, 29, 30, 99, 500):
        for p in (0.5, 0.9, 0.95, 0.975):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9, abs=1e-12)
    assert t_quantile(0.95, 2) == pytest.approx(T90_DF2, rel=1e-12)


# --- the CLI -----------------------------------------------------------------------------------

def test_compare_prints_a_table_per_scenario(capsys, db, paired):
    code, out, err = fertsim(capsys, "compare", "paired", "--db", db)
    assert code == 0 and err == ""
    assert "cumulative 2021-2023" in out and "90% interval" in out
    assert "additional births" in out and "cost per additional birth" in out and "Δ fiscal cost" in out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split() and line.split()[0] in SCENARIOS}
    assert set(lines) == set(SCENARIOS)
    one = summary(paired, "one_child", "additional_births", 2023)
    assert (f"{one['stat=mean']:,.0f} [{one['stat=low90']:,.0f}, {one['stat=high90']:,.0f}]"
            in lines["one_child"])
    assert lines["same"].split()[1:5] == ["3", "0", "[0,", "0]"]
    assert "one_child: no births added (cumulative Δ births ≤ 0) in 3 of 3 seeds" in out
    code, out, _ = fertsim(capsys, "compare", "paired", "--db", db, "--year", "2022")
    assert code == 0 and "cumulative 2021-2022" in out
    two = summary(paired, "one_child", "additional_births", 2022)
    assert f"{two['stat=mean']:,.0f} [" in out


def stored(path: str, runs: list[tuple[str, int, str]]) -> str:
    """A SQLite store with experiment 'x': runs (scenario, seed, status) with a births row each."""
    with Store(f"sqlite:///{Path(path).resolve()}") as store:
        exp = store.ensure_experiment("x", "{}", "0" * 64)
        for scenario, seed, status in runs:
            run_id = store.start_run(exp, scenario, seed, "{}", "0" * 64)
            if status == "finished":
                frame = pd.DataFrame({"year": [2021], "indicator": ["births"], "group": [""], "value": [1.0]})
                store.finish_run(run_id, frame, {"wall_seconds": 1.0})
            elif status == "failed":
                store.fail_run(run_id, "boom")
    return path


@pytest.mark.parametrize("runs, argv, expect", [
    ([("baseline", 1, "finished")], ["compare", "nope"], "no experiment named 'nope'"),
    ([("baseline", 1, "failed"), ("s", 1, "running")], ["compare", "x"], "experiment 'x' has no finished runs"),
    ([("s", 1, "finished")], ["compare", "x"], "experiment 'x' has no finished baseline run"),
    ([("baseline", 1, "finished"), ("s", 1, "failed")], ["compare", "x"], "has no finished scenario runs"),
    ([("baseline", 1, "finished"), ("s", 2, "finished")], ["compare", "x"], "no seed has finished runs of both"),
    ([("baseline", 1, "finished"), ("s", 1, "finished")], ["compare", "x", "--year", "2030"],
     "--year 2030 is outside the compared years 2021..2021"),
    ([("baseline", 1, "finished")], ["compare", "x", "--year", "soon"], "argument --year: invalid int value"),
    ([("baseline", 1, "finished")], ["compare"], "the following arguments are required: EXPERIMENT"),
    ([("baseline", 1, "finished")], ["export", "--experiment", "x", "--paired"], "has no finished scenario runs"),
])
def test_compare_user_errors_are_one_line(capsys, runs, argv, expect):
    db = stored("bad.db", runs)
    code, out, err = fertsim(capsys, *argv, "--db", db)
    assert_user_error(code, err, expect)
    assert out == ""


def test_compare_needs_an_existing_database(capsys):
    code, _, err = fertsim(capsys, "compare", "x", "--db", "missing.db")
    assert_user_error(code, err, "no database at ")
    assert not Path("missing.db").exists()


def test_export_paired_appends_the_paired_rows(capsys, db, exported, paired):
    stored("other.db", [("baseline", 1, "finished")])
    code, out, _ = fertsim(capsys, "export", "--db", db, "--out", "plain.csv")
    assert code == 0
    code, out, _ = fertsim(capsys, "export", "--db", db, "--paired", "--out", "paired.csv")
    assert code == 0 and f"wrote {len(exported) + len(paired)} rows" in out
    plain = pd.read_csv("plain.csv", keep_default_na=False, na_values=[])
    both = pd.read_csv("paired.csv", keep_default_na=False, na_values=[], dtype={"seed": str, "value": str})
    assert list(both.columns) == EXPORT_COLUMNS and len(plain) == len(exported)
    head, tail = both.iloc[:len(plain)], both.iloc[len(plain):]
    assert head["seed"].tolist() == [str(s) for s in plain["seed"]]
    assert set(head["indicator"]).isdisjoint(INDICATORS) and set(tail["indicator"]) == set(INDICATORS)
    assert (tail.loc[tail["group"] != "", "seed"] == "").all() and (tail.loc[tail["group"] == "", "seed"] != "").all()
    values = np.array([float(v) if v else math.nan for v in tail["value"]])
    np.testing.assert_allclose(values, paired["value"].to_numpy(), rtol=1e-15, equal_nan=True)
    code, out, _ = fertsim(capsys, "export", "--db", "other.db", "--paired")     # nothing to pair: unchanged
    assert code == 0 and out.splitlines() == ["experiment,scenario,seed,year,indicator,group,value",
                                              "x,baseline,1,2021,births,,1.0"]
    code, out, _ = fertsim(capsys, "export", "--help")
    assert code == 0 and "--paired" in out


def test_help_lists_compare(capsys):
    code, out, _ = fertsim(capsys, "--help")
    assert code == 0 and "compare" in out
    code, out, _ = fertsim(capsys, "compare", "--help")
    assert code == 0 and "--year" in out and "--db" in out


# --- the configs -------------------------------------------------------------------------------

LEVER_FILES = ("nursery-places-6", "childcare-subsidy-double", "birth-grants", "leave-costs-to-insurance",
               "combined-package")
NEW_FILES = ("beijing-2022-plan", "beijing-levers", *LEVER_FILES)


@pytest.mark.parametrize("path", sorted(CONFIGS.glob("*.toml")), ids=lambda p: p.name)
def test_every_config_loads(path):
    config = load_config(path)
    r = config.resolved
    for scenario in config.scenario_names():
        check_window(config.changes(scenario), r["start_year"], r["start_year"] + r["years"] - 1)
    assert path.read_text(encoding="utf-8").startswith("# ")
    command = "calibrate" if "calibration" in r else "sensitivity" if "sensitivity" in r else "run"
    assert f"fertsim {command} experiments/configs/{path.name}" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("stem", NEW_FILES)
def test_scenario_configs_ask_one_question_each(stem):
    path = CONFIGS / f"{stem}.toml"
    config = load_config(path)
    r = config.resolved
    assert (config.name, r["region"], r["start_year"], r["years"], r["scale"], config.seeds) == \
        (stem, "beijing", 2021, 15, 0.01, [1, 2, 3, 4, 5])
    assert len(config.scenario_names()) >= 2
    assert f"fertsim compare {stem}" in path.read_text(encoding="utf-8")


def compiled(policy: dict):
    return compile_policy(policy, 2021, 15 * 12).values


def history() -> dict:
    """The beijing pack's policy history, as the model reads it."""
    return load_pack("beijing").policy_history


def test_the_plan_config_restores_the_history_against_a_counterfactual():
    config = load_config(CONFIGS / "beijing-2022-plan.toml")
    pack = history()
    plan, real = compiled(merge_policy(pack, config.changes("plan"))), compiled(pack)
    for lever in real:
        np.testing.assert_array_equal(plan[lever], real[lever], err_msg=lever)
    counterfactual = compiled(merge_policy(pack, config.changes("baseline")))
    expected = {"birth_limit": 2, "maternity_leave_days": 128, "paternity_leave_days": 15, "parental_leave_days": 0,
                "tax_deduction_infant": 0, "art_coverage": 0, "childcare_subsidy": 0,
                "nursery_places_per_1000": 1.8, "leave_pay_rate": 1.0}
    for lever, value in expected.items():
        assert (counterfactual[lever] == value).all(), lever
    assert set(config.changes("plan")) == set(config.changes("baseline")) == set(expected) - {"leave_pay_rate"}


def test_the_lever_configs_share_one_baseline_and_their_scenarios():
    levers = load_config(CONFIGS / "beijing-levers.toml")
    combined = {}
    for stem in LEVER_FILES:
        config = load_config(CONFIGS / f"{stem}.toml")
        (scenario,) = config.scenario_names()[1:]
        assert config.changes("baseline") == levers.changes("baseline")
        assert config.changes(scenario) == levers.changes(scenario)
        if stem != "combined-package":
            combined.update(levers.resolved["scenarios"][scenario]["policy"])
    assert levers.resolved["scenarios"]["combined_package"]["policy"] == combined
    assert levers.changes("baseline")["leave_employer_share"]["schedule"] == {"2021": 0.5}
    assert levers.changes("leave_costs_to_insurance")["leave_employer_share"]["schedule"] == {"2021": 0.5,
                                                                                             "2025": 0.0}
    assert levers.changes("birth_grants")["birth_grant"]["schedule"] == {"2025": [0.0, 10000.0, 20000.0]}
    assert levers.changes("nursery_places_6")["nursery_places_per_1000"]["schedule"] == {"2025": 6.0}
    assert levers.changes("childcare_subsidy_double")["childcare_subsidy"]["schedule"] == {"2025": [600.0] * 3}
