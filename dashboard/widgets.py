"""Layout pieces every page uses: page frame, selectors, graphs, messages, the store-problem page."""

from __future__ import annotations

from dash import dcc, html

from dashboard import data, figures
from experiments.store import StoreError

GRAPH_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"]}


def page(title: str, intro: str, *children) -> html.Div:
    return html.Div([html.H2(title), html.P(intro, className="intro"), *children], className="page")


def controls(*items) -> html.Div:
    """A row of labelled controls: items are (label, component)."""
    return html.Div([html.Label([html.Span(text, className="control-label"), component], className="control")
                     for text, component in items], className="controls")


def dropdown(id_: str, options, value, multi: bool = False, clearable: bool = False, width: str = "16rem"):
    """Options are values (shown as text) or {"label", "value"} dicts."""
    options = [o if isinstance(o, dict) else {"label": str(o), "value": o} for o in options]
    return dcc.Dropdown(id=id_, options=options, value=value,
                        multi=multi, clearable=clearable, style={"minWidth": width})


def choose(requested, available: list, default=None):
    """``requested`` if it is one of ``available``, else ``default`` or the first available."""
    if requested in available:
        return requested
    return default if default in available else (available[0] if available else None)


def year_marks(years: list[int]) -> dict:
    """Slider marks: every year, or every fifth year (and the last) for long runs."""
    step = 1 if len(years) <= 12 else 5
    return {year: str(year) for year in years if (year - years[0]) % step == 0 or year == years[-1]}


def graph(id_: str, height: int = 320) -> dcc.Graph:
    return dcc.Graph(id=id_, figure=figures.empty("loading…", height), config=GRAPH_CONFIG,
                     style={"height": f"{height}px"})


def message(id_: str) -> html.Div:
    return html.Div(id=id_, className="message", role="status")


def problem(text: str) -> html.Div:
    """A one-line problem shown in place of results (store unreachable, nothing to compare, ...)."""
    return html.Div(text, className="problem")


def store_problem(error: Exception) -> html.Div:
    """The page shown when the results store cannot be opened or read: what is wrong and what to do."""
    return html.Div([
        html.H2("The results store cannot be read"),
        html.P(str(error), className="problem", id="store-problem-text"),
        html.P(["Start the dashboard on a store that exists and is reachable, e.g. ",
                html.Code("fertsim dashboard --db fertsim.db"), " after ", html.Code("fertsim quickstart"),
                " or ", html.Code("fertsim run CONFIG"), "; a PostgreSQL store is given by URL, e.g. ",
                html.Code("--db postgresql+psycopg://user@host/db"), ". This page will work once it is."]),
    ], className="page store-problem")


def no_experiments() -> html.Div:
    return html.Div([
        html.H2("No finished runs yet"),
        html.P(["The results store has no finished runs. Run an experiment with ",
                html.Code("fertsim run experiments/configs/beijing-levers.toml --scale 0.002 --years 5"),
                ", or build a scenario on the ", dcc.Link("Scenario builder", href="/builder"), " page."]),
    ], className="page")


def experiment_page(requested: str | None, build) -> html.Div:
    """``build(chosen, names)`` → the page, where ``names`` are the store's experiments and
    ``chosen`` is ``requested`` if the store has it, else the first; or a page saying why there
    is none: the store cannot be read, or it holds no finished runs yet."""
    try:
        names = data.experiment_names()
        if not names:
            return no_experiments()
        return build(choose(requested, names), names)
    except StoreError as exc:
        return store_problem(exc)
