"""``fertsim validate``: a fixed set of standard experiments on the Beijing pack, whose effects
can be set against published evidence (DESIGN §3.4; docs/validation.md).

Every experiment runs the Beijing pack from January 2021 for five years (2021–2025) at the
given scale, once per seed, under two policies that differ in one lever from 2021 on. The two
runs of a seed share their random numbers (common random numbers), so the effect is taken per
seed and summarised over seeds as the mean with a 90 % Student-t interval
(``experiments.compare.mean_interval``). The checks:

``cash_transfer_10pct_income_births_pct``
    % change in births 2021–2025 from a monthly child allowance per child under 18 worth 10 %
    of the mean monthly income of households with a partnered woman under 50 (the amount of
    ``experiments.fit.transfer_income`` for the first seed), against the pack's history.
``leave_12_to_24_months_births_3y_pp`` / ``leave_12_to_24_months_return_36m_pp``
    job-protected paid maternity leave of 730 instead of 365 days: among the women who gave
    birth in 2022, the change (percentage points) in the share with a further birth within 36
    months of that birth, and in the share employed (at work or on leave) 36 months after it,
    among those alive then.
``art_coverage_first_births_35plus_pct`` / ``art_coverage_completed_fertility_pct``
    full ART coverage (``art_coverage`` = 1) against none (0): % change in first births to
    mothers aged 35 or more in 2021–2025, and in the mean number of children ever born of the
    women who turn 45 in 2021–2025.
``nursery_places_plus_10pp_births_pct``
    nursery places raised by 10 % of the under-3 population at the start (places per 1,000
    residents + 0.1 × under-3s per 1,000 residents, on top of every step of the history):
    % change in births 2021–2025.

The measures that follow women (births within 3 years of a birth, work 36 months after it,
first births at 35+, parity at 45) are read from the person arrays after every month of a
run (``FertilityModel.step``); nothing in the model is changed for them.

Output: rows ``check,value,unit``: each check's mean, then ``<check>_low90`` and
``<check>_high90``; after them the inputs the checks used (the transfer in yuan a month, the
nursery places added) and the reference levels of the leave checks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from agents.state import FEMALE
from experiments.compare import LEVEL, mean_interval
from experiments.config import BASELINE, ExperimentConfig, config_from_dict

REGION, START_YEAR, YEARS = "beijing", 2021, 5
COHORT_YEAR = 2022                  # mothers who gave birth in this year are followed for 36 months
FOLLOW_MONTHS = 36
ART_AGE_MONTHS = 35 * 12
COMPLETED_AGE_MONTHS = 45 * 12
DEFAULT_SCALE = 0.003
DEFAULT_SEEDS = (1, 2, 3, 4, 5)
MIN_SEEDS = 2                       # an interval needs two seeds
COLUMNS = ["check", "value", "unit"]


class ValidateError(ValueError):
    """Bad arguments of ``fertsim validate``; the message is one line."""


@dataclass(frozen=True)
class Check:
    name: str
    unit: str
    scenario: str            # the run with the lever changed
    reference: str           # the run it is compared with (same seed)
    measure: str             # "births", "first_births_35plus", "completed_fertility", "further_birth_3y", "back_at_work_36m"
    relative: bool           # % change (True) or percentage-point difference of shares (False)
    expected: str            # the published evidence (DESIGN §3.4), for the printed table


CHECKS = (
    Check("cash_transfer_10pct_income_births_pct", "% change in births 2021-2025", "transfer", BASELINE, "births",
          True, "+3 to +15 % (Milligan 2005; González 2013; Kim 2024)"),
    Check("leave_12_to_24_months_births_3y_pp", "percentage points", "leave_730", "leave_365", "further_birth_3y",
          False, "no range in DESIGN §3.4"),
    Check("leave_12_to_24_months_return_36m_pp", "percentage points", "leave_730", "leave_365", "back_at_work_36m",
          False, "no range in DESIGN §3.4"),
    Check("art_coverage_first_births_35plus_pct", "% change in first births at 35+ 2021-2025", "art_full", "art_none",
          "first_births_35plus", True, "positive (Schmidt 2007; Messina & Sanz-de-Galdeano 2015)"),
    Check("art_coverage_completed_fertility_pct", "% change in children ever born at 45", "art_full", "art_none",
          "completed_fertility", True, "little change (Schmidt 2007; Messina & Sanz-de-Galdeano 2015)"),
    Check("nursery_places_plus_10pp_births_pct", "% change in births 2021-2025", "nursery", BASELINE, "births",
          True, "positive (Rindfuss et al. 2010; Bauernschuster et al. 2016)"),
)


def validation_config(scale: float, seeds: list[int], transfer: float = 0.0, places_added: float = 0.0) -> ExperimentConfig:
    """The runs of the checks as one experiment config (validated: ConfigError for a bad scale
    or seed list): the pack's history as the baseline, one scenario per changed lever."""
    from sim.pack import load_pack

    history = load_pack(REGION).policy_history["nursery_places_per_1000"]["schedule"]
    start = str(START_YEAR)
    one = lambda lever, value: {"policy": {lever: {"schedule": {start: value}}}}   # noqa: E731
    raw = {"name": "validate-beijing", "region": REGION, "start_year": START_YEAR, "years": YEARS, "scale": scale,
           "seeds": list(seeds), "description": "fertsim validate: standard experiments (experiments/validate.py)",
           "scenarios": {
               "transfer": one("child_allowance", round(transfer, 2)),
               "nursery": {"policy": {"nursery_places_per_1000": {"schedule": {
                   k: round(v + places_added, 4) for k, v in history.items()}}}},
               "art_none": one("art_coverage", 0.0), "art_full": one("art_coverage", 1.0),
               "leave_365": one("maternity_leave_days", 365), "leave_730": one("maternity_leave_days", 730)}}
    return config_from_dict(raw)


