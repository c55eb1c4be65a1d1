"""Where an experiment's runs are computed: worker processes on this machine, or a Dask cluster.

An executor takes run specs (the keyword arguments of FertilityModel, from
``ExperimentConfig.run_spec``) and returns futures of ``compute_run(spec)``. Workers never
touch the database: each returns its run's indicator frame (a few hundred to a few thousand
rows) and the driver (experiments/runner.py) writes it with ``Store.finish_run`` and drops
it. Why the driver writes: workers need no database URL or credentials (a cluster's
workers may not reach the database, and a SQLite file works with any executor); a single
writer per experiment cannot contend with itself; and the driver keeps at most
``2 * slots`` runs in flight, so its memory stays flat however many runs there are. A
driver that dies loses only the runs in flight, which are re-run on resume.

Results do not depend on the executor: every random number is a pure function of
(seed, stream, person, month).
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import threading
import time

import pandas as pd

DASK_CONNECT_TIMEOUT = 5       # seconds to reach a scheduler before giving up


class ExecutorError(Exception):
    """The executor cannot be started as asked (e.g. no scheduler at the address); one line."""


def compute_run(spec: dict, progress=None) -> tuple[pd.DataFrame, dict[str, float]]:
    """FertilityModel keyword arguments in; (indicator frame, timings with ``wall_seconds``) out.
    ``progress(months_done, n_months)`` is called after each month if given."""
    from sim.model import FertilityModel     # late: importing the model compiles its kernels

    started = time.perf_counter()
    model = FertilityModel(**spec).run(progress=progress)
    return model.indicator_frame(), {"wall_seconds": time.perf_counter() - started, **model.timings}


class ProcessExecutor:
    """``workers`` processes on this machine. They are spawned (fresh interpreters, no forked
    numba threads); each loads the kernels numba cached on disk and runs its parallel kernels on
    its share of the cores (``worker_threads``), so that the workers together do not ask for more
    threads than there are cores (an over-subscribed core makes every parallel loop wait for its
    slowest thread)."""

    def __init__(self, workers: int):
        self.slots = workers
        self._pool = concurrent.futures.ProcessPoolExecutor(
            workers, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker,
            initargs=(os.getpid(), worker_threads(workers)))

    def submit(self, spec: dict) -> concurrent.futures.Future:
        return self._pool.submit(compute_run, spec)

    def submit_call(self, fn, *args) -> concurrent.futures.Future:
        """``fn(*args)`` in a worker; ``fn`` must be importable by name (a module-level function)."""
        return self._pool.submit(fn, *args)

    @staticmethod
    def wait_first(futures: list) -> set:
        """The futures of ``futures`` that are done, waiting for at least one."""
        return concurrent.futures.wait(futures, return_when=concurrent.futures.FIRST_COMPLETED).done

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system has one, e.g. Linux)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def worker_threads(workers: int) -> int:
    """Threads for each of ``workers`` processes: the available cores shared out (at least 1)."""
    return max(1, available_cores() // workers)


def _init_worker(parent_pid: int, threads: int) -> None:
    """Worker initializer: numba's parallel kernels on ``threads`` threads (at most the pool numba
    started with); and end this worker when the driver process ``parent_pid`` is gone (a killed
    driver would otherwise leave its workers computing runs nobody will store)."""
    import numba

    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1)
        os._exit(1)
    threading.Thread(target=watch, daemon=True).start()


class DaskExecutor:
    """The workers of the Dask scheduler at ``address`` (e.g. tcp://host:8786), which need
    fertsim installed. ExecutorError if the scheduler does not answer within ``timeout`` s."""

    def __init__(self, address: str, timeout: float = DASK_CONNECT_TIMEOUT):
        from distributed import Client

        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ExecutorError(f"cannot reach the Dask scheduler at {address!r}: {reason} "
                                "— start one with `dask scheduler`, or check --dask") from None

    @property
    def slots(self) -> int:
        """Worker threads in the cluster now (at least 1, so that work waits for workers to join)."""
        return max(1, sum(self._client.nthreads().values()))

    def submit(self, spec: dict):
        return self._client.submit(compute_run, spec, pure=False)

    def wait_first(self, futures: list) -> set:
        """The futures of ``futures`` that are done, waiting for at least one."""
        from distributed import wait

        with self._client.as_current():          # wait() uses the current client
            return set(wait(futures, return_when="FIRST_COMPLETED").done)

    def close(self) -> None:
        self._client.close()
