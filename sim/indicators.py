"""Yearly indicators (DESIGN §5): monthly tallies accumulated in place, rows at year end.

Counts are rescaled to the real population by ``rescale`` (real persons per
simulated person at the start). Rates and means are not rescaled.
"""

from __future__ import annotations

import numpy as np

N_AGES = 101                      # single years 0..100+
ASFR_GROUPS = [(a, a + 4) for a in range(15, 50, 5)]
PYRAMID_GROUPS = [(a, a + 4) for a in range(0, 100, 5)] + [(100, N_AGES - 1)]
SEX_LABELS = ("male", "female")


def _age_label(lo: int, hi: int) -> str:
    return f"{lo}+" if lo == 100 else f"{lo}-{hi}"


class YearlyIndicators:
    def __init__(self, rescale: float):
        self.rescale = rescale
        self.rows: list[tuple[int, str, str, float]] = []
        self._reset()

    def _reset(self):
        self.person_months = 0.0
        self.women_months = np.zeros(N_AGES)          # exposure of women by age
        self.births_by_mother_age = np.zeros(N_AGES)
        self.births_by_parity = np.zeros(4)           # index 1, 2, 3 (=3+)
        self.births_by_sex = np.zeros(2)
        self.first_birth_age = [0.0, 0]               # sum of years, count
        self.first_marriage_age = np.zeros((2, 2))    # sex × (sum of years, count)
        self.deaths = 0
        self.marriages = 0
        self.divorces = 0
        self.immigrants = 0
        self.emigrants = 0
        self.parity_at_45 = [0.0, 0]

    # --- monthly tallies -------------------------------------------------------
    def add_exposure(self, by_age_sex: np.ndarray):
        self.person_months += by_age_sex.sum()
        self.women_months += by_age_sex[:, 1]

    def add_births(self, mother_age_years: np.ndarray, new_parity: np.ndarray, child_sex: np.ndarray):
        np.add.at(self.births_by_mother_age, np.minimum(mother_age_years.astype(np.int64), N_AGES - 1), 1)
        np.add.at(self.births_by_parity, np.minimum(new_parity, 3), 1)
        np.add.at(self.births_by_sex, child_sex, 1)
        first = new_parity == 1
        self.first_birth_age[0] += float(mother_age_years[first].sum())
        self.first_birth_age[1] += int(first.sum())

    def add_first_marriages(self, sex: int, age_years: np.ndarray):
        self.first_marriage_age[sex] += (age_years.sum(), len(age_years))

    def add_turning_45(self, parity: np.ndarray):
        self.add_turning_45_counts(len(parity), int(parity.sum()))

    def add_turning_45_counts(self, n_women: int, parity_sum: int):
        """Women reaching 45 this month: how many, and their parities summed."""
        self.parity_at_45[0] += float(parity_sum)
        self.parity_at_45[1] += int(n_women)

    # --- year end ---------------------------------------------------------------
    def close_year(self, year: int, by_age_sex: np.ndarray, more=None):
        """by_age_sex: living persons at year end, (N_AGES, 2); more(add): a callback that adds
        further rows with add(indicator, value, group). Appends the year's rows and resets."""
        f = self.rescale
        rows = self.rows

        def add(indicator, value, group=""):
            rows.append((year, indicator, group, float(value)))

        add("population", by_age_sex.sum() * f)
        for lo, hi in PYRAMID_GROUPS:
            for s, label in enumerate(SEX_LABELS):
                add("population", by_age_sex[lo:hi + 1, s].sum() * f, f"age={_age_label(lo, hi)},sex={label}")
        births = self.births_by_sex.sum()
        add("births", births * f)
        for k in (1, 2, 3):
            add("births", self.births_by_parity[k] * f, f"parity={k}")
        add("deaths", self.deaths * f)
        add("marriages", self.marriages * f)
        add("divorces", self.divorces * f)
        add("net_migration", (self.immigrants - self.emigrants) * f)
        person_years = self.person_months / 12.0
        add("crude_birth_rate", 1000.0 * births / person_years if person_years else np.nan)
        add("crude_death_rate", 1000.0 * self.deaths / person_years if person_years else np.nan)
        women_years = self.women_months / 12.0
        with np.errstate(divide="ignore", invalid="ignore"):
            asfr1 = np.where(women_years > 0, self.births_by_mother_age / np.maximum(women_years, 1e-300), 0.0)
        add("tfr", asfr1[15:50].sum())
        for lo, hi in ASFR_GROUPS:
            wy = women_years[lo:hi + 1].sum()
            add("asfr", self.births_by_mother_age[lo:hi + 1].sum() / wy if wy else np.nan, f"age={lo}-{hi}")
        s, c = self.first_birth_age
        add("mean_age_first_birth", s / c if c else np.nan)
        fm = self.first_marriage_age
        add("mean_age_first_marriage", fm[:, 0].sum() / fm[:, 1].sum() if fm[:, 1].sum() else np.nan)
        for sx, label in enumerate(SEX_LABELS):
            add("mean_age_first_marriage", fm[sx, 0] / fm[sx, 1] if fm[sx, 1] else np.nan, f"sex={label}")
        s, c = self.parity_at_45
        add("completed_fertility_45", s / c if c else np.nan)
        girls = self.births_by_sex[1]
        add("sex_ratio_at_birth", 100.0 * self.births_by_sex[0] / girls if girls else np.nan)
        working = by_age_sex[15:65].sum()
        add("old_age_dependency_ratio", 100.0 * by_age_sex[65:].sum() / working if working else np.nan)
        if more is not None:
            more(add)
        self._reset()
