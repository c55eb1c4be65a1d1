"""Global sensitivity: SALib's Sobol or Morris indices from a sensitivity experiment's runs.

The config's ``[sensitivity]`` block (experiments/config.py) declares the method, the base
sample size, the factors' ranges and the outputs; its points are the scenarios
``sa-0001``… in SALib's sample order, run like any experiment (resumable, any executor).
Each output is an indicator's city-wide value in ``year`` (default: its mean over the
simulated years), averaged over the config's seeds. ``analyse`` reads the runs back from
the store and returns one row per (output, factor, index):

* Sobol: ``S1`` (first order) and ``ST`` (total), each with its 95 % bootstrap half-width;
* Morris: ``mu_star`` (mean absolute elementary effect, with its 95 % half-width),
  ``mu`` and ``sigma``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from experiments import design
from experiments.config import ExperimentConfig

INDEX_COLUMNS = ["output", "factor", "index", "value", "conf"]


class SensitivityError(ValueError):
    """The experiment's runs cannot be analysed (e.g. an unknown output); one line."""


def factors_of(config: ExperimentConfig) -> list[design.Factor]:
    block = config.resolved["sensitivity"]
    return design.parse_factors(block, "sensitivity", ranges=True)


def output_values(config: ExperimentConfig, frame: pd.DataFrame, output: str) -> np.ndarray:
    """One value of ``output`` per design point, in design order (frame: the experiment's export)."""
    block = config.resolved["sensitivity"]
    rows = frame[(frame.indicator == output) & (frame.group == "") & frame.scenario.str.startswith("sa-")]
    if "year" in block:
        rows = rows[rows.year == block["year"]]
    if rows.empty:
        known = sorted(frame[frame.group == ""].indicator.unique())
        raise SensitivityError(f"sensitivity.outputs: no city-wide indicator {output!r} in the runs; "
                               f"known: {', '.join(known)}")
    per_point = rows.groupby(["scenario", "seed"])["value"].mean().groupby("scenario").mean()
    points = sorted(name for name in config.scenario_names() if name.startswith("sa-"))
    missing = [p for p in points if p not in per_point.index]
    if missing:
        raise SensitivityError(f"sensitivity: no finished runs of {missing[0]} ({len(missing)} points missing); "
                               "run the experiment to the end first")
    return per_point.reindex(points).to_numpy(dtype=float)


def analyse(config: ExperimentConfig, frame: pd.DataFrame) -> pd.DataFrame:
    """DataFrame[output, factor, index, value, conf] of the config's method, for each output."""
    from SALib.analyze import morris as morris_analyze
    from SALib.analyze import sobol as sobol_analyze

    block = config.resolved["sensitivity"]
    factors = factors_of(config)
    problem, points = design.sensitivity_sample(block["method"], factors, block["samples"], block["seed"])
    rows = []
    for output in block["outputs"]:
        y = output_values(config, frame, output)
        if block["method"] == "sobol":
            res = sobol_analyze.analyze(problem, y, calc_second_order=True, seed=block["seed"])
            for i, f in enumerate(factors):
                rows.append((output, f.name, "S1", res["S1"][i], res["S1_conf"][i]))
                rows.append((output, f.name, "ST", res["ST"][i], res["ST_conf"][i]))
        else:
            x = np.array([[p[f.name] for f in factors] for p in points], dtype=float)
            res = morris_analyze.analyze(problem, x, y, num_levels=4, seed=block["seed"])
            for i, f in enumerate(factors):
                rows.append((output, f.name, "mu_star", res["mu_star"][i], res["mu_star_conf"][i]))
                rows.append((output, f.name, "mu", res["mu"][i], np.nan))
                rows.append((output, f.name, "sigma", res["sigma"][i], np.nan))
    return pd.DataFrame(rows, columns=INDEX_COLUMNS)


def format_indices(table: pd.DataFrame) -> str:
    """The indices as a text table: one line per (output, factor), one column per index."""
    wide = table.pivot_table(index=["output", "factor"], columns="index", values="value", sort=False)
    conf = table.pivot_table(index=["output", "factor"], columns="index", values="conf", sort=False)
    out = wide.copy().astype(object)
    for col in wide.columns:
        out[col] = [f"{v:.3g}" + (f" ± {c:.2g}" if pd.notna(c) else "")
                    for v, c in zip(wide[col], conf[col] if col in conf else [np.nan] * len(wide))]
    return out.reset_index().to_string(index=False)
