"""The results store: experiments, runs and indicator rows in any SQLAlchemy database.

The only module that uses SQLAlchemy. A SQLite file by default (``fertsim.db`` in the
current directory, or the ``FERTSIM_DB`` environment variable); PostgreSQL or another
database by URL. Tables:

* ``experiments`` one row per experiment name, with its canonical config JSON and hash;
* ``runs``        one row per attempt at (scenario, seed): status running / finished /
                  failed / abandoned, config, code and library versions, timings, error;
                  a unique index allows at most one finished run per (scenario, seed);
* ``indicators``  the long indicator table of finished runs (DESIGN §5); its primary key
                  (run_id, year, indicator, group_name) is also the index on run_id;
* ``family_events`` the dashboard's traced life events of sampled families (issue #5).

A run's indicator rows and its "finished" status are committed in one transaction.
Finished runs are never deleted or changed.

Many processes may write at once (parallel drivers, schema creation): PostgreSQL as is,
SQLite in WAL mode with a 60 s busy timeout. Resuming: a (scenario, seed) is to do until it
has a finished run; an attempt left 'running' (its process died) counts for nothing and is
marked 'abandoned' once its pair is finished by another attempt (``abandon_stale_runs``).
If two attempts at the same pair finish, the database keeps the first; the second is
'abandoned' and its rows dropped, so concurrent drivers waste work but lose or double nothing.

``schema_version`` holds the version of the tables' shape (``SCHEMA_VERSION``); opening a
store creates missing tables and runs the upgrade steps of an older one, one process at a
time, and refuses a store written by a newer fertsim.
"""

from __future__ import annotations

import contextlib
import functools
import os
import platform
import sqlite3
import subprocess
import time
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
# The shape of the tables. 1: experiments, runs, indicators (before versioning); 2: the
# schema_version table and the one-finished-run-per-pair index. A new table needs no new
# version (opening creates it); a change to an existing table does, with a step in _UPGRADES.
SCHEMA_VERSION = 2
SQLITE_BUSY_SECONDS = 60               # how long a SQLite connection waits for another writer
SCHEMA_LOCK_KEY = 0x66657274          # PostgreSQL advisory lock held while creating or upgrading

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
# The database, not the driver, guarantees one finished run per pair: concurrent drivers
# cannot double a pair (a partial unique index; SQLite and PostgreSQL both have them).
finished_once = sa.Index("runs_finished_once", runs.c.experiment_id, runs.c.scenario, runs.c.seed, unique=True,
                         sqlite_where=runs.c.status == "finished", postgresql_where=runs.c.status == "finished")
