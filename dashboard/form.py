"""The scenario builder's form, generated from the lever registry, and its values turned into a
validated experiment config.

A built experiment has the region pack's policy history as its baseline and one scenario,
named like the experiment, that changes the levers whose controls differ from the
baseline from 1 January of a chosen year on. Every check is the config validator's
(``experiments.config.config_from_dict``): names, scale, seeds, years, and each lever's
unit and bounds, with its one-line message naming the field.
"""

from __future__ import annotations

import functools

from experiments.config import DEFAULTS, ExperimentConfig, config_from_dict
from policies.levers import LEVERS, PARITY_LABELS, Lever, parse_month_key

REGION = DEFAULTS["region"]
START_YEAR = 2021
DEFAULT_NAME = "my-scenario"
DEFAULT_SCALE = 0.002
DEFAULT_YEARS = 15                      # 2021-2035, the plan's horizon
DEFAULT_SEEDS = "1,2"
DEFAULT_FROM_YEAR = 2025                # levers change from the plan's first target year


@functools.cache
def baseline() -> dict[str, tuple[object, str]]:
    """lever -> (value in force at the end of the region pack's policy history, since when), the
    registry default where the history has no such lever. By-parity values are lists of 3."""
    from sim.pack import load_pack          # late: the pack is read when the builder is first shown

    history = load_pack(REGION).policy_history
    out = {}
    for name, lever in LEVERS.items():
        schedule = history.get(name, {}).get("schedule", {})
        if schedule:
            key = max(schedule, key=parse_month_key)
            value, since = schedule[key], f"in force from {key}"
        else:
            value, since = lever.default, "no such policy in the history"
        if lever.by_parity and not isinstance(value, list):
            value = [value] * len(PARITY_LABELS)
        out[name] = (value, since)
    return out


def parts(lever: Lever) -> list[str]:
    """The controls of a lever: one, or one per birth order for by-parity levers."""
    return list(PARITY_LABELS) if lever.by_parity else [""]


def lever_changes(values: dict[str, list], from_year: int) -> dict:
    """Policy changes (``{lever: {"schedule": {from_year: value}}}``) for the levers whose
    form values differ from the baseline. ``values``: lever -> the values of its controls
    (one, or three by birth order). Values are passed on unchecked: the validator checks them."""
    changes = {}
    for name, given in values.items():
        lever = LEVERS[name]
        default = baseline()[name][0]
        value = list(given) if lever.by_parity else given[0]
        if value != default:
            changes[name] = {"schedule": {str(from_year): value}}
    return changes


def parse_seeds(text: str | None) -> list:
    """"1, 2,3" -> [1, 2, 3]; parts that are not whole numbers stay text for the validator to name."""
    out = []
    for part in (text or "").replace(";", ",").split(","):
        part = part.strip()
        if part:
            out.append(int(part) if part.isdigit() else part)
    return out


def build_config(name, scale, years, seeds, from_year, values: dict[str, list]) -> ExperimentConfig:
    """The experiment config of the form. Raises ConfigError (one line naming the field) for
    any bad value, and if no lever differs from the baseline."""
    from experiments.config import ConfigError

    if from_year is None or isinstance(from_year, bool) or not isinstance(from_year, int):
        raise ConfigError(f"levers change from: got {from_year!r}, expected a year such as {DEFAULT_FROM_YEAR}")
    config_from_dict({"name": name, "seeds": [1], "years": 1})     # the name first: it also names the scenario
    changes = lever_changes(values, from_year)
    raw = {"name": name, "region": REGION, "start_year": START_YEAR, "years": years, "scale": scale,
           "seeds": parse_seeds(seeds) if isinstance(seeds, str) else seeds,
           "description": "Built in the dashboard's scenario builder.",
           "scenarios": {name: {"description": describe(changes), "policy": changes}}}
    config = config_from_dict(raw)
    if not changes:
        raise ConfigError("levers: every lever is at its baseline value; change at least one to build a scenario")
    return config


def describe(changes: dict) -> str:
    """'nursery_places_per_1000 = 6 from 2025; birth_grant = [0, 10000, 20000] from 2025' (or 'no changes')."""
    parts_ = [f"{name} = {show(value)} from {key}" for name, table in changes.items()
              for key, value in table["schedule"].items()]
    return "; ".join(parts_) or "no changes"


def show(value) -> str:
    """A lever value as people write it: yes/no, 4.7, 300, [0, 10000, 20000]."""
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)
