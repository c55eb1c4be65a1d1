"""Costs: the public budget's cost by lever over time, and the cost per additional birth."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, html

from dashboard import data, figures, ids, widgets
from experiments.compare import COST_PER_ADDITIONAL_BIRTH, CompareError
from experiments.config import BASELINE
from experiments.store import StoreError


def layout(experiment: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names))


def _page(chosen: str, names: list[str]) -> html.Div:
    scenarios = data.scenarios(chosen)
    return widgets.page(
        "Costs",
        "Every yuan each lever pays out in a year (means over seeds, at the real population size), and the cost "
        "per additional birth: cumulative extra fiscal cost over cumulative extra births against the baseline on "
        "the same seeds, with a 90% interval (delta method; not defined while a scenario has added no births).",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.COSTS_EXPERIMENT, names, chosen)),
            ("Scenario (cost by lever)", widgets.dropdown(
                ids.COSTS_SCENARIO, scenarios, next((s for s in scenarios if s != BASELINE), BASELINE))),
        ),
        widgets.message(ids.COSTS_MESSAGE),
        widgets.graph(ids.COSTS_BY_LEVER, 400),
        widgets.graph(ids.COSTS_PER_BIRTH, 380),
    )


@callback(Output(ids.COSTS_SCENARIO, "options"), Output(ids.COSTS_SCENARIO, "value"),
          Input(ids.COSTS_EXPERIMENT, "value"), State(ids.COSTS_SCENARIO, "value"), prevent_initial_call=True)
def experiment_choices(experiment, scenario):
    try:
        scenarios = data.scenarios(experiment)
    except StoreError:
        return [], None
    return scenarios, widgets.choose(scenario, scenarios, next((s for s in scenarios if s != BASELINE), BASELINE))


@callback(Output(ids.COSTS_BY_LEVER, "figure"), Input(ids.COSTS_EXPERIMENT, "value"),
          Input(ids.COSTS_SCENARIO, "value"))
@data.cached_view
def by_lever(experiment, scenario):
    if not experiment or not scenario:
        return figures.empty("choose an experiment and a scenario", 400)
    try:
        rows = data.rows(experiment, ("fiscal_cost",), (scenario,))
    except StoreError as exc:
        return figures.empty(str(exc), 400)
    return figures.fiscal_by_lever(rows, scenario)


@callback(Output(ids.COSTS_PER_BIRTH, "figure"), Output(ids.COSTS_MESSAGE, "children"),
          Input(ids.COSTS_EXPERIMENT, "value"))
@data.cached_view
def per_birth(experiment):
    if not experiment:
        return figures.empty("choose an experiment", 380), None
    try:
        paired, order = data.paired(experiment), data.scenarios(experiment)
    except (StoreError, CompareError) as exc:
        return figures.empty("no cost per additional birth", 380), widgets.problem(str(exc))
    figure = figures.paired_lines(paired, COST_PER_ADDITIONAL_BIRTH, "Cost per additional birth (cumulative)",
                                  "yuan per additional birth", order)
    return figure, None


dash.register_page(__name__, path="/costs", name="Costs", order=5, title="fertsim · Costs", layout=layout)
