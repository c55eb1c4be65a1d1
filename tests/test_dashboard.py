"""The dashboard without a browser: page callbacks called as plain functions on a tiny real
store, the scenario builder's validation and background job, run provenance and downloads,
family traces, caching, SQL safety and an unreachable store."""

from __future__ import annotations

import io
import socket
import sqlite3
import tomllib

import dash
import pandas as pd
import pytest

from dashboard import data, form, jobs
import dashboard_helpers
from dashboard_helpers import EXPERIMENT, SCENARIO, TINY
from experiments.compare import paired_results
from experiments.config import BASELINE, config_from_dict
from experiments.store import EXPORT_COLUMNS, Store, StoreError
from policies.levers import LEVERS

tiny_copy = dashboard_helpers.tiny_copy     # fixtures
tiny_db = dashboard_helpers.tiny_db

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing"


@pytest.fixture(scope="module")
def pages(tiny_db, tmp_path_factory):
    """The app (created once: pages register themselves with it) and its page modules."""
    from dashboard.app import create_app

    create_app(f"sqlite:///{tiny_db}", cache_dir=str(tmp_path_factory.mktemp("dash-cache")))
    from dashboard.pages import builder, childcare, compare, costs, family, overview, population, runs, work
    return {"overview": overview, "compare": compare, "population": population, "childcare": childcare,
            "work": work, "costs": costs, "builder": builder, "runs": runs, "family": family}


@pytest.fixture
def store_url(pages, tiny_db):
    """The dashboard reads the tiny store (restored after tests that point it elsewhere)."""
    url = f"sqlite:///{tiny_db}"
    data.configure(url)
    yield url
    data.configure(url)


def text_of(component) -> str:
    """All text inside a Dash component tree."""
    if component is None or isinstance(component, (bool, int, float)):
        return ""
    if isinstance(component, str):
        return component
    if isinstance(component, (list, tuple)):
        return " ".join(text_of(c) for c in component)
    return text_of(getattr(component, "children", None))


def lever_values(**changes) -> dict[str, list]:
    """The builder's control values at the baseline, with ``changes`` (lever -> list of values)."""
    values = {}
    for name, lever in LEVERS.items():
        value = form.baseline()[name][0]
        values[name] = list(value) if lever.by_parity else [value]
    values.update(changes)
    return values


def builder_state(values: dict[str, list]) -> tuple[list, list]:
    """(values, ids) as the builder's pattern-matching States deliver them."""
    flat, control_ids = [], []
    for name, parts in values.items():
        for k, value in enumerate(parts):
            flat.append(value)
            control_ids.append({"type": "builder-lever-value", "lever": name, "part": k})
    return flat, control_ids


# --- pages -------------------------------------------------------------------------------
def test_overview_key_indicators_against_targets(pages, store_url):
    overview = pages["overview"]
    page = overview.layout()
    assert "Overview" in text_of(page)
    cards, graphs, message = overview.show(EXPERIMENT, SCENARIO)
    assert message is None and len(cards) == len(graphs) == 7
    titles = [g.figure.layout.title.text for g in graphs]
    assert titles == ["Births", "Total fertility rate", "Population", "Old-age dependency ratio",
                      "Nursery places per 1,000 residents", "Female employment, 25-49", "Sex ratio at birth"]
    nursery = graphs[4].figure
    assert any(trace.name == "plan target (4.5 by 2025)" for trace in nursery.data)
    assert any(shape.y0 == 103 and shape.y1 == 107 for shape in graphs[6].figure.layout.shapes)
    assert "target 4.5 by end-2025" in text_of(cards[4])
    names = {trace.name for trace in graphs[0].figure.data}
    assert {SCENARIO, BASELINE} <= names                          # the baseline drawn for reference
    # a change of scenario changes the figures
    _, base_graphs, _ = overview.show(EXPERIMENT, BASELINE)
    def births(figure, scenario):
        return [t.y for t in figure.data if t.name == scenario and t.mode == "lines+markers"][0]
    assert list(births(base_graphs[0].figure, BASELINE)) != list(births(graphs[0].figure, SCENARIO))
    assert overview.scenario_choices(EXPERIMENT, "nope") == ([BASELINE, SCENARIO], BASELINE)


