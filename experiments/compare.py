"""Paired-run results (DESIGN §5): what a scenario adds to the baseline, and at what cost.

Every scenario of an experiment runs on the same seeds as the baseline, and a seed gives
both runs the same random numbers (common random numbers), so the per-seed difference
scenario − baseline isolates the policy's effect from sampling noise. From the stored
indicator rows of an experiment (``Store.export``), ``paired_results`` computes, for each
scenario other than the baseline, each seed run by both, and each year:

* ``additional_births``: cumulative births since the first simulated year, scenario −
  baseline (city-wide ``births``, group ``""``; rescaled to the real population);
* ``additional_fiscal_cost``: cumulative Δ ``fiscal_cost`` (the total, group ``""``, yuan);
  a run-year without a ``fiscal_cost`` row counts as 0 (the model before issue #3);
* ``cost_per_additional_birth``: cumulative Δ fiscal cost / cumulative Δ births, yuan per
  birth; NaN where the cumulative Δ births is ≤ 0 (the scenario has added no births, so
  there is no cost per added birth: a negative ratio would read as a saving per birth).

and summaries over the seeds per (scenario, year), group ``stat=mean`` / ``stat=low90`` /
``stat=high90``, seed empty:

* ``additional_births`` and ``additional_fiscal_cost``: the mean over seeds and a 90 %
  Student-t interval, mean ± t(0.95, n−1) · sd / √n;
* ``cost_per_additional_birth``: the ratio of the means, R = mean ΔC / mean ΔB (every
  paired seed counts, also those whose own ratio is NaN), with a 90 % interval by the
  delta method, R ± t(0.95, n−1) · √((s_C² − 2R·s_CB + R²·s_B²) / n) / mean ΔB
  (s = sample (co)variances over seeds). NaN, with its interval, where mean ΔB ≤ 0 (below
  NO_BIRTHS = 1e-6 births: a sum of rescaled counts that cancel leaves rounding noise). The
  delta method assumes mean ΔB is well away from 0; where its own interval reaches 0
  the ratio interval is unreliable (very wide).

Intervals need two seeds or more (NaN with one). Rows come in the export's long format
``experiment, scenario, seed, year, indicator, group, value``: per-seed rows have group
``""``; ``seed`` is a nullable integer (``pd.NA`` in summary rows, empty in CSV).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from experiments.config import BASELINE
from experiments.store import EXPORT_COLUMNS

BIRTHS, FISCAL_COST = "births", "fiscal_cost"
ADDITIONAL_BIRTHS = "additional_births"
ADDITIONAL_FISCAL_COST = "additional_fiscal_cost"
COST_PER_ADDITIONAL_BIRTH = "cost_per_additional_birth"
PAIRED_INDICATORS = (ADDITIONAL_BIRTHS, ADDITIONAL_FISCAL_COST, COST_PER_ADDITIONAL_BIRTH)
STATS = ("mean", "low90", "high90")
LEVEL = 0.90
NO_BIRTHS = 1e-6            # a cumulative Δ births below this is 0 (rounding of rescaled counts), not a gain


class CompareError(ValueError):
    """An experiment that cannot be compared; the message is one line."""


def paired_results(export_df: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """Paired-run rows of ``experiment`` from export rows (see the module docstring).

    Only seeds with finished runs of both the baseline and the scenario count, and only
    years both runs have. Raises CompareError if ``export_df`` has no rows of
    ``experiment``, no baseline run, no scenario run, no births rows, or no seed shared
    by the baseline and a scenario. Rows are sorted by scenario, seed (summary rows last), year,
    indicator, group.
    """
    rows = export_df[export_df["experiment"] == experiment]
    if rows.empty:
        raise CompareError(f"experiment {experiment!r} has no finished runs; run its config with "
                           "`fertsim run CONFIG` first (it resumes unfinished runs)")
    runs = rows[["scenario", "seed"]].drop_duplicates()
    base_seeds = set(runs.loc[runs["scenario"] == BASELINE, "seed"])
    scenarios = sorted(set(runs["scenario"]) - {BASELINE})
    if not base_seeds:
        raise CompareError(f"experiment {experiment!r} has no finished baseline run; scenarios are "
                           "compared with the baseline on the same seeds: finish it with `fertsim run CONFIG`")
    if not scenarios:
        raise CompareError(f"experiment {experiment!r} has no finished scenario runs, only the baseline; "
                           "add [scenarios.NAME] tables to its config (under a new name) to compare")
    births = _series(rows, BIRTHS)
    if births.empty:
        raise CompareError(f"experiment {experiment!r} has no city-wide births rows to compare")
    fiscal = _series(rows, FISCAL_COST)
    out = []
    for scenario in scenarios:
        seeds = sorted(base_seeds & set(runs.loc[runs["scenario"] == scenario, "seed"]))
        if seeds:
            out.append(_pairs(experiment, scenario, seeds, births, fiscal))
    if not out:
        raise CompareError(f"experiment {experiment!r}: no seed has finished runs of both the baseline "
                           f"(seeds {_seed_text(base_seeds)}) and a scenario ({', '.join(scenarios)})")
    frame = pd.concat(out, ignore_index=True)
    frame = frame.astype({"seed": "Int64", "year": "int64", "value": "float64"})
    return frame.sort_values(["scenario", "seed", "year", "indicator", "group"], kind="stable",
                             na_position="last", ignore_index=True)[EXPORT_COLUMNS]


def append_paired(export_df: pd.DataFrame, experiment: str | None = None) -> pd.DataFrame:
    """``export_df`` with the paired rows of its experiments appended after the indicator rows.

    With ``experiment`` given, that experiment must be comparable (CompareError otherwise);
    without, experiments that have no baseline, no scenarios or no shared seed are skipped.
    The ``seed`` column becomes a nullable integer when rows are appended.
    """
    names = [experiment] if experiment is not None else sorted(set(export_df["experiment"]))
    paired = []
    for name in names:
        try:
            paired.append(paired_results(export_df, name))
        except CompareError:
            if experiment is not None:
                raise
    if not paired:
        return export_df
    head = export_df.astype({"seed": "Int64"})
    return pd.concat([head, *paired], ignore_index=True)[EXPORT_COLUMNS]


def seed_summary(export_df: pd.DataFrame) -> pd.DataFrame:
    """Per (experiment, scenario, year, indicator, group) of export rows: the mean over seeds and
    its 90 % Student-t interval, as export rows with ``seed`` empty and ``stat=mean`` /
    ``stat=low90`` / ``stat=high90`` appended to the group (``parity=2,stat=mean``; ``stat=mean``
    for city-wide rows). Intervals need two seeds or more (NaN with one)."""
    keys = ["experiment", "scenario", "year", "indicator", "group"]
    stats = export_df.groupby(keys, sort=True)["value"].agg(["mean", "std", "count"]).reset_index()
    t = stats["count"].map(lambda n: t_quantile((1 + LEVEL) / 2, int(n) - 1) if n >= 2 else math.nan)
    half = t * stats["std"] / np.sqrt(stats["count"])
    out = []
    for stat, value in (("mean", stats["mean"]), ("low90", stats["mean"] - half), ("high90", stats["mean"] + half)):
        rows = stats[keys].assign(seed=pd.NA, value=value.astype("float64"))
        rows["group"] = rows["group"].where(rows["group"] == "", rows["group"] + ",") + f"stat={stat}"
        out.append(rows)
    # a stable sort on the row index interleaves the three: mean, low90, high90 of each key
    frame = pd.concat(out).sort_index(kind="stable").reset_index(drop=True)
    return frame.astype({"seed": "Int64", "year": "int64"})[EXPORT_COLUMNS]


def comparison_table(paired: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """One row per scenario at ``year`` (default: the last year) from ``paired_results`` rows.

    Columns: scenario, year, seeds (paired seeds), ``<indicator>_<stat>`` for each paired
    indicator and stat, and ``seeds_no_added_births`` (seeds whose cumulative Δ births is
    ≤ 0, so their own cost per additional birth is NaN). Raises CompareError for a year
    outside the paired years.
    """
    years = sorted(set(paired["year"]))
    if year is None:
        year = years[-1]
    elif year not in years:
        raise CompareError(f"--year {year} is outside the compared years {years[0]}..{years[-1]}")
    at = paired[paired["year"] == year]
    per_seed, summary = at[at["seed"].notna()], at[at["seed"].isna()]
    table = []
    for scenario in sorted(set(at["scenario"])):
        mine = per_seed[per_seed["scenario"] == scenario]
        births = mine[mine["indicator"] == ADDITIONAL_BIRTHS]
        row = {"scenario": scenario, "year": year, "seeds": int(births["seed"].nunique()),
               "seeds_no_added_births": int((births["value"] <= NO_BIRTHS).sum())}
        stats = summary[summary["scenario"] == scenario].set_index(["indicator", "group"])["value"]
        for indicator in PAIRED_INDICATORS:
            for stat in STATS:
                row[f"{indicator}_{stat}"] = float(stats.get((indicator, f"stat={stat}"), np.nan))
        table.append(row)
    return pd.DataFrame(table)


def format_comparison(table: pd.DataFrame, experiment: str, first_year: int,
                      fiscal_rows: bool = True) -> str:
    """``comparison_table`` as text for the terminal, with notes on n/a values."""
    year = int(table["year"].iloc[0])
    columns = {"scenario": "scenario", "seeds": "seeds",
               ADDITIONAL_BIRTHS: "additional births", ADDITIONAL_FISCAL_COST: "Δ fiscal cost (yuan)",
               COST_PER_ADDITIONAL_BIRTH: "cost per additional birth (yuan)"}
    body = [[row.scenario, str(row.seeds),
             *(_estimate(getattr(row, f"{i}_mean"), getattr(row, f"{i}_low90"), getattr(row, f"{i}_high90"))
               for i in PAIRED_INDICATORS)]
            for row in table.itertuples(index=False)]
    head = list(columns.values())
    widths = [max(len(cell) for cell in column) for column in zip(head, *body)]
    span = f"in {year}" if year == first_year else f"cumulative {first_year}-{year}"
    lines = [f"{experiment}: scenarios against the baseline on the same seeds (common random numbers), {span}",
             f"mean over paired seeds [{LEVEL:.0%} interval]; births at real population size", ""]
    for cells in [head, *body]:
        lines.append("  ".join(cell.ljust(w) if k < 2 else cell.rjust(w)
                               for k, (cell, w) in enumerate(zip(cells, widths))).rstrip())
    notes = []
    for row in table.itertuples(index=False):
        if row.seeds_no_added_births:
            ratio = getattr(row, f"{COST_PER_ADDITIONAL_BIRTH}_mean")
            notes.append(f"{row.scenario}: no births added (cumulative Δ births ≤ 0) in {row.seeds_no_added_births} "
                         f"of {row.seeds} seeds: " + ("no cost per additional birth (n/a)" if math.isnan(ratio) else
                                                      "their own ratios are n/a; the ratio of means uses every seed"))
        if row.seeds < 2:
            notes.append(f"{row.scenario}: one paired seed, no interval (n/a); run more seeds")
    if not fiscal_rows:
        notes.append("no fiscal_cost rows in this experiment (the model did not account fiscal cost "
                     "when it ran): Δ fiscal cost counted as 0")
    if notes:
        lines += ["", "notes:", *(f"  {note}" for note in notes)]
    return "\n".join(lines)


def t_quantile(p: float, df: int) -> float:
    """The ``p`` quantile (0.5 <= p < 1) of Student's t with ``df`` >= 1 whole degrees of
    freedom: bisection on the exact finite-series distribution function (Abramowitz &
    Stegun 26.7.3-4); agrees with scipy.stats.t.ppf to about 1e-10."""
    if not 0.5 <= p < 1 or df < 1 or int(df) != df:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and a whole df >= 1, got p={p}, df={df}")
    target = 2 * p - 1                      # P(|T| < t)
    lo, hi = 0.0, 1.0
    while _t_abs_cdf(hi, int(df)) < target:
        lo, hi = hi, 2 * hi
    for _ in range(200):
        mid = (lo + hi) / 2
        if _t_abs_cdf(mid, int(df)) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return (lo + hi) / 2


def _t_abs_cdf(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with ``df`` degrees of freedom, t >= 0."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2 == 0:                         # sinθ (1 + 1/2 cos²θ + 1·3/(2·4) cos⁴θ + ...)
        term = total = 1.0
        for j in range(1, df // 2):
            term *= (2 * j - 1) / (2 * j) * c2
            total += term
        return s * total
    total = 0.0                             # 2/π (θ + sinθ (cosθ + 2/3 cos³θ + ...))
    if df > 1:
        term = total = math.cos(theta)
        for j in range(1, (df - 1) // 2):
            term *= (2 * j) / (2 * j + 1) * c2
            total += term
    return 2 / math.pi * (theta + s * total)


def _series(rows: pd.DataFrame, indicator: str) -> pd.Series:
    """City-wide values of ``indicator`` indexed by (scenario, seed, year)."""
    city = rows[(rows["indicator"] == indicator) & (rows["group"] == "")]
    return city.set_index(["scenario", "seed", "year"])["value"].astype("float64").sort_index()


def _pairs(experiment: str, scenario: str, seeds: list[int], births: pd.Series,
           fiscal: pd.Series) -> pd.DataFrame:
    """Per-seed and summary rows of one scenario against the baseline over ``seeds``."""
    records = []
    cumulative = {}                                         # seed -> DataFrame[year -> dB, dC]
    for seed in seeds:
        b_base, b_scen = _run(births, BASELINE, seed), _run(births, scenario, seed)
        years = b_base.index.intersection(b_scen.index).sort_values()
        d_births = (b_scen[years] - b_base[years]).cumsum()
        d_cost = (_run(fiscal, scenario, seed).reindex(years, fill_value=0.0)
                  - _run(fiscal, BASELINE, seed).reindex(years, fill_value=0.0)).cumsum()
        ratio = (d_cost / d_births).where(d_births > NO_BIRTHS)
        cumulative[seed] = pd.DataFrame({"births": d_births, "cost": d_cost})
        for year in years:
            for indicator, value in ((ADDITIONAL_BIRTHS, d_births[year]), (ADDITIONAL_FISCAL_COST, d_cost[year]),
                                     (COST_PER_ADDITIONAL_BIRTH, ratio[year])):
                records.append((experiment, scenario, seed, int(year), indicator, "", float(value)))
    both = pd.concat(cumulative, names=["seed", "year"])
    for year, group in both.groupby(level="year", sort=True):
        b, c = group["births"].to_numpy(), group["cost"].to_numpy()
        stats = {ADDITIONAL_BIRTHS: mean_interval(b), ADDITIONAL_FISCAL_COST: mean_interval(c),
                 COST_PER_ADDITIONAL_BIRTH: _ratio_interval(c, b)}
        for indicator, values in stats.items():
            for stat, value in zip(STATS, values):
                records.append((experiment, scenario, pd.NA, int(year), indicator, f"stat={stat}", float(value)))
    return pd.DataFrame.from_records(records, columns=EXPORT_COLUMNS)


def _run(series: pd.Series, scenario: str, seed: int) -> pd.Series:
    """The values of one run indexed by year (empty if the run has none)."""
    try:
        return series.xs((scenario, seed), level=("scenario", "seed"))
    except KeyError:
        return pd.Series(dtype="float64", index=pd.Index([], dtype="int64", name="year"))


def mean_interval(x: np.ndarray) -> tuple[float, float, float]:
    """Mean and Student-t 90 % interval over seeds (NaN interval for one seed)."""
    n, mean = len(x), float(np.mean(x))
    if n < 2:
        return mean, math.nan, math.nan
    half = t_quantile((1 + LEVEL) / 2, n - 1) * float(np.std(x, ddof=1)) / math.sqrt(n)
    return mean, mean - half, mean + half


def _ratio_interval(cost: np.ndarray, births: np.ndarray) -> tuple[float, float, float]:
    """Ratio of means mean(cost)/mean(births) and its delta-method 90 % interval."""
    n, mean_b = len(births), float(np.mean(births))
    if mean_b <= NO_BIRTHS:
        return math.nan, math.nan, math.nan
    ratio = float(np.mean(cost)) / mean_b
    if n < 2:
        return ratio, math.nan, math.nan
    cov = np.cov(np.vstack([cost, births]), ddof=1)
    variance = max(float(cov[0, 0] - 2 * ratio * cov[0, 1] + ratio**2 * cov[1, 1]), 0.0) / n
    half = t_quantile((1 + LEVEL) / 2, n - 1) * math.sqrt(variance) / mean_b
    return ratio, ratio - half, ratio + half


def _estimate(mean: float, low: float, high: float) -> str:
    """``mean [low, high]``; ``n/a`` for a NaN mean, ``mean [n/a]`` without an interval."""
    if math.isnan(mean):
        return "n/a"
    if math.isnan(low) or math.isnan(high):
        return f"{_number(mean)} [n/a]"
    return f"{_number(mean)} [{_number(low)}, {_number(high)}]"


def _number(value: float) -> str:
    if value == 0:
        return "0"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def _seed_text(seeds) -> str:
    return ", ".join(map(str, sorted(seeds)))


def indicator_differences(export_df: pd.DataFrame, experiment: str, indicator: str,
                          group: str = "") -> pd.DataFrame:
    """Per-year difference scenario − baseline of one indicator (not cumulated), over paired seeds.

    For each scenario other than the baseline, each year and each seed with finished runs of
    both, the difference of ``indicator`` (with ``group``); then per (scenario, year) the mean
    over those seeds with a 90 % Student-t interval (NaN with one seed). Returns
    DataFrame[scenario, year, seeds, mean, low90, high90] by scenario and year (empty if
    nothing is paired). The dashboard's "difference from baseline" of any indicator.
    """
    rows = export_df[(export_df["experiment"] == experiment) & (export_df["indicator"] == indicator)
                     & (export_df["group"] == group)]
    values = rows.set_index(["scenario", "seed", "year"])["value"].astype("float64")
    columns = ["scenario", "year", "seeds", "mean", "low90", "high90"]
    if BASELINE not in values.index.get_level_values("scenario"):
        return pd.DataFrame(columns=columns)
    base = values.xs(BASELINE, level="scenario")
    out = []
    for scenario in sorted(set(values.index.get_level_values("scenario")) - {BASELINE}):
        diff = (values.xs(scenario, level="scenario") - base).dropna()
        for year, per_seed in diff.groupby(level="year", sort=True):
            out.append((scenario, int(year), len(per_seed), *mean_interval(per_seed.to_numpy())))
    return pd.DataFrame(out, columns=columns)
