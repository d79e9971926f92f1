"""Plots of wafersim results, each one function that returns a matplotlib
Figure and, given a path, saves it as PNG.

=============================  ==============================================
``plot_monthly_output``        wafers out per month and product, 95% band
``plot_cycle_time``            cycle-time distribution per product
                               (histogram and ECDF, from the lot records)
``plot_utilisation``           heat map of utilisation, tool group x month
``plot_operating_curve``       x-factor or cycle time against throughput (or
                               a swept parameter) over the scenarios of a sweep
``plot_disruption``            baseline vs disrupted monthly output, lost
                               wafers and the month of recovery
=============================  ==============================================

Figures are made with :class:`matplotlib.figure.Figure` directly, not
through pyplot, so nothing here picks a GUI backend or keeps figures alive;
PNGs are rendered by Agg.  In a notebook a returned figure shows itself
once the inline backend is on (``%matplotlib inline``).  The pixel size of
a saved PNG is :func:`figure_size_px`.

Bands and error bars are 95% Student-t confidence intervals of the mean
over replications (see :mod:`wafersim_analysis.stats`).
"""

import functools
import math

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .stats import (_interval_along, disruption_metrics,
                    replication_metrics, swept_coordinates)

__all__ = [
    "DPI",
    "figure_size_px",
    "plot_monthly_output",
    "plot_cycle_time",
    "plot_utilisation",
    "plot_operating_curve",
    "plot_disruption",
]

#: Resolution of saved PNGs, dots per inch.
DPI = 110

_BASE_SIZES = {                         # inches at DPI
    "monthly_output": (10.0, 5.2),
    "cycle_time": (11.0, 4.8),
    "operating_curve": (9.0, 5.6),
    "disruption": (10.0, 7.2),
}

_STYLE = {
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.7,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 10,
    "axes.titlelocation": "left",
    "axes.titlecolor": "#555555",
    "axes.labelsize": 10,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "legend.fontsize": 9,
    "legend.frameon": False,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "font.family": "DejaVu Sans",
}

_PRODUCT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
                    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728"]
_BASELINE_COLOUR = "#1f77b4"
_DISRUPTED_COLOUR = "#d62728"
_WARMUP_COLOUR = "#efefef"


def _utilisation_size(ngroups, nmonths):
    """Figure size in inches of the heat map: it grows with groups and months."""
    width = max(10.0, 2.8 + 0.55 * nmonths)
    height = min(40.0, max(3.6, 1.9 + 0.36 * ngroups))
    return width, height


def figure_size_px(kind, ds=None):
    """(width, height) in pixels of the PNG a plot function saves.

    ``kind`` is one of ``monthly_output``, ``cycle_time``, ``utilisation``,
    ``operating_curve`` and ``disruption``; the utilisation heat map grows
    with the number of tool groups and months, so it needs ``ds``.
    """
    if kind == "utilisation":
        inches = _utilisation_size(ds.sizes["tool_group"], ds.sizes["month"])
    else:
        inches = _BASE_SIZES[kind]
    return tuple(int(round(v * DPI)) for v in inches)


def _new_figure(size, rows=1, cols=1, **kwargs):
    """A Figure (not managed by pyplot) with constrained layout and its axes."""
    with matplotlib.rc_context(_STYLE):
        fig = Figure(figsize=size, dpi=DPI, layout="constrained")
        axes = fig.subplots(rows, cols, squeeze=False, **kwargs)
    return fig, axes


def _finish(fig, path):
    """Saves fig as PNG when path is given; returns fig."""
    if path is not None:
        with matplotlib.rc_context(_STYLE):
            fig.savefig(path, dpi=DPI, format="png")
    return fig


def _styled(function):
    """Runs a plot function under the package's matplotlib style, leaving
    the caller's rcParams as they were."""
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(_STYLE):
            return function(*args, **kwargs)
    return wrapper


