"""Run an experiment: every (scenario, seed) of a config through the model, into the store.

Runs are serial and in-process for now (executors come later). Each run is stored as it
finishes; (scenario, seed) pairs the experiment already has finished are skipped, so an
interrupted experiment resumes where it stopped.
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
                   on_run: Callable[[int, str, int], None] | None = None) -> list[int]:
    """Run the config's unfinished (scenario, seed) pairs; return the new run ids.

    Before any run starts, every scenario's policy is checked against the run window
    (LeverError) and the experiment is looked up or created (StoreError if the name is
    taken by another config). A tqdm bar over model months goes to stderr unless
    ``progress`` is false. ``on_run(run_id, scenario, seed)`` is called after each run is
    stored. A run that raises is stored as failed and the exception propagates.
    """
    r = config.resolved
    for scenario in config.scenario_names():
        check_window(config.changes(scenario), r["start_year"], r["start_year"] + r["years"] - 1)
    experiment_id = store.ensure_experiment(config.name, config.canonical_json(), config.sha256)
    done = store.finished_runs(experiment_id)
    todo = [(s, seed) for s in config.scenario_names() for seed in config.seeds if (s, seed) not in done]
    if not todo:
        return []
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
                store.finish_run(run_id, model.indicator_frame(),
                                 {"wall_seconds": time.perf_counter() - started, **model.timings})
            except BaseException:
                store.fail_run(run_id, traceback.format_exc())
                raise
            run_ids.append(run_id)
            if on_run is not None:
                on_run(run_id, scenario, seed)
    return run_ids
