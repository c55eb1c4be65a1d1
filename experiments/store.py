"""The results store: experiments, runs and indicator rows in any SQLAlchemy database.

The only module that uses SQLAlchemy. A SQLite file by default (``fertsim.db`` in the
current directory, or the ``FERTSIM_DB`` environment variable); PostgreSQL or another
database by URL. Tables:

* ``experiments`` one row per experiment name, with its canonical config JSON and hash;
* ``runs``        one row per attempt at (scenario, seed): status running / finished /
                  failed, config, code and library versions, timings, error;
* ``indicators``  the long indicator table of finished runs (DESIGN §5); its primary key
                  (run_id, year, indicator, group_name) is also the index on run_id.

A run's indicator rows and its "finished" status are committed in one transaction.
Finished runs are never deleted or changed.
"""

from __future__ import annotations

import functools
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import make_url

DEFAULT_DB_FILE = "fertsim.db"
ENV_VAR = "FERTSIM_DB"
EXPORT_COLUMNS = ["experiment", "scenario", "seed", "year", "indicator", "group", "value"]
INSERT_CHUNK = 10_000
LIBRARIES = ("numpy", "numba", "mesa", "pandas", "sqlalchemy")

_metadata = sa.MetaData()
experiments = sa.Table(
    "experiments", _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("config_json", sa.Text, nullable=False),
    sa.Column("config_sha256", sa.String(64), nullable=False),
)
runs = sa.Table(
    "runs", _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.id"), nullable=False, index=True),
    sa.Column("scenario", sa.String(64), nullable=False),
    sa.Column("seed", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("config_json", sa.Text, nullable=False),
    sa.Column("config_sha256", sa.String(64), nullable=False),
    sa.Column("code_version", sa.String(80), nullable=False),
    sa.Column("library_versions", sa.JSON, nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column("wall_seconds", sa.Float),
    sa.Column("timings", sa.JSON),
    sa.Column("error", sa.Text),
)
indicators = sa.Table(
    "indicators", _metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("indicator", sa.String(64), primary_key=True),
    sa.Column("group_name", sa.String(128), primary_key=True),
    sa.Column("value", sa.Float),
)


class StoreError(Exception):
    """The database cannot be opened or used as asked; the message is one line."""


def database_url(db: str | None = None, default_file: str = DEFAULT_DB_FILE) -> str:
    """The URL to use: ``db`` (a URL, or a file path meaning SQLite), else $FERTSIM_DB, else
    ``default_file`` in the current directory."""
    db = db or os.environ.get(ENV_VAR) or default_file
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


class Store:
    """An open results database. ``Store(url)`` creates missing tables; with
    ``create=False`` a SQLite file that does not exist is an error (read-only commands)."""

    def __init__(self, url: str, create: bool = True):
        self.url = self.display_url = url
        try:
            parsed = make_url(url)
            self.display_url = parsed.render_as_string(hide_password=True)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
                if not create and not Path(parsed.database).exists():
                    raise StoreError(f"no database at {parsed.database}; run `fertsim run CONFIG` first, "
                                     "or pass --db / set FERTSIM_DB")
                connect_args = {"timeout": 60}
            else:
                connect_args = {}
            self.engine = sa.create_engine(parsed, connect_args=connect_args)
            _metadata.create_all(self.engine)
        except StoreError:
            raise
        except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
            reason = getattr(exc, "orig", None) or exc
            message = " ".join(str(reason).split()) or type(exc).__name__
            raise StoreError(f"cannot open database {self.display_url!r}: {message} "
                             f"— check --db or {ENV_VAR}") from None

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------
    def ensure_experiment(self, name: str, config_json: str, config_sha256: str) -> int:
        """The id of experiment ``name``, created if new. Raises StoreError if it exists with
        a different config (change the config's name, or use another database)."""
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(experiments.c.id, experiments.c.config_sha256)
                               .where(experiments.c.name == name)).first()
            if row is None:
                return conn.execute(experiments.insert().values(
                    name=name, created_at=_now(), config_json=config_json, config_sha256=config_sha256,
                )).inserted_primary_key[0]
        if row.config_sha256 != config_sha256:
            raise StoreError(f"experiment {name!r} already exists in {self.display_url} with a different config "
                             f"(sha256 {row.config_sha256[:12]}, this one {config_sha256[:12]}); "
                             "give the config another name or use another --db")
        return row.id

    def finished_runs(self, experiment_id: int) -> set[tuple[str, int]]:
        """(scenario, seed) pairs of ``experiment_id`` that have a finished run."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(runs.c.scenario, runs.c.seed).where(
                runs.c.experiment_id == experiment_id, runs.c.status == "finished"))
            return {(scenario, seed) for scenario, seed in rows}

    def start_run(self, experiment_id: int, scenario: str, seed: int, config_json: str,
                  config_sha256: str) -> int:
        """Record a run as 'running', stamped with code and library versions; returns its id."""
        with self.engine.begin() as conn:
            return conn.execute(runs.insert().values(
                experiment_id=experiment_id, scenario=scenario, seed=seed, status="running",
                config_json=config_json, config_sha256=config_sha256, code_version=code_version(),
                library_versions=library_versions(), started_at=_now(),
            )).inserted_primary_key[0]

    def finish_run(self, run_id: int, rows: pd.DataFrame, timings: dict[str, float]) -> None:
        """Store ``rows`` (DataFrame[year, indicator, group, value]) and mark the run finished,
        in one transaction: on any error nothing is stored and the run stays 'running'.
        ``timings`` holds at least ``wall_seconds``. Raises StoreError if the run is not running."""
        records = _indicator_records(run_id, rows)
        with self.engine.begin() as conn:
            done = conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == "running").values(
                status="finished", finished_at=_now(), wall_seconds=float(timings["wall_seconds"]),
                timings={key: float(value) for key, value in timings.items()}))
            if done.rowcount != 1:
                raise StoreError(f"run {run_id} is not running; its rows were not stored")
            for start in range(0, len(records), INSERT_CHUNK):
                conn.execute(indicators.insert(), records[start:start + INSERT_CHUNK])

    def fail_run(self, run_id: int, error: str) -> None:
        """Mark a running run 'failed' with ``error`` (one line or a short traceback)."""
        with self.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == "running").values(
                status="failed", finished_at=_now(), error=error))

    # --- reading ------------------------------------------------------------------
    def list_experiments(self) -> pd.DataFrame:
        """DataFrame[id, name, created_at, config_sha256, runs, finished], by id."""
        n_runs = sa.func.count(runs.c.id)
        n_finished = sa.func.count(sa.case((runs.c.status == "finished", 1)))
        query = (sa.select(experiments.c.id, experiments.c.name, experiments.c.created_at,
                           experiments.c.config_sha256, n_runs.label("runs"), n_finished.label("finished"))
                 .select_from(experiments.outerjoin(runs))
                 .group_by(experiments.c.id).order_by(experiments.c.id))
        return self._frame(query)

    def list_runs(self, experiment: str | None = None) -> pd.DataFrame:
        """DataFrame[id, experiment, scenario, seed, status, started_at, finished_at,
        wall_seconds, code_version, config_sha256, error] of one experiment (or all), by id."""
        query = (sa.select(runs.c.id, experiments.c.name.label("experiment"), runs.c.scenario, runs.c.seed,
                           runs.c.status, runs.c.started_at, runs.c.finished_at, runs.c.wall_seconds,
                           runs.c.code_version, runs.c.config_sha256, runs.c.error)
                 .select_from(runs.join(experiments)).order_by(runs.c.id))
        if experiment is not None:
            self._experiment_id(experiment)
            query = query.where(experiments.c.name == experiment)
        return self._frame(query)

    def export(self, experiment: str | None = None) -> pd.DataFrame:
        """The indicator rows of finished runs (of ``experiment``, or all) as
        DataFrame[experiment, scenario, seed, year, indicator, group, value], sorted by those
        columns in that order (Python string order, the same on every database)."""
        query = (sa.select(experiments.c.name, runs.c.scenario, runs.c.seed, indicators.c.year,
                           indicators.c.indicator, indicators.c.group_name, indicators.c.value)
                 .select_from(indicators.join(runs).join(experiments))
                 .where(runs.c.status == "finished"))
        if experiment is not None:
            self._experiment_id(experiment)
            query = query.where(experiments.c.name == experiment)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).all(), columns=EXPORT_COLUMNS)
        frame = frame.astype({"seed": "int64", "year": "int64", "value": "float64"})
        return frame.sort_values(EXPORT_COLUMNS[:-1], kind="stable", ignore_index=True)

    def _experiment_id(self, name: str) -> int:
        with self.engine.connect() as conn:
            found = conn.execute(sa.select(experiments.c.id).where(experiments.c.name == name)).scalar()
            if found is None:
                known = [n for (n,) in conn.execute(sa.select(experiments.c.name).order_by(experiments.c.name))]
                raise StoreError(f"no experiment named {name!r} in {self.display_url}; "
                                 f"known: {', '.join(known) or 'none'}")
            return found

    def _frame(self, query) -> pd.DataFrame:
        with self.engine.connect() as conn:
            result = conn.execute(query)
            return pd.DataFrame(result.all(), columns=list(result.keys()))


def _indicator_records(run_id: int, rows: pd.DataFrame) -> list[dict]:
    """Plain-Python insert parameters for the indicators table."""
    missing = {"year", "indicator", "group", "value"} - set(rows.columns)
    if missing:
        raise ValueError(f"indicator frame lacks columns {sorted(missing)}")
    return [{"run_id": run_id, "year": year, "indicator": indicator, "group_name": group, "value": value}
            for year, indicator, group, value in zip(
                rows["year"].astype("int64").tolist(), rows["indicator"].astype(str).tolist(),
                rows["group"].astype(str).tolist(), rows["value"].astype("float64").tolist())]


def _now() -> datetime:
    return datetime.now(timezone.utc)


@functools.cache
def code_version() -> str:
    """The git commit of the source tree (``+dirty`` if it has uncommitted changes), else the
    installed ``fertsim`` package version."""
    root = Path(__file__).resolve().parent.parent
    try:
        if not (root / "pyproject.toml").exists():      # an installed copy, not a source checkout
            raise FileNotFoundError(root / "pyproject.toml")
        sha = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True, timeout=10).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        try:
            return metadata.version("fertsim")
        except metadata.PackageNotFoundError:
            return "unknown"


@functools.cache
def library_versions() -> dict[str, str | None]:
    """Versions of Python and the libraries that shape results."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions
