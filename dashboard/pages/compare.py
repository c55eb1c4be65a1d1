"""Compare: an experiment's scenarios side by side, their differences from the baseline on the
same seeds, and additional births with the cost of each (experiments.compare)."""

from __future__ import annotations

import dash
from dash import Input, Output, State, callback, dash_table, html

from dashboard import data, figures, ids, widgets
from experiments.compare import CompareError
from experiments.config import BASELINE
from experiments.store import StoreError

INDICATORS = ("births", "tfr", "population", "crude_birth_rate", "mean_age_first_birth", "mean_age_first_marriage",
              "marriages", "divorces", "deaths", "net_migration", "completed_fertility_45", "sex_ratio_at_birth",
              "old_age_dependency_ratio", "female_lfp_25_49", "female_lfp_15plus", "mothers_employed_under3",
              "nursery_places", "nursery_enrolled", "nursery_waitlist", "fiscal_cost")
TABLE_COLUMNS = [
    {"id": "scenario", "name": "scenario"},
    {"id": "seeds", "name": "paired seeds"},
    {"id": "additional_births", "name": "additional births [90% interval]"},
    {"id": "additional_fiscal_cost", "name": "Δ fiscal cost, million yuan [90%]"},
    {"id": "cost_per_additional_birth", "name": "cost per additional birth, yuan [90%]"},
]


def layout(experiment: str | None = None, indicator: str | None = None, **_) -> html.Div:
    return widgets.experiment_page(experiment, lambda chosen, names: _page(chosen, names, indicator=indicator))


def _page(chosen: str, names: list[str], indicator: str | None = None) -> html.Div:
    scenarios, years = data.scenarios(chosen), data.years(chosen)
    options = [{"label": figures.label(i), "value": i} for i in INDICATORS]
    return widgets.page(
        "Compare scenarios",
        "Scenarios of one experiment against its baseline. Every scenario runs on the baseline's seeds with the "
        "same random numbers, so the per-seed difference isolates the policy. Top: levels (mean over seeds, "
        "band = range over seeds). Middle: scenario minus baseline, mean over paired seeds with a 90% interval. "
        "Bottom: births added since the first year and what each added birth costs the public budget.",
        widgets.controls(
            ("Experiment", widgets.dropdown(ids.COMPARE_EXPERIMENT, names, chosen)),
            ("Scenarios", widgets.dropdown(ids.COMPARE_SCENARIOS, scenarios, scenarios, multi=True, width="24rem")),
            ("Indicator", widgets.dropdown(ids.COMPARE_INDICATOR, options, widgets.choose(indicator, list(INDICATORS)),
                                           width="18rem")),
        ),
        widgets.message(ids.COMPARE_MESSAGE),
        html.Div([widgets.graph(ids.COMPARE_LINES, 380), widgets.graph(ids.COMPARE_DIFFERENCES, 380)],
                 className="grid two"),
        html.H3("Additional births and cost per additional birth"),
        widgets.controls(("Cumulated to the end of", widgets.dropdown(ids.COMPARE_YEAR, years,
                                                                       years[-1] if years else None, width="8rem"))),
        dash_table.DataTable(id=ids.COMPARE_TABLE, columns=TABLE_COLUMNS, data=[],
                             style_cell={"fontFamily": figures.FONT, "padding": "6px", "textAlign": "right"},
                             style_cell_conditional=[{"if": {"column_id": "scenario"}, "textAlign": "left"}],
                             style_header={"fontWeight": "600", "backgroundColor": "#f3f4f6"}),
    )


@callback(Output(ids.COMPARE_SCENARIOS, "options"), Output(ids.COMPARE_SCENARIOS, "value"),
          Output(ids.COMPARE_YEAR, "options"), Output(ids.COMPARE_YEAR, "value"),
          Input(ids.COMPARE_EXPERIMENT, "value"), State(ids.COMPARE_YEAR, "value"), prevent_initial_call=True)
def experiment_choices(experiment, year):
    try:
        scenarios, years = data.scenarios(experiment), data.years(experiment)
    except StoreError:
        return [], [], [], None
    return scenarios, scenarios, years, widgets.choose(year, years, years[-1] if years else None)


@callback(Output(ids.COMPARE_LINES, "figure"), Output(ids.COMPARE_DIFFERENCES, "figure"),
          Input(ids.COMPARE_EXPERIMENT, "value"), Input(ids.COMPARE_SCENARIOS, "value"),
          Input(ids.COMPARE_INDICATOR, "value"))
@data.cached_view
def lines(experiment, scenarios, indicator):
    if not experiment or not scenarios or not indicator:
        blank = figures.empty("choose an experiment, scenarios and an indicator", 380)
        return blank, blank
    try:
        order = data.scenarios(experiment)
        rows = data.rows(experiment, (indicator,), tuple(scenarios))
        diff = data.differences(experiment, indicator)
    except StoreError as exc:
        blank = figures.empty(str(exc), 380)
        return blank, blank
    title, unit = figures.label(indicator), figures.unit(indicator)
    share = indicator in figures.SHARES
    level = figures.trend(data.city(rows, indicator), title, unit, order=order, percent=share, height=380)
    shown = diff[diff["scenario"].isin(scenarios) & (diff["scenario"] != BASELINE)]
    change = figures.differences(shown, f"{title}: scenario − baseline", unit, order=order, percent=share)
    return level, change


@callback(Output(ids.COMPARE_TABLE, "data"), Output(ids.COMPARE_MESSAGE, "children"),
          Input(ids.COMPARE_EXPERIMENT, "value"), Input(ids.COMPARE_SCENARIOS, "value"),
          Input(ids.COMPARE_YEAR, "value"))
@data.cached_view
def table(experiment, scenarios, year):
    if not experiment or year is None:
        return [], None
    try:
        comparison = data.comparison(experiment, int(year))
    except (StoreError, CompareError) as exc:
        return [], widgets.problem(str(exc))
    comparison = comparison[comparison["scenario"].isin(scenarios or [])]
    return figures.comparison_records(comparison), None


dash.register_page(__name__, path="/compare", name="Compare", order=1, title="fertsim · Compare", layout=layout)
