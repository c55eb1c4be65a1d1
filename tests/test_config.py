"""Config loading, validation, canonical JSON and hashing."""

import copy
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from experiments.config import ConfigError, ExperimentConfig, config_from_dict, config_to_toml, load_config
from sim.parameters import PARAMETERS

BASELINE_TOML = Path(__file__).resolve().parent.parent / "experiments" / "configs" / "baseline.toml"

VALID = {
    "name": "test-exp",
    "region": "beijing",
    "start_year": 2021,
    "years": 6,
    "scale": 0.01,
    "seeds": [2, 1],
    "description": "a test",
    "parameters": {"desired_mean": 1.8},
    "baseline": {"description": "history plus ART", "policy": {"art_coverage": {"schedule": {"2023-07": 0.5}}}},
    "scenarios": {
        "more_nurseries": {"policy": {"nursery_places_per_1000": {"schedule": {"2024": 6}}}},
        "grants": {"description": "cash", "policy": {
            "birth_grant": {"schedule": {"2025": [0, 1000, 2000]}, "eligibility": "local_hukou"},
            "art_coverage": {"schedule": {"2025": 1}}}},
    },
}


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(raw: dict) -> str:
    with pytest.raises(ConfigError) as info:
        config_from_dict(raw)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    return message


def test_baseline_toml_loads_with_defaults_filled():
    config = load_config(BASELINE_TOML)
    r = config.resolved
    assert (r["name"], r["region"], r["start_year"], r["years"], r["scale"]) == ("beijing-baseline", "beijing", 2021,
                                                                                30, 0.01)
    assert r["seeds"] == [1, 2, 3]
    assert set(r["parameters"]) == set(PARAMETERS)
    assert r["baseline"] == {"description": r["baseline"]["description"], "policy": {}}
    assert config.scenario_names() == ["baseline"]
    spec = config.run_spec("baseline", 1)
    assert set(spec) == {"region", "start_year", "years", "scale", "seed", "parameters", "policy"}
    assert spec["policy"] == {} and spec["seed"] == 1


def test_resolved_values_and_run_specs():
    config = config_from_dict(VALID)
    r = config.resolved
    assert r["seeds"] == [1, 2] and r["parameters"]["desired_mean"] == 1.8
    assert config.scenario_names() == ["baseline", "grants", "more_nurseries"]
    assert r["scenarios"]["more_nurseries"] == {
        "description": "", "policy": {"nursery_places_per_1000": {"schedule": {"2024": 6.0}}}}
    assert config.run_spec("baseline", 7)["policy"] == {
        "art_coverage": {"schedule": {"2023-07": 0.5}}}
    grants = config.run_spec("grants", 1)["policy"]
    assert grants["art_coverage"]["schedule"] == {"2023-07": 0.5, "2025": 1.0}      # baseline ⊕ scenario
    assert grants["birth_grant"] == {"schedule": {"2025": [0.0, 1000.0, 2000.0]}, "eligibility": "local_hukou"}
    nurseries = config.run_spec("more_nurseries", 1)["policy"]
    assert set(nurseries) == {"art_coverage", "nursery_places_per_1000"}
    grants["art_coverage"]["schedule"].clear()                                      # specs are copies
    assert config.run_spec("grants", 1)["policy"]["art_coverage"]["schedule"]


def test_canonical_json_and_sha_are_stable_and_order_independent(tmp_path):
    config = config_from_dict(VALID)
    assert config.canonical_json() == config_from_dict(copy.deepcopy(VALID)).canonical_json()
    assert json.loads(config.canonical_json()) == config.resolved
    assert "\n" not in config.canonical_json() and ": " not in config.canonical_json()
    reordered = dict(reversed(list(copy.deepcopy(VALID).items())))
    reordered["scenarios"] = dict(reversed(list(reordered["scenarios"].items())))
    reordered["seeds"] = [1, 2]
    reordered["scale"] = 0.010
    reordered["baseline"]["policy"]["art_coverage"]["schedule"] = {"2023-07": 0.5}
    reordered["scenarios"]["grants"]["policy"]["art_coverage"] = {"schedule": {"2025-01": 1.0}}
    assert config_from_dict(reordered).sha256 == config.sha256
    assert len(config.sha256) == 64
    changed = copy.deepcopy(VALID)
    changed["scenarios"]["grants"]["policy"]["art_coverage"]["schedule"]["2025"] = 0.9
    assert config_from_dict(changed).sha256 != config.sha256
    text = config_to_toml(config.resolved)                  # a stored config downloads and re-runs as is
    assert load_config(write(tmp_path, text)).sha256 == config.sha256


