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