def _product_colour(ds, product):
    """The colour of a product, the same in every plot of a file."""
    names = [str(p) for p in ds["product"].values]
    return _PRODUCT_COLOURS[names.index(str(product)) % len(_PRODUCT_COLOURS)]


def _scenario_label(ds, scenario):
    """'name' for a run, 'name, scenario k: param = value' in a sweep."""
    name = ds.attrs.get("scenario_name", "wafersim run")
    if ds.sizes.get("scenario", 1) <= 1:
        return str(name)
    parts = [f"{c} = {_fmt_number(ds[c].values[scenario])}"
             for c in swept_coordinates(ds)]
    label = f"{name}, scenario {int(ds['scenario'].values[scenario])}"
    return label + (": " + ", ".join(parts) if parts else "")


def _fmt_number(value):
    """A coordinate value for labels: integers with separators, else 3 digits."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "n/a"
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.3g}" if abs(v) < 100 else f"{v:,.0f}"


# ----------------------------------------------------------------------------
# Month axes


def _month_edges(ds):
    """Start and end of every month bucket as matplotlib date numbers."""
    start = mdates.date2num(ds["month"].values)
    return start, start + ds["month_days"].values


def _partial_months(ds):
    """Boolean per month: the bucket is shorter than its calendar month."""
    flags = []
    for start, days in zip(pd.to_datetime(ds["month"].values), ds["month_days"].values):
        full = (start + pd.DateOffset(months=1) - start).days
        flags.append(days < full - 1e-9)
    return np.array(flags, dtype=bool)


def _month_axis(ax, ds):
    """Ticks at the middle of each month bucket, labelled 'Mar' (and the year
    under the first month and every January); thinned on long horizons."""
    start, end = _month_edges(ds)
    middle = (start + end) / 2.0
    months = pd.to_datetime(ds["month"].values)
    step = max(1, math.ceil(len(months) / 24))
    ticks, labels = [], []
    for i, (x, m) in enumerate(zip(middle, months)):
        if i % step:
            continue
        label = m.strftime("%b")
        if not ticks or m.month <= step:
            label += "\n" + m.strftime("%Y")
        ticks.append(x)
        labels.append(label)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    ax.set_xlim(start[0], end[-1])
    ax.grid(axis="x", visible=False)
    return middle


def _shade_warmup(ax, ds):
    """Grey band over the warm-up months; returns a legend handle or None."""
    warm = np.asarray(ds["warmup"].values, dtype=bool) if "warmup" in ds.coords else None
    if warm is None or not warm.any():
        return None
    start, end = _month_edges(ds)
    last = np.nonzero(warm)[0][-1]
    ax.axvspan(start[0], end[last], color=_WARMUP_COLOUR, zorder=0, lw=0)
    return Patch(facecolor=_WARMUP_COLOUR, edgecolor="#cccccc",
                 label="warm-up (left out of the summary)")


def _month_axis_label(ds):
    """Label of a month axis, naming the start date."""
    return f"month (from start date {ds.attrs.get('start_date', '')})".replace(
        " (from start date )", "")


# ----------------------------------------------------------------------------
# 1. Monthly output


@_styled
def plot_monthly_output(ds, path=None, scenario=0, products=None,
                        show_starts=True, level=0.95):
    """Wafers out per month and product, mean over replications with a
    confidence band.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`wafersim_analysis.load`.
    path : str or None
        Save the figure as PNG here.
    scenario : int
        Position along ``scenario`` (a sweep has several).
    products : list of str or None
        Products to show (default: all).
    show_starts : bool
        Also draw each product's mean wafer starts (dashed).
    level : float
        Confidence level of the band (default 95%).

    Partial months (the first and last bucket when the horizon does not
    fall on month boundaries) have hollow markers: their output is lower
    because they are shorter.  Warm-up months are shaded.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, axes = _new_figure(_BASE_SIZES["monthly_output"])
    ax = axes[0, 0]
    one = ds.isel(scenario=scenario)
    products = [str(p) for p in one["product"].values] if products is None else products
    handles = []
    warm = _shade_warmup(ax, one)
    x = _month_axis(ax, one)
    partial = _partial_months(one)
    nrep = int(one["wafers_out"].count("replication").max())
    for product in products:
        colour = _product_colour(ds, product)
        out = _interval_along(one["wafers_out"].sel(product=product), "replication", level)
        ax.fill_between(x, out["low"].values, out["high"].values, color=colour,
                        alpha=0.22, lw=0)
        ax.plot(x, out["mean"].values, color=colour, lw=2, zorder=3)
        ax.scatter(x[~partial], out["mean"].values[~partial], color=colour, s=22, zorder=4)
        ax.scatter(x[partial], out["mean"].values[partial], facecolor="white",
                   edgecolor=colour, s=26, zorder=4, lw=1.5)
        handles.append(Line2D([], [], color=colour, lw=2, marker="o", ms=5,
                              label=f"{product} output"))
        if show_starts:
            starts = one["wafer_starts"].sel(product=product).mean("replication")
            ax.plot(x, starts.values, color=colour, lw=1, ls="--", alpha=0.8, zorder=2)
            handles.append(Line2D([], [], color=colour, lw=1, ls="--",
                                  label=f"{product} starts"))
    handles.append(Patch(facecolor="#999999", alpha=0.3,
                         label=f"{level:.0%} confidence band ({nrep} replications)"))
    if partial.any():
        handles.append(Line2D([], [], color="#555555", marker="o", ls="",
                              markerfacecolor="white", label="partial month"))
    if warm is not None:
        handles.append(warm)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylabel("wafers per month (wafer)")
    ax.set_xlabel(_month_axis_label(one))
    # Under the axes, where it hides no data; constrained layout makes room.
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.16),
              ncol=min(4, len(handles)))
    fig.suptitle("Monthly wafer output")
    ax.set_title(_scenario_label(ds, scenario) +
                 f" - mean of {nrep} replications per calendar month")
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# 2. Cycle-time distribution


