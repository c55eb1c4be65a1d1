"""Runs: the provenance of every run (config, hash, seed, code and library versions, timings),
with downloads of its config (TOML) and its indicator rows (CSV)."""

from __future__ import annotations

import json
import re

import dash
import pandas as pd
from dash import Input, Output, State, callback, dash_table, dcc, html

from dashboard import data, figures, ids, widgets
from experiments.config import config_to_toml
from experiments.store import EXPORT_COLUMNS, StoreError

ALL_EXPERIMENTS = "(all experiments)"
COLUMNS = [{"id": c, "name": n} for c, n in (
    ("id", "run"), ("experiment", "experiment"), ("scenario", "scenario"), ("seed", "seed"), ("status", "status"),
    ("started", "started (UTC)"), ("wall", "wall s"), ("code", "code version"), ("sha", "config sha256"))]


def layout(experiment: str | None = None, run: str | None = None, **_) -> html.Div:
    try:
        names = data.experiments()["name"].tolist()
    except StoreError as exc:
        return widgets.store_problem(exc)
    options = [ALL_EXPERIMENTS, *names[::-1]]
    return widgets.page(
        "Runs",
        "Every run in the results store with what it takes to reproduce it: the experiment config (canonical "
        "JSON and its SHA-256), the seed, the code version (git commit, +dirty for uncommitted changes) and "
        "library versions, and its timings. Select a run for details and downloads: `fertsim run CONFIG "
        "--seeds SEED` with the downloaded config runs it again, and `fertsim reproduce RUN_ID` checks that "
        "a re-run gives the same rows.",
        widgets.controls(("Experiment", widgets.dropdown(ids.RUNS_EXPERIMENT, options,
                                                         widgets.choose(experiment, options, ALL_EXPERIMENTS),
                                                         width="20rem"))),
        widgets.message(ids.RUNS_MESSAGE),
        dash_table.DataTable(id=ids.RUNS_TABLE, columns=COLUMNS, data=[], row_selectable="single",
                             page_size=15, sort_action="native", filter_action="native",
                             selected_row_ids=[int(run)] if run and run.isdigit() else [],
                             style_cell={"fontFamily": figures.FONT, "padding": "5px", "textAlign": "left"},
                             style_header={"fontWeight": "600", "backgroundColor": "#f3f4f6"},
                             style_data_conditional=[{"if": {"filter_query": '{status} = "failed"'},
                                                      "color": "#b91c1c"}]),
        html.Div(id=ids.RUNS_DETAIL, className="detail"),
        html.Div([html.Button("Download config (TOML)", id=ids.RUNS_DOWNLOAD_CONFIG, n_clicks=0, disabled=True),
                  html.Button("Download indicators (CSV)", id=ids.RUNS_DOWNLOAD_CSV, n_clicks=0, disabled=True)],
                 className="run-row"),
        dcc.Download(id=ids.RUNS_CONFIG_FILE),
        dcc.Download(id=ids.RUNS_CSV_FILE),
    )


@callback(Output(ids.RUNS_TABLE, "data"), Output(ids.RUNS_MESSAGE, "children"),
          Input(ids.RUNS_EXPERIMENT, "value"))
def table(experiment):
    try:
        frame = data.runs(None if experiment in (None, ALL_EXPERIMENTS) else experiment)
    except StoreError as exc:
        return [], widgets.problem(str(exc))
    return run_records(frame), None


def run_records(frame: pd.DataFrame) -> list[dict]:
    """``data.runs()`` rows as DataTable records (newest first)."""
    records = []
    for run in frame.iloc[::-1].itertuples(index=False):
        records.append({"id": int(run.id), "experiment": run.experiment, "scenario": run.scenario,
                        "seed": int(run.seed), "status": run.status,
                        "started": pd.Timestamp(run.started_at).strftime("%Y-%m-%d %H:%M:%S"),
                        "wall": None if pd.isna(run.wall_seconds) else round(float(run.wall_seconds), 1),
                        "code": str(run.code_version)[:12] + ("+dirty" if str(run.code_version).endswith("+dirty")
                                                              else ""),
                        "sha": run.config_sha256[:12]})
    return records


@callback(Output(ids.RUNS_DETAIL, "children"), Output(ids.RUNS_DOWNLOAD_CONFIG, "disabled"),
          Output(ids.RUNS_DOWNLOAD_CSV, "disabled"), Input(ids.RUNS_TABLE, "selected_row_ids"))
