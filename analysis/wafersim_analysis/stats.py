"""Summary statistics of wafersim results: means and 95% confidence
intervals over replications, after the warm-up.

Every statistic here is computed the same way: first one value per
replication (and per scenario and product), then the mean over the
replications with a Student-t interval.  Replications are independent, so
this is the textbook interval; months within one replication are not, which
is why they are never treated as separate samples.

Only the standard library, numpy, pandas and xarray are used (no scipy: the
t quantile is computed here from the incomplete beta function).
"""

import math
import os

import numpy as np
import pandas as pd
import xarray as xr

__all__ = [
    "DAYS_PER_MONTH",
    "METRICS",
    "STEADY_METRICS",
    "t_quantile",
    "confidence_interval",
    "replication_metrics",
    "summary",
    "tool_group_summary",
    "compare_scenarios",
    "disruption_metrics",
    "swept_coordinates",
]

#: The mean Gregorian month in days (365.2425 / 12): the month of
#: ``wafers_per_month`` in scenarios and of the CLI's summary table.
DAYS_PER_MONTH = 365.2425 / 12.0

#: Metric name -> (label, unit) of the statistics ``summary`` reports by
#: default, computed from the monthly variables (whole months after the
#: warm-up).
METRICS = {
    "wafers_per_month": ("output", "wafer/month"),
    "cycle_time_days": ("cycle time", "day"),
    "x_factor": ("x-factor", "1"),
}

#: Metric name -> (label, unit, file variable, factor) of the further
#: statistics ``summary(ds, metrics="all")`` reports: the file's
#: steady-state variable (over exactly ``warmup_days`` to the horizon, one
#: value per replication) times the factor.  Files before format_version 2
#: do not have them.
STEADY_METRICS = {
    "wafers_scrapped_per_month": ("scrap", "wafer/month",
                                  "mean_wafers_scrapped_per_day", DAYS_PER_MONTH),
    "on_time_share": ("on-time share", "1", "mean_on_time_share", 1.0),
    "hot_cycle_time_days": ("hot-lot cycle time", "day",
                            "mean_hot_cycle_time_days", 1.0),
    "mean_x_factor": ("x-factor (wafersim's)", "1", "mean_x_factor", 1.0),
}


# ----------------------------------------------------------------------------
# Student t quantile without scipy


def _betacf(a, b, x):
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 400):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-15:
            break
    return h


def _betainc(a, b, x):
    """Regularised incomplete beta function I_x(a, b), 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                     + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def _t_cdf(t, dof):
    """P(T <= t) for Student's t with dof degrees of freedom."""
    tail = 0.5 * _betainc(0.5 * dof, 0.5, dof / (dof + t * t))
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, dof):
    """Quantile of Student's t distribution: the t with P(T <= t) = p.

    ``t_quantile(0.975, 9)`` is 2.262157 (GSL's ``gsl_cdf_tdist_Pinv``, used
    by the CLI's summary, gives the same to 1e-9).  Computed by bisection on
    the CDF, which is exact to rounding for the small dof that matter here.
    """
    if not 0.0 < p < 1.0 or dof <= 0:
        raise ValueError("t_quantile needs 0 < p < 1 and dof > 0")
    if p < 0.5:
        return -t_quantile(1.0 - p, dof)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, dof) < p:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, dof) < p:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def confidence_interval(values, level=0.95):
    """Mean and Student-t confidence interval of independent values.

    NaN values are left out.  Returns a dict with ``mean``, ``half_width``,
    ``low``, ``high`` and ``n``; the half-width (and so the bounds) is NaN
    when fewer than two values remain, and everything is NaN for none.
    """
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    n = x.size
    mean = float(x.mean()) if n else math.nan
    half = math.nan
    if n >= 2:
        sd = float(x.std(ddof=1))
        half = t_quantile(0.5 + level / 2.0, n - 1) * sd / math.sqrt(n)
    return {"mean": mean, "half_width": half, "low": mean - half,
            "high": mean + half, "n": n}


