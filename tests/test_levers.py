"""The lever registry, lever validation, merging and compiling schedules."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policies.levers import ELIGIBILITY, KINDS, LEVERS, LeverError, validate_lever
from policies.schedule import check_window, compile_policy, merge_policy

DESIGN_LEVERS = """birth_limit birth_grant childcare_subsidy child_allowance tax_deduction_infant
tax_deduction_education maternity_leave_days leave_pay_rate leave_employer_share paternity_leave_days
parental_leave_days nursery_places_per_1000 nursery_fee nursery_fee_subsidy nursery_priority_multichild
after_school_coverage education_cost_reduction housing_priority_multichild housing_subsidy art_coverage
employment_protection""".split() + ["birth_limit_only_child"]     # + the selective two-child rule (issue #7)


def lever_error(name, table, path="policy") -> str:
    with pytest.raises(LeverError) as info:
        validate_lever(name, table, path)
    message = str(info.value)
    assert len(message.splitlines()) == 1, message
    return message


def test_registry_holds_exactly_the_design_levers():
    assert sorted(LEVERS) == sorted(DESIGN_LEVERS)
    assert ELIGIBILITY == ("all", "local_hukou") and KINDS == ("float", "int", "bool")
    for lever in LEVERS.values():
        assert lever.kind in KINDS
        assert lever.lower <= lever.default <= lever.upper
        assert lever.unit and lever.enters and lever.description
    assert LEVERS["birth_grant"].by_parity


@pytest.mark.parametrize("name", DESIGN_LEVERS)
def test_every_lever_validates_its_default(name):
    lever = LEVERS[name]
    out = validate_lever(name, {"schedule": {"2021": lever.default}})
    expected = [lever.default] * 3 if lever.by_parity else lever.default
    assert out == {"schedule": {"2021": expected}}


def test_values_and_keys_are_normalised():
    out = validate_lever("birth_grant", {"schedule": {"2026": [0, 1000, 3000], "2023-01": 500, 2024: 0.5},
                                         "eligibility": "local_hukou"})
    assert out == {"schedule": {"2023": [500.0] * 3, "2024": [0.5] * 3, "2026": [0.0, 1000.0, 3000.0]},
                   "eligibility": "local_hukou"}
    assert list(out["schedule"]) == ["2023", "2024", "2026"]
    assert validate_lever("maternity_leave_days", {"schedule": {"2021-12": 158.0}})["schedule"] == {"2021-12": 158}
    assert validate_lever("nursery_priority_multichild", {"schedule": {"2025": True}})["schedule"] == {"2025": True}


def test_unknown_lever_is_named():
    message = lever_error("birth_grnt", {"schedule": {"2025": 1}})
    assert "birth_grnt" in message and "birth_grant" in message


@pytest.mark.parametrize("name, value, expect", [
    ("birth_grant", list(range(12)), "12 values given"),          # wrong shape for a by-parity lever
    ("birth_grant", "1000 yuan", "yuan once per birth"),           # a unit written into the value
    ("maternity_leave_days", 158.5, "whole number"),               # days are whole
    ("maternity_leave_days", [98, 60], "days"),                    # not a by-parity lever
    ("leave_pay_rate", True, "share of wage"),                     # bool for a number
    ("nursery_priority_multichild", 1, "true or false"),           # number for a bool
    ("childcare_subsidy", {"a": 1}, "yuan per month"),
])
def test_wrong_unit_or_type_names_the_lever_and_what_is_allowed(name, value, expect):
    message = lever_error(name, {"schedule": {"2025": value}})
    assert message.startswith(f"policy.{name}.schedule.2025: ")
    assert expect in message


@pytest.mark.parametrize("name, value, bound", [
    ("leave_pay_rate", 80, "0..1"),                 # a percentage given as a share
    ("maternity_leave_days", 2000, "0..1095"),
    ("birth_grant", [0, 1000, 5_000_000], "0..500000"),
    ("birth_limit", -1, "0..10"),
    ("art_coverage", float("nan"), "0..1"),
    ("housing_subsidy", float("inf"), "0..20000"),
])
def test_out_of_bounds_names_the_lever_and_the_bound(name, value, bound):
    message = lever_error(name, {"schedule": {"2025": value}})
    assert f"policy.{name}.schedule.2025" in message and bound in message


@pytest.mark.parametrize("key", ["2025-13", "2025-00", "1949", "2101", "abc", "2025-7", "25", "2025/07", ""])
def test_bad_schedule_key_is_named(key):
    message = lever_error("nursery_fee", {"schedule": {key: 100}})
    assert "policy.nursery_fee.schedule" in message and repr(key) in message and "YYYY-MM" in message


@pytest.mark.parametrize("table, expect", [
    ({"schedule": {"2025": 1}, "eligibility": "everyone"}, "policy.art_coverage.eligibility"),
    ({"schedule": {"2025": 1}, "eligibility": None}, "local_hukou"),
    ({"schedule": {"2025": 1}, "schedul": {}}, "unknown key 'schedul'"),
    ({"eligibility": "all"}, "policy.art_coverage.schedule"),
    ({"schedule": {}}, "non-empty"),
    ({"schedule": 0.5}, "policy.art_coverage.schedule"),
    ({"schedule": {"2023": 0.5, "2023-01": 0.6}}, "same month"),
    (0.5, "expected a table"),
])
def test_bad_table_is_named(table, expect):
    message = lever_error("art_coverage", table)
    assert "art_coverage" in message and expect in message


def test_error_path_prefix():
    message = lever_error("nursery_fee", {"schedule": {"2025": -5}}, path="scenarios.more_nurseries.policy")
    assert message.startswith("scenarios.more_nurseries.policy.nursery_fee.schedule.2025: ")


HISTORY = {
    "birth_grant": {"schedule": {"2021": [0.0] * 3, "2023": [1000.0] * 3, "2026": [2000.0] * 3},
                    "eligibility": "local_hukou"},
    "nursery_places_per_1000": {"schedule": {"2021": 1.8, "2021-12": 2.0, "2025-10": 4.7}, "eligibility": "all"},
}


def test_merge_replaces_from_the_earliest_change_on():
    changes = {"birth_grant": {"schedule": {"2025": [5000.0] * 3}}}
    merged = merge_policy(HISTORY, changes)
    assert merged["birth_grant"]["schedule"] == {"2021": [0.0] * 3, "2023": [1000.0] * 3, "2025": [5000.0] * 3}
    assert merged["birth_grant"]["eligibility"] == "local_hukou"          # kept: the change gives none
    assert merged["nursery_places_per_1000"] == HISTORY["nursery_places_per_1000"]
    assert HISTORY["birth_grant"]["schedule"]["2026"] == [2000.0] * 3     # inputs untouched


def test_merge_counterfactual_removes_later_measures_and_takes_eligibility():
    merged = merge_policy(HISTORY, {"birth_grant": {"schedule": {"2021": 0.0}, "eligibility": "all"}})
    assert merged["birth_grant"] == {"schedule": {"2021": 0.0}, "eligibility": "all"}


def test_merge_by_month_and_new_lever():
    changes = {"nursery_places_per_1000": {"schedule": {"2021-12": 3.0}},
               "art_coverage": {"schedule": {"2024": 0.8}, "eligibility": "all"}}
    merged = merge_policy(HISTORY, changes)
    assert merged["nursery_places_per_1000"]["schedule"] == {"2021": 1.8, "2021-12": 3.0}
    assert merged["art_coverage"] == {"schedule": {"2024": 0.8}, "eligibility": "all"}


def test_compile_month_semantics():
    policy = {"nursery_places_per_1000": {"schedule": {"2019": 1.0, "2023-07": 2.0, "2024": 3.0, "2040": 9.0}},
              "birth_grant": {"schedule": {"2022": [1.0, 2.0, 3.0]}},
              "nursery_priority_multichild": {"schedule": {"2022-03": True}, "eligibility": "local_hukou"}}
    compiled = compile_policy(policy, start_year=2021, n_months=60)
    assert set(compiled.values) == set(LEVERS)
    places = compiled.values["nursery_places_per_1000"]
    assert places.shape == (60,) and places.dtype == np.float64
    assert (places[:30] == 1.0).all()                 # a key before the start holds from month 0
    assert places[30] == 2.0 and places[35] == 2.0    # July 2023 = month 30
    assert (places[36:] == 3.0).all()                 # a key after the window is ignored
    grant = compiled.values["birth_grant"]
    assert grant.shape == (60, 3)
    assert (grant[:12] == 0.0).all() and (grant[12:] == [1.0, 2.0, 3.0]).all()
    assert compiled.value("nursery_priority_multichild", 13) == 0.0
    assert compiled.value("nursery_priority_multichild", 14) == 1.0
    assert compiled.eligibility["nursery_priority_multichild"] == "local_hukou"
    assert compiled.eligibility["art_coverage"] == "all"
    assert (compiled.values["leave_pay_rate"] == 1.0).all()       # defaults where absent
    with pytest.raises(ValueError):
        places[0] = 5.0                                            # read-only


def test_compile_rejects_a_bad_table():
    with pytest.raises(LeverError, match="policy.no_such_lever|unknown lever"):
        compile_policy({"no_such_lever": {"schedule": {"2021": 1}}}, 2021, 12)


def test_a_later_change_leaves_earlier_months_as_the_history():
    base = compile_policy(HISTORY, 2021, 120)
    changed = compile_policy(merge_policy(HISTORY, {"birth_grant": {"schedule": {"2025-04": [9.0] * 3}},
                                                    "art_coverage": {"schedule": {"2025-04": 1.0}}}), 2021, 120)
    first_change = (2025 - 2021) * 12 + 3
    for name in LEVERS:
        np.testing.assert_array_equal(base.values[name][:first_change], changed.values[name][:first_change])
    assert (changed.values["birth_grant"][first_change:] == 9.0).all()
    assert (changed.values["art_coverage"][first_change:] == 1.0).all()


def test_check_window():
    check_window(HISTORY, 2021, 2026)
    check_window({"art_coverage": {"schedule": {"2015": 0.1, "2030-12": 0.5}}}, 2021, 2030)
    with pytest.raises(LeverError) as info:
        check_window({"art_coverage": {"schedule": {"2021": 0.1, "2031-01": 0.5}}}, 2021, 2030, "scenarios.a.policy")
    message = str(info.value)
    assert message.startswith("scenarios.a.policy.art_coverage.schedule.2031: ") and "2030" in message


months = st.tuples(st.integers(2015, 2035), st.integers(1, 12))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(months, st.floats(0, 100, allow_nan=False), min_size=1, max_size=8),
       st.integers(2018, 2026), st.integers(1, 150))
def test_compile_matches_a_reference(schedule, start_year, n_months):
    """compile_policy against a plain loop: the last key at or before each month, else the default."""
    keys = {f"{y}-{m:02d}": v for (y, m), v in schedule.items()}
    compiled = compile_policy({"nursery_fee": {"schedule": keys}}, start_year, n_months)
    for i in range(n_months):
        month = (start_year + i // 12, i % 12 + 1)
        in_force = [v for k, v in sorted(schedule.items()) if k <= month]
        assert compiled.value("nursery_fee", i) == (in_force[-1] if in_force else 0.0)


def test_a_change_without_eligibility_inherits_the_history_s():
    history = {"birth_grant": {"schedule": {"2021": [0, 5000, 5000]}, "eligibility": "local_hukou"}}
    change = {"birth_grant": validate_lever("birth_grant", {"schedule": {"2025": 9000}})}
    merged = merge_policy(history, change)
    assert merged["birth_grant"]["eligibility"] == "local_hukou"
    assert compile_policy(merged, 2021, 60).eligibility["birth_grant"] == "local_hukou"
    assert compile_policy({}, 2021, 12).eligibility["birth_grant"] == "all"