def test_compare_lines_differences_and_table(pages, store_url):
    compare = pages["compare"]
    level, change = compare.lines(EXPERIMENT, [BASELINE, SCENARIO], "births")
    assert {t.name for t in level.data if t.mode == "lines+markers"} == {BASELINE, SCENARIO}
    line = [t for t in change.data if t.name == SCENARIO and t.mode == "lines+markers"][0]
    assert list(line.x) == [2021, 2022]
    # the differences are the per-seed differences' means (experiments.compare), 0 before the levers start
    with Store(store_url) as store:
        rows = store.export(EXPERIMENT)
    births = rows[(rows["indicator"] == "births") & (rows["group"] == "")].set_index(["scenario", "seed", "year"])
    expected = (births.loc[SCENARIO]["value"] - births.loc[BASELINE]["value"]).groupby("year").mean()
    assert list(line.y) == pytest.approx(list(expected))
    assert line.y[0] == 0
    records, message = compare.table(EXPERIMENT, [BASELINE, SCENARIO], 2022)
    assert message is None and [r["scenario"] for r in records] == [SCENARIO] and records[0]["seeds"] == 2
    paired = paired_results(rows, EXPERIMENT)
    mean = paired[(paired["indicator"] == "additional_births") & (paired["group"] == "stat=mean")
                  & (paired["year"] == 2022)]["value"].iloc[0]
    assert records[0]["additional_births"].startswith(f"{mean:,.0f} [")
    assert compare.experiment_choices(EXPERIMENT, None) == ([BASELINE, SCENARIO], [BASELINE, SCENARIO],
                                                            [2021, 2022], 2022)


def test_population_childcare_work_costs(pages, store_url):
    pyramid, message = pages["population"].pyramid(EXPERIMENT, BASELINE, SCENARIO, 2022)
    assert message is None
    bars = [t for t in pyramid.data if t.type == "bar"]
    assert len(bars) == 4 and all(len(t.y) == 21 for t in bars)
    assert all(v <= 0 for v in bars[0].x) and all(v >= 0 for v in bars[1].x)      # men left, women right
    dependency = pages["population"].dependency(EXPERIMENT, BASELINE, SCENARIO)
    assert {t.name for t in dependency.data} >= {f"{BASELINE} · old-age", f"{SCENARIO} · youth"}

    districts, modes, message = pages["childcare"].show(EXPERIMENT, SCENARIO, 2022)
    assert message is None
    assert [t.name for t in districts.data] == ["places", "demand (enrolled + waitlist)", "waitlist"]
    assert len(districts.data[0].x) == 16
    assert [t.name for t in modes.data] == ["mother", "grandparent", "nursery", "nanny"]

    lfp, mothers, message = pages["work"].show(EXPERIMENT, [BASELINE, SCENARIO])
    assert message is None and lfp.layout.title.text.startswith("Female employment")
    assert mothers.layout.yaxis.tickformat == ".0%"

    by_lever = pages["costs"].by_lever(EXPERIMENT, SCENARIO)
    assert "nursery_places_per_1000" in {t.name for t in by_lever.data}
    per_birth, message = pages["costs"].per_birth(EXPERIMENT)
    assert per_birth.layout.title.text.startswith("Cost per additional birth")