def _steady_start_day(ds):
    """Day (since start_date) of the first month after the warm-up; inf
    when every month is a warm-up month."""
    warm = np.asarray(ds["warmup"].values, dtype=bool)
    if warm.all():
        return math.inf
    first = pd.Timestamp(ds["month"].values[int(np.argmin(warm))])
    day0 = pd.Timestamp(ds.attrs.get("start_date", ds["month"].values[0]))
    return (first - day0) / pd.Timedelta(days=1)


def _steady_lots(ds, lots, scenario):
    """Lots of one scenario finished in the months after the warm-up."""
    if lots is None or len(lots) == 0:
        raise ValueError("the file has no lot records (the run did not record lots)")
    sid = int(ds["scenario"].values[scenario])
    frame = lots[(lots["scenario"] == sid) & lots["cycle_time_days"].notna()]
    return frame[frame["finish_time_days"] >= _steady_start_day(ds)]


@_styled
def plot_cycle_time(ds, lots, path=None, scenario=0, products=None, bins=40):
    """Cycle-time distribution per product: histogram and ECDF of the lots
    finished after the warm-up, all replications pooled.

    Parameters
    ----------
    ds : xarray.Dataset
        From :func:`wafersim_analysis.load` (for the warm-up, the product
        order and the raw process times).
    lots : pandas.DataFrame
        From :func:`wafersim_analysis.lots` of the same file.
    path : str or None
        Save the figure as PNG here.
    scenario : int
        Position along ``scenario``.
    products : list of str or None
        Products to show (default: all).
    bins : int
        Histogram bins (shared by the products).

    The dotted vertical lines are the raw process times (no waiting), so
    the distance to them is the x-factor at a glance.  Raises ValueError
    when the file holds no lot records.

    Returns
    -------
    matplotlib.figure.Figure
    """
    frame = _steady_lots(ds, lots, scenario)
    products = [str(p) for p in ds["product"].values] if products is None else products
    frame = frame[frame["product"].isin(products)]
    if frame.empty:
        raise ValueError("no lot finished after the warm-up")
    fig, axes = _new_figure(_BASE_SIZES["cycle_time"], 1, 2)
    hist_ax, ecdf_ax = axes[0]
    edges = np.histogram_bin_edges(frame["cycle_time_days"].values, bins=bins)
    raw = ds["raw_process_time_days"]
    if "scenario" in raw.dims:
        raw = raw.isel(scenario=scenario)
    for product in products:
        ct = np.sort(frame.loc[frame["product"] == product, "cycle_time_days"].values)
        if ct.size == 0:
            continue
        colour = _product_colour(ds, product)
        weights = np.full(ct.size, 100.0 / ct.size)
        p50, p90 = np.percentile(ct, [50, 90])
        label = (f"{product}: mean {ct.mean():.2f} d\n"
                 f"median {p50:.2f} d, 90% within {p90:.2f} d\n{ct.size:,} lots")
        hist_ax.hist(ct, bins=edges, weights=weights, color=colour, alpha=0.35,
                     histtype="stepfilled", lw=0)
        hist_ax.hist(ct, bins=edges, weights=weights, color=colour,
                     histtype="step", lw=1.5, label=label)
        ecdf_ax.step(ct, np.arange(1, ct.size + 1) * 100.0 / ct.size, where="post",
                     color=colour, lw=2)
        ecdf_ax.plot([p90], [90], marker="o", color=colour, ms=5)
        rpt = float(raw.sel(product=product))
        for ax in (hist_ax, ecdf_ax):
            ax.axvline(rpt, color=colour, ls=":", lw=1.3)
    ecdf_ax.plot([], [], color="#555555", ls=":", label="raw process time\n(no waiting)")
    ecdf_ax.plot([], [], color="#555555", marker="o", ls="", ms=5,
                 label="90% of lots\nfinish within")
    ecdf_ax.axhline(90, color="#999999", lw=0.8, ls="--")
    hist_ax.set_xlabel("cycle time (days)")
    hist_ax.set_ylabel("share of lots per bin (%)")
    ecdf_ax.set_xlabel("cycle time (days)")
    ecdf_ax.set_ylabel("lots finished within (%)")
    ecdf_ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ecdf_ax.set_ylim(0, 101)
    ecdf_ax.set_title("Cumulative distribution (ECDF)")
    hist_ax.legend(loc="upper right", fontsize=8, labelspacing=0.9)
    ecdf_ax.legend(loc="lower right", fontsize=8)
    hist_ax.set_xlim(left=0)
    ecdf_ax.set_xlim(left=0)
    nrep = frame["replication"].nunique()
    fig.suptitle(f"Cycle time per lot - {_scenario_label(ds, scenario)}")
    hist_ax.set_title(f"Histogram of the lots finished after the warm-up "
                      f"({nrep} replications pooled)")
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# 3. Utilisation heat map


