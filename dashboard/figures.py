"""Figures: pure functions from DataFrames (as ``dashboard.data`` returns them) to plotly figures.

No I/O, no state: the same frames give the same figure. Lines are means over seeds; a
band is the range (min..max) over seeds, or a 90 % interval where the frame carries one
(``low90``/``high90``, computed by ``experiments.compare``).
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
from plotly.colors import qualitative

BASELINE = "baseline"
BASELINE_COLOR = "#4d4d4d"
PALETTE = qualitative.D3
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"

# indicator -> (title, unit): every city-wide indicator the pages offer (DESIGN §5)
LABELS: dict[str, tuple[str, str]] = {
    "births": ("Births", "births per year"),
    "tfr": ("Total fertility rate", "children per woman"),
    "population": ("Population", "residents at year end"),
    "old_age_dependency_ratio": ("Old-age dependency ratio", "65+ per 100 aged 15-64"),
    "nursery_places_per_1000": ("Nursery places per 1,000 residents", "places per 1,000"),
    "female_lfp_25_49": ("Female employment, 25-49", "share employed"),
    "female_lfp_15plus": ("Female employment, 15+", "share employed"),
    "mothers_employed_under3": ("Mothers of under-3s at work", "share employed"),
    "sex_ratio_at_birth": ("Sex ratio at birth", "boys per 100 girls"),
    "crude_birth_rate": ("Crude birth rate", "births per 1,000 residents"),
    "crude_death_rate": ("Crude death rate", "deaths per 1,000 residents"),
    "deaths": ("Deaths", "deaths per year"),
    "marriages": ("Marriages", "marriages per year"),
    "divorces": ("Divorces", "divorces per year"),
    "net_migration": ("Net migration", "persons per year"),
    "mean_age_first_birth": ("Mean age at first birth", "years"),
    "mean_age_first_marriage": ("Mean age at first marriage", "years"),
    "completed_fertility_45": ("Completed fertility at 45", "children per woman"),
    "nursery_places": ("Nursery places", "places"),
    "nursery_enrolled": ("Children in nurseries", "children"),
    "nursery_waitlist": ("Nursery waitlist", "children"),
    "fiscal_cost": ("Fiscal cost of the levers", "yuan per year"),
}
SHARES = {"female_lfp_25_49", "female_lfp_15plus", "mothers_employed_under3"}


def label(indicator: str) -> str:
    return LABELS.get(indicator, (indicator, ""))[0]


def unit(indicator: str) -> str:
    return LABELS.get(indicator, ("", ""))[1]


def scenario_colors(scenarios) -> dict[str, str]:
    """Baseline dark grey, the others from the palette in the order given (keep the
    experiment's full scenario list so that a scenario keeps its colour on every page)."""
    others = [s for s in scenarios if s != BASELINE]
    colors = {s: PALETTE[k % len(PALETTE)] for k, s in enumerate(others)}
    colors[BASELINE] = BASELINE_COLOR
    return colors


def _rgba(color: str, alpha: float) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def _years(fig: go.Figure) -> go.Figure:
    """Whole years on the x axis."""
    fig.update_xaxes(tickformat="d", dtick=1 if _span(fig) <= 12 else 5)
    return fig


def _span(fig: go.Figure) -> float:
    xs = [x for trace in fig.data for x in (trace.x if trace.x is not None else ()) if x is not None]
    return (max(xs) - min(xs)) if xs else 0


# a small template (plotly_white's look): named templates are deep-copied into every figure, which
# dominates the time to build one
_AXIS = {"gridcolor": "#ebf0f8", "zerolinecolor": "#ebf0f8", "linecolor": "#ebf0f8", "automargin": True}
TEMPLATE = {"layout": {"paper_bgcolor": "white", "plot_bgcolor": "white", "colorway": PALETTE,
                       "xaxis": _AXIS, "yaxis": _AXIS, "hoverlabel": {"align": "left"}}}


def _vline(x) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"dash": "dot", "color": "#999", "width": 1}}


