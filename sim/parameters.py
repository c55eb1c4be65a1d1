"""Behavioural parameters: every coefficient of the model, declared once.

Each has a unit, bounds and a source: a file of the region pack (which names its
row in ``../shared/data``), a law, a published study, or "calibrated" (set by the
first calibration, see ``sim/packs/beijing/README.md``) or "assumption" (a rule we
chose where no data exist; the pack README says why).

A config's ``[parameters]`` table overrides the defaults by name.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Param:
    name: str
    unit: str
    default: float
    lower: float
    upper: float
    source: str
    integer: bool = False


_P = Param
_PARAMS: tuple[Param, ...] = (
    # --- mortality ---------------------------------------------------------------
    _P("mortality_level", "multiplier on the pack's national mx", 0.70, 0.1, 3.0,
       "calibrated: Beijing's crude death rate 2016-2019 (vital_rates.csv) with the national WPP mx"),
    _P("mortality_improvement_scale", "multiplier of the pack's annual mx decline", 1.0, 0.0, 3.0,
       "assumption: 1 = keep the 2015-2020 → 2020-2025 WPP decline rate (pack mortality.csv)"),
    # --- migration ---------------------------------------------------------------
    _P("immigration_rate", "immigrants per resident per year", 0.006, 0.0, 0.1,
       "calibrated: with emigration, nets to the 2016-2019 residual of Beijing communiques (pack README)"),
    _P("emigration_rate_nonlocal", "households leaving per non-local household per year", 0.031, 0.0, 0.5,
       "calibrated: see immigration_rate"),
    _P("emigration_rate_local", "households leaving per local-hukou household per year", 0.0, 0.0, 0.5,
       "assumption: registered residents' emigration is negligible"),
    _P("immigrant_age_min", "years", 18, 15, 40, "assumption: labour migrants arrive as young adults", True),
    _P("immigrant_age_max", "years", 34, 18, 60, "assumption: labour migrants arrive as young adults", True),
    # --- marriage market ---------------------------------------------------------
    _P("min_marriage_age_male", "years", 22, 18, 30, "law: PRC Civil Code art. 1047", True),
    _P("min_marriage_age_female", "years", 20, 18, 30, "law: PRC Civil Code art. 1047", True),
    _P("search_rate_peak", "probability per month of entering the marriage market at the peak age", 0.02, 0.0, 1.0,
       "calibrated"),
    _P("search_age_peak_female", "years", 30.2, 18.0, 45.0, "calibrated: mean age at first marriage (pack targets)"),
    _P("search_age_peak_male", "years", 31.7, 18.0, 45.0, "calibrated: mean age at first marriage (pack targets)"),
    _P("search_age_sd", "years", 4.0, 0.5, 20.0, "calibrated"),
    _P("search_rel_previously_married", "multiplier on the search rate", 0.5, 0.0, 5.0, "assumption"),
    _P("match_candidates", "men examined per searching woman per month", 8, 1, 64, "assumption", True),
    _P("match_age_gap_mean", "years (husband older)", 1.43, -5.0, 10.0,
       "derived: 29.38 - 27.95, national mean ages at first marriage 2020 (context_facts.csv rows 6-7)"),
    _P("match_age_gap_sd", "years", 3.0, 0.5, 15.0, "assumption"),
    _P("match_weight_education", "score penalty per level of education difference", 0.5, 0.0, 10.0, "assumption"),
    _P("match_weight_district", "score penalty for living in different districts", 0.5, 0.0, 10.0, "assumption"),
    _P("match_accept_prob", "probability the best candidate is accepted this month", 0.5, 0.0, 1.0, "calibrated"),
    _P("divorce_rate", "divorces per married couple per year", 0.006, 0.0, 0.2, "calibrated"),
    # --- conception and birth ----------------------------------------------------
    _P("fecundability", "probability of conception per month, fecund couple aged 20-24 trying", 0.2, 0.0, 1.0,
       "assumption: typical monthly fecundability of young couples (Wood 1994 range 0.15-0.3)"),
    _P("infertile_share", "share of women permanently unable to conceive", 0.155, 0.0, 1.0,
       "data: context_facts.csv infertility_share_women_at_risk (Zhou et al. 2018)"),
    _P("postpartum_months", "months after a birth without conception", 3, 0, 24, "assumption", True),
    _P("logit_base_parity0", "log-odds of trying for a first child per month", 0.0, -15.0, 10.0, "calibrated"),
    _P("logit_base_parity1", "log-odds of trying for a second child per month", -2.8, -15.0, 10.0, "calibrated"),
    _P("logit_base_parity2", "log-odds of trying for a third or later child per month", -4.2, -15.0, 10.0, "calibrated"),
    _P("logit_spacing_per_year", "log-odds change per year since the last birth", -0.05, -5.0, 5.0, "calibrated"),
    _P("desired_mean", "children, mean desired family size at union", 1.75, 0.0, 4.0,
       "data: context_facts.csv intended_number_of_children_women 2017 (He Dan et al. 2018)"),
    _P("desired_share_zero", "share wanting no child", 0.05, 0.0, 1.0, "assumption"),
    _P("desired_share_three", "share wanting three or more children", 0.05, 0.0, 1.0, "assumption"),
    _P("birth_limit_compliance", "share of couples who respect the birth limit", 0.95, 0.0, 1.0, "calibrated"),
    _P("nonmarital_birth_share", "births outside unions relative to marital births", 0.0, 0.0, 0.5,
       "assumption: not modelled (no Beijing data); births occur in unions"),

    # --- childcare (phase 5) --------------------------------------------------------
    _P("care_asc_grandparent", "utility of grandparent care relative to mother care", 1.5, -20.0, 20.0,
       "calibrated: about 70 % of under-3s get grandparent care (economy.csv grandparent_care_share_under3)"),
    _P("care_asc_nursery", "utility of nursery care relative to mother care", -1.4, -20.0, 20.0,
       "calibrated: about 5.5 % of under-3s in nurseries (economy.csv nursery_enrolment_share_under3)"),
    _P("care_asc_nanny", "utility of a nanny relative to mother care", -2.5, -20.0, 20.0, "calibrated"),
    _P("care_beta_price", "utility per unit of price / household income", -3.0, -50.0, 0.0, "calibrated"),
    _P("nanny_price", "yuan per month for a full-time nanny", 7000.0, 0.0, 50000.0,
       "assumption: no Beijing nanny price in shared/data"),
    _P("nursery_place_public_cost", "yuan per month the budget pays per nursery place provided", 1000.0, 0.0,
       50000.0, "assumption: operating support of an inclusive place; no cost data in shared/data"),
    _P("nursery_min_age_months", "months; youngest age a nursery takes", 12, 0, 36, "assumption", True),
    _P("income_floor", "yuan per month; household income used in price ratios is at least this", 1000.0, 1.0,
       1e5, "assumption: keeps ratios finite for households without income"),
    # --- employment (phase 6) -------------------------------------------------------
    _P("job_exit_rate", "jobs left per employed person per year", 0.02, 0.0, 1.0, "calibrated"),
    _P("hire_rate", "hires per non-employed working-age person per year", 0.8, 0.0, 1.0,
       "calibrated: female labour-force participation (economy.csv lfp_female_15plus)"),
    _P("return_rate_school_mothers", "hires per year of non-employed mothers of children 3+", 0.3, 0.0, 1.0,
       "calibrated"),
    _P("hire_penalty_coef", "hiring penalty for women 20-39 per year of employer-paid leave", 2.0, 0.0, 20.0,
       "calibrated: employer-borne leave lowers women's employment (Liu et al. 2024, DESIGN §3.4)"),
    _P("min_working_age", "years; youngest age at which people are hired", 18, 16, 25,
       "assumption (legal minimum 16, PRC Labour Law art. 15; most Beijing 16-17 year-olds are at school)", True),
    _P("wage_penalty_coef", "wage cut for women 20-39 per year of employer-paid leave", 0.1, 0.0, 5.0,
       "assumption: employers pass part of the expected leave cost on to young women's pay"),
    _P("young_women_age_min", "years; lower age of the hiring penalty", 20, 15, 50, "assumption", True),
    _P("young_women_age_max", "years; upper age of the hiring penalty", 39, 15, 55, "assumption", True),
    _P("wage_growth_young", "real wage growth per year below the peak age", 0.03, -0.1, 0.2, "assumption"),
    _P("wage_growth_peak_age", "years; wages stop growing at this age", 45, 20, 70, "assumption", True),
    # --- income, taxes and costs (phase 7) -------------------------------------------
    _P("social_insurance_rate", "employee social-insurance contribution, share of gross wage", 0.105, 0.0, 0.5,
       "law: employee rates pension 8 %, medical 2 %, unemployment 0.5 %"),
    _P("tax_and_social_share", "share of a gross wage lost to tax and social insurance (price of time)", 0.2,
       0.0, 0.9, "assumption: close to the social rate plus a low marginal tax rate"),
    _P("child_cost_education_share", "share of the cost of raising a child that is education, ages 3-17", 0.4,
       0.0, 1.0, "assumption: YuWa's reports do not split the Beijing cost in shared/data"),
    _P("after_school_cost_per_pupil", "yuan per month of public after-school care per covered pupil", 300.0,
       0.0, 10000.0, "assumption"),
    # --- housing (no Beijing rent or tenure data in shared/data: all assumptions, pack README) ---
    _P("rent_per_m2_month", "yuan per m² per month, market rent of a dwelling (2020 prices)", 90.0, 0.0, 1000.0,
       "assumption: the order of Beijing asking rents in 2020 listings; not in shared/data"),
    _P("housing_price_index", "multiplier on rents and the user cost of space (1 = 2020)", 1.0, 0.1, 10.0,
       "scenario input: 1 keeps 2020 prices"),
    _P("space_per_person_m2", "m² of dwelling per household member", 30.0, 5.0, 200.0,
       "assumption: near Beijing's per-capita floor space; not in shared/data"),
    _P("space_per_child_m2", "m² of extra dwelling space a further child needs", 10.0, 0.0, 100.0,
       "assumption"),
    _P("owner_share_local", "share of local-hukou households owning their home", 0.8, 0.0, 1.0, "assumption"),
    _P("owner_share_nonlocal", "share of non-local households owning their home", 0.25, 0.0, 1.0, "assumption"),
    _P("public_share_local_renters", "share of local-hukou renters in public rental housing", 0.2, 0.0, 1.0,
       "assumption"),
    _P("public_rental_discount", "share of the market rent a public tenant does not pay", 0.3, 0.0, 1.0,
       "assumption: public rentals are let below market rents"),
    _P("public_rental_admission_rate", "admissions per year of eligible multi-child private renters under the "
       "priority lever", 0.2, 0.0, 1.0, "assumption: supply-limited, a few years' wait"),
    # --- ART -------------------------------------------------------------------------
    _P("art_uptake_max", "probability per month an infertile woman 35-44 wanting a child tries ART at no cost",
       0.05, 0.0, 1.0, "assumption; infertile_seeking_care_share 0.552 (fertility.csv) bounds its total"),
    _P("art_price_income_months", "months of household income at which the price halves the uptake", 3.0,
       0.01, 120.0, "assumption"),
    _P("art_success_rate", "births per ART cycle", 0.3, 0.0, 1.0, "assumption: typical IVF success per cycle"),
    # --- the economic terms of the birth decision ------------------------------------
    _P("logit_net_cost", "log-odds per unit of (net monthly cost of a child / household income)", -0.9,
       -20.0, 0.0, "calibrated: a transfer of 10 % of income raises births by 3-15 % (DESIGN §3.4)"),
    _P("logit_opportunity_cost", "log-odds per unit of (mother's lost income per month / household income)",
       -0.9, -20.0, 0.0, "assumption: valued like the net cost"),
    _P("logit_childcare_access", "log-odds per unit of nursery places per child under 3 in the district", 0.5,
       0.0, 20.0, "calibrated: childcare coverage raises fertility (Rindfuss 2010; Bauernschuster 2016)"),
    _P("logit_housing_cost", "log-odds per unit of (monthly cost of a further child's space / household income)",
       -0.9, -50.0, 0.0, "assumption: valued like the net cost; the cross-city house-price effect in "
       "context_facts.csv (-0.88 births per 1,000 per +10 % prices) is much larger (pack README)"),
    _P("expected_home_care_months", "months a mother expects to stay home in a child's first 3 years", 12.0,
       0.0, 36.0, "assumption"),
    _P("desired_drift_rate", "yearly probability desired family size falls by 1 at a net cost equal to income",
       0.1, 0.0, 1.0, "assumption"),
    # --- synthetic population (the state at the start year) ---------------------
    _P("init_ever_married_share", "share ever married by age 50", 0.97, 0.0, 1.0, "assumption"),
    _P("init_marriage_age_sd", "years, spread of age at first marriage", 4.0, 0.5, 15.0, "assumption"),
    _P("init_completed_parity_mean", "children ever born, ever-married women 38+", 1.34, 0.0, 5.0,
       "data: context_facts.csv tfr_average_2006_2016 urban value (China Fertility Survey 2017)"),
    _P("init_childless_settled_age", "years; ever-married women this old with no birth want none", 38, 20, 50,
       "assumption", True),
    _P("init_collective_age_max", "years; collective households hold never-married adults 18 to this age first", 34,
       18, 80, "assumption", True),
    _P("grandparent_nearby_local", "probability a living grandparent of a local-hukou family lives nearby", 0.8,
       0.0, 1.0, "assumption"),
    _P("grandparent_nearby_nonlocal", "probability a living grandparent of a non-local family lives nearby", 0.2,
       0.0, 1.0, "assumption"),
    _P("parent_age_gap", "years between a person and their parents", 28.0, 15.0, 45.0, "assumption"),
    _P("student_employment_rel", "employment at ages 18-21 relative to prime ages", 0.3, 0.0, 1.0, "assumption"),
    _P("wage_sd_log", "sd of log monthly wage within an education level", 0.5, 0.0, 2.0, "assumption"),
    _P("wage_rel_primary", "wage relative to senior secondary", 0.6, 0.1, 5.0, "assumption"),
    _P("wage_rel_junior", "wage relative to senior secondary", 0.75, 0.1, 5.0, "assumption"),
    _P("wage_rel_tertiary", "wage relative to senior secondary", 1.6, 0.1, 5.0, "assumption"),
)

PARAMETERS: dict[str, Param] = {p.name: p for p in _PARAMS}


def monthly_probability(annual_rate: float) -> float:
    """Annual probability → probability per month with the same yearly total."""
    return 1.0 - (1.0 - float(annual_rate)) ** (1.0 / 12.0)


def resolve(overrides: dict | None) -> dict[str, float]:
    """Defaults with ``overrides`` applied; raises ValueError naming a bad key or value."""
    values = {name: p.default for name, p in PARAMETERS.items()}
    for name, value in (overrides or {}).items():
        if name not in PARAMETERS:
            raise ValueError(f"unknown parameter {name!r}; allowed: {', '.join(sorted(PARAMETERS))}")
        p = PARAMETERS[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"parameter {name!r} must be a number ({p.unit}), got {value!r}")
        if p.integer and float(value) != int(value):
            raise ValueError(f"parameter {name!r} must be a whole number ({p.unit}), got {value!r}")
        if not (p.lower <= value <= p.upper):
            raise ValueError(f"parameter {name!r} = {value} is out of bounds [{p.lower}, {p.upper}] ({p.unit})")
        values[name] = int(value) if p.integer else float(value)
    return values


# Relative fecundity of a couple by the woman's five-year age group 15-19 … 45-49
# (1 = the 20-24 level). Source: Menken, Trussell & Larsen (1986), "Age and infertility",
# Science 233:1389, relative marital fertility by age, as widely reproduced; 15-19 is set
# equal to 20-24 (assumption). Zero outside 15-49.
REL_FECUNDITY_5Y = (1.00, 1.00, 0.94, 0.86, 0.70, 0.36, 0.05)
