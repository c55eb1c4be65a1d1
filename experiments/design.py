"""Experimental designs: sweep and sensitivity points, as ordinary config scenarios.

A *factor* is a behavioural parameter (``sim/parameters.py``) or a lever
(``policies/levers.py``) that a design varies. A design is a list of *points*, each a
``{factor name: value}``; every point becomes a scenario of the experiment, named
``<prefix>-0001``, ``<prefix>-0002``, … in design order, whose ``parameters`` table holds
the point's parameter values and whose ``policy`` sets each lever to the point's value
from the design's ``start`` year. So the runner, the store and ``compare`` treat design
points like any scenario, and each stored run's config names the values it used.

Designs:

* ``grid``: every combination of the listed values (``name = [v1, v2, ...]``);
* ``latin_hypercube``: ``samples`` points, each factor's range ``[low, high]`` cut into
  ``samples`` equal strata and each stratum used once (scipy.stats.qmc, seeded);
* ``sobol`` and ``morris`` (sensitivity): SALib's Saltelli and Morris samplers over the
  ranges, so that SALib's analysers can read the results back in order.

Whole-number parameters and levers are rounded; true/false levers take grid values only.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from policies.levers import LEVERS
from sim.parameters import PARAMETERS

KINDS = ("parameters", "levers")
SWEEP_DESIGNS = ("grid", "latin_hypercube")
SENSITIVITY_METHODS = ("sobol", "morris")
MAX_POINTS = 100_000


class DesignError(ValueError):
    """A bad design block; the message is one line naming the field path."""


@dataclass(frozen=True)
class Factor:
    kind: str            # "parameters" or "levers"
    name: str
    values: tuple        # grid values, or (low, high) for a range

    @property
    def integer(self) -> bool:
        if self.kind == "parameters":
            return PARAMETERS[self.name].integer
        return LEVERS[self.name].kind == "int"

    def cast(self, value: float):
        """A design value as the model takes it: rounded for whole-number factors."""
        if isinstance(value, bool):
            return value
        return int(round(float(value))) if self.integer else float(value)


def parse_factors(block: dict, path: str, ranges: bool) -> list[Factor]:
    """``block["parameters"]`` and ``block["levers"]`` tables → factors, in (kind, name) order.
    With ``ranges`` each value must be ``[low, high]``; else a non-empty list of values."""
    factors = []
    for kind in KINDS:
        table = block.get(kind, {})
        if not isinstance(table, dict):
            raise DesignError(f"{path}.{kind}: expected a table [{path}.{kind}] of name = [values]")
        known = PARAMETERS if kind == "parameters" else LEVERS
        for name in sorted(table):
            where = f"{path}.{kind}.{name}"
            if name not in known:
                raise DesignError(f"{where}: unknown {kind[:-1]} {name!r}; allowed: {', '.join(known)}")
            values = table[name]
            if not isinstance(values, list) or not values:
                raise DesignError(f"{where}: expected " + ("[low, high]" if ranges else "a non-empty list of values"))
            if ranges:
                numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
                if len(values) != 2 or not numeric or not values[0] < values[1]:
                    raise DesignError(f"{where}: expected [low, high] with low < high, got {values!r}")
            factors.append(Factor(kind, name, tuple(values)))
    if not factors:
        raise DesignError(f"{path}: no factors; add [{path}.parameters] or [{path}.levers]")
    return factors


def grid(factors: list[Factor]) -> list[dict]:
    """Every combination of the factors' values, the last factor varying fastest."""
    combos = itertools.product(*(f.values for f in factors))
    return [{f.name: f.cast(v) for f, v in zip(factors, combo)} for combo in combos]


def latin_hypercube(factors: list[Factor], samples: int, seed: int) -> list[dict]:
    """``samples`` Latin-hypercube points over the factors' [low, high] ranges."""
    from scipy.stats import qmc

    unit = qmc.LatinHypercube(d=len(factors), seed=np.random.default_rng(seed)).random(samples)
    return _scale(factors, unit)


def sensitivity_sample(method: str, factors: list[Factor], samples: int, seed: int,
                       morris_levels: int = 4) -> tuple[dict, list[dict]]:
    """SALib's sample for ``method`` → (SALib problem, points in SALib's order).
    Sobol: Saltelli's scheme, samples × (2 × factors + 2) points (samples a power of 2);
    Morris: samples trajectories of factors + 1 points."""
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    problem = problem_of(factors)
    if method == "sobol":
        matrix = sobol_sample.sample(problem, samples, calc_second_order=True, seed=seed)
    else:
        matrix = morris_sample.sample(problem, samples, num_levels=morris_levels, seed=seed)
    return problem, [{f.name: f.cast(v) for f, v in zip(factors, row)} for row in matrix]


def problem_of(factors: list[Factor]) -> dict:
    """The SALib problem dict of factors with [low, high] ranges."""
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [[float(f.values[0]), float(f.values[1])] for f in factors]}


def _scale(factors: list[Factor], unit: np.ndarray) -> list[dict]:
    lows = np.array([f.values[0] for f in factors], float)
    highs = np.array([f.values[1] for f in factors], float)
    return [{f.name: f.cast(v) for f, v in zip(factors, row)} for row in lows + unit * (highs - lows)]


def point_scenarios(points: list[dict], factors: list[Factor], start: int, prefix: str) -> dict:
    """Design points → raw scenario tables ``{name: {"description", "parameters", "policy"}}``,
    named ``<prefix>-0001``… in order; levers take the point's value from year ``start``."""
    if len(points) > MAX_POINTS:
        raise DesignError(f"{prefix}: {len(points)} points; at most {MAX_POINTS} are allowed")
    kind = {f.name: f.kind for f in factors}
    width = max(4, len(str(len(points))))
    scenarios = {}
    for i, point in enumerate(points, 1):
        scenarios[f"{prefix}-{i:0{width}d}"] = {
            "description": ", ".join(f"{name}={value}" for name, value in point.items()),
            "parameters": {n: v for n, v in point.items() if kind[n] == "parameters"},
            "policy": {n: {"schedule": {str(start): v}} for n, v in point.items() if kind[n] == "levers"},
        }
    return scenarios
