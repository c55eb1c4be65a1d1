"""Follow a family: one sampled woman's family (marriage, births, care of each child under 3,
jobs) under two scenarios with the same seed, side by side.

The events come from the store (table ``family_events``). A family not traced yet is traced
by a background job (``sim.family`` re-runs the stored run's config and seed month by month
and stores what happened), never in the web request.
"""

from __future__ import annotations

import time

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, ids, jobs, widgets
from experiments.config import BASELINE
from experiments.store import StoreError
from sim.family import AGE_RANGE, N_FAMILIES

EVENT_NAMES = {"start": "at the start", "marriage": "marriage", "divorce": "divorce", "widowed": "widowed",
               "pregnancy": "pregnancy", "birth": "birth", "leave_start": "leave", "leave_end": "leave",
               "job_start": "job", "job_end": "job", "care": "care", "care_end": "care", "moved": "move",
               "left": "left"}


def _number(text: str | None) -> int | None:
    return int(text) if isinstance(text, str) and text.isdigit() else None


def _other(scenarios: list[str]) -> str | None:
    return next((s for s in scenarios if s != BASELINE), scenarios[0] if scenarios else None)


def layout(experiment: str | None = None, seed: str | None = None, a: str | None = None, b: str | None = None,
           family: str | None = None, **_) -> html.Div:
    """The page; query parameters may preselect ``experiment``, ``seed``, scenarios ``a`` and ``b``
    and the ``family`` number."""
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names, seed=seed, a=a, b=b, family=family))


def _page(chosen: str, names: list[str], seed: str | None = None, a: str | None = None, b: str | None = None,
          family: str | None = None) -> html.Div:
    scenarios, seeds = data.scenarios(chosen), data.seeds(chosen)
    return widgets.page(
        "Follow a family",
        f"One of {N_FAMILIES} women aged {AGE_RANGE[0]}-{AGE_RANGE[1]} at the start, sampled from the run's "
        "population, and her family month by month: marriage, births, maternity leave, who cares for each child "
        "under 3, jobs. Both scenarios use the same seed, so she starts from the same life and the same random "
        "draws; where the policies differ her life may too (rows marked ◆ differ from the other scenario). "
        "A family not yet traced is traced in the background by re-running the stored run month by month.",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.FAMILY_EXPERIMENT, names, chosen)),
            ("Seed", widgets.dropdown(ids.FAMILY_SEED, seeds, widgets.choose(_number(seed), seeds), width="7rem")),
            ("Scenario A", widgets.dropdown(ids.FAMILY_SCENARIO_A, scenarios, widgets.choose(a, scenarios, BASELINE))),
            ("Scenario B", widgets.dropdown(ids.FAMILY_SCENARIO_B, scenarios, widgets.choose(b, scenarios,
                                                                                             _other(scenarios)))),
            ("Family", widgets.dropdown(ids.FAMILY_NUMBER, list(range(1, N_FAMILIES + 1)),
                                        widgets.choose(_number(family), list(range(1, N_FAMILIES + 1))), width="6rem")),
        ),
        html.Div([
            html.Button("Trace this family", id=ids.FAMILY_TRACE, n_clicks=0, className="primary"),
            html.Progress(id=ids.FAMILY_PROGRESS, value=0, max=1, className="progress"),
            html.Span(id=ids.FAMILY_PROGRESS_TEXT, className="progress-text"),
        ], className="run-row"),
        widgets.message(ids.FAMILY_MESSAGE),
        html.Div(id=ids.FAMILY_VIEW),
        dcc.Store(id=ids.FAMILY_JOB),
        dcc.Store(id=ids.FAMILY_DONE),
    )


@callback(Output(ids.FAMILY_SEED, "options"), Output(ids.FAMILY_SEED, "value"),
          Output(ids.FAMILY_SCENARIO_A, "options"), Output(ids.FAMILY_SCENARIO_A, "value"),
          Output(ids.FAMILY_SCENARIO_B, "options"), Output(ids.FAMILY_SCENARIO_B, "value"),
          Input(ids.FAMILY_EXPERIMENT, "value"), prevent_initial_call=True)
def experiment_choices(experiment):
    try:
        scenarios, seeds = data.scenarios(experiment), data.seeds(experiment)
    except StoreError:
        return [], None, [], None, [], None
    return (seeds, seeds[0] if seeds else None, scenarios, widgets.choose(BASELINE, scenarios), scenarios,
            _other(scenarios))


def _runs(experiment, seed, scenarios) -> list[tuple[int | None, str, int]]:
    return [(data.run_id(experiment, s, int(seed)), s, int(seed)) for s in dict.fromkeys(scenarios)]


@callback(Output(ids.FAMILY_VIEW, "children"),
          Input(ids.FAMILY_EXPERIMENT, "value"), Input(ids.FAMILY_SEED, "value"),
          Input(ids.FAMILY_SCENARIO_A, "value"), Input(ids.FAMILY_SCENARIO_B, "value"),
          Input(ids.FAMILY_NUMBER, "value"), Input(ids.FAMILY_DONE, "data"))
