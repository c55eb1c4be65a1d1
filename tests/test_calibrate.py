"""Calibration by the simulated method of moments: the moments and their distances, and a
tiny Optuna calibration end to end (parameter file, report, resume from the store)."""

import math
import tomllib

import pytest
import sqlalchemy as sa

from experiments.calibrate import Moment, calibrate, loss, moments
from experiments.config import config_from_dict
from experiments.store import Store


def test_distance_of_values_and_bounds():
    point = Moment("x", "x", "", 2021, 10.0, -math.inf, math.inf, 2.0, "")
    assert point.distance(13.0) == pytest.approx(1.5) and point.distance(9.0) == pytest.approx(-0.5)
    interval = Moment("y", "y", "", 2021, math.nan, 29.0, 31.0, 1.0, "")
    assert interval.distance(30.0) == 0.0 and interval.distance(32.5) == pytest.approx(1.5)
    assert interval.distance(28.0) == pytest.approx(1.0)
    upper = Moment("z", "z", "", 2021, math.nan, -math.inf, 1.2, 0.06, "")
    assert upper.distance(0.9) == 0.0 and upper.distance(1.26) == pytest.approx(1.0)
    assert point.distance(math.nan) == math.inf
    assert loss([point, interval], [13.0, 32.5], {"x": 2.0}) == pytest.approx(2 * 1.5**2 + 1.5**2)


def test_moments_of_the_beijing_pack():
    found = {m.name: m for m in moments("beijing", 2021, 2025)}
    assert set(found) == {"crude_birth_rate", "crude_death_rate", "population_year_end", "tfr",
                          "mean_age_first_birth", "mean_age_first_marriage_women", "mean_age_first_marriage_men"}
    assert found["population_year_end"].scale == pytest.approx((22542580 - 21229420) / 2)
    assert found["mean_age_first_birth"].scale == 1.0 and math.isnan(found["mean_age_first_birth"].value)
    # the 2016-2019 trend of the birth rate, extrapolated to 2021, lies below the 2019 rate 8.12
    assert 6.5 < found["crude_birth_rate"].value < 8.12 and found["crude_birth_rate"].year == 2021
    assert [m.name for m in moments("beijing", 2021, 2025, ["tfr"])] == ["tfr"]
    with pytest.raises(ValueError, match="unknown or out-of-window target 'nope'"):
        moments("beijing", 2021, 2025, ["nope"])


def test_tiny_calibration_writes_a_parameter_file_and_resumes_from_the_store(tmp_path):
    raw = {"name": "cal", "scale": 0.001, "years": 1, "seeds": [1],
           "calibration": {"trials": 4, "batch": 2, "seed": 7, "targets": ["tfr", "crude_birth_rate"],
                           "parameters": {"logit_base_parity0": [-2.0, 2.0]}}}
    config = config_from_dict(raw)
    store = Store(f"sqlite:///{tmp_path / 'cal.db'}")
    first = calibrate(config, store, tmp_path / "report", progress=False, pack_dir=tmp_path / "pack", log=lambda *_: None)
    assert first["version"] == 1 and -2.0 <= first["parameters"]["logit_base_parity0"] <= 2.0
    written = tomllib.loads(first["parameter_file"].read_text())
    assert written["version"] == 1 and written["parameters"] == first["parameters"]
    assert written["config_sha256"] == config.sha256 and written["trials"] == 4
    report = (tmp_path / "report" / "fit.md").read_text()
    assert "| tfr 2021 |" in report and "| crude_birth_rate 2021 |" in report
    assert (tmp_path / "report" / "fit.html").stat().st_size > 0
    with store.engine.connect() as conn:
        n_runs = conn.execute(sa.text("select count(*) from runs")).scalar()
    assert n_runs == 4            # two batches of two trials, one seed each

    # the same calibration again: the same trials are asked and found in the store
    again = calibrate(config, store, tmp_path / "report", progress=False, pack_dir=tmp_path / "pack", log=lambda *_: None)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from runs")).scalar() == n_runs
    assert again["version"] == 2 and again["parameters"] == first["parameters"] and again["loss"] == first["loss"]


