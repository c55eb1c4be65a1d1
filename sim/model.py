"""FertilityModel: the Mesa model that owns one run.

region pack + scale + parameters + policy + seed → a synthetic population stepped
month by month through the kernels in ``agents/``; yearly indicators.

The month, in order (DESIGN §3.3); ``MONTH`` below lists the same phases:
 1. policy update        compiled lever values for this month
 2. ageing, mortality, migration
 3. marriage market      search entry, matching; divorce
 4. conception and birth
 5. leave and childcare  }
 6. employment           } households' economics: sim/economy.py
 7. income and costs     }
 8. fiscal accounting    } (each payment goes to the FiscalLedger as it is made)
 9. indicators           monthly tallies, rows at year end
"""

from __future__ import annotations

import time
from collections import namedtuple

import mesa
import numpy as np

from agents.ageing import age_one_month
from agents.census import count_census
from agents.conception import advance_pregnancies, conception_candidates, decide_conception, may_conceive
from agents.housing import draw_tenure
from agents.marriage import children_moving_with, decide_divorce, enter_search, match_couples
from agents.migration import decide_household_emigration, members_of
from agents.mortality import decide_deaths
from agents.rng import Streams, child_keys
from agents.rows import as_bits, rows_where, rows_where_2, set_bits
from agents.state import (FEMALE, HOUSEHOLD_FAMILY, HUKOU_LOCAL, HUKOU_NONLOCAL, MALE, NO_PARTNER,
                          PREGNANCY_MONTHS, TENURE_PUBLIC_PRIORITY)
from policies.levers import LEVERS
from policies.schedule import compile_policy, merge_policy
from sim import parameters as parameters_mod
from sim.economy import HouseholdEconomy
from sim.indicators import N_AGES, YearlyIndicators
from sim.pack import load_pack
from sim.parameters import monthly_probability
from sim.scratch import Scratch
from sim.synthesis import desired_family_size_probs, draw_education, parents_nearby, survival_to, synthesize

MONTH = (
    "policy_update",
    "ageing_mortality_migration",
    "marriage_market",
    "conception_and_birth",
    "leave_and_childcare",
    "employment",
    "income_and_costs",       # with fiscal accounting
    "indicators",
)

Census = namedtuple("Census", "by_age_sex residents under3")   # int64 (N_AGES, 2), (districts,), (districts,)
IMMIGRANT_KEY_BASE = 1 << 60    # keys of immigrants: base + month * 2**24 + k (disjoint from initial rows)
ADULT_MONTHS = 18 * 12
UNDER3_MONTHS = 36
COMPACT_SHARE = 0.05            # compact at a year end once 5 % of person or household rows are gone
ART_AGE_MONTHS = np.array([35 * 12, 45 * 12])   # infertile women of these ages may try ART
ONLY_CHILD_MOTHER_AGES = (40, 59)               # the mothers whose children are the parents of the run's first years


def only_child_shares(pop) -> tuple[float, float]:
    """(q, s) of the start population, for ``birth_limit_only_child``: q = the share of only
    children among the children ever born to the living women aged 40-59 (those with parity 1 /
    the sum of the parities of those with parity >= 1; born about 1975-2005 to a 2010 population,
    they are the parents of the years after the start), and s = 1 - (1 - q)**2, the share of
    couples in which at least one spouse is an only child if the spouses' statuses are
    independent (sim/packs/china/README.md, assumption 12b). (0, 0) if those women have no children."""
    p = pop.p
    age = p["age_months"] // 12
    women = p["alive"] & (p["sex"] == FEMALE) & (age >= ONLY_CHILD_MOTHER_AGES[0]) & (age <= ONLY_CHILD_MOTHER_AGES[1])
    parity = p["parity"][women].astype(np.int64)
    children = int(parity.sum())
    q = int((parity == 1).sum()) / children if children else 0.0
    return q, 1.0 - (1.0 - q) ** 2