def _interval_along(array, dim, level=0.95):
    """confidence_interval applied along one dimension of a DataArray.

    Returns a Dataset with variables ``mean``, ``half_width``, ``low``,
    ``high`` and ``n`` over the remaining dimensions.
    """
    n = array.count(dim)
    mean = array.mean(dim, skipna=True)
    sd = array.std(dim, ddof=1, skipna=True)
    # One quantile per distinct count: at most a handful of bisections.
    t = xr.apply_ufunc(
        np.vectorize(lambda k: t_quantile(0.5 + level / 2.0, k - 1)
                     if k >= 2 else math.nan, otypes=[float]), n)
    half = (t * sd / np.sqrt(n.where(n >= 2))).where(n >= 2)
    mean = mean.where(n >= 1)
    return xr.Dataset({"mean": mean, "half_width": half, "low": mean - half,
                       "high": mean + half, "n": n})


# ----------------------------------------------------------------------------
# Per-replication metrics


def _steady_months(ds):
    """Boolean mask along month: True for the months after the warm-up."""
    if "warmup" in ds.coords or "warmup" in ds:
        return ~ds["warmup"].astype(bool)
    return xr.ones_like(ds["month_days"], dtype=bool)


def _metric_names(ds, metrics):
    """The metric names ``metrics`` asks for, in order: None for
    :data:`METRICS`, ``"all"`` for those and every :data:`STEADY_METRICS`
    entry whose variable ``ds`` has, or a sequence of names.  Raises
    KeyError for an unknown name or one whose variable is missing."""
    if metrics is None:
        return list(METRICS)
    if isinstance(metrics, str) and metrics == "all":
        return list(METRICS) + [m for m, spec in STEADY_METRICS.items()
                                if spec[2] in ds.variables]
    names = [metrics] if isinstance(metrics, str) else list(metrics)
    for name in names:
        if name in STEADY_METRICS:
            if STEADY_METRICS[name][2] not in ds.variables:
                raise KeyError(f"metric {name} needs the variable "
                               f"{STEADY_METRICS[name][2]}, which this file does "
                               "not have (written before format_version 2?)")
        elif name not in METRICS:
            raise KeyError(f"unknown metric {name!r}: one of "
                           f"{', '.join([*METRICS, *STEADY_METRICS])}")
    return names


def _metric_spec(name):
    """(label, unit) of a metric of either table."""
    return METRICS[name] if name in METRICS else STEADY_METRICS[name][:2]


def replication_metrics(ds, metrics=None):
    """One value per scenario, replication and product, after the warm-up.

    Returns an :class:`xarray.Dataset` with dims ``(scenario, replication,
    product)`` and, by default, the variables

    ``wafers_per_month``
        wafers out in the months after the warm-up, divided by their length
        in days and multiplied by :data:`DAYS_PER_MONTH` (365.2425/12): the
        unit of ``wafers_per_month`` in scenarios, so partial months and the
        28-31 days of calendar months do not bias it.
    ``cycle_time_days``
        mean cycle time of the lots finished in those months: the monthly
        ``cycle_time_days`` weighted by ``wafers_out`` (all lots of a
        product have the same size, so this is the mean over lots).
    ``x_factor``
        ``cycle_time_days / raw_process_time_days``.

    Months flagged ``warmup`` are left out.  Replications not written yet (a
    ``.partial`` file) are NaN.

    ``metrics`` chooses others: ``"all"`` adds every :data:`STEADY_METRICS`
    entry the file has (``wafers_scrapped_per_month``, ``on_time_share``,
    ``hot_cycle_time_days``, ``mean_x_factor``: the file's steady-state
    variables, which start exactly at ``warmup_days``), or give a list of
    names.
    """
    names = _metric_names(ds, metrics)
    result = xr.Dataset()
    if any(name in METRICS for name in names):
        steady = _steady_months(ds)
        out = ds["wafers_out"].where(steady)
        days = ds["month_days"].where(steady).sum("month")
        rate = out.sum("month", min_count=1) / days * DAYS_PER_MONTH
        ct = ds["cycle_time_days"].where(steady)
        weight = out.where(ct.notnull())
        cycle = (ct * weight).sum("month", min_count=1) / weight.sum("month", min_count=1)
        cycle = cycle.where(weight.sum("month", min_count=1) > 0)
        computed = {"wafers_per_month": rate, "cycle_time_days": cycle,
                    "x_factor": cycle / ds["raw_process_time_days"]}
    for name in names:
        if name in METRICS:
            result[name] = computed[name]
        else:
            _, _, variable, factor = STEADY_METRICS[name]
            result[name] = ds[variable] * factor
        label, unit = _metric_spec(name)
        result[name].attrs = {"long_name": label, "units": unit}
    return result.transpose("scenario", "replication", "product")


