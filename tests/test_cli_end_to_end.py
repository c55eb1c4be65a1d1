"""The CLI and the runner end to end with the real model (sim/model.py, docs/contracts.md).

Written against the model contract by the experiments developer; for the lead to complete
once the model is settled (e.g. add paired-run direction checks per lever as levers are
wired into the model). Skipped while sim/model.py is missing.
"""

from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("sim.model", reason="needs the model (sim/model.py)")

from experiments.cli import KEY_INDICATORS  # noqa: E402
from experiments.config import load_config  # noqa: E402
from experiments.runner import run_experiment  # noqa: E402
from experiments.store import Store  # noqa: E402
from cli_helpers import fertsim, in_tmp  # noqa: F401 (in_tmp is an autouse fixture)

pytestmark = pytest.mark.slow

SMALL = """name = "e2e"
scale = 0.002
start_year = 2021
years = 3
seeds = [1, 2]
[scenarios.one_child.policy.birth_limit]
schedule = {2023 = 1}
"""


def export(db: str) -> pd.DataFrame:
    with Store(f"sqlite:///{Path(db).resolve()}", create=False) as store:
        return store.export()


def test_quickstart(capsys):
    code, out, err = fertsim(capsys, "quickstart")
    assert code == 0, err
    db = Path("fertsim-quickstart.db").resolve()
    assert db.exists() and str(db) in out
    for indicator in KEY_INDICATORS:
        assert indicator in out
    assert "2021" in out and "2025" in out and "2030" in out
    assert f"fertsim export --db {db} --out results.csv" in out and f"fertsim list --db {db}" in out
    assert out.rstrip().splitlines()[-1].startswith(f"  fertsim dashboard --db {db}")     # it ends with the dashboard
    code, out, _ = fertsim(capsys, "quickstart")                 # again: nothing new to run
    assert code == 0
    code, out, _ = fertsim(capsys, "list", "--db", str(db))
    assert "quickstart: 1 of 1 runs finished" in out


def test_run_export_resume_and_common_random_numbers(capsys):
    Path("small.toml").write_text(SMALL, encoding="utf-8")
    code, out, err = fertsim(capsys, "run", "small.toml", "--db", "a.db")
    assert code == 0, err
    assert "e2e: 4 runs done, 0 already stored" in out
    code, out, _ = fertsim(capsys, "run", "small.toml", "--db", "a.db", "--quiet")
    assert code == 0 and out == ""
    code, out, _ = fertsim(capsys, "export", "--db", "a.db", "--out", "results.csv")
    assert code == 0

    frame = pd.read_csv("results.csv", keep_default_na=False, na_values=[])
    assert list(frame.columns) == ["experiment", "scenario", "seed", "year", "indicator", "group", "value"]
    assert set(zip(frame["scenario"], frame["seed"])) == {("baseline", 1), ("baseline", 2), ("one_child", 1),
                                                          ("one_child", 2)}
    assert set(frame["year"]) == {2021, 2022, 2023}
    city = frame[frame["group"] == ""]
    for indicator in KEY_INDICATORS:
        assert (city["indicator"] == indicator).any(), indicator

    stored = export("a.db")
    assert len(stored) == len(frame)                       # resuming added no duplicate runs
    key = ["seed", "year", "indicator", "group"]
    base = stored[stored["scenario"] == "baseline"].set_index(key)["value"]
    limited = stored[stored["scenario"] == "one_child"].set_index(key)["value"]
    before = base.index.get_level_values("year") < 2023
    pd.testing.assert_series_equal(base[before], limited[before])   # the lever starts in 2023
    assert not base.xs(1, level="seed").equals(base.xs(2, level="seed"))


def test_same_config_and_seed_give_identical_rows(capsys):
    Path("small.toml").write_text(SMALL, encoding="utf-8")
    for db in ("a.db", "b.db"):
        assert fertsim(capsys, "run", "small.toml", "--db", db, "--seeds", "3", "--quiet")[0] == 0
    pd.testing.assert_frame_equal(export("a.db"), export("b.db"))


def test_runner_calls_back_and_stores_provenance():
    Path("small.toml").write_text(SMALL, encoding="utf-8")
    config = load_config("small.toml", {"seeds": [4]})
    seen = []
    with Store(f"sqlite:///{Path('r.db').resolve()}") as store:
        run_ids = run_experiment(config, store, progress=False, on_run=lambda *args: seen.append(args))
        assert [args[0] for args in seen] == run_ids and [args[1:] for args in seen] == [("baseline", 4),
                                                                                          ("one_child", 4)]
        runs = store.list_runs("e2e")
        assert list(runs["status"]) == ["finished", "finished"]
        assert set(runs["config_sha256"]) == {config.sha256}
        assert run_experiment(config, store, progress=False) == []