def places_for_coverage(points: float = 0.10) -> float:
    """Nursery places per 1,000 residents that cover ``points`` of the pack's children under 3."""
    from sim.pack import load_pack

    pack = load_pack(REGION)
    return points * 1000.0 * float(pack.population_age_sex[:3].sum()) / pack.total_population


def track_run(spec: dict) -> dict[str, float]:
    """One run (FertilityModel keyword arguments), stepped month by month; the counts the
    checks need, read from the person arrays after each month (simulated persons, not rescaled)."""
    from sim.model import FertilityModel     # late: importing the model compiles its kernels

    model = FertilityModel(**{**spec, "compaction": False})   # persons are followed by row: rows must not move
    out = dict.fromkeys(("births", "first_births_35plus", "parity_45_sum", "turning_45", "cohort",
                         "alive_36m", "employed_36m"), 0)
    birth_month = np.zeros(0, np.int64)          # by person id: month of the cohort birth, -1 if not in the cohort
    further = np.zeros(0, bool)                  # by person id: a cohort mother with a further birth within 36 months
    cohort_start = (COHORT_YEAR - START_YEAR) * 12
    while model.month < model.n_months:
        model.step()
        month = model.month - 1
        p = model.pop.p                          # views of the persons so far (rows are never reused)
        grown = model.pop.n - len(birth_month)
        birth_month = np.concatenate([birth_month, np.full(grown, -1, np.int64)])
        further = np.concatenate([further, np.zeros(grown, bool)])
        women = p["alive"] & (p["sex"] == FEMALE)
        mothers = np.flatnonzero(women & (p["months_since_last_birth"] == 0))
        out["births"] += len(mothers)
        first = p["parity"][mothers] == 1
        out["first_births_35plus"] += int((first & (p["age_months"][mothers] >= ART_AGE_MONTHS)).sum())
        turning = np.flatnonzero(women & (p["age_months"] == COMPLETED_AGE_MONTHS))
        out["parity_45_sum"] += int(p["parity"][turning].sum())
        out["turning_45"] += len(turning)
        # the cohort: a further birth within 36 months of the cohort birth; employed 36 months after it
        since = month - birth_month[mothers]
        further[mothers[(birth_month[mothers] >= 0) & (since >= 1) & (since <= FOLLOW_MONTHS)]] = True
        if cohort_start <= month < cohort_start + 12:
            birth_month[mothers] = month
            out["cohort"] += len(mothers)
        if month - FOLLOW_MONTHS >= cohort_start:        # (birth_month -1 marks everyone else)
            due = np.flatnonzero(birth_month == month - FOLLOW_MONTHS)
            alive = due[p["alive"][due]]
            out["alive_36m"] += len(alive)
            out["employed_36m"] += int(p["employed"][alive].sum())
    out["further_birth"] = int(further.sum())
    return out