def swept_coordinates(ds):
    """Names of the non-index coordinates along ``scenario`` (the swept
    parameters of a sweep file, e.g. ``products.A.wafers_per_month``), in
    the file's order."""
    return [name for name, coord in ds.coords.items()
            if name != "scenario" and coord.dims == ("scenario",)]


def _with_swept(table, ds):
    """Adds a column per swept coordinate of ds, by the table's scenario."""
    for name in swept_coordinates(ds):
        values = pd.Series(ds[name].values, index=ds["scenario"].values)
        table[name] = table["scenario"].map(values)
    return table


def _as_dataset(ds):
    """A result file's path is loaded; a Dataset is returned as it is."""
    if isinstance(ds, (str, bytes, os.PathLike)):
        from . import load
        return load(ds)
    return ds


def summary(ds, level=0.95, metrics=None):
    """Mean and confidence interval over replications, per scenario and
    product, of monthly output, cycle time and x-factor after the warm-up.

    Parameters
    ----------
    ds : xarray.Dataset or path
        From :func:`wafersim_analysis.load` (one run or a sweep), or the
        path of a result file, which is loaded.
    level : float
        Confidence level of the Student-t interval (default 95%).
    metrics : None, "all" or sequence of str
        None (the default): ``wafers_per_month``, ``cycle_time_days`` and
        ``x_factor`` (:data:`METRICS`).  ``"all"``: those and every
        :data:`STEADY_METRICS` entry the file has: ``wafers_scrapped_per_month``,
        ``on_time_share``, ``hot_cycle_time_days`` and ``mean_x_factor``
        (the x-factor wafersim computed).  Or a list of names from both.

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, product, metric), in that index order, with
        columns ``mean``, ``half_width``, ``low``, ``high`` (the interval is
        ``mean ± half_width``), ``n`` (replications with a value) and
        ``unit``; then one column per swept coordinate of a sweep file.
        See :func:`replication_metrics` for the metrics' exact definitions.
        Pivot with ``table["mean"].unstack("metric")`` for one row per
        product.  Tool groups (utilisation, availability, the bottleneck)
        are in :func:`tool_group_summary`.
    """
    ds = _as_dataset(ds)
    names = _metric_names(ds, metrics)
    per_rep = replication_metrics(ds, names)
    frames = []
    for metric in names:
        ci = _interval_along(per_rep[metric], "replication", level)
        frame = ci.to_dataframe()[["mean", "half_width", "low", "high", "n"]]
        frame["metric"] = metric
        frames.append(frame.reset_index())
    table = pd.concat(frames, ignore_index=True)
    table["unit"] = table["metric"].map(lambda m: _metric_spec(m)[1])
    table["n"] = table["n"].astype(int)
    order = {m: i for i, m in enumerate(names)}
    products = {p: i for i, p in enumerate(ds["product"].values.tolist())}
    table = table.sort_values(
        ["scenario", "product", "metric"],
        key=lambda col: col.map(order) if col.name == "metric"
        else col.map(products) if col.name == "product" else col)
    table = _with_swept(table, ds)
    table = table.set_index(["scenario", "product", "metric"])
    table = table[[c for c in table.columns if c not in ("scenario", "product")]]
    table.attrs["level"] = level
    return table


