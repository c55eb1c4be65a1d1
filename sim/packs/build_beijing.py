"""Build the ``beijing`` region pack from ``../shared/data``.

In: the CSV files of ``shared/data`` (described in its ``SOURCES.md``).
Out: the pack files in ``sim/packs/beijing/`` -- ``districts.csv``, ``census.csv``,
``population_age_sex.csv``, ``mortality.csv``, ``vital_rates.csv``, ``fertility.csv``,
``education.csv``, ``economy.csv``, ``targets.csv`` (UTF-8, LF, a ``source`` column on
every row) and ``policy_history.toml``. Output is byte-for-byte deterministic.
The pack's ``README.md`` is written by hand and explains every method used here.

Usage: ``python -m sim.packs.build_beijing [--shared PATH] [--out DIR]``
"""

from __future__ import annotations

import argparse
import csv
import math
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[2]
DEFAULT_SHARED = REPO.parent / "shared" / "data"
DEFAULT_OUT = Path(__file__).resolve().parent / "beijing"

BROAD_LOWER = np.array([0, 15, 60, 65])              # raking margins 0-14, 15-59, 60-64 (= 60+ minus 65+), 65+
MAX_AGE = 100                                         # single years 0..100, 100 = 100+
SEXES = ("male", "female")


# --- reading shared/data -----------------------------------------------------------

class Table:
    """One shared/data CSV read as strings; rows are found by column values."""

    def __init__(self, shared: Path, name: str):
        self.name = name
        self.df = pd.read_csv(shared / name, dtype=str, keep_default_na=False)

    def ref(self, row: int, label: str = "") -> str:
        """'shared/data/<file> row <n> (<label>)' for 1-based data row n."""
        return f"shared/data/{self.name} row {row}" + (f" ({label})" if label else "")

    def rows(self, **match: str) -> pd.DataFrame:
        """All rows whose columns equal ``match``; adds the 1-based data row as ``_row``."""
        mask = np.ones(len(self.df), bool)
        for col, val in match.items():
            mask &= (self.df[col] == val).to_numpy()
        out = self.df[mask].copy()
        out["_row"] = out.index + 1
        return out

    def one(self, col: str = "value", **match: str) -> tuple[str, int]:
        """(value in ``col``, data row) of the single row matching ``match``."""
        found = self.rows(**match)
        if len(found) != 1:
            raise ValueError(f"{self.name}: {match} matched {len(found)} rows, expected 1")
        return found.iloc[0][col], int(found.iloc[0]["_row"])


# --- writing -----------------------------------------------------------------------

def fmt(x) -> str:
    """Deterministic text for a cell: ints as ints, floats with 10 significant digits."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x)).lower()
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return format(float(x), ".10g")
    return str(x)


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    """UTF-8, LF line ends, minimal quoting."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([fmt(v) for v in r])


# --- numerical helpers -------------------------------------------------------------

def rake(x: np.ndarray, group_of: np.ndarray, group_targets: np.ndarray,
         sex_targets: np.ndarray, tol: float = 1e-7, max_iter: int = 10_000) -> np.ndarray:
    """Iterative proportional fitting of x (n_groups, 2) to totals over sets of rows and over columns.

    ``group_of[i]`` is the margin set of row i. Returns a float array whose set sums equal
    ``group_targets`` and column sums equal ``sex_targets`` (within ``tol`` persons).
    """
    x = x.astype(float).copy()
    for _ in range(max_iter):
        for g, target in enumerate(group_targets):
            x[group_of == g] *= target / x[group_of == g].sum()
        x *= sex_targets / x.sum(axis=0)
        sums = np.array([x[group_of == g].sum() for g in range(len(group_targets))])
        if np.abs(sums - group_targets).max() < tol:
            return x
    raise RuntimeError("raking did not converge")


def _pchip_end_slope(h0: float, h1: float, m0: float, m1: float) -> float:
    d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
    if np.sign(d) != np.sign(m0):
        return 0.0
    if np.sign(m0) != np.sign(m1) and abs(d) > abs(3 * m0):
        return 3 * m0
    return d


