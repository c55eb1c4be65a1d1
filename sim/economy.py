"""Households' economics: phases 5–8 of the month, and the economic terms of the birth decision.

    5. leave and childcare   leave counts down; each child under 3 gets a care mode
                             (mother / grandparents / nursery / nanny) by a logit on price,
                             lost income and availability; nursery places are rationed per
                             district (capacity = places per 1,000 × residents / 1,000)
    6. employment            retirement, exits, hiring with a penalty on young women that
                             grows with the employer-paid share of leave, mothers caring for
                             an under-3 out of work; wages grow with age
    7. income and costs      wages, leave pay, income tax with the child deductions at the
                             household's marginal rate, cash transfers, child costs
    8. fiscal accounting     every yuan each lever pays, into the FiscalLedger

``birth_logit`` gives, per woman, the economic part of the conception log-odds:
net cost of a further child, opportunity cost, childcare access, housing.
Every coefficient is a parameter (sim/parameters.py); every lever is read from the
compiled policy of the month.
"""

from __future__ import annotations

import numba
import numpy as np

from agents.income import (HW_COLUMNS, children_and_transfers, household_earnings, household_taxes, household_totals,
                           income_write, person_incomes)
from agents.rows import rows_where
from agents.birth_costs import birth_cost_terms
from agents.compaction import compact_rows
from agents.census import count_mothers_at_work, count_women_at_work
from agents.childcare import care_choice_inputs, children_needing_care, rank_care_modes, settle_care_mode
from agents.conception import short_of_desired
from agents.employment import (apply_motherhood_penalty, count_down_leave, decide_employment, grow_wages,
                               monthly_growth_factors)
from agents.housing import admit_multichild_renters, priority_discounts_and_tenure
from agents.nursery import ration_nursery_places
from agents.state import (CARE_MODE_NAMES, CARE_MOTHER, CARE_NURSERY, FEMALE,
                          HUKOU_LOCAL, N_CARE_MODES, TENURE_NAMES)
from agents.sums import fixed_total
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER
from policies.fiscal import FiscalLedger
from sim.parameters import monthly_probability

DAYS_PER_MONTH = 365.25 / 12
UNDER3_MONTHS = 36


def numpy_keeps_float32(wage: np.ndarray, factor) -> bool:
    """Whether numpy's ``wage * factor`` (a float32 array times a Python or numpy number) is float32:
    the kernels reproduce the original array code's precision with this flag."""
    return (wage[:0] * factor).dtype == np.float32


