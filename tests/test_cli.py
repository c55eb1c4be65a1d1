"""The fertsim command line without model runs: help, user errors, list and export.

Runs of the real model through the CLI are in test_cli_end_to_end.py.
"""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from experiments.store import Store
from cli_helpers import assert_user_error, fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
GOOD = """name = "cli-test"
seeds = [1]
years = 3
scale = 0.002
[scenarios.grants.policy.birth_grant]
schedule = {2022 = [0, 1000, 2000]}
"""


def write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


def populated_db(path: str = "results.db") -> str:
    """A SQLite store holding one experiment with a finished and a failed run."""
    with Store(f"sqlite:///{Path(path).resolve()}") as store:
        exp = store.ensure_experiment("stored-exp", "{}", "0" * 64)
        run_id = store.start_run(exp, "baseline", 1, "{}", "0" * 64)
        rows = pd.DataFrame({"year": [2022, 2021], "indicator": ["tfr", "tfr"], "group": ["", ""],
                             "value": [1.1, 1.0]})
        store.finish_run(run_id, rows, {"wall_seconds": 3.0})
        store.fail_run(store.start_run(exp, "baseline", 2, "{}", "0" * 64), "boom")
    return path


def test_help_lists_the_commands(capsys):
    code, out, _ = fertsim(capsys, "--help")
    assert code == 0
    for command in ("run", "list", "export", "reproduce", "quickstart"):
        assert command in out
    code, out, _ = fertsim(capsys, "run", "--help")
    assert code == 0 and "--seeds" in out and "--quiet" in out and "--workers" in out and "--dask" in out


def test_no_command_is_a_user_error(capsys):
    code, _, err = fertsim(capsys)
    assert_user_error(code, err, "COMMAND")


@pytest.mark.parametrize("text, expect", [
    (GOOD.replace("scale = 0.002", "scale = 5.0"), "scale: 5.0 is out of range; allowed 0.001..1.0"),
    ("scael = 1\n" + GOOD, "unknown key 'scael' at top level"),
    (GOOD.replace("[0, 1000, 2000]", "[0, 1000]"), "scenarios.grants.policy.birth_grant.schedule.2022: 2 values"),
    (GOOD.replace("2022 =", "2030 ="), "scenarios.grants.policy.birth_grant.schedule.2030: 2030 is after"),
    (GOOD.replace("seeds = [1]", "seeds = [1, 1]"), "seeds: seed 1 is listed twice"),
    ("name = \n", "invalid TOML in config.toml"),
])
def test_bad_config_is_one_line_and_writes_nothing(capsys, text, expect):
    code, out, err = fertsim(capsys, "run", write("config.toml", text), "--db", "out.db")
    assert_user_error(code, err, expect)
    assert out == "" and not Path("out.db").exists() and not Path("fertsim.db").exists()


def test_missing_config(capsys):
    code, _, err = fertsim(capsys, "run", "nowhere.toml")
    assert_user_error(code, err, "config file not found: nowhere.toml")
    assert not Path("fertsim.db").exists()


@pytest.mark.parametrize("flags, expect", [
    (["--seeds", "a,b"], "argument --seeds: expected comma-separated whole numbers"),
    (["--seeds", ""], "argument --seeds"),
    (["--scale", "-1"], "scale: -1.0 is out of range"),
    (["--scale", "abc"], "argument --scale: invalid float value"),
    (["--years", "0"], "years: 0 is out of range; allowed 1..100"),
    (["--years", "1.5"], "argument --years: invalid int value"),
    (["--seeds", "1,-2"], "seeds: seed -2 is not allowed"),
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--workers", "0"], "argument --workers: expected a whole number of processes, 1 or more, got '0'"),
    (["--workers", "-3"], "argument --workers: expected a whole number of processes, 1 or more, got '-3'"),
    (["--workers", "1.5"], "argument --workers: expected a whole number of processes, 1 or more, got '1.5'"),
    (["--workers", "2", "--dask", "tcp://127.0.0.1:8786"], "argument --dask: not allowed with argument --workers"),
    (["--dask", "tcp://127.0.0.1:1"], "cannot reach the Dask scheduler at 'tcp://127.0.0.1:1'"),
])
def test_bad_flags_are_one_line_and_write_nothing(capsys, flags, expect):
    code, _, err = fertsim(capsys, "run", write("config.toml", GOOD), *flags)
    assert_user_error(code, err, expect)
    assert not Path("fertsim.db").exists()


