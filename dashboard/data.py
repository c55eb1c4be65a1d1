"""Read-only access to the results store for the dashboard: small queries returning DataFrames.

``configure(url)`` names the store (``create_app`` does it); nothing is read at import
time. Every function raises ``StoreError`` with a one-line message when the store cannot
be opened or read (pages show it in place of their figures). SQL stays in
``experiments.store`` (bound parameters only); paired statistics come from
``experiments.compare``. Indicator rows and paired results are cached per experiment and
refreshed when the experiment's set of finished runs changes, so 50 visitors cost one query.
"""

from __future__ import annotations

import collections
import functools
import json
import threading
import time

import pandas as pd

from experiments.compare import comparison_table, indicator_differences, paired_results
from experiments.config import BASELINE, ExperimentConfig, config_from_dict
from experiments.store import Store, StoreError

# The plan's targets (Beijing 2022 implementation plan for optimising the birth policy)
NURSERY_TARGET = (2025, 4.5)      # nursery places per 1,000 residents by end-2025: shared/data/policy_parameters.csv
                                  # (target_end_2025; a national 14th five-year-plan target the plan adopts)
SRB_NORMAL = (103.0, 107.0)       # "normal" sex ratio at birth, boys per 100 girls: the conventional
                                  # demographic range (assumption: the plan says "normal level" without numbers)
HORIZON = 2035                    # the plan's long-range horizon
MILESTONE = 2025                  # the plan's first target year

KEY_INDICATORS = ("births", "tfr", "population", "old_age_dependency_ratio", "nursery_places",
                  "female_lfp_25_49", "sex_ratio_at_birth")
PLACES_PER_1000 = "nursery_places_per_1000"      # derived: nursery_places / population × 1,000

_settings: dict[str, str | None] = {"url": None}


def configure(url: str) -> None:
    """Use the store at ``url`` (a SQLAlchemy URL) from now on."""
    _settings["url"] = url
    for cache in (_open, _rows, _paired, _key_indicators, _differences):
        cache.cache_clear()
    with _views_lock:
        _views.clear()


def url() -> str:
    if _settings["url"] is None:
        raise StoreError("the dashboard has no results store configured; start it with `fertsim dashboard --db URL`")
    return _settings["url"]


@functools.lru_cache(maxsize=4)
def _open(store_url: str) -> Store:
    return Store(store_url, create=False)


def _read(method: str, *args):
    """``Store.<method>(*args)`` on the configured store, database errors as StoreError."""
    store = _open(url())
    with store.reading():
        return getattr(store, method)(*args)


# --- experiments and runs -------------------------------------------------------------
def experiments() -> pd.DataFrame:
    """DataFrame[id, name, created_at, config_sha256, runs, finished], by id."""
    return _read("list_experiments")


def experiment_names() -> list[str]:
    """Experiments with at least one finished run, newest first."""
    frame = experiments()
    return frame.loc[frame["finished"] > 0, "name"].iloc[::-1].tolist()


def experiment_exists(name: str) -> bool:
    return name in set(experiments()["name"])


def runs(experiment: str | None = None) -> pd.DataFrame:
    """DataFrame[id, experiment, scenario, seed, status, started_at, finished_at, wall_seconds,
    code_version, config_sha256, error], by id."""
    return _read("list_runs", experiment)


def finished_runs(experiment: str) -> pd.DataFrame:
    """DataFrame[id, scenario, seed] of the experiment's finished runs."""
    frame = runs(experiment)
    return frame.loc[frame["status"] == "finished", ["id", "scenario", "seed"]].reset_index(drop=True)


def scenarios(experiment: str) -> list[str]:
    """Scenarios with finished runs: the baseline first, then by name."""
    names = set(finished_runs(experiment)["scenario"])
    return ([BASELINE] if BASELINE in names else []) + sorted(names - {BASELINE})


def seeds(experiment: str) -> list[int]:
    return sorted(int(s) for s in set(finished_runs(experiment)["seed"]))


def run_id(experiment: str, scenario: str, seed: int) -> int | None:
    """The finished run of (scenario, seed) in the experiment, or None."""
    frame = finished_runs(experiment)
    match = frame[(frame["scenario"] == scenario) & (frame["seed"] == seed)]
    return None if match.empty else int(match["id"].iloc[-1])


def _version(experiment: str) -> tuple[int, ...]:
    """The ids of the experiment's finished runs: cached results are valid while it is unchanged."""
    return tuple(sorted(int(i) for i in finished_runs(experiment)["id"]))


# --- views (cached) ---------------------------------------------------------------------
VIEW_SECONDS = 60          # a cached view lives at most this long (so a transient store error heals)
_views: collections.OrderedDict = collections.OrderedDict()
_views_lock = threading.Lock()
_computing: dict = {}


def cached_view(fn):
    """Cache a page callback's result per (arguments, store, the experiment's finished runs, minute).

    The callback's first argument is the experiment name. Results are shared between
    visitors and must not be modified; pages build them with pure functions of the rows.
    """
    @functools.wraps(fn)
    def view(experiment, *args):
        if not experiment:
            return fn(experiment, *args)
        try:
            key = (fn.__module__, fn.__qualname__, url(), experiment, _freeze(args), _version(experiment),
                   int(time.time() // VIEW_SECONDS))
        except StoreError:
            return fn(experiment, *args)
        with _views_lock:
            if key in _views:
                _views.move_to_end(key)
                return _views[key]
            computing = _computing.setdefault(key, threading.Lock())
        with computing:                      # concurrent first visitors wait for one computation
            with _views_lock:
                if key in _views:
                    return _views[key]
            result = fn(experiment, *args)
            with _views_lock:
                _views[key] = result
                _computing.pop(key, None)
                while len(_views) > 256:
                    _views.popitem(last=False)
        return result

    return view


def _freeze(value):
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


# --- indicator rows (cached) ------------------------------------------------------------
def rows(experiment: str, indicators: tuple[str, ...], scenarios_: tuple[str, ...] | None = None) -> pd.DataFrame:
    """Indicator rows of finished runs in export columns [experiment, scenario, seed, year,
    indicator, group, value]. Do not modify the frame (it is cached)."""
    frame = _rows(url(), experiment, tuple(indicators), _version(experiment))
    if scenarios_ is not None:
        frame = frame[frame["scenario"].isin(scenarios_)]
    return frame


@functools.lru_cache(maxsize=64)
def _rows(store_url: str, experiment: str, indicators: tuple[str, ...], version: tuple[int, ...]) -> pd.DataFrame:
    return _read("indicator_rows", experiment, indicators)


def city(frame: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """City-wide rows (group "") of one indicator: DataFrame[scenario, seed, year, value]."""
    mine = frame[(frame["indicator"] == indicator) & (frame["group"] == "")]
    return mine[["scenario", "seed", "year", "value"]].reset_index(drop=True)


def key_indicators(experiment: str) -> pd.DataFrame:
    """City-wide rows of KEY_INDICATORS plus the derived nursery places per 1,000 residents
    (cached: do not modify)."""
    return _key_indicators(url(), experiment, _version(experiment))


@functools.lru_cache(maxsize=16)
def _key_indicators(store_url: str, experiment: str, version: tuple[int, ...]) -> pd.DataFrame:
    frame = rows(experiment, KEY_INDICATORS)
    frame = frame[frame["group"] == ""]
    places = frame[frame["indicator"] == "nursery_places"].set_index(["scenario", "seed", "year"])["value"]
    people = frame[frame["indicator"] == "population"].set_index(["scenario", "seed", "year"])["value"]
    per_1000 = (1000.0 * places / people).dropna().rename("value").reset_index()
    per_1000 = per_1000.assign(experiment=experiment, indicator=PLACES_PER_1000, group="")
    return pd.concat([frame, per_1000[frame.columns]], ignore_index=True)


def years(experiment: str) -> list[int]:
    """Years with rows (from the city-wide population)."""
    return sorted(int(y) for y in set(city(rows(experiment, ("population",)), "population")["year"]))


# --- paired results ---------------------------------------------------------------------
def paired(experiment: str) -> pd.DataFrame:
    """``experiments.compare.paired_results`` of the experiment (CompareError if it has no
    baseline, no scenario or no shared seed). Do not modify the frame (it is cached)."""
    return _paired(url(), experiment, _version(experiment))


@functools.lru_cache(maxsize=16)
def _paired(store_url: str, experiment: str, version: tuple[int, ...]) -> pd.DataFrame:
    return paired_results(rows(experiment, ("births", "fiscal_cost")), experiment)


def comparison(experiment: str, year: int | None = None) -> pd.DataFrame:
    """``experiments.compare.comparison_table`` at ``year`` (default the last)."""
    return comparison_table(paired(experiment), year)


def differences(experiment: str, indicator: str, group: str = "") -> pd.DataFrame:
    """Scenario − baseline of one indicator per year over paired seeds, with 90 % intervals
    (``experiments.compare.indicator_differences``; cached: do not modify)."""
    return _differences(url(), experiment, indicator, group, _version(experiment))


@functools.lru_cache(maxsize=64)
def _differences(store_url: str, experiment: str, indicator: str, group: str, version: tuple[int, ...]) -> pd.DataFrame:
    return indicator_differences(rows(experiment, (indicator,)), experiment, indicator, group)


# --- one run ----------------------------------------------------------------------------
def run_record(run: int) -> dict | None:
    """Everything stored about run ``run`` (config as parsed JSON in ``config``), or None."""
    record = _read("run_record", int(run))
    if record is not None:
        record["config"] = json.loads(record["config_json"])
    return record


def run_rows(run: int) -> pd.DataFrame:
    """The run's indicator rows, DataFrame[year, indicator, group, value]."""
    return _read("run_rows", int(run))


def run_config(run: int) -> ExperimentConfig:
    """The validated config the run was made with (for re-running it, e.g. a family trace)."""
    record = run_record(run)
    if record is None:
        raise StoreError(f"no run {run} in the results store")
    return config_from_dict(record["config"])


def family_events(run: int, family: int) -> pd.DataFrame:
    """The stored family trace, DataFrame[seq, person, year, month, who, event, detail, code_version]."""
    return _read("family_events", int(run), int(family))
