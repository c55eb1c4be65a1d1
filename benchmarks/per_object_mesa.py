"""The month of FertilityModel written as plain per-object Mesa agents: a baseline and a readable oracle.

FertilityModel at (scale, seed), after its burn-in → its person and household rows copied into one
``Person`` and one ``Household`` Mesa agent each → the same month, phase by phase, as ``sim/model.py``:

 1. policy update     the birth limit in force this month (the model's compiled policy)
 2. ageing, mortality every person one month older; death with ``model._mortality_table(year)``
    migration        whole households leave; immigrants arrive as one-person non-local households
 3. marriage market   search entry, matching (the scoring of ``agents/marriage.py`` ``match_couples``), divorce
 4. conception, birth pregnancies advance, births, then conception (the formula of
                      ``agents/conception.py`` ``decide_conception`` with the model's tables)
 9. indicators        the same ``YearlyIndicators`` as the model

The households' economy (phases 5-8, issue #3) is not mirrored: conception has no economic log-odds
(``extra_logit`` = 0), there is no ART and no yearly drift of the desired family size. With
``ECONOMY_FEEDBACK_OFF`` as parameters the numba model's demography follows the same rules (its economy
still runs, but no longer feeds back), so the sanity comparison builds the numba model with them.

Each decision is a method of an agent, drawn with Python's ``random`` (``model.random``), one agent at
a time: what a Mesa user would write without numba. The rules are the model's; the random numbers are
not (the numba model uses counter-based streams), so the two runs agree in distribution, not draw by draw.
Phases where no decision depends on another agent's draw use ``AgentSet.do``; the only order that matters,
the women's order in the marriage market, is shuffled as in the model.

Run ``python benchmarks/per_object_mesa.py --scale 0.001 --years 2`` for the births/deaths of both per year.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings
from bisect import bisect_left, bisect_right

import mesa
import numpy as np

from agents.state import (FEMALE, HOUSEHOLD_FAMILY, HUKOU_LOCAL, HUKOU_NONLOCAL, MALE, NO_CHILD, NO_PARTNER,
                          NOT_PREGNANT, PREGNANCY_MONTHS)
from sim.indicators import N_AGES, YearlyIndicators
from sim.model import FertilityModel, monthly_probability
from sim.parameters import PARAMETERS

MAX_PARITY = 127              # the int8 cap of the model's parity field
CHILD_AGE_MONTHS = 18 * 12    # minor children move with their mother when she marries
FIRST_MONTH_45 = 45 * 12
# parameters that switch off the economy's feedback on demography (those the model has)
ECONOMY_FEEDBACK_OFF = {name: 0.0 for name in ("logit_net_cost", "logit_opportunity_cost", "logit_childcare_access",
                                               "desired_drift_rate", "art_uptake_max") if name in PARAMETERS}


class Household(mesa.Agent):
    """A household: district, hukou, kind and the set of its living members."""

    def __init__(self, model, district: int, hukou: int, kind: int):
        super().__init__(model)
        self.district = district
        self.hukou = hukou
        self.kind = kind
        self.members: set[Person] = set()

    def decide_emigration(self):
        """The whole household leaves the region with the monthly probability of its hukou."""
        m = self.model
        p = m.p_emigrate_nonlocal if self.hukou == HUKOU_NONLOCAL else m.p_emigrate_local
        if m.random.random() < p:
            for person in list(self.members):
                m.n_emigrants += 1
                person.leave()


class Person(mesa.Agent):
    """One resident. Attributes mirror the person fields of ``agents/state.py``; links are objects, not ids."""

    def __init__(self, model, household: Household, age_months: int, sex: int, hukou: int, education: int,
                 district: int, fecund: bool, u_compliance: float, mother: Person | None = None,
                 ever_married: bool = False, searching: bool = False, parity: int = 0,
                 months_since_last_birth: int = NO_CHILD, desired_children: int = 0,
                 months_pregnant: int = NOT_PREGNANT, employed: bool = False, wage: float = 0.0):
        super().__init__(model)
        self.alive = True
        self.household = household
        household.members.add(self)
        self.age_months = age_months
        self.sex = sex
        self.hukou = hukou
        self.education = education
        self.district = district
        self.partner: Person | None = None
        self.mother = mother
        self.children: list[Person] = []       # living children, for the move at the mother's marriage
        self.ever_married = ever_married
        self.searching = searching
        self.parity = parity
        self.months_since_last_birth = months_since_last_birth
        self.desired_children = desired_children
        self.fecund = fecund
        self.months_pregnant = months_pregnant
        self.employed = employed
        self.wage = wage
        self.u_compliance = u_compliance       # the person's fixed draw against birth_limit_compliance

    # --- phase 2 ----------------------------------------------------------------------
    def age_and_die(self):
        m = self.model
        self.age_months += 1
        if self.months_since_last_birth != NO_CHILD:
            self.months_since_last_birth += 1
        if self.sex == FEMALE and self.age_months == FIRST_MONTH_45:
            m.parity_turning_45.append(self.parity)
        if m.random.random() < m.p_death[min(self.age_months // 12, N_AGES - 1)][self.sex]:
            m.n_deaths += 1
            self.leave()

    def leave(self):
        """Death or emigration: out of the household and the model; the spouse is widowed."""
        self.alive = False
        self.searching = False
        self.move_out()
        if self.partner is not None:
            self.partner.partner = None
            self.partner = None
        if self.mother is not None:
            self.mother.children.remove(self)
        self.remove()

    def move_out(self):
        hh = self.household
        hh.members.discard(self)
        if not hh.members:
            hh.remove()

    def move_to(self, household: Household):
        self.move_out()
        self.household = household
        household.members.add(self)

    # --- phase 3 ----------------------------------------------------------------------
    def decide_search(self):
        m = self.model
        if self.partner is None and not self.searching:
            p = m.p_search_month[min(self.age_months // 12, N_AGES - 1)][self.sex]
            if self.ever_married:
                p *= m.params["search_rel_previously_married"]
            if m.random.random() < p:
                self.searching = True

    def decide_divorce(self):
        m = self.model
        if self.sex == FEMALE and self.partner is not None and m.random.random() < m.p_divorce_month:
            m.divorce(self)

    # --- phase 4 ----------------------------------------------------------------------
    def advance_pregnancy(self):
        if self.months_pregnant != NOT_PREGNANT:
            self.months_pregnant += 1
            if self.months_pregnant > PREGNANCY_MONTHS:
                self.months_pregnant = NOT_PREGNANT
                self.give_birth()

    def give_birth(self):
        m = self.model
        new_parity = self.parity + 1
        sex = MALE if m.random.random() < m.p_boy else FEMALE
        m.birth_records.append((self.age_months / 12.0, new_parity, sex))
        child = Person(m, self.household, 0, sex, self.hukou, 0, self.district,
                       fecund=m.random.random() >= m.params["infertile_share"], u_compliance=m.random.random(),
                       mother=self)
        self.children.append(child)
        self.parity = min(new_parity, MAX_PARITY)
        self.months_since_last_birth = 0
        if self.partner is not None:
            self.partner.parity = min(self.partner.parity + 1, MAX_PARITY)
            self.partner.months_since_last_birth = 0

    def parity_cap(self) -> int:
        """Desired family size, lowered to the birth limit for compliant eligible couples."""
        m = self.model
        limit = m.birth_limit
        if limit > 0 and self.u_compliance < m.params["birth_limit_compliance"] and (
                not m.birth_limit_local_only or self.hukou == HUKOU_LOCAL):
            return min(self.desired_children, limit)
        return self.desired_children

    def decide_conception(self):
        m = self.model
        if not (self.sex == FEMALE and self.partner is not None and self.fecund):
            return
        if self.months_pregnant != NOT_PREGNANT or self.parity >= self.parity_cap():
            return
        since = self.months_since_last_birth
        if since != NO_CHILD and since < m.postpartum_months:
            return
        a = self.age_months // 12
        if a >= N_AGES:
            return
        x = m.logit_base[min(self.parity, len(m.logit_base) - 1)]
        if since != NO_CHILD:
            x += m.params["logit_spacing_per_year"] * (since / 12.0)
        p = m.params["fecundability"] * m.rel_fecundity[a] / (1.0 + math.exp(-x))
        if m.random.random() < p:
            self.months_pregnant = 1


class PerObjectModel(mesa.Model):
    """The per-object run. ``source``: a freshly built FertilityModel to copy; else one is built here with
    ``parameters`` and ECONOMY_FEEDBACK_OFF."""

    def __init__(self, region: str = "beijing", start_year: int = 2021, years: int = 2, scale: float = 0.001,
                 parameters: dict | None = None, policy: dict | None = None, seed: int = 0,
                 source: FertilityModel | None = None):
        super().__init__(seed=seed)
        fm = source if source is not None else FertilityModel(
            region=region, start_year=start_year, years=years, scale=scale,
            parameters={**(parameters or {}), **ECONOMY_FEEDBACK_OFF}, policy=policy, seed=seed)
        if fm.month != 0:
            raise ValueError("source must be a FertilityModel that has not stepped yet")
        feedback = {k: fm.params[k] for k in ECONOMY_FEEDBACK_OFF if fm.params[k] != 0}
        if feedback:
            warnings.warn(f"the source model's economy feeds back on demography ({feedback}); the per-object "
                          "version does not, so their births will differ", stacklevel=2)
        t0 = time.perf_counter()
        self.start_year = fm.start_year
        self.n_months = fm.n_months
        self.month = 0
        self._copy_tables(fm)
        self._copy_population(fm)
        self.indicators = YearlyIndicators(fm.indicators.rescale)
        self.person_months = 0               # sum over months of living persons (at each month's tally)
        self.setup_seconds = time.perf_counter() - t0

    # --- the model's tables, as Python lists ------------------------------------------------
    def _copy_tables(self, fm: FertilityModel):
        self.params = dict(fm.params)
        prm = self.params
        self.p_search_month = fm.p_search_month.tolist()
        self.rel_fecundity = fm.rel_fecundity.tolist()
        self.logit_base = fm.logit_base.tolist()
        self.desired_cum = fm.desired_cum.tolist()
        self.p_boy = float(fm.p_boy)
        self.immigrant_p_male = float(fm.immigrant_p_male)
        self.district_cum = fm.district_cum.tolist()
        self.mean_wage_by_edu = fm.mean_wage_by_edu.tolist()
        self.education_age_bands = fm.pack.education_age_bands.tolist()
        self.education_cum = np.cumsum(fm.pack.education_share, axis=2).tolist()   # [band][sex][level]
        self.mortality_by_year = {y: fm._mortality_table(y).tolist()
                                  for y in range(self.start_year, self.start_year + self.n_months // 12 + 1)}
        self.birth_limit_by_month = [int(fm.policy.value("birth_limit", mi)) for mi in range(self.n_months)]
        self.birth_limit_local_only = fm.policy.eligibility["birth_limit"] == "local_hukou"
        self.p_emigrate_nonlocal = float(monthly_probability(prm["emigration_rate_nonlocal"]))
        self.p_emigrate_local = float(monthly_probability(prm["emigration_rate_local"]))
        self.p_divorce_month = float(monthly_probability(prm["divorce_rate"]))
        self.postpartum_months = int(prm["postpartum_months"])

    def _copy_population(self, fm: FertilityModel):
        p, h = fm.pop.p, fm.pop.h
        u_compliance = fm.streams.uniform("birth_limit_compliance", p["key"], 0).tolist()
        hh = {name: h[name].tolist() for name in ("district", "hukou", "kind", "n_members")}
        households = [Household(self, hh["district"][i], hh["hukou"][i], hh["kind"][i]) if hh["n_members"][i] > 0
                      else None for i in range(fm.pop.n_households)]
        col = {name: p[name].tolist() for name in (
            "alive", "household", "age_months", "sex", "hukou", "education", "district", "fecund", "ever_married",
            "searching", "parity", "months_since_last_birth", "desired_children", "months_pregnant", "employed",
            "wage", "partner", "mother")}
        persons: list[Person | None] = [None] * fm.pop.n
        for i in range(fm.pop.n):
            if col["alive"][i]:
                persons[i] = Person(
                    self, households[col["household"][i]], col["age_months"][i], col["sex"][i], col["hukou"][i],
                    col["education"][i], col["district"][i], col["fecund"][i], u_compliance[i],
                    ever_married=col["ever_married"][i], searching=col["searching"][i], parity=col["parity"][i],
                    months_since_last_birth=col["months_since_last_birth"][i],
                    desired_children=col["desired_children"][i], months_pregnant=col["months_pregnant"][i],
                    employed=col["employed"][i], wage=col["wage"][i])
        for i, person in enumerate(persons):
            if person is None:
                continue
            j = col["partner"][i]
            if j != NO_PARTNER:
                person.partner = persons[j]
            j = col["mother"][i]
            if j >= 0 and persons[j] is not None:
                person.mother = persons[j]
                persons[j].children.append(person)
        for i, household in enumerate(households):      # the model's member counts are the copied members
            if household is not None and len(household.members) != hh["n_members"][i]:
                raise AssertionError(f"household {i}: {len(household.members)} members, n_members={hh['n_members'][i]}")

    # --- the month ------------------------------------------------------------------------------
    @property
    def persons(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Person]

    @property
    def households(self) -> mesa.agent.AgentSet:
        return self.agents_by_type[Household]

    @property
    def year(self) -> int:
        return self.start_year + self.month // 12

    def step(self):
        self._start_month()
        # 1. policy update
        self.birth_limit = self.birth_limit_by_month[self.month]
        # 2. ageing, mortality, migration
        self.p_death = self.mortality_by_year[self.year]
        self.persons.do("age_and_die")
        self.households.do("decide_emigration")
        self.immigrate()
        # 3. marriage market
        self.persons.do("decide_search")
        self.match()
        self.persons.do("decide_divorce")
        # 4. conception and birth
        self.persons.do("advance_pregnancy")
        self.persons.do("decide_conception")
        # 9. indicators
        self._tally_month()
        self.month += 1
        if self.month % 12 == 0:
            self.indicators.close_year(self.year - 1, self._census())
        if self.month >= self.n_months:
            self.running = False

    def run(self):
        while self.month < self.n_months:
            self.step()
        return self

    def immigrate(self):
        """New single young adults from elsewhere, each in a new one-person family household."""
        prm = self.params
        rnd = self.random.random
        k = int(prm["immigration_rate"] * len(self.persons) / 12.0 + rnd())
        lo, hi = prm["immigrant_age_min"], prm["immigrant_age_max"]
        for _ in range(k):
            age_months = int((lo + rnd() * (hi - lo + 1)) * 12)
            sex = MALE if rnd() < self.immigrant_p_male else FEMALE
            band = bisect_right(self.education_age_bands, age_months // 12) - 1
            u = rnd()
            education = sum(u > c for c in self.education_cum[band][sex][:-1])
            district = min(bisect_left(self.district_cum, rnd()), len(self.district_cum) - 1)
            household = Household(self, district, HUKOU_NONLOCAL, HOUSEHOLD_FAMILY)
            Person(self, household, age_months, sex, HUKOU_NONLOCAL, education, district,
                   fecund=rnd() >= prm["infertile_share"], u_compliance=rnd(),
                   employed=True, wage=self.mean_wage_by_edu[education])
            self.n_immigrants += 1

    def match(self):
        """agents/marriage.py match_couples, one woman at a time, on the searching singles."""
        prm = self.params
        rnd = self.random.random
        women, men = [], []
        for person in self.persons:
            if person.searching and person.partner is None:
                (women if person.sex == FEMALE else men).append(person)
        if not women or not men:
            return
        self.random.shuffle(women)
        men.sort(key=lambda man: (man.age_months, man.unique_id))
        m_age = [man.age_months / 12.0 for man in men]
        taken = [False] * len(men)
        gap_mean, gap_sd = prm["match_age_gap_mean"], prm["match_age_gap_sd"]
        w_edu, w_district = prm["match_weight_education"], prm["match_weight_district"]
        k = int(prm["match_candidates"])
        for woman in women:
            w_age = woman.age_months / 12.0
            target = w_age + gap_mean + gap_sd * self.random.gauss(0.0, 1.0)
            lo = bisect_left(m_age, target - gap_sd)
            hi = bisect_left(m_age, target + gap_sd)
            best, best_score = -1, -math.inf
            for _ in range(k):
                j = lo + int(rnd() * (hi - lo))
                if j >= hi or taken[j]:
                    continue
                man = men[j]
                gap = (m_age[j] - w_age - gap_mean) / gap_sd
                score = -0.5 * gap * gap - w_edu * abs(man.education - woman.education)
                if man.district != woman.district:
                    score -= w_district
                if score > best_score:
                    best_score, best = score, j
            if best >= 0 and rnd() < prm["match_accept_prob"] * math.exp(best_score):
                taken[best] = True
                self.marry(woman, men[best])

    def marry(self, wife: Person, husband: Person):
        """Link the spouses; the couple and the wife's minor children at home form a new household in her district."""
        for person in (wife, husband):
            if not person.ever_married:
                self.first_marriage_ages[person.sex].append(person.age_months / 12.0)
        self.n_marriages += 1
        wife.partner, husband.partner = husband, wife
        wife.ever_married = husband.ever_married = True
        wife.searching = husband.searching = False
        wife.desired_children = max(bisect_right(self.desired_cum, self.random.random()), wife.parity)
        old = wife.household
        kids = [c for c in wife.children if c.age_months < CHILD_AGE_MONTHS and c.household is old]
        both_nonlocal = wife.hukou == HUKOU_NONLOCAL and husband.hukou == HUKOU_NONLOCAL
        household = Household(self, wife.district, HUKOU_NONLOCAL if both_nonlocal else HUKOU_LOCAL,
                              HOUSEHOLD_FAMILY)
        for person in (wife, husband, *kids):
            person.move_to(household)
            person.district = wife.district

    def divorce(self, wife: Person):
        """The husband leaves for a one-person household in his district."""
        husband = wife.partner
        self.n_divorces += 1
        wife.partner = husband.partner = None
        husband.move_to(Household(self, husband.district, husband.hukou, HOUSEHOLD_FAMILY))

    # --- indicators --------------------------------------------------------------------------------
    def _start_month(self):
        self.n_deaths = self.n_emigrants = self.n_immigrants = self.n_marriages = self.n_divorces = 0
        self.parity_turning_45: list[int] = []
        self.birth_records: list[tuple[float, int, int]] = []
        self.first_marriage_ages: tuple[list[float], list[float]] = ([], [])

    def _census(self) -> np.ndarray:
        counts = [[0, 0] for _ in range(N_AGES)]
        for person in self.persons:
            counts[min(person.age_months // 12, N_AGES - 1)][person.sex] += 1
        return np.array(counts, dtype=np.int64)

    def _tally_month(self):
        ind = self.indicators
        ind.deaths += self.n_deaths
        ind.emigrants += self.n_emigrants
        ind.immigrants += self.n_immigrants
        ind.marriages += self.n_marriages
        ind.divorces += self.n_divorces
        ind.add_turning_45(np.array(self.parity_turning_45, dtype=np.int64))
        if self.birth_records:
            age, parity, sex = (np.array(c) for c in zip(*self.birth_records))
            ind.add_births(age.astype(float), parity.astype(np.int64), sex.astype(np.int64))
        for sex in (MALE, FEMALE):
            if self.first_marriage_ages[sex]:
                ind.add_first_marriages(sex, np.array(self.first_marriage_ages[sex]))
        census = self._census()
        self.person_months += int(census.sum())
        ind.add_exposure(census)

    def indicator_frame(self):
        import pandas as pd
        return pd.DataFrame(self.indicators.rows, columns=["year", "indicator", "group", "value"])


SANITY_INDICATORS = ("population", "births", "deaths", "marriages", "net_migration", "tfr")


def compare_frame(numba_frame, object_frame):
    """→ rows (year, indicator, numba, per_object): national totals, rescaled as the model reports them."""
    import pandas as pd
    sides = []
    for label, df in (("numba", numba_frame), ("per_object", object_frame)):
        top = df[(df["group"] == "") & df["indicator"].isin(SANITY_INDICATORS)]
        sides.append(top.set_index(["year", "indicator"])["value"].rename(label))
    out = pd.concat(sides, axis=1).reset_index()
    order = {name: i for i, name in enumerate(SANITY_INDICATORS)}
    return out.sort_values(["year", "indicator"], key=lambda c: c.map(order) if c.name == "indicator" else c)


def print_comparison(table):
    print(f"{'year':>4}  {'indicator':<14}{'numba':>14}{'per-object':>14}{'ratio':>8}")
    for row in table.itertuples(index=False):
        fmt = "{:>14.3f}" if row.indicator == "tfr" else "{:>14,.0f}"
        ratio = row.per_object / row.numba if row.numba else float("nan")
        print(f"{row.year:>4}  {row.indicator:<14}" + fmt.format(row.numba) + fmt.format(row.per_object)
              + f"{ratio:>8.3f}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.001)
    ap.add_argument("--years", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--economy-feedback", action="store_true",
                    help="compare with the numba model's default parameters (economy feeding back on births)")
    args = ap.parse_args(argv)

    t0 = time.perf_counter()
    fm = FertilityModel(years=args.years, scale=args.scale, seed=args.seed,
                        parameters=None if args.economy_feedback else ECONOMY_FEEDBACK_OFF)
    t_fm = time.perf_counter() - t0
    obj = PerObjectModel(seed=args.seed, source=fm)      # copies fm's state before fm steps
    n0 = len(obj.persons)
    t0 = time.perf_counter()
    fm.run()
    t_numba = time.perf_counter() - t0
    t0 = time.perf_counter()
    obj.run()
    t_obj = time.perf_counter() - t0

    print(f"scale {args.scale}, {n0:,} persons, {args.years} years, seed {args.seed}; "
          f"counts rescaled to the real population (x{obj.indicators.rescale:,.0f}); numba parameters: "
          + ("defaults (economy feeds back)" if args.economy_feedback else f"defaults + {ECONOMY_FEEDBACK_OFF}"))
    print_comparison(compare_frame(fm.indicator_frame(), obj.indicator_frame()))
    print(f"numba:      setup {t_fm:.2f} s, run {t_numba:.2f} s")
    print(f"per-object: copy {obj.setup_seconds:.2f} s, run {t_obj:.2f} s, "
          f"{obj.person_months / t_obj:,.0f} person-months/s")


if __name__ == "__main__":
    main()
