"""The China back-test read from the store: in-sample fit (2011–2015) and the projection 2016–2024.

    python -m experiments.backtest [--db URL] [--experiment china-two-child-backtest]
    python -m experiments.backtest --experiment NAME --region beijing --fit-only

after ``fertsim run experiments/configs/china-two-child-backtest.toml``. Prints Markdown:

1. the fit of the actual timeline (the baseline) to the china pack's targets (all in
   2011–2015, the data the calibration saw), and the 2015 population by five-year age group
   against the pack's reference rows (WPP2022, 1 July 2015; the model's year end 2015 — its
   clock starts on 1 January 2011 from the population of 1 July 2010);
2. births (total, by birth order) and the TFR per year 2016–2024 under the actual timeline
   and under the pre-2014 rules, and their paired difference (counterfactual − actual);
3. out of sample, the data of 2020 in ``shared/data``: the census TFR (1.3), the census
   population (total and broad ages, 1 November 2020) and WPP2022's five-year groups of
   1 July 2020 (its 0-4 are the survivors of the births 2015–2020).

With ``--fit-only`` it prints section 1 alone, for any experiment's baseline against its
region pack's targets (e.g. a Beijing run with ``calibrated_parameters = 1``).

Values are means over seeds with 90 % Student-t intervals (``experiments.compare``).
"""

from __future__ import annotations

import argparse
import math

import pandas as pd

from experiments.calibrate import moments
from experiments.compare import indicator_differences, seed_summary
from experiments.config import BASELINE
from experiments.store import Store, database_url
from sim.pack import load_pack

EXPERIMENT = "china-two-child-backtest"
COUNTERFACTUAL = "pre2014_rules"
PROJECTION = range(2016, 2025)
SERIES = (("births", ""), ("births", "parity=1"), ("births", "parity=2"), ("births", "parity=3"), ("tfr", ""))


def summaries(frame: pd.DataFrame) -> pd.DataFrame:
    """DataFrame[scenario, year, indicator, group, mean, low90, high90] from export rows."""
    s = seed_summary(frame)
    parts = s["group"].str.rpartition("stat=")
    s = s.assign(group=parts[0].str.rstrip(","), stat=parts[2])
    wide = s.pivot_table(index=["scenario", "year", "indicator", "group"], columns="stat", values="value")
    return wide.reset_index()[["scenario", "year", "indicator", "group", "mean", "low90", "high90"]]


def _at(table: pd.DataFrame, scenario: str, year: int, indicator: str, group: str = "") -> pd.Series:
    row = table[(table.scenario == scenario) & (table.year == year) & (table.indicator == indicator)
                & (table.group == group)]
    return row.iloc[0] if len(row) else pd.Series({"mean": math.nan, "low90": math.nan, "high90": math.nan})


def _fmt(x: float, count: bool) -> str:
    if math.isnan(x):
        return "n/a"
    return f"{x / 1e6:,.3f} M" if count else f"{x:.3f}"


def _est(r, count: bool = False) -> str:
    return f"{_fmt(r['mean'], count)} [{_fmt(r['low90'], count)}, {_fmt(r['high90'], count)}]"


def fit_section(table: pd.DataFrame, region: str, first: int, last: int) -> list[str]:
    lines = ["| target | data | simulated (baseline) | distance | source |", "|---|---|---|---|---|"]
    for m in moments(region, first, last):
        r = _at(table, BASELINE, m.year, m.indicator, m.group)
        data = f"{m.value:.4g}" if not math.isnan(m.value) else f"[{m.low:g}, {m.high:g}]"
        count = m.indicator == "population"
        lines.append(f"| {m.name} {m.year} | {data} | {_est(r, count)} | {m.distance(r['mean']):+.2f} | {m.source} |")
    return lines + population_section(table, region, last)


def _model_population(table: pd.DataFrame, year: int, low: int, high: int | None) -> float:
    """Both sexes aged low..high (None: and over) at the end of ``year`` under the baseline (mean over seeds)."""
    groups = [(a, a + 4) for a in range(0, 100, 5)] + [(100, None)]
    return sum(_at(table, BASELINE, year, "population", f"age={a}{'+' if b is None else f'-{b}'},sex={sex}")["mean"]
               for a, b in groups if a >= low and (high is None or (b is not None and b <= high))
               for sex in ("male", "female"))


