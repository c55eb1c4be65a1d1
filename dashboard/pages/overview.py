"""Overview: a scenario's key indicators against the plan's targets (2025 milestone, 2035 horizon)."""

from __future__ import annotations

import math

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, figures, ids, widgets
from experiments.config import BASELINE
from experiments.store import StoreError

CARDS = (  # (indicator, how to show a value)
    ("births", lambda v: f"{v:,.0f}"),
    ("tfr", lambda v: f"{v:.2f}"),
    ("population", lambda v: f"{v / 1e6:,.2f} m"),
    ("old_age_dependency_ratio", lambda v: f"{v:.1f}"),
    (data.PLACES_PER_1000, lambda v: f"{v:.2f}"),
    ("female_lfp_25_49", lambda v: f"{v:.1%}"),
    ("sex_ratio_at_birth", lambda v: f"{v:.1f}"),
)


def layout(experiment: str | None = None, scenario: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names, scenario=scenario))


def _page(chosen: str, names: list[str], scenario: str | None = None) -> html.Div:
    scenarios = data.scenarios(chosen)
    return widgets.page(
        "Overview",
        "Key indicators of one scenario against the plan's targets: 4.5 nursery places per 1,000 residents "
        "by 2025, a normal sex ratio at birth, and the 2035 horizon. Lines are means over seeds, bands the "
        "range over seeds; the baseline is dashed for reference. Counts are at the real population size.",
        widgets.controls(("Experiment", widgets.dropdown(ids.OVERVIEW_EXPERIMENT, names, chosen)),
                         ("Scenario", widgets.dropdown(ids.OVERVIEW_SCENARIO, scenarios, widgets.choose(
                             scenario, scenarios, next((s for s in scenarios if s != BASELINE), BASELINE))))),
        widgets.message(ids.OVERVIEW_MESSAGE),
        html.Div(id=ids.OVERVIEW_CARDS, className="cards"),
        dcc.Loading(html.Div(id=ids.OVERVIEW_GRAPHS, className="grid"), type="dot"),
    )


@callback(Output(ids.OVERVIEW_SCENARIO, "options"), Output(ids.OVERVIEW_SCENARIO, "value"),
          Input(ids.OVERVIEW_EXPERIMENT, "value"), State(ids.OVERVIEW_SCENARIO, "value"),
          prevent_initial_call=True)
def scenario_choices(experiment, current):
    try:
        scenarios = data.scenarios(experiment)
    except StoreError:
        return [], None
    return scenarios, widgets.choose(current, scenarios)


@callback(Output(ids.OVERVIEW_CARDS, "children"), Output(ids.OVERVIEW_GRAPHS, "children"),
          Output(ids.OVERVIEW_MESSAGE, "children"),
          Input(ids.OVERVIEW_EXPERIMENT, "value"), Input(ids.OVERVIEW_SCENARIO, "value"))
@data.cached_view
def show(experiment, scenario):
    if not experiment or not scenario:
        return [], [], widgets.problem("choose an experiment and a scenario")
    try:
        frame = data.key_indicators(experiment)
        order = data.scenarios(experiment)
    except StoreError as exc:
        return [], [], widgets.problem(str(exc))
    shown = frame[frame["scenario"].isin({scenario, BASELINE})]
    cards, graphs = [], []
    for indicator, fmt in CARDS:
        runs = data.city(shown, indicator)
        cards.append(_card(runs, scenario, indicator, fmt))
        figure = figures.trend(
            runs, figures.label(indicator), figures.unit(indicator), order=order,
            dashed=() if scenario == BASELINE else (BASELINE,),
            target=data.NURSERY_TARGET if indicator == data.PLACES_PER_1000 else None,
            target_range=data.SRB_NORMAL if indicator == "sex_ratio_at_birth" else None,
            milestones=(data.MILESTONE, data.HORIZON), percent=indicator in figures.SHARES)
        graphs.append(dcc.Graph(figure=figure, config=widgets.GRAPH_CONFIG, className="overview-graph"))
    return cards, graphs, None


def _card(runs: pd.DataFrame, scenario: str, indicator: str, fmt) -> html.Div:
    """The value in the 2025 milestone year and in the last year (means over seeds), with the
    target's verdict where the plan has one."""
    means = runs[runs["scenario"] == scenario].groupby("year")["value"].mean()
    lines = []
    if means.empty:
        lines.append(html.Div("no rows", className="card-value"))
    else:
        last = int(means.index.max())
        shown_years = [y for y in (data.MILESTONE, last) if y in means.index]
        for year in dict.fromkeys(shown_years):
            value = float(means[year])
            lines.append(html.Div([html.Span(f"{year}: ", className="card-year"),
                                   html.Span("n/a" if math.isnan(value) else fmt(value), className="card-value")]))
        verdict = _verdict(indicator, means)
        if verdict:
            lines.append(html.Div(verdict[0], className=f"card-verdict {verdict[1]}"))
    return html.Div([html.Div(figures.label(indicator), className="card-title"), *lines], className="card")


def _verdict(indicator: str, means: pd.Series) -> tuple[str, str] | None:
    if indicator == data.PLACES_PER_1000:
        year, target = data.NURSERY_TARGET
        if year not in means.index:
            return f"target {target:g} by end-{year}: {year} not simulated", "neutral"
        met = means[year] >= target
        return (f"target {target:g} by end-{year}: {year} average {'meets' if met else 'below'} it",
                "good" if met else "bad")
    if indicator == "sex_ratio_at_birth":
        low, high = data.SRB_NORMAL
        value = float(means.iloc[-1])
        normal = low <= value <= high
        return (f"normal range {low:g}-{high:g}: {'inside' if normal else 'outside'} in {int(means.index[-1])}",
                "good" if normal else "bad")
    return None


dash.register_page(__name__, path="/", name="Overview", order=0, title="fertsim · Overview", layout=layout)