# --- scenario builder --------------------------------------------------------------------
@pytest.mark.parametrize("name, scale, years, seeds, from_year, changes, expect", [
    ("../../etc/passwd", 0.001, 2, "1", 2022, {"birth_grant": [0, 1000, 2000]}, "name: got text '../../etc/passwd'"),
    ("x'; DROP TABLE runs; --", 0.001, 2, "1", 2022, {"birth_grant": [0, 1000, 2000]}, "name: got text"),
    ("ok", 5, 2, "1", 2022, {"birth_grant": [0, 1000, 2000]}, "scale: 5 is out of range; allowed 0.001..1.0"),
    ("ok", 0.001, 2, "1,x", 2022, {"birth_grant": [0, 1000, 2000]}, "seeds: seed text 'x' is not allowed"),
    ("ok", 0.001, 2, "1", 2022, {"nursery_places_per_1000": [150]},
     "nursery_places_per_1000.schedule.2022: 150 is out of bounds; expected a number (nursery places per 1,000 "
     "residents) in 0..100"),
    ("ok", 0.001, 2, "1", 2022, {"maternity_leave_days": [98.5]}, "maternity_leave_days.schedule.2022: got 98.5"),
    ("ok", 0.001, 2, "1", 2022, {"birth_grant": [0, None, 5]}, "birth_grant.schedule.2022: got None"),
    ("ok", 0.001, 2, "1", 2030, {"birth_grant": [0, 1000, 2000]}, "2030 is after the run's last year 2022"),
    ("ok", 0.001, 2, "1", 2022, {}, "every lever is at its baseline value"),
    (EXPERIMENT, 0.001, 2, "1", 2022, {"birth_grant": [0, 1000, 2000]}, "is already in the store"),
])
def test_builder_rejects_bad_values_inline_and_writes_nothing(pages, tiny_copy, name, scale, years, seeds,
                                                               from_year, changes, expect):
    data.configure(tiny_copy)
    before = Store(tiny_copy).list_runs()
    values, control_ids = builder_state(lever_values(**changes))
    message, job = pages["builder"].submit(1, name, scale, years, seeds, from_year, values, control_ids, False)
    assert job is dash.no_update
    assert expect in text_of(message) and "Traceback" not in text_of(message)
    assert Store(tiny_copy).list_runs().equals(before)


def test_builder_job_runs_in_the_background_and_lands_in_compare(pages, tiny_copy):
    data.configure(tiny_copy)
    values, control_ids = builder_state(lever_values(childcare_subsidy=[300, 600, 900]))
    message, job = pages["builder"].submit(1, "built-1", 0.001, 1, "3", 2021, values, control_ids, False)
    assert "built-1: 2 runs queued (childcare_subsidy = [300, 600, 900] from 2021)" in text_of(message)
    assert job["config"]["scenarios"]["built-1"]["policy"] == {"childcare_subsidy": {"schedule": {"2021": [300.0, 600.0, 900.0]}}}
    busy, _ = pages["builder"].submit(1, "built-2", 0.001, 1, "3", 2021, values, control_ids, True)
    assert "already running" in text_of(busy)
    progress = []
    ok, text = jobs.run_built(job["config"], tiny_copy, lambda *p: progress.append(p))
    assert ok and text.startswith("built-1: 2 runs done")
    assert [p[:2] for p in progress] == [(0, 2), (1, 2), (2, 2)]
    assert data.experiment_names()[0] == "built-1"
    records, problem = pages["compare"].table("built-1", [BASELINE, "built-1"], 2021)
    assert problem is None and records[0]["scenario"] == "built-1"
    again_ok, again = jobs.run_built(job["config"], tiny_copy, lambda *p: None)     # resumes: nothing to do
    assert again_ok and "0 runs done" in again
    tampered = {**job["config"], "scale": 7}
    assert jobs.run_built(tampered, tiny_copy, lambda *p: None) == (False, "scale: 7 is out of range; allowed 0.001..1.0")


# --- runs: provenance and downloads ------------------------------------------------------
def test_runs_provenance_and_downloads(pages, store_url):
    runs = pages["runs"]
    records, message = runs.table(EXPERIMENT)
    assert message is None and len(records) == 4 and {r["status"] for r in records} == {"finished"}
    run_id = records[-1]["id"]
    detail, no_config, no_csv = runs.detail([run_id])
    shown = text_of(detail)
    with Store(store_url) as store:
        record = store.run_record(run_id)
        stored_rows = store.run_rows(run_id)
    assert not no_config and not no_csv
    for fact in (record["config_sha256"], record["code_version"], "numpy", "wall_seconds", "setup_seconds"):
        assert fact in shown
    download, problem = runs.download_config(1, [run_id])
    assert problem is None and download["filename"] == f"{EXPERIMENT}-run{run_id}.toml"
    loaded = config_from_dict(tomllib.loads(download["content"]))
    assert loaded.sha256 == record["config_sha256"]                 # the TOML is the run's config
    download, problem = runs.download_csv(1, [run_id])
    frame = pd.read_csv(io.StringIO(download["content"]), keep_default_na=False)
    assert list(frame.columns) == EXPORT_COLUMNS and len(frame) == len(stored_rows)
    assert download["filename"] == f"{EXPERIMENT}-{record['scenario']}-seed{record['seed']}-run{run_id}.csv"
    assert runs.detail([])[1:] == (True, True)