def _hline(y) -> dict:
    return {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": "#666", "width": 1}}


def _figure() -> go.Figure:
    """An empty figure on the small template (not plotly's default, which would be deep-copied)."""
    return go.Figure(layout={"template": TEMPLATE})


def _layout(fig: go.Figure, title: str, y_title: str = "", height: int = 320, shapes=()) -> go.Figure:
    if shapes:
        fig.update_layout(shapes=list(shapes))
    fig.update_layout(title={"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left"}, height=height,
                      font={"family": FONT, "size": 12}, margin={"l": 60, "r": 20, "t": 50, "b": 40},
                      legend={"orientation": "h", "y": -0.18}, hovermode="x unified")
    fig.update_yaxes(title_text=y_title)
    return fig


def empty(message: str, height: int = 320) -> go.Figure:
    """A blank figure that says why it is blank."""
    fig = _figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 13, "color": "#666"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, "", height=height)


def _band(fig: go.Figure, x, low, high, color: str, name: str, legend: str) -> None:
    fig.add_trace(go.Scatter(x=list(x) + list(x)[::-1], y=list(high) + list(low)[::-1], fill="toself",
                             fillcolor=_rgba(color, 0.18), line={"width": 0}, hoverinfo="skip", mode="lines",
                             name=name, legendgroup=legend, showlegend=False))


def trend(runs: pd.DataFrame, title: str, y_title: str = "", order=None, dashed=(), target=None,
          target_range=None, milestones=(2025, 2035), percent: bool = False, height: int = 320) -> go.Figure:
    """One line per scenario (mean over seeds) with a band (range over seeds).

    ``runs``: DataFrame[scenario, seed, year, value]. ``target``: (from_year, value) drawn
    as a dotted line from that year on; ``target_range``: (low, high) shaded; ``milestones``:
    years marked by vertical lines; ``dashed``: scenarios drawn dashed (a reference).
    """
    if runs.empty:
        return empty(f"{title}: no rows in this experiment", height)
    fig = _figure()
    scenarios = list(dict.fromkeys(order or [])) + sorted(set(runs["scenario"]) - set(order or []))
    colors = scenario_colors(scenarios)
    shapes = []
    if target_range is not None:
        shapes.append({"type": "rect", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": target_range[0],
                       "y1": target_range[1], "fillcolor": "#2ca02c", "opacity": 0.08, "line": {"width": 0}})
        fig.add_annotation(text="normal range", showarrow=False, xref="paper", yref="y", x=0, xanchor="left",
                           y=target_range[1], yanchor="bottom", font={"size": 11, "color": "#2ca02c"})
    for scenario in [s for s in scenarios if s in set(runs["scenario"])]:
        mine = runs[runs["scenario"] == scenario]
        stats = mine.groupby("year")["value"].agg(["mean", "min", "max", "count"]).sort_index()
        color = colors[scenario]
        if stats["count"].max() > 1:
            _band(fig, stats.index, stats["min"], stats["max"], color, f"{scenario} range", scenario)
        fig.add_trace(go.Scatter(x=stats.index, y=stats["mean"], mode="lines+markers", name=scenario,
                                 legendgroup=scenario, line={"color": color, "width": 2.5,
                                                             "dash": "dash" if scenario in dashed else "solid"},
                                 marker={"size": 5}))
    if target is not None:
        last = max(int(runs["year"].max()), target[0])
        fig.add_trace(go.Scatter(x=[target[0], last], y=[target[1], target[1]], mode="lines+markers",
                                 name=f"plan target ({target[1]:g} by {target[0]})",
                                 line={"color": "#d62728", "dash": "dot", "width": 2}, marker={"symbol": "star"}))
    first, last = int(runs["year"].min()), int(runs["year"].max())
    for year in milestones:
        if first <= year <= last:
            shapes.append(_vline(year))
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return _layout(_years(fig), title, y_title, height, shapes)


