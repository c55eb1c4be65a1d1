"""Calibration by the simulated method of moments: behavioural parameters fitted to the
region pack's targets with Optuna, trials computed on any executor, every run in the store.

A config's ``[calibration]`` block names the parameters and their ranges, the number of
trials, how many run at once (``batch``), the optimiser's seed, optionally a previous fit to
try first (``start``) and which pack targets to use and their weights::

    [calibration]
    trials = 40
    batch = 2
    seed = 1
    start = 1                         # optional: trial 1 = the fit of calibrated/v1.toml (clipped into the ranges)
    targets = []                      # empty: every target of the pack
    [calibration.weights]
    tfr = 2.0
    [calibration.parameters]
    logit_base_parity0 = [-1.0, 1.0]

The loss of a parameter set is Σ weight × distance², over the targets, of the mean over the
config's seeds (common random numbers across trials). A target with a value gives
(simulated − value) / scale; a target with only bounds gives how far outside the bounds
the simulation is, / scale (0 inside). Scales: half the interval when both bounds are
given, else 5 % of the value or bound (1 year for ages). Crude birth and death rates,
observed before the earliest start year, are compared with their linear trend at the
first simulated year (scale 5 % of it).

Trials are asked from Optuna's TPE sampler (seeded) ``batch`` at a time; each batch is an
ordinary experiment ``<name>.batch-0001``… whose baseline is the batch's first trial and
whose scenarios ``trial-0002``… are the others, so that the runner computes them in
parallel and stores them. A calibration that is stopped and started again asks the same
trials (same seed, same history) and finds their runs already in the store.

The result: a versioned parameter file in the pack (``sim/packs/<region>/calibrated/
v<N>.toml``, which a config uses with ``calibrated_parameters = N``; it holds the fitted
values and the parameters the config itself sets away from their defaults, so that the file
alone gives the calibrated model) and a fit report
(``<out>/fit.md``, a table of targets against the best trial, and ``<out>/fit.html``, a
plot of both and of the loss by trial).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from experiments.config import BASELINE, ExperimentConfig, config_from_dict, config_to_toml
from experiments.runner import run_experiment
from experiments.store import Store, code_version
from sim.pack import PACKS_DIR, load_pack
from sim.pack import calibrated_parameters as load_calibrated
from sim.parameters import PARAMETERS

AGE_SCALE = 1.0          # years: the scale of an age target given by one bound
RELATIVE_SCALE = 0.05    # share of the value: the scale of other targets given by a value or one bound
INDICATOR_OF_TARGET = {  # pack target name → (indicator, group)
    "population_year_end": ("population", ""),
    "mean_age_first_marriage_women": ("mean_age_first_marriage", "sex=female"),
    "mean_age_first_marriage_men": ("mean_age_first_marriage", "sex=male"),
    **{f"asfr_{a}_{a + 4}": ("asfr", f"age={a}-{a + 4}") for a in range(15, 50, 5)},
}
TREND_TARGETS = ("crude_birth_rate", "crude_death_rate")


@dataclass(frozen=True)
class Moment:
    """One calibration target at one year."""
    name: str
    indicator: str
    group: str
    year: int
    value: float         # nan if the target is bounds only
    low: float           # -inf if none
    high: float          # +inf if none
    scale: float
    source: str

    def distance(self, simulated: float) -> float:
        if math.isnan(simulated):
            return math.inf
        if not math.isnan(self.value):
            return (simulated - self.value) / self.scale
        return max(self.low - simulated, 0.0, simulated - self.high) / self.scale


def moments(region: str, first_year: int, last_year: int, names: list[str] | None = None) -> list[Moment]:
    """The pack's targets inside [first_year, last_year] (trend targets at first_year), as
    moments; ``names`` keeps only those targets (empty or None: all)."""
    targets = load_pack(region).targets
    out = []
    for name in TREND_TARGETS:
        rows = targets[targets.name == name]
        if len(rows) >= 2:
            slope, intercept = np.polyfit(rows.year.astype(float), rows.value.astype(float), 1)
            trend = float(slope * first_year + intercept)
            out.append(Moment(name, name, "", first_year, trend, -math.inf, math.inf, RELATIVE_SCALE * trend,
                              f"{rows.year.min()}–{rows.year.max()} linear trend of the pack's targets"))
    for _, r in targets[~targets.name.isin(TREND_TARGETS)].iterrows():
        year = int(r["year"])
        if not first_year <= year <= last_year:
            continue
        indicator, group = INDICATOR_OF_TARGET.get(r["name"], (r["name"], ""))
        value = float(r["value"]) if pd.notna(r["value"]) else math.nan
        low = float(r["low"]) if pd.notna(r["low"]) else -math.inf
        high = float(r["high"]) if pd.notna(r["high"]) else math.inf
        if math.isfinite(low) and math.isfinite(high):
            scale = (high - low) / 2
        elif "age" in indicator:
            scale = AGE_SCALE
        else:
            scale = RELATIVE_SCALE * abs(next(v for v in (value, low, high) if math.isfinite(v)))
        out.append(Moment(r["name"], indicator, group, year, value, low, high, scale, str(r["source"]).split(";")[0]))
    if names:
        unknown = sorted(set(names) - {m.name for m in out})
        if unknown:
            raise ValueError(f"calibration.targets: unknown or out-of-window target {unknown[0]!r}; "
                             f"allowed: {', '.join(sorted({m.name for m in out}))}")
        out = [m for m in out if m.name in names]
    return out


def simulated_moments(frame: pd.DataFrame, targets: list[Moment]) -> list[float]:
    """Mean over seeds of each target's indicator (frame: export rows of one scenario)."""
    out = []
    for m in targets:
        rows = frame[(frame.indicator == m.indicator) & (frame.group == m.group) & (frame.year == m.year)]
        out.append(float(rows["value"].mean()) if len(rows) else math.nan)
    return out


