"""Synthetic population at the start of a run, from a region pack.

pack + scale + parameters + seed → Population. Reproducible from the seed (one numpy
Generator keyed by the seed and the stream name "synthesis"). The steps, each a
documented assumption where the census is silent (see the pack README):

1. persons by single-year age and sex: the pack's table × scale, integer by largest
   remainder within each sex, so the sex totals are hit to within rounding;
2. education by age band and sex (pack's education.csv);
3. marriage: ever married by age ~ share × Φ((age − mean age at first marriage)/sd);
   ever-married women and men are paired by the matching kernel (age-gap preference),
   the unpaired are previously married (widowed or divorced);
4. children 0–17 are linked to ever-married mothers with probability ∝ the national
   age pattern of fertility at the mother's age at the birth; ever-married women have
   borne at least Poisson(completed-parity mean × share of the age pattern reached)
   children (those not at home are grown up or live elsewhere);
5. households: collective households take never-married young adults; each couple
   or single adult forms a family unit; single young adults join a parental-age
   couple and widowed elderly join a child-age couple until the number of family
   households equals the census count (so mean family household size is the census
   2.31 by construction);
6. districts and hukou are assigned to whole households in random order so that
   district populations and the non-local share match the census;
7. employment by age and sex to the labour-force participation of the pack, wages by
   education scaled to the pack's wage income per resident;
8. grandparents nearby: each spouse's parents alive by the life table and nearby by
   hukou.
"""

from __future__ import annotations

import numpy as np

from agents.draws import birth_age_weights, categories, normal_cdf
from agents.housing import draw_tenure
from agents.marriage import match_couples
from agents.rng import stream_key
from agents.state import (FEMALE, HOUSEHOLD_COLLECTIVE, HOUSEHOLD_FAMILY, HUKOU_NONLOCAL, MALE, NO_CHILD,
                          NO_HOUSEHOLD, NO_PARTNER)
from sim.population import Population


def largest_remainder(x: np.ndarray) -> np.ndarray:
    """Non-negative reals → integers with the same rounded total, each within 1 of its value."""
    flat = np.asarray(x, dtype=float).ravel()
    base = np.floor(flat).astype(np.int64)
    short = int(round(flat.sum())) - int(base.sum())
    if short > 0:
        base[np.argsort(-(flat - base), kind="stable")[:short]] += 1
    return base.reshape(np.shape(x))


def desired_family_size_probs(params: dict) -> np.ndarray:
    """P(desired = 0, 1, 2, 3) with the given share of 0 and 3 and the given mean."""
    s0, s3, mean = params["desired_share_zero"], params["desired_share_three"], params["desired_mean"]
    p2 = mean - 3 * s3 - (1 - s0 - s3)
    p1 = 1 - s0 - s3 - p2
    probs = np.array([s0, p1, p2, s3])
    if (probs < -1e-12).any():
        raise ValueError(f"desired family size parameters are inconsistent: P(0..3) = {np.round(probs, 3)}")
    return np.clip(probs, 0, None) / np.clip(probs, 0, None).sum()


