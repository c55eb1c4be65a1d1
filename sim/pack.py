"""Region packs: load ``sim/packs/<name>/`` into one read-only ``RegionPack``.

A pack is data, not code (DESIGN §3.1): CSV files with a ``source`` column and a
``policy_history.toml``; ``sim/packs/<name>/README.md`` gives the provenance and
every assumption. ``load_pack(name)`` reads a pack once per process (cached);
its arrays are read-only, and its dicts and DataFrames must not be modified.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

PACKS_DIR = Path(__file__).parent / "packs"
N_AGES = 101                       # single years 0..100, 100 = 100+
SEXES = ("male", "female")         # column order of (age, sex) arrays: agents.state MALE=0, FEMALE=1
EDUCATION_COLUMNS = ("share_primary", "share_junior", "share_senior", "share_tertiary")
ASFR_KEYS = tuple(f"asfr_{a}_{a + 4}" for a in range(15, 50, 5))
MORTALITY_BASE_YEAR = 2022.5       # centre of the 2020-2025 period of mortality.csv's mx_2020_2025
DEFAULT_MIN_SCALE = 0.001          # smallest scale a config may ask for, unless census.csv gives min_scale


class PackError(ValueError):
    """An unknown or unreadable region pack."""


@dataclass(frozen=True, eq=False)
class RegionPack:
    name: str
    census_date: str                       # "2020-11-01"
    districts: tuple[str, ...]             # English names in pack order
    district_population: np.ndarray        # int64 (n_districts,)
    population_age_sex: np.ndarray         # int64 (101, 2): persons by single year 0..100(+), column 0 male, 1 female
    total_population: int
    sex_totals: tuple[int, int]            # (male, female)
    broad_age_groups: dict[str, int]       # {"0-14": .., "15-59": .., "60+": .., "65+": ..}
    nonlocal_share: float                  # 0.385
    family_households: int
    family_household_population: int
    collective_households: int
    collective_household_population: int
    mortality_mx: np.ndarray               # float64 (101, 2) single-year mx of the 2020-2025 period
    mortality_base_year: float             # 2022.5 (centre of that period)
    mortality_decline: np.ndarray          # float64 (101, 2) annual proportional decline
    asfr_pattern: np.ndarray               # float64 (7,) national ASFR 15-19..45-49 (2015)
    sex_ratio_at_birth: float              # boys per 100 girls
    education_age_bands: np.ndarray        # int16 lower bounds of the bands
    education_share: np.ndarray            # float64 (n_bands, 2, 4)  band × sex × level
    economy: dict[str, float]              # key -> value from economy.csv
    fertility: dict[str, float]            # key -> value from fertility.csv
    vital_rates: pd.DataFrame              # year, indicator, value, unit, source
    targets: pd.DataFrame                  # name, year, value, low, high, unit, source
    policy_history: dict                   # {lever: {"schedule": {key(str): value}, "eligibility": str}}
    earliest_start_year: int               # first whole year after the census (2021 for beijing)
    min_scale: float                       # smallest scale a config may ask for (census.csv min_scale, else 0.001)


def available_packs() -> list[str]:
    """Names of the pack directories under ``sim/packs`` (those holding a census.csv), sorted."""
    return sorted(p.name for p in PACKS_DIR.iterdir()
                  if p.is_dir() and not p.name.startswith(("_", ".")) and (p / "census.csv").is_file())


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, keep_default_na=False, na_values=[""], encoding="utf-8")


def _by_age_sex(df: pd.DataFrame, column: str, dtype) -> np.ndarray:
    """(101, 2) array of ``column`` indexed by age 0..100 and sex (male, female)."""
    wide = df.pivot(index="age", columns="sex", values=column).reindex(index=range(N_AGES), columns=list(SEXES))
    if wide.isna().any().any():
        raise PackError(f"{column}: missing ages or sexes")
    return _frozen(wide.to_numpy(dtype=dtype))


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def _key_values(df: pd.DataFrame) -> dict[str, float]:
    return {str(k): float(v) for k, v in zip(df["key"], df["value"])}


@functools.lru_cache(maxsize=None)
def load_pack(name: str = "beijing") -> RegionPack:
    """The region pack ``name`` (e.g. "beijing"); raises PackError naming the available packs."""
    packs = available_packs()
    if name not in packs:
        raise PackError(f"unknown region {name!r}; available: {', '.join(packs)}")
    d = PACKS_DIR / name

    census = _read(d / "census.csv").set_index("key")["value"]
    num = lambda key: int(float(census[key]))           # noqa: E731 - census values are read as text
    census_date = str(census["census_date"])

    districts = _read(d / "districts.csv").sort_values("index")
    population = _read(d / "population_age_sex.csv")
    mortality = _read(d / "mortality.csv")
    fertility = _key_values(_read(d / "fertility.csv"))
    education = _read(d / "education.csv")
    bands = np.sort(education["age_band_start"].unique())
    share = np.stack([
        np.stack([education[(education["age_band_start"] == b) & (education["sex"] == s)][list(EDUCATION_COLUMNS)]
                  .to_numpy(dtype=np.float64).reshape(len(EDUCATION_COLUMNS)) for s in SEXES])
        for b in bands])

    with open(d / "policy_history.toml", "rb") as f:
        history = tomllib.load(f)
    policy = {lever: {"schedule": {str(k): v for k, v in spec["schedule"].items()},
                      "eligibility": str(spec.get("eligibility", "all"))}
              for lever, spec in history.items()}

    return RegionPack(
        name=name,
        census_date=census_date,
        districts=tuple(str(n) for n in districts["name"]),
        district_population=_frozen(districts["persons"].to_numpy(dtype=np.int64)),
        population_age_sex=_by_age_sex(population, "persons", np.int64),
        total_population=num("total_population"),
        sex_totals=(num("male"), num("female")),
        broad_age_groups={"0-14": num("age_0_14"), "15-59": num("age_15_59"),
                          "60+": num("age_60_plus"), "65+": num("age_65_plus")},
        nonlocal_share=float(census["nonlocal_share"]),
        family_households=num("family_households"),
        family_household_population=num("family_household_population"),
        collective_households=num("collective_households"),
        collective_household_population=num("collective_household_population"),
        mortality_mx=_by_age_sex(mortality, "mx_2020_2025", np.float64),
        mortality_base_year=MORTALITY_BASE_YEAR,
        mortality_decline=_by_age_sex(mortality, "annual_decline", np.float64),
        asfr_pattern=_frozen(np.array([fertility[k] for k in ASFR_KEYS], dtype=np.float64)),
        sex_ratio_at_birth=fertility["sex_ratio_at_birth"],
        education_age_bands=_frozen(bands.astype(np.int16)),
        education_share=_frozen(share),
        economy=_key_values(_read(d / "economy.csv")),
        fertility=fertility,
        vital_rates=_read(d / "vital_rates.csv"),
        targets=_read(d / "targets.csv"),
        policy_history=policy,
        earliest_start_year=int(census_date[:4]) + 1,
        min_scale=float(census.get("min_scale", DEFAULT_MIN_SCALE)),
    )


def calibrated_parameters(region: str, version: int) -> dict[str, float]:
    """The ``[parameters]`` of ``sim/packs/<region>/calibrated/v<version>.toml`` (written by
    ``fertsim calibrate``); PackError naming the versions there if it does not exist."""
    folder = PACKS_DIR / region / "calibrated"
    path = folder / f"v{version}.toml"
    if not path.is_file():
        found = sorted(int(p.stem[1:]) for p in folder.glob("v*.toml") if p.stem[1:].isdigit()) \
            if folder.is_dir() else []
        raise PackError(f"no calibrated parameter file v{version} for region {region!r}; available: "
                        f"{', '.join(f'v{v}' for v in found) or 'none (run `fertsim calibrate`)'}")
    with open(path, "rb") as f:
        return dict(tomllib.load(f).get("parameters", {}))