# --- follow a family ---------------------------------------------------------------------
def test_family_traced_in_the_background_stored_and_shown_side_by_side(pages, tiny_copy):
    data.configure(tiny_copy)
    family = pages["family"]
    view = family.show(EXPERIMENT, 1, BASELINE, SCENARIO, 3, None)
    assert text_of(view).count("Not traced yet") == 2
    message, job = family.submit(1, EXPERIMENT, 1, BASELINE, SCENARIO, 3, False)
    assert message is None and [run[1] for run in job["runs"]] == [BASELINE, SCENARIO]
    progress = []
    ok, text = jobs.trace_families(tiny_copy, job["runs"], 3, lambda *p: progress.append(p))
    assert ok and text == "traced 2 runs" and progress[-1][0] == progress[-1][1]
    view = text_of(family.show(EXPERIMENT, 1, BASELINE, SCENARIO, 3, {"ok": True}))
    assert "Not traced yet" not in view and view.count("at the start") >= 2
    assert jobs.trace_families(tiny_copy, job["runs"], 3, lambda *p: None) == (True, "already traced")
    events = data.family_events(job["runs"][0][0], 3)
    assert events["event"].iloc[0] == "start" and events["person"].nunique() == 1
    assert list(events["seq"]) == list(range(len(events)))
    message, job = family.submit(1, EXPERIMENT, 99, BASELINE, SCENARIO, 3, False)
    assert "no finished run of baseline, more_nurseries with seed 99" in text_of(message) and job is dash.no_update


# --- data access -------------------------------------------------------------------------
def test_rows_are_cached_until_the_experiment_gains_a_run(pages, tiny_copy):
    data.configure(tiny_copy)
    first = data.rows(EXPERIMENT, ("births",))
    assert data.rows(EXPERIMENT, ("births",)) is first                       # one query for many visitors
    with Store(tiny_copy) as store:
        experiment_id = store.ensure_experiment(EXPERIMENT, *_experiment_config(tiny_copy))
        run = store.start_run(experiment_id, BASELINE, 3, "{}", "x" * 64)
        store.finish_run(run, pd.DataFrame({"year": [2021], "indicator": ["births"], "group": [""], "value": [1.0]}),
                         {"wall_seconds": 1.0})
    again = data.rows(EXPERIMENT, ("births",))
    assert again is not first and len(again) == len(first) + 1


def _experiment_config(url: str) -> tuple[str, str]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
        return conn.execute("select config_json, config_sha256 from experiments where name = ?", (EXPERIMENT,)).fetchone()


def test_names_reach_sql_only_as_bound_parameters(pages, store_url):
    assert data.rows(EXPERIMENT, ("births",), ("x' OR '1'='1",)).empty
    with pytest.raises(StoreError, match="no experiment named"):
        data.rows("x' OR '1'='1", ("births",))
    assert data.rows(EXPERIMENT, ("births') OR 1=1 --",)).empty
    assert len(data.finished_runs(EXPERIMENT)) == 4                         # nothing was changed