class HouseholdEconomy:
    """Owns the economic phases of one run. ``model`` gives pop, params, pack, streams, lever values."""

    def __init__(self, model):
        self.m = model
        prm, pack = model.params, model.pack
        self.ledger = FiscalLedger()
        self.child_cost_month = pack.economy["child_cost_0_17_2019"] / (18 * 12)
        # pensions, property income and net transfers per resident: disposable minus wage income
        self.other_income_month = (pack.economy["disposable_income_per_capita"]
                                   - pack.economy["wage_income_per_capita"]) / 12.0
        self.ivf_cost = 0.5 * (pack.economy["ivf_cost_per_cycle_low"] + pack.economy["ivf_cost_per_cycle_high"])
        self.asc = np.array([0.0, prm["care_asc_grandparent"], prm["care_asc_nursery"], prm["care_asc_nanny"]])
        ages = np.arange(101)
        self.wage_growth = np.where(ages < prm["wage_growth_peak_age"], prm["wage_growth_young"], 0.0)
        self.wage_factor = monthly_growth_factors(self.wage_growth)     # monthly, by age year
        self.year_care = np.zeros(N_CARE_MODES)          # child-months by mode
        self.year_tenure = np.zeros(len(TENURE_NAMES))  # household-months by tenure
        self.year_nursery = np.zeros((3, len(pack.districts)))   # places, enrolled, waitlist (month sums)
        self.months_in_year = 0
        self.marginal_rate_h = np.zeros(0)     # per household at the last phase 7 (later households: 0)
        self.pending_grants = None            # (households, grant yuan) of this month's births
        self.scratch = model.scratch
        self._care_kids = self._care_mode = np.zeros(0, np.int64)

    # --- helpers ------------------------------------------------------------------
    def _eligible(self, lever: str, hukou: np.ndarray) -> np.ndarray:
        if self.m.policy.eligibility[lever] == "local_hukou":
            return hukou == HUKOU_LOCAL
        return np.ones(len(hukou), bool)

    def _local_only(self, lever: str) -> bool:
        return self.m.policy.eligibility[lever] == "local_hukou"

    def _by_parity(self, lever: str, birth_order: np.ndarray) -> np.ndarray:
        """Per-child value of a by-parity lever (birth order 1, 2, 3+)."""
        values = np.asarray(self.m.lever[lever], dtype=float)
        return values[np.clip(birth_order - 1, 0, 2)]

    def household_income(self) -> np.ndarray:
        return self.m.pop.household("income")

    def provisional_income(self, members: np.ndarray):
        """Income of households formed this month (by marriage, divorce or arrival) until phase 7
        computes it: the net wages of their members (all of whom are given)."""
        p, prm = self.m.pop.p, self.m.params
        hh = p["household"][members]
        earning = p["employed"][members] * p["wage"][members] * (1 - prm["tax_and_social_share"])
        income = self.m.pop.household("income")
        income[hh] = 0.0
        np.add.at(income, hh, earning)

    def after_compaction(self, kept_households: np.ndarray):
        """The population dropped rows (sim/population.py ``compact``): per-household state kept here
        follows the kept households (bool by old row; in place, without a temporary)."""
        known = min(len(self.marginal_rate_h), len(kept_households))   # households added since have none
        self.marginal_rate_h = self.marginal_rate_h[:compact_rows(self.marginal_rate_h, kept_households[:known])]
        self._care_kids = self._care_mode = np.zeros(0, np.int64)

    # --- phase 5: leave and childcare ------------------------------------------------
    def leave_and_childcare(self, cm: int):
        m, p, prm = self.m, self.m.pop.p, self.m.params
        count_down_leave(p["alive"], p["leave_months_left"])
        needs = m._mask()
        children_needing_care(p["alive"], p["age_months"], p["mother"], p["childcare_mode"], UNDER3_MONTHS, needs)
        kids = m._rows(needs).copy()
        mothers = p["mother"][kids]
        # the price of mother care is the net wage she gives up (0 without earning capacity)
        net_wage_share = 1 - prm["tax_and_social_share"]
        price, available, income, subsidy = care_choice_inputs(
            kids, p["mother"], p["household"], p["wage"], p["leave_months_left"], p["hukou"], p["age_months"],
            m.pop.household("grandparents_nearby"), self.household_income(), float(net_wage_share),
            numpy_keeps_float32(p["wage"], net_wage_share), float(m.lever["nursery_fee"]),
            float(m.lever["nursery_fee_subsidy"]), self._local_only("nursery_fee_subsidy"), float(prm["nanny_price"]),
            float(prm["nursery_min_age_months"]))
        u = m.streams.uniform_k("care_mode", p["key"][kids], cm, N_CARE_MODES)
        rank = rank_care_modes(price, income, self.asc, prm["care_beta_price"], prm["income_floor"], available,
                               np.ones(len(kids), np.bool_), u)
        wants = rank[:, 0] == CARE_NURSERY
        district = p["district"][kids]
        capacity = self.nursery_capacity()
        parity = p["parity"][mothers]
        priority = (parity >= 2).astype(np.int8) if m.lever["nursery_priority_multichild"] else \
            np.zeros(len(kids), np.int8)
        gets, waitlisted, enrolled, waiting = ration_nursery_places(
            district, wants, p["childcare_mode"][kids] == CARE_NURSERY, priority,
            m.streams.uniform("nursery_order", p["key"][kids], cm), capacity)
        # waitlisted children go to their next-ranked mode (no new draws)
        mode = settle_care_mode(rank, waitlisted, CARE_NURSERY)
        mode[mode < 0] = CARE_MOTHER
        p["childcare_mode"][kids] = mode
        self.year_care += np.bincount(mode, minlength=N_CARE_MODES)
        self.year_nursery[0] += capacity
        self.year_nursery[1] += enrolled
        self.year_nursery[2] += waiting
        self.months_in_year += 1
        # fiscal: public support of the places provided, and the fee subsidy for enrolled children
        self.ledger.pay("nursery_places_per_1000", float(capacity.sum() * prm["nursery_place_public_cost"]))
        self.ledger.pay("nursery_fee_subsidy", fixed_total(subsidy * (mode == CARE_NURSERY)))
        self._care_kids, self._care_mode = kids, mode

    def nursery_capacity(self) -> np.ndarray:
        """Places per district: places per 1,000 × simulated residents / 1,000."""
        residents, _ = self._district_counts()
        return self._capacity(residents)

    def _capacity(self, residents: np.ndarray) -> np.ndarray:
        return np.floor(self.m.lever["nursery_places_per_1000"] * residents / 1000.0).astype(np.int64)

    def _district_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """(living residents, living children under 3) by district."""
        census = self.m.census()
        return census.residents, census.under3

    # --- leave at birth ----------------------------------------------------------------
    def on_births(self, mothers: np.ndarray, new_parity: np.ndarray):
        """Leave for employed mothers, motherhood wage penalty, birth grants."""
        m, p = self.m, self.m.pop.p
        working = mothers[p["employed"][mothers]]
        p["leave_months_left"][working] = int(round(m.lever["maternity_leave_days"] / DAYS_PER_MONTH))
        apply_motherhood_penalty(p["wage"], mothers.astype(np.int64), m.pack.economy["motherhood_wage_penalty_per_child"])
        grant = self._by_parity("birth_grant", new_parity) * self._eligible("birth_grant", p["hukou"][mothers])
        self.ledger.pay("birth_grant", fixed_total(grant))
        # the households' grants, paid with next phase 7's transfers: (sorted households, sums in mothers' order)
        households, which = np.unique(p["household"][mothers], return_inverse=True)
        self.pending_grants = (households.astype(np.int64), np.bincount(which, weights=grant))

    def employer_leave_burden(self) -> float:
        """Years of leave pay an employer expects to bear for a young woman's birth, net of
        employment protection: leave_employer_share × maternity_leave_days/365 × (1 − protection)."""
        lv = self.m.lever
        return lv["leave_employer_share"] * lv["maternity_leave_days"] / 365.0 * (1.0 - lv["employment_protection"])

    # --- phase 6: employment ------------------------------------------------------------
    def employment(self, cm: int):
        m, p, prm = self.m, self.m.pop.p, self.m.params
        retire = np.array([m.pack.economy["retirement_age_men"], m.pack.economy["retirement_age_women_cadres"]]) * 12
        care_needs_mother = self.scratch.get("person_flag", m.pop.n, np.bool_)     # all False between uses
        mothers_caring = p["mother"][self._care_kids[self._care_mode == CARE_MOTHER]]
        care_needs_mother[mothers_caring] = True
        penalty = prm["hire_penalty_coef"] * self.employer_leave_burden()
        decide_employment(
            p["alive"], p["sex"], p["age_months"], p["employed"], p["leave_months_left"], p["months_since_last_birth"],
            p["key"], retire, int(prm["min_working_age"]) * 12,
            monthly_probability(prm["job_exit_rate"]), monthly_probability(prm["hire_rate"]), float(min(penalty, 1.0)),
            np.array([prm["young_women_age_min"] * 12, (prm["young_women_age_max"] + 1) * 12]), care_needs_mother,
            monthly_probability(min(prm["return_rate_school_mothers"] * (1 + m.lever["after_school_coverage"]), 1.0)),
            m.streams.seed_stream("employment"), cm)
        care_needs_mother[mothers_caring] = False
        grow_wages(p["alive"], p["age_months"], p["wage"], self.wage_factor)

    # --- phase 7: income and costs -------------------------------------------------------
    def income_and_costs(self, cm: int):
        """Wages, leave pay, income tax with the child deductions claimed by each household's top
        earner (assumption), cash transfers per child by birth order, housing, child costs; every
        yuan a lever pays to the ledger (agents/income.py: each person's pay and tax in parallel, the
        household sums, the claiming top earners' tax once more; sums in 2**-16 yuan, agents/sums.py, so
        that no result depends on the order of the rows)."""
        m, p, prm = self.m, self.m.pop.p, self.m.params
        n, n_h = m.pop.n, m.pop.n_households
        ws = self.scratch
        lv = m.lever
        # young women's pay is cut by part of the leave cost their employers expect to bear
        wage_cut = min(prm["wage_penalty_coef"] * self.employer_leave_burden(), 1.0)
        young_pay_factor = 1.0 - wage_cut
        # numpy arithmetic of the original array code: a Python-float cut (capped at 1) leaves pay
        # as float32, whose social-insurance product is then a float32 one
        gross_f32 = numpy_keeps_float32(p["wage"], young_pay_factor)
        young = (float(prm["young_women_age_min"]), float(prm["young_women_age_max"]))
        subsidy = np.asarray(lv["childcare_subsidy"], dtype=float)
        allowance = np.asarray(lv["child_allowance"], dtype=float)
        gross = ws.get("gross", n, np.float64)
        contributions = ws.get("contributions", n, np.float64)
        child = m._mask()
        person_args = (p["alive"], p["age_months"], p["sex"], p["employed"], p["leave_months_left"], p["wage"])
        pay_args = (young[0], young[1], young_pay_factor, gross_f32, lv["leave_pay_rate"],
                    prm["social_insurance_rate"], self.other_income_month)
        leave_pay = person_incomes(*person_args, *pay_args, BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL,
                                   gross, contributions, child)
        hw = ws.get("household_work", n_h * HW_COLUMNS, np.float64).reshape(n_h, HW_COLUMNS)
        household_earnings(p["household"], gross, contributions, hw, numba.get_num_threads())
        self.ledger.pay("maternity_leave_days", leave_pay * (1.0 - lv["leave_employer_share"]))
        # children under 18 by household, and the cash transfers per child by birth order (if a lever pays any)
        kids = ws.get("kids", n, np.int64)
        kids = kids[:rows_where(child, kids)]
        children = ws.get("children", n_h * 2, np.int16, fill=0).reshape(n_h, 2)
        no_array = np.zeros(0)
        subsidy_h = allowance_h = no_array
        if subsidy.any() or allowance.any():
            subsidy_h = ws.get("subsidy_h", n_h, np.float64, fill=0.0)
            allowance_h = ws.get("allowance_h", n_h, np.float64, fill=0.0)
        subsidies, allowances = children_and_transfers(
            kids, p["age_months"], p["household"], p["hukou"], p["birth_order"],
            subsidy, self._local_only("childcare_subsidy"), allowance, self._local_only("child_allowance"),
            children, subsidy_h, allowance_h)

        grant_households, grant_amounts = self.pending_grants if self.pending_grants is not None else \
            (np.zeros(0, np.int64), np.zeros(0))
        self.pending_grants = None
        # child costs: the Beijing cost of raising a child spread evenly over ages 0-17 (assumption),
        # its education part from age 3 cut by education_cost_reduction (paid by the budget)
        school_cost = self.child_cost_month * prm["child_cost_education_share"] * lv["education_cost_reduction"]
        after_school = lv["after_school_coverage"] * prm["after_school_cost_per_pupil"]
        self.marginal_rate_h = ws.get("marginal_rate_h", n_h, np.float64)
        claim = ws.get("claim", n_h, np.uint8)
        head_hukou = m.pop.household("hukou")
        tax_args = (lv["tax_deduction_infant"], lv["tax_deduction_education"], prm["social_insurance_rate"])
        schedule = (BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
        household_taxes(hw, children, *tax_args, *schedule, self.marginal_rate_h, claim)
        forgone_infant, forgone_education, housing, school, after_school_cost = household_totals(
            hw, children, claim, *tax_args, gross_f32, self.other_income_month, *schedule,
            lv["housing_subsidy"], self._local_only("housing_subsidy"), head_hukou, school_cost, after_school)
        income_write(hw, children, subsidy_h, allowance_h, grant_households, grant_amounts,
                     lv["housing_subsidy"], self._local_only("housing_subsidy"), head_hukou, m.pop.household("income"))
        self.ledger.pay("tax_deduction_infant", forgone_infant)
        self.ledger.pay("tax_deduction_education", forgone_education)
        self.ledger.pay("childcare_subsidy", subsidies)
        self.ledger.pay("child_allowance", allowances)
        self.ledger.pay("housing_subsidy", housing)
        self._housing(cm, children, head_hukou)
        self.ledger.pay("education_cost_reduction", school)
        self.ledger.pay("after_school_coverage", after_school_cost)

    def _housing(self, cm: int, children: np.ndarray, head_hukou: np.ndarray):
        """Multi-child priority admits private renters with 2+ children (``children`` (n_h, 2): under 3
        and 3-17 per household) to public rental; the budget pays the discount on the rent of the
        tenants it admitted (fiscal cost)."""
        m, prm = self.m, self.m.params
        tenure = m.pop.household("tenure")
        if m.lever["housing_priority_multichild"]:
            admit_multichild_renters(tenure, children, head_hukou, m.pop.household("hid"),
                                     self._local_only("housing_priority_multichild"),
                                     m.streams.seed_stream("public_rental_admission"), cm,
                                     monthly_probability(prm["public_rental_admission_rate"]))
        discounts = self.scratch.get("priority_discounts", len(tenure), np.float64)
        counts = np.zeros(len(TENURE_NAMES), np.int64)
        k = priority_discounts_and_tenure(tenure, m.pop.household("n_members"),
                                          self.rent_per_m2() * prm["space_per_person_m2"],
                                          prm["public_rental_discount"], discounts, counts)
        self.ledger.pay("housing_priority_multichild", float(discounts[:k].sum()))
        self.year_tenure += counts

    def rent_per_m2(self) -> float:
        """Market rent per m² per month at this run's housing price index."""
        return self.m.params["rent_per_m2_month"] * self.m.params["housing_price_index"]

    # --- ART ----------------------------------------------------------------------------------
    def art_conceptions(self, cm: int, candidates: np.ndarray) -> np.ndarray:
        """Infertile partnered women 35–44 below their parity cap (``candidates``, rows in order, from
        agents/conception.py ``conception_candidates``) try ART this month with an uptake that falls
        with its price relative to income; coverage pays part of the price. → rows who conceive."""
        m, p, prm = self.m, self.m.pop.p, self.m.params
        if len(candidates) == 0:
            return candidates
        coverage = m.lever["art_coverage"] * self._eligible("art_coverage", p["hukou"][candidates])
        price = self.ivf_cost * (1.0 - coverage)
        income = np.maximum(self.household_income()[p["household"][candidates]], prm["income_floor"])
        uptake = prm["art_uptake_max"] / (1.0 + price / (prm["art_price_income_months"] * income))
        u = m.streams.uniform_k("art", p["key"][candidates], cm, 2)
        tries = u[:, 0] < uptake
        self.ledger.pay("art_coverage", fixed_total(self.ivf_cost * coverage * tries))
        success = tries & (u[:, 1] < prm["art_success_rate"])
        return candidates[success]

    # --- the economic part of the birth decision ------------------------------------------
    def birth_terms(self, women: np.ndarray):
        """Women (rows) → (net cost / income, mother's lost income / income, nursery places per
        child under 3 in her district, cost of the extra space / income), all for a further child
        (agents/birth_costs.py)."""
        m, p, prm = self.m, self.m.pop.p, self.m.params
        lv = m.lever
        months = 18 * 12
        # support per month over a child's 18 years (undiscounted; assumption): the deductions at
        # the household's marginal rate, and the education cost reduction from age 3
        deduction_support = lv["tax_deduction_infant"] * UNDER3_MONTHS + lv["tax_deduction_education"] * (
            months - UNDER3_MONTHS)
        education_support = self.child_cost_month * prm["child_cost_education_share"] * lv["education_cost_reduction"] \
            * (months - UNDER3_MONTHS) / months
        full = self.rent_per_m2() * prm["space_per_child_m2"]
        # opportunity cost: the mother's lost net wage over the months she is expected to care
        # at home in the first 3 years, less paid leave and the fathers'/parental leave days
        leave_months = lv["maternity_leave_days"] / DAYS_PER_MONTH
        shared_days = lv["paternity_leave_days"] + 2 * 3 * lv["parental_leave_days"]
        home_months = max(prm["expected_home_care_months"] - leave_months * lv["leave_pay_rate"]
                          - shared_days / DAYS_PER_MONTH, 0.0)
        return birth_cost_terms(
            np.ascontiguousarray(women, np.int64), p["household"], p["parity"], p["hukou"], p["wage"], p["district"],
            self.household_income(), m.pop.household("tenure"), self.marginal_rate_h, np.float32(prm["income_floor"]),
            np.asarray(lv["childcare_subsidy"], float), self._local_only("childcare_subsidy"),
            np.asarray(lv["child_allowance"], float), self._local_only("child_allowance"),
            np.asarray(lv["birth_grant"], float), self._local_only("birth_grant"),
            float(deduction_support), float(education_support),
            float(lv["housing_subsidy"]), self._local_only("housing_subsidy"),
            bool(lv["housing_priority_multichild"]), self._local_only("housing_priority_multichild"),
            float(full), float(full * (1.0 - prm["public_rental_discount"])), float(self.child_cost_month),
            np.float32(1 - prm["tax_and_social_share"]), float(home_months), self._nursery_access())

    def birth_logit(self, women: np.ndarray) -> np.ndarray:
        """Partnered women (rows) → the economic part of their conception log-odds (0 from age 50)."""
        prm = self.m.params
        under_50 = self.m.pop.p["age_months"][women] < 50 * 12
        out = np.zeros(len(women))
        if under_50.all():
            terms_of = women
        else:
            terms_of = women[under_50]
        cost, lost, access, space = self.birth_terms(terms_of)
        logit = (prm["logit_net_cost"] * cost + prm["logit_opportunity_cost"] * lost
                 + prm["logit_childcare_access"] * access + prm["logit_housing_cost"] * space)
        if under_50.all():
            return logit
        out[under_50] = logit
        return out

    def drift_desired(self, cm: int):
        """Once a year: couples short of their desired family size lower it by one with a
        probability that grows with the net cost of a child and of its space relative to income
        (cost stress)."""
        p, prm = self.m.pop.p, self.m.params
        short = self.m._mask()
        short_of_desired(p["alive"], p["sex"], p["partner"], p["age_months"], p["parity"], p["desired_children"],
                         50 * 12, short)
        women = self.m._rows(short).copy()
        cost, _, _, space = self.birth_terms(women)
        cost = cost + space
        u = self.m.streams.uniform("desired_drift", p["key"][women], cm)
        drop = women[u < prm["desired_drift_rate"] * np.minimum(cost, 1.0)]
        p["desired_children"][drop] -= 1

    def _nursery_access(self) -> np.ndarray:
        """Nursery places per child under 3, by district (0..1)."""
        residents, kids = self._district_counts()
        return np.minimum(self._capacity(residents) / np.maximum(kids, 1), 1.0)

    # --- year end ----------------------------------------------------------------------------
    def close_year(self, add):
        """Append the year's economic indicators via add(indicator, value, group)."""
        m, p = self.m, self.m.pop.p
        f = m.indicators.rescale
        paid = self.ledger.close_year()
        add("fiscal_cost", sum(paid.values()) * f)
        for lever, yuan in sorted(paid.items()):
            add("fiscal_cost", yuan * f, f"lever={lever}")
        # women 25-49 and 15+, and those at work (a share of 0 women is nan)
        (w25, e25), (w15, e15) = count_women_at_work(p["alive"], p["sex"], p["age_months"], p["employed"], FEMALE,
                                                    np.array([[25, 49], [15, 10_000]]))
        add("female_lfp_25_49", e25 / w25 if w25 else np.nan)
        add("female_lfp_15plus", e15 / w15 if w15 else np.nan)
        mothers, at_work = count_mothers_at_work(p["alive"], p["age_months"], p["mother"], p["employed"], UNDER3_MONTHS,
                                                 m._mask())
        add("mothers_employed_under3", at_work / mothers if mothers else np.nan)
        months = max(self.months_in_year, 1)
        places, enrolled, waiting = self.year_nursery / months
        for name, v in (("nursery_places", places), ("nursery_enrolled", enrolled), ("nursery_waitlist", waiting)):
            add(name, v.sum() * f)
            for d, district in enumerate(m.pack.districts):
                add(name, v[d] * f, f"district={district}")
        shares = self.year_care / max(self.year_care.sum(), 1)
        for mode, label in enumerate(CARE_MODE_NAMES):
            add("childcare_mode", shares[mode], f"mode={label}")
        shares = self.year_tenure / max(self.year_tenure.sum(), 1)
        for tenure, label in enumerate(TENURE_NAMES):
            add("housing_tenure", shares[tenure], f"tenure={label}")
        self.year_care[:] = 0
        self.year_tenure[:] = 0
        self.year_nursery[:] = 0
        self.months_in_year = 0


