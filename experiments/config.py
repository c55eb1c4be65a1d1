"""Experiment configs: TOML in, a validated, default-filled, hashable ExperimentConfig out.

Format (see ``experiments/configs/baseline.toml``)::

    name = "beijing-baseline"   # [A-Za-z0-9_.-]{1,64}
    region = "beijing"          # a region pack
    start_year = 2021           # 1950..2100
    years = 30                  # 1..100
    scale = 0.01                # 0.001..1.0
    seeds = [1, 2, 3]           # distinct whole numbers 0..2**31-1
    description = "..."         # optional
    [parameters]                # optional behavioural overrides (sim/parameters.py)
    [baseline]                  # optional: description, [baseline.policy.<lever>] changes
                                #   relative to the region pack's policy history
    [scenarios.<name>]          # any number: description, [scenarios.<name>.policy.<lever>]
                                #   changes relative to the baseline

Every error is a ConfigError whose message is one line naming the field path.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path

from policies.levers import FIRST_YEAR, LAST_YEAR, LeverError, show_value, validate_lever
from policies.schedule import check_window, merge_policy
from sim.parameters import PARAMETERS, resolve

BASELINE = "baseline"
TOP_LEVEL = ("name", "region", "start_year", "years", "scale", "seeds", "description",
             "parameters", "baseline", "scenarios")
SECTION_KEYS = ("description", "policy")
DEFAULTS = {"region": "beijing", "start_year": 2021, "years": 30, "scale": 0.01, "description": ""}
YEARS_RANGE = (1, 100)
SCALE_RANGE = (0.001, 1.0)
SEED_MAX = 2**31 - 1
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.-]{1,64}")
NAME_RULE = "1-64 characters from A-Z a-z 0-9 _ . -"


class ConfigError(ValueError):
    """A bad config; the message is one line naming the field path and what is allowed."""


@dataclass(frozen=True)
class ExperimentConfig:
    """A validated config. ``resolved`` is the full dict with every default filled in."""

    resolved: dict
    source: str | None = None

    @property
    def name(self) -> str:
        return self.resolved["name"]

    @property
    def seeds(self) -> list[int]:
        return list(self.resolved["seeds"])

    @property
    def n_months(self) -> int:
        return 12 * self.resolved["years"]

    def canonical_json(self) -> str:
        """The resolved config as canonical JSON (sorted keys, no spaces, UTF-8 text)."""
        return json.dumps(self.resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def sha256(self) -> str:
        """Hex SHA-256 of ``canonical_json()``: equal for configs that mean the same."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    def scenario_names(self) -> list[str]:
        """``["baseline", *scenarios in name order]``."""
        return [BASELINE, *sorted(self.resolved["scenarios"])]

    def changes(self, scenario: str) -> dict:
        """The policy changes of ``scenario`` relative to the region pack's history."""
        baseline = self.resolved["baseline"]["policy"]
        if scenario == BASELINE:
            return copy.deepcopy(baseline)
        if scenario not in self.resolved["scenarios"]:
            raise KeyError(f"unknown scenario {scenario!r}; allowed: {', '.join(self.scenario_names())}")
        return merge_policy(baseline, self.resolved["scenarios"][scenario]["policy"])

    def run_spec(self, scenario: str, seed: int) -> dict:
        """Keyword arguments of ``FertilityModel`` for one run of ``scenario`` with ``seed``."""
        r = self.resolved
        return {"region": r["region"], "start_year": r["start_year"], "years": r["years"],
                "scale": r["scale"], "seed": seed, "parameters": dict(r["parameters"]),
                "policy": self.changes(scenario)}


