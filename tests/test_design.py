"""Sweeps (grid, Latin hypercube) and sensitivity designs declared in a config: their points
become scenarios whose runs carry the values they used; bad blocks get a named error."""

import json
import math

import numpy as np
import pytest
import sqlalchemy as sa

from experiments import design
from experiments.config import ConfigError, config_from_dict
from experiments.runner import run_experiment
from experiments.store import Store

BASE = {"name": "sweep", "scale": 0.001, "years": 1, "seeds": [1]}


def config(**blocks):
    return config_from_dict({**BASE, **blocks})


def test_grid_takes_every_combination_into_scenarios():
    c = config(sweep={"parameters": {"logit_net_cost": [-1.5, -0.9, -0.5]},
                      "levers": {"childcare_subsidy": [0, 600]}, "start": 2021})
    names = [n for n in c.scenario_names() if n.startswith("sweep-")]
    assert len(names) == 6 and names == sorted(names)
    seen = set()
    for name in names:
        spec = c.run_spec(name, 1)
        subsidy = spec["policy"]["childcare_subsidy"]["schedule"]["2021"][0]
        seen.add((spec["parameters"]["logit_net_cost"], subsidy))
    assert seen == {(a, b) for a in (-1.5, -0.9, -0.5) for b in (0.0, 600.0)}
    # the baseline keeps the default parameters and the pack's history
    assert c.run_spec("baseline", 1)["parameters"]["logit_net_cost"] == -0.9
    assert "childcare_subsidy" not in c.run_spec("baseline", 1)["policy"]


def test_latin_hypercube_uses_each_stratum_once_and_is_seeded():
    n = 20
    block = {"design": "latin_hypercube", "samples": n, "seed": 4,
             "parameters": {"logit_net_cost": [-2.0, 0.0], "hire_rate": [0.2, 0.9]}}
    c = config(sweep=block)
    points = [c.run_spec(s, 1)["parameters"] for s in c.scenario_names() if s.startswith("sweep-")]
    assert len(points) == n
    for name, (low, high) in block["parameters"].items():
        strata = sorted(int(math.floor((p[name] - low) / (high - low) * n)) for p in points)
        assert strata == list(range(n)), name
    assert config(sweep=block).resolved == c.resolved
    assert config(sweep={**block, "seed": 5}).resolved["scenarios"] != c.resolved["scenarios"]


def test_whole_number_factors_are_rounded():
    c = config(sweep={"design": "latin_hypercube", "samples": 5, "levers": {"maternity_leave_days": [98, 365]}})
    days = [c.run_spec(s, 1)["policy"]["maternity_leave_days"]["schedule"]["2021"]
            for s in c.scenario_names() if s.startswith("sweep-")]
    assert all(isinstance(d, int) and 98 <= d <= 365 for d in days)


def test_a_resolved_config_reads_back_to_itself():
    for blocks in ({"sweep": {"parameters": {"logit_net_cost": [-1.5, -0.5]}, "levers": {"birth_grant": [0, 5000]}}},
                   {"sensitivity": {"samples": 2, "parameters": {"hire_rate": [0.2, 0.9]}}}):
        c = config(**blocks)
        assert config_from_dict(json.loads(c.canonical_json())).sha256 == c.sha256


def test_configs_without_designs_are_unchanged():
    c = config(scenarios={"more": {"policy": {"childcare_subsidy": {"schedule": {"2021": 600}}}}})
    assert not {"sweep", "sensitivity", "calibration", "calibrated_parameters"} & set(c.resolved)
    assert "parameters" not in c.resolved["scenarios"]["more"] and "parameters" not in c.resolved["baseline"]


def test_scenario_parameters_override_the_configs():
    c = config(parameters={"hire_rate": 0.5}, scenarios={"x": {"parameters": {"logit_net_cost": -2.0}}})
    assert c.run_spec("x", 1)["parameters"]["logit_net_cost"] == -2.0
    assert c.run_spec("x", 1)["parameters"]["hire_rate"] == 0.5
    assert c.run_spec("baseline", 1)["parameters"]["logit_net_cost"] == -0.9