class FertilityModel(mesa.Model):
    """One run. Keyword arguments are those of a run spec (docs/contracts.md)."""

    def __init__(self, region: str = "beijing", start_year: int = 2021, years: int = 30, scale: float = 0.01,
                 parameters: dict | None = None, policy: dict | None = None, seed: int = 0, compaction: bool = True,
                 **kwargs):
        """``compaction``: group the persons by household at the start and drop the rows of the dead
        and emigrated at year ends (``_compact``); the results are the same either way, but row ids
        then hold only until the next year end, so code that follows persons by row over the years
        (sim/family.py) turns it off."""
        super().__init__(seed=seed, **kwargs)
        self.compaction = bool(compaction)
        t0 = time.perf_counter()
        self.region = region
        self.pack = load_pack(region)
        self.start_year = int(start_year)
        self.years = int(years)
        self.n_months = 12 * self.years
        self.scale = float(scale)
        self.params = parameters_mod.resolve(parameters)
        self.streams = Streams(int(seed))
        self.policy = compile_policy(merge_policy(self.pack.policy_history, policy or {}),
                                     self.start_year, self.n_months)

        self.pop = synthesize(self.pack, self.scale, self.params, int(seed))
        # only children among the parents-to-be, and couples with an only-child parent (birth_limit_only_child)
        self.only_child_share, self.only_child_couple_share = only_child_shares(self.pop)
        self.scratch = Scratch()            # work arrays reused every month (sim/scratch.py)
        self._census = None                 # counts of the living (census()), until the next change
        self.indicators = YearlyIndicators(self.pack.total_population / self.pop.n)
        self.month = 0                      # months simulated so far
        self._prepare_tables()              # (its mean wages sum the rows in pid order)
        if self.compaction:
            self.pop.compact(UNDER3_MONTHS)  # persons grouped by household from the start
        self._update_levers()
        self.economy = HouseholdEconomy(self)
        self.economy.income_and_costs(self.calendar_month - 1)   # incomes of the month before the start
        self.economy.ledger.close_year()                         # ... which are not this run's payments
        self._burn_in_pregnancies()
        self.datacollector = mesa.DataCollector(model_reporters={
            "year": lambda m: m.start_year + (m.month - 1) // 12,
            "population": lambda m: m._last_value("population"),
            "births": lambda m: m._last_value("births"),
            "tfr": lambda m: m._last_value("tfr"),
        })
        self.timings = {"setup_seconds": time.perf_counter() - t0, "step_seconds": 0.0}

    def census(self) -> Census:
        """The living by age year and sex, by district, and under 3 by district, counted in one pass
        and kept until persons are added, removed, aged or moved (every method that does so drops
        it), so the month's nursery capacity, nursery access and tally share one count."""
        if self._census is None:
            p = self.pop.p
            self._census = Census(*count_census(p["alive"], p["age_months"], p["sex"], p["district"], N_AGES,
                                                len(self.pack.districts), UNDER3_MONTHS))
        return self._census

    def _mask(self) -> np.ndarray:
        """A uint8 work array of one byte per person, for a decision kernel to mark rows in."""
        return self.scratch.get("mask", self.pop.n, np.uint8)

    def _row_work(self) -> np.ndarray:
        """A float64 work array of one value per person (a kernel's table lookups, say)."""
        return self.scratch.get("work_f64", self.pop.n, np.float64)

    def _rows(self, mask: np.ndarray) -> np.ndarray:
        """The rows a decision kernel marked in ``mask``, in order (a view valid until the next call)."""
        out = self.scratch.get("rows", len(mask), np.int64)
        return out[:rows_where(mask, out)]

    def _by_pid(self, rows: np.ndarray) -> np.ndarray:
        """A copy of ``rows`` in pid order: where the order of a list makes new rows, new household
        ids or sums, it must not depend on the order of the rows, which compactions change."""
        return rows[np.argsort(self.pop.person("pid")[rows], kind="stable")]

    def _rows_2(self, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows marked 1, rows marked 2) in ``mask``, each in order (views valid until the next call)."""
        one, two = self.scratch.get("rows", len(mask), np.int64), self.scratch.get("rows2", len(mask), np.int64)
        k1, k2 = rows_where_2(mask, one, two)
        return one[:k1], two[:k2]

    def _update_levers(self):
        """Phase 1: the compiled value of every lever in this month (by-parity levers as arrays of 3)."""
        self.lever = {name: self.policy.value(name, min(self.month, self.n_months - 1)) for name in LEVERS}

    # --- fixed tables ---------------------------------------------------------------
    def _prepare_tables(self):
        p = self.params
        age = np.arange(N_AGES) + 0.5
        peak = np.array([p["search_age_peak_male"], p["search_age_peak_female"]])
        min_age = np.array([p["min_marriage_age_male"], p["min_marriage_age_female"]])
        hazard = p["search_rate_peak"] * np.exp(-0.5 * ((age[:, None] - peak) / p["search_age_sd"]) ** 2)
        self.p_search_month = np.where(age[:, None] >= min_age, hazard, 0.0)
        rel = np.zeros(N_AGES)
        for g, v in enumerate(parameters_mod.REL_FECUNDITY_5Y):
            rel[15 + 5 * g: 20 + 5 * g] = v
        self.rel_fecundity = rel
        self.logit_base = np.array([p["logit_base_parity0"], p["logit_base_parity1"], p["logit_base_parity2"]])
        self.desired_cum = np.cumsum(desired_family_size_probs(p))[:-1]
        srb = self.pack.sex_ratio_at_birth
        self.p_boy = srb / (100.0 + srb)
        # immigrants: ages, sex and education like residents of the same ages
        table = self.pack.population_age_sex[int(p["immigrant_age_min"]): int(p["immigrant_age_max"]) + 1]
        self.immigrant_p_male = table[:, MALE].sum() / table.sum()
        self.survival = survival_to(self.pack.mortality_mx)
        self.district_cum = np.cumsum(self.pack.district_population) / self.pack.district_population.sum()
        employed = self.pop.person("employed")
        edu = self.pop.person("education")
        wage = self.pop.person("wage")
        self.mean_wage_by_edu = np.array([wage[employed & (edu == e)].mean() if (employed & (edu == e)).any()
                                          else wage[employed].mean() for e in range(4)])

    def _mortality_table(self, year: int) -> np.ndarray:
        """Monthly death probability by (age, sex) in ``year`` along the improvement path."""
        decline = self.pack.mortality_decline * self.params["mortality_improvement_scale"]
        mx = self.params["mortality_level"] * self.pack.mortality_mx * np.exp(-decline * (year + 0.5 - self.pack.mortality_base_year))
        return 1.0 - np.exp(-mx / 12.0)

    def _last_value(self, indicator: str) -> float:
        for year, name, group, value in reversed(self.indicators.rows):
            if name == indicator and group == "":
                return value
        return float("nan")

    # --- the month ----------------------------------------------------------------------
    @property
    def calendar_month(self) -> int:
        """Absolute month index (year × 12 + month − 1): the month key of the random streams."""
        return self.start_year * 12 + self.month

    @property
    def year(self) -> int:
        return self.start_year + self.month // 12

    def step(self):
        """One month, phases in the order of ``MONTH``."""
        t0 = time.perf_counter()
        cm = self.calendar_month
        self._update_levers()
        self._age_and_die(cm)
        self._migrate(cm)
        self._marriage_market(cm)
        self._divorce(cm)
        if self.month % 12 == 0:
            self.economy.drift_desired(cm)
        self._conception_and_birth(cm)
        self.economy.leave_and_childcare(cm)
        self.economy.employment(cm)
        self.economy.income_and_costs(cm)
        self._tally_month()
        self.month += 1
        if self.month % 12 == 0:
            self.indicators.close_year(self.year - 1, self.census().by_age_sex, self.economy.close_year)
            if self.compaction:
                self._compact()
        self.datacollector.collect(self)    # one row per step, as mesa.batch_run reads it
        if self.month >= self.n_months:
            self.running = False
        self.timings["step_seconds"] += time.perf_counter() - t0

    def _compact(self):
        """Once a year, when gone persons or empty households make up COMPACT_SHARE of their rows:
        drop those rows (sim/population.py ``compact``). Kept: mothers of living children under 3
        (their care reads her wage, leave and parity) and public tenants of the multi-child
        priority (the budget's discount sums run over them). Persons are grouped by household; no
        result depends on the order of the rows (agents/compaction.py), so the results are unchanged."""
        p_gone, h_gone = self.pop.dead_share()
        if p_gone < COMPACT_SHARE and h_gone < COMPACT_SHARE:
            return
        priority = self.pop.household("tenure") == TENURE_PUBLIC_PRIORITY
        self._census = None
        self.economy.after_compaction(self.pop.compact(UNDER3_MONTHS, priority, work=self._row_work()))

    def run(self, progress=None):
        """Step to the horizon; progress(months_done, n_months) after each month."""
        while self.month < self.n_months:
            self.step()
            if progress is not None:
                progress(self.month, self.n_months)
        return self

    def indicator_frame(self):
        import pandas as pd
        return pd.DataFrame(self.indicators.rows, columns=["year", "indicator", "group", "value"])

    # --- phase 2: ageing, mortality, migration ----------------------------------------------
    def _age_and_die(self, cm):
        self._census = None
        p = self.pop.p
        n_45, parity_45 = age_one_month(p["alive"], p["age_months"], p["months_since_last_birth"], p["sex"],
                                        p["parity"], 45 * 12)
        self.indicators.add_turning_45_counts(n_45, parity_45)
        dies = self._mask()
        decide_deaths(p["alive"], p["age_months"], p["sex"], p["key"], self._mortality_table(self.year),
                      self.streams.seed_stream("mortality"), cm, dies)
        died = self._rows(dies)
        self.indicators.deaths += len(died)
        self._remove(died)

    def _remove(self, ids: np.ndarray):
        """Deaths and emigrants leave: not alive, out of their household, spouses widowed."""
        if len(ids) == 0:
            return
        self._census = None
        p = self.pop.p
        p["alive"][ids] = False
        p["searching"][ids] = False
        np.subtract.at(self.pop.household("n_members"), p["household"][ids], 1)
        partners = p["partner"][ids]
        partners = partners[partners != NO_PARTNER]
        p["partner"][partners] = NO_PARTNER
        p["partner"][ids] = NO_PARTNER

    def _migrate(self, cm):
        prm = self.params
        h = self.pop.h
        leaves = self.scratch.get("household_flag", self.pop.n_households, np.bool_)
        decide_household_emigration(h["n_members"], h["hukou"] == HUKOU_NONLOCAL, h["hid"],
                                    monthly_probability(prm["emigration_rate_nonlocal"]),
                                    monthly_probability(prm["emigration_rate_local"]),
                                    self.streams.seed_stream("emigration"), cm, leaves)
        p = self.pop.p
        leaving_bits = self.scratch.get("household_bits", (self.pop.n_households + 63) // 64, np.uint64)
        if as_bits(leaves, leaving_bits):
            leaving = self._mask()
            members_of(p["alive"], p["household"], leaving_bits, leaving)
            leavers = self._rows(leaving)
            self.indicators.emigrants += len(leavers)
            self._remove(leavers)
        self._immigrate(cm)

    def _immigrate(self, cm):
        """New single young adults from elsewhere, each forming a one-person family household."""
        prm = self.params
        expected = prm["immigration_rate"] * np.count_nonzero(self.pop.person("alive")) / 12.0
        u = self.streams.uniform("immigration_count", np.array([0]), cm)[0]
        k = int(expected + u)
        if k == 0:
            return
        self._census = None
        keys = IMMIGRANT_KEY_BASE + cm * (1 << 24) + np.arange(k, dtype=np.int64)
        draw = self.streams.uniform_k("immigrant_traits", keys, cm, 6)
        ids = self.pop.add_persons(k)
        hh = self.pop.add_households(k)
        p, h = self.pop.p, self.pop.h
        lo, hi = prm["immigrant_age_min"], prm["immigrant_age_max"]
        age_months = ((lo + draw[:, 0] * (hi - lo + 1)) * 12).astype(np.int16)
        sex = np.where(draw[:, 1] < self.immigrant_p_male, MALE, FEMALE).astype(np.int8)
        education = draw_education(self.pack, age_months // 12, sex, draw[:, 2])
        district = np.searchsorted(self.district_cum, draw[:, 3]).clip(0, len(self.district_cum) - 1)
        p["key"][ids] = keys
        p["alive"][ids] = True
        p["age_months"][ids] = age_months
        p["sex"][ids] = sex
        p["hukou"][ids] = HUKOU_NONLOCAL
        p["education"][ids] = education
        p["district"][ids] = district
        p["household"][ids] = hh
        p["fecund"][ids] = draw[:, 4] >= prm["infertile_share"]
        p["employed"][ids] = True          # assumption: labour migrants arrive to a job
        p["wage"][ids] = self.mean_wage_by_edu[education]
        h["district"][hh] = district
        h["hukou"][hh] = HUKOU_NONLOCAL
        h["kind"][hh] = HOUSEHOLD_FAMILY
        h["n_members"][hh] = 1
        self._set_grandparents(hh, ids, cm)
        self._set_tenure(hh, ids, cm)
        self.economy.provisional_income(ids)
        self.indicators.immigrants += k

    # --- phase 3: marriage market -------------------------------------------------------------
    def _marriage_market(self, cm):
        prm = self.params
        p = self.pop.p
        pool = self._mask()
        enter_search(p["alive"], p["age_months"], p["sex"], p["partner"], p["searching"], p["ever_married"],
                     p["key"], self.p_search_month, prm["search_rel_previously_married"],
                     self.streams.seed_stream("search_entry"), cm, pool)
        women, men = self._rows_2(pool)
        if len(women) == 0 or len(men) == 0:
            return
        women = women[np.argsort(self.streams.uniform("match_order", p["key"][women], cm), kind="stable")]
        men = men[np.lexsort((p["key"][men], p["age_months"][men]))]
        wk = p["key"][women]
        husband = match_couples(
            p["age_months"][women] / 12.0, p["education"][women], p["district"][women],
            p["age_months"][men] / 12.0, p["education"][men], p["district"][men],
            self.streams.normal("match_gap", wk, cm),
            self.streams.uniform_k("match_candidates", wk, cm, int(prm["match_candidates"])),
            self.streams.uniform("match_accept", wk, cm),
            prm["match_age_gap_mean"], prm["match_age_gap_sd"], prm["match_weight_education"],
            prm["match_weight_district"], prm["match_accept_prob"])
        ok = husband >= 0
        self._marry(women[ok], men[husband[ok]], cm)

    def _marry(self, wives: np.ndarray, husbands: np.ndarray, cm: int):
        """Link spouses; the couple (with the wife's children under 18) forms a new household in her district."""
        if len(wives) == 0:
            return
        self._census = None                 # husbands and children move to the wife's district
        p, pop = self.pop.p, self.pop
        for sex, ids in ((FEMALE, wives), (MALE, husbands)):
            first = ids[~p["ever_married"][ids]]
            self.indicators.add_first_marriages(sex, p["age_months"][first] / 12.0)
        self.indicators.marriages += len(wives)
        p["partner"][wives] = husbands
        p["partner"][husbands] = wives
        p["ever_married"][wives] = p["ever_married"][husbands] = True
        p["searching"][wives] = p["searching"][husbands] = False
        u = self.streams.uniform("desired_family_size", p["key"][wives], cm)
        desired = np.searchsorted(self.desired_cum, u, side="right")
        p["desired_children"][wives] = np.maximum(desired, p["parity"][wives])
        # the wife's minor children living with her move with her
        is_bride = self.scratch.get("person_flag", pop.n, np.bool_)     # all False between uses
        is_bride[wives] = True
        bride_households = self.scratch.get("household_bits", (pop.n_households + 63) // 64, np.uint64, fill=0)
        set_bits(bride_households, p["household"][wives])
        moves = self._mask()
        children_moving_with(p["alive"], p["mother"], p["age_months"], p["household"], is_bride, bride_households,
                             ADULT_MONTHS, moves)
        is_bride[wives] = False
        kids = self._by_pid(self._rows(moves))
        mothers = p["mother"]
        hh = pop.add_households(len(wives))
        p, h = pop.p, pop.h
        by_wife = np.argsort(wives, kind="stable")
        movers = np.concatenate([wives, husbands, kids])
        np.subtract.at(h["n_members"], p["household"][movers], 1)
        p["household"][wives] = hh
        p["household"][husbands] = hh
        p["household"][kids] = hh[by_wife[np.searchsorted(wives[by_wife], mothers[kids])]]
        np.add.at(h["n_members"], p["household"][movers], 1)
        h["district"][hh] = p["district"][wives]
        h["kind"][hh] = HOUSEHOLD_FAMILY
        both_nonlocal = (p["hukou"][wives] == HUKOU_NONLOCAL) & (p["hukou"][husbands] == HUKOU_NONLOCAL)
        h["hukou"][hh] = np.where(both_nonlocal, HUKOU_NONLOCAL, HUKOU_LOCAL)
        p["district"][husbands] = p["district"][wives]
        p["district"][kids] = p["district"][mothers[kids]]
        self._set_grandparents(hh, np.concatenate([wives, husbands]), cm)
        self._set_tenure(hh, wives, cm)
        self.economy.provisional_income(movers)

    def _set_grandparents(self, households: np.ndarray, adults: np.ndarray, cm: int):
        """Grandparents nearby for households formed this month, from their adults' parents."""
        p = self.pop.p
        near = parents_nearby(p["age_months"][adults], p["hukou"][adults], self.params, self.survival,
                              self.streams.uniform_k("parents_nearby", p["key"][adults], cm, 2))
        count = self.pop.household("grandparents_nearby")
        count[households] = 0
        np.add.at(count, p["household"][adults], near.astype(np.int8))

    def _set_tenure(self, households: np.ndarray, heads: np.ndarray, cm: int):
        """Tenure of households formed this month (``heads[i]`` heads ``households[i]``), by
        hukou: a new household does not inherit its members' old dwelling (assumption)."""
        prm = self.params
        u = self.streams.uniform_k("tenure", self.pop.p["key"][heads], cm, 2)
        h = self.pop.h
        h["tenure"][households] = draw_tenure(h["hukou"][households], u, prm["owner_share_local"],
                                              prm["owner_share_nonlocal"], prm["public_share_local_renters"])

    def _divorce(self, cm):
        p = self.pop.p
        divorces = self._mask()
        decide_divorce(p["alive"], p["sex"], p["partner"], p["key"], monthly_probability(self.params["divorce_rate"]),
                       self.streams.seed_stream("divorce"), cm, divorces)
        wives = self._by_pid(self._rows(divorces))     # new households' hids in pid order
        if len(wives) == 0:
            return
        husbands = p["partner"][wives]
        self.indicators.divorces += len(wives)
        p["partner"][wives] = NO_PARTNER
        p["partner"][husbands] = NO_PARTNER
        # the husband leaves for a one-person household in the same district
        hh = self.pop.add_households(len(husbands))
        p, h = self.pop.p, self.pop.h
        np.subtract.at(h["n_members"], p["household"][husbands], 1)
        h["district"][hh] = p["district"][husbands]
        h["hukou"][hh] = p["hukou"][husbands]
        h["kind"][hh] = HOUSEHOLD_FAMILY
        h["n_members"][hh] = 1
        p["household"][husbands] = hh
        self._set_grandparents(hh, husbands, cm)
        self._set_tenure(hh, husbands, cm)
        self.economy.provisional_income(husbands)

    # --- phase 4: conception and birth ----------------------------------------------------------
    def _conceive(self, cm):
        """Fecund couples below their parity cap conceive by the logit of agents/conception.py with
        the economic terms of sim/economy.py; infertile women 35-44 may conceive by ART. The cap's
        limit is birth_limit, or birth_limit_only_child for the share ``only_child_couple_share``
        of women drawn once (stream "only_child_couple") as in a couple with an only-child parent."""
        p = self.pop.p
        prm = self.params
        limit = int(self.lever["birth_limit"])
        candidate = self._mask()
        conception_candidates(
            p["alive"], p["sex"], p["age_months"], p["partner"], p["fecund"], p["months_pregnant"], p["parity"],
            p["months_since_last_birth"], p["desired_children"], p["hukou"], p["key"],
            limit, self.policy.eligibility["birth_limit"] == "local_hukou", prm["birth_limit_compliance"],
            self.streams.seed_stream("birth_limit_compliance"), int(self.lever["birth_limit_only_child"]),
            self.policy.eligibility["birth_limit_only_child"] == "local_hukou", self.only_child_couple_share,
            self.streams.seed_stream("only_child_couple"), self.rel_fecundity, int(prm["postpartum_months"]),
            ART_AGE_MONTHS, candidate)
        women, art = (rows.copy() for rows in self._rows_2(candidate))
        # only a woman whose draw is below her fecundability can conceive: the economic log-odds
        # are computed for her alone (the same draws decide; nothing else changes)
        stream = self.streams.seed_stream("conception")
        women = women[may_conceive(women, p["age_months"], p["key"], self.rel_fecundity, prm["fecundability"],
                                   stream, cm)]
        conceives = decide_conception(
            women, p["age_months"], p["parity"], p["months_since_last_birth"], p["key"], self.economy.birth_logit(women),
            self.rel_fecundity, prm["fecundability"], self.logit_base, prm["logit_spacing_per_year"], stream, cm)
        p["months_pregnant"][women[conceives]] = 1
        p["months_pregnant"][self.economy.art_conceptions(cm, art)] = 1

    def _burn_in_pregnancies(self):
        """Conceptions in the 9 months before the start (levers as at the start), so that births
        begin in the first month."""
        p = self.pop.p
        for back in range(PREGNANCY_MONTHS, 0, -1):
            advance_pregnancies(p["alive"], p["months_pregnant"], self._mask())
            self._conceive(self.calendar_month - back)

    def _conception_and_birth(self, cm):
        p = self.pop.p
        gives_birth = self._mask()
        advance_pregnancies(p["alive"], p["months_pregnant"], gives_birth)
        self._give_birth(self._by_pid(self._rows(gives_birth)), cm)     # newborns' pids in mothers' pid order
        self._conceive(cm)

    def _give_birth(self, mothers: np.ndarray, cm: int):
        if len(mothers) == 0:
            return
        self._census = None
        p = self.pop.p
        new_parity = p["parity"][mothers].astype(np.int64) + 1
        keys = child_keys(p["key"][mothers], new_parity)
        sex = np.where(self.streams.uniform("sex_at_birth", keys, cm) < self.p_boy, MALE, FEMALE).astype(np.int8)
        self.indicators.add_births(p["age_months"][mothers] / 12.0, new_parity, sex)
        ids = self.pop.add_persons(len(mothers))
        p, h = self.pop.p, self.pop.h
        p["key"][ids] = keys
        p["alive"][ids] = True
        p["sex"][ids] = sex
        p["mother"][ids] = mothers
        p["birth_order"][ids] = np.minimum(new_parity, 127)
        for field in ("household", "district", "hukou"):
            p[field][ids] = p[field][mothers]
        u = self.streams.uniform("fecund_at_birth", keys, cm)
        p["fecund"][ids] = u >= self.params["infertile_share"]
        p["parity"][mothers] = np.minimum(new_parity, 127)
        p["months_since_last_birth"][mothers] = 0
        fathers = p["partner"][mothers]
        fathers = fathers[fathers != NO_PARTNER]
        p["parity"][fathers] = np.minimum(p["parity"][fathers].astype(np.int64) + 1, 127)
        p["months_since_last_birth"][fathers] = 0
        np.add.at(h["n_members"], p["household"][mothers], 1)
        self.economy.on_births(mothers, new_parity)

    # --- phase 9: indicators ------------------------------------------------------------------------
    def _tally_month(self):
        self.indicators.add_exposure(self.census().by_age_sex)
