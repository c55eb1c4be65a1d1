"""The store under many writer processes at once, resuming bookkeeping, and schema versions.

On a SQLite file and on the real PostgreSQL server (a fresh schema per test). The writers
are real processes (spawned), started together at a barrier.
"""

import concurrent.futures
import multiprocessing
import uuid

import pytest
import sqlalchemy as sa

from experiments import store as store_module
from experiments.store import SCHEMA_VERSION, Store, StoreError
from test_store import PG_URL, indicator_rows

N_PROCESSES = 8
RUNS_PER_PROCESS = 3


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """The URL of an empty database (no tables yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'results.db'}"
        return
    schema = f"fertsim_conc_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.fixture(scope="module")
def in_processes():
    """``in_processes(function, *args)``: ``function(barrier, *args, index)`` in N_PROCESSES
    spawned processes (started once per module) that pass a barrier together; their results
    in index order (an exception in any of them is raised here)."""
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, concurrent.futures.ProcessPoolExecutor(N_PROCESSES, mp_context=context) as pool:
        def run(function, *args):
            barrier = manager.Barrier(N_PROCESSES)
            futures = [pool.submit(function, barrier, *args, index) for index in range(N_PROCESSES)]
            return [future.result(timeout=300) for future in futures]
        yield run


def open_at_once(barrier, url, index):
    barrier.wait()
    with Store(url) as store:
        return store.ensure_experiment("exp", "{}", "sha")


def finish_distinct_runs(barrier, url, experiment_id, index):
    """Start RUNS_PER_PROCESS runs with seeds of this process, then finish them all at once."""
    with Store(url) as store:
        seeds = [index * 100 + k for k in range(RUNS_PER_PROCESS)]
        run_ids = [store.start_run(experiment_id, "baseline", seed, "{}", "sha") for seed in seeds]
        barrier.wait()
        return [store.finish_run(run_id, indicator_rows(seed=seed), {"wall_seconds": 1.0})
                for run_id, seed in zip(run_ids, seeds)]


def finish_the_same_pair(barrier, url, experiment_id, index):
    with Store(url) as store:
        run_id = store.start_run(experiment_id, "baseline", 1, "{}", "sha")
        barrier.wait()
        return store.finish_run(run_id, indicator_rows(seed=index), {"wall_seconds": 1.0})


def table_rows(store, query):
    with store.engine.connect() as conn:
        return conn.execute(query).all()


@pytest.mark.slow
def test_schema_and_experiment_created_by_many_processes_at_once(url, in_processes):
    ids = in_processes(open_at_once, url)
    assert len(set(ids)) == 1
    with Store(url) as store:
        assert table_rows(store, sa.select(store_module.schema_version)) == [(1, SCHEMA_VERSION)]
        assert len(table_rows(store, sa.select(store_module.experiments))) == 1


@pytest.mark.slow
def test_concurrent_writers_lose_and_duplicate_nothing(url, in_processes):
    with Store(url) as store:
        experiment_id = store.ensure_experiment("exp", "{}", "sha")
    assert in_processes(finish_distinct_runs, url, experiment_id) == [[True] * RUNS_PER_PROCESS] * N_PROCESSES
    with Store(url) as store:
        frame = store.export("exp")
        runs = store.list_runs("exp")
    seeds = {index * 100 + k for index in range(N_PROCESSES) for k in range(RUNS_PER_PROCESS)}
    assert len(runs) == len(seeds) and set(runs["status"]) == {"finished"}
    assert set(frame["seed"]) == seeds
    assert len(frame) == len(seeds) * len(indicator_rows())
    assert not frame.duplicated(["seed", "year", "indicator", "group"]).any()
    for seed in seeds:                                   # each run's own rows, complete
        got = frame[frame["seed"] == seed].set_index(["year", "indicator", "group"])["value"].sort_index()
        expected = indicator_rows(seed=seed).set_index(["year", "indicator", "group"])["value"].sort_index()
        assert got.tolist() == expected.tolist()


@pytest.mark.slow
def test_only_one_of_many_attempts_at_a_pair_is_stored(url, in_processes):
    with Store(url) as store:
        experiment_id = store.ensure_experiment("exp", "{}", "sha")
    stored = in_processes(finish_the_same_pair, url, experiment_id)
    assert sorted(stored) == [False] * (N_PROCESSES - 1) + [True]
    with Store(url) as store:
        runs = store.list_runs("exp")
        frame = store.export("exp")
    assert sorted(runs["status"]) == ["abandoned"] * (N_PROCESSES - 1) + ["finished"]
    key = ["year", "indicator", "group"]
    winners_rows = indicator_rows(seed=stored.index(True)).sort_values(key, ignore_index=True)
    assert frame[[*key, "value"]].values.tolist() == winners_rows.values.tolist()


def test_finished_pair_supersedes_stale_attempts(url):
    with Store(url) as store:
        exp = store.ensure_experiment("exp", "{}", "sha")
        stale = store.start_run(exp, "baseline", 1, "{}", "sha")        # as if its process was killed
        other = store.start_run(exp, "baseline", 2, "{}", "sha")        # a pair not finished yet
        fresh = store.start_run(exp, "baseline", 1, "{}", "sha")
        assert store.finish_run(fresh, indicator_rows(), {"wall_seconds": 1.0})
        assert store.abandon_stale_runs(exp) == 1
        status = dict(zip(store.list_runs("exp")["id"], store.list_runs("exp")["status"]))
        assert status == {stale: "abandoned", other: "running", fresh: "finished"}
        assert store.finish_run(stale, indicator_rows(seed=3), {"wall_seconds": 1.0}) is False
        assert store.finished_runs(exp) == {("baseline", 1)}
        assert len(store.export("exp")) == len(indicator_rows())


def make_version_1(url):
    """Turn the store at ``url`` into one made before schema versioning."""
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(sa.text("DROP INDEX runs_finished_once"))
        conn.execute(sa.text("DROP TABLE schema_version"))


def test_an_unversioned_store_is_upgraded(url):
    make_version_1(url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:                         # what older code allowed: a pair finished twice
        exp = conn.execute(store_module.experiments.insert().values(
            name="exp", created_at=store_module._now(), config_json="{}", config_sha256="sha")).inserted_primary_key[0]
        for _ in range(2):
            conn.execute(store_module.runs.insert().values(
                experiment_id=exp, scenario="baseline", seed=1, status="finished", config_json="{}",
                config_sha256="sha", code_version="old", library_versions={}, started_at=store_module._now()))
    engine.dispose()
    with Store(url) as store:
        assert table_rows(store, sa.select(store_module.schema_version.c.version)) == [(SCHEMA_VERSION,)]
        assert list(store.list_runs("exp")["status"]) == ["finished", "abandoned"]
        again = store.start_run(exp, "baseline", 1, "{}", "sha")
        assert store.finish_run(again, indicator_rows(), {"wall_seconds": 1.0}) is False   # the index is there


def test_a_store_newer_than_the_code_is_refused(url):
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(store_module.schema_version.update().values(version=SCHEMA_VERSION + 1))
    for create in (True, False):
        with pytest.raises(StoreError, match=f"schema version {SCHEMA_VERSION + 1}, newer than this "
                                              f"fertsim's {SCHEMA_VERSION}; upgrade fertsim"):
            Store(url, create=create)


def test_sqlite_store_uses_a_write_ahead_log(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'w.db'}") as store, store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 60_000