@pytest.mark.parametrize("url, expect", [
    (UNREACHABLE, "cannot open database"),
    ("sqlite:////nonexistent/dir/fertsim.db", "no database at /nonexistent/dir/fertsim.db"),
])
def test_unreachable_store_gives_a_clear_page(pages, store_url, url, expect):
    data.configure(url)
    for name in ("overview", "compare", "population", "childcare", "work", "costs", "runs", "family"):
        page = text_of(pages[name].layout())
        assert "The results store cannot be read" in page and expect in page, name
    assert "Scenario builder" in text_of(pages["builder"].layout())           # the form needs no store
    _, _, message = pages["overview"].show(EXPERIMENT, SCENARIO)
    assert expect in text_of(message)
    values, control_ids = builder_state(lever_values(birth_grant=[0, 1, 2]))
    message, job = pages["builder"].submit(1, "x", 0.001, 1, "1", 2021, values, control_ids, False)
    assert expect in text_of(message) and job is dash.no_update
    records, message = pages["runs"].table(None)
    assert records == [] and expect in text_of(message)


def test_store_errors_while_reading_become_one_line(tiny_copy):
    store = Store(tiny_copy)
    with sqlite3.connect(tiny_copy.removeprefix("sqlite:///")) as conn:
        conn.execute("drop table indicators")
    with pytest.raises(StoreError, match=r"^cannot read database .*no such table: indicators — check") as info:
        with store.reading():
            store.indicator_rows(EXPERIMENT)
    assert "\n" not in str(info.value)


def test_family_events_are_stored_once_and_only_for_finished_runs(tiny_copy):
    with Store(tiny_copy) as store:
        events = pd.DataFrame({"year": [2021], "month": [1], "who": ["she"], "event": ["start"], "detail": ["aged 30"]})
        assert store.store_family_events(1, 1, 42, events) is True
        assert store.store_family_events(1, 1, 42, events) is False
        assert store.family_events(1, 1)[["person", "who", "detail"]].values.tolist() == [[42, "she", "aged 30"]]
        experiment_id = store.ensure_experiment(EXPERIMENT, *_experiment_config(tiny_copy))
        running = store.start_run(experiment_id, BASELINE, 9, "{}", "x" * 64)
        with pytest.raises(StoreError, match="not a finished run"):
            store.store_family_events(running, 1, 42, events)


# --- the command ---------------------------------------------------------------------------
def test_dashboard_command_errors_are_one_line(pages, store_url, capsys):
    from experiments.cli import main

    assert main(["dashboard", "--port", "70000"]) == 2
    err = capsys.readouterr().err
    assert err.strip().endswith("expected a port number 1..65535, got '70000'") and len(err.splitlines()) == 1
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["dashboard", "--db", store_url, "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"fertsim: error: cannot listen on 127.0.0.1:{port}: ") and len(err.splitlines()) == 1


def test_form_defaults_are_the_baseline():
    baseline = form.baseline()
    assert set(baseline) == set(LEVERS)
    assert baseline["nursery_places_per_1000"] == (4.7, "in force from 2025-10")
    assert baseline["birth_grant"][0] == [0.0, 0.0, 0.0]
    assert form.lever_changes(lever_values(), 2025) == {}
    assert TINY["name"] == EXPERIMENT


def test_births_that_cancel_up_to_rounding_have_no_cost_per_additional_birth():
    """Rescaled birth counts whose differences cancel leave ~1e-12 births, not a gain to divide by."""
    per_birth = 500.00215000000003                                   # real births per simulated birth
    counts = {1: ([286, 271, 260], [285, 274, 258]), 2: ([240, 291, 246], [238, 292, 247])}
    rows = []
    for seed, (base, scen) in counts.items():
        for k, year in enumerate((2021, 2022, 2023)):
            for scenario, births in ((BASELINE, base[k]), ("s", scen[k])):
                rows += [("e", scenario, seed, year, "births", "", births * per_birth),
                         ("e", scenario, seed, year, "fiscal_cost", "", 1e9 if scenario == "s" else 0.0)]
    paired = paired_results(pd.DataFrame(rows, columns=EXPORT_COLUMNS), "e")
    at = paired[(paired["year"] == 2023) & paired["seed"].isna()].set_index(["indicator", "group"])["value"]
    assert 0 < at[("additional_births", "stat=mean")] < 1e-6          # rounding noise, not a gain
    assert pd.isna(at[("cost_per_additional_birth", "stat=mean")])
