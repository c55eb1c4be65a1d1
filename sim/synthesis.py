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

from agents.compaction import new_numbers
from agents.draws import (birth_age_weights, categories, count_at_or_below, ever_married_probability, first_draws,
                          search_cumulative)
from agents.housing import draw_tenure
from agents.marriage import age_windows_by_value, pair_couples
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
    # the band of each age year, looked up per person (ages are whole years: no search per person)
    band_of_age = np.searchsorted(pack.education_age_bands, np.arange(age_years.max(initial=0) + 1), side="right") - 1
    band = band_of_age[age_years]
    return categories(u, band, sex, np.cumsum(pack.education_share, axis=-1))


def _by_sex(men, women) -> np.ndarray:
    """A value for each sex, indexed by sex code."""
    return np.where(np.arange(2) == FEMALE, women, men)


def survival_to(mx: np.ndarray) -> np.ndarray:
    """Single-year mx (ages, sexes) → probability of surviving from birth to each age."""
    return np.exp(-np.vstack([np.zeros((1, mx.shape[1])), np.cumsum(mx, axis=0)[:-1]]))


def synthesize(pack, scale: float, params: dict, seed: int) -> Population:
    rng = np.random.default_rng([int(seed), stream_key("synthesis")])

    # 1. persons by age and sex
    # rounded per sex, so each sex total is the census one to within half a person
    counts = np.stack([largest_remainder(pack.population_age_sex[:, s] * scale) for s in (MALE, FEMALE)], axis=1)
    ages = np.arange(counts.shape[0])
    age_year = np.repeat(np.concatenate([ages, ages]), np.concatenate([counts[:, s] for s in (MALE, FEMALE)]))
    sex = np.repeat(np.array([MALE, FEMALE], np.int8), [counts[:, s].sum() for s in (MALE, FEMALE)])
    n = len(age_year)
    pop = Population(n, 0)
    p = pop.p
    p["alive"][:] = True
    p["key"][:] = np.arange(n)
    p["sex"][:] = sex
    p["age_months"][:] = age_year           # × 12 + month of the year, in place in int16 (no long temporaries)
    p["age_months"] *= 12
    p["age_months"] += rng.integers(0, 12, n)

    # 2. education
    p["education"][:] = draw_education(pack, age_year, sex, rng.random(n))

    # 3. marriage
    afm = _by_sex(pack.fertility["mean_age_first_marriage_men"], pack.fertility["mean_age_first_marriage_women"])
    min_age = _by_sex(params["min_marriage_age_male"], params["min_marriage_age_female"])
    p_ever = ever_married_probability(p["age_months"], sex, afm, min_age, params["init_ever_married_share"],
                                      params["init_marriage_age_sd"])       # 0 under the minimum age
    ever = rng.random(n) < p_ever
    p["ever_married"][:] = ever
    wives, husbands = _pair_spouses(p, ever, params, rng)
    p["partner"][wives] = husbands
    p["partner"][husbands] = wives

    # 4. children and parity
    married_women = np.flatnonzero((sex == FEMALE) & ever)     # ever married: the pool of mothers
    children = np.flatnonzero(age_year < 18)
    mother = _link_children(p, children, married_women, pack.asfr_pattern, rng)
    p["mother"][children] = mother
    linked_kids, their_mothers = children[mother >= 0], mother[mother >= 0]
    parity = np.bincount(their_mothers, minlength=n)
    # children born but not co-resident (grown up, or left with grandparents elsewhere):
    # ever-married women have borne Poisson(completed mean × share of the age pattern reached by their age)
    reached = np.concatenate([[0.0], np.cumsum(np.repeat(pack.asfr_pattern, 5))])
    reached /= reached[-1]
    share = reached[np.clip(age_year[married_women] - 15, 0, len(reached) - 1)]
    borne = rng.poisson(params["init_completed_parity_mean"] * share)
    parity[married_women] = np.maximum(parity[married_women], borne)
    # birth order of co-resident children: the youngest is the mother's last birth
    ordered = linked_kids[np.lexsort((p["age_months"][linked_kids], their_mothers))]
    their_mother = p["mother"][ordered]
    rank_from_youngest = np.arange(len(ordered)) - np.searchsorted(their_mother, their_mother, side="left")
    p["birth_order"][ordered] = np.clip(parity[their_mother] - rank_from_youngest, 1, 127)
    # months since the last birth: the age of the youngest at home
    since = p["months_since_last_birth"]
    since[:] = NO_CHILD
    youngest = rank_from_youngest == 0
    since[their_mother[youngest]] = p["age_months"][ordered[youngest]]
    # mothers with no child at home: last birth at the parent-age gap, at least 3 years ago (assumption)
    away = (parity > 0) & (since == NO_CHILD)
    since[away] = np.maximum(36, p["age_months"][away] - int(params["parent_age_gap"] * 12))
    p["parity"][:] = np.minimum(parity, 20, out=parity)
    p["parity"][husbands] = p["parity"][wives]
    p["months_since_last_birth"][husbands] = p["months_since_last_birth"][wives]
    probs = desired_family_size_probs(params)
    cdf = np.cumsum(probs)
    cdf /= cdf[-1]
    desired = count_at_or_below(cdf, rng.random(n))     # ≡ rng.choice(len(probs), size=n, p=probs), one pass
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
    women = rng.permutation(np.flatnonzero(ever & (p["sex"] == FEMALE)))
    men = np.flatnonzero(ever & (p["sex"] == MALE))
    men = men[np.argsort(p["age_months"][men], kind="stable")]   # the order of age, by a radix sort of int16
    gap_mean, gap_sd = params["match_age_gap_mean"], params["match_age_gap_sd"]
    wives, husbands = [], []
    for _ in range(3):
        if len(women) == 0 or len(men) == 0:
            break
        k = params["match_candidates"]
        w_age, m_age = p["age_months"][women] / 12.0, p["age_months"][men] / 12.0
        z_gap, u_candidates, u_accept = rng.standard_normal(len(women)), rng.random((len(women), k)), rng.random(len(women))
        # match_couples, with each woman's window of men found among their few distinct ages
        lows, highs = age_windows_by_value(w_age + gap_mean + gap_sd * z_gap, m_age, gap_sd)
        h = pair_couples(w_age, p["education"][women], np.zeros(len(women), np.int8),
                         m_age, p["education"][men], np.zeros(len(men), np.int8),
                         lows, highs, u_candidates, u_accept, gap_mean, gap_sd, 0.0, 0.0, 1.0)
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
        n_pos = np.count_nonzero(w)
        if n_pos == 0:
            continue
        mother[sel] = mothers_pool[weighted_choice(rng, w, len(sel), replace=len(sel) > n_pos)]
    return mother


