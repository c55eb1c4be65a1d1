"""A small seeded run must reproduce the stored baseline; update it on purpose with
tests/regression/update_baseline.py."""

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent / "regression"))
from update_baseline import BASELINE, run_frame  # noqa: E402


def test_regression_baseline():
    want = pd.read_csv(BASELINE, keep_default_na=False, na_values=["nan", "NaN"])
    got = run_frame()
    assert list(got.columns) == list(want.columns)
    assert got[["year", "indicator", "group"]].astype(str).values.tolist() == \
        want[["year", "indicator", "group"]].astype(str).values.tolist()
    # the baseline is written with 10 significant digits
    np.testing.assert_allclose(got["value"].to_numpy(), want["value"].to_numpy(), rtol=1e-9, equal_nan=True)