@pytest.mark.parametrize("blocks, expect", [
    ({"sweep": {"parameters": {"no_such": [1, 2]}}}, "sweep.parameters.no_such: unknown parameter"),
    ({"sweep": {"levers": {"no_such": [1, 2]}}}, "sweep.levers.no_such: unknown lever"),
    ({"sweep": {"parameters": {"hire_rate": []}}}, "sweep.parameters.hire_rate: expected a non-empty list"),
    ({"sweep": {"parameters": {"hire_rate": [0.5, 2.0]}}}, "sweep.parameters.hire_rate: parameter 'hire_rate' = 2.0"),
    ({"sweep": {"levers": {"childcare_subsidy": [-5]}}}, "sweep.levers.childcare_subsidy"),
    ({"sweep": {"design": "random"}}, "sweep.design: got text 'random'; allowed: grid, latin_hypercube"),
    ({"sweep": {"design": "latin_hypercube", "parameters": {"hire_rate": [0.2, 0.9]}}}, "sweep.samples: missing"),
    ({"sweep": {"design": "latin_hypercube", "samples": 4, "parameters": {"hire_rate": [0.9, 0.2]}}},
     "sweep.parameters.hire_rate: expected [low, high] with low < high"),
    ({"sweep": {"samples": 4, "parameters": {"hire_rate": [0.2]}}}, "sweep.samples: a grid takes every combination"),
    ({"sweep": {}}, "sweep: no factors"),
    ({"sweep": {"parameters": {"hire_rate": [0.2]}, "steps": 3}}, "unknown key 'steps' in [sweep]"),
    ({"sweep": {"parameters": {"hire_rate": [0.2]}, "start": 1990}}, "sweep.start: 1990 is out of range"),
    ({"sweep": {"parameters": {"hire_rate": [0.2]}}, "scenarios": {"sweep-0001": {}}},
     "scenarios.sweep-0001: the name is taken by a sweep point"),
    ({"sensitivity": {"parameters": {"hire_rate": [0.2, 0.9]}}}, "sensitivity.samples: missing"),
    ({"sensitivity": {"samples": 6, "parameters": {"hire_rate": [0.2, 0.9]}}},
     "sensitivity.samples: 6 is not a power of 2"),
    ({"sensitivity": {"method": "fast", "samples": 4, "parameters": {"hire_rate": [0.2, 0.9]}}},
     "sensitivity.method: got text 'fast'; allowed: sobol, morris"),
    ({"sensitivity": {"samples": 4, "outputs": [], "parameters": {"hire_rate": [0.2, 0.9]}}},
     "sensitivity.outputs: got"),
    ({"calibration": {"levers": {"childcare_subsidy": [0, 100]}}}, "unknown key 'levers' in [calibration]"),
    ({"calibration": {"trials": 0, "parameters": {"hire_rate": [0.2, 0.9]}}}, "calibration.trials: 0 is out of range"),
    ({"calibrated_parameters": 999}, "calibrated_parameters: no calibrated parameter file v999"),
])
def test_bad_design_blocks_name_the_field(blocks, expect):
    with pytest.raises(ConfigError) as err:
        config(**blocks)
    assert expect in str(err.value) and "\n" not in str(err.value)


def test_sensitivity_points_follow_salib_sample_order():
    c = config(sensitivity={"method": "sobol", "samples": 4, "seed": 2,
                            "parameters": {"hire_rate": [0.2, 0.9], "logit_net_cost": [-2.0, 0.0]}})
    names = [n for n in c.scenario_names() if n.startswith("sa-")]
    assert len(names) == 4 * (2 * 2 + 2)
    factors = design.parse_factors(c.resolved["sensitivity"], "sensitivity", ranges=True)
    _, points = design.sensitivity_sample("sobol", factors, 4, 2)
    got = [[c.run_spec(n, 1)["parameters"][f] for f in ("hire_rate", "logit_net_cost")] for n in names]
    np.testing.assert_array_equal(got, [[p["hire_rate"], p["logit_net_cost"]] for p in points])


def test_each_sweep_run_is_stored_with_the_values_it_used(tmp_path):
    c = config(sweep={"parameters": {"logit_net_cost": [-1.5, -0.5]}})
    store = Store(f"sqlite:///{tmp_path / 'sweep.db'}")
    run_experiment(c, store, progress=False)
    with store.engine.connect() as conn:
        rows = conn.execute(sa.text("select scenario, config_json from runs where status = 'finished'")).all()
    assert sorted(s for s, _ in rows) == ["baseline", "sweep-0001", "sweep-0002"]
    for scenario, config_json in rows:
        if scenario != "baseline":
            stored = json.loads(config_json)["scenarios"][scenario]["parameters"]["logit_net_cost"]
            assert stored == c.run_spec(scenario, 1)["parameters"]["logit_net_cost"]
    births = store.export("sweep").query("indicator == 'births' and group == ''").set_index("scenario")["value"]
    assert births["sweep-0002"] > births["sweep-0001"]      # a smaller cost coefficient, more births