def load_config(path: str | Path, overrides: dict | None = None) -> ExperimentConfig:
    """Read the TOML file at ``path``, apply ``overrides`` (top-level keys such as scale,
    years, seeds; None values are ignored), validate. Raises ConfigError."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"invalid TOML in {path}: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML in {path}: {' '.join(str(exc).split())}") from None
    raw.update({key: value for key, value in (overrides or {}).items() if value is not None})
    return config_from_dict(raw, source=str(path))


def config_from_dict(raw: dict, source: str | None = None) -> ExperimentConfig:
    """Validate a config given as a dict (as parsed from TOML). Raises ConfigError."""
    try:
        return ExperimentConfig(_resolve(raw), source)
    except LeverError as exc:
        raise ConfigError(str(exc)) from None


def _resolve(raw: dict) -> dict:
    _check_keys(raw, TOP_LEVEL, "at top level")
    for key in ("name", "seeds"):
        if key not in raw:
            raise ConfigError(f"{key}: missing; it is required (see experiments/configs/baseline.toml)")
    cfg = {**DEFAULTS, **raw}
    region = _region(cfg["region"])
    start_year = _number(cfg, "start_year", _earliest_start(region), LAST_YEAR, integer=True)
    years = _number(cfg, "years", *YEARS_RANGE, integer=True)
    end_year = start_year + years - 1
    if end_year > LAST_YEAR:
        raise ConfigError(f"years: {years} years from {start_year} end in {end_year}, after {LAST_YEAR}")
    scenarios = _table(cfg, "scenarios", "")
    for name in scenarios:
        if name == BASELINE or not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise ConfigError(f"scenarios: bad scenario name {name!r}; allowed: {NAME_RULE}, not 'baseline'")
    return {
        "name": _name(cfg["name"]),
        "region": region,
        "start_year": start_year,
        "years": years,
        "scale": float(_number(cfg, "scale", *SCALE_RANGE)),
        "seeds": _seeds(cfg["seeds"]),
        "description": _text(cfg, "description", ""),
        "parameters": _parameters(_table(cfg, "parameters", "")),
        "baseline": _section(cfg, BASELINE, "", start_year, end_year),
        "scenarios": {name: _section(scenarios, name, "scenarios.", start_year, end_year)
                      for name in scenarios},
    }


def _check_keys(table: dict, allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"unknown key {key!r} {where}; allowed: {', '.join(allowed)}")


def _number(table: dict, key: str, lower: float, upper: float, integer: bool = False):
    value = table[key]
    kind, types = ("a whole number", int) if integer else ("a number", (int, float))
    if isinstance(value, bool) or not isinstance(value, types):
        raise ConfigError(f"{key}: got {show_value(value)}, expected {kind} {lower}..{upper}")
    if not lower <= value <= upper:
        raise ConfigError(f"{key}: {value} is out of range; allowed {lower}..{upper}")
    return value


def _text(table: dict, key: str, path: str) -> str:
    value = table.get(key, "")
    if not isinstance(value, str):
        raise ConfigError(f"{path}{key}: got {show_value(value)}, expected text in quotes")
    return value


def _table(table: dict, key: str, path: str) -> dict:
    value = table.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{path}{key}: got {show_value(value)}, expected a table [{path}{key}]")
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not NAME_PATTERN.fullmatch(value):
        raise ConfigError(f"name: got {show_value(value)}; allowed: {NAME_RULE}")
    return value


def _region(value: object) -> str:
    packs = _packs()
    regions = tuple(packs.available_packs()) if packs else ("beijing",)
    if value not in regions:
        raise ConfigError(f"region: unknown region {show_value(value)}; allowed: {', '.join(regions)}")
    return value


@functools.cache
def _earliest_start(region: str) -> int:
    """The first start year the region pack supports (FIRST_YEAR while sim/pack.py is absent)."""
    packs = _packs()
    return packs.load_pack(region).earliest_start_year if packs else FIRST_YEAR


def _packs():
    """The ``sim.pack`` module, or None while it does not exist yet."""
    try:
        import sim.pack
    except ModuleNotFoundError as exc:
        if exc.name not in ("sim", "sim.pack"):
            raise
        return None
    return sim.pack


def _seeds(value: object) -> list[int]:
    rule = f"expected a non-empty list of distinct whole numbers 0..{SEED_MAX}, e.g. [1, 2, 3]"
    if not isinstance(value, list) or not value:
        raise ConfigError(f"seeds: got {show_value(value)}, {rule}")
    for seed in value:
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= SEED_MAX:
            raise ConfigError(f"seeds: seed {show_value(seed)} is not allowed; {rule}")
    repeated = sorted({seed for seed in value if value.count(seed) > 1})
    if repeated:
        raise ConfigError(f"seeds: seed {repeated[0]} is listed twice; {rule}")
    return sorted(value)


def _parameters(overrides: dict) -> dict:
    """All behavioural parameters: defaults with ``overrides`` applied (sim.parameters.resolve)."""
    for name, value in overrides.items():
        if name not in PARAMETERS:
            raise ConfigError(f"parameters: unknown parameter {name!r}; allowed: {', '.join(PARAMETERS)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"parameters.{name}: {value} is not allowed; expected a finite number "
                              f"{PARAMETERS[name].lower}..{PARAMETERS[name].upper}")
        try:
            resolve({name: value})
        except ValueError as exc:
            raise ConfigError(f"parameters.{name}: {exc}") from None
    return resolve(overrides)


def _section(table: dict, name: str, path: str, start_year: int, end_year: int) -> dict:
    """The baseline or one scenario: {"description": str, "policy": {lever: normalised table}}."""
    section = _table(table, name, path)
    where = f"{path}{name}"
    _check_keys(section, SECTION_KEYS, f"in {where}")
    policy = {lever: validate_lever(lever, spec, f"{where}.policy")
              for lever, spec in _table(section, "policy", f"{where}.").items()}
    check_window(policy, start_year, end_year, f"{where}.policy")
    return {"description": _text(section, "description", f"{where}."), "policy": policy}


def config_to_toml(table: dict) -> str:
    """TOML text for a dict of TOML values (e.g. ``ExperimentConfig.resolved``).

    Nested dicts become [sections], except ``schedule`` tables, which stay inline.
    ``load_config`` of the text gives back the same resolved config.
    """
    lines: list[str] = []
    _write_table(lines, [], table)
    return "\n".join(lines).lstrip("\n") + "\n"


def _write_table(lines: list[str], path: list[str], table: dict) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) or k == "schedule"}
    nested = {k: v for k, v in table.items() if k not in plain}
    if path and (plain or not nested):
        lines += ["", "[" + ".".join(map(_toml_key, path)) + "]"]
    lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in plain.items()]
    for key, value in nested.items():
        _write_table(lines, [*path, key], value)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_string(key)


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)             # repr gives TOML's nan, inf, -inf and 1e+20 forms
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(map(_toml_value, value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