def differences(diff: pd.DataFrame, title: str, y_title: str = "", order=None, percent: bool = False,
                clip: bool = False) -> go.Figure:
    """Scenario − baseline per year: mean over paired seeds with its 90 % interval.

    ``diff``: DataFrame[scenario, year, seeds, mean, low90, high90] (experiments.compare).
    ``clip``: fit the y axis to the means, cutting intervals that run far beyond them (a ratio's
    delta-method interval explodes where its denominator is near 0).
    """
    if diff.empty:
        return empty("no scenario shares a seed with the baseline: nothing to compare")
    fig = _figure()
    scenarios = list(dict.fromkeys(order or [])) + sorted(set(diff["scenario"]) - set(order or []))
    colors = scenario_colors(scenarios)
    for scenario in [s for s in scenarios if s in set(diff["scenario"])]:
        mine = diff[diff["scenario"] == scenario].sort_values("year")
        color = colors[scenario]
        if mine["low90"].notna().any():
            _band(fig, mine["year"], mine["low90"], mine["high90"], color, f"{scenario} 90% interval", scenario)
        fig.add_trace(go.Scatter(x=mine["year"], y=mine["mean"], mode="lines+markers", name=scenario,
                                 legendgroup=scenario, line={"color": color, "width": 2.5}, marker={"size": 5}))
    if percent:
        fig.update_yaxes(tickformat=".1%")
    means = diff["mean"].dropna()
    if clip and not means.empty:
        low, high = min(0.0, float(means.min())), max(0.0, float(means.max()))
        pad = 0.5 * (high - low) or 1.0
        if (diff["low90"] < low - pad).any() or (diff["high90"] > high + pad).any():
            fig.update_yaxes(range=[low - pad, high + pad])
            fig.add_annotation(text="some intervals run beyond the frame", showarrow=False, xref="paper",
                               yref="paper", x=1, y=1.08, xanchor="right", font={"size": 11, "color": "#666"})
    return _layout(_years(fig), title, y_title, shapes=[_hline(0)])


def paired_lines(paired: pd.DataFrame, indicator: str, title: str, y_title: str, order=None) -> go.Figure:
    """A paired indicator of ``experiments.compare.paired_results`` (e.g. cost per additional
    birth) per scenario and year: the mean over seeds with its 90 % interval."""
    summary = paired[paired["seed"].isna() & (paired["indicator"] == indicator)]
    if summary.empty:
        return empty(f"{title}: no paired results")
    wide = summary.pivot(index=["scenario", "year"], columns="group", values="value")
    wide = wide.rename(columns=lambda group: group.removeprefix("stat=")).reset_index()
    wide["seeds"] = 0
    if wide["mean"].isna().all():
        return empty(f"{title}: not defined (no scenario added births)")
    return differences(wide[["scenario", "year", "seeds", "mean", "low90", "high90"]], title, y_title, order, clip=True)


