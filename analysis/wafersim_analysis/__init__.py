"""Read, summarise and plot wafersim result files (HDF5, layout in
docs/output-format.md; guide in docs/analysis.md).

::

    import wafersim_analysis as wa
    ds = wa.load("run.h5")      # xarray.Dataset of the per-month results
    df = wa.lots("run.h5")      # pandas.DataFrame, one row per lot
    wa.summary(ds)              # mean and 95% CI over replications
    wa.tool_group_summary(ds)   # utilisation, availability, the bottleneck
    wa.plot_monthly_output(ds, "output.png")

Both readers also read a ``run.h5.partial`` left by a run that stopped
early: replications not written yet are NaN in ``load`` and absent from
``lots``.

Reading and the statistics need only the standard library, numpy, pandas
and xarray (with the h5netcdf engine, which uses h5py); netCDF-C is not
needed.  The ``plot_*`` functions (module :mod:`.plots`) also need
matplotlib, which is imported on first use, so ``load`` works without it.
Running wafersim from Python and putting runs side by side is in
:mod:`.runs`; ``python3 -m wafersim_analysis.report`` (or ``wafersim
report``) writes all plots and an HTML page.
"""

import importlib

__all__ = [
    "load", "lots", "LOT_COLUMN_NAMES",
    "summary", "tool_group_summary", "replication_metrics", "compare_scenarios",
    "disruption_metrics",
    "confidence_interval", "t_quantile", "swept_coordinates", "DAYS_PER_MONTH",
    "combine", "run", "scenario_variant",
    "plot_monthly_output", "plot_cycle_time", "plot_utilisation",
    "plot_operating_curve", "plot_disruption",
]

# Names served from submodules, imported on first use: importing the
# package needs nothing beyond the standard library (so that the report
# can check for numpy, xarray and matplotlib itself and say what is
# missing), and matplotlib is loaded only when something is plotted.
_LAZY = {
    "summary": "stats", "tool_group_summary": "stats",
    "replication_metrics": "stats",
    "compare_scenarios": "stats", "disruption_metrics": "stats",
    "confidence_interval": "stats", "t_quantile": "stats",
    "swept_coordinates": "stats", "DAYS_PER_MONTH": "stats",
    "combine": "runs", "run": "runs", "scenario_variant": "runs",
    "plot_monthly_output": "plots", "plot_cycle_time": "plots",
    "plot_utilisation": "plots", "plot_operating_curve": "plots",
    "plot_disruption": "plots",
}


def __getattr__(name):
    """Serves the names of :data:`_LAZY`, importing their module once."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    """Lists the lazy names too, for tab completion."""
    return sorted(set(globals()) | set(__all__))


#: How ``lots`` renames the lots group's columns.  The file spells them with
#: a ``lot_`` prefix so that they never clash with the root coordinates of
#: the same name; in a DataFrame plain names make joins with
#: ``load(path).to_dataframe()`` straightforward.
LOT_COLUMN_NAMES = {
    "lot_scenario": "scenario",
    "lot_replication": "replication",
    "lot_product": "product",
}

# Root attributes that hold one entry per input file.  h5netcdf returns a
# one-element array attribute as a plain string, so they are made lists.
_LIST_ATTRIBUTES = ("input_files", "input_texts")


def _as_list(value):
    """A string or array attribute as a list of str."""
    import numpy as np

    if isinstance(value, str):
        return [value]
    return [str(v) for v in np.asarray(value, dtype=object).ravel()]


def load(path, lazy=False):
    """Open a wafersim result file as an :class:`xarray.Dataset`.

    Dimensions are ``scenario``, ``replication``, ``month``, ``product``
    and ``tool_group``, and from format_version 2 on ``tool_state``
    (``idle``, ``processing``, ``setup``, ``down``, ``pm``) and
    ``time_constraint`` (possibly empty); ``month`` is decoded to
    ``datetime64`` (the first day of each month bucket), ``product``,
    ``tool_group`` and ``tool_state`` hold the names as ``str``, ``warmup``
    (bool) and ``month_days`` are coordinates along ``month``, and
    ``time_constraint_product``, ``time_constraint_from_step``,
    ``time_constraint_to_step`` and ``time_constraint_limit_days`` along
    ``time_constraint``.  Attributes ``input_files`` and ``input_texts``
    are always lists.  Every variable of the file is there, e.g.
    ``tool_state_share``, ``availability``, ``on_time_share`` and
    ``time_constraint_violations`` (docs/output-format.md).

    Convert one variable at a time (``ds.wafers_out.to_dataframe()``):
    ``ds.to_dataframe()`` crosses every dimension, and is empty when a
    dimension such as ``time_constraint`` has length 0.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` file (or a ``.h5.partial`` one).
    lazy : bool
        False (the default) reads everything into memory and closes the
        file, so the file may be overwritten by the next run.  True returns
        a lazily loaded dataset that keeps the file open; close it with
        ``ds.close()`` or use it in a ``with`` block.

    Returns
    -------
    xarray.Dataset
    """
    import xarray as xr

    ds = xr.open_dataset(path, engine="h5netcdf")
    if not lazy:
        with ds:
            ds = ds.load()
    for name in _LIST_ATTRIBUTES:
        if name in ds.attrs:
            ds.attrs[name] = _as_list(ds.attrs[name])
    return ds


def lots(path):
    """Read the per-lot records of a wafersim result file.

    Returns a :class:`pandas.DataFrame` indexed by ``lot`` (0..n-1, in the
    order replications were written) with columns ``scenario``,
    ``replication``, ``product`` (renamed from the file's ``lot_scenario``,
    ``lot_replication`` and ``lot_product``, see :data:`LOT_COLUMN_NAMES`),
    ``release_time_days``, ``finish_time_days``, ``cycle_time_days`` and
    ``wafers``, and from format_version 2 on ``wafers_out``, ``priority``,
    ``due_time_days`` and ``scrap_time_days``.  Times are days since the
    file's ``start_date``; finish and cycle times are NaN for lots still in
    the fab at the horizon (or scrapped), due times for lots without a due
    date, scrap times for lots that were not scrapped.  The file has no lot
    records when the run did not record lots; the frame is then empty.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.h5`` file (or a ``.h5.partial`` one).

    Returns
    -------
    pandas.DataFrame
    """
    import xarray as xr

    with xr.open_dataset(path, engine="h5netcdf", group="lots") as group:
        frame = group.to_dataframe()
    frame = frame.rename(columns=LOT_COLUMN_NAMES)
    if "product" in frame:
        frame["product"] = frame["product"].astype(str)
    return frame