def detail(selected):
    if not selected:
        return html.P("Select a run in the table.", className="hint"), True, True
    try:
        record = data.run_record(int(selected[0]))
    except StoreError as exc:
        return widgets.problem(str(exc)), True, True
    if record is None:
        return widgets.problem(f"run {selected[0]} is not in the store"), True, True
    return provenance(record), False, record["status"] != "finished"


def provenance(record: dict) -> html.Div:
    """The stored facts of one run, as a definition list and the config as TOML."""
    timings = record.get("timings") or {}
    facts = [
        ("run", f"{record['id']} ({record['status']})"),
        ("experiment / scenario / seed", f"{record['experiment']} / {record['scenario']} / {record['seed']}"),
        ("config sha256", record["config_sha256"]),
        ("code version", record["code_version"]),
        ("library versions", ", ".join(f"{k} {v}" for k, v in sorted((record["library_versions"] or {}).items()))),
        ("started / finished (UTC)", f"{record['started_at']:%Y-%m-%d %H:%M:%S} / "
                                     + (f"{record['finished_at']:%Y-%m-%d %H:%M:%S}" if record["finished_at"]
                                        else "-")),
        ("timings", ", ".join(f"{k} {v:.2f} s" for k, v in timings.items()) or "-"),
    ]
    items = []
    for term, value in facts:
        items += [html.Dt(term), html.Dd(value)]
    if record.get("error"):
        items += [html.Dt("error"), html.Dd(html.Pre(record["error"], className="error"))]
    return html.Div([html.H3(f"Run {record['id']}"), html.Dl(items),
                     html.Details([html.Summary("Config (TOML)"), html.Pre(config_text(record), className="config")])])


def config_text(record: dict) -> str:
    """The run's experiment config as TOML, headed by how to reproduce this one run."""
    head = (f"# fertsim run {record['id']}: experiment {record['experiment']}, scenario {record['scenario']}, "
            f"seed {record['seed']}\n# config sha256 {record['config_sha256']}, code {record['code_version']}\n"
            f"# reproduce: fertsim run THIS_FILE --seeds {record['seed']}\n")
    return head + config_to_toml(json.loads(record["config_json"]))


def _filename(*parts) -> str:
    """A safe download file name from stored names (which the config validator already limits)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", "-".join(str(p) for p in parts))


@callback(Output(ids.RUNS_CONFIG_FILE, "data"), Output(ids.RUNS_MESSAGE, "children", allow_duplicate=True),
          Input(ids.RUNS_DOWNLOAD_CONFIG, "n_clicks"), State(ids.RUNS_TABLE, "selected_row_ids"),
          prevent_initial_call=True)
def download_config(n_clicks, selected):
    if not n_clicks or not selected:
        return dash.no_update, dash.no_update
    try:
        record = data.run_record(int(selected[0]))
    except StoreError as exc:
        return dash.no_update, widgets.problem(str(exc))
    if record is None:
        return dash.no_update, widgets.problem(f"run {selected[0]} is not in the store")
    return dcc.send_string(config_text(record), _filename(record["experiment"], f"run{record['id']}") + ".toml"), None


@callback(Output(ids.RUNS_CSV_FILE, "data"), Output(ids.RUNS_MESSAGE, "children", allow_duplicate=True),
          Input(ids.RUNS_DOWNLOAD_CSV, "n_clicks"), State(ids.RUNS_TABLE, "selected_row_ids"),
          prevent_initial_call=True)
def download_csv(n_clicks, selected):
    if not n_clicks or not selected:
        return dash.no_update, dash.no_update
    try:
        record = data.run_record(int(selected[0]))
        if record is None:
            return dash.no_update, widgets.problem(f"run {selected[0]} is not in the store")
        rows = data.run_rows(record["id"])
    except StoreError as exc:
        return dash.no_update, widgets.problem(str(exc))
    rows = rows.assign(experiment=record["experiment"], scenario=record["scenario"],
                       seed=record["seed"])[EXPORT_COLUMNS]
    name = _filename(record["experiment"], record["scenario"], f"seed{record['seed']}", f"run{record['id']}")
    return dcc.send_string(rows.to_csv(index=False), name + ".csv"), None


dash.register_page(__name__, path="/runs", name="Runs", order=7, title="fertsim · Runs", layout=layout)
