"""`fertsim reproduce RUN_ID`: re-run a stored run and compare with its stored rows."""

import math
import shutil
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import assert_user_error, fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)
from experiments.reproduce import first_difference

ONE_RUN = """name = "repro"
scale = 0.001
years = 2
seeds = [3]
"""


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "indicator", "group", "value"])


def test_first_difference():
    rows = frame([(2021, "tfr", "", 1.0), (2021, "births", "parity=1", math.nan), (2022, "births", "", 5.0)])
    assert first_difference(rows, rows.iloc[::-1]) is None                     # order and NaN do not matter
    changed = rows.copy()
    changed.loc[2, "value"] = 5.000000001
    changed.loc[0, "value"] = 1.5
    assert first_difference(rows, changed) == {"year": 2021, "indicator": "tfr", "group": "", "stored": 1.0,
                                               "new": 1.5}
    assert first_difference(rows, rows.iloc[:2]) == {"year": 2022, "indicator": "births", "group": "",
                                                     "stored": 5.0, "new": None}
    assert first_difference(rows.iloc[1:], rows)["stored"] is None


@pytest.fixture
def stored_run(capsys):
    """A SQLite file holding one finished run of the real model (run id 1)."""
    pytest.importorskip("sim.model", reason="needs the model (sim/model.py)")
    Path("one.toml").write_text(ONE_RUN, encoding="utf-8")
    code, _, err = fertsim(capsys, "run", "one.toml", "--db", "a.db", "--quiet")
    assert code == 0, err
    return "a.db"


def table(db: str, query: str) -> list[tuple]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(query).fetchall()


def change(db: str, *statements: str) -> None:
    with closing(sqlite3.connect(db)) as conn, conn:
        for statement in statements:
            conn.execute(statement)


@pytest.mark.slow
def test_reproduce_identical_writes_nothing(capsys, stored_run):
    before = Path(stored_run).read_bytes()
    code, out, err = fertsim(capsys, "reproduce", "1", "--db", stored_run)
    assert code == 0, err
    n_rows = table(stored_run, "SELECT count(*) FROM indicators")[0][0]
    assert out.splitlines()[0] == "run 1: experiment repro, scenario baseline, seed 3"
    assert out.splitlines()[-1] == f"identical: all {n_rows} indicator rows" and n_rows > 100
    assert "note: " not in out                                      # same code as the stored run
    assert "24/24" in err                                           # progress over months
    assert Path(stored_run).read_bytes() == before


@pytest.mark.slow
def test_reproduce_reports_the_first_differing_row(capsys, stored_run):
    shutil.copy(stored_run, "tampered.db")
    births, tfr = (f"year = 2022 AND indicator = '{name}' AND group_name = ''" for name in ("births", "tfr"))
    (births_value,), = table("tampered.db", f"SELECT value FROM indicators WHERE {births}")
    (tfr_value,), = table("tampered.db", f"SELECT value FROM indicators WHERE {tfr}")
    runs_before = table("tampered.db", "SELECT * FROM runs")
    change("tampered.db", f"UPDATE indicators SET value = value + 1 WHERE {births}",
           f"DELETE FROM indicators WHERE {tfr}",                        # after births in (year, indicator)
           "UPDATE runs SET code_version = 'an-older-version'")
    code, out, _ = fertsim(capsys, "reproduce", "1", "--db", "tampered.db", "--quiet")
    assert code == 1
    assert "note: run 1 was made by code version an-older-version; this is " in out
    assert out.splitlines()[-1] == ("different: first at year 2022, indicator births, group '': "
                                    f"stored {births_value + 1!r}, new {births_value!r}")
    change("tampered.db", f"UPDATE indicators SET value = {births_value!r} WHERE {births}")
    code, out, _ = fertsim(capsys, "reproduce", "1", "--db", "tampered.db", "--quiet")
    assert code == 1
    assert out.splitlines()[-1] == f"different: first at year 2022, indicator tfr, group '': stored (no row), " \
                                   f"new {tfr_value!r}"
    assert table("tampered.db", "SELECT code_version FROM runs") == [("an-older-version",)]
    assert len(table("tampered.db", "SELECT * FROM runs")) == len(runs_before)


@pytest.mark.slow
def test_reproduce_a_generated_sweep_scenario(capsys):
    pytest.importorskip("sim.model", reason="needs the model (sim/model.py)")
    Path("sweep.toml").write_text(ONE_RUN.replace("years = 2", "years = 1")
                                  + "[sweep]\ndesign = \"grid\"\n[sweep.levers]\nbirth_grant = [1000, 5000]\n",
                                  encoding="utf-8")
    code, _, err = fertsim(capsys, "run", "sweep.toml", "--db", "s.db", "--quiet")
    assert code == 0, err
    (run_id, scenario), = table("s.db", "SELECT id, scenario FROM runs ORDER BY id DESC LIMIT 1")
    assert scenario.startswith("sweep-")
    code, out, err = fertsim(capsys, "reproduce", run_id, "--db", "s.db", "--quiet")
    assert code == 0, err
    assert out.splitlines()[0] == f"run {run_id}: experiment repro, scenario {scenario}, seed 3"
    assert out.splitlines()[-1].startswith("identical: all ")


def test_reproduce_needs_a_finished_run(capsys):
    from experiments.store import Store

    with Store(f"sqlite:///{Path('r.db').resolve()}") as store:
        exp = store.ensure_experiment("e", "{}", "0" * 64)
        store.fail_run(store.start_run(exp, "baseline", 1, "{}", "0" * 64), "boom")
    code, _, err = fertsim(capsys, "reproduce", "1", "--db", "r.db")
    assert_user_error(code, err, "run 1 is failed, not finished: it has no rows to compare")
    code, _, err = fertsim(capsys, "reproduce", "7", "--db", "r.db")
    assert_user_error(code, err, "no run 7 in sqlite:///")
    code, _, err = fertsim(capsys, "reproduce", "x", "--db", "r.db")
    assert_user_error(code, err, "argument RUN_ID: invalid int value: 'x'")
    code, _, err = fertsim(capsys, "reproduce", "1", "--db", "missing.db")
    assert_user_error(code, err, "no database at ")
