"""Experiments on worker processes and on a real Dask cluster, and resuming a killed experiment.

The real model at the smallest scale. Whatever computes the runs, `fertsim export` must give
the same bytes as a serial run in this process.
"""

import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

pytest.importorskip("sim.model", reason="needs the model (sim/model.py)")

from cli_helpers import fertsim, in_tmp  # noqa: E402,F401 (in_tmp is an autouse fixture)

pytestmark = pytest.mark.slow

TINY = """name = "tiny"
scale = 0.001
start_year = 2021
years = 2
seeds = [1, 2]
[scenarios.one_child.policy.birth_limit]
schedule = {2022 = 1}
"""


def exported_csv(capsys, db: str) -> bytes:
    code, _, err = fertsim(capsys, "export", "--db", db, "--out", f"{db}.csv")
    assert code == 0, err
    return Path(f"{db}.csv").read_bytes()


def serial_csv(capsys, config: str = "tiny.toml", **flags) -> bytes:
    extra = [part for key, value in flags.items() for part in (f"--{key}", value)]
    code, _, err = fertsim(capsys, "run", config, "--db", "serial.db", "--quiet", *extra)
    assert code == 0, err
    return exported_csv(capsys, "serial.db")


def run_statuses(db: str) -> list[tuple[str, int, str]]:
    """(scenario, seed, status) of every run in the SQLite file ``db``, read-only; [] before
    the file or its tables exist."""
    try:
        with closing(sqlite3.connect(f"file:{Path(db).resolve()}?mode=ro", uri=True, timeout=60)) as conn:
            return conn.execute("SELECT scenario, seed, status FROM runs ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []


def test_worker_processes_give_the_serial_export(capsys):
    Path("tiny.toml").write_text(TINY, encoding="utf-8")
    code, out, err = fertsim(capsys, "run", "tiny.toml", "--db", "pool.db", "--workers", "2")
    assert code == 0, err
    assert "tiny: 4 runs done, 0 already stored" in out
    assert "4/4" in err                                           # the progress bar, over runs
    pool = exported_csv(capsys, "pool.db")
    assert pool.count(b"\n") > 4 * 100 and pool == serial_csv(capsys)
    code, out, err = fertsim(capsys, "run", "tiny.toml", "--db", "pool.db", "--workers", "2")
    assert (code, out.strip(), err) == (0, "tiny: 0 runs done, 4 already stored; results in sqlite:///"
                                        f"{Path('pool.db').resolve()}", "")


def test_a_dask_cluster_gives_the_serial_export(capsys):
    distributed = pytest.importorskip("distributed")
    Path("tiny.toml").write_text(TINY, encoding="utf-8")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, out, err = fertsim(capsys, "run", "tiny.toml", "--db", "dask.db", "--dask", cluster.scheduler_address)
    assert code == 0, err
    assert "tiny: 4 runs done, 0 already stored" in out and "4/4" in err
    assert exported_csv(capsys, "dask.db") == serial_csv(capsys)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_killed_experiment_resumes_without_losing_or_doubling_a_run(capsys, workers):
    Path("tiny.toml").write_text(TINY, encoding="utf-8")
    seeds = "1,2,3,4,5"
    driver = subprocess.Popen([sys.executable, "-m", "experiments.cli", "run", "tiny.toml", "--db", "killed.db",
                               "--seeds", seeds, "--workers", workers, "--quiet"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:             # kill it once a run is stored while another is under way
            statuses = [status for *_, status in run_statuses("killed.db")]
            if "finished" in statuses and "running" in statuses:
                break
            assert driver.poll() is None, f"the experiment ended before it could be killed: {driver.stderr.read()}"
            time.sleep(0.02)
    finally:
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        driver.stderr.close()
    killed = run_statuses("killed.db")
    n_pairs = 2 * 5
    n_finished = [status for *_, status in killed].count("finished")
    assert 1 <= n_finished < n_pairs

    code, out, err = fertsim(capsys, "run", "tiny.toml", "--db", "killed.db", "--seeds", seeds, "--quiet")
    assert code == 0, err
    resumed = run_statuses("killed.db")
    assert len(resumed) == len(killed) + n_pairs - n_finished                 # only the unfinished pairs re-run
    assert resumed[:len(killed)] == [(s, seed, "abandoned" if status == "running" else status)
                                     for s, seed, status in killed]          # stale attempts abandoned
    finished = [(s, seed) for s, seed, status in resumed if status == "finished"]
    assert sorted(finished) == sorted({(s, seed) for s in ("baseline", "one_child") for seed in range(1, 6)})
    assert {status for *_, status in resumed} == {"finished", "abandoned"}
    assert exported_csv(capsys, "killed.db") == serial_csv(capsys, seeds=seeds)


def test_worker_processes_share_the_cores():
    """Each of the pool's workers runs numba's parallel kernels on its share of the cores."""
    import numba

    from experiments.executors import ProcessExecutor, available_cores, worker_threads

    cores = available_cores()
    assert worker_threads(1) == cores and worker_threads(cores) == 1 and worker_threads(4 * cores) == 1
    pool = ProcessExecutor(2)
    try:
        threads = pool.submit_call(numba.get_num_threads).result(timeout=120)
    finally:
        pool.close()
    assert threads == max(1, cores // 2)
