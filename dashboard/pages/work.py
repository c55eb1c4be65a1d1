"""Work: women's labour-force participation and mothers of children under 3 at work."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from dashboard import data, figures, ids, widgets
from experiments.store import StoreError

LFP = ("female_lfp_25_49", "female_lfp_15plus")
MOTHERS = "mothers_employed_under3"


def layout(experiment: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names))


def _page(chosen: str, names: list[str]) -> html.Div:
    scenarios = data.scenarios(chosen)
    return widgets.page(
        "Women's employment",
        "Shares of women in paid work (a job held during leave counts) at year end, and of mothers whose "
        "youngest child is under 3. Employer-borne leave costs raise the hiring penalty on young women; "
        "childcare access and grandparents raise mothers' return to work. Mean over seeds, band = range.",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.WORK_EXPERIMENT, names, chosen)),
            ("Scenarios", widgets.dropdown(ids.WORK_SCENARIOS, scenarios, scenarios, multi=True, width="24rem")),
        ),
        widgets.message(ids.WORK_MESSAGE),
        html.Div([widgets.graph(ids.WORK_LFP, 380), widgets.graph(ids.WORK_MOTHERS, 380)], className="grid two"),
    )


@callback(Output(ids.WORK_SCENARIOS, "options"), Output(ids.WORK_SCENARIOS, "value"),
          Input(ids.WORK_EXPERIMENT, "value"), prevent_initial_call=True)
def experiment_choices(experiment):
    try:
        scenarios = data.scenarios(experiment)
    except StoreError:
        return [], []
    return scenarios, scenarios


@callback(Output(ids.WORK_LFP, "figure"), Output(ids.WORK_MOTHERS, "figure"), Output(ids.WORK_MESSAGE, "children"),
          Input(ids.WORK_EXPERIMENT, "value"), Input(ids.WORK_SCENARIOS, "value"))
@data.cached_view
def show(experiment, scenarios):
    if not experiment or not scenarios:
        text = "choose an experiment and scenarios"
        return figures.empty(text, 380), figures.empty(text, 380), None
    try:
        rows = data.rows(experiment, (*LFP, MOTHERS), tuple(scenarios))
        order = data.scenarios(experiment)
    except StoreError as exc:
        return figures.empty("", 380), figures.empty("", 380), widgets.problem(str(exc))
    lfp = figures.trend(data.city(rows, LFP[0]), figures.label(LFP[0]), figures.unit(LFP[0]), order=order,
                        percent=True, height=380)
    mothers = figures.trend(data.city(rows, MOTHERS), figures.label(MOTHERS), figures.unit(MOTHERS), order=order,
                            percent=True, height=380)
    return lfp, mothers, None


dash.register_page(__name__, path="/work", name="Work", order=4, title="fertsim · Work", layout=layout)