def tool_group_summary(ds, level=0.95):
    """Mean and confidence interval over replications, per scenario and tool
    group, of the file's steady-state tool figures, and which group is the
    bottleneck.

    Parameters
    ----------
    ds : xarray.Dataset or path
        From :func:`wafersim_analysis.load`, or a result file's path.
    level : float
        Confidence level of the Student-t interval (default 95%).

    Returns
    -------
    pandas.DataFrame
        One row per (scenario, tool_group, metric) with the columns of
        :func:`summary` and ``bottleneck`` (bool: the group with the highest
        mean utilisation of its scenario, as the file's
        ``summary_bottleneck``).  Metrics: ``utilisation``
        (``mean_utilisation``), and from format_version 2 on
        ``availability`` (``mean_availability``: 1 - down - pm) and one
        ``STATE_share`` per tool state (``idle_share``,
        ``processing_share``, ``setup_share``, ``down_share``,
        ``pm_share``, from ``mean_tool_state_share``).  All over exactly
        ``warmup_days`` to the horizon.  The availability of each
        scenario's bottleneck:
        ``t[t["bottleneck"]].xs("availability", level="metric")``.
    """
    ds = _as_dataset(ds)
    per_rep = {"utilisation": ds["mean_utilisation"]}
    if "mean_availability" in ds.variables:
        per_rep["availability"] = ds["mean_availability"]
    if "mean_tool_state_share" in ds.variables:
        for state in ds["tool_state"].values.tolist():
            per_rep[f"{state}_share"] = ds["mean_tool_state_share"].sel(
                tool_state=state, drop=True)
    frames = []
    for metric, values in per_rep.items():
        ci = _interval_along(values, "replication", level)
        frame = ci.to_dataframe()[["mean", "half_width", "low", "high", "n"]]
        frame["metric"] = metric
        frames.append(frame.reset_index())
    table = pd.concat(frames, ignore_index=True)
    table["unit"] = "1"
    table["n"] = table["n"].astype(int)
    util = table[table["metric"] == "utilisation"].dropna(subset=["mean"])
    # The first group with the highest mean, like summary_bottleneck.
    top = util.loc[util.groupby("scenario", sort=False)["mean"].idxmax()]
    pairs = set(zip(top["scenario"], top["tool_group"]))
    table["bottleneck"] = [(s, g) in pairs for s, g in
                           zip(table["scenario"], table["tool_group"])]
    order = {m: i for i, m in enumerate(per_rep)}
    groups = {g: i for i, g in enumerate(ds["tool_group"].values.tolist())}
    table = table.sort_values(
        ["scenario", "tool_group", "metric"],
        key=lambda col: col.map(order) if col.name == "metric"
        else col.map(groups) if col.name == "tool_group" else col)
    table = _with_swept(table, ds)
    table = table.set_index(["scenario", "tool_group", "metric"])
    table.attrs["level"] = level
    return table


def compare_scenarios(ds, a=0, b=-1, level=0.95, metrics=None):
    """Difference between two scenarios of a sweep, paired by replication.

    Replication *r* of every scenario uses the same random numbers (common
    random numbers), so the difference ``b - a`` is taken replication by
    replication and its interval is usually much narrower than the two
    separate intervals suggest.

    Parameters
    ----------
    ds : xarray.Dataset
        A file with at least two scenarios.
    a, b : int
        Positions along ``scenario`` (negative counts from the end).
    metrics : None, "all" or sequence of str
        As in :func:`summary`.

    Returns
    -------
    pandas.DataFrame
        One row per (product, metric) with the means at ``a`` and ``b`` and
        the paired difference's ``diff_mean``, ``diff_half_width``,
        ``diff_low``, ``diff_high``.
    """
    names = _metric_names(ds, metrics)
    per_rep = replication_metrics(ds, names)
    first = per_rep.isel(scenario=a)
    second = per_rep.isel(scenario=b)
    rows = []
    for product in ds["product"].values.tolist():
        for metric in names:
            x = first[metric].sel(product=product).values
            y = second[metric].sel(product=product).values
            d = confidence_interval(y - x, level)
            rows.append({
                "product": product, "metric": metric,
                "mean_a": np.nanmean(x) if np.isfinite(x).any() else math.nan,
                "mean_b": np.nanmean(y) if np.isfinite(y).any() else math.nan,
                "diff_mean": d["mean"], "diff_half_width": d["half_width"],
                "diff_low": d["low"], "diff_high": d["high"], "n": d["n"],
            })
    table = pd.DataFrame(rows).set_index(["product", "metric"])
    table.attrs["scenarios"] = (int(ds["scenario"].values[a]),
                                int(ds["scenario"].values[b]))
    return table


