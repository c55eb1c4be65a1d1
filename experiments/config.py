"""Experiment configs: TOML in, a validated, default-filled, hashable ExperimentConfig out.

Format (see ``experiments/configs/baseline.toml``)::

    name = "beijing-baseline"   # [A-Za-z0-9_.-]{1,64}
    region = "beijing"          # a region pack
    start_year = 2021           # 1950..2100
    years = 30                  # 1..100
    scale = 0.01                # 0.001..1.0 (a region pack may allow less: china 0.00001)
    seeds = [1, 2, 3]           # distinct whole numbers 0..2**31-1
    description = "..."         # optional
    calibrated_parameters = 1   # optional: start from the pack's calibrated/v1.toml
    [parameters]                # optional behavioural overrides (sim/parameters.py)
    [baseline]                  # optional: description, [baseline.policy.<lever>] changes
                                #   relative to the region pack's policy history
    [scenarios.<name>]          # any number: description, [scenarios.<name>.policy.<lever>]
                                #   changes relative to the baseline, and
                                #   [scenarios.<name>.parameters] overrides
    [sweep]                     # optional design whose points become scenarios sweep-0001...:
                                #   design = "grid" | "latin_hypercube", samples, seed, start,
                                #   [sweep.parameters] / [sweep.levers] name = [values] or [low, high]
    [sensitivity]               # optional: method = "sobol" | "morris", samples, seed, start,
                                #   outputs = [indicators], [sensitivity.parameters] / .levers ranges;
                                #   points become scenarios sa-0001...
    [calibration]               # optional, read by `fertsim calibrate` (experiments/calibrate.py)

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

from experiments import design
from policies.levers import FIRST_YEAR, LAST_YEAR, LeverError, show_value, validate_lever
from policies.schedule import check_window, merge_policy
from sim.parameters import PARAMETERS, resolve

BASELINE = "baseline"
TOP_LEVEL = ("name", "region", "start_year", "years", "scale", "seeds", "description",
             "calibrated_parameters", "parameters", "baseline", "scenarios", "sweep", "sensitivity", "calibration")
SECTION_KEYS = ("description", "policy", "parameters")
SWEEP_KEYS = ("design", "samples", "seed", "start", "parameters", "levers")
SENSITIVITY_KEYS = ("method", "samples", "seed", "start", "outputs", "year", "parameters", "levers")
CALIBRATION_KEYS = ("trials", "batch", "seed", "start", "targets", "weights", "parameters")
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

    def parameters(self, scenario: str) -> dict:
        """Every behavioural parameter of ``scenario``: the config's, then the baseline's
        overrides, then the scenario's."""
        r = self.resolved
        own = {} if scenario == BASELINE else r["scenarios"][scenario].get("parameters", {})
        return {**r["parameters"], **r["baseline"].get("parameters", {}), **own}

    def run_spec(self, scenario: str, seed: int) -> dict:
        """Keyword arguments of ``FertilityModel`` for one run of ``scenario`` with ``seed``."""
        r = self.resolved
        return {"region": r["region"], "start_year": r["start_year"], "years": r["years"],
                "scale": r["scale"], "seed": seed, "parameters": self.parameters(scenario),
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
    earliest_start, min_scale = _pack_limits(region)
    start_year = _number(cfg, "start_year", earliest_start, LAST_YEAR, integer=True)
    years = _number(cfg, "years", *YEARS_RANGE, integer=True)
    end_year = start_year + years - 1
    if end_year > LAST_YEAR:
        raise ConfigError(f"years: {years} years from {start_year} end in {end_year}, after {LAST_YEAR}")
    scenarios = dict(_table(cfg, "scenarios", ""))
    for name in scenarios:
        if name == BASELINE or not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
            raise ConfigError(f"scenarios: bad scenario name {name!r}; allowed: {NAME_RULE}, not 'baseline'")
    normal = {name: _section(scenarios, name, "scenarios.", start_year, end_year) for name in scenarios}
    designs = {}
    for key, expand in (("sweep", _sweep), ("sensitivity", _sensitivity)):
        if key in cfg:
            designs[key], points = expand(_table(cfg, key, ""), start_year, end_year)
            for name in points:
                point = _section(points, name, "scenarios.", start_year, end_year)
                # a resolved config read back holds its points already: the same ones are fine
                if normal.setdefault(name, point) != point:
                    raise ConfigError(f"scenarios.{name}: the name is taken by a {key} point; rename the scenario")
    if "calibration" in cfg:
        designs["calibration"] = _calibration(_table(cfg, "calibration", ""), region)
    return {**designs,
        "name": _name(cfg["name"]),
        "region": region,
        "start_year": start_year,
        "years": years,
        "scale": float(_number(cfg, "scale", min_scale, SCALE_RANGE[1])),
        "seeds": _seeds(cfg["seeds"]),
        "description": _text(cfg, "description", ""),
        **_calibrated(cfg),
        "parameters": _parameters({**_calibrated_values(cfg, region), **_table(cfg, "parameters", "")}),
        "baseline": _section(cfg, BASELINE, "", start_year, end_year),
        "scenarios": normal,
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
def _pack_limits(region: str) -> tuple[int, float]:
    """(first start year, smallest scale) the region pack allows (FIRST_YEAR and SCALE_RANGE's
    lower bound while sim/pack.py is absent)."""
    packs = _packs()
    if packs is None:
        return FIRST_YEAR, SCALE_RANGE[0]
    pack = packs.load_pack(region)
    return pack.earliest_start_year, pack.min_scale


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


def _parameters(overrides: dict, path: str = "parameters") -> dict:
    """All behavioural parameters: defaults with ``overrides`` applied (sim.parameters.resolve)."""
    for name, value in overrides.items():
        if name not in PARAMETERS:
            raise ConfigError(f"{path}: unknown parameter {name!r}; allowed: {', '.join(PARAMETERS)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise ConfigError(f"{path}.{name}: {value} is not allowed; expected a finite number "
                              f"{PARAMETERS[name].lower}..{PARAMETERS[name].upper}")
        try:
            resolve({name: value})
        except ValueError as exc:
            raise ConfigError(f"{path}.{name}: {exc}") from None
    return resolve(overrides)


def _section(table: dict, name: str, path: str, start_year: int, end_year: int) -> dict:
    """The baseline or one scenario: {"description": str, "policy": {lever: normalised table}}."""
    section = _table(table, name, path)
    where = f"{path}{name}"
    _check_keys(section, SECTION_KEYS, f"in {where}")
    policy = {lever: validate_lever(lever, spec, f"{where}.policy")
              for lever, spec in _table(section, "policy", f"{where}.").items()}
    check_window(policy, start_year, end_year, f"{where}.policy")
    out = {"description": _text(section, "description", f"{where}."), "policy": policy}
    overrides = _table(section, "parameters", f"{where}.")
    if overrides:        # kept only when given, so that configs without any keep their hash
        _parameters(overrides, f"{where}.parameters")
        out["parameters"] = dict(sorted(overrides.items()))
    return out


def _calibrated(cfg: dict) -> dict:
    """``{"calibrated_parameters": N}`` if the config names a version (kept only then, so
    that configs without one keep their hash)."""
    if "calibrated_parameters" not in cfg:
        return {}
    return {"calibrated_parameters": _whole(cfg, "calibrated_parameters", "", 1, 1_000_000)}


def _calibrated_values(cfg: dict, region: str) -> dict:
    if "calibrated_parameters" not in cfg:
        return {}
    packs = _packs()
    try:
        values = packs.calibrated_parameters(region, _calibrated(cfg)["calibrated_parameters"])
    except packs.PackError as exc:
        raise ConfigError(f"calibrated_parameters: {exc}") from None
    unknown = sorted(set(values) - set(PARAMETERS))
    if unknown:
        raise ConfigError(f"calibrated_parameters: the file names unknown parameter {unknown[0]!r}")
    return values


def _design_factors(block: dict, path: str, keys: tuple[str, ...], ranges: bool, start: int) -> list:
    """The factors of a sweep or sensitivity block, each value checked against its bounds."""
    _check_keys(block, keys, f"in [{path}]")
    try:
        factors = design.parse_factors(block, path, ranges)
    except design.DesignError as exc:
        raise ConfigError(str(exc)) from None
    for f in factors:
        for value in f.values:
            where = f"{path}.{f.kind}.{f.name}"
            if f.kind == "parameters":
                _parameters({f.name: f.cast(value) if ranges else value}, where.rsplit(".", 1)[0])
            else:
                validate_lever(f.name, {"schedule": {str(start): f.cast(value) if ranges else value}},
                               f"{path}.levers")
    return factors


def _whole(block: dict, key: str, path: str, lower: int, upper: int) -> int:
    """``block[key]`` as a whole number lower..upper; errors name ``path.key``."""
    where = f"{path}.{key}" if path else key
    return _number({where: block[key]}, where, lower, upper, integer=True)


def _sweep(block: dict, start_year: int, end_year: int) -> tuple[dict, dict]:
    """[sweep] → (normalised block, its points as raw scenarios sweep-0001…)."""
    block = {"design": "grid", "seed": 0, **block}
    start = _whole(block, "start", "sweep", start_year, end_year) if "start" in block else start_year
    if block["design"] not in design.SWEEP_DESIGNS:
        raise ConfigError(f"sweep.design: got {show_value(block['design'])}; allowed: "
                          + ", ".join(design.SWEEP_DESIGNS))
    lhs = block["design"] == "latin_hypercube"
    factors = _design_factors(block, "sweep", SWEEP_KEYS, ranges=lhs, start=start)
    seed = _whole(block, "seed", "sweep", 0, SEED_MAX)
    if lhs:
        if "samples" not in block:
            raise ConfigError("sweep.samples: missing; a latin_hypercube design needs samples = N (1..10000)")
        samples = _whole(block, "samples", "sweep", 1, 10_000)
        points = design.latin_hypercube(factors, samples, seed)
    else:
        if "samples" in block:
            raise ConfigError("sweep.samples: a grid takes every combination; remove samples or use "
                              'design = "latin_hypercube"')
        points = design.grid(factors)
    normal = {"design": block["design"], "seed": seed, "start": start, **_factor_tables(factors)}
    if lhs:
        normal["samples"] = samples
    return normal, _generated(points, factors, start, "sweep")


def _sensitivity(block: dict, start_year: int, end_year: int) -> tuple[dict, dict]:
    """[sensitivity] → (normalised block, SALib's sample points as raw scenarios sa-0001…)."""
    block = {"method": "sobol", "seed": 0, "outputs": ["births", "tfr"], **block}
    start = _whole(block, "start", "sensitivity", start_year, end_year) if "start" in block else start_year
    if block["method"] not in design.SENSITIVITY_METHODS:
        raise ConfigError(f"sensitivity.method: got {show_value(block['method'])}; allowed: "
                          + ", ".join(design.SENSITIVITY_METHODS))
    factors = _design_factors(block, "sensitivity", SENSITIVITY_KEYS, ranges=True, start=start)
    if "samples" not in block:
        raise ConfigError("sensitivity.samples: missing; give samples = N (Sobol: a power of 2, e.g. 8)")
    samples = _whole(block, "samples", "sensitivity", 1, 4096)
    if block["method"] == "sobol" and samples & (samples - 1):
        raise ConfigError(f"sensitivity.samples: {samples} is not a power of 2; Sobol needs 2, 4, 8, 16, ...")
    seed = _whole(block, "seed", "sensitivity", 0, SEED_MAX)
    outputs = block["outputs"]
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) and o for o in outputs):
        raise ConfigError(f"sensitivity.outputs: got {show_value(outputs)}, expected a list of indicator "
                          'names such as ["births", "tfr"]')
    normal = {"method": block["method"], "samples": samples, "seed": seed, "start": start,
              "outputs": list(outputs), **_factor_tables(factors)}
    if "year" in block:
        normal["year"] = _whole(block, "year", "sensitivity", start_year, end_year)
    _, points = design.sensitivity_sample(block["method"], factors, samples, seed)
    return normal, _generated(points, factors, start, "sa")