def measure(counts: dict[str, float], name: str) -> float:
    """The value of one measure of a run from its counts (shares as percentages)."""
    if name == "completed_fertility":
        return counts["parity_45_sum"] / counts["turning_45"]
    if name == "further_birth_3y":
        return 100.0 * counts["further_birth"] / counts["cohort"]
    if name == "back_at_work_36m":
        return 100.0 * counts["employed_36m"] / counts["alive_36m"]
    return float(counts[name])


def effects(results: dict[tuple[str, int], dict], seeds: list[int]) -> list[tuple[Check, tuple[float, float, float]]]:
    """Each check's mean and 90 % interval over seeds from the runs' counts."""
    out = []
    for check in CHECKS:
        per_seed = []
        for seed in seeds:
            new = measure(results[(check.scenario, seed)], check.measure)
            ref = measure(results[(check.reference, seed)], check.measure)
            per_seed.append(100.0 * (new / ref - 1.0) if check.relative else new - ref)
        out.append((check, mean_interval(np.array(per_seed))))
    return out


def validate(scale: float = DEFAULT_SCALE, seeds: list[int] | tuple[int, ...] = DEFAULT_SEEDS, executor=None,
             progress: bool = True) -> pd.DataFrame:
    """Run the checks → DataFrame[check, value, unit]. Raises ConfigError (bad scale or seeds) or
    ValidateError before any run starts."""
    from tqdm import tqdm

    seeds = list(seeds)
    if len(seeds) < MIN_SEEDS:
        raise ValidateError(f"seeds: {len(seeds)} given; validate needs at least {MIN_SEEDS} for an interval, e.g. 1,2,3,4,5")
    validation_config(scale, seeds)                  # checks scale and seeds before the transfer's model run
    from experiments.fit import transfer_income     # late: imports the model

    transfer = transfer_income(REGION, scale, min(seeds))
    places = places_for_coverage()
    config = validation_config(scale, seeds, transfer, places)
    jobs = [(scenario, seed) for seed in config.seeds for scenario in config.scenario_names()]
    results = {}
    with tqdm(total=len(jobs), unit="run", disable=not progress, desc="validate") as bar:
        if executor is None:
            for scenario, seed in jobs:
                results[(scenario, seed)] = track_run(config.run_spec(scenario, seed))
                bar.update()
        else:
            futures = {executor.submit_call(track_run, config.run_spec(s, seed)): (s, seed) for s, seed in jobs}
            pending = set(futures)
            while pending:
                for future in executor.wait_first(list(pending)):
                    results[futures[future]] = future.result()
                    pending.discard(future)
                    bar.update()
    rows = []
    for check, (mean, low, high) in effects(results, config.seeds):
        rows += [(check.name, mean, check.unit), (f"{check.name}_low90", low, check.unit),
                 (f"{check.name}_high90", high, check.unit)]
    reference = {name: float(np.mean([measure(results[("leave_365", s)], name) for s in config.seeds]))
                 for name in ("further_birth_3y", "back_at_work_36m")}
    rows += [("cash_transfer_10pct_income_yuan_month", round(transfer, 2), "yuan per month per child under 18"),
             ("nursery_places_plus_10pp_places_per_1000", round(places, 4), "places per 1,000 residents added"),
             ("leave_12_months_births_3y_share", reference["further_birth_3y"], "% of 2022 mothers (365 days of leave)"),
             ("leave_12_months_return_36m_share", reference["back_at_work_36m"], "% of 2022 mothers (365 days of leave)"),
             ("validate_scale", float(config.resolved["scale"]), "share of the real population simulated"),
             ("validate_seeds", float(len(config.seeds)), "paired seeds")]
    return pd.DataFrame(rows, columns=COLUMNS)


def format_checks(frame: pd.DataFrame) -> str:
    """The checks as a text table: mean [90 % interval], unit, published evidence."""
    values = frame.set_index("check")["value"]
    lines = [f"{'check':<40} {'mean [' + format(LEVEL, '.0%') + ' interval]':<28} {'unit':<42} published"]
    for c in CHECKS:
        estimate = f"{values[c.name]:+.2f} [{values[c.name + '_low90']:+.2f}, {values[c.name + '_high90']:+.2f}]"
        lines.append(f"{c.name:<40} {estimate:<28} {c.unit:<42} {c.expected}")
    return "\n".join(lines)
