"""The results store on a SQLite file and on the real PostgreSQL server (a fresh schema per test)."""

import math
import uuid

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from experiments import store as store_module
from experiments.store import EXPORT_COLUMNS, INSERT_CHUNK, Store, StoreError, database_url

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        with Store(f"sqlite:///{tmp_path / 'results.db'}") as opened:
            yield opened
        return
    schema = f"fertsim_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        with Store(f"{PG_URL}?options=-csearch_path%3D{schema}") as opened:
            yield opened
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def indicator_rows(n_years: int = 3, seed: int = 0) -> pd.DataFrame:
    """A small indicator frame in the model's shape, rows shuffled."""
    rows = [(2021 + y, name, group, float(seed * 1000 + y + len(group)))
            for y in range(n_years) for name, group in [("births", ""), ("births", "parity=1"), ("tfr", ""),
                                                        ("population", "age=0-4,sex=female")]]
    frame = pd.DataFrame(rows, columns=["year", "indicator", "group", "value"])
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def finished_run(store, experiment_id, scenario, seed, rows=None):
    run_id = store.start_run(experiment_id, scenario, seed, "{}", "sha")
    store.finish_run(run_id, indicator_rows(seed=seed) if rows is None else rows, {"wall_seconds": 1.5})
    return run_id


def count_rows(store, run_id) -> int:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(store_module.indicators)
                            .where(store_module.indicators.c.run_id == run_id)).scalar()


def run_row(store, run_id):
    with store.engine.connect() as conn:
        return conn.execute(sa.select(store_module.runs).where(store_module.runs.c.id == run_id)).one()


def test_experiment_is_created_once_and_guards_its_config(store):
    first = store.ensure_experiment("exp", '{"a":1}', "sha-a")
    assert store.ensure_experiment("exp", '{"a":1}', "sha-a") == first
    assert store.ensure_experiment("other", '{"a":2}', "sha-b") != first
    with pytest.raises(StoreError, match="^experiment 'exp' already exists .* different config"):
        store.ensure_experiment("exp", '{"a":3}', "sha-c")


def test_run_lifecycle_and_provenance(store):
    exp = store.ensure_experiment("exp", "{}", "sha")
    run_id = store.start_run(exp, "baseline", 7, '{"x":1}', "sha")
    row = run_row(store, run_id)
    assert (row.status, row.seed, row.scenario, row.config_json) == ("running", 7, "baseline", '{"x":1}')
    assert row.code_version and row.started_at is not None and row.finished_at is None
    assert set(row.library_versions) == {"python", "numpy", "numba", "mesa", "pandas", "sqlalchemy"}
    rows = indicator_rows()
    store.finish_run(run_id, rows, {"wall_seconds": 2.5, "setup_seconds": 0.5})
    row = run_row(store, run_id)
    assert (row.status, row.wall_seconds, row.timings) == ("finished", 2.5, {"wall_seconds": 2.5, "setup_seconds": 0.5})
    assert count_rows(store, run_id) == len(rows)
    assert store.finished_runs(exp) == {("baseline", 7)}
    failed = store.start_run(exp, "baseline", 8, "{}", "sha")
    store.fail_run(failed, "Traceback ...\nValueError: boom")
    row = run_row(store, failed)
    assert (row.status, row.error) == ("failed", "Traceback ...\nValueError: boom")
    assert store.finished_runs(exp) == {("baseline", 7)}


def test_finish_is_atomic(store):
    exp = store.ensure_experiment("exp", "{}", "sha")
    run_id = store.start_run(exp, "baseline", 1, "{}", "sha")
    n = INSERT_CHUNK * 2 + 5                           # the failure comes after two chunks went in
    rows = pd.DataFrame({"year": np.arange(n) // 10, "indicator": "x", "group": (np.arange(n) % 10).astype(str),
                         "value": 1.0})
    rows.loc[n - 1, ["year", "group"]] = [0, "0"]      # the last row repeats the first
    with pytest.raises(sa.exc.IntegrityError):
        store.finish_run(run_id, rows, {"wall_seconds": 1.0})
    assert count_rows(store, run_id) == 0
    assert run_row(store, run_id).status == "running"
    good = indicator_rows()
    store.finish_run(run_id, good, {"wall_seconds": 1.0})
    with pytest.raises(StoreError, match=f"^run {run_id} is not running"):
        store.finish_run(run_id, indicator_rows(seed=5), {"wall_seconds": 1.0})
    assert count_rows(store, run_id) == len(good)
    store.fail_run(run_id, "too late")                  # a finished run is never changed
    assert run_row(store, run_id).status == "finished"


