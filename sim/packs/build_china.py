"""Build the ``china`` (national) region pack from ``../shared/data``.

In: the CSV files of ``shared/data`` (described in its ``SOURCES.md``).
Out: the pack files in ``sim/packs/china/`` -- the same files as the ``beijing`` pack
(``districts.csv``, ``census.csv``, ``population_age_sex.csv``, ``mortality.csv``,
``vital_rates.csv``, ``fertility.csv``, ``education.csv``, ``economy.csv``,
``targets.csv`` and ``policy_history.toml``), byte-for-byte deterministic. The base
population is the national one of 1 July 2010, so runs start in 2011 (back-tests of the
2016 two-child policy); the 2015 population and the 2000-2015 fertility are reference
data and calibration targets. The pack's ``README.md`` is written by hand and explains
every method and assumption used here.

Usage: ``python -m sim.packs.build_china [--shared PATH] [--out DIR]``
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from sim.packs.build_beijing import GENERATED_FILES  # noqa: F401 (the files a build writes, as in every pack)
from sim.packs.build_beijing import (DEFAULT_SHARED, MAX_AGE, SEXES, Table, build_education, build_mortality,
                                     context_rows, economy_row, largest_remainder, lever, national_economy, pack_main,
                                     split_single_years, write_pack)

DEFAULT_OUT = Path(__file__).resolve().parent / "china"
BASE_DATE, CHECK_DATE = "2010-07-01", "2015-07-01"
COHORT_SEX_RATIO_BELOW = 50     # 2010 groups under 50: sex ratio of the same cohort in 2020 (ten years older)
TARGET_YEARS = range(2011, 2016)  # calibration targets: data up to 2015 only
POPULATION_TOLERANCE = 0.01     # assumption: +-1 % around the 2015 population (see README)
MIN_SCALE = 0.00001             # smallest scale a config may ask for: 13,482 simulated persons
FAMILY_HOUSEHOLD_SIZE = 3.1     # assumption: persons per family household (not in shared/data; README)
WPP2019 = "UN WPP2019 Estimates (older revision; see SOURCES.md)"
WPP2022 = "UN WPP2022 Estimates (file POP/02-1)"

# Highest education level (completed, or being attended at ages 15-24) by age band.
# NOT DATA: shared/data has no education figures. assumption (README, assumption 7).
EDUCATION_ASSUMED = {  # band start: (primary or less, junior, senior, tertiary), both sexes
    0: (1.00, 0.00, 0.00, 0.00), 6: (1.00, 0.00, 0.00, 0.00),
    15: (0.05, 0.50, 0.35, 0.10), 20: (0.10, 0.45, 0.25, 0.20), 25: (0.10, 0.45, 0.25, 0.20),
    30: (0.15, 0.50, 0.20, 0.15), 35: (0.20, 0.50, 0.20, 0.10), 40: (0.25, 0.50, 0.17, 0.08),
    45: (0.30, 0.45, 0.18, 0.07), 50: (0.40, 0.35, 0.18, 0.07), 55: (0.50, 0.30, 0.15, 0.05),
    60: (0.60, 0.25, 0.10, 0.05), 65: (0.70, 0.18, 0.08, 0.04), 70: (0.80, 0.12, 0.05, 0.03),
}


def _lower(age_group: str) -> int:
    return int(age_group.rstrip("+").split("-")[0])


def _group_label(lower: int) -> str:
    return f"{lower}+" if lower == MAX_AGE else f"{lower}-{lower + 4}"


# --- population ----------------------------------------------------------------------

def build_population(pop: Table, pop20: Table) -> tuple[np.ndarray, list[list]]:
    """Persons (101, 2) by single year and sex on 2010-07-01; every five-year group total kept exactly."""
    both = pop.rows(reference_date=BASE_DATE)
    lower = np.array([_lower(g) for g in both["age_group"]])
    n_both = both["population_persons"].astype(np.int64).to_numpy()
    m19 = pop20.rows(sex="male", dataset=WPP2019)
    f19 = pop20.rows(sex="female", dataset=WPP2019)
    assert len(lower) == len(m19) == len(f19) == 21 and (m19["age_start"].astype(int).to_numpy() == lower).all()
    n_m, n_f = (t["population_persons"].astype(float).to_numpy() for t in (m19, f19))
    # 2010 group i: the same cohort in 2020 (group i + 2) below 50, the same ages in 2020 from 50
    source = np.where(lower < COHORT_SEX_RATIO_BELOW, np.arange(21) + 2, np.arange(21))
    male_share = n_m[source] / (n_m[source] + n_f[source])

    male_groups = largest_remainder(n_both * male_share, int(round(float((n_both * male_share).sum()))))
    cells = np.column_stack([male_groups, n_both - male_groups])
    group_of = np.searchsorted(lower, np.arange(MAX_AGE + 1), side="right") - 1
    persons = np.zeros((MAX_AGE + 1, 2), np.int64)
    for s in range(2):
        single = split_single_years(cells[:, s].astype(float), lower)
        for g in range(len(lower)):
            persons[group_of == g, s] = largest_remainder(single[group_of == g], int(cells[g, s]))
    if not all(persons[group_of == g].sum() == n_both[g] for g in range(len(lower))):
        raise RuntimeError("population does not match the five-year groups")

    rows = []
    for s, sex in enumerate(SEXES):
        for a in range(MAX_AGE + 1):
            g = group_of[a]
            j = source[g]
            src = (f"derived: WPP2022 national group {_group_label(lower[g])} on {BASE_DATE} "
                   f"(shared/data/china_population_2010_2015_by_age.csv row {both['_row'].iloc[g]}) split by the WPP2019 "
                   f"male share of the {'same cohort' if j != g else 'same ages'} in 2020 (group "
                   f"{_group_label(lower[j])}, shared/data/china_population_2020_by_age_sex.csv rows "
                   f"{m19['_row'].iloc[j]}, {f19['_row'].iloc[j]}), single years by PCHIP, integer by largest "
                   f"remainder; see README")
            rows.append([a, sex, persons[a, s], src])
    return persons, rows


def census_rows(persons: np.ndarray, pop: Table) -> list[list]:
    """census.csv: totals and broad ages of the base population, households and settings."""
    base_rows = pop.rows(reference_date=BASE_DATE)["_row"]
    span = f"shared/data/china_population_2010_2015_by_age.csv rows {base_rows.min()}-{base_rows.max()}"
    derived = f"derived: sum of population_age_sex.csv ({span}, split by sex as in the README)"
    total = int(persons.sum())
    male, female = (int(x) for x in persons.sum(axis=0))
    broad = {"age_0_14": persons[0:15], "age_15_59": persons[15:60], "age_60_plus": persons[60:],
             "age_65_plus": persons[65:]}
    family_households = int(round(total / FAMILY_HOUSEHOLD_SIZE))
    households = (f"assumption: every resident in a family household of {FAMILY_HOUSEHOLD_SIZE} persons on average "
                  "(national household counts are not in shared/data; see README, assumption 5)")
    rows = [
        ["total_population", total, "persons", f"{span} (sum of the 21 five-year groups, WPP2022, {BASE_DATE})"],
        ["male", male, "persons", derived],
        ["female", female, "persons", derived],
        *([key, int(part.sum()), "persons", derived] for key, part in broad.items()),
        ["sex_ratio", round(100 * male / female, 3), "males per 100 females", derived],
        ["nonlocal_persons", 0, "persons", "assumption: hukou is not represented in the national pack (README, assumption 6)"],
        ["nonlocal_share", 0.0, "share of residents", "assumption: hukou is not represented in the national pack (README, assumption 6)"],
        ["family_households", family_households, "households", households],
        ["family_household_population", total, "persons", households],
        ["collective_households", 0, "households", households],
        ["collective_household_population", 0, "persons", households],
        ["average_family_household_size", FAMILY_HOUSEHOLD_SIZE, "persons per family household", households],
        ["census_date", BASE_DATE, "date",
         f"shared/data/china_population_2010_2015_by_age.csv row {base_rows.min()} (reference_date; a WPP mid-year "
         "estimate, not a census: runs start on 1 January 2011)"],
        ["min_scale", MIN_SCALE, "share of the real population",
         f"assumption: the smallest scale a config may ask for ({MIN_SCALE:g} = {int(total * MIN_SCALE):,} simulated "
         "persons); the national population is too large for the default 0.001"],
    ]
    return rows


# --- rates and facts ----------------------------------------------------------------------

def build_vital_rates(asfr: Table, pop: Table, pop20: Table) -> list[list]:
    """National TFR and ASFR 2000-2015 (WPP2024), the five-year population of 2010, 2015 and 2020
    (WPP2022) and the 2020 census counts. The 2020 rows are out-of-sample reference data for the
    back-test, never calibration targets."""
    rows = []
    for year in range(2000, 2016):
        v, row = asfr.one(year=str(year), age_group="all", indicator="tfr", wpp_revision="WPP2024")
        rows.append([year, "tfr", float(v), "children per woman", asfr.ref(row, "WPP2024 tfr")])
        for a in range(15, 50, 5):
            v, row = asfr.one(year=str(year), age_group=f"{a}-{a + 4}", indicator="asfr", wpp_revision="WPP2024")
            rows.append([year, f"asfr_{a}_{a + 4}", float(v), "births per woman per year",
                         asfr.ref(row, "WPP2024 derived: tfr*pasfr/100/5")])
    groups = [(pop, r) for date in (BASE_DATE, CHECK_DATE) for _, r in pop.rows(reference_date=date).iterrows()]
    groups += [(pop20, r) for _, r in pop20.rows(sex="both", dataset=WPP2022).iterrows()]
    for table, r in groups:
        label = r["age_group"].replace("-", "_").replace("+", "_plus")
        date = r["reference_date"]
        rows.append([int(date[:4]), f"population_{label}", int(r["population_persons"]),
                     f"persons on {date}, both sexes", table.ref(r["_row"], f"WPP2022 {r['age_group']} {date}")])
    for _, r in pop20.rows(sex="both", reference_date="2020-11-01").iterrows():
        label = r["age_group"].replace("-", "_").replace("+", "_plus")
        rows.append([2020, f"census_population_{label}", int(r["population_persons"]),
                     "persons on 2020-11-01 (7th census), both sexes", pop20.ref(r["_row"], f"NBS census {r['age_group']}")])
    return rows


def build_fertility(asfr: Table, pop20: Table, ctx: Table) -> list[list]:
    rows = []
    for a in range(15, 50, 5):
        v, row = asfr.one(year="2010", age_group=f"{a}-{a + 4}", indicator="asfr", wpp_revision="WPP2024")
        rows.append([f"asfr_{a}_{a + 4}", float(v), "births per woman per year (China, 2010)",
                     asfr.ref(row, "WPP2024 derived: tfr*pasfr/100/5")])
    v, row = asfr.one(year="2010", age_group="all", indicator="tfr", wpp_revision="WPP2024")
    rows.append(["tfr_national_2010", float(v), "children per woman", asfr.ref(row, "WPP2024 tfr 2010")])

    m, rm = pop20.one(col="population_persons", sex="male", age_group="5-9", dataset=WPP2019)
    f, rf = pop20.one(col="population_persons", sex="female", age_group="5-9", dataset=WPP2019)
    rows.append(["sex_ratio_at_birth", round(100 * int(m) / int(f), 3), "boys per 100 girls",
                 f"derived: 100 x males / females aged 5-9 in 2020 (born mid-2010 to mid-2015), "
                 f"shared/data/china_population_2020_by_age_sex.csv rows {rm}, {rf} (WPP2019); proxy for the "
                 f"2011-2015 SRB (assumption: see README)"])

    women_2010, r10 = ctx.one(indicator="mean_age_first_marriage_women", year="2010")
    women_2020, r20w = ctx.one(indicator="mean_age_first_marriage_women", year="2020")
    men_2020, r20m = ctx.one(indicator="mean_age_first_marriage_men", year="2020")
    rows.append(["mean_age_first_marriage_women", float(women_2010), "years (China, 2010)",
                 ctx.ref(r10, "mean_age_first_marriage_women 2010")])
    rows.append(["mean_age_first_marriage_men", round(float(women_2010) + float(men_2020) - float(women_2020), 2),
                 "years (China, 2010)",
                 f"derived: women's 2010 mean + the 2020 gap men - women, {ctx.ref(r10, '2010 women')}, "
                 f"rows {r20m}, {r20w} (2020 men, women); the men's 2010 mean is not in shared/data (assumption)"])

    return rows + context_rows(ctx, (
        ("ideal_children_women_2017", "ideal_number_of_children_women", "2017", "children"),
        ("intended_children_women_2017", "intended_number_of_children_women", "2017", "children"),
        ("intended_children_women_2021", "intended_number_of_children_women", "2021", "children"),
        ("tfr_average_2006_2016", "tfr_average_2006_2016", "2006-2016", "children per woman (urban 1.34, rural 1.99)"),
        ("tfr_census_national_2020", "tfr_census", "2020", "children per woman (out of sample: not a target)"),
        ("infertility_share_at_risk", "infertility_share_women_at_risk", "2010s", "share of women"),
        ("infertility_share_trying", "infertility_share_women_trying", "2010s", "share of women trying to conceive"),
        ("infertile_seeking_care_share", "infertile_women_seeking_care_share", "2010s", "share of infertile women"),
    ))


def build_economy(cost: Table, ctx: Table) -> list[list]:
    """National child cost and (derived) incomes of 2019, then the national rows every pack has."""
    child_cost, r_cost = cost.one(geography="China", indicator="cost_of_raising_child_age_0_17", data_year="2019")
    ratio, r_ratio = cost.one(geography="China", indicator="cost_of_raising_child_to_GDP_per_capita_ratio", data_year="2019")
    bj = {key: cost.one(geography="Beijing", indicator=indicator, data_year="2023")
          for key, indicator in (("income", "disposable_income_per_capita_all_residents"),
                                 ("wage", "wage_income_per_capita_all_residents"), ("gdp", "gdp_per_capita"))}
    gdp = int(round(int(child_cost) / float(ratio)))
    income = int(round(gdp * int(bj["income"][0]) / int(bj["gdp"][0])))
    wage = int(round(income * int(bj["wage"][0]) / int(bj["income"][0])))
    unit = "yuan per person per year (China, derived)"
    rows = [
        ["disposable_income_per_capita", income, unit, "2019",
         "derived: national GDP per capita (gdp_per_capita) x Beijing's disposable income / GDP per capita in 2023, "
         f"{cost.ref(bj['income'][1], 'Beijing income 2023')}, {cost.ref(bj['gdp'][1], 'Beijing GDP 2023')}; "
         "national income is not in shared/data (assumption: see README)"],
        ["wage_income_per_capita", wage, unit, "2019",
         "derived: national disposable income x Beijing's wage share of disposable income in 2023, "
         f"{cost.ref(bj['wage'][1], 'Beijing wage income 2023')} (assumption: see README)"],
        ["gdp_per_capita", gdp, unit, "2019",
         f"derived: national cost of a child 0-17 / its ratio to GDP per capita, {cost.ref(r_cost, 'cost 2019')}, "
         f"{cost.ref(r_ratio, f'ratio {ratio}')}"],
        economy_row(cost, "child_cost_0_17_2019", "China", "cost_of_raising_child_age_0_17", "2019",
                    "yuan, total ages 0-17 (YuWa estimate, China)"),
        economy_row(cost, "child_cost_0_17_2022", "China", "cost_of_raising_child_age_0_17", "2022",
                    "yuan, total ages 0-17 (YuWa estimate, China)"),
    ]
    return rows + national_economy(cost, ctx)


def build_targets(asfr: Table, pop: Table, ctx: Table) -> list[list]:
    """Calibration targets, all in 2011-2015 (data up to 2015 only)."""
    rows = []
    for year in TARGET_YEARS:
        v, row = asfr.one(year=str(year), age_group="all", indicator="tfr", wpp_revision="WPP2024")
        rows.append(["tfr", year, float(v), None, None, "children per woman", asfr.ref(row, f"WPP2024 tfr {year}")])
    for a in (20, 25, 30):
        v, row = asfr.one(year="2015", age_group=f"{a}-{a + 4}", indicator="asfr", wpp_revision="WPP2024")
        rows.append([f"asfr_{a}_{a + 4}", 2015, float(v), None, None, "births per woman per year",
                     asfr.ref(row, "WPP2024 derived: tfr*pasfr/100/5")])
    check = pop.rows(reference_date=CHECK_DATE)
    total = int(check["population_persons"].astype(np.int64).sum())
    rows.append(["population_year_end", 2015, total, round(total * (1 - POPULATION_TOLERANCE)),
                 round(total * (1 + POPULATION_TOLERANCE)), "persons",
                 f"shared/data/china_population_2010_2015_by_age.csv rows {check['_row'].min()}-{check['_row'].max()} "
                 f"(sum, {CHECK_DATE}); the model's year-end 2015 is compared (its clock starts on 1 January 2011 from "
                 f"the {BASE_DATE} population); low/high = value -/+ 1 % (assumption)"])
    w10, r10 = ctx.one(indicator="mean_age_first_marriage_women", year="2010")
    w20, r20 = ctx.one(indicator="mean_age_first_marriage_women", year="2020")
    rows.append(["mean_age_first_marriage_women", 2015, None, float(w10), float(w20), "years",
                 f"assumption: between the 2010 and 2020 national means, {ctx.ref(r10, '2010')}, "
                 f"{ctx.ref(r20, '2020')}"])
    return rows


# --- policy history ----------------------------------------------------------------

def next_whole_month(date: str) -> str:
    """A schedule key for the first whole month from ``date`` (YYYY-MM-DD): its month if it is the
    1st, else the next one, e.g. "2014-02-21" -> "2014-03"."""
    year, month, day = (int(x) for x in date.split("-"))
    if day > 1:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return f"{year}" if month == 1 else f"{year}-{month:02d}"


def policy_history(pol: Table) -> str:
    """TOML text of the national lever schedules 2011 on, each with comments naming its sources."""
    def val(policy, parameter, **kw):
        v, row = pol.one(policy=policy, parameter=parameter, **kw)
        return v, pol.ref(row, f"{policy}, {parameter}")

    sel, r_sel = val("birth policy timeline", "selective two-child (单独二孩) decided")
    sel_allowed = int(re.search(r"may have (\d+) children", sel)[1])           # the row's value: "... may have 2 children"
    sel_bj_date, _ = pol.one("effective_date", policy="birth policy timeline",
                             parameter="selective two-child implemented in Beijing")
    _, r_sel_bj = val("birth policy timeline", "selective two-child implemented in Beijing")
    sel_start = next_whole_month(sel_bj_date)
    _, r_ann = val("birth policy timeline", "universal two-child announced")
    two, r_two = val("birth policy timeline", "universal two-child in force (Population and Family Planning Law amended 2015-12-27)")
    three, r_three = val("birth policy timeline", "three-child policy announced")
    _, r_law = val("birth policy timeline", "three-child policy written into law (Population and Family Planning Law amended)")
    base, r_base = val("statutory maternity leave 产假", "base_days")
    tax = pol.rows(parameter="deduction_per_child_per_month").query("policy.str.contains('under 3')")
    (t1, tr1), (t2, tr2) = [(r["value"], pol.ref(r["_row"], f"infant tax deduction from {r['effective_date']}"))
                            for _, r in tax.sort_values("effective_date").iterrows()]
    edu = pol.rows(parameter="deduction_per_child_per_month").query("policy.str.contains('education')")
    assert len(edu) == 1
    e2, er2 = edu.iloc[0]["value"], pol.ref(edu.iloc[0]["_row"], "education deduction from 2023-01-01, raised from 1,000")
    cc, r_cc = val("national childcare subsidy 育儿补贴", "subsidy_per_child_per_year")
    _, r_art = val("ART in medical insurance", "provinces_covering_ART_by_2025")
    nursery = {p: val('nursery (托位) places per 1,000 population', p)
               for p in ("baseline_before_plan", "actual_end_2021", "actual_end_2022", "actual_end_2023",
                         "actual_end_2024", "actual_oct_2025", "target_end_2025")}
    n = {k: float(v) for k, (v, _) in nursery.items()}
    fee20, rf20 = val("nursery price", "average_monthly_fee_2020")
    fee25, rf25 = val("nursery price", "average_monthly_fee_2025")
    parts = [
        "# China (national) policy history (DESIGN §4). Generated by sim/packs/build_china.py; do not edit.\n"
        "# A key is a year (value holds from 1 January) or a year-month (from the 1st of that month).\n"
        "# Values in force before the first dated change whose start is not in shared/data are keyed\n"
        "# 2011, the pack's earliest start year: the key says only that they held on 2011-01-01.\n",
        lever("birth_limit", [
            "1 before 2016: the one-child rules (1980 on; not in shared/data) with the urban/rural simplification",
            "of the README (assumption 12a): the rural 1.5-child rule, minorities' exceptions and non-compliance are",
            "the couples whom the limit does not bind (parameter birth_limit_compliance < 1, calibrated to 2011-2015)",
            "(the selective two-child rule of 2014 is birth_limit_only_child, below)",
            f"2 from 2016-01-01: {r_two} (announced 2015-10-29, {r_ann})",
            f"3 from 2021-06: announced 2021-05-31, {r_three}; assumption: in force from the next whole month",
            f"(written into law 2021-08-20, {r_law})"],
            {"2011": 1, "2016": int(two), "2021-06": int(three)}),
        lever("birth_limit_only_child", [
            f"selective two-child (单独二孩): {sel_allowed} children for couples in which a parent is an only child,",
            f"decided late 2013, {r_sel}; implemented by province in 2014.",
            f"{sel_allowed} from {sel_start}: assumption: the national implementation is taken at Beijing's date,",
            f"{sel_bj_date} ({r_sel_bj}), in force from the next whole month; the other provinces'",
            "dates are not in shared/data",
            "0 (= as birth_limit) before, and again from 2016-01-01, when the universal two-child limit",
            f"({r_two}) makes the rule moot",
            "who is in such a couple: a share of couples derived from the start population (README, assumption 12b)"],
            {"2011": 0, sel_start: sel_allowed, "2016": 0}),
        lever("maternity_leave_days", [
            f"{base} days, national statutory leave: {r_base}",
            "assumption: 98 days from 2011 (the regulation's effective date is not in shared/data; provincial",
            "extensions are not in the national pack)"],
            {"2011": int(base)}),
        lever("tax_deduction_infant", [
            f"{t1} yuan/month from 2022-01-01: {tr1}",
            f"{t2} yuan/month from 2023-01-01: {tr2}",
            "0 before 2022: the deduction was introduced by the 2022 circular (same row)"],
            {"2011": 0, "2022": int(t1), "2023": int(t2)}),
        lever("tax_deduction_education", [
            f"{e2} yuan/month from 2023-01-01: {er2}",
            "1000 from 2019-01-01: law: State Council Interim Measures for the Special Additional Deductions of",
            "Individual Income Tax (个人所得税专项附加扣除暂行办法, Guofa [2018] No. 41), in force 2019-01-01; 0 before"],
            {"2011": 0, "2019": 1000, "2023": int(e2)}),
        lever("childcare_subsidy", [
            f"{cc} yuan/year per child under 3 = {int(cc) // 12} yuan/month (derived: /12) from 2025-01-01: {r_cc}",
            "announced 2025-07-28 and paid retroactively; the pro-rated amounts for children born 2022-2024 are not modelled"],
            {"2011": 0, "2025": int(cc) // 12}),
        lever("art_coverage", [
            f"all 31 provinces insured ART by May 2025: {r_art}",
            "assumption: share reimbursed 0.5 from 2025-05 (the share is NOT in shared/data, as in the beijing",
            "pack); the provinces' earlier, staggered starts (Beijing 2023-07) are not in the national schedule"],
            {"2011": 0, "2025-05": 0.5}),
        lever("nursery_places_per_1000", [
            "national figures; a year-end stock holds from December",
            f"1.8 before the plan: {nursery['baseline_before_plan'][1]}; assumption: held from 2011 (earlier",
            "values are not in shared/data)",
            *(f"{nursery[k][0]} {k}: {nursery[k][1]}" for k in
              ("actual_end_2021", "actual_end_2022", "actual_end_2023", "actual_end_2024", "actual_oct_2025")),
            f"(the 4.5 target for end-2025, {nursery['target_end_2025'][1]}, was passed by Oct 2025;",
            "4.7 is a lower bound -- 'more than 4.7' -- and is held after 2025-10)"],
            {"2011": n["baseline_before_plan"], "2021-12": n["actual_end_2021"], "2022-12": n["actual_end_2022"],
             "2023-12": n["actual_end_2023"], "2024-12": n["actual_end_2024"], "2025-10": n["actual_oct_2025"]}),
        lever("nursery_fee", [
            f"{fee20} yuan/month in 2020: {rf20}",
            f"{fee25} yuan/month in 2025: {rf25}",
            "assumption: 2020's average fee holds 2011-2024 (earlier fees are not in shared/data), 2025's from 2025"],
            {"2011": int(fee20), "2025": int(fee25)}),
        lever("leave_pay_rate", [
            "assumption: 1.0 -- maternity insurance pays the employer's average wage during leave; not in shared/data"],
            {"2011": 1.0}),
    ]
    return "\n".join(parts)


# --- main ----------------------------------------------------------------------------

def build(shared: Path = DEFAULT_SHARED, out: Path = DEFAULT_OUT) -> dict[str, np.ndarray]:
    """Write every generated pack file into ``out``; returns the population array (101, 2) for reporting."""
    shared, out = Path(shared), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pop = Table(shared, "china_population_2010_2015_by_age.csv")
    pop20 = Table(shared, "china_population_2020_by_age_sex.csv")
    mort = Table(shared, "china_mortality_2020.csv")
    asfr = Table(shared, "china_asfr.csv")
    ctx = Table(shared, "context_facts.csv")
    cost = Table(shared, "child_cost_and_income.csv")
    pol = Table(shared, "policy_parameters.csv")

    persons, pop_rows = build_population(pop, pop20)
    census = census_rows(persons, pop)
    write_pack(out, {
        "districts.csv": [[0, "China", "中国", int(persons.sum()),
                           "assumption: the nation is one district (no provincial data in the pack); persons = census.csv "
                           "total_population"]],
        "census.csv": census, "population_age_sex.csv": pop_rows, "mortality.csv": build_mortality(mort),
        "vital_rates.csv": build_vital_rates(asfr, pop, pop20), "fertility.csv": build_fertility(asfr, pop20, ctx),
        "education.csv": build_education(EDUCATION_ASSUMED, "national"), "economy.csv": build_economy(cost, ctx),
        "targets.csv": build_targets(asfr, pop, ctx)}, policy_history(pol))
    return {"population_age_sex": persons}


def main(argv: list[str] | None = None) -> None:
    pack_main(argv, "china (national)", build, DEFAULT_OUT)


if __name__ == "__main__":
    main()
