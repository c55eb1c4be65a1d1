"""Shared by the dashboard tests: one tiny real experiment in a SQLite store, built once per
test session (baseline + one scenario, 2 seeds, scale 0.001, 2 years)."""

from __future__ import annotations

import functools
import shutil
from pathlib import Path

import pytest

from experiments.config import config_from_dict
from experiments.runner import run_experiment
from experiments.store import Store

EXPERIMENT = "dash-tiny"
SCENARIO = "more_nurseries"
TINY = {
    "name": EXPERIMENT, "scale": 0.001, "start_year": 2021, "years": 2, "seeds": [1, 2],
    "scenarios": {SCENARIO: {"description": "8 nursery places per 1,000 and birth grants from 2022",
                             "policy": {"nursery_places_per_1000": {"schedule": {"2022": 8.0}},
                                        "birth_grant": {"schedule": {"2022": [0, 20000, 40000]}}}}},
}


@functools.cache
def _build(directory: str) -> Path:
    Path(directory).mkdir(parents=True, exist_ok=True)
    path = Path(directory) / "tiny.db"
    with Store(f"sqlite:///{path}") as store:
        run_experiment(config_from_dict(TINY), store, progress=False)
    return path


@pytest.fixture(scope="session")
def tiny_db(tmp_path_factory) -> Path:
    """The session's tiny store (read-only for tests: copy it to write)."""
    return _build(str(tmp_path_factory.getbasetemp() / "dashboard-store"))


@pytest.fixture
def tiny_copy(tiny_db, tmp_path) -> str:
    """A writable copy of the tiny store, as a SQLAlchemy URL."""
    path = tmp_path / "copy.db"
    shutil.copy(tiny_db, path)
    return f"sqlite:///{path}"