def pchip(x: np.ndarray, y: np.ndarray, xq: np.ndarray) -> np.ndarray:
    """Monotone piecewise-cubic Hermite interpolation (Fritsch-Carlson/Butland, as scipy's PCHIP)."""
    h, m = np.diff(x), np.diff(y) / np.diff(x)
    d = np.zeros_like(y, dtype=float)
    w1, w2 = 2 * h[1:] + h[:-1], h[1:] + 2 * h[:-1]
    ok = m[:-1] * m[1:] > 0
    d[1:-1][ok] = (w1 + w2)[ok] / (w1[ok] / m[:-1][ok] + w2[ok] / m[1:][ok])
    d[0] = _pchip_end_slope(h[0], h[1], m[0], m[1])
    d[-1] = _pchip_end_slope(h[-1], h[-2], m[-1], m[-2])
    k = np.clip(np.searchsorted(x, xq, side="right") - 1, 0, len(x) - 2)
    t = (xq - x[k]) / h[k]
    return ((2 * t**3 - 3 * t**2 + 1) * y[k] + (t**3 - 2 * t**2 + t) * h[k] * d[k]
            + (-2 * t**3 + 3 * t**2) * y[k + 1] + (t**3 - t**2) * h[k] * d[k + 1])


def split_single_years(group_totals: np.ndarray, lower: np.ndarray) -> np.ndarray:
    """Five-year group totals (last group open, e.g. 100+) -> single years lower[0]..lower[-1].

    PCHIP of the cumulative count at the group bounds, differenced at whole ages: every
    group total is kept exactly and no value is negative; the open group stays one age.
    """
    cum = np.concatenate([[0.0], np.cumsum(group_totals[:-1])])
    ages = np.arange(lower[0], lower[-1] + 1, dtype=float)
    single = np.diff(pchip(lower.astype(float), cum, ages))
    return np.append(single, group_totals[-1])


def largest_remainder(values: np.ndarray, total: int) -> np.ndarray:
    """Integers summing exactly to ``total`` in proportion to ``values`` (Hamilton's method)."""
    v = np.asarray(values, float)
    v = v * (total / v.sum()) if v.sum() > 0 else np.zeros_like(v)
    out = np.floor(v).astype(np.int64)
    rem = np.round(v - out, 9)                       # rounding keeps the order stable across platforms
    extra = int(total - out.sum())
    out[np.argsort(-rem, kind="stable")[:extra]] += 1
    return out