@_styled
def plot_utilisation(ds, path=None, scenario=0, annotate=None):
    """Heat map of utilisation (busy tool time / available tool time), tool
    group x month, mean over replications.

    Tool groups are sorted by their mean utilisation after the warm-up, the
    bottleneck on top; the number of tools is in each row label and the
    after-warm-up mean at the right end of each row.

    Parameters
    ----------
    ds : xarray.Dataset
    path : str or None
        Save the figure as PNG here.
    scenario : int
        Position along ``scenario``.
    annotate : bool or None
        Write the percentage in each cell (default: when there are at most
        600 cells).

    Returns
    -------
    matplotlib.figure.Figure
    """
    one = ds.isel(scenario=scenario)
    util = one["utilisation"].mean("replication")              # month x group
    warm = np.asarray(one["warmup"].values, dtype=bool)
    steady = util.where(~one["warmup"]).mean("month")
    order = np.argsort(-np.nan_to_num(steady.values, nan=-1.0), kind="stable")
    groups = [str(one["tool_group"].values[i]) for i in order]
    data = util.transpose("tool_group", "month").values[order] * 100.0
    tools = one["tools"]
    if "scenario" in tools.dims:
        tools = tools.isel(scenario=scenario)
    nmonths = one.sizes["month"]
    fig, axes = _new_figure(_utilisation_size(len(groups), nmonths))
    ax = axes[0, 0]
    # The scale starts at the lowest tens below the data (at most 50%), so
    # that the busy groups, which matter, get most of the colours.
    lowest = np.nanmin(data) if np.isfinite(data).any() else 0.0
    vmin = max(0.0, min(50.0, 10.0 * math.floor(lowest / 10.0)))
    image = ax.imshow(data, aspect="auto", cmap="YlOrRd", vmin=vmin, vmax=100,
                      interpolation="nearest")
    if annotate is None:
        annotate = data.size <= 600
    if annotate:
        for (row, col), value in np.ndenumerate(data):
            if np.isfinite(value):
                ax.text(col, row, f"{value:.0f}", ha="center", va="center",
                        fontsize=8,
                        color="white" if value > vmin + 0.6 * (100 - vmin) else "#333333")
    months = pd.to_datetime(one["month"].values)
    step = max(1, math.ceil(nmonths / 24))
    ticks = list(range(0, nmonths, step))
    labels = []
    for k, i in enumerate(ticks):
        label = months[i].strftime("%b")
        if k == 0 or months[i].month <= step:
            label += "\n" + months[i].strftime("%Y")
        labels.append(label)
    ax.set_xticks(ticks)
    ax.set_xticklabels(labels)
    for tick, i in zip(ax.get_xticklabels(), ticks):
        if warm[i]:
            tick.set_color("#999999")
            tick.set_fontstyle("italic")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([f"{g} ({int(tools.sel(tool_group=g))})" for g in groups])
    ax.grid(False)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    if warm.any():
        last = int(np.nonzero(warm)[0][-1])
        ax.axvline(last + 0.5, color="black", lw=1.5)
    ax.set_xlabel(_month_axis_label(one) +
                  ("; grey months, left of the line: warm-up" if warm.any() else ""))
    ax.set_ylabel("tool group (tools)")
    right = ax.secondary_yaxis("right")
    right.set_yticks(range(len(groups)))
    right.set_yticklabels([f"{v * 100:.1f}%" for v in steady.values[order]])
    right.set_ylabel("mean after warm-up")
    right.tick_params(length=0)
    colourbar = fig.colorbar(image, ax=ax, pad=0.01, fraction=0.04,
                             extend="min" if vmin > 0 else "neither")
    colourbar.set_label("utilisation (% of tool time busy)")
    colourbar.ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    nrep = int(one["utilisation"].count("replication").max())
    fig.suptitle("Tool utilisation by month")
    ax.set_title(f"{_scenario_label(ds, scenario)} - mean of {nrep} replications, "
                 "busiest group first")
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# 4. Operating curve