def pyramid(population: pd.DataFrame, year: int, scenario_a: str, scenario_b: str | None) -> go.Figure:
    """Age-sex pyramid at year end: ``scenario_a`` as bars, ``scenario_b`` as an outline.

    ``population``: rows of indicator ``population`` with groups ``age=..,sex=..``
    (DataFrame[scenario, seed, year, group, value]); means over seeds.
    """
    rows = population[(population["year"] == year) & population["group"].str.startswith("age=")]
    if rows.empty:
        return empty(f"no population pyramid rows for {year}", 520)
    parts = rows["group"].str.extract(r"age=(?P<age>[^,]+),sex=(?P<sex>\w+)")
    rows = rows.assign(age=parts["age"], sex=parts["sex"])
    ages = sorted(set(rows["age"]), key=lambda a: int(a.split("-")[0].rstrip("+")))
    fig = _figure()
    sexes = (("male", -1, "men", "#4c78a8"), ("female", 1, "women", "#e45756"))
    for scenario, outline in ((scenario_a, False), (scenario_b, True)):
        if scenario is None or (outline and scenario == scenario_a):
            continue
        mine = rows[rows["scenario"] == scenario].groupby(["sex", "age"])["value"].mean()
        if mine.empty:
            continue
        for sex, sign, word, color in sexes:
            values = [sign * float(mine.get((sex, age), 0.0)) for age in ages]
            name = f"{scenario} · {word}"
            marker = ({"color": "rgba(0,0,0,0)", "line": {"color": "#111", "width": 1.6}} if outline
                      else {"color": color, "line": {"width": 0}})
            fig.add_trace(go.Bar(x=values, y=ages, orientation="h", name=name, marker=marker,
                                 customdata=[abs(v) for v in values],
                                 hovertemplate="%{y}: %{customdata:,.0f}<extra>" + name + "</extra>"))
    top = max((abs(x) for trace in fig.data for x in trace.x), default=1.0)
    step = _nice_step(top / 3)
    ticks = [k * step for k in range(-int(top // step), int(top // step) + 1)]
    fig.update_layout(barmode="overlay", bargap=0.08, hovermode="y unified")
    fig.update_xaxes(range=[-top * 1.05, top * 1.05], title_text="men ← residents → women", tickvals=ticks,
                     ticktext=[_short(abs(t)) for t in ticks])
    title = f"Population by age and sex, end of {year}"
    return _layout(fig, title, "age", height=560)


def dependency(population: pd.DataFrame, old_age: pd.DataFrame, order=None) -> go.Figure:
    """Dependency ratios per scenario (means over seeds): old-age (the stored indicator, 65+
    per 100 aged 15-64), youth (0-14 per 100 aged 15-64, from the pyramid rows) and total.

    ``population``: pyramid rows as in ``pyramid``; ``old_age``: DataFrame[scenario, seed, year, value].
    """
    if old_age.empty:
        return empty("no dependency ratio rows")
    rows = population[population["group"].str.startswith("age=")]
    lower = rows["group"].str.extract(r"age=(\d+)")[0].astype(int)
    young = rows[lower < 15].groupby(["scenario", "seed", "year"])["value"].sum()
    working = rows[(lower >= 15) & (lower < 65)].groupby(["scenario", "seed", "year"])["value"].sum()
    youth = (100.0 * young / working).rename("value").reset_index()
    old = old_age.set_index(["scenario", "seed", "year"])["value"]
    total = (youth.set_index(["scenario", "seed", "year"])["value"] + old).dropna().rename("value").reset_index()
    scenarios = list(dict.fromkeys(order or [])) + sorted(set(old_age["scenario"]) - set(order or []))
    colors = scenario_colors(scenarios)
    fig = _figure()
    for frame, kind, dash in ((old_age, "old-age", "solid"), (youth, "youth", "dot"), (total, "total", "dash")):
        means = frame.groupby(["scenario", "year"])["value"].mean().reset_index()
        for scenario in [s for s in scenarios if s in set(means["scenario"])]:
            mine = means[means["scenario"] == scenario]
            fig.add_trace(go.Scatter(x=mine["year"], y=mine["value"], mode="lines+markers",
                                     name=f"{scenario} · {kind}", marker={"size": 4},
                                     line={"color": colors[scenario], "dash": dash, "width": 2}))
    return _layout(_years(fig), "Dependency ratios", "per 100 aged 15-64", height=400)


def districts(nursery: pd.DataFrame, year: int, scenario: str) -> go.Figure:
    """Nursery places against demand (enrolled + waitlisted) and the waitlist, per district,
    for one scenario and year (means over seeds and over the year's months).

    ``nursery``: rows of nursery_places / nursery_enrolled / nursery_waitlist with groups
    ``district=...`` (export columns)."""
    rows = nursery[(nursery["year"] == year) & (nursery["scenario"] == scenario)
                   & nursery["group"].str.startswith("district=")]
    if rows.empty:
        return empty(f"no district nursery rows for {scenario} in {year}", 460)
    means = (rows.assign(district=rows["group"].str.removeprefix("district="))
             .groupby(["indicator", "district"], sort=False)["value"].mean().unstack("indicator").fillna(0.0))
    for column in ("nursery_places", "nursery_enrolled", "nursery_waitlist"):
        if column not in means:
            means[column] = 0.0
    demand = means["nursery_enrolled"] + means["nursery_waitlist"]
    means = means.assign(demand=demand).sort_values("demand", ascending=False)
    fig = _figure()
    fig.add_trace(go.Bar(x=means.index, y=means["nursery_places"], name="places", marker_color="#1f77b4"))
    fig.add_trace(go.Bar(x=means.index, y=means["demand"], name="demand (enrolled + waitlist)",
                         marker_color="#ff7f0e"))
    fig.add_trace(go.Scatter(x=means.index, y=means["nursery_waitlist"], name="waitlist", mode="markers",
                             marker={"color": "#d62728", "size": 10, "symbol": "diamond"}))
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickangle=-35)
    return _layout(fig, f"Nursery places and demand by district, {year} ({scenario})", "children (monthly average)",
                   height=460)


def care_modes(modes: pd.DataFrame, scenario: str) -> go.Figure:
    """Shares of under-3s by care mode over time (stacked; means over seeds).

    ``modes``: rows of indicator ``childcare_mode`` with groups ``mode=...``."""
    rows = modes[(modes["scenario"] == scenario) & modes["group"].str.startswith("mode=")]
    if rows.empty:
        return empty(f"no care-mode rows for {scenario}", 380)
    means = (rows.assign(mode=rows["group"].str.removeprefix("mode="))
             .groupby(["mode", "year"])["value"].mean().reset_index())
    colors = {"mother": "#9467bd", "grandparent": "#8c564b", "nursery": "#1f77b4", "nanny": "#e377c2"}
    fig = _figure()
    for mode in ("mother", "grandparent", "nursery", "nanny"):
        mine = means[means["mode"] == mode]
        if not mine.empty:
            fig.add_trace(go.Scatter(x=mine["year"], y=mine["value"], name=mode, stackgroup="modes", mode="lines",
                                     line={"width": 0.5, "color": colors[mode]}))
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return _layout(_years(fig), f"Who cares for children under 3 ({scenario})", "share of under-3s", height=380)


def fiscal_by_lever(fiscal: pd.DataFrame, scenario: str) -> go.Figure:
    """Fiscal cost by lever over time, stacked (means over seeds), yuan per year.

    ``fiscal``: rows of indicator ``fiscal_cost`` (the total has group "", levers ``lever=...``)."""
    rows = fiscal[(fiscal["scenario"] == scenario) & fiscal["group"].str.startswith("lever=")]
    if rows.empty:
        return empty(f"no fiscal cost rows for {scenario}", 400)
    means = (rows.assign(lever=rows["group"].str.removeprefix("lever="))
             .groupby(["lever", "year"])["value"].mean().reset_index())
    order = means.groupby("lever")["value"].sum().sort_values(ascending=False).index
    fig = _figure()
    for k, lever in enumerate(order):
        mine = means[means["lever"] == lever]
        fig.add_trace(go.Scatter(x=mine["year"], y=mine["value"] / 1e9, name=lever, stackgroup="levers",
                                 mode="lines", line={"width": 0.5, "color": PALETTE[k % len(PALETTE)]},
                                 hovertemplate="%{y:,.2f} bn yuan<extra>" + lever + "</extra>"))
    return _layout(_years(fig), f"Fiscal cost by lever ({scenario})", "billion yuan per year", height=400)


def comparison_records(table: pd.DataFrame) -> list[dict]:
    """``experiments.compare.comparison_table`` rows as text cells for a DataTable."""
    records = []
    for row in table.itertuples(index=False):
        records.append({
            "scenario": row.scenario, "year": int(row.year), "seeds": int(row.seeds),
            "additional_births": _estimate(row.additional_births_mean, row.additional_births_low90,
                                           row.additional_births_high90),
            "additional_fiscal_cost": _estimate(row.additional_fiscal_cost_mean, row.additional_fiscal_cost_low90,
                                                row.additional_fiscal_cost_high90, scale=1e6, suffix=" m"),
            "cost_per_additional_birth": _estimate(row.cost_per_additional_birth_mean,
                                                   row.cost_per_additional_birth_low90,
                                                   row.cost_per_additional_birth_high90),
        })
    return records


def _nice_step(x: float) -> float:
    """The nice number (1, 2 or 5 × 10^k) at or just below ``x``."""
    if x <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(x))
    return max(m * power for m in (1, 2, 5) if m * power <= x)


def _short(x: float) -> str:
    """1200 -> '1.2k', 3000000 -> '3m'."""
    for size, suffix in ((1e6, "m"), (1e3, "k")):
        if x >= size:
            return f"{x / size:,.{0 if x % size == 0 else 1}f}{suffix}"
    return f"{x:,.0f}"


def _estimate(mean: float, low: float, high: float, scale: float = 1.0, suffix: str = "") -> str:
    """``mean [low, high]`` as text; n/a for a missing value or interval."""
    if mean is None or math.isnan(mean):
        return "n/a"
    text = f"{mean / scale:,.0f}{suffix}"
    if low is None or high is None or math.isnan(low) or math.isnan(high):
        return text + " [n/a]"
    return f"{text} [{low / scale:,.0f}, {high / scale:,.0f}]"