# ----------------------------------------------------------------------------
# Disruptions


def _check_pairable(baseline, disrupted):
    """Raises ValueError unless the two runs can be compared month by month."""
    for dim in ("month", "product"):
        a, b = baseline[dim].values, disrupted[dim].values
        if a.shape != b.shape or not (a == b).all():
            raise ValueError(f"baseline and disrupted runs have different {dim}s")
    common = np.intersect1d(baseline["replication"].values,
                            disrupted["replication"].values)
    if common.size == 0:
        raise ValueError("baseline and disrupted runs share no replication")
    return common


def _monthly_output(ds, scenario, product, replications):
    """wafers_out of one scenario over (replication, month): one product or the total."""
    out = ds["wafers_out"].isel(scenario=scenario).sel(replication=replications)
    if product is None:
        return out.sum("product", min_count=1)
    return out.sel(product=product)


def disruption_metrics(baseline, disrupted, product=None, scenario=0,
                       tolerance=0.05, level=0.95):
    """Compare a disrupted run with its baseline, replication by replication.

    Both runs must have the same months and products and share replication
    numbers: with the same seed, replication *r* of both sees the same
    random numbers (common random numbers), so the paired difference
    measures the disruption rather than sampling noise.

    Parameters
    ----------
    baseline, disrupted : xarray.Dataset
    product : str or None
        One product, or None (default) for the total over products.
    scenario : int
        Position along ``scenario`` in both files.
    tolerance : float
        Recovery threshold: the disrupted mean output is no longer more
        than ``tolerance`` (5%) below the baseline mean.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    dict
        ``baseline`` and ``disrupted`` (monthly output, Dataset with
        ``mean``, ``half_width``, ``low``, ``high`` along month),
        ``lost`` (cumulative lost wafers baseline - disrupted, paired, same
        layout), ``lost_total`` (a :func:`confidence_interval` dict at the
        horizon), ``drop_month`` (first month whose mean output is more than
        ``tolerance`` below the baseline, or None), ``recovery_month``
        (first month after the drop back within ``tolerance``, or None if
        it never recovers in the horizon), ``months`` (the month starts),
        ``replications`` (those compared) and ``same_seed`` (bool).
    """
    common = _check_pairable(baseline, disrupted)
    base = _monthly_output(baseline, scenario, product, common)
    disr = _monthly_output(disrupted, scenario, product, common)
    lost = (base - disr).cumsum("month")
    base_ci = _interval_along(base, "replication", level)
    disr_ci = _interval_along(disr, "replication", level)
    lost_ci = _interval_along(lost, "replication", level)
    months = baseline["month"].values
    b_mean, d_mean = base_ci["mean"].values, disr_ci["mean"].values
    with np.errstate(invalid="ignore"):
        short = (b_mean > 0) & (d_mean < (1.0 - tolerance) * b_mean)
        back = (b_mean > 0) & (d_mean >= (1.0 - tolerance) * b_mean)
    drop = int(np.argmax(short)) if short.any() else None
    recovery = None
    if drop is not None:
        later = np.nonzero(back[drop + 1:])[0]
        recovery = drop + 1 + int(later[0]) if later.size else None
    seeds = (baseline.attrs.get("base_seed"), disrupted.attrs.get("base_seed"))
    return {
        "baseline": base_ci,
        "disrupted": disr_ci,
        "lost": lost_ci,
        "lost_total": confidence_interval(lost.isel(month=-1).values, level),
        "drop_month": months[drop] if drop is not None else None,
        "recovery_month": months[recovery] if recovery is not None else None,
        "drop_index": drop,
        "recovery_index": recovery,
        "months": months,
        "replications": common,
        "same_seed": seeds[0] is not None and seeds[0] == seeds[1],
        "product": product,
        "tolerance": tolerance,
    }