def test_overrides_are_applied_and_validated(tmp_path):
    path = write(tmp_path, config_to_toml(VALID))
    config = load_config(path, {"scale": 0.002, "years": 10, "seeds": [5], "name": None})
    assert (config.resolved["scale"], config.resolved["years"], config.seeds, config.name) == (0.002, 10, [5],
                                                                                                 "test-exp")
    with pytest.raises(ConfigError, match=r"^scale: 5.0 is out of range; allowed 0.001..1.0$"):
        load_config(path, {"scale": 5.0})
    with pytest.raises(ConfigError, match="^years: "):
        load_config(path, {"years": 0})


def with_change(path: tuple, value) -> dict:
    raw = copy.deepcopy(VALID)
    node = raw
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return raw


DELETE = object()
NURSERY = ("scenarios", "more_nurseries", "policy", "nursery_places_per_1000")


@pytest.mark.parametrize("path, value, expect", [
    (("scael",), 0.1, "unknown key 'scael' at top level; allowed: name, region, start_year"),
    (("name",), DELETE, "name: missing"),
    (("seeds",), DELETE, "seeds: missing"),
    (("name",), "bad name!", "name: "),
    (("name",), "x" * 65, "name: "),
    (("region",), "shanghai", "region: unknown region"),
    (("start_year",), 2015, "start_year: 2015 is out of range; allowed 2021..2100"),
    (("start_year",), "2021", "start_year: got text '2021', expected a whole number"),
    (("years",), 101, "years: 101 is out of range; allowed 1..100"),
    (("years",), 2.5, "years: got 2.5"),
    (("years",), True, "years: got true/false"),
    (("start_year",), 2098, "years: 6 years from 2098 end in 2103"),
    (("scale",), 0.0, "scale: 0.0 is out of range; allowed 0.001..1.0"),
    (("scale",), "big", "scale: got text 'big'"),
    (("seeds",), [], "seeds: got a list []"),
    (("seeds",), 3, "seeds: got 3"),
    (("seeds",), [1, 1], "seeds: seed 1 is listed twice"),
    (("seeds",), [1, -1], "seeds: seed -1 is not allowed"),
    (("seeds",), [1, 2**31], "seeds: seed 2147483648 is not allowed"),
    (("seeds",), [True], "seeds: seed true/false True"),
    (("description",), 5, "description: got 5"),
    (("parameters",), 5, "parameters: got 5"),
    (("parameters", "fecundity"), 0.2, "parameters: unknown parameter 'fecundity'"),
    (("parameters", "fecundability"), 2.0, "parameters.fecundability: "),
    (("parameters", "match_candidates"), float("inf"), "parameters.match_candidates: inf is not allowed"),
    (("parameters", "match_candidates"), 2.5, "parameters.match_candidates: "),
    (("baseline", "policy", "art_coverage"), {"schedule": {"2023": 2}}, "baseline.policy.art_coverage.schedule.2023"),
    (("baseline", "polcy"), {}, "unknown key 'polcy' in baseline; allowed: description, policy"),
    (("baseline",), [], "baseline: got a list"),
    (("scenarios",), "x", "scenarios: got text"),
    (("scenarios", "baseline"), {}, "scenarios: bad scenario name 'baseline'"),
    (("scenarios", "a b"), {}, "scenarios: bad scenario name 'a b'"),
    (("scenarios", "more_nurseries"), 3, "scenarios.more_nurseries: got 3"),
    (("scenarios", "more_nurseries", "extra"), 1, "unknown key 'extra' in scenarios.more_nurseries"),
    (("scenarios", "more_nurseries", "policy"), [], "scenarios.more_nurseries.policy: got a list"),
    (("scenarios", "more_nurseries", "policy", "nursery_fees"), {"schedule": {"2025": 1}},
     "scenarios.more_nurseries.policy: unknown lever 'nursery_fees'"),
    (NURSERY, {"schedule": {"2025": -1}}, "scenarios.more_nurseries.policy.nursery_places_per_1000.schedule.2025: "),
    (NURSERY, {"schedule": {"2025-13": 1}}, "scenarios.more_nurseries.policy.nursery_places_per_1000.schedule: "),
    (NURSERY, {"schedule": {"2025": 1}, "eligibility": "x"},
     "scenarios.more_nurseries.policy.nursery_places_per_1000.eligibility: "),
    (NURSERY, {"schedule": {"2027": 1}}, "scenarios.more_nurseries.policy.nursery_places_per_1000.schedule.2027: "
                                         "2027 is after the run's last year 2026"),
])
def test_bad_input_names_the_field(path, value, expect):
    assert config_error(with_change(path, value)).startswith(expect)