def log_interp_mx(start: np.ndarray, width: list, mx: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Abridged mx (ages 0, 1-4, 5-9, ..., 95-99, 100+) -> single years 0..100.

    Age 0 and 100+ keep their own rates. In between, log(mx) is linear between one knot
    per group (at the group midpoint: 1-4 at 3.0, 5-9 at 7.5, ..., 100+ at 100.5), read at
    a + 0.5 (ages 1-2 lie below the first knot and take its value). The knots are then
    moved until the plain mean of the single-year rates in each group equals the group's
    rate, so the curve is continuous and keeps every group level.
    """
    mid = np.array([s + (0.5 if w == "open" else float(w) / 2) for s, w in zip(start, width)])[1:]
    ends = [(int(s), int(s) + (1 if w == "open" else int(w))) for s, w in zip(start, width)][1:]
    target = np.log(mx[1:])
    knots = target.copy()
    ages = np.arange(1, MAX_AGE + 1) + 0.5
    for _ in range(1000):
        vals = np.exp(np.interp(ages, mid, knots))
        means = np.array([vals[a0 - 1:a1 - 1].mean() for a0, a1 in ends])
        step = target - np.log(means)
        knots += step
        if np.abs(step).max() < tol:
            break
    else:
        raise RuntimeError("mortality interpolation did not converge")
    return np.concatenate([[mx[0]], np.exp(np.interp(ages, mid, knots))])


# --- pack parts --------------------------------------------------------------------

def build_districts(census: Table) -> tuple[list[list], int]:
    rows = census.rows(indicator="resident_population_by_district")
    out = []
    for i, (_, r) in enumerate(rows.iterrows()):
        name, name_zh = r["category"].split(" ", 1)
        out.append([i, name, name_zh, int(r["value"]), census.ref(r["_row"], r["category"])])
    return out, sum(r[3] for r in out)


def census_facts(census: Table) -> dict[str, tuple]:
    """key -> (value, unit, source, data row) for census.csv."""
    def get(key, unit, indicator, category, convert=int):
        v, row = census.one(indicator=indicator, category=category)
        return key, (convert(v), unit, census.ref(row, f"{indicator} {category}"), row)

    facts = dict([
        get("total_population", "persons", "resident_population", "total"),
        get("male", "persons", "resident_population_by_sex", "male"),
        get("female", "persons", "resident_population_by_sex", "female"),
        get("age_0_14", "persons", "resident_population_by_age", "0-14"),
        get("age_15_59", "persons", "resident_population_by_age", "15-59"),
        get("age_60_plus", "persons", "resident_population_by_age", "60+"),
        get("age_65_plus", "persons", "resident_population_by_age", "65+"),
        get("sex_ratio", "males per 100 females", "sex_ratio", "total (males per 100 females)", float),
        get("nonlocal_persons", "persons (rounded to 10,000)", "migrants_from_other_provinces 外省市来京人口", "total"),
    ])
    v, row = census.one(indicator="migrants_from_other_provinces_share", category="total")
    facts["nonlocal_share"] = (float(v) / 100, "share of residents",
                               "derived: percent / 100 from " + census.ref(row, "migrants_from_other_provinces_share"), row)
    facts.update(dict([
        get("family_households", "households", "households", "family households 家庭户"),
        get("family_household_population", "persons", "household_population", "family-household population 家庭户人口"),
        get("collective_households", "households", "households", "collective households 集体户"),
        get("collective_household_population", "persons", "household_population", "collective-household population 集体户人口"),
        get("average_family_household_size", "persons per family household", "average_family_household_size",
            "family households", float),
    ]))
    date, row = census.one(col="reference_date", indicator="resident_population", category="total")
    facts["census_date"] = (date, "date", census.ref(row, "reference_date"), row)
    return facts


def build_population(pop: Table, facts: dict) -> tuple[np.ndarray, list[list]]:
    """Persons (101, 2) by single year and sex, matching every Beijing census margin exactly."""
    both = pop.rows(dataset="UN WPP2022 Estimates (file POP/02-1)", sex="both")
    m19 = pop.rows(sex="male").query("dataset.str.startswith('UN WPP2019')")
    f19 = pop.rows(sex="female").query("dataset.str.startswith('UN WPP2019')")
    lower = both["age_start"].astype(int).to_numpy()
    assert (m19["age_start"].astype(int).to_numpy() == lower).all() and len(lower) == 21
    n_both = both["population_persons"].astype(float).to_numpy()
    n_m, n_f = (t["population_persons"].astype(float).to_numpy() for t in (m19, f19))
    national = np.column_stack([n_both * n_m / (n_m + n_f), n_both * n_f / (n_m + n_f)])

    group_targets = np.array([facts["age_0_14"][0], facts["age_15_59"][0],
                              facts["age_60_plus"][0] - facts["age_65_plus"][0], facts["age_65_plus"][0]])
    sex_targets = np.array([facts["male"][0], facts["female"][0]])
    group_of = np.searchsorted(BROAD_LOWER, lower, side="right") - 1
    raked = rake(national, group_of, group_targets.astype(float), sex_targets.astype(float))

    single = np.column_stack([split_single_years(raked[:, s], lower) for s in range(2)])
    age_group = np.searchsorted(BROAD_LOWER, np.arange(MAX_AGE + 1), side="right") - 1
    cell = np.array([[single[age_group == g, s].sum() for s in range(2)] for g in range(4)])
    male_cells = largest_remainder(cell[:, 0], int(sex_targets[0]))
    cell_int = np.column_stack([male_cells, group_targets - male_cells])
    persons = np.zeros((MAX_AGE + 1, 2), np.int64)
    for g in range(4):
        for s in range(2):
            persons[age_group == g, s] = largest_remainder(single[age_group == g, s], int(cell_int[g, s]))
    if not ((persons.sum(axis=0) == sex_targets).all()
            and all(persons[age_group == g].sum() == group_targets[g] for g in range(4))):
        raise RuntimeError("population does not match the census margins")

    refs = {}
    for t in (both, m19, f19):
        for a, r in zip(t["age_start"].astype(int), t["_row"]):
            refs.setdefault(a, []).append(str(r))
    census_rows = [facts[k][3] for k in ("male", "female", "age_0_14", "age_15_59", "age_60_plus", "age_65_plus")]
    rows = []
    for s, sex in enumerate(SEXES):
        for a in range(MAX_AGE + 1):
            g = lower[np.searchsorted(lower, a, side="right") - 1]
            src = (f"derived: national WPP2022 group {g}{'+' if g == MAX_AGE else f'-{g + 4}'} split by the "
                   f"WPP2019 sex ratio (shared/data/china_population_2020_by_age_sex.csv rows {', '.join(refs[g])}), "
                   f"raked to Beijing census broad ages and sex totals (shared/data/beijing_2020_census.csv rows "
                   f"{', '.join(map(str, census_rows))}), single years by PCHIP, integer by largest remainder; see README")
            rows.append([a, sex, persons[a, s], src])
    return persons, rows


def build_mortality(mort: Table) -> list[list]:
    rows = []
    for sex in SEXES:
        per = {}
        for period in ("2015-2020", "2020-2025"):
            t = mort.rows(period=period, sex=sex, indicator="mx")
            per[period] = (log_interp_mx(t["age_start"].astype(int).to_numpy(), list(t["age_width"]),
                                         t["value"].astype(float).to_numpy()), t["_row"].tolist())
        mx15, mx20 = per["2015-2020"][0], per["2020-2025"][0]
        decline = np.clip(-np.log(mx20 / mx15) / 5.0, 0.0, 0.03)
        span = lambda rs: f"{rs[0]}-{rs[-1]}"  # noqa: E731
        src = (f"derived: mean-preserving log-linear interpolation of abridged WPP2024 mx, shared/data/china_mortality_2020.csv "
               f"rows {span(per['2015-2020'][1])} (2015-2020) and {span(per['2020-2025'][1])} (2020-2025); "
               f"annual_decline = -ln(mx_2020_2025/mx_2015_2020)/5 clipped to [0, 0.03] (assumption); see README")
        for a in range(MAX_AGE + 1):
            rows.append([sex, a, float(f"{mx15[a]:.8g}"), float(f"{mx20[a]:.8g}"), round(float(decline[a]), 8), src])
    return rows


def build_vital_rates(vital: Table) -> list[list]:
    rows = []
    for _, r in vital.rows().iterrows():
        indicator, _, qualifier = r["indicator"].partition(" ")
        unit = r["unit"] + (f" {qualifier}" if qualifier else "")
        note = f"; note: {r['notes']}" if r["notes"] else ""
        value = float(r["value"]) if "." in r["value"] else int(r["value"])
        rows.append([int(r["year"]), indicator, value, unit,
                     vital.ref(r["_row"], r["source_title"]) + note])
    return rows


def build_fertility(asfr: Table, pop: Table, ctx: Table) -> list[list]:
    rows = []
    for a in range(15, 50, 5):
        v, row = asfr.one(year="2015", age_group=f"{a}-{a + 4}", indicator="asfr", wpp_revision="WPP2024")
        rows.append([f"asfr_{a}_{a + 4}", float(v), "births per woman per year (China, 2015)",
                     asfr.ref(row, "WPP2024 derived: tfr*pasfr/100/5")])
    v, row = asfr.one(year="2015", age_group="all", indicator="tfr", wpp_revision="WPP2024")
    rows.append(["tfr_national_2015", float(v), "children per woman", asfr.ref(row, "WPP2024 tfr 2015")])

    m, rm = pop.one(col="population_persons", sex="male", age_group="0-4",
                    dataset="UN WPP2019 Estimates (older revision; see SOURCES.md)")
    f, rf = pop.one(col="population_persons", sex="female", age_group="0-4",
                    dataset="UN WPP2019 Estimates (older revision; see SOURCES.md)")
    rows.append(["sex_ratio_at_birth", round(100 * int(m) / int(f), 3), "boys per 100 girls",
                 f"derived: 100 x males / females aged 0-4 in 2020, shared/data/china_population_2020_by_age_sex.csv "
                 f"rows {rm}, {rf} (WPP2019); proxy for the 2015-2020 SRB (assumption: see README)"])

    return rows + context_rows(ctx, (
        ("ideal_children_women_2017", "ideal_number_of_children_women", "2017", "children"),
        ("intended_children_women_2017", "intended_number_of_children_women", "2017", "children"),
        ("intended_children_women_2021", "intended_number_of_children_women", "2021", "children"),
        ("tfr_census_national_2020", "tfr_census", "2020", "children per woman"),
        ("infertility_share_at_risk", "infertility_share_women_at_risk", "2010s", "share of women"),
        ("infertility_share_trying", "infertility_share_women_trying", "2010s", "share of women trying to conceive"),
        ("infertile_seeking_care_share", "infertile_women_seeking_care_share", "2010s", "share of infertile women"),
        ("mean_age_first_marriage_women", "mean_age_first_marriage_women", "2020", "years (China, 2020)"),
        ("mean_age_first_marriage_men", "mean_age_first_marriage_men", "2020", "years (China, 2020)"),
    ))


def context_rows(ctx: Table, wanted) -> list[list]:
    """fertility.csv rows read from context_facts.csv: (key, indicator, year, unit) each."""
    rows = []
    for key, indicator, year, unit in wanted:
        v, row = ctx.one(indicator=indicator, year=year)
        rows.append([key, float(v), unit, ctx.ref(row, f"{indicator} {year}")])
    return rows


# Highest education level (completed, or being attended at ages 15-24) by age band.
# NOT DATA: shared/data has no education figures. assumption (README, assumption 6).
EDUCATION_ASSUMED = {  # band start: (primary or less, junior, senior, tertiary), both sexes
    0: (1.00, 0.00, 0.00, 0.00), 6: (1.00, 0.00, 0.00, 0.00),
    15: (0.00, 0.30, 0.50, 0.20), 20: (0.05, 0.15, 0.20, 0.60), 25: (0.05, 0.15, 0.20, 0.60),
    30: (0.05, 0.15, 0.20, 0.60), 35: (0.05, 0.20, 0.25, 0.50), 40: (0.05, 0.25, 0.30, 0.40),
    45: (0.10, 0.30, 0.30, 0.30), 50: (0.10, 0.35, 0.35, 0.20), 55: (0.15, 0.35, 0.35, 0.15),
    60: (0.15, 0.35, 0.35, 0.15), 65: (0.25, 0.35, 0.25, 0.15), 70: (0.40, 0.30, 0.20, 0.10),
}


def build_education(assumed: dict = EDUCATION_ASSUMED, where: str = "Beijing") -> list[list]:
    """education.csv rows from a pack's assumed shares by age band (the same for both sexes)."""
    rows = []
    for band, shares in assumed.items():
        assert abs(sum(shares) - 1) < 1e-12
        for sex in SEXES:
            rows.append([band, sex, *shares,
                         f"assumption: stylised {where} attainment, no education data in shared/data; see README"])
    return rows


def economy_row(cost: Table, key: str, geography: str, indicator: str, year: str, unit: str,
                scale: float = 1.0) -> list:
    """One economy.csv row read from child_cost_and_income.csv (``scale`` = 0.01 for a percentage)."""
    v, row = cost.one(geography=geography, indicator=indicator, data_year=year)
    value = float(v) * scale if scale != 1.0 else int(v)
    note = "derived: percent / 100 from " if scale != 1.0 else ""
    return [key, value, unit, year, note + cost.ref(row, f"{geography} {indicator} {year}")]


def build_economy(cost: Table, ctx: Table) -> list[list]:
    rows = [economy_row(cost, *args) for args in (
        ("disposable_income_per_capita", "Beijing", "disposable_income_per_capita_all_residents", "2024", "yuan per person per year"),
        ("disposable_income_per_capita_2023", "Beijing", "disposable_income_per_capita_all_residents", "2023", "yuan per person per year"),
        ("disposable_income_per_capita_2022", "Beijing", "disposable_income_per_capita_all_residents", "2022", "yuan per person per year"),
        ("wage_income_per_capita", "Beijing", "wage_income_per_capita_all_residents", "2024", "yuan per person per year"),
        ("wage_income_per_capita_2023", "Beijing", "wage_income_per_capita_all_residents", "2023", "yuan per person per year"),
        ("consumption_per_capita", "Beijing", "consumption_expenditure_per_capita_all_residents", "2023", "yuan per person per year"),
        ("consumption_per_capita_2022", "Beijing", "consumption_expenditure_per_capita_all_residents", "2022", "yuan per person per year"),
        ("gdp_per_capita", "Beijing", "gdp_per_capita", "2023", "yuan per person per year"),
        ("child_cost_0_17_2019", "Beijing", "cost_of_raising_child_age_0_17", "2019", "yuan, total ages 0-17 (YuWa estimate)"),
        ("child_cost_0_17_2022", "Beijing", "cost_of_raising_child_age_0_17", "2022", "yuan, total ages 0-17 (YuWa estimate)"),
    )]
    return rows + national_economy(cost, ctx)


def national_economy(cost: Table, ctx: Table) -> list[list]:
    """The economy.csv rows that are national figures in every pack: labour-force participation,
    motherhood wage penalty, nursery enrolment, grandparent care, IVF cost, retirement ages."""
    rows = [economy_row(cost, "lfp_female_15plus", "China", "female_labour_force_participation_rate_15plus", "2021",
                        "share of women 15+ (China, ILO modelled)", scale=0.01),
            economy_row(cost, "lfp_ratio_female_male", "China", "ratio_female_to_male_labour_force_participation", "2019",
                        "female / male participation (China, ILO modelled)", scale=0.01)]

    for key, indicator, unit in (
        ("lfp_male_15plus", "male_labour_force_participation", "share of men 15+ (China, ILO modelled)"),
        ("motherhood_wage_penalty_per_child", "motherhood_wage_penalty_per_child", "relative hourly wage loss per child"),
        ("nursery_enrolment_share_under3", "under3_nursery_enrolment_share", "share of children under 3 (China)"),
        ("grandparent_care_share_under3", "under3_with_some_grandparent_care_share", "share of children under 3 (China)"),
    ):
        found = ctx.rows(indicator=indicator)
        assert len(found) == 1, indicator
        r = found.iloc[0]
        rows.append([key, float(r["value"]), unit, r["year"], ctx.ref(r["_row"], f"{indicator}")])

    v, row = cost.one(geography="China", indicator="ivf_cost_per_cycle_before_insurance")
    low, high = (int(x) for x in v.split("-"))
    for key, val in (("ivf_cost_per_cycle_low", low), ("ivf_cost_per_cycle_high", high)):
        rows.append([key, val, "yuan per cycle before insurance (China)", "2025",
                     cost.ref(row, f"ivf_cost_per_cycle_before_insurance {v}")])

    law_workers = ("law: State Council Interim Measures on Workers' Retirement and Resignation "
                   "(国务院关于工人退休、退职的暂行办法, Guofa [1978] No. 104)")
    law_cadres = ("law: State Council Interim Measures on Placing Old, Weak, Sick and Disabled Cadres "
                  "(国务院关于安置老弱病残干部的暂行办法, Guofa [1978] No. 104)")
    rows.append(["retirement_age_men", 60, "years", "1978", law_workers + " and " + law_cadres.removeprefix("law: ")])
    rows.append(["retirement_age_women_workers", 50, "years", "1978", law_workers])
    rows.append(["retirement_age_women_cadres", 55, "years", "1978", law_cadres])
    return rows


def build_targets(vital: Table, ctx: Table) -> list[list]:
    pop_2021 = 21_886_000
    issue = "issue #2 (Beijing 2021 statistical communique; not in shared/data)"
    rows = [["population_year_end", 2021, pop_2021, round(pop_2021 * 0.97), round(pop_2021 * 1.03), "persons",
             issue + "; low/high = value -/+ 3 % (tolerance from issue #2)"]]
    for name, indicator in (("crude_birth_rate", "resident_crude_birth_rate"),
                            ("crude_death_rate", "resident_crude_death_rate")):
        for year in range(2016, 2020):
            v, row = vital.one(year=str(year), indicator=indicator)
            rows.append([name, year, float(v), None, None, "per 1,000 residents", vital.ref(row, indicator)])
    rows.append(["tfr", 2021, None, None, 1.2, "children per woman",
                 "assumption (issue #2): Beijing TFR at most 1.2; no Beijing TFR in shared/data (SOURCES.md)"])
    rows.append(["mean_age_first_birth", 2021, None, 29.0, 31.0, "years", "issue #2 (range; not in shared/data)"])
    for name, indicator in (("mean_age_first_marriage_women", "mean_age_first_marriage_women"),
                            ("mean_age_first_marriage_men", "mean_age_first_marriage_men")):
        v, row = ctx.one(indicator=indicator, year="2020")
        rows.append([name, 2021, None, float(v), None, "years",
                     "assumption: national 2020 mean is a lower bound for Beijing 2021 (later marriage in Beijing, "
                     "rising trend); " + ctx.ref(row, f"{indicator} 2020")])
    return rows


# --- policy history ----------------------------------------------------------------

def lever(name: str, comments: list[str], schedule: dict[str, object]) -> str:
    """TOML text of one lever table of a policy history, its source comments above it."""
    sched = ", ".join(f"{k} = {v!r}" for k, v in schedule.items())   # repr keeps 1.0 a float
    return "\n".join([*(f"# {c}" for c in comments), f"[{name}]", f"schedule = {{ {sched} }}",
                      'eligibility = "all"', ""])


def policy_history(pol: Table) -> str:
    """TOML text of the Beijing baseline lever schedules, each with comments naming its sources."""
    def val(policy, parameter, **kw):
        v, row = pol.one(policy=policy, parameter=parameter, **kw)
        return v, pol.ref(row, f"{policy}, {parameter}")

    two, r_two = val("birth policy timeline", "universal two-child in force (Population and Family Planning Law amended 2015-12-27)")
    three, r_three = val("birth policy timeline", "three-child policy announced")
    _, r_law = val("birth policy timeline", "three-child policy written into law (Population and Family Planning Law amended)")
    _, r_bj = val("birth number limit", "children_per_couple")
    base, r_base = val("statutory maternity leave 产假", "base_days")
    ext_old, r_old = val("extended maternity leave 延长生育假 (before 2021 amendment)", "days")
    ext_new, r_new = val("extended maternity leave 延长生育假 (on top of national 98 days)", "days")
    pat, r_pat = val("paternity leave 陪产假", "days")
    par, r_par = val("parental leave 育儿假", "days_per_parent_per_year")
    tax = pol.rows(parameter="deduction_per_child_per_month").query("policy.str.contains('under 3')")
    cc, r_cc = val("national childcare subsidy 育儿补贴", "subsidy_per_child_per_year")
    _, r_art = val("ART (assisted reproduction) in basic medical insurance", "items_covered")
    nursery = {p: val('nursery (托位) places per 1,000 population', p)
               for p in ("baseline_before_plan", "actual_end_2021", "actual_end_2022", "actual_end_2023",
                         "actual_end_2024", "actual_oct_2025", "target_end_2025")}
    (t1, tr1), (t2, tr2) = [(r["value"], pol.ref(r["_row"], f"infant tax deduction from {r['effective_date']}"))
                            for _, r in tax.sort_values("effective_date").iterrows()]

    n = {k: float(v) for k, (v, _) in nursery.items()}
    fee20, rf20 = val("nursery price", "average_monthly_fee_2020")
    fee25, rf25 = val("nursery price", "average_monthly_fee_2025")
    parts = [
        "# Beijing baseline policy history (DESIGN §4). Generated by sim/packs/build_beijing.py; do not edit.\n"
        "# A key is a year (value holds from 1 January) or a year-month (from the 1st of that month).\n"
        "# Values in force before the first dated change whose start is not in shared/data are keyed\n"
        "# 2021, the pack's earliest start year: the key says only that they held on 2021-01-01.\n",
        lever("birth_limit", [
            f"2 from 2016-01-01: {r_two}",
            f"3 from 2021-06: announced 2021-05-31, {r_three}; assumption: in force from the next whole month",
            f"(followed by the national law of 2021-08-20, {r_law}, and the Beijing regulation of 2021-11-26, {r_bj})"],
            {"2016": int(two), "2021-06": int(three)}),
        lever("maternity_leave_days", [
            f"{base} + {ext_old} = {int(base) + int(ext_old)} before the amendment: {r_base}; {r_old}",
            f"{base} + {ext_new} = {int(base) + int(ext_new)} after: {r_new}",
            "assumption: the amendment adopted 2021-11-26 applies from 2021-12 (effective date not in the source)"],
            {"2021": int(base) + int(ext_old), "2021-12": int(base) + int(ext_new)}),
        lever("paternity_leave_days", [
            f"{pat} days: {r_pat}",
            "assumption: the same 15 days held before the 2021-11-26 amendment (the earlier value is NOT in",
            "shared/data; the 2021 report lists 15 days without calling it new)"],
            {"2021": int(pat)}),
        lever("parental_leave_days", [
            f"{par} working days per parent per year while the child is under 3: {r_par}",
            "assumption: 0 before (parental leave was created by the 2021 amendment); from 2021-12 as maternity leave"],
            {"2021": 0, "2021-12": int(par)}),
        lever("tax_deduction_infant", [
            f"{t1} yuan/month from 2022-01-01: {tr1}",
            f"{t2} yuan/month from 2023-01-01: {tr2}",
            "0 before 2022: the deduction was introduced by the 2022 circular (same row)"],
            {"2021": 0, "2022": int(t1), "2023": int(t2)}),
        lever("art_coverage", [
            f"ART insured in Beijing from 2023-07-01: {r_art}",
            "assumption: share reimbursed 0.5 -- the reimbursed share is NOT in shared/data; 0 before coverage"],
            {"2021": 0, "2023-07": 0.5}),
        lever("childcare_subsidy", [
            f"{cc} yuan/year per child under 3 = {int(cc) // 12} yuan/month (derived: /12) from 2025-01-01: {r_cc}",
            "announced 2025-07-28 and paid retroactively; the pro-rated amounts for children born 2022-2024 are not modelled"],
            {"2021": 0, "2025": int(cc) // 12}),
        lever("nursery_places_per_1000", [
            "NATIONAL figures (no Beijing nursery places in shared/data); a year-end stock holds from December",
            f"1.8 before the plan: {nursery['baseline_before_plan'][1]} (baseline year not stated; keyed 2021)",
            *(f"{nursery[k][0]} {k}: {nursery[k][1]}" for k in
              ("actual_end_2021", "actual_end_2022", "actual_end_2023", "actual_end_2024", "actual_oct_2025")),
            f"(the 4.5 target for end-2025, {nursery['target_end_2025'][1]}, was passed by Oct 2025;",
            "4.7 is a lower bound -- 'more than 4.7' -- and is held after 2025-10)"],
            {"2021": n["baseline_before_plan"], "2021-12": n["actual_end_2021"], "2022-12": n["actual_end_2022"],
             "2023-12": n["actual_end_2023"], "2024-12": n["actual_end_2024"], "2025-10": n["actual_oct_2025"]}),
        lever("nursery_fee", [
            f"{fee20} yuan/month in 2020: {rf20}",
            f"{fee25} yuan/month in 2025: {rf25}",
            "assumption: the fee at inclusive nurseries is the NATIONAL average fee (no Beijing price in",
            "shared/data); 2020's value holds 2021-2024, 2025's from 2025"],
            {"2021": int(fee20), "2025": int(fee25)}),
        lever("leave_pay_rate", [
            "assumption: 1.0 -- maternity insurance pays the employer's average wage during leave; not in shared/data"],
            {"2021": 1.0}),
    ]
    return "\n".join(parts)


# --- main ----------------------------------------------------------------------------

def build(shared: Path = DEFAULT_SHARED, out: Path = DEFAULT_OUT) -> dict[str, np.ndarray]:
    """Write every generated pack file into ``out``; returns the population array (101, 2) for reporting."""
    shared, out = Path(shared), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    census = Table(shared, "beijing_2020_census.csv")
    pop = Table(shared, "china_population_2020_by_age_sex.csv")
    mort = Table(shared, "china_mortality_2020.csv")
    vital = Table(shared, "beijing_vital_rates_2016_2020.csv")
    asfr = Table(shared, "china_asfr.csv")
    ctx = Table(shared, "context_facts.csv")
    cost = Table(shared, "child_cost_and_income.csv")
    pol = Table(shared, "policy_parameters.csv")

    facts = census_facts(census)
    districts, district_sum = build_districts(census)
    if district_sum != facts["total_population"][0]:
        raise ValueError(f"districts sum to {district_sum}, census total is {facts['total_population'][0]}")
    persons, pop_rows = build_population(pop, facts)
    write_pack(out, {
        "districts.csv": districts, "census.csv": [[k, *v[:3]] for k, v in facts.items()],
        "population_age_sex.csv": pop_rows, "mortality.csv": build_mortality(mort),
        "vital_rates.csv": build_vital_rates(vital), "fertility.csv": build_fertility(asfr, pop, ctx),
        "education.csv": build_education(), "economy.csv": build_economy(cost, ctx),
        "targets.csv": build_targets(vital, ctx)}, policy_history(pol))
    return {"population_age_sex": persons}


# --- the pack's files, for every region pack ---------------------------------------------
PACK_COLUMNS = {
    "districts.csv": ["index", "name", "name_zh", "persons", "source"],
    "census.csv": ["key", "value", "unit", "source"],
    "population_age_sex.csv": ["age", "sex", "persons", "source"],
    "mortality.csv": ["sex", "age", "mx_2015_2020", "mx_2020_2025", "annual_decline", "source"],
    "vital_rates.csv": ["year", "indicator", "value", "unit", "source"],
    "fertility.csv": ["key", "value", "unit", "source"],
    "education.csv": ["age_band_start", "sex", "share_primary", "share_junior", "share_senior", "share_tertiary",
                      "source"],
    "economy.csv": ["key", "value", "unit", "year", "source"],
    "targets.csv": ["name", "year", "value", "low", "high", "unit", "source"],
}
GENERATED_FILES = (*PACK_COLUMNS, "policy_history.toml")


def write_pack(out: Path, rows: dict[str, list[list]], policy_toml: str) -> None:
    """Write a pack's CSV files (``rows`` by file name, columns ``PACK_COLUMNS``) and its policy history."""
    if set(rows) != set(PACK_COLUMNS):
        raise ValueError(f"pack files {sorted(rows)}, expected {sorted(PACK_COLUMNS)}")
    for name, columns in PACK_COLUMNS.items():
        write_csv(out / name, columns, rows[name])
    (out / "policy_history.toml").write_text(policy_toml, encoding="utf-8", newline="\n")


def pack_main(argv: list[str] | None, region: str, build, default_out: Path) -> None:
    """The command line of a pack builder: ``[--shared PATH] [--out DIR]``."""
    ap = argparse.ArgumentParser(description=f"Build the {region} region pack from shared/data.")
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED, help="shared data dir (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=default_out, help="pack dir to write (default: %(default)s)")
    args = ap.parse_args(argv)
    if not args.shared.is_dir():
        raise SystemExit(f"shared data directory not found: {args.shared}")
    build(args.shared, args.out)
    print(f"wrote {len(GENERATED_FILES)} files to {args.out}")


def main(argv: list[str] | None = None) -> None:
    pack_main(argv, "beijing", build, DEFAULT_OUT)


if __name__ == "__main__":
    main()