def draw_education(pack, age_years: np.ndarray, sex: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Education level by the pack's shares for each person's age band and sex, one uniform each."""
    band = np.searchsorted(pack.education_age_bands, age_years, side="right") - 1
    return categories(u, band, sex, np.cumsum(pack.education_share, axis=-1))


def _normal_cdf(z: np.ndarray) -> np.ndarray:
    return normal_cdf(np.ascontiguousarray(z, dtype=np.float64))


def survival_to(mx: np.ndarray) -> np.ndarray:
    """Single-year mx (ages, sexes) → probability of surviving from birth to each age."""
    return np.exp(-np.vstack([np.zeros((1, mx.shape[1])), np.cumsum(mx, axis=0)[:-1]]))


def synthesize(pack, scale: float, params: dict, seed: int) -> Population:
    rng = np.random.default_rng([int(seed), stream_key("synthesis")])

    # 1. persons by age and sex
    # rounded per sex, so each sex total is the census one to within half a person
    counts = np.stack([largest_remainder(pack.population_age_sex[:, s] * scale) for s in (MALE, FEMALE)], axis=1)
    ages = np.arange(counts.shape[0])
    age_year = np.concatenate([np.repeat(ages, counts[:, s]) for s in (MALE, FEMALE)]).astype(np.int64)
    sex = np.concatenate([np.full(counts[:, s].sum(), s) for s in (MALE, FEMALE)]).astype(np.int8)
    n = len(age_year)
    pop = Population(n, 0)
    p = pop.p
    p["alive"][:] = True
    p["key"][:] = np.arange(n)
    p["sex"][:] = sex
    p["age_months"][:] = age_year * 12 + rng.integers(0, 12, n)
    age = p["age_months"] / 12.0

    # 2. education
    p["education"][:] = draw_education(pack, age_year, sex, rng.random(n))

    # 3. marriage
    afm = np.where(sex == FEMALE, pack.fertility["mean_age_first_marriage_women"],
                   pack.fertility["mean_age_first_marriage_men"])
    min_age = np.where(sex == FEMALE, params["min_marriage_age_female"], params["min_marriage_age_male"])
    p_ever = params["init_ever_married_share"] * _normal_cdf((age - afm) / params["init_marriage_age_sd"])
    ever = (age >= min_age) & (rng.random(n) < p_ever)
    p["ever_married"][:] = ever
    wives, husbands = _pair_spouses(p, ever, params, rng)
    p["partner"][wives] = husbands
    p["partner"][husbands] = wives

    # 4. children and parity
    is_woman = sex == FEMALE
    mothers_pool = np.flatnonzero(is_woman & ever)
    children = np.flatnonzero(age_year < 18)
    mother = _link_children(p, children, mothers_pool, pack.asfr_pattern, rng)
    p["mother"][children] = mother
    linked = np.bincount(mother[mother >= 0], minlength=n)
    parity = linked.copy()
    # children born but not co-resident (grown up, or left with grandparents elsewhere):
    # ever-married women have borne Poisson(completed mean × share of the age pattern reached by their age)
    reached = np.concatenate([[0.0], np.cumsum(np.repeat(pack.asfr_pattern, 5))])
    reached /= reached[-1]
    share = reached[np.clip(age_year - 15, 0, len(reached) - 1)]
    married_women = np.flatnonzero(is_woman & ever)
    borne = rng.poisson(params["init_completed_parity_mean"] * share[married_women])
    parity[married_women] = np.maximum(parity[married_women], borne)
    youngest = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(youngest, mother[mother >= 0], p["age_months"][children[mother >= 0]])
    since = np.where(youngest < np.iinfo(np.int64).max, youngest, NO_CHILD)
    # mothers with no child at home: last birth at the parent-age gap, at least 3 years ago (assumption)
    away = (parity > 0) & (since == NO_CHILD)
    since[away] = np.maximum(36, p["age_months"][away] - int(params["parent_age_gap"] * 12))
    # birth order of co-resident children: the youngest is the mother's last birth
    linked_kids = children[mother >= 0]
    ordered = linked_kids[np.lexsort((p["age_months"][linked_kids], p["mother"][linked_kids]))]
    their_mother = p["mother"][ordered]
    rank_from_youngest = np.arange(len(ordered)) - np.searchsorted(their_mother, their_mother, side="left")
    p["birth_order"][ordered] = np.clip(parity[their_mother] - rank_from_youngest, 1, 127)
    p["parity"][:] = np.minimum(parity, 20)
    p["months_since_last_birth"][:] = since
    p["parity"][husbands] = p["parity"][wives]
    p["months_since_last_birth"][husbands] = p["months_since_last_birth"][wives]
    probs = desired_family_size_probs(params)
    desired = rng.choice(len(probs), size=n, p=probs)
    desired = np.maximum(desired, p["parity"])
    # married women past the settled age with no birth are taken as childless for good (assumption)
    settled = ever & (p["parity"] == 0) & (age_year >= params["init_childless_settled_age"])
    p["desired_children"][:] = np.where(ever & ~settled, desired, 0)
    p["fecund"][:] = rng.random(n) >= params["infertile_share"]

    # 5. households
    coresident_elders = _form_households(pop, pack, scale, params, rng, wives, husbands)
    p = pop.p

    # 6. districts and hukou, by whole households
    size = pop.household("n_members")
    hh_order = rng.permutation(pop.n_households)
    cum_members = np.cumsum(size[hh_order]) - size[hh_order] / 2.0
    district_cut = np.cumsum(pack.district_population) / pack.district_population.sum() * size.sum()
    pop.household("district")[hh_order] = np.searchsorted(district_cut, cum_members).clip(0, len(district_cut) - 1)
    hh_order = rng.permutation(pop.n_households)
    cum_members = np.cumsum(size[hh_order]) - size[hh_order] / 2.0
    pop.household("hukou")[hh_order] = np.where(cum_members < pack.nonlocal_share * size.sum(), HUKOU_NONLOCAL, 0)
    p["district"][:] = pop.household("district")[p["household"]]
    p["hukou"][:] = pop.household("hukou")[p["household"]]
    pop.household("tenure")[:] = draw_tenure(pop.household("hukou"), rng.random((pop.n_households, 2)),
                                             params["owner_share_local"], params["owner_share_nonlocal"],
                                             params["public_share_local_renters"])

    # 7. employment and wages
    _employ(p, pack, params, rng)

    # 8. grandparents nearby
    _grandparents(pop, pack, params, rng, wives, husbands, coresident_elders)
    return pop


def _pair_spouses(p, ever, params, rng):
    """Ever-married women and men → (wives, husbands) paired on age gap (three passes)."""
    age = p["age_months"] / 12.0
    women = rng.permutation(np.flatnonzero(ever & (p["sex"] == FEMALE)))
    men = np.flatnonzero(ever & (p["sex"] == MALE))
    men = men[np.argsort(age[men], kind="stable")]
    wives, husbands = [], []
    for _ in range(3):
        if len(women) == 0 or len(men) == 0:
            break
        k = params["match_candidates"]
        h = match_couples(age[women], p["education"][women], np.zeros(len(women), np.int8),
                          age[men], p["education"][men], np.zeros(len(men), np.int8),
                          rng.standard_normal(len(women)), rng.random((len(women), k)), rng.random(len(women)),
                          params["match_age_gap_mean"], params["match_age_gap_sd"], 0.0, 0.0, 1.0)
        ok = h >= 0
        wives.append(women[ok])
        husbands.append(men[h[ok]])
        taken = np.zeros(len(men), bool)
        taken[h[ok]] = True
        women, men = women[~ok], men[~taken]
    return np.concatenate(wives).astype(np.int64), np.concatenate(husbands).astype(np.int64)


def _link_children(p, children, mothers_pool, asfr_pattern, rng):
    """For each child, a mother drawn from the pool with weight ASFR(mother's age at the birth)."""
    age_year = p["age_months"] // 12
    mother = np.full(len(children), -1, np.int64)
    child_age = age_year[children]
    pool_age = age_year[mothers_pool]
    w = np.empty(len(mothers_pool))
    for a in np.unique(child_age):
        birth_age_weights(pool_age, int(a), asfr_pattern, w)       # ASFR of the 5-year group at the birth
        sel = np.flatnonzero(child_age == a)
        n_pos = int((w > 0).sum())
        if n_pos == 0:
            continue
        mother[sel] = rng.choice(mothers_pool, size=len(sel), p=w / w.sum(), replace=len(sel) > n_pos)
    return mother


def _form_households(pop, pack, scale, params, rng, wives, husbands):
    """Assign every person a household (step 5) → ids of elders who co-reside with a child's family."""
    p = pop.p
    n = pop.n
    age_year = p["age_months"] // 12
    household = np.full(n, NO_HOUSEHOLD, np.int64)
    single_adult = (p["partner"] == NO_PARTNER) & (age_year >= 18)
    has_children = np.bincount(p["mother"][p["mother"] >= 0], minlength=n) > 0

    # collective households: never-married young adults without children, youngest ages first
    n_coll = int(round(pack.collective_household_population * scale))
    h_coll = max(1, int(round(pack.collective_households * scale))) if n_coll else 0
    eligible = single_adult & ~p["ever_married"] & ~has_children
    young = rng.permutation(np.flatnonzero(eligible & (age_year <= params["init_collective_age_max"])))
    rest = rng.permutation(np.flatnonzero(eligible & (age_year > params["init_collective_age_max"])))
    collective = np.concatenate([young, rest])[:n_coll]
    household[collective] = np.arange(len(collective)) % max(h_coll, 1)
    next_id = h_coll

    # family units: one per couple, one per other single adult
    household[wives] = next_id + np.arange(len(wives))
    household[husbands] = household[wives]
    next_id += len(wives)
    singles = np.flatnonzero(single_adult & (household == NO_HOUSEHOLD))
    household[singles] = next_id + np.arange(len(singles))
    next_id += len(singles)

    # merge singles into couples until the family-household count is the census one
    n_family_target = int(round(pack.family_households * scale))
    n_merge = next_id - h_coll - n_family_target
    if n_merge > 0:
        wife_age = age_year[wives]
        by_age = np.argsort(wife_age, kind="stable")
        sorted_age = wife_age[by_age]
        cand = singles[~has_children[singles]]
        young = cand[(age_year[cand] < 35) & ~p["ever_married"][cand]]
        old = cand[(age_year[cand] >= 65)]
        joiners = np.concatenate([rng.permutation(young), rng.permutation(old)])
        if len(joiners) < n_merge:
            others = np.setdiff1d(cand, joiners)
            joiners = np.concatenate([joiners, rng.permutation(others)])
        joiners = rng.permutation(joiners[:n_merge])
        ja = age_year[joiners]
        elder = ja >= 65
        lo = np.where(elder, ja - 40, ja + 20)
        hi = np.where(elder, ja - 20, ja + 40)
        i_lo = np.searchsorted(sorted_age, lo, side="left")
        i_hi = np.searchsorted(sorted_age, hi, side="right")
        empty = i_hi <= i_lo
        i_lo[empty], i_hi[empty] = 0, len(sorted_age)
        pick = i_lo + (rng.random(len(joiners)) * (i_hi - i_lo)).astype(np.int64)
        household[joiners] = household[wives[by_age[pick]]]
        coresident_elders = joiners[elder]
    else:
        coresident_elders = np.zeros(0, np.int64)

    # children live with their mother; the rest (no mother found) with a random family unit
    kids = np.flatnonzero(household == NO_HOUSEHOLD)
    has_mother = p["mother"][kids] >= 0
    household[kids[has_mother]] = household[p["mother"][kids[has_mother]]]
    orphans = kids[~has_mother]
    if len(orphans):
        household[orphans] = household[wives[rng.integers(0, len(wives), len(orphans))]]

    # renumber densely
    used, dense = np.unique(household, return_inverse=True)
    pop.add_households(len(used))
    p["household"][:] = dense
    pop.household("kind")[:] = np.where(used < h_coll, HOUSEHOLD_COLLECTIVE, HOUSEHOLD_FAMILY)
    pop.household("n_members")[:] = np.bincount(dense, minlength=len(used))
    return coresident_elders


def _employ(p, pack, params, rng):
    age_year = p["age_months"] // 12
    sex = p["sex"]
    # women: the cadres' 55 rather than the workers' 50 (assumption: Beijing's jobs are mostly white-collar)
    retire = np.where(sex == FEMALE, pack.economy["retirement_age_women_cadres"], pack.economy["retirement_age_men"])
    shape = np.where((age_year >= 22) & (age_year < retire), 1.0,
                     np.where((age_year >= 18) & (age_year < 22), params["student_employment_rel"], 0.0))
    p_emp = np.zeros(len(sex))
    for s, key in ((FEMALE, "lfp_female_15plus"), (MALE, "lfp_male_15plus")):
        over15 = (sex == s) & (age_year >= 15)
        level = pack.economy[key] * over15.sum() / max(shape[over15].sum(), 1e-9)
        p_emp[sex == s] = np.minimum(shape[sex == s] * level, 0.98)
    employed = rng.random(len(sex)) < p_emp
    rel = np.array([params["wage_rel_primary"], params["wage_rel_junior"], 1.0, params["wage_rel_tertiary"]])
    raw = rel[p["education"]] * np.exp(params["wage_sd_log"] * rng.standard_normal(len(sex)))
    # everyone of working age has an earning capacity; the wages of those employed add up
    # to the pack's wage income per resident
    working_age = (age_year >= params["min_working_age"]) & (age_year < retire)
    wage = np.where(working_age | employed, raw, 0.0)
    wage_bill_month = pack.economy["wage_income_per_capita"] * len(sex) / 12.0
    p["employed"][:] = employed
    p["wage"][:] = wage * (wage_bill_month / max(wage[employed].sum(), 1e-9))


def parents_nearby(age_months: np.ndarray, hukou: np.ndarray, params: dict, surv: np.ndarray,
                   u: np.ndarray) -> np.ndarray:
    """How many of each adult's two parents are alive (life table, survival from the parent-age
    gap to the adult's age + the gap) and live nearby (probability by the adult's hukou).
    u: (n, 2) uniforms, one per parent → int64 counts 0..2."""
    gap = params["parent_age_gap"]
    parent_age = np.clip(age_months // 12 + int(gap), 0, surv.shape[0] - 1)
    birth_age = min(int(gap), surv.shape[0] - 1)
    p_near = np.where(hukou != HUKOU_NONLOCAL, params["grandparent_nearby_local"],
                      params["grandparent_nearby_nonlocal"])
    count = np.zeros(len(age_months), np.int64)
    for k, parent_sex in enumerate((FEMALE, MALE)):
        p_alive = surv[parent_age, parent_sex] / surv[birth_age, parent_sex]
        count += u[:, k] < p_alive * p_near
    return count


def _grandparents(pop, pack, params, rng, wives, husbands, coresident_elders):
    """Grandparents nearby per household: the spouses' parents nearby, + co-resident elders."""
    p = pop.p
    surv = survival_to(pack.mortality_mx)
    count = np.zeros(pop.n_households, np.int64)
    for spouse in (wives, husbands):
        near = parents_nearby(p["age_months"][spouse], p["hukou"][spouse], params, surv,
                              rng.random((len(spouse), 2)))
        np.add.at(count, p["household"][spouse], near)
    np.add.at(count, p["household"][coresident_elders], 1)
    pop.household("grandparents_nearby")[:] = np.minimum(count, 4)