def show(experiment, seed, scenario_a, scenario_b, family, done):
    if not experiment or seed is None or not scenario_a or not scenario_b or not family:
        return widgets.problem("choose an experiment, a seed, two scenarios and a family")
    try:
        runs = _runs(experiment, seed, [scenario_a, scenario_b])
        traces = [(scenario, data.family_events(run, family) if run is not None else None)
                  for run, scenario, _ in runs]
    except StoreError as exc:
        return widgets.problem(str(exc))
    if len(traces) == 1:
        traces = traces * 2
    notice = widgets.problem(done["text"]) if done and not done.get("ok") else None
    columns = []
    for k, (scenario, events) in enumerate(traces):
        other = traces[1 - k][1]
        columns.append(html.Div([html.H3(f"{scenario} · seed {seed} · family {family}"),
                                 timeline(events, other)], className="family-column"))
    return html.Div([notice, html.Div(columns, className="grid two")])


def timeline(events: pd.DataFrame | None, other: pd.DataFrame | None) -> html.Div:
    """A trace as a table (date, who, what), rows absent from the other trace marked."""
    if events is None:
        return widgets.problem("no finished run of this scenario and seed")
    if events.empty:
        return html.P("Not traced yet: press “Trace this family” (it re-runs this run in the background).",
                      className="hint")
    keys = set() if other is None or other.empty else set(zip(other["year"], other["month"], other["who"],
                                                              other["detail"]))
    rows = []
    for event in events.itertuples(index=False):
        differs = bool(keys) and (event.year, event.month, event.who, event.detail) not in keys
        rows.append(html.Tr([html.Td(f"{event.year}-{event.month:02d}"), html.Td(event.who),
                             html.Td(EVENT_NAMES.get(event.event, event.event)),
                             html.Td(("◆ " if differs else "") + event.detail)],
                            className=f"event-{event.event}" + (" differs" if differs else "")))
    code = events["code_version"].iloc[0]
    return html.Div([html.Table([html.Thead(html.Tr([html.Th("month"), html.Th("who"), html.Th("what"),
                                                     html.Th("detail")])), html.Tbody(rows)], className="events"),
                     html.P(f"traced with code version {code[:12]}{'+dirty' if code.endswith('+dirty') else ''}",
                            className="hint")])


@callback(Output(ids.FAMILY_MESSAGE, "children"), Output(ids.FAMILY_JOB, "data"),
          Input(ids.FAMILY_TRACE, "n_clicks"),
          State(ids.FAMILY_EXPERIMENT, "value"), State(ids.FAMILY_SEED, "value"),
          State(ids.FAMILY_SCENARIO_A, "value"), State(ids.FAMILY_SCENARIO_B, "value"),
          State(ids.FAMILY_NUMBER, "value"), State(ids.FAMILY_RUNNING, "data"), prevent_initial_call=True)
def submit(n_clicks, experiment, seed, scenario_a, scenario_b, family, running):
    if running:
        return widgets.problem("a family is being traced; wait for it to finish"), dash.no_update
    if not experiment or seed is None or not scenario_a or not scenario_b:
        return widgets.problem("choose an experiment, a seed and two scenarios"), dash.no_update
    if not isinstance(family, int) or not 1 <= family <= N_FAMILIES:
        return widgets.problem(f"family: choose 1..{N_FAMILIES}"), dash.no_update
    try:
        runs = _runs(experiment, seed, [scenario_a, scenario_b])
    except StoreError as exc:
        return widgets.problem(str(exc)), dash.no_update
    missing = [scenario for run, scenario, _ in runs if run is None]
    if missing:
        return widgets.problem(f"no finished run of {', '.join(missing)} with seed {seed}"), dash.no_update
    return None, {"runs": runs, "family": family, "submitted": time.time()}


@callback(Output(ids.FAMILY_DONE, "data"), Input(ids.FAMILY_JOB, "data"),
          background=True, prevent_initial_call=True, interval=500,
          progress=[Output(ids.FAMILY_PROGRESS, "value"), Output(ids.FAMILY_PROGRESS, "max"),
                    Output(ids.FAMILY_PROGRESS_TEXT, "children")],
          running=[(Output(ids.FAMILY_RUNNING, "data"), True, False),
                   (Output(ids.FAMILY_TRACE, "disabled"), True, False)])
def trace_job(set_progress, job):
    """In the background process: trace the family in both runs and store the events."""
    if not job or "runs" not in job:
        return dash.no_update
    runs = [(int(run), str(scenario), int(seed)) for run, scenario, seed in job["runs"]]
    ok, text = jobs.trace_families(data.url(), runs, int(job["family"]),
                                   lambda done, total, note: set_progress((done, total, note)))
    set_progress((1, 1, text))
    return {"ok": ok, "text": text, "at": time.time()}


dash.register_page(__name__, path="/family", name="Follow a family", order=8, title="fertsim · Follow a family",
                   layout=layout)
