"""Reproduce a stored run: re-run it from its stored config, scenario and seed, and compare.

Nothing is written to the store. Values compare exactly (NaN equals NaN): the model's random
numbers are a pure function of (seed, stream, person, month), so the same code gives the
same rows bit for bit, whatever machine or process made the stored run.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from experiments.config import ExperimentConfig
from experiments.executors import compute_run
from experiments.store import Store, code_version

KEY = ["year", "indicator", "group"]


class ReproduceError(Exception):
    """The run cannot be reproduced (no such run, not finished); the message is one line."""


@dataclass(frozen=True)
class StoredRun:
    """What a reproduction needs of a stored run, read before the model starts."""

    run_id: int
    experiment: str
    scenario: str
    seed: int
    code_version: str
    spec: dict                 # FertilityModel keyword arguments
    n_months: int
    rows: pd.DataFrame         # DataFrame[year, indicator, group, value] as stored


def load_stored_run(store: Store, run_id: int) -> StoredRun:
    """Run ``run_id`` of ``store`` with its rows and model arguments. Raises ReproduceError
    if there is no such run, it is not finished, or this code cannot read its config.

    The stored config is the resolved one (every default and generated scenario, e.g. sweep
    points, filled in), so it is used as it is, not validated and resolved again."""
    run = store.run_record(run_id)
    if run is None:
        raise ReproduceError(f"no run {run_id} in {store.display_url}; see `fertsim list`")
    if run["status"] != "finished":
        raise ReproduceError(f"run {run_id} is {run['status']}, not finished: it has no rows to compare")
    config = ExperimentConfig(json.loads(run["config_json"]))
    try:
        spec = config.run_spec(run["scenario"], int(run["seed"]))
        n_months = config.n_months
    except (KeyError, TypeError, ValueError) as exc:
        raise ReproduceError(f"this code cannot read the stored config of run {run_id} "
                             f"({type(exc).__name__}: {exc}); reproduce it with its code version "
                             f"{run['code_version']}") from None
    return StoredRun(run_id, run["experiment"], run["scenario"], int(run["seed"]), run["code_version"],
                     spec, n_months, store.run_rows(run_id))


def rerun(stored: StoredRun, progress=None) -> pd.DataFrame:
    """The indicator frame of a fresh run of ``stored`` (``progress`` as in compute_run)."""
    return compute_run(stored.spec, progress)[0]


def first_difference(stored: pd.DataFrame, new: pd.DataFrame) -> dict | None:
    """Two indicator frames (DataFrame[year, indicator, group, value]) in; None if they hold
    the same rows, else the first row that differs (by year, indicator, group) as a dict
    year, indicator, group, stored, new (None for a row missing on that side)."""
    merged = (stored[[*KEY, "value"]].astype({"year": "int64"})
              .merge(new[[*KEY, "value"]].astype({"year": "int64"}), on=KEY, how="outer",
                     suffixes=("_stored", "_new"), indicator="side"))
    a, b = merged["value_stored"], merged["value_new"]
    same = (merged["side"] == "both") & ((a == b) | (a.isna() & b.isna()))
    differing = merged[~same]
    if differing.empty:
        return None
    row = min(differing.itertuples(index=False), key=lambda r: (r.year, r.indicator, r.group))
    return {"year": int(row.year), "indicator": row.indicator, "group": row.group,
            "stored": None if row.side == "right_only" else float(row.value_stored),
            "new": None if row.side == "left_only" else float(row.value_new)}


def describe_difference(difference: dict) -> str:
    """One line for a ``first_difference`` result."""
    def show(value):
        return "(no row)" if value is None else repr(value)
    return (f"year {difference['year']}, indicator {difference['indicator']}, group {difference['group']!r}: "
            f"stored {show(difference['stored'])}, new {show(difference['new'])}")


def version_note(stored: StoredRun) -> str | None:
    """A line saying that the code differs from the stored run's, or None if it is the same."""
    now = code_version()
    if stored.code_version == now:
        return None
    return f"note: run {stored.run_id} was made by code version {stored.code_version}; this is {now}"