def weighted_choice(rng, w, size, replace):
    """≡ rng.choice(len(w), size, replace, p=w / w.sum()), the same draws by numpy's algorithm, but
    over the entries of positive weight only (those with none add nothing to the cdf and are never
    drawn) and searched alongside the draws in order (``search_cumulative``) instead of a cumsum and
    a binary search per draw. Without replacement, numpy draws again for the repeats with the drawn
    taken out."""
    support = np.flatnonzero(w > 0)
    p = w[support] / w.sum()
    if replace:
        x = rng.random(size)
        return support[search_cumulative(p, x, np.argsort(x))]
    found = np.zeros(size, np.int64)
    seen = np.zeros(len(p), bool)
    n_found = 0
    while n_found < size:
        x = rng.random(size - n_found)
        new = first_draws(search_cumulative(p, x, np.argsort(x)), seen)   # each entry once, in the order drawn
        p[new] = 0.0
        found[n_found: n_found + len(new)] = new
        n_found += len(new)
    return support[found]


def _form_households(pop, pack, scale, params, rng, wives, husbands):
    """Assign every person a household (step 5) → ids of elders who co-reside with a child's family."""
    p = pop.p
    n = pop.n
    age_year = p["age_months"] // 12
    household = np.full(n, NO_HOUSEHOLD, np.int64)
    single_adult = (p["partner"] == NO_PARTNER) & (age_year >= 18)
    has_children = np.zeros(n, bool)
    has_children[p["mother"][p["mother"] >= 0]] = True

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

    # renumber densely: the ids in use in order, from a count per id (not a sort of all persons)
    members = np.bincount(household, minlength=next_id)     # (everyone has a household by now)
    used = np.flatnonzero(members)
    pop.add_households(len(used))
    p["household"][:] = new_numbers(members > 0)[household]
    pop.household("kind")[:] = np.where(used < h_coll, HOUSEHOLD_COLLECTIVE, HOUSEHOLD_FAMILY)
    pop.household("n_members")[:] = members[used]
    return coresident_elders


def _employ(p, pack, params, rng):
    age_year = p["age_months"] // 12
    sex = p["sex"]
    # the rules by age year and sex in small tables, looked up once per person
    # (no person-long arrays of retirement ages or shares)
    age = np.arange(age_year.max(initial=0) + 1)[:, None]
    # women: the cadres' 55 rather than the workers' 50 (assumption: Beijing's jobs are mostly white-collar)
    retire = _by_sex(pack.economy["retirement_age_men"], pack.economy["retirement_age_women_cadres"])
    shape = np.where((age >= 22) & (age < retire), 1.0,
                     np.where((age >= 18) & (age < 22), params["student_employment_rel"], 0.0))
    p_emp = np.zeros(shape.shape)
    for s, key in ((FEMALE, "lfp_female_15plus"), (MALE, "lfp_male_15plus")):
        over15 = (sex == s) & (age_year >= 15)
        level = pack.economy[key] * over15.sum() / max(shape[age_year[over15], s].sum(), 1e-9)
        p_emp[:, s] = np.minimum(shape[:, s] * level, 0.98)
    employed = rng.random(len(sex)) < p_emp[age_year, sex]
    rel = np.array([params["wage_rel_primary"], params["wage_rel_junior"], 1.0, params["wage_rel_tertiary"]])
    wage = rng.standard_normal(len(sex))               # in place: no more person-long temporaries than needed
    wage *= params["wage_sd_log"]
    np.exp(wage, out=wage)
    wage *= rel[p["education"]]
    # everyone of working age has an earning capacity; the wages of those employed add up
    # to the pack's wage income per resident
    working_age = (age >= params["min_working_age"]) & (age < retire)
    wage[~(working_age[age_year, sex] | employed)] = 0.0
    wage_bill_month = pack.economy["wage_income_per_capita"] * len(sex) / 12.0
    p["employed"][:] = employed
    wage *= wage_bill_month / max(wage[employed].sum(), 1e-9)
    p["wage"][:] = wage


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
