"""The dashboard's background jobs (run in a separate process by the background-callback
manager): a built scenario through the runner into the store, and family traces into the store.

The only dashboard code that writes to the store, and only through ``experiments``
(runner and Store) and ``sim.family``. Each job validates its input again (the browser
sends it), reports progress through ``progress(done, total, text)`` and returns
``(ok, text)``; a user error is a one-line text, never a traceback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from experiments.config import ConfigError, config_from_dict
from experiments.store import Store, StoreError
from policies.levers import LeverError

Progress = Callable[[int, int, str], None]


def run_built(resolved: dict, store_url: str, progress: Progress) -> tuple[bool, str]:
    """Run every (scenario, seed) of the built experiment ``resolved`` (an
    ``ExperimentConfig.resolved`` dict) that the store does not have finished yet."""
    from experiments.runner import run_experiment

    try:
        config = config_from_dict(resolved)
    except ConfigError as exc:
        return False, str(exc)
    total = len(config.scenario_names()) * len(config.seeds)
    done = [0]
    started = time.perf_counter()

    def on_run(run_id: int, scenario: str, seed: int) -> None:
        done[0] += 1
        progress(done[0], total, f"{done[0]} of {total} runs stored (run {run_id}: {scenario}, seed {seed}), "
                                 f"{time.perf_counter() - started:.0f} s")

    progress(0, total, f"0 of {total} runs: building the population and running the first month…")
    try:
        with Store(store_url) as store:
            new = run_experiment(config, store, progress=False, on_run=on_run)
    except (ConfigError, LeverError, StoreError) as exc:
        return False, str(exc)
    except Exception as exc:            # a failed run is stored as failed by the runner
        return False, f"the run failed: {type(exc).__name__}: {' '.join(str(exc).split())[:300]}"
    stored = total - len(new)
    note = f" ({stored} were already stored)" if stored else ""
    return True, f"{config.name}: {len(new)} runs done in {time.perf_counter() - started:.0f} s{note}"


def trace_families(store_url: str, runs: list[tuple[int, str, int]], family: int,
                   progress: Progress) -> tuple[bool, str]:
    """Trace ``family`` in each finished run of ``runs`` ((run_id, scenario, seed)) that has
    no stored trace yet, and store the events (one transaction per run)."""
    from sim.family import trace_family

    try:
        with Store(store_url) as store:
            todo = [run for run in runs if store.family_events(run[0], family).empty]
            for k, (run_id, scenario, seed) in enumerate(todo):
                record = store.run_record(run_id)
                if record is None or record["status"] != "finished":
                    return False, f"run {run_id} is not a finished run"
                config = config_from_dict(json.loads(record["config_json"]))

                def months(done: int, total: int, k=k, scenario=scenario, seed=seed) -> None:
                    if done % 6 == 0 or done == total:
                        progress(k * total + done, len(todo) * total,
                                 f"{scenario}, seed {seed}: month {done} of {total}")

                trace = trace_family(config.run_spec(scenario, seed), family, months)
                store.store_family_events(run_id, family, trace.person, trace.events)
                progress((k + 1) * config.n_months, len(todo) * config.n_months,
                         f"{scenario}, seed {seed}: {len(trace.events)} events stored")
    except (ConfigError, LeverError, StoreError, ValueError) as exc:
        return False, str(exc)
    return True, f"traced {len(todo)} run{'s' if len(todo) != 1 else ''}" if todo else "already traced"
