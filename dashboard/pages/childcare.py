"""Childcare: nursery places against demand and the waitlist in each of the 16 districts, and
who cares for children under 3 over time."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dcc, html

from dashboard import data, figures, ids, widgets
from experiments.config import BASELINE
from experiments.store import StoreError

NURSERY = ("nursery_places", "nursery_enrolled", "nursery_waitlist")


def layout(experiment: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names))


def _page(chosen: str, names: list[str]) -> html.Div:
    scenarios, years = data.scenarios(chosen), data.years(chosen) or [0]
    return widgets.page(
        "Childcare",
        "Nursery places are rationed per district (places per 1,000 residents × residents); children whose "
        "families want a place and do not get one wait and are cared for otherwise. Demand = enrolled + "
        "waitlisted. Values are monthly averages over the year and means over seeds, at the real population size.",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.CHILDCARE_EXPERIMENT, names, chosen)),
            ("Scenario", widgets.dropdown(ids.CHILDCARE_SCENARIO, scenarios, widgets.choose(BASELINE, scenarios))),
        ),
        html.Div(dcc.Slider(id=ids.CHILDCARE_YEAR, min=years[0], max=years[-1], step=1, value=years[-1],
                            marks=widgets.year_marks(years)), className="slider"),
        widgets.message(ids.CHILDCARE_MESSAGE),
        widgets.graph(ids.CHILDCARE_DISTRICTS, 460),
        widgets.graph(ids.CHILDCARE_MODES, 380),
    )


@callback(Output(ids.CHILDCARE_SCENARIO, "options"), Output(ids.CHILDCARE_SCENARIO, "value"),
          Output(ids.CHILDCARE_YEAR, "min"), Output(ids.CHILDCARE_YEAR, "max"),
          Output(ids.CHILDCARE_YEAR, "marks"), Output(ids.CHILDCARE_YEAR, "value"),
          Input(ids.CHILDCARE_EXPERIMENT, "value"), State(ids.CHILDCARE_SCENARIO, "value"),
          State(ids.CHILDCARE_YEAR, "value"), prevent_initial_call=True)
def experiment_choices(experiment, scenario, year):
    try:
        scenarios, years = data.scenarios(experiment), data.years(experiment)
    except StoreError:
        return [], None, 0, 0, {}, None
    if not years:
        return scenarios, None, 0, 0, {}, None
    return (scenarios, widgets.choose(scenario, scenarios, BASELINE), years[0], years[-1], widgets.year_marks(years),
            widgets.choose(year, years, years[-1]))


@callback(Output(ids.CHILDCARE_DISTRICTS, "figure"), Output(ids.CHILDCARE_MODES, "figure"),
          Output(ids.CHILDCARE_MESSAGE, "children"),
          Input(ids.CHILDCARE_EXPERIMENT, "value"), Input(ids.CHILDCARE_SCENARIO, "value"),
          Input(ids.CHILDCARE_YEAR, "value"))
@data.cached_view
def show(experiment, scenario, year):
    if not experiment or not scenario or year is None:
        text = "choose an experiment, a scenario and a year"
        return figures.empty(text, 460), figures.empty(text, 380), None
    try:
        nursery = data.rows(experiment, NURSERY, (scenario,))
        modes = data.rows(experiment, ("childcare_mode",), (scenario,))
    except StoreError as exc:
        return figures.empty("", 460), figures.empty("", 380), widgets.problem(str(exc))
    return figures.districts(nursery, int(year), scenario), figures.care_modes(modes, scenario), None


dash.register_page(__name__, path="/childcare", name="Childcare", order=3, title="fertsim · Childcare",
                   layout=layout)