def test_file_errors(tmp_path):
    with pytest.raises(ConfigError, match="^config file not found: .*nowhere.toml$"):
        load_config(tmp_path / "nowhere.toml")
    with pytest.raises(ConfigError, match=r"^invalid TOML in .*config.toml: .*line 2"):
        load_config(write(tmp_path, 'name = "x"\nscale = = 1\n'))
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "Pékin"'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(path)
    with pytest.raises(ConfigError, match="^cannot read config file"):
        load_config(tmp_path)


# --- property-based fuzz: every outcome is a valid config or a one-line ConfigError ----
toml_scalars = st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), st.floats(), st.text(max_size=12),
                         st.dates(), st.sampled_from(["2025", "2025-07", "all", "local_hukou", "beijing"]))
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
keys = st.one_of(st.text(max_size=10), st.sampled_from(["schedule", "eligibility", "policy", "description",
                                                         "2030", "birth_grant", "seeds", "fecundability"]))


def node_paths(node, prefix=()):
    """Every path into a nested dict: (), ("name",), ("baseline", "policy"), ..."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from node_paths(value, (*prefix, key))


@st.composite
def mutated_configs(draw):
    raw = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(list(node_paths(raw))))
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        target = parent[path[-1]] if path else raw
        if action == "add" and isinstance(target, dict):
            target[draw(keys)] = draw(toml_values)
        elif action == "delete" and path:
            del parent[path[-1]]
        elif path:
            parent[path[-1]] = draw(toml_values)
    return raw


def text_edits(text: str, data) -> str:
    """Garbage TOML: cut, insert or delete characters at random places."""
    for _ in range(data.draw(st.integers(1, 3))):
        at = data.draw(st.integers(0, len(text)))
        edit = data.draw(st.sampled_from(["cut", "insert", "delete"]))
        if edit == "cut":
            text = text[:at]
        elif edit == "insert":
            text = text[:at] + data.draw(st.text(alphabet='[]{}="#,.\n 0123456789abc\\\'', max_size=4)) + text[at:]
        else:
            text = text[:at] + text[at + data.draw(st.integers(1, 5)):]
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_configs(), st.data())
def test_fuzz_every_outcome_is_a_config_or_one_line_config_error(raw, data):
    text = config_to_toml(raw)
    if data.draw(st.booleans()):
        text = text_edits(text, data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fuzz.toml"
        path.write_text(text, encoding="utf-8")
        try:
            config = load_config(path)
        except ConfigError as exc:
            assert len(str(exc).splitlines()) == 1 and str(exc), repr(str(exc))
            return
        assert isinstance(config, ExperimentConfig)
        path.write_text(config_to_toml(config.resolved), encoding="utf-8")
        assert load_config(path).sha256 == config.sha256