def test_calibrate_command(capsys, tmp_path, monkeypatch):
    from cli_helpers import assert_user_error, fertsim

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FERTSIM_DB", raising=False)
    (tmp_path / "cal.toml").write_text(
        'name = "cal"\nscale = 0.001\nyears = 1\nseeds = [1]\n[calibration]\ntrials = 2\nbatch = 2\n'
        'targets = ["tfr"]\n[calibration.parameters]\nlogit_base_parity0 = [-1.0, 1.0]\n', encoding="utf-8")
    code, out, err = fertsim(capsys, "calibrate", "cal.toml", "--db", "cal.db", "--pack-dir", "pack", "--quiet")
    assert code == 0, err
    assert (tmp_path / "pack" / "calibrated" / "v1.toml").is_file() and "calibrated_parameters = 1" in out
    assert (tmp_path / "calibration-cal" / "fit.md").is_file()

    (tmp_path / "bad.toml").write_text((tmp_path / "cal.toml").read_text().replace('["tfr"]', '["nope"]'))
    code, _, err = fertsim(capsys, "calibrate", "bad.toml", "--db", "bad.db", "--pack-dir", "pack", "--quiet")
    assert_user_error(code, err, "calibration.targets: unknown or out-of-window target 'nope'")
    assert not (tmp_path / "bad.db").exists()
    (tmp_path / "plain.toml").write_text('name = "plain"\nseeds = [1]\n')
    code, _, err = fertsim(capsys, "calibrate", "plain.toml", "--db", "plain.db")
    assert_user_error(code, err, "has no [calibration] block")
    assert not (tmp_path / "plain.db").exists()


def test_the_beijing_calibration_v1_is_usable_from_a_config():
    from sim.pack import PACKS_DIR

    stored = tomllib.loads((PACKS_DIR / "beijing" / "calibrated" / "v1.toml").read_text())
    c = config_from_dict({"name": "x", "seeds": [1], "calibrated_parameters": 1, "parameters": {"hire_rate": 0.5}})
    params = c.run_spec("baseline", 1)["parameters"]
    assert all(params[name] == value for name, value in stored["parameters"].items())
    assert params["hire_rate"] == 0.5          # the config's own overrides come on top


def test_a_start_version_the_pack_lacks_is_one_config_error():
    from experiments.config import ConfigError

    raw = {"name": "cal", "region": "beijing", "seeds": [1],
           "calibration": {"start": 99, "parameters": {"logit_base_parity0": [-2.0, 2.0]}}}
    with pytest.raises(ConfigError) as info:
        config_from_dict(raw)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    assert message.startswith("calibration.start: no calibrated parameter file v99 for region 'beijing'; available: v1")
    raw["calibration"]["start"] = 1
    assert config_from_dict(raw).resolved["calibration"]["start"] == 1


def test_start_values_are_the_fit_clipped_into_the_ranges():
    from experiments.calibrate import start_values
    from sim.pack import PACKS_DIR
    from sim.parameters import PARAMETERS

    v1 = tomllib.loads((PACKS_DIR / "china" / "calibrated" / "v1.toml").read_text())["parameters"]
    ranges = {"birth_limit_compliance": (0.1, 0.9),       # v1: 0.042, clipped up
              "desired_mean": (1.75, 1.78),               # v1: 1.786, clipped down
              "search_age_peak_female": (24.0, 27.5),     # v1: 27.01, inside
              "logit_net_cost": (-0.5, 0.0)}              # not in v1: its default -0.9, clipped up
    assert v1["birth_limit_compliance"] < 0.1 and v1["desired_mean"] > 1.78 and "logit_net_cost" not in v1
    assert PARAMETERS["logit_net_cost"].default < -0.5
    assert start_values("china", 1, ranges) == {"birth_limit_compliance": 0.1, "desired_mean": 1.78,
                                                "search_age_peak_female": v1["search_age_peak_female"],
                                                "logit_net_cost": -0.5}


def test_a_calibration_with_start_tries_the_start_values_first(tmp_path, monkeypatch):
    import experiments.calibrate as calibration

    ranges = {"logit_base_parity0": [0.0, 2.0], "mortality_level": [0.5, 1.0]}   # beijing v1: -0.31 (clipped), 0.71
    raw = {"name": "cal", "scale": 0.001, "years": 1, "seeds": [1],
           "calibration": {"trials": 2, "batch": 2, "seed": 7, "start": 1, "targets": ["tfr"], "parameters": ranges}}
    asked = []
    batch_config = calibration._batch_config
    monkeypatch.setattr(calibration, "_batch_config",
                        lambda config, batch, trial_params: asked.append(trial_params) or batch_config(config, batch, trial_params))
    store = Store(f"sqlite:///{tmp_path / 'cal.db'}")
    calibrate(config_from_dict(raw), store, tmp_path / "report", progress=False, pack_dir=tmp_path / "pack",
              log=lambda *_: None)
    expected = calibration.start_values("beijing", 1, {k: tuple(v) for k, v in ranges.items()})
    assert expected["logit_base_parity0"] == 0.0 and 0.5 < expected["mortality_level"] < 1.0
    assert len(asked) == 1 and asked[0][0] == expected       # trial 1 of batch 1
    assert asked[0][1] != expected                            # trial 2: the sampler's own
