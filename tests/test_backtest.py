"""The China two-child back-test config, and the seed summary its export uses."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd
import pytest

from cli_helpers import fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)
from experiments.compare import seed_summary, t_quantile
from experiments.config import BASELINE, load_config
from experiments.store import Store
from sim.model import FertilityModel

COUNTERFACTUAL = "pre2014_rules"


def backtest_path():
    return resources.files("experiments") / "configs" / "china-two-child-backtest.toml"


def test_the_backtest_config_loads():
    with resources.as_file(backtest_path()) as path:
        config = load_config(path)
    r = config.resolved
    assert r["region"] == "china" and r["start_year"] <= 2015 and r["start_year"] + r["years"] - 1 == 2024
    assert len(config.seeds) >= 5 and r["calibrated_parameters"] == 2
    assert config.scenario_names() == [BASELINE, COUNTERFACTUAL]
    assert config.changes(BASELINE) == {}                       # the actual timeline: the pack's history
    assert config.changes(COUNTERFACTUAL)["birth_limit"]["schedule"] == {"2011": 1}
    # "pre-2014 rules": no selective two-child rule either
    assert config.changes(COUNTERFACTUAL)["birth_limit_only_child"]["schedule"] == {"2011": 0}
    # the calibrated parameters (fitted and fixed) reach every run
    assert r["parameters"]["immigration_rate"] == 0.0 and r["parameters"]["mortality_level"] == 1.0


@pytest.mark.slow
def test_counterfactual_has_fewer_second_births_after_2016():
    """A tiny run of the back-test 2011-2018 on paired seeds: keeping the one-child limit gives fewer
    second births in 2016-2018 than the actual timeline, and identical years before 2014 (the
    selective two-child rule of 2014-03 is the first difference)."""
    with resources.as_file(backtest_path()) as path:
        config = load_config(path, {"scale": 2e-5, "years": 8, "seeds": [1, 2]})
    for seed in config.seeds:
        frames = {s: FertilityModel(**config.run_spec(s, seed)).run().indicator_frame() for s in config.scenario_names()}
        second = {s: f[(f.indicator == "births") & (f.group == "parity=2")].set_index("year")["value"]
                  for s, f in frames.items()}
        assert second[COUNTERFACTUAL].loc[2016:2018].sum() < second[BASELINE].loc[2016:2018].sum(), seed
        before = [f[f.year < 2014].reset_index(drop=True) for f in frames.values()]
        pd.testing.assert_frame_equal(*before)                # common random numbers until the policies differ


def test_seed_summary_gives_mean_and_student_t_interval():
    values = np.array([1.0, 2.0, 3.0, 7.0])
    frame = pd.DataFrame({"experiment": "e", "scenario": BASELINE, "seed": [1, 2, 3, 4] * 2, "year": 2016,
                          "indicator": "births", "group": [""] * 4 + ["parity=2"] * 4,
                          "value": np.concatenate([values, 10 * values])})
    out = seed_summary(frame)
    assert list(out.group) == ["stat=mean", "stat=low90", "stat=high90",
                               "parity=2,stat=mean", "parity=2,stat=low90", "parity=2,stat=high90"]
    assert out.seed.isna().all()
    half = t_quantile(0.95, 3) * values.std(ddof=1) / 2
    np.testing.assert_allclose(out.value[:3], [3.25, 3.25 - half, 3.25 + half])
    np.testing.assert_allclose(out.value[3:], [32.5, 32.5 - 10 * half, 32.5 + 10 * half])


def test_export_summary_appends_intervals_after_the_indicator_rows(capsys, tmp_path):
    with Store(f"sqlite:///{tmp_path / 'r.db'}") as store:
        exp = store.ensure_experiment("bt", "{}", "0" * 64)
        for seed, births in ((1, 100.0), (2, 110.0)):
            rows = pd.DataFrame({"year": [2016, 2016], "indicator": ["births", "births"], "group": ["", "parity=2"],
                                 "value": [births, births / 2]})
            store.finish_run(store.start_run(exp, BASELINE, seed, "{}", "0" * 64), rows, {"wall_seconds": 1.0})
    code, out, err = fertsim(capsys, "export", "--db", "r.db", "--summary", "--out", "bt.csv")
    assert code == 0 and "wrote 10 rows" in out, err
    frame = pd.read_csv(tmp_path / "bt.csv", keep_default_na=False)
    assert frame["seed"].tolist() == ["1", "1", "2", "2"] + [""] * 6         # summary rows: seed empty
    summary = frame[4:].set_index("group")["value"]
    assert summary["stat=mean"] == 105.0 and summary["parity=2,stat=mean"] == 52.5
    assert summary["stat=low90"] < 105.0 < summary["stat=high90"]
