"""Schedules: merging scenario changes onto a history, the window check, per-month arrays.

A policy is ``{lever: {"schedule": {"YYYY" | "YYYY-MM": value}, "eligibility": str}}``
(see ``policies.levers.validate_lever``). The model builds a run's policy as
``merge_policy(pack_history, changes)`` and compiles it once with ``compile_policy``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from policies.levers import LEVERS, PARITY_LABELS, LeverError, parse_month_key, validate_lever


def merge_policy(history: dict, changes: dict) -> dict:
    """``history`` with ``changes`` applied; both are policies, neither is modified.

    For each lever in ``changes`` its schedule replaces the history's from the change's
    earliest key on; history keys before that are kept. So a scenario states only what
    it changes, and ``{2021 = 0}`` removes every measure from 2021 on. Eligibility comes
    from the change if it gives one, else from the history (absent if neither gives one:
    compile_policy then uses "all").
    """
    merged = copy.deepcopy(history)
    for name, change in changes.items():
        start = min(parse_month_key(key) for key in change["schedule"])
        old = merged.get(name, {"schedule": {}})
        kept = {k: v for k, v in old["schedule"].items() if parse_month_key(k) < start}
        schedule = {**kept, **copy.deepcopy(change["schedule"])}
        merged[name] = {"schedule": dict(sorted(schedule.items(), key=lambda item: parse_month_key(item[0])))}
        eligibility = change.get("eligibility", old.get("eligibility"))
        if eligibility is not None:
            merged[name]["eligibility"] = eligibility
    return merged


def check_window(policy: dict, start_year: int, end_year: int, path: str = "policy") -> None:
    """Validate ``policy`` again at run start: every key must fall in or before ``end_year``.

    Keys before ``start_year`` are fine (the last one before the start is in force at
    the start). Raises LeverError naming the lever and key.
    """
    for name, table in policy.items():
        for key in validate_lever(name, table, path)["schedule"]:
            year = parse_month_key(key)[0]
            if year > end_year:
                raise LeverError(f"{path}.{name}.schedule.{key}: {year} is after the run's last year "
                                 f"{end_year} (runs {start_year}..{end_year}); move or drop this key")


@dataclass(frozen=True)
class CompiledPolicy:
    """Per-month lever values of one run; month index 0 is January of ``start_year``.

    ``values[lever]`` is a read-only float64 array of shape (n_months,), or (n_months, 3)
    for by-parity levers (first, second, third_plus); true/false levers hold 1.0/0.0.
    ``eligibility[lever]`` is "all" or "local_hukou".
    """

    start_year: int
    n_months: int
    values: dict[str, np.ndarray]
    eligibility: dict[str, str]

    def value(self, lever: str, month_index: int):
        """The value of ``lever`` in force in month ``month_index`` (a float, or an array of 3)."""
        return self.values[lever][month_index]


def compile_policy(policy: dict, start_year: int, n_months: int) -> CompiledPolicy:
    """Compile ``policy`` (validated here) into per-month arrays for every lever in LEVERS.

    In each month the value of the last key at or before that month applies; before the
    first key, the lever's default. Keys after the window are ignored (``check_window``
    rejects them for configs). Raises LeverError for a bad lever table.
    """
    tables = {name: validate_lever(name, table) for name, table in policy.items()}
    values, eligibility = {}, {}
    for name, lever in LEVERS.items():
        shape = (n_months, len(PARITY_LABELS)) if lever.by_parity else (n_months,)
        array = np.full(shape, float(lever.default), dtype=np.float64)
        table = tables.get(name, {"schedule": {}})
        for key, value in table["schedule"].items():       # in time order
            year, month = parse_month_key(key)
            first = max((year - start_year) * 12 + month - 1, 0)
            array[first:] = np.asarray(value, dtype=np.float64)
        array.flags.writeable = False
        values[name] = array
        eligibility[name] = table.get("eligibility", "all")
    return CompiledPolicy(start_year, n_months, values, eligibility)