schema_version = sa.Table(
    "schema_version", _metadata,
    sa.Column("id", sa.Integer, primary_key=True),          # always 1: the table has one row
    sa.Column("version", sa.Integer, nullable=False),
)
indicators = sa.Table(
    "indicators", _metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("indicator", sa.String(64), primary_key=True),
    sa.Column("group_name", sa.String(128), primary_key=True),
    sa.Column("value", sa.Float),
)
# Dashboard "follow a family" (issue #5): the monthly life events of one sampled family of a
# finished run, traced by sim/family.py in a background job and stored once (all rows of a
# trace in one transaction). ``family`` is the sample number (sim.family.sample_women order).
family_events = sa.Table(
    "family_events", _metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), primary_key=True),
    sa.Column("family", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("person", sa.BigInteger, nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("month", sa.Integer, nullable=False),
    sa.Column("who", sa.String(32), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("code_version", sa.String(80), nullable=False),
)
FAMILY_EVENT_COLUMNS = ["seq", "person", "year", "month", "who", "event", "detail", "code_version"]
# `fertsim sensitivity` (issue #4): the indices of an experiment's [sensitivity] design, as
# last computed (replaced whole, in one transaction, each time they are computed).
sensitivity_indices = sa.Table(
    "sensitivity_indices", _metadata,
    sa.Column("experiment_id", sa.Integer, sa.ForeignKey("experiments.id"), primary_key=True),
    sa.Column("output", sa.String(64), primary_key=True),
    sa.Column("factor", sa.String(64), primary_key=True),
    sa.Column("index_name", sa.String(16), primary_key=True),
    sa.Column("value", sa.Float),
    sa.Column("conf", sa.Float),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
)
SENSITIVITY_COLUMNS = ["output", "factor", "index", "value", "conf"]


class StoreError(Exception):
    """The database cannot be opened or used as asked; the message is one line."""


def database_url(db: str | None = None, default_file: str = DEFAULT_DB_FILE) -> str:
    """The URL to use: ``db`` (a URL, or a file path meaning SQLite), else $FERTSIM_DB, else
    ``default_file`` in the current directory."""
    db = db or os.environ.get(ENV_VAR) or default_file
    return db if "://" in db else f"sqlite:///{Path(db).resolve()}"


class Store:
    """An open results database. ``Store(url)`` creates missing tables and upgrades an older
    schema; with ``create=False`` a SQLite file that does not exist is an error (read-only
    commands). StoreError if the database cannot be reached or is newer than this code."""

    def __init__(self, url: str, create: bool = True):
        self.url = self.display_url = url
        try:
            parsed = make_url(url)
            self.display_url = parsed.render_as_string(hide_password=True)
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
                if not create and not Path(parsed.database).exists():
                    raise StoreError(f"no database at {parsed.database}; run `fertsim run CONFIG` first, "
                                     "or pass --db / set FERTSIM_DB")
                connect_args = {"timeout": SQLITE_BUSY_SECONDS}   # wait for other writers, not "database is locked"
            elif parsed.get_backend_name() == "postgresql":
                connect_args = {"connect_timeout": 10}
            else:
                connect_args = {}
            self.engine = sa.create_engine(parsed, connect_args=connect_args)
            if "timeout" in connect_args:
                sa.event.listen(self.engine, "connect", _use_wal)
            try:
                self._ensure_schema()
            except BaseException:
                self.engine.dispose()               # close the connection pool: no Store to close it
                raise
        except StoreError:
            raise
        except (sa.exc.SQLAlchemyError, ImportError, ValueError) as exc:
            reason = getattr(exc, "orig", None) or exc
            message = " ".join(str(reason).split()) or type(exc).__name__
            raise StoreError(f"cannot open database {self.display_url!r}: {message} "
                             f"— check --db or {ENV_VAR}") from None

    def close(self) -> None:
        self.engine.dispose()

    def _ensure_schema(self) -> None:
        """Create missing tables and run the upgrade steps from the stored schema version to
        SCHEMA_VERSION. The work is done under a lock (PostgreSQL: an advisory transaction
        lock; SQLite: BEGIN IMMEDIATE) in one transaction (DDL is transactional on both), so a
        process that opens the store at the same time waits, then finds it ready."""
        with self.engine.connect() as conn:
            if self._schema_version(conn) == SCHEMA_VERSION and all(
                    sa.inspect(conn).has_table(name) for name in _metadata.tables):
                return                                  # the usual case: no lock, no write
        with self.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            elif conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            version = self._schema_version(conn) or SCHEMA_VERSION      # None: a new database
            if version > SCHEMA_VERSION:
                raise StoreError(f"database {self.display_url} has schema version {version}, newer than this "
                                 f"fertsim's {SCHEMA_VERSION}; upgrade fertsim or use another --db")
            _metadata.create_all(conn)
            for step in range(version + 1, SCHEMA_VERSION + 1):
                _UPGRADES[step](conn)
            conn.execute(schema_version.delete())
            conn.execute(schema_version.insert().values(id=1, version=SCHEMA_VERSION))
            conn.commit()

    @staticmethod
    def _schema_version(conn) -> int | None:
        """The stored schema version: None for an empty database, 1 for one made before
        versioning (tables but no schema_version)."""
        inspector = sa.inspect(conn)
        if inspector.has_table(schema_version.name):
            return conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar() or 1
        return 1 if inspector.has_table(runs.name) else None

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # --- writing ------------------------------------------------------------------
    def ensure_experiment(self, name: str, config_json: str, config_sha256: str) -> int:
        """The id of experiment ``name``, created if new. Raises StoreError if it exists with
        a different config (change the config's name, or use another database)."""
        find = sa.select(experiments.c.id, experiments.c.config_sha256).where(experiments.c.name == name)
        try:
            with self.engine.begin() as conn:
                row = conn.execute(find).first()
                if row is None:
                    return conn.execute(experiments.insert().values(
                        name=name, created_at=_now(), config_json=config_json, config_sha256=config_sha256,
                    )).inserted_primary_key[0]
        except sa.exc.IntegrityError:            # another process created it in the meantime
            with self.engine.connect() as conn:
                row = conn.execute(find).one()
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

    def finish_run(self, run_id: int, rows: pd.DataFrame, timings: dict[str, float]) -> bool:
        """Store ``rows`` (DataFrame[year, indicator, group, value]) and mark the run finished,
        in one transaction: on any error nothing is stored and the run stays 'running'.
        ``timings`` holds at least ``wall_seconds``. Returns True, or False (nothing stored, the
        run 'abandoned') if another run of the same experiment, scenario and seed finished
        first. Raises StoreError if the run is finished or failed."""
        records = _indicator_records(run_id, rows)
        try:
            with self.engine.begin() as conn:
                done = conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == "running").values(
                    status="finished", finished_at=_now(), wall_seconds=float(timings["wall_seconds"]),
                    timings={key: float(value) for key, value in timings.items()}))
                if done.rowcount != 1:
                    if conn.execute(sa.select(runs.c.status).where(runs.c.id == run_id)).scalar() == "abandoned":
                        return False
                    raise StoreError(f"run {run_id} is not running; its rows were not stored")
                for start in range(0, len(records), INSERT_CHUNK):
                    conn.execute(indicators.insert(), records[start:start + INSERT_CHUNK])
        except sa.exc.IntegrityError:
            if not self._pair_finished_elsewhere(run_id):
                raise                                   # a fault in the rows themselves
            self.abandon_run(run_id, "another run of the same scenario and seed finished first")
            return False
        return True

    def abandon_run(self, run_id: int, reason: str) -> None:
        """Mark a running run 'abandoned' (stopped, or overtaken): its pair is still to do."""
        with self.engine.begin() as conn:
            conn.execute(runs.update().where(runs.c.id == run_id, runs.c.status == "running").values(
                status="abandoned", finished_at=_now(), error=reason))

    def abandon_stale_runs(self, experiment_id: int) -> int:
        """Mark 'abandoned' the runs of ``experiment_id`` still 'running' whose (scenario, seed)
        has a finished run (left by a killed process, or overtaken); returns how many."""
        done = runs.alias("done")
        finished_pair = sa.exists().where(done.c.experiment_id == runs.c.experiment_id,
                                          done.c.scenario == runs.c.scenario, done.c.seed == runs.c.seed,
                                          done.c.status == "finished")
        with self.engine.begin() as conn:
            return conn.execute(runs.update().where(runs.c.experiment_id == experiment_id,
                                                    runs.c.status == "running", finished_pair).values(
                status="abandoned", finished_at=_now(), error="its scenario and seed were finished by another run",
            )).rowcount

    def _pair_finished_elsewhere(self, run_id: int) -> bool:
        """Whether another run of run ``run_id``'s experiment, scenario and seed is finished."""
        me = runs.alias("me")
        query = sa.select(sa.func.count()).select_from(runs.join(me, sa.and_(
            me.c.experiment_id == runs.c.experiment_id, me.c.scenario == runs.c.scenario, me.c.seed == runs.c.seed)))
        with self.engine.connect() as conn:
            return conn.execute(query.where(me.c.id == run_id, runs.c.id != run_id,
                                            runs.c.status == "finished")).scalar() > 0

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

    # --- dashboard reads and family traces (issue #5) ---------------------------------
    @contextlib.contextmanager
    def reading(self):
        """Database errors inside the block (server down, file gone) become a one-line
        StoreError naming the database."""
        try:
            yield self
        except sa.exc.SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split()).split(" (Background on")[0]
            raise StoreError(f"cannot read database {self.display_url!r}: {reason or type(exc).__name__} "
                             f"— check that it is reachable, or --db / {ENV_VAR}") from None

    def indicator_rows(self, experiment: str, indicators_: tuple[str, ...] | None = None,
                       scenarios: tuple[str, ...] | None = None) -> pd.DataFrame:
        """``export(experiment)`` restricted to the named indicators and scenarios (all if None),
        in the same columns and order. Names travel as bound parameters."""
        query = (sa.select(experiments.c.name, runs.c.scenario, runs.c.seed, indicators.c.year,
                           indicators.c.indicator, indicators.c.group_name, indicators.c.value)
                 .select_from(indicators.join(runs).join(experiments))
                 .where(runs.c.status == "finished", runs.c.experiment_id == self._experiment_id(experiment)))
        if indicators_ is not None:
            query = query.where(indicators.c.indicator.in_(list(indicators_)))
        if scenarios is not None:
            query = query.where(runs.c.scenario.in_(list(scenarios)))
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).all(), columns=EXPORT_COLUMNS)
        frame = frame.astype({"seed": "int64", "year": "int64", "value": "float64"})
        return frame.sort_values(EXPORT_COLUMNS[:-1], kind="stable", ignore_index=True)

    def run_record(self, run_id: int) -> dict | None:
        """Every column of run ``run_id`` plus ``experiment`` (its name), or None if there is none."""
        query = (sa.select(runs, experiments.c.name.label("experiment"))
                 .select_from(runs.join(experiments)).where(runs.c.id == run_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def run_rows(self, run_id: int) -> pd.DataFrame:
        """The indicator rows of run ``run_id`` as DataFrame[year, indicator, group, value]."""
        query = (sa.select(indicators.c.year, indicators.c.indicator, indicators.c.group_name, indicators.c.value)
                 .where(indicators.c.run_id == run_id)
                 .order_by(indicators.c.year, indicators.c.indicator, indicators.c.group_name))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).all(), columns=["year", "indicator", "group", "value"])

    def family_events(self, run_id: int, family: int) -> pd.DataFrame:
        """The stored trace of ``family`` in run ``run_id``: DataFrame[FAMILY_EVENT_COLUMNS] by seq
        (empty if not traced)."""
        query = (sa.select(*(family_events.c[name] for name in FAMILY_EVENT_COLUMNS))
                 .where(family_events.c.run_id == run_id, family_events.c.family == family)
                 .order_by(family_events.c.seq))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).all(), columns=FAMILY_EVENT_COLUMNS)

    def store_family_events(self, run_id: int, family: int, person: int, events: pd.DataFrame) -> bool:
        """Store a trace (DataFrame[year, month, who, event, detail], in order) of ``family`` in
        finished run ``run_id``, in one transaction; False (nothing written) if it is already
        stored. Raises StoreError if the run is not finished."""
        records = [{"run_id": run_id, "family": family, "seq": seq, "person": int(person), "year": int(year),
                    "month": int(month), "who": str(who), "event": str(event), "detail": str(detail),
                    "code_version": code_version()}
                   for seq, (year, month, who, event, detail) in enumerate(
                       events[["year", "month", "who", "event", "detail"]].itertuples(index=False, name=None))]
        with self.engine.begin() as conn:
            status = conn.execute(sa.select(runs.c.status).where(runs.c.id == run_id)).scalar()
            if status != "finished":
                raise StoreError(f"run {run_id} is not a finished run; its family cannot be traced")
            stored = conn.execute(sa.select(sa.func.count()).select_from(family_events).where(
                family_events.c.run_id == run_id, family_events.c.family == family)).scalar()
            if stored or not records:
                return False
            conn.execute(family_events.insert(), records)
        return True

    def save_sensitivity(self, experiment: str, table: pd.DataFrame) -> None:
        """Replace the stored sensitivity indices of ``experiment`` with ``table``
        (DataFrame[output, factor, index, value, conf]), in one transaction."""
        experiment_id, now = self._experiment_id(experiment), _now()
        records = [{"experiment_id": experiment_id, "output": str(o), "factor": str(f), "index_name": str(i),
                    "value": float(v), "conf": None if pd.isna(c) else float(c), "computed_at": now}
                   for o, f, i, v, c in table[SENSITIVITY_COLUMNS].itertuples(index=False, name=None)]
        with self.engine.begin() as conn:
            conn.execute(sensitivity_indices.delete().where(sensitivity_indices.c.experiment_id == experiment_id))
            if records:
                conn.execute(sensitivity_indices.insert(), records)

    def sensitivity(self, experiment: str) -> pd.DataFrame:
        """The stored indices of ``experiment``: DataFrame[output, factor, index, value, conf]."""
        c = sensitivity_indices.c
        query = (sa.select(c.output, c.factor, c.index_name, c.value, c.conf)
                 .where(c.experiment_id == self._experiment_id(experiment))
                 .order_by(c.output, c.factor, c.index_name))
        with self.engine.connect() as conn:
            return pd.DataFrame(conn.execute(query).all(), columns=SENSITIVITY_COLUMNS)

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


def _upgrade_to_2(conn) -> None:
    """Add the one-finished-run-per-pair index. Older code could finish a pair twice when two
    drivers ran at once: the first finished run is kept, later ones become 'abandoned'."""
    first = (sa.select(sa.func.min(runs.c.id)).where(runs.c.status == "finished")
             .group_by(runs.c.experiment_id, runs.c.scenario, runs.c.seed))
    conn.execute(runs.update().where(runs.c.status == "finished", runs.c.id.not_in(first))
                 .values(status="abandoned", error="a second finished run of its scenario and seed"))
    finished_once.create(conn, checkfirst=True)


_UPGRADES = {2: _upgrade_to_2}


def _use_wal(dbapi_connection, _record) -> None:
    """SQLite: write-ahead log, so that readers never block the writer and vice versa. The
    mode is stored in the file, so only the first connection switches it; that switch can
    fail at once with "database is locked" (SQLite does not wait for it) while another
    process is creating the same file, so it is retried for up to SQLITE_BUSY_SECONDS."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    while True:
        try:
            if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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