def test_export_has_the_contract_columns_and_order(store):
    exp_b = store.ensure_experiment("b-exp", "{}", "sha")
    exp_a = store.ensure_experiment("a-exp", "{}", "sha")
    finished_run(store, exp_b, "more_nurseries", 2)
    finished_run(store, exp_b, "baseline", 2)
    finished_run(store, exp_b, "baseline", 1)
    finished_run(store, exp_a, "baseline", 1)
    store.fail_run(store.start_run(exp_a, "baseline", 3, "{}", "sha"), "boom")
    store.start_run(exp_a, "baseline", 4, "{}", "sha")             # still running
    nan_rows = pd.DataFrame({"year": [2021], "indicator": ["mean_age_first_birth"], "group": [""],
                             "value": [math.nan]})
    finished_run(store, exp_a, "empty_year", 9, nan_rows)

    frame = store.export()
    assert list(frame.columns) == EXPORT_COLUMNS == ["experiment", "scenario", "seed", "year", "indicator",
                                                      "group", "value"]
    assert len(frame) == 4 * len(indicator_rows()) + 1
    keys = list(zip(*(frame[c] for c in EXPORT_COLUMNS[:-1])))
    assert keys == sorted(keys)
    assert frame["seed"].dtype == np.int64 and frame["year"].dtype == np.int64 and frame["value"].dtype == np.float64
    assert set(frame["seed"]) == {1, 2, 9}                           # failed and running runs left out
    assert frame.loc[frame["scenario"] == "empty_year", "value"].isna().all()
    expected = indicator_rows(seed=2).sort_values(["year", "indicator", "group"], ignore_index=True)
    got = frame[(frame["experiment"] == "b-exp") & (frame["scenario"] == "baseline") & (frame["seed"] == 2)]
    pd.testing.assert_frame_equal(got[["year", "indicator", "group", "value"]].reset_index(drop=True), expected,
                                  check_dtype=False)

    only_a = store.export("a-exp")
    assert set(only_a["experiment"]) == {"a-exp"} and len(only_a) == len(indicator_rows()) + 1
    with pytest.raises(StoreError, match="^no experiment named 'c-exp' .*known: a-exp, b-exp"):
        store.export("c-exp")
    assert list(store.list_experiments()["name"]) == ["b-exp", "a-exp"]
    listed = store.list_experiments().set_index("name")
    assert (listed.loc["a-exp", "runs"], listed.loc["a-exp", "finished"]) == (4, 2)
    runs = store.list_runs("a-exp")
    assert list(runs["status"]) == ["finished", "failed", "running", "finished"]
    assert len(store.list_runs()) == 7


def test_export_of_an_empty_store(store):
    frame = store.export()
    assert list(frame.columns) == EXPORT_COLUMNS and frame.empty


@pytest.mark.parametrize("url, reason", [
    ("postgresql+psycopg://postgres:secret@127.0.0.1:1/test", "Connection refused"),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/no_such_database_here", "does not exist"),
    ("nosuchdialect://x/y", "nosuchdialect"),
    ("sqlite:////no/such/directory/results.db", "unable to open"),
    ("not a url://", "cannot open database"),
])
def test_unusable_url_is_one_line_store_error(url, reason):
    with pytest.raises(StoreError) as info:
        Store(url)
    message = str(info.value)
    assert len(message.splitlines()) == 1 and message.startswith("cannot open database '")
    assert reason in message and "--db" in message and "secret" not in message


def test_read_only_open_does_not_create_a_file(tmp_path):
    path = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="^no database at "):
        Store(database_url(str(path)), create=False)
    assert not path.exists()


def test_database_url(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FERTSIM_DB", raising=False)
    assert database_url() == f"sqlite:///{tmp_path / 'fertsim.db'}"
    assert database_url("x.db") == f"sqlite:///{tmp_path / 'x.db'}"
    assert database_url(PG_URL) == PG_URL
    monkeypatch.setenv("FERTSIM_DB", "env.db")
    assert database_url() == f"sqlite:///{tmp_path / 'env.db'}"
    assert database_url("flag.db") == f"sqlite:///{tmp_path / 'flag.db'}"