def _ages(label: str) -> tuple[int, int | None]:
    """An age label of the reference rows → (low, high or None): '5_9' → (5, 9), '60_plus' → (60, None),
    'total' → (0, None)."""
    if label == "total":
        return 0, None
    low, _, high = label.removesuffix("_plus").partition("_")
    return int(low), int(high) if high else None


def _population_row(table: pd.DataFrame, year: int, label: str, value: float) -> str:
    sim = _model_population(table, year, *_ages(label))
    return (f"| {label.replace('_plus', '+').replace('_', '-')} | {value / 1e6:,.2f} M | {sim / 1e6:,.2f} M | "
            f"{100 * (sim / value - 1):+.1f} % |")


def population_section(table: pd.DataFrame, region: str, year: int) -> list[str]:
    """The model's year-end population by five-year group against the pack's reference rows of ``year``."""
    vital = load_pack(region).vital_rates
    ref = vital[(vital.year == year) & vital.indicator.str.startswith("population_")]
    if ref.empty:
        return []
    return ["", f"| age | WPP2022 1 July {year} | model, year end {year} | difference |", "|---|---|---|---|",
            *(_population_row(table, year, name.removeprefix("population_"), value)
              for name, value in zip(ref["indicator"], ref["value"]))]


def projection_section(table: pd.DataFrame, frame: pd.DataFrame, experiment: str) -> list[str]:
    lines = []
    for indicator, group in SERIES:
        name = f"{indicator} ({group or 'total'})"
        diff = indicator_differences(frame, experiment, indicator, group).set_index("year")
        lines += ["", f"**{name}**", "", "| year | actual timeline | pre-2014 rules kept | counterfactual − actual |",
                  "|---|---|---|---|"]
        for year in PROJECTION:
            d = diff.loc[year] if year in diff.index else pd.Series({"mean": math.nan, "low90": math.nan, "high90": math.nan})
            count = indicator == "births"
            lines.append(f"| {year} | {_est(_at(table, BASELINE, year, indicator, group), count)} | "
                         f"{_est(_at(table, COUNTERFACTUAL, year, indicator, group), count)} | {_est(d, count)} |")
    return lines


def report(frame: pd.DataFrame, experiment: str = EXPERIMENT, region: str = "china") -> str:
    table = summaries(frame)
    first, last = int(frame.year.min()), int(frame.year.max())
    seeds = sorted(frame.seed.unique())
    pack = load_pack(region)
    census = pack.fertility.get("tfr_census_national_2020", math.nan)
    lines = [f"Back-test {experiment}: {first}–{last}, seeds {', '.join(map(str, seeds))}; mean over seeds "
             "[90 % interval]; counts at national size.", "", "### In-sample fit (2011–2015)", "",
             *fit_section(table, region, first, min(last, 2015)), "", "### Projection 2016–2024",
             *projection_section(table, frame, experiment), "", "### Out of sample (2020)", "",
             f"TFR 2020: census {census:g} (fertility.csv tfr_census_national_2020); model "
             f"{_est(_at(table, BASELINE, 2020, 'tfr'))}."]
    vital = pack.vital_rates.set_index("indicator")
    census_rows = vital[(vital.year == 2020)].filter(like="census_population_", axis=0)["value"]
    if len(census_rows):
        lines += ["", "| census 1 Nov 2020 | data | model, year end 2020 | difference |", "|---|---|---|---|"]
        lines += [_population_row(table, 2020, name.removeprefix("census_population_"), value)
                  for name, value in census_rows.items()]
    lines += population_section(table, region, 2020)
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="database URL or SQLite file (default $FERTSIM_DB or ./fertsim.db)")
    ap.add_argument("--experiment", default=EXPERIMENT)
    ap.add_argument("--region", default="china", help="the experiment's region pack (default china)")
    ap.add_argument("--fit-only", action="store_true", help="only the in-sample fit of the baseline")
    a = ap.parse_args(argv)
    with Store(database_url(a.db), create=False) as store:
        frame = store.export(a.experiment)
    if frame.empty:
        raise SystemExit(f"no finished runs of {a.experiment}; run experiments/configs/china-two-child-backtest.toml")
    if a.fit_only:
        first, last = int(frame.year.min()), int(frame.year.max())
        print("\n".join(fit_section(summaries(frame), a.region, first, last)))
    else:
        print(report(frame, a.experiment, a.region))


if __name__ == "__main__":
    main()