def test_unusable_database_is_a_user_error(capsys):
    config = write("config.toml", GOOD)
    code, _, err = fertsim(capsys, "run", config, "--db", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    assert_user_error(code, err, "cannot open database 'postgresql+psycopg://postgres@127.0.0.1:1/test'")
    code, _, err = fertsim(capsys, "run", config, "--db", "sqlite:////no/such/dir/x.db")
    assert_user_error(code, err, "unable to open database file")
    code, _, err = fertsim(capsys, "run", config, "--workers", "2", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert_user_error(code, err, "cannot open database 'postgresql+psycopg://nobody@127.0.0.1:1/x': connection failed")
    assert not Path("fertsim.db").exists()


def test_name_taken_by_another_config_is_a_user_error_before_any_run(capsys):
    with Store(f"sqlite:///{Path('taken.db').resolve()}") as store:
        store.ensure_experiment("cli-test", "{}", "f" * 64)
    code, _, err = fertsim(capsys, "run", write("config.toml", GOOD), "--db", "taken.db")
    assert_user_error(code, err, "experiment 'cli-test' already exists")
    with Store(f"sqlite:///{Path('taken.db').resolve()}") as store:
        assert store.list_runs().empty


def test_list_and_export_need_an_existing_database(capsys):
    for command in (["list"], ["export"], ["list", "--db", "missing.db"]):
        code, _, err = fertsim(capsys, *command)
        assert_user_error(code, err, "no database at ")
    assert not Path("fertsim.db").exists() and not Path("missing.db").exists()


def test_list(capsys, monkeypatch):
    monkeypatch.setenv("FERTSIM_DB", populated_db())
    code, out, _ = fertsim(capsys, "list")
    assert code == 0
    assert "stored-exp: 1 of 2 runs finished" in out
    assert "baseline" in out and "finished" in out and "failed" in out and "3.0 s" in out


def test_list_an_empty_database(capsys):
    Store(f"sqlite:///{Path('empty.db').resolve()}").close()
    code, out, _ = fertsim(capsys, "list", "--db", "empty.db")
    assert code == 0 and "no experiments" in out


def test_list_on_postgresql(capsys):
    schema = f"fertsim_cli_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        with Store(url) as store:
            store.ensure_experiment("pg-exp", "{}", "a" * 64)
        code, out, _ = fertsim(capsys, "list", "--db", url)
        assert code == 0 and "pg-exp: 0 of 0 runs finished" in out
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def test_export_to_stdout_and_file(capsys):
    db = populated_db()
    code, out, _ = fertsim(capsys, "export", "--db", db)
    assert code == 0
    assert out.splitlines() == ["experiment,scenario,seed,year,indicator,group,value",
                                "stored-exp,baseline,1,2021,tfr,,1.0", "stored-exp,baseline,1,2022,tfr,,1.1"]
    code, out, _ = fertsim(capsys, "export", "--db", db, "--experiment", "stored-exp", "--format", "csv",
                           "--out", "results.csv")
    assert code == 0 and "wrote 2 rows to" in out
    frame = pd.read_csv("results.csv", keep_default_na=False)
    assert list(frame.columns) == ["experiment", "scenario", "seed", "year", "indicator", "group", "value"]
    assert frame["value"].tolist() == [1.0, 1.1]
    assert sorted(os.listdir(".")) == ["results.csv", "results.db"]       # no temporary file left behind


def test_export_user_errors(capsys):
    db = populated_db()
    code, _, err = fertsim(capsys, "export", "--db", db, "--experiment", "nope")
    assert_user_error(code, err, "no experiment named 'nope'")
    code, _, err = fertsim(capsys, "export", "--db", db, "--out", "no/such/dir/results.csv")
    assert_user_error(code, err, "cannot write ")
    code, _, err = fertsim(capsys, "export", "--db", db, "--format", "xlsx")
    assert_user_error(code, err, "argument --format: invalid choice")


def test_module_entry_point_reports_user_errors_without_traceback(tmp_path):
    write("config.toml", GOOD.replace("years = 3", "years = 500"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("FERTSIM_DB", None)
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "run", "config.toml"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr == "fertsim: error: years: 500 is out of range; allowed 1..100\n"
    assert done.stdout == "" and not (tmp_path / "fertsim.db").exists()
    done = subprocess.run([sys.executable, "-m", "experiments.cli", "--help"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "quickstart" in done.stdout