def loss(targets: list[Moment], simulated: list[float], weights: dict[str, float]) -> float:
    """Σ weight × distance² (weights default to 1)."""
    return float(sum(weights.get(m.name, 1.0) * m.distance(s) ** 2 for m, s in zip(targets, simulated)))


def calibrate(config: ExperimentConfig, store: Store, out_dir: Path, executor=None, progress: bool = True,
              pack_dir: Path | None = None, log=print) -> dict:
    """Run the config's [calibration]; write the pack's parameter file and the fit report.
    → {"version", "parameters", "loss", "parameter_file", "report"}."""
    import optuna

    r = config.resolved
    block = r["calibration"]
    targets = moments(r["region"], r["start_year"], r["start_year"] + r["years"] - 1, block["targets"])
    ranges = block["parameters"]
    distributions = {name: _distribution(name, low, high) for name, (low, high) in ranges.items()}
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=block["seed"]))
    if "start" in block:
        study.enqueue_trial(start_values(r["region"], block["start"], ranges))
    history = []
    n_batches = math.ceil(block["trials"] / block["batch"])
    for b in range(n_batches):
        size = min(block["batch"], block["trials"] - b * block["batch"])
        trials = [study.ask(distributions) for _ in range(size)]
        batch_config = _batch_config(config, b + 1, [t.params for t in trials])
        run_experiment(batch_config, store, progress=progress, executor=executor)
        frame = store.export(batch_config.name)
        for i, trial in enumerate(trials):
            scenario = BASELINE if i == 0 else _trial_name(i + 1)
            simulated = simulated_moments(frame[frame.scenario == scenario], targets)
            value = loss(targets, simulated, block["weights"])
            study.tell(trial, value if math.isfinite(value) else 1e300)
            history.append({"trial": trial.number + 1, "loss": value, **trial.params, "_simulated": simulated})
        best = min(history, key=lambda h: h["loss"])
        log(f"batch {b + 1}/{n_batches}: best loss so far {best['loss']:.4g} (trial {best['trial']})")

    best = min(history, key=lambda h: h["loss"])
    best_params = {name: best[name] for name in ranges}
    version, parameter_file = write_parameter_file(config, best_params, best["loss"], len(history), pack_dir)
    report = write_report(out_dir, config, targets, best, history, version)
    return {"version": version, "parameters": best_params, "loss": best["loss"],
            "parameter_file": parameter_file, "report": report}


def start_values(region: str, version: int, ranges: dict) -> dict:
    """The fitted values of calibrated/v<version>.toml for the parameters of ``ranges``, each
    clipped into its range (a parameter the file lacks: its default, clipped)."""
    fitted = load_calibrated(region, version)
    values = {}
    for name, (low, high) in ranges.items():
        v = min(max(float(fitted.get(name, PARAMETERS[name].default)), low), high)
        values[name] = int(round(v)) if PARAMETERS[name].integer else v
    return values


def _distribution(name: str, low: float, high: float):
    import optuna

    if PARAMETERS[name].integer:
        return optuna.distributions.IntDistribution(int(math.ceil(low)), int(math.floor(high)))
    return optuna.distributions.FloatDistribution(float(low), float(high))


def _trial_name(i: int) -> str:
    return f"trial-{i:04d}"


