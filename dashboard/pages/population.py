"""Population: the age-sex pyramid by year for two scenarios overlaid, and dependency ratios."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, figures, ids, widgets
from experiments.config import BASELINE
from experiments.store import StoreError


def _other(scenarios: list[str]) -> str | None:
    """The first scenario that is not the baseline (else the baseline)."""
    return next((s for s in scenarios if s != BASELINE), scenarios[0] if scenarios else None)


def layout(experiment: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names))


def _page(chosen: str, names: list[str]) -> html.Div:
    scenarios, years = data.scenarios(chosen), data.years(chosen) or [0]
    return widgets.page(
        "Population",
        "Residents by five-year age group and sex at the end of a year (means over seeds), scenario A as bars "
        "and scenario B as a dotted outline; below, dependency ratios per 100 residents aged 15-64.",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.POPULATION_EXPERIMENT, names, chosen)),
            ("Scenario A (bars)", widgets.dropdown(ids.POPULATION_SCENARIO_A, scenarios,
                                                   widgets.choose(BASELINE, scenarios))),
            ("Scenario B (outline)", widgets.dropdown(ids.POPULATION_SCENARIO_B, scenarios, _other(scenarios))),
        ),
        html.Div(dcc.Slider(id=ids.POPULATION_YEAR, min=years[0], max=years[-1], step=1, value=years[-1],
                            marks=widgets.year_marks(years), updatemode="drag"), className="slider"),
        widgets.message(ids.POPULATION_MESSAGE),
        widgets.graph(ids.POPULATION_PYRAMID, 560),
        widgets.graph(ids.POPULATION_DEPENDENCY, 400),
    )


@callback(Output(ids.POPULATION_SCENARIO_A, "options"), Output(ids.POPULATION_SCENARIO_A, "value"),
          Output(ids.POPULATION_SCENARIO_B, "options"), Output(ids.POPULATION_SCENARIO_B, "value"),
          Output(ids.POPULATION_YEAR, "min"), Output(ids.POPULATION_YEAR, "max"),
          Output(ids.POPULATION_YEAR, "marks"), Output(ids.POPULATION_YEAR, "value"),
          Input(ids.POPULATION_EXPERIMENT, "value"), State(ids.POPULATION_YEAR, "value"), prevent_initial_call=True)
def experiment_choices(experiment, year):
    try:
        scenarios, years = data.scenarios(experiment), data.years(experiment)
    except StoreError:
        return [], None, [], None, 0, 0, {}, None
    if not years:
        return scenarios, None, scenarios, None, 0, 0, {}, None
    return (scenarios, widgets.choose(BASELINE, scenarios), scenarios, _other(scenarios), years[0], years[-1],
            widgets.year_marks(years), widgets.choose(year, years, years[-1]))


@callback(Output(ids.POPULATION_PYRAMID, "figure"), Output(ids.POPULATION_MESSAGE, "children"),
          Input(ids.POPULATION_EXPERIMENT, "value"), Input(ids.POPULATION_SCENARIO_A, "value"),
          Input(ids.POPULATION_SCENARIO_B, "value"), Input(ids.POPULATION_YEAR, "value"))
@data.cached_view
def pyramid(experiment, scenario_a, scenario_b, year):
    if not experiment or not scenario_a or year is None:
        return figures.empty("choose an experiment, a scenario and a year", 560), None
    try:
        rows = data.rows(experiment, ("population",), (scenario_a, scenario_b or scenario_a))
    except StoreError as exc:
        return figures.empty("", 560), widgets.problem(str(exc))
    return figures.pyramid(rows, int(year), scenario_a, scenario_b), None


@callback(Output(ids.POPULATION_DEPENDENCY, "figure"),
          Input(ids.POPULATION_EXPERIMENT, "value"), Input(ids.POPULATION_SCENARIO_A, "value"),
          Input(ids.POPULATION_SCENARIO_B, "value"))
@data.cached_view
def dependency(experiment, scenario_a, scenario_b):
    if not experiment or not scenario_a:
        return figures.empty("choose an experiment and a scenario", 400)
    shown = tuple(dict.fromkeys(s for s in (scenario_a, scenario_b) if s))
    try:
        population = data.rows(experiment, ("population",), shown)
        old_age = data.city(data.rows(experiment, ("old_age_dependency_ratio",), shown), "old_age_dependency_ratio")
        order = data.scenarios(experiment)
    except StoreError as exc:
        return figures.empty(str(exc), 400)
    return figures.dependency(population, old_age, order)


dash.register_page(__name__, path="/population", name="Population", order=2, title="fertsim · Population",
                   layout=layout)
