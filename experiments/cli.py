"""The ``fertsim`` command line: run, list, export, compare, quickstart.

``main(argv) -> exit code``. A user error (bad config, lever, database, flag or output
file) prints one line ``fertsim: error: <message>`` to stderr and returns 2, before any
run starts and without writing to the database.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from importlib import resources
from pathlib import Path

import pandas as pd

from experiments.compare import CompareError, append_paired, comparison_table, format_comparison, paired_results
from experiments.config import BASELINE, ConfigError, load_config
from experiments.runner import run_experiment
from experiments.store import ENV_VAR, Store, StoreError, database_url
from policies.levers import LeverError

QUICKSTART_DB = "fertsim-quickstart.db"
QUICKSTART_OVERRIDES = {"name": "quickstart", "scale": 0.005, "years": 10, "seeds": [1]}
KEY_INDICATORS = ("population", "births", "crude_birth_rate", "tfr", "mean_age_first_birth",
                  "mean_age_first_marriage", "old_age_dependency_ratio")
DB_HELP = f"database URL (e.g. postgresql+psycopg://user@host/db) or SQLite file; default ${ENV_VAR} or ./fertsim.db"


class UsageError(Exception):
    """A user error found by the CLI itself (e.g. an output file that cannot be written)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like every other user error."""

    def error(self, message: str):
        self.exit(2, f"fertsim: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` (default: sys.argv[1:]); return the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:          # --help (0) or a bad flag (2), already printed
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except (ConfigError, LeverError, StoreError, UsageError, CompareError) as exc:
        print(f"fertsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fertsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:            # e.g. `fertsim export | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fertsim", description="Agent-based simulation of fertility policy (Beijing).",
                     epilog="New here? Try `fertsim quickstart`. Help on a command: fertsim COMMAND --help")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every scenario and seed of a config into the database")
    run.add_argument("config", metavar="CONFIG",
                     help="experiment config (TOML), e.g. experiments/configs/baseline.toml")
    run.add_argument("--scale", type=float, metavar="F", help="share of the real population simulated, 0.001..1.0")
    run.add_argument("--years", type=int, metavar="N", help="simulated years, 1..100")
    run.add_argument("--seeds", type=_seed_list, metavar="LIST", help="comma-separated seeds, e.g. 1,2,3")
    run.add_argument("--db", metavar="URL", help=DB_HELP)
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    run.set_defaults(handler=_run)

    listing = commands.add_parser("list", help="list the experiments and runs in the database")
    listing.add_argument("--db", metavar="URL", help=DB_HELP)
    listing.set_defaults(handler=_list)

    export = commands.add_parser("export", help="write the indicator table of finished runs as CSV")
    export.add_argument("--experiment", metavar="NAME", help="only this experiment (default: all)")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    export.add_argument("--paired", action="store_true",
                        help="also write the paired-run results of experiments that have a baseline and "
                             "scenarios (additional_births, additional_fiscal_cost, cost_per_additional_birth: "
                             "per seed with group empty, and over seeds with seed empty and group "
                             "stat=mean/low90/high90), after the indicator rows, in the same columns; off by "
                             "default, so that the export is the indicator table alone")
    export.add_argument("--db", metavar="URL", help=DB_HELP)
    export.set_defaults(handler=_export)

    compare = commands.add_parser(
        "compare", help="additional births and cost per additional birth of each scenario against the baseline",
        description="Pairs each scenario's runs with the baseline's on the same seeds (common random numbers) "
                    "and prints, per scenario, the cumulative additional births, the cumulative difference "
                    "in fiscal cost and the cost per additional birth, as the mean over seeds with a 90% "
                    "interval (Student t; delta method for the ratio). `fertsim export --paired` writes "
                    "the same results per seed and year.")
    compare.add_argument("experiment", metavar="EXPERIMENT", help="experiment name (see `fertsim list`)")
    compare.add_argument("--year", type=int, metavar="YEAR",
                         help="cumulate from the first simulated year to this year (default: the last year)")
    compare.add_argument("--db", metavar="URL", help=DB_HELP)
    compare.set_defaults(handler=_compare)

    quick = commands.add_parser("quickstart", help="a small 10-year Beijing run and its key indicators")
    quick.add_argument("--db", metavar="URL", help=f"database URL or SQLite file (default ./{QUICKSTART_DB})")
    quick.set_defaults(handler=_quickstart)
    return parser


def _seed_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers such as 1,2,3, got {text!r}")


def _run(args) -> int:
    config = load_config(args.config, {"scale": args.scale, "years": args.years, "seeds": args.seeds})
    with Store(database_url(args.db)) as store:
        new = run_experiment(config, store, progress=not args.quiet)
        if not args.quiet:
            total = len(config.scenario_names()) * len(config.seeds)
            print(f"{config.name}: {len(new)} runs done, {total - len(new)} already stored; "
                  f"results in {store.display_url}")
    return 0


def _list(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        experiments, runs = store.list_experiments(), store.list_runs()
        if experiments.empty:
            print(f"no experiments in {store.display_url}")
    for exp in experiments.itertuples():
        print(f"{exp.name}: {exp.finished} of {exp.runs} runs finished, created {exp.created_at:%Y-%m-%d %H:%M}, "
              f"config sha256 {exp.config_sha256[:12]}")
        for run in runs[runs["experiment"] == exp.name].itertuples():
            wall = "" if pd.isna(run.wall_seconds) else f"{run.wall_seconds:8.1f} s"
            print(f"  run {run.id:<5} {run.scenario:<24} seed {run.seed:<10} {run.status:<9} {wall}")
    return 0


def _export(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        frame = store.export(args.experiment)
    if args.paired:
        frame = append_paired(frame, args.experiment)
    if args.out is None:
        frame.to_csv(sys.stdout, index=False)
        return 0
    out = Path(args.out).resolve()
    _write_atomically(out, frame.to_csv(index=False))
    print(f"wrote {len(frame)} rows to {out}")
    return 0


def _compare(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        frame = store.export(args.experiment)
    paired = paired_results(frame, args.experiment)
    table = comparison_table(paired, args.year)
    print(format_comparison(table, args.experiment, int(paired["year"].min()),
                            fiscal_rows=bool((frame["indicator"] == "fiscal_cost").any())))
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.exists():
            tmp.unlink()
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _quickstart(args) -> int:
    with resources.as_file(resources.files("experiments") / "configs" / "baseline.toml") as path:
        config = load_config(path, QUICKSTART_OVERRIDES)
    db = args.db or str(Path(QUICKSTART_DB).resolve())
    with Store(database_url(db)) as store:
        run_experiment(config, store, progress=True)
        frame = store.export(config.name)
        where = store.display_url if args.db else db
    r = config.resolved
    print(f"\nBeijing quickstart: scale {r['scale']}, {r['start_year']}-{r['start_year'] + r['years'] - 1}, "
          f"seed {config.seeds[0]}, baseline policy\n")
    print(key_indicator_table(frame, BASELINE, config.seeds[0], r["start_year"], r["years"]))
    print(f"\nResults are in {where}\nNext:\n"
          f"  fertsim export --db {shlex.quote(db)} --out results.csv   # all indicators as CSV\n"
          f"  fertsim list --db {shlex.quote(db)}                       # experiments and runs")
    return 0


def key_indicator_table(frame: pd.DataFrame, scenario: str, seed: int, start_year: int, years: int) -> str:
    """KEY_INDICATORS (city-wide) of one run in its first, middle and last year, as text."""
    shown_years = sorted({start_year, start_year + (years - 1) // 2, start_year + years - 1})
    rows = frame[(frame["scenario"] == scenario) & (frame["seed"] == seed) & (frame["group"] == "")]
    table = (rows.pivot_table(index="indicator", columns="year", values="value", aggfunc="first")
             .reindex(index=list(KEY_INDICATORS), columns=shown_years))
    return table.map(_format_number).rename_axis(index=None, columns=None).to_string()


def _format_number(value: float) -> str:
    if pd.isna(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