_Y_METRICS = {
    "x_factor": ("x-factor (cycle time / raw process time)", "x-factor"),
    "cycle_time_days": ("cycle time (days)", "cycle time"),
}


def _default_sweep_axis(ds):
    """The swept parameter of a one-parameter sweep, the first parameter of
    a grid (its values repeat, once per combination of the others), else
    the throughput: with no parameter, or several that move together (zip
    and Latin hypercube designs), no single one makes a good x axis."""
    names = swept_coordinates(ds)
    if len(names) == 1:
        return names[0]
    if names:
        first = [str(v) for v in ds[names[0]].values]
        if len(set(first)) < len(first):
            return names[0]
    return "throughput"


def _sweep_axis(ds, coord):
    """(name, values, label, tick labels) of the x axis of an operating
    curve; values are None for the throughput, and positions 0..k-1 with
    tick labels for a parameter whose values are not numbers."""
    if coord is None:
        coord = _default_sweep_axis(ds)
    if coord == "throughput":
        return coord, None, "fab output, all products (wafers per month)", None
    if coord not in ds.coords or ds[coord].dims != ("scenario",):
        raise ValueError(f"{coord!r} is not a coordinate along scenario")
    units = ds[coord].attrs.get("units")
    label = coord + (f" ({units})" if units and units not in ("1", "") else "")
    raw = ds[coord].values
    try:
        return coord, np.asarray(raw, dtype=float), label, None
    except (TypeError, ValueError):
        categories = sorted({str(v) for v in raw})
        positions = np.array([categories.index(str(v)) for v in raw], dtype=float)
        return coord, positions, label, categories