def _batch_config(config: ExperimentConfig, batch: int, trial_params: list[dict]) -> ExperimentConfig:
    """The experiment of one batch: the config without its designs, the first trial as the
    baseline's parameters, the others as scenarios trial-0002…"""
    r = config.resolved
    raw = {key: r[key] for key in ("region", "start_year", "years", "scale", "seeds")}
    raw["name"] = f"{r['name']}.batch-{batch:04d}"[:64]
    raw["parameters"] = dict(r["parameters"])
    raw["baseline"] = {"policy": r["baseline"]["policy"], "parameters": trial_params[0],
                       "description": "calibration trial 1 of the batch"}
    raw["scenarios"] = {_trial_name(i + 1): {"policy": {}, "parameters": params,
                                             "description": f"calibration trial {i + 1} of the batch"}
                        for i, params in enumerate(trial_params) if i > 0}
    return config_from_dict(raw)


def write_parameter_file(config: ExperimentConfig, params: dict, best_loss: float, n_trials: int,
                         pack_dir: Path | None = None) -> tuple[int, Path]:
    """Write ``calibrated/v<N>.toml`` (N = the next free version) into the region pack; the
    file is written under a temporary name and renamed, so a crash leaves no half file."""
    folder = (pack_dir or PACKS_DIR / config.resolved["region"]) / "calibrated"
    folder.mkdir(parents=True, exist_ok=True)
    taken = [int(p.stem[1:]) for p in folder.glob("v*.toml") if p.stem[1:].isdigit()]
    version = max(taken, default=0) + 1
    fixed = {name: value for name, value in config.resolved["parameters"].items()
             if name not in params and value != PARAMETERS[name].default}
    header = {
        "version": version,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.name,
        "config_sha256": config.sha256,
        "code_version": code_version(),
        "trials": n_trials,
        "loss": float(best_loss),
        "seeds": config.seeds,
        "scale": config.resolved["scale"],
        "fitted": sorted(params),
        "fixed": sorted(fixed),
    }
    text = ("# Calibrated behavioural parameters, written by `fertsim calibrate` (experiments/calibrate.py).\n"
            "# Use them with `calibrated_parameters = %d` in a config.\n" % version
            + config_to_toml({**header, "parameters": dict(sorted({**fixed, **params}.items()))}))
    path = folder / f"v{version}.toml"
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.rename(path)
    return version, path


def fit_table(targets: list[Moment], simulated: list[float]) -> pd.DataFrame:
    rows = []
    for m, s in zip(targets, simulated):
        bounds = f"[{m.low:g}, {m.high:g}]".replace("-inf", "−∞").replace("inf", "∞")
        target = f"{m.value:.4g}" if not math.isnan(m.value) else bounds
        rows.append({"target": f"{m.name} {m.year}", "data": target, "simulated": f"{s:.4g}",
                     "distance": f"{m.distance(s):+.2f}", "source": m.source})
    return pd.DataFrame(rows)


def write_report(out_dir: Path, config: ExperimentConfig, targets: list[Moment], best: dict, history: list[dict],
                 version: int) -> Path:
    """``fit.md`` (the table) and ``fit.html`` (targets vs simulated; loss by trial) in ``out_dir``."""
    from plotly.subplots import make_subplots

    out_dir.mkdir(parents=True, exist_ok=True)
    table = fit_table(targets, best["_simulated"])
    lines = [f"# Calibration of {config.name}: parameter file v{version}", "",
             f"Best of {len(history)} trials: loss {best['loss']:.4g} (trial {best['trial']}); "
             f"seeds {config.seeds}, scale {config.resolved['scale']}.", "",
             "| parameter | value |", "|---|---|"]
    lines += [f"| {name} | {best[name]:.6g} |" for name in config.resolved["calibration"]["parameters"]]
    lines += ["", "| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    (out_dir / "fit.md").write_text("\n".join(lines) + "\n", encoding="utf-8")

    fig = make_subplots(rows=1, cols=2, subplot_titles=("targets: distance of the best trial (in scales)",
                                                        "loss by trial"))
    fig.add_bar(x=table["target"], y=[m.distance(s) for m, s in zip(targets, best["_simulated"])],
                name="distance", row=1, col=1)
    fig.add_scatter(x=[h["trial"] for h in history], y=[h["loss"] for h in history], mode="markers",
                    name="loss", row=1, col=2)
    fig.update_yaxes(type="log", row=1, col=2)
    fig.update_layout(title=f"Calibration of {config.name} (v{version})", showlegend=False)
    fig.write_html(out_dir / "fit.html", include_plotlyjs=True)      # opens offline
    return out_dir / "fit.md"
