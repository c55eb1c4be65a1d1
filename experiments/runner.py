"""Run an experiment: every (scenario, seed) of a config through the model, into the store.

Runs are computed here one after another, or by an executor (experiments/executors.py:
local worker processes or a Dask cluster). Either way this process alone writes to the
store, each run as it finishes; (scenario, seed) pairs the experiment already has finished
are skipped, so an interrupted experiment resumes where it stopped (see experiments/store.py
for what happens to runs a killed process left 'running').
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable

from tqdm import tqdm

from experiments.config import ExperimentConfig
from experiments.store import Store
from policies.schedule import check_window


def run_experiment(config: ExperimentConfig, store: Store, progress: bool = True,
                   on_run: Callable[[int, str, int], None] | None = None, executor=None) -> list[int]:
    """Run the config's unfinished (scenario, seed) pairs; return the new run ids.

    Before any run starts, every scenario's policy is checked against the run window
    (LeverError) and the experiment is looked up or created (StoreError if the name is
    taken by another config). Runs are computed here unless ``executor`` (a ProcessExecutor
    or DaskExecutor) is given. A tqdm bar (over model months here, over runs with an
    executor) goes to stderr unless ``progress`` is false. ``on_run(run_id, scenario, seed)``
    is called after each run is stored. A run that raises is stored as failed and the
    exception propagates; runs still in flight then are marked abandoned.
    """
    r = config.resolved
    for scenario in config.scenario_names():
        check_window(config.changes(scenario), r["start_year"], r["start_year"] + r["years"] - 1)
    experiment_id = store.ensure_experiment(config.name, config.canonical_json(), config.sha256)
    done = store.finished_runs(experiment_id)
    todo = [(s, seed) for s in config.scenario_names() for seed in config.seeds if (s, seed) not in done]
    store.abandon_stale_runs(experiment_id)
    if not todo:
        return []
    if executor is None:
        run_ids = _run_here(config, store, experiment_id, todo, progress, on_run)
    else:
        run_ids = _run_with(executor, config, store, experiment_id, todo, progress, on_run)
    store.abandon_stale_runs(experiment_id)
    return run_ids


def _run_here(config, store, experiment_id, todo, progress, on_run) -> list[int]:
    """The runs of ``todo`` one after another in this process, with a bar over months."""
    from sim.model import FertilityModel     # late: importing the model compiles its kernels

    run_ids = []
    with tqdm(total=len(todo) * config.n_months, unit="month", disable=not progress) as bar:
        for scenario, seed in todo:
            bar.set_description(f"{scenario} seed {seed}")
            run_id = store.start_run(experiment_id, scenario, seed, config.canonical_json(), config.sha256)
            base = bar.n
            started = time.perf_counter()
            try:
                model = FertilityModel(**config.run_spec(scenario, seed))
                model.run(progress=lambda months_done, n_months: bar.update(base + months_done - bar.n))
                stored = store.finish_run(run_id, model.indicator_frame(),
                                          {"wall_seconds": time.perf_counter() - started, **model.timings})
            except Exception:
                store.fail_run(run_id, traceback.format_exc())
                raise
            except BaseException:                # Ctrl-C: not the run's fault; resuming re-runs it
                store.abandon_run(run_id, "interrupted")
                raise
            if stored:
                run_ids.append(run_id)
                if on_run is not None:
                    on_run(run_id, scenario, seed)
    return run_ids


def _run_with(executor, config, store, experiment_id, todo, progress, on_run) -> list[int]:
    """The runs of ``todo`` on ``executor``: at most 2 × its slots in flight (so that no worker
    waits while this process writes, and no finished frame waits here), each stored and
    dropped as soon as it is done, in the order they finish."""
    pending, in_flight, run_ids = iter(todo), {}, []
    try:
        with tqdm(total=len(todo), unit="run", disable=not progress) as bar:
            while True:
                while len(in_flight) < 2 * executor.slots and (pair := next(pending, None)) is not None:
                    run_id = store.start_run(experiment_id, *pair, config.canonical_json(), config.sha256)
                    in_flight[executor.submit(config.run_spec(*pair))] = (run_id, *pair)
                if not in_flight:
                    return run_ids
                for future in executor.wait_first(list(in_flight)):
                    run_id, scenario, seed = in_flight.pop(future)
                    try:
                        frame, timings = future.result()
                    except Exception:
                        store.fail_run(run_id, traceback.format_exc())
                        raise
                    if store.finish_run(run_id, frame, timings):
                        run_ids.append(run_id)
                        if on_run is not None:
                            on_run(run_id, scenario, seed)
                    bar.set_description(f"{scenario} seed {seed}")
                    bar.update()
    except BaseException:
        for future, (run_id, _, _) in in_flight.items():
            future.cancel()
            store.abandon_run(run_id, "stopped before it finished")
        raise