def _curve_groups(ds, coord, xvalues):
    """Scenarios of each line of an operating curve: one line per
    combination of the other swept parameters when the x values repeat
    (a grid sweep), else one line (a sweep of one parameter, or a zip
    sweep whose parameters move together).  Returns [(label, indices)]."""
    swept = swept_coordinates(ds)
    others = [c for c in swept if c != coord] if coord != "throughput" else swept[1:]
    n = ds.sizes["scenario"]
    if not others or len(set(np.round(xvalues, 12))) == n:
        return [("", np.arange(n))]
    keys = [tuple(ds[c].values[i] for c in others) for i in range(n)]
    if len(set(keys)) == n:
        return [("", np.arange(n))]
    groups = []
    for key in dict.fromkeys(keys):
        label = ", ".join(f"{c} = {_fmt_number(v)}" for c, v in zip(others, key))
        groups.append((label, np.array([i for i in range(n) if keys[i] == key])))
    return groups


_LINE_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]


@_styled
def plot_operating_curve(ds, path=None, coord=None, y="x_factor", products=None,
                         level=0.95):
    """Operating curve of a sweep: x-factor (or cycle time) per product
    against throughput or the swept parameter, one point per scenario.

    Parameters
    ----------
    ds : xarray.Dataset
        A sweep (``scenario`` longer than 1): a ``wafersim sweep`` file, or
        runs put together with :func:`wafersim_analysis.runs.combine`.
    path : str or None
        Save the figure as PNG here.
    coord : str or None
        The x axis: the name of a coordinate along ``scenario`` (a swept
        parameter such as ``products.A.wafers_per_month``), or
        ``"throughput"`` for the measured fab output (all products, wafers
        per month after the warm-up, with horizontal error bars).  Default:
        the swept parameter of a one-parameter sweep, the first parameter
        of a grid sweep, else (no parameter, or several that move together
        as in zip and Latin hypercube designs) the throughput.
    y : str
        ``"x_factor"`` (default) or ``"cycle_time_days"``.
    products : list of str or None
        Products to show (default: all).
    level : float
        Confidence level of the bands (default 95%).

    In a grid sweep, where the x values repeat, each combination of the
    other swept parameters gets its own line style.  Raises ValueError when
    ``ds`` has fewer than two scenarios.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if ds.sizes.get("scenario", 1) < 2:
        raise ValueError("an operating curve needs a sweep: this file has one scenario")
    if y not in _Y_METRICS:
        raise ValueError(f"y must be one of {', '.join(_Y_METRICS)}")
    coord, xvalues, xlabel, categories = _sweep_axis(ds, coord)
    per_rep = replication_metrics(ds)
    products = [str(p) for p in ds["product"].values] if products is None else products
    total = per_rep["wafers_per_month"].sum("product", min_count=1)
    throughput = _interval_along(total, "replication", level)
    xerr = None
    if xvalues is None:
        xvalues = throughput["mean"].values
        xerr = throughput["half_width"].values
    groups = _curve_groups(ds, coord, xvalues)
    fig, axes = _new_figure(_BASE_SIZES["operating_curve"])
    ax = axes[0, 0]
    raw = ds["raw_process_time_days"]
    lowest = 1.0 if y == "x_factor" else float(raw.min())
    for product in products:
        colour = _product_colour(ds, product)
        ci = _interval_along(per_rep[y].sel(product=product), "replication", level)
        for k, (label, members) in enumerate(groups):
            order = members[np.argsort(xvalues[members], kind="stable")]
            mean, low, high = (ci[v].values[order] for v in ("mean", "low", "high"))
            xs = xvalues[order]
            style, marker = _LINE_STYLES[k % len(_LINE_STYLES)]
            ax.fill_between(xs, low, high, color=colour,
                            alpha=0.22 if len(groups) == 1 else 0.12, lw=0)
            ax.errorbar(xs, mean, xerr=None if xerr is None else xerr[order],
                        color=colour, lw=2, ls=style, marker=marker, ms=5, capsize=3,
                        label=product if k == 0 else None)
            if np.isfinite(low).any():
                lowest = min(lowest, float(np.nanmin(low)))
        rpt = raw.sel(product=product)
        if y == "cycle_time_days" and float(rpt.max()) == float(rpt.min()):
            ax.axhline(float(rpt.max()), color=colour, ls=":", lw=1.2)
    for k, (label, _) in enumerate(groups):
        if label:
            style, marker = _LINE_STYLES[k % len(_LINE_STYLES)]
            ax.plot([], [], color="#555555", ls=style, marker=marker, ms=5, label=label)
    if y == "x_factor":
        ax.axhline(1.0, color="#555555", ls=":", lw=1.2)
        ax.plot([], [], color="#555555", ls=":", label="x-factor 1: no waiting")
    else:
        ax.plot([], [], color="#555555", ls=":", label="raw process time (no waiting)")
    ax.plot([], [], color="#999999", lw=6, alpha=0.4, label=f"{level:.0%} confidence band")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_Y_METRICS[y][0])
    if categories is not None:
        ax.set_xticks(range(len(categories)))
        ax.set_xticklabels(categories)
    else:
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"
                                                   if abs(v) >= 100 else f"{v:g}"))
    # x-factors start at 1 (no waiting) and cycle times at the raw process
    # time, so the axis starts just below that rather than at 0.
    top = ax.get_ylim()[1]
    ax.set_ylim(max(0.0, lowest - 0.08 * (top - lowest)), top)
    ax.legend(loc="upper left")
    nrep = int(per_rep[y].count("replication").max())
    fig.suptitle(f"Operating curve: {_Y_METRICS[y][1]} against "
                 f"{'throughput' if coord == 'throughput' else coord}")
    ax.set_title(f"{ds.attrs.get('scenario_name', '')}: {ds.sizes['scenario']} scenarios, "
                 f"{nrep} replications each, after the warm-up")
    return _finish(fig, path)


# ----------------------------------------------------------------------------
# 5. Disruption comparison


@_styled
def plot_disruption(baseline, disrupted, path=None, product=None, scenario=0,
                    tolerance=0.05, level=0.95):
    """Baseline against disrupted monthly output, cumulative lost wafers and
    the month of recovery, paired by replication.

    Parameters
    ----------
    baseline, disrupted : xarray.Dataset
        Two runs of the same fab over the same months, best with the same
        seed so that replication *r* of both sees the same random numbers.
    path : str or None
        Save the figure as PNG here.
    product : str or None
        One product, or None (default) for the total of all products.
    scenario : int
        Position along ``scenario`` in both.
    tolerance : float
        Recovery is the first month after the drop whose mean output is
        no longer more than this fraction (5%) below the baseline.
    level : float
        Confidence level of the bands (default 95%).

    See :func:`wafersim_analysis.stats.disruption_metrics` for the numbers.
    Raises ValueError when the runs cannot be paired (different months,
    products, or no common replication).

    Returns
    -------
    matplotlib.figure.Figure
    """
    m = disruption_metrics(baseline, disrupted, product=product, scenario=scenario,
                           tolerance=tolerance, level=level)
    one = baseline.isel(scenario=scenario)
    fig, axes = _new_figure(_BASE_SIZES["disruption"], 2, 1, sharex=True,
                            gridspec_kw={"height_ratios": [3, 2]})
    top, bottom = axes[:, 0]
    warm = _shade_warmup(top, one)
    _shade_warmup(bottom, one)
    x = _month_axis(bottom, one)
    top.tick_params(labelbottom=False)
    runs = [("baseline", m["baseline"], _BASELINE_COLOUR, baseline),
            ("disrupted", m["disrupted"], _DISRUPTED_COLOUR, disrupted)]
    for label, ci, colour, ds in runs:
        name = ds.attrs.get("scenario_name")
        top.fill_between(x, ci["low"].values, ci["high"].values, color=colour,
                         alpha=0.2, lw=0)
        top.plot(x, ci["mean"].values, color=colour, lw=2, marker="o", ms=4,
                 label=f"{label}" + (f": {name}" if name else ""))
    lost = m["lost"]
    bottom.fill_between(x, lost["low"].values, lost["high"].values,
                        color=_DISRUPTED_COLOUR, alpha=0.2, lw=0)
    total = m["lost_total"]
    last = pd.Timestamp(one["month"].values[-1])
    text = f"{total['mean']:,.0f}"
    if np.isfinite(total["half_width"]):
        text += f" ± {total['half_width']:,.0f}"
    bottom.plot(x, lost["mean"].values, color=_DISRUPTED_COLOUR, lw=2, marker="o", ms=4,
                label=f"cumulative lost wafers (baseline - disrupted): {text} "
                      f"by the end of {last:%b %Y}")
    bottom.axhline(0, color="#555555", lw=0.8)
    start, end = _month_edges(one)
    events = []
    if m["drop_index"] is not None:
        events.append((start[m["drop_index"]], "#555555",
                       f"drop: {pd.Timestamp(m['drop_month']):%b %Y}"))
    if m["recovery_index"] is not None:
        events.append((start[m["recovery_index"]], "#2ca02c",
                       f"recovered (within {tolerance:.0%}): "
                       f"{pd.Timestamp(m['recovery_month']):%b %Y}"))
    for xpos, colour, text in events:
        for ax in (top, bottom):
            ax.axvline(xpos, color=colour, ls="--", lw=1.2)
        top.annotate(text, (xpos, 1.0), xycoords=("data", "axes fraction"),
                     xytext=(3, -12), textcoords="offset points", fontsize=9,
                     color=colour, fontweight="bold")
    if m["drop_index"] is not None and m["recovery_index"] is None:
        top.annotate(f"not back within {tolerance:.0%} by the end of the horizon", (1.0, 1.0),
                     xycoords="axes fraction", xytext=(-3, -12),
                     textcoords="offset points", ha="right", fontsize=9,
                     color=_DISRUPTED_COLOUR, fontweight="bold")
    handles, _ = top.get_legend_handles_labels()
    handles.append(Patch(facecolor="#999999", alpha=0.3,
                         label=f"{level:.0%} confidence band"))
    if warm is not None:
        handles.append(warm)
    top.legend(handles=handles, loc="lower left")
    bottom.legend(loc="upper left")
    what = "all products" if product is None else f"product {product}"
    top.set_ylabel(f"wafers out per month, {what} (wafer)")
    bottom.set_ylabel("lost wafers (wafer)")
    bottom.set_xlabel(_month_axis_label(one))
    for ax in (top, bottom):
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    top.set_ylim(bottom=0)
    paired = (f"{len(m['replications'])} replications paired "
              + ("(same seed: common random numbers)" if m["same_seed"]
                 else "(different seeds: NOT common random numbers)"))
    fig.suptitle("Disruption: monthly output against the baseline")
    top.set_title(f"{what.capitalize()}, {paired}")
    return _finish(fig, path)
