"""fertsim validate: the standard experiments on the Beijing pack, their CSV and their user errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from experiments.validate import CHECKS, effects, measure, track_run, validation_config
from cli_helpers import assert_user_error, fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)

REQUIRED = ("cash_transfer_10pct_income_births_pct", "leave_12_to_24_months_births_3y_pp",
            "leave_12_to_24_months_return_36m_pp", "art_coverage_first_births_35plus_pct",
            "art_coverage_completed_fertility_pct", "nursery_places_plus_10pp_births_pct")


@pytest.mark.slow
def test_validate_writes_the_checks_with_the_signs_theory_demands(capsys, tmp_path):
    code, out, err = fertsim(capsys, "validate", "--out", "checks.csv", "--scale", "0.001", "--seeds", "1,2",
                             "--quiet")
    assert code == 0 and err == "" and out == "", err
    frame = pd.read_csv(tmp_path / "checks.csv")
    assert list(frame.columns) == ["check", "value", "unit"]
    values = frame.set_index("check")["value"]
    for name in REQUIRED:
        assert np.isfinite(values[name]), name
        assert values[f"{name}_low90"] <= values[name] <= values[f"{name}_high90"], name
    assert values["cash_transfer_10pct_income_births_pct"] > 0          # a transfer lowers the net cost of a child
    assert values["art_coverage_first_births_35plus_pct"] > 0           # cheaper ART: more births to women 35+
    assert values["art_coverage_completed_fertility_pct"] >= 0
    assert values["nursery_places_plus_10pp_births_pct"] >= 0           # more places: better childcare access
    assert values["cash_transfer_10pct_income_yuan_month"] > 0 and values["validate_seeds"] == 2


def test_cohort_measures_follow_mothers():
    """track_run's counts on a tiny run: births, a cohort of 2022 mothers, and shares in 0..100."""
    config = validation_config(0.001, [1, 2])
    counts = track_run(config.run_spec("leave_365", 1))
    assert counts["births"] > counts["cohort"] > 0 and 0 < counts["alive_36m"] <= counts["cohort"]
    assert 0 <= counts["further_birth"] <= counts["cohort"]
    assert 0 <= measure(counts, "further_birth_3y") <= 100 and 0 < measure(counts, "back_at_work_36m") <= 100
    assert 0 < measure(counts, "completed_fertility") < 3


def test_effects_are_paired_per_seed():
    runs = {(s, seed): {"births": 100.0 + seed, "first_births_35plus": 10.0, "parity_45_sum": 10.0, "turning_45": 10.0,
                        "cohort": 10.0, "further_birth": 2.0, "alive_36m": 10.0, "employed_36m": 5.0}
            for s in ("baseline", "transfer", "nursery", "art_none", "art_full", "leave_365", "leave_730")
            for seed in (1, 2)}
    for seed in (1, 2):
        runs[("transfer", seed)]["births"] = 1.05 * runs[("baseline", seed)]["births"]
        runs[("leave_730", seed)]["employed_36m"] = 4.0
    result = {c.name: v for c, v in effects(runs, [1, 2])}
    assert set(result) == {c.name for c in CHECKS} == set(REQUIRED)
    assert result["cash_transfer_10pct_income_births_pct"] == pytest.approx((5.0, 5.0, 5.0))
    assert result["leave_12_to_24_months_return_36m_pp"][0] == pytest.approx(-10.0)
    assert result["nursery_places_plus_10pp_births_pct"][0] == 0.0


@pytest.mark.parametrize("argv, expect", [
    (["--scale", "5"], "scale: 5.0 is out of range; allowed 0.001..1.0"),
    (["--seeds", "1"], "seeds: 1 given; validate needs at least 2"),
    (["--seeds", "1,x"], "expected comma-separated whole numbers"),
    (["--seeds", "1,1"], "seeds: seed 1 is listed twice"),
    (["--workers", "0"], "expected a whole number of processes"),
    (["--out", "no/such/folder/checks.csv"], "the folder"),
])
def test_validate_user_errors(capsys, tmp_path, argv, expect):
    code, out, err = fertsim(capsys, "validate", "--quiet", *argv)
    assert_user_error(code, err, expect)
    assert out == "" and list(tmp_path.iterdir()) == []                  # nothing written
