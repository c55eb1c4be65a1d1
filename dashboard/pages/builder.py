"""Scenario builder: one control per lever (generated from the lever registry, set to the
baseline), a name, scale, years and seeds; the run goes to a background job with progress
and lands in the store, from where Compare shows it."""

from __future__ import annotations

import time

import dash
from dash import ALL, Input, Output, State, callback, dcc, html

from dashboard import data, form, ids, jobs, widgets
from experiments.config import ConfigError
from experiments.store import StoreError
from policies.levers import LEVERS, Lever


def layout(**_) -> html.Div:
    return widgets.page(
        "Scenario builder",
        "Change any lever from a chosen year on; levers left at their baseline value (the policy in force at "
        "the end of the Beijing policy history) stay as in the baseline. The experiment runs the baseline and "
        "your scenario on the same seeds in the background, stores every run, and then appears in Compare. "
        "Small scales run fast: at scale 0.002 a 15-year run takes about 7 seconds on one core.",
        html.Div([
            widgets.controls(
                ("Name (experiment and scenario)", dcc.Input(id=ids.BUILDER_NAME, type="text", value=form.DEFAULT_NAME,
                                                             debounce=False, className="text-input")),
                ("Scale (share of residents simulated)", dcc.Input(id=ids.BUILDER_SCALE, type="number",
                                                                   value=form.DEFAULT_SCALE, step="any")),
                ("Years from 2021", dcc.Input(id=ids.BUILDER_YEARS, type="number", value=form.DEFAULT_YEARS,
                                              step=1)),
                ("Seeds", dcc.Input(id=ids.BUILDER_SEEDS, type="text", value=form.DEFAULT_SEEDS,
                                    className="text-input")),
                ("Levers change from (1 January of)", dcc.Input(id=ids.BUILDER_FROM_YEAR, type="number",
                                                                 value=form.DEFAULT_FROM_YEAR, step=1)),
            ),
        ], className="builder-head"),
        html.Div([_lever_row(lever) for lever in LEVERS.values()], className="levers"),
        html.Div([
            html.Button("Run in the background", id=ids.BUILDER_RUN, n_clicks=0, className="primary"),
            html.Progress(id=ids.BUILDER_PROGRESS, value=0, max=1, className="progress"),
            html.Span(id=ids.BUILDER_PROGRESS_TEXT, className="progress-text"),
        ], className="run-row"),
        widgets.message(ids.BUILDER_MESSAGE),
        html.Div(id=ids.BUILDER_RESULT, className="result"),
        dcc.Store(id=ids.BUILDER_JOB),
    )


def _lever_row(lever: Lever) -> html.Div:
    value, since = form.baseline()[lever.name]
    inputs = []
    for k, part in enumerate(form.parts(lever)):
        control_id = {"type": ids.LEVER_VALUE, "lever": lever.name, "part": k}
        default = value[k] if lever.by_parity else value
        if lever.kind == "bool":
            control = dcc.RadioItems(id=control_id, options=[{"label": "yes", "value": True},
                                                             {"label": "no", "value": False}],
                                     value=bool(default), inline=True)
        else:
            control = dcc.Input(id=control_id, type="number", value=default,
                                step=1 if lever.kind == "int" else "any", className="number-input")
        inputs.append(html.Label([html.Span(part.replace("_", " "), className="part") if part else None, control],
                                 className="lever-input"))
    shown = " / ".join(form.show(v) for v in value) if lever.by_parity else form.show(value)
    allowed = "yes or no" if lever.kind == "bool" else lever.expected()
    return html.Div([
        html.Div([html.Code(lever.name), html.Div(lever.description, className="lever-description"),
                  html.Div(f"{allowed}; baseline {shown} ({since})", className="lever-unit")],
                 className="lever-text"),
        html.Div(inputs, className="lever-inputs"),
    ], className="lever")


def form_values(values: list, control_ids: list[dict]) -> dict[str, list]:
    """The pattern-matched control values as lever -> [value of part 0, 1, 2]."""
    out: dict[str, list] = {}
    for value, control in sorted(zip(values, control_ids), key=lambda pair: (pair[1]["lever"], pair[1]["part"])):
        out.setdefault(control["lever"], []).append(value)
    return out


@callback(Output(ids.BUILDER_MESSAGE, "children"), Output(ids.BUILDER_JOB, "data"),
          Input(ids.BUILDER_RUN, "n_clicks"),
          State(ids.BUILDER_NAME, "value"), State(ids.BUILDER_SCALE, "value"), State(ids.BUILDER_YEARS, "value"),
          State(ids.BUILDER_SEEDS, "value"), State(ids.BUILDER_FROM_YEAR, "value"),
          State({"type": ids.LEVER_VALUE, "lever": ALL, "part": ALL}, "value"),
          State({"type": ids.LEVER_VALUE, "lever": ALL, "part": ALL}, "id"),
          State(ids.BUILDER_RUNNING, "data"), prevent_initial_call=True)
def submit(n_clicks, name, scale, years, seeds, from_year, values, control_ids, running):
    """Validate the form: an inline message and nothing written if anything is wrong, else the
    validated config goes to the background job."""
    if running:
        return widgets.problem("a scenario is already running; wait for it to finish"), dash.no_update
    try:
        config = form.build_config(name, scale, years, seeds, from_year, form_values(values, control_ids))
        if data.experiment_exists(config.name):
            raise ConfigError(f"name: an experiment named {config.name!r} is already in the store; "
                              "choose another name (see it on Compare or Runs)")
    except (ConfigError, StoreError) as exc:
        return widgets.problem(str(exc)), dash.no_update
    runs = len(config.scenario_names()) * len(config.seeds)
    note = f"{config.name}: {runs} runs queued ({form.describe(config.resolved['scenarios'][config.name]['policy'])})"
    return html.Div(note, className="ok"), {"config": config.resolved, "submitted": time.time()}


@callback(Output(ids.BUILDER_RESULT, "children"), Input(ids.BUILDER_JOB, "data"),
          background=True, prevent_initial_call=True, interval=500,
          progress=[Output(ids.BUILDER_PROGRESS, "value"), Output(ids.BUILDER_PROGRESS, "max"),
                    Output(ids.BUILDER_PROGRESS_TEXT, "children")],
          running=[(Output(ids.BUILDER_RUNNING, "data"), True, False),
                   (Output(ids.BUILDER_RUN, "disabled"), True, False)])
def run_job(set_progress, job):
    """In the background process: run the experiment into the store, reporting progress."""
    if not job or "config" not in job:
        return dash.no_update
    ok, text = jobs.run_built(job["config"], data.url(), lambda done, total, note: set_progress((done, total, note)))
    return result(ok, text, job["config"].get("name"))


def result(ok: bool, text: str, name: str | None):
    if not ok:
        return widgets.problem(text)
    return html.Div([html.Span(text + ". "), dcc.Link("Open it in Compare →", href=f"/compare?experiment={name}",
                                                      id="builder-compare-link")], className="ok")


dash.register_page(__name__, path="/builder", name="Scenario builder", order=6, title="fertsim · Scenario builder",
                   layout=layout)
