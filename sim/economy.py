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

import numpy as np

from agents.census import top_earner_by_household
from agents.childcare import rank_care_modes, settle_care_mode
from agents.employment import apply_motherhood_penalty, count_down_leave, decide_employment, grow_wages
from agents.housing import admit_multichild_renters
from agents.nursery import ration_nursery_places
from agents.state import (CARE_GRANDPARENT, CARE_MODE_NAMES, CARE_MOTHER, CARE_NANNY, CARE_NURSERY, FEMALE,
                          HUKOU_LOCAL, N_CARE_MODES, NO_CARE_MODE, NO_PARTNER, TENURE_NAMES, TENURE_PRIVATE_RENT,
                          TENURE_PUBLIC_PRIORITY, TENURE_PUBLIC_RENTAL)
from agents.taxes import BASIC_DEDUCTION_ANNUAL, BRACKET_RATE, BRACKET_UPPER, income_tax_monthly
from policies.fiscal import FiscalLedger
from sim.parameters import monthly_probability

DAYS_PER_MONTH = 365.25 / 12
UNDER3_MONTHS = 36
ADULT_MONTHS = 18 * 12


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
        self.year_care = np.zeros(N_CARE_MODES)          # child-months by mode
        self.year_tenure = np.zeros(len(TENURE_NAMES))  # household-months by tenure
        self.year_nursery = np.zeros((3, len(pack.districts)))   # places, enrolled, waitlist (month sums)
        self.months_in_year = 0
        self.marginal_rate_h = np.zeros(0)
        self.pending_grants = None
        self._care_kids = self._care_mode = np.zeros(0, np.int64)

    # --- helpers ------------------------------------------------------------------
    def _eligible(self, lever: str, hukou: np.ndarray) -> np.ndarray:
        if self.m.policy.eligibility[lever] == "local_hukou":
            return hukou == HUKOU_LOCAL
        return np.ones(len(hukou), bool)

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

    # --- phase 5: leave and childcare ------------------------------------------------
    def leave_and_childcare(self, cm: int):
        m, p, prm = self.m, self.m.pop.p, self.m.params
        count_down_leave(p["alive"], p["leave_months_left"])
        kids = np.flatnonzero(p["alive"] & (p["age_months"] < UNDER3_MONTHS) & (p["mother"] >= 0))
        p["childcare_mode"][p["alive"] & (p["age_months"] >= UNDER3_MONTHS)] = NO_CARE_MODE
        mothers = p["mother"][kids]
        hh = p["household"][kids]
        income = self.household_income()[hh].astype(float)
        on_leave = p["leave_months_left"][mothers] > 0
        price = np.zeros((len(kids), N_CARE_MODES))
        # the price of mother care is the net wage she gives up (0 without earning capacity)
        price[:, CARE_MOTHER] = p["wage"][mothers] * (1 - prm["tax_and_social_share"])
        fee = m.lever["nursery_fee"]
        subsidy = m.lever["nursery_fee_subsidy"] * self._eligible("nursery_fee_subsidy", p["hukou"][kids])
        price[:, CARE_NURSERY] = np.maximum(fee - subsidy, 0.0)
        price[:, CARE_NANNY] = prm["nanny_price"]
        available = np.ones((len(kids), N_CARE_MODES), bool)
        available[:, CARE_GRANDPARENT] = m.pop.household("grandparents_nearby")[hh] > 0
        available[:, CARE_NURSERY] = p["age_months"][kids] >= prm["nursery_min_age_months"]
        # a mother on paid leave cares for her child herself
        available[on_leave, 1:] = False
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
        self.ledger.pay("nursery_fee_subsidy", float((subsidy * (mode == CARE_NURSERY)).sum()))
        self._care_kids, self._care_mode = kids, mode

    def nursery_capacity(self) -> np.ndarray:
        """Places per district: places per 1,000 × simulated residents / 1,000."""
        p = self.m.pop.p
        residents = np.bincount(p["district"][p["alive"]], minlength=len(self.m.pack.districts))
        return np.floor(self.m.lever["nursery_places_per_1000"] * residents / 1000.0).astype(np.int64)

    # --- leave at birth ----------------------------------------------------------------
    def on_births(self, mothers: np.ndarray, new_parity: np.ndarray):
        """Leave for employed mothers, motherhood wage penalty, birth grants."""
        m, p = self.m, self.m.pop.p
        working = mothers[p["employed"][mothers]]
        p["leave_months_left"][working] = int(round(m.lever["maternity_leave_days"] / DAYS_PER_MONTH))
        apply_motherhood_penalty(p["wage"], mothers.astype(np.int64), m.pack.economy["motherhood_wage_penalty_per_child"])
        grant = self._by_parity("birth_grant", new_parity) * self._eligible("birth_grant", p["hukou"][mothers])
        self.ledger.pay("birth_grant", float(grant.sum()))
        self.pending_grants = np.bincount(p["household"][mothers], weights=grant,
                                          minlength=m.pop.n_households)

    def employer_leave_burden(self) -> float:
        """Years of leave pay an employer expects to bear for a young woman's birth, net of
        employment protection: leave_employer_share × maternity_leave_days/365 × (1 − protection)."""
        lv = self.m.lever
        return lv["leave_employer_share"] * lv["maternity_leave_days"] / 365.0 * (1.0 - lv["employment_protection"])

    # --- phase 6: employment ------------------------------------------------------------
    def employment(self, cm: int):
        m, p, prm = self.m, self.m.pop.p, self.m.params
        retire = np.array([m.pack.economy["retirement_age_men"], m.pack.economy["retirement_age_women_cadres"]]) * 12
        care_by_mother = np.zeros(m.pop.n, bool)
        if len(self._care_kids):
            mother_care = self._care_mode == CARE_MOTHER
            care_by_mother[p["mother"][self._care_kids[mother_care]]] = True
        penalty = prm["hire_penalty_coef"] * self.employer_leave_burden()
        u = m.streams.uniform("employment", p["key"], cm)
        youngest_3plus = p["alive"] & (p["sex"] == FEMALE) & (p["months_since_last_birth"] >= UNDER3_MONTHS)
        employed = decide_employment(
            p["alive"], p["sex"], p["age_months"], p["employed"], p["leave_months_left"], retire,
            int(prm["min_working_age"]) * 12,
            monthly_probability(prm["job_exit_rate"]), monthly_probability(prm["hire_rate"]), float(min(penalty, 1.0)),
            np.array([prm["young_women_age_min"] * 12, (prm["young_women_age_max"] + 1) * 12]), care_by_mother,
            youngest_3plus,
            monthly_probability(min(prm["return_rate_school_mothers"] * (1 + m.lever["after_school_coverage"]), 1.0)),
            u)
        p["employed"][:] = employed
        grow_wages(p["alive"], p["age_months"], p["wage"], self.wage_growth)

    # --- phase 7: income and costs -------------------------------------------------------
    def income_and_costs(self, cm: int):
        m, p, prm = self.m, self.m.pop.p, self.m.params
        n_h = m.pop.n_households
        alive = p["alive"]
        on_leave = alive & (p["leave_months_left"] > 0)
        # young women's pay is cut by part of the leave cost their employers expect to bear
        age = p["age_months"] // 12
        young_woman = (p["sex"] == FEMALE) & (age >= prm["young_women_age_min"]) & (age <= prm["young_women_age_max"])
        wage_cut = min(prm["wage_penalty_coef"] * self.employer_leave_burden(), 1.0)
        pay = np.where(young_woman, p["wage"] * (1.0 - wage_cut), p["wage"])
        earnings = np.where(alive & p["employed"] & ~on_leave, pay, 0.0)
        leave_pay = np.where(on_leave, m.lever["leave_pay_rate"] * p["wage"], 0.0)
        gross = earnings      # the maternity allowance is exempt from income tax (Caishui [2008] No. 8)
        insurer_share = 1.0 - m.lever["leave_employer_share"]
        self.ledger.pay("maternity_leave_days", float(leave_pay.sum() * insurer_share))

        # children by household: under 3, 3-17
        child = alive & (p["age_months"] < ADULT_MONTHS)
        under3 = child & (p["age_months"] < UNDER3_MONTHS)
        hh = p["household"]
        n_under3 = np.bincount(hh[under3], minlength=n_h)
        n_school = np.bincount(hh[child & ~under3], minlength=n_h)
        # income tax with the child deductions claimed by the household's top earner (assumption)
        top = top_earner_by_household(alive, hh, gross, n_h)
        deduction = np.zeros(m.pop.n)
        ded_h_infant = n_under3 * m.lever["tax_deduction_infant"]
        ded_h_edu = n_school * m.lever["tax_deduction_education"]
        has_top = top >= 0
        deduction[top[has_top]] = (ded_h_infant + ded_h_edu)[has_top]
        tax, marginal = income_tax_monthly(gross, prm["social_insurance_rate"], deduction,
                                           BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
        # revenue forgone: the claimers' tax without their deduction, less their tax with it
        claimers = np.flatnonzero(deduction > 0)
        tax0, _ = income_tax_monthly(gross[claimers], prm["social_insurance_rate"], np.zeros(len(claimers)),
                                     BRACKET_UPPER, BRACKET_RATE, BASIC_DEDUCTION_ANNUAL)
        total_ded = np.maximum(ded_h_infant + ded_h_edu, 1e-300)
        share_infant = np.where(has_top, ded_h_infant / total_ded, 0.0)
        forgone_h = np.bincount(hh[claimers], weights=tax0 - tax[claimers], minlength=n_h)
        self.ledger.pay("tax_deduction_infant", float((forgone_h * share_infant).sum()))
        self.ledger.pay("tax_deduction_education", float((forgone_h * (1 - share_infant)).sum()))
        self.marginal_rate_h = np.zeros(n_h)
        self.marginal_rate_h[has_top] = marginal[top[has_top]]

        # cash transfers per child (by birth order of the child: its mother's parity when it was born)
        birth_order = np.clip(self._birth_order(), 1, 3)
        transfers = np.zeros(n_h)
        for lever, who in (("childcare_subsidy", under3), ("child_allowance", child)):
            ok = who & self._eligible(lever, p["hukou"])
            pay = np.where(ok, self._by_parity(lever, birth_order), 0.0)
            self.ledger.pay(lever, float(pay.sum()))
            transfers += np.bincount(hh, weights=pay, minlength=n_h)
        multichild = (n_under3 + n_school) >= 2
        housing = np.where(multichild, m.lever["housing_subsidy"], 0.0)
        head_hukou = m.pop.household("hukou")
        housing *= self._eligible("housing_subsidy", head_hukou)
        self.ledger.pay("housing_subsidy", float(housing.sum()))
        transfers += housing
        if self.pending_grants is not None:
            transfers[: len(self.pending_grants)] += self.pending_grants
        self.pending_grants = None
        self._housing(cm, n_under3 + n_school, head_hukou)

        # child costs: the Beijing cost of raising a child spread evenly over ages 0-17 (assumption),
        # its education part from age 3 cut by education_cost_reduction (paid by the budget)
        edu_share = prm["child_cost_education_share"]
        reduction = m.lever["education_cost_reduction"]
        school_cost = self.child_cost_month * edu_share * reduction * n_school
        self.ledger.pay("education_cost_reduction", float(school_cost.sum()))
        after_school = m.lever["after_school_coverage"] * prm["after_school_cost_per_pupil"] * n_school
        self.ledger.pay("after_school_coverage", float(after_school.sum()))

        net = np.bincount(hh, weights=np.where(alive, gross - tax - gross * prm["social_insurance_rate"] + leave_pay
                                               + self.other_income_month, 0.0), minlength=n_h)
        m.pop.household("income")[:] = net + transfers

    def _housing(self, cm: int, n_children: np.ndarray, head_hukou: np.ndarray):
        """Multi-child priority admits private renters with 2+ children to public rental; the
        budget pays the discount on the rent of the tenants it admitted (fiscal cost)."""
        m, prm = self.m, self.m.params
        tenure = m.pop.household("tenure")
        if m.lever["housing_priority_multichild"]:
            u = m.streams.uniform("public_rental_admission", np.arange(len(tenure), dtype=np.int64), cm)
            admit_multichild_renters(tenure, n_children, self._eligible("housing_priority_multichild", head_hukou),
                                     u, monthly_probability(prm["public_rental_admission_rate"]))
        priority = tenure == TENURE_PUBLIC_PRIORITY
        market_rent = self.rent_per_m2() * prm["space_per_person_m2"] * m.pop.household("n_members")[priority]
        self.ledger.pay("housing_priority_multichild", float((market_rent * prm["public_rental_discount"]).sum()))
        np.add.at(self.year_tenure, tenure[m.pop.household("n_members") > 0], 1)

    def rent_per_m2(self) -> float:
        """Market rent per m² per month at this run's housing price index."""
        return self.m.params["rent_per_m2_month"] * self.m.params["housing_price_index"]

    def _birth_order(self) -> np.ndarray:
        """Each person's birth order among their mother's children (1 if unknown)."""
        return self.m.pop.person("birth_order").astype(np.int64)

    # --- ART ----------------------------------------------------------------------------------
    def art_conceptions(self, cm: int, parity_cap: np.ndarray) -> np.ndarray:
        """Infertile partnered women 35–44 who want a child try ART this month with an uptake that
        falls with its price relative to income; coverage pays part of the price. → bool conceives."""
        m, p, prm = self.m, self.m.pop.p, self.m.params
        age = p["age_months"] // 12
        candidates = np.flatnonzero(p["alive"] & (p["sex"] == FEMALE) & ~p["fecund"] & (p["partner"] != NO_PARTNER)
                                    & (age >= 35) & (age < 45) & (p["months_pregnant"] == 0)
                                    & (p["parity"] < parity_cap))
        conceives = np.zeros(m.pop.n, bool)
        if len(candidates) == 0:
            return conceives
        coverage = m.lever["art_coverage"] * self._eligible("art_coverage", p["hukou"][candidates])
        price = self.ivf_cost * (1.0 - coverage)
        income = np.maximum(self.household_income()[p["household"][candidates]], prm["income_floor"])
        uptake = prm["art_uptake_max"] / (1.0 + price / (prm["art_price_income_months"] * income))
        u = m.streams.uniform_k("art", p["key"][candidates], cm, 2)
        tries = u[:, 0] < uptake
        self.ledger.pay("art_coverage", float((self.ivf_cost * coverage * tries).sum()))
        success = tries & (u[:, 1] < prm["art_success_rate"])
        conceives[candidates[success]] = True
        return conceives

    # --- the economic part of the birth decision ------------------------------------------
    def birth_terms(self):
        """Partnered women under 50 → (ids, net cost / income, mother's lost income / income,
        nursery places per child under 3 in her district, cost of the extra space / income),
        all for a further child."""
        m, p, prm = self.m, self.m.pop.p, self.m.params
        women = np.flatnonzero(p["alive"] & (p["sex"] == FEMALE) & (p["partner"] != NO_PARTNER)
                               & (p["age_months"] < 50 * 12))
        hh = p["household"][women]
        income = np.maximum(self.household_income()[hh], prm["income_floor"])
        order = np.clip(p["parity"][women].astype(np.int64) + 1, 1, 3)
        hukou = p["hukou"][women]
        months = 18 * 12
        # support per month over a child's 18 years (undiscounted; assumption)
        support = (self._by_parity("childcare_subsidy", order) * UNDER3_MONTHS
                   * self._eligible("childcare_subsidy", hukou)
                   + self._by_parity("child_allowance", order) * months * self._eligible("child_allowance", hukou)
                   + self._by_parity("birth_grant", order) * self._eligible("birth_grant", hukou)) / months
        marginal = np.zeros(m.pop.n_households)
        marginal[: len(self.marginal_rate_h)] = self.marginal_rate_h     # new households: 0 until phase 7
        support += marginal[hh] * (m.lever["tax_deduction_infant"] * UNDER3_MONTHS
                                               + m.lever["tax_deduction_education"] * (months - UNDER3_MONTHS)) / months
        support += self.child_cost_month * prm["child_cost_education_share"] * m.lever["education_cost_reduction"] \
            * (months - UNDER3_MONTHS) / months
        support += np.where(order >= 2, m.lever["housing_subsidy"] * self._eligible("housing_subsidy", hukou), 0.0)
        net_cost = np.maximum(self.child_cost_month - support, 0.0)
        space = self._space_cost(hh, order, hukou)
        # opportunity cost: the mother's lost net wage over the months she is expected to care
        # at home in the first 3 years, less paid leave and the fathers'/parental leave days
        leave_months = m.lever["maternity_leave_days"] / DAYS_PER_MONTH
        shared_days = m.lever["paternity_leave_days"] + 2 * 3 * m.lever["parental_leave_days"]
        home_months = max(prm["expected_home_care_months"] - leave_months * m.lever["leave_pay_rate"]
                          - shared_days / DAYS_PER_MONTH, 0.0)
        lost = p["wage"][women] * (1 - prm["tax_and_social_share"]) * home_months / months
        access = self._nursery_access()[p["district"][women]]
        return women, net_cost / income, lost / income, access, space / income

    def _space_cost(self, hh: np.ndarray, order: np.ndarray, hukou: np.ndarray) -> np.ndarray:
        """Monthly cost of the extra dwelling space a further child needs: the market rent for
        owners (their user cost, assumption) and private renters, the discounted rent for public
        tenants and for private renters whose second or later child would qualify them for the
        multi-child priority."""
        m, prm = self.m, self.m.params
        tenure = m.pop.household("tenure")[hh]
        public = (tenure == TENURE_PUBLIC_RENTAL) | (tenure == TENURE_PUBLIC_PRIORITY)
        if m.lever["housing_priority_multichild"]:
            public |= ((tenure == TENURE_PRIVATE_RENT) & (order >= 2)
                       & self._eligible("housing_priority_multichild", hukou))
        full = self.rent_per_m2() * prm["space_per_child_m2"]
        return np.where(public, full * (1.0 - prm["public_rental_discount"]), full)

    def birth_logit(self) -> np.ndarray:
        """Per person: the economic part of the conception log-odds (0 for everyone else)."""
        prm = self.m.params
        women, cost, lost, access, space = self.birth_terms()
        out = np.zeros(self.m.pop.n)
        out[women] = (prm["logit_net_cost"] * cost + prm["logit_opportunity_cost"] * lost
                      + prm["logit_childcare_access"] * access + prm["logit_housing_cost"] * space)
        return out

    def drift_desired(self, cm: int):
        """Once a year: couples short of their desired family size lower it by one with a
        probability that grows with the net cost of a child and of its space relative to income
        (cost stress)."""
        p, prm = self.m.pop.p, self.m.params
        women, cost, _, _, space = self.birth_terms()
        cost = cost + space
        short = p["parity"][women] < p["desired_children"][women]
        u = self.m.streams.uniform("desired_drift", p["key"][women], cm)
        drop = women[short & (u < prm["desired_drift_rate"] * np.minimum(cost, 1.0))]
        p["desired_children"][drop] -= 1

    def _nursery_access(self) -> np.ndarray:
        """Nursery places per child under 3, by district (0..1)."""
        p = self.m.pop.p
        under3 = p["alive"] & (p["age_months"] < UNDER3_MONTHS)
        kids = np.bincount(p["district"][under3], minlength=len(self.m.pack.districts))
        return np.minimum(self.nursery_capacity() / np.maximum(kids, 1), 1.0)

    # --- year end ----------------------------------------------------------------------------
    def close_year(self, add):
        """Append the year's economic indicators via add(indicator, value, group)."""
        m, p = self.m, self.m.pop.p
        f = m.indicators.rescale
        paid = self.ledger.close_year()
        add("fiscal_cost", sum(paid.values()) * f)
        for lever, yuan in sorted(paid.items()):
            add("fiscal_cost", yuan * f, f"lever={lever}")
        age = p["age_months"] // 12
        women = p["alive"] & (p["sex"] == FEMALE) & (age >= 25) & (age <= 49)
        add("female_lfp_25_49", p["employed"][women].mean() if women.any() else np.nan)
        women15 = p["alive"] & (p["sex"] == FEMALE) & (age >= 15)
        add("female_lfp_15plus", p["employed"][women15].mean() if women15.any() else np.nan)
        young_child_mothers = np.unique(p["mother"][p["alive"] & (p["age_months"] < UNDER3_MONTHS)
                                                    & (p["mother"] >= 0)])
        young_child_mothers = young_child_mothers[p["alive"][young_child_mothers]]
        add("mothers_employed_under3",
            p["employed"][young_child_mothers].mean() if len(young_child_mothers) else np.nan)
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