def _calibration(block: dict, region: str) -> dict:
    """[calibration] → normalised block (the trials are chosen while it runs). ``start = N``: the
    first trial is the fit of the pack's calibrated/vN.toml (its values of the fitted parameters,
    clipped into the ranges), so that a re-calibration after a change of the model begins where
    the last one ended."""
    block = {"trials": 40, "batch": 1, "seed": 0, **block}
    start = {}
    if "start" in block:
        start = {"start": _whole(block, "start", "calibration", 1, 1_000_000)}
        try:
            _packs().calibrated_parameters(region, start["start"])
        except _packs().PackError as exc:
            raise ConfigError(f"calibration.start: {exc}") from None
    factors = _design_factors(block, "calibration", CALIBRATION_KEYS, ranges=True, start=FIRST_YEAR)  # no levers
    targets = block.get("targets", [])
    if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
        raise ConfigError(f"calibration.targets: got {show_value(targets)}, expected a list of target "
                          "names of the region pack (empty = all)")
    weights = _table(block, "weights", "calibration.")
    for name, w in weights.items():
        if isinstance(w, bool) or not isinstance(w, int | float) or not 0 <= w <= 1e6:
            raise ConfigError(f"calibration.weights.{name}: got {show_value(w)}, expected a number 0..1e6")
    return {"trials": _whole(block, "trials", "calibration", 1, 100_000),
            "batch": _whole(block, "batch", "calibration", 1, 1024),
            "seed": _whole(block, "seed", "calibration", 0, SEED_MAX),
            **start, "targets": sorted(set(targets)), "weights": {k: float(v) for k, v in sorted(weights.items())},
            **_factor_tables(factors)}


def _factor_tables(factors: list) -> dict:
    tables = {kind: {} for kind in design.KINDS}
    for f in factors:
        tables[f.kind][f.name] = list(f.values)
    return {kind: table for kind, table in tables.items() if table}


def _generated(points: list[dict], factors: list, start: int, prefix: str) -> dict:
    try:
        return design.point_scenarios(points, factors, start, prefix)
    except design.DesignError as exc:
        raise ConfigError(str(exc)) from None


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
