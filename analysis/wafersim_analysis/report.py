"""Write the plots of a wafersim result file and an HTML page showing them.

Usage::

    python3 -m wafersim_analysis.report OUT.h5 [-o DIR] [--baseline BASE.h5]
                                        [--scenario N] [--coord NAME]

(``wafersim report`` runs exactly this.)  DIR (default: ``OUT-report`` in
the current directory) receives ``index.html``, one PNG per plot and
``summary.csv``.  A plot that does not apply to the file (an operating
curve of a single run, a disruption comparison without ``--baseline``, a
cycle-time distribution of a run without lot records) is listed on the page
as not applicable, with the reason.

Exit status (sysexits.h, as the wafersim command): 0 success, 64 usage,
65 the file is not a readable wafersim result, 66 a file is missing,
69 Python packages are missing (the message names them), 70 a plot failed
unexpectedly (the page is still written, with the error), 73 DIR cannot be
created, 74 I/O error while writing.
"""

import argparse
import html
import importlib
import math
import os
import sys

EX_USAGE = 64
EX_DATAERR = 65
EX_NOINPUT = 66
EX_UNAVAILABLE = 69
EX_SOFTWARE = 70
EX_CANTCREAT = 73
EX_IOERR = 74

#: Python module -> Debian 12 package that provides it.
REQUIRED_MODULES = {
    "numpy": "python3-numpy",
    "pandas": "python3-pandas",
    "xarray": "python3-xarray",
    "h5py": "python3-h5py",
    "h5netcdf": "python3-h5netcdf",
    "matplotlib": "python3-matplotlib",
}

#: File name, title and caption of every plot, in page order.
PLOTS = [
    ("monthly_output.png", "Monthly wafer output",
     "Wafers out per calendar month and product: mean over replications with "
     "a 95% confidence band; dashed lines are wafer starts, the grey band "
     "the warm-up."),
    ("cycle_time.png", "Cycle-time distribution",
     "Cycle time of every lot finished after the warm-up, all replications "
     "pooled; dotted lines are the raw process times (no waiting)."),
    ("utilisation.png", "Utilisation by tool group and month",
     "Busy tool time / available tool time, mean over replications; the "
     "busiest group first."),
    ("operating_curve.png", "Operating curve",
     "x-factor (cycle time / raw process time) per product across the "
     "scenarios of a sweep, with 95% confidence bands."),
    ("disruption.png", "Disruption against the baseline",
     "Monthly output of the baseline and of this run, paired by "
     "replication; cumulative lost wafers and the month output is back "
     "within 5% of the baseline."),
]


class NotApplicable(Exception):
    """A plot that this file cannot give; the message says why."""


def missing_modules():
    """Names of the required modules that cannot be imported."""
    missing = []
    for name in REQUIRED_MODULES:
        try:
            importlib.import_module(name)
        except Exception:                           # noqa: BLE001
            # A broken install raises more than ImportError; either way the
            # report cannot run, and the package is what to (re)install.
            missing.append(name)
    return missing


def _parse(argv):
    """Parses the command line; usage errors exit 64 like wafersim's."""
    parser = argparse.ArgumentParser(
        prog="wafersim report",
        description="Plots of a wafersim result file and an HTML page (index.html).")
    parser.add_argument("result", metavar="OUT.h5", help="wafersim result file")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="output directory (default: OUT-report)")
    parser.add_argument("--baseline", metavar="BASE.h5",
                        help="baseline run: adds the disruption comparison "
                             "(OUT.h5 is the disrupted run)")
    parser.add_argument("--scenario", metavar="N", type=int, default=0,
                        help="scenario shown by the per-scenario plots of a "
                             "sweep file (default 0)")
    parser.add_argument("--coord", metavar="NAME",
                        help="x axis of the operating curve: a swept "
                             "parameter or 'throughput' (default: the first "
                             "swept parameter)")

    def usage_error(message):
        """argparse's error(), exiting 64 instead of 2."""
        parser.print_usage(sys.stderr)
        print(f"wafersim report: {message}", file=sys.stderr)
        sys.exit(EX_USAGE)

    parser.error = usage_error
    args = parser.parse_args(argv)
    if args.output is None:
        stem = os.path.basename(args.result)
        for suffix in (".partial", ".h5", ".nc"):
            stem = stem[:-len(suffix)] if stem.endswith(suffix) else stem
        args.output = (stem or "wafersim") + "-report"
    return args


# ----------------------------------------------------------------------------
# The page


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1em; color: #222; }
h1 { margin-bottom: 0.2em; }
.lead { color: #555; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3em 0.8em; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th { background: #f4f4f4; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; }
.na { color: #8a6d00; background: #fff8e1; padding: 0.5em 1em; border-left: 4px solid #f0c040; }
.error { color: #a00; background: #fdecea; padding: 0.5em 1em; border-left: 4px solid #d33; }
details { margin: 0.5em 0; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { background: #f4f4f4; padding: 0 0.2em; }
"""


def _e(value):
    """HTML-escaped text of value."""
    return html.escape(str(value), quote=True)


def _cell(mean, half, decimals):
    """'mean ± half' with the given decimals; '-' when there is no mean."""
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "-"
    text = f"{mean:,.{decimals}f}"
    if half is not None and not (isinstance(half, float) and math.isnan(half)):
        text += f" ± {half:,.{decimals}f}"
    return text


def summary_html(table, ds):
    """The summary DataFrame as an HTML table: one row per scenario and
    product, 'mean ± half-width' cells."""
    decimals = {"wafers_per_month": 1, "cycle_time_days": 2, "x_factor": 2}
    headers = {"wafers_per_month": "output (wafers/month)",
               "cycle_time_days": "cycle time (days)", "x_factor": "x-factor"}
    swept = [c for c in table.columns
             if c not in ("mean", "half_width", "low", "high", "n", "unit")]
    multi = ds.sizes.get("scenario", 1) > 1
    head = (["scenario"] if multi else []) + swept + ["product"]
    rows = ["<table>", "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in head)
            + "".join(f'<th class="num">{_e(headers[m])}</th>' for m in decimals)
            + '<th class="num">replications</th></tr>']
    for (scenario, product), group in table.groupby(level=["scenario", "product"],
                                                   sort=False):
        group = group.droplevel(["scenario", "product"])
        first = group.iloc[0]
        cells = ([str(scenario)] if multi else []) + [_e(first[c]) for c in swept]
        cells.append(_e(product))
        row = "".join(f"<td>{c}</td>" for c in cells)
        for metric, digits in decimals.items():
            r = group.loc[metric]
            row += f'<td class="num">{_cell(r["mean"], r["half_width"], digits)}</td>'
        row += f'<td class="num">{int(group["n"].max())}</td>'
        rows.append(f"<tr>{row}</tr>")
    rows.append("</table>")
    return "\n".join(rows)


def _provenance_html(ds, path, label):
    """Table of a run's provenance, with its scenario and input files in <details>."""
    attrs = ds.attrs
    rows = [
        ("file", os.path.abspath(path)),
        ("scenario", f"{attrs.get('scenario_name', '?')} ({attrs.get('scenario_path', '?')})"),
        ("wafersim version", attrs.get("version", "?")),
        ("git revision", attrs.get("git_revision", "?")),
        ("seed", attrs.get("base_seed", "?")),
        ("replications", ds.sizes.get("replication", "?")),
        ("scenarios", ds.sizes.get("scenario", "?")),
        ("start date", attrs.get("start_date", "?")),
        ("horizon", f"{attrs.get('horizon_days', '?')} days"),
        ("warm-up", f"{attrs.get('warmup_days', '?')} days"),
        ("command line", attrs.get("command_line", "?")),
        ("format version", attrs.get("format_version", "?")),
    ]
    body = "\n".join(f"<tr><th>{_e(k)}</th><td><code>{_e(v)}</code></td></tr>"
                     for k, v in rows)
    parts = [f"<h3>{_e(label)}</h3>", f"<table>{body}</table>"]
    if attrs.get("scenario_text"):
        parts.append(f"<details><summary>Scenario file: {_e(attrs.get('scenario_path', ''))}"
                     f"</summary><pre>{_e(attrs['scenario_text'])}</pre></details>")
    files = attrs.get("input_files", [])
    texts = attrs.get("input_texts", [])
    if isinstance(files, str):
        files, texts = [files], [texts]
    for name, text in zip(files, texts):
        parts.append(f"<details><summary>Input file: {_e(name)}</summary>"
                     f"<pre>{_e(text)}</pre></details>")
    return "\n".join(parts)


def _disruption_html(metrics):
    """Table of the disruption numbers (lost wafers, drop, recovery)."""
    import pandas as pd
    total = metrics["lost_total"]
    drop = metrics["drop_month"]
    recovery = metrics["recovery_month"]
    rows = [
        ("lost wafers by the end of the horizon",
         _cell(total["mean"], total["half_width"], 0) + " (95% CI, paired)"),
        ("first month more than 5% below the baseline",
         f"{pd.Timestamp(drop):%b %Y}" if drop is not None else "none"),
        ("recovery (first later month within 5%)",
         f"{pd.Timestamp(recovery):%b %Y}" if recovery is not None
         else ("not within the horizon" if drop is not None else "-")),
        ("replications paired", f"{len(metrics['replications'])}"
         + ("" if metrics["same_seed"] else
            " (different seeds: the difference includes sampling noise)")),
    ]
    return "<table>" + "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>"
                               for k, v in rows) + "</table>"


def render_page(ds, path, table, results, baseline=None, baseline_path=None,
                disruption=None, scenario=0):
    """The text of index.html.  ``results`` maps each PNG name of
    :data:`PLOTS` to ('ok', None), ('na', reason) or ('error', message)."""
    from .stats import swept_coordinates
    name = ds.attrs.get("scenario_name", os.path.basename(path))
    shown = ""
    if ds.sizes.get("scenario", 1) > 1:
        values = ", ".join(f"{c} = {ds[c].values[scenario]}"
                           for c in swept_coordinates(ds))
        shown = (f" Per-scenario plots show scenario "
                 f"{int(ds['scenario'].values[scenario])}"
                 + (f" ({_e(values)})" if values else "") + " (--scenario N).")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>wafersim report: {_e(name)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>wafersim report: {_e(name)}</h1>",
        f'<p class="lead">{_e(os.path.basename(path))}: '
        f"{ds.sizes.get('scenario', 1)} scenario(s), {ds.sizes.get('replication', 0)} "
        f"replications, {ds.sizes.get('month', 0)} months from "
        f"{_e(ds.attrs.get('start_date', '?'))}, warm-up "
        f"{_e(ds.attrs.get('warmup_days', '?'))} days.{shown}</p>",
        "<h2>Summary</h2>",
        "<p>Mean over replications ± half-width of the 95% Student-t confidence "
        "interval, from the months after the warm-up. Output is in wafers per "
        "mean month (30.44 days); cycle time is the mean over the lots finished "
        "in those months; x-factor = cycle time / raw process time. Also in "
        '<a href="summary.csv">summary.csv</a>.</p>',
        summary_html(table, ds),
    ]
    if disruption is not None:
        parts += ["<h3>Disruption against the baseline</h3>", _disruption_html(disruption)]
    parts.append("<h2>Plots</h2>")
    for png, title, caption in PLOTS:
        status, detail = results[png]
        parts.append(f"<h3>{_e(title)}</h3>")
        if status == "ok":
            parts.append(f'<figure><img src="{_e(png)}" alt="{_e(title)}">'
                         f"<figcaption>{_e(caption)}</figcaption></figure>")
        elif status == "na":
            parts.append(f'<p class="na">Not applicable to this file: {_e(detail)}</p>')
        else:
            parts.append(f'<p class="error">This plot failed: {_e(detail)}</p>')
    parts.append("<h2>Provenance</h2>")
    parts.append(_provenance_html(ds, path, "This run"))
    if baseline is not None:
        parts.append(_provenance_html(baseline, baseline_path, "Baseline"))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# ----------------------------------------------------------------------------
# Main


def _load(path, what):
    """load(path), or exit 65 with a message when it is not a result file."""
    from . import load
    try:
        ds = load(path)
    except Exception as error:                      # noqa: BLE001
        print(f"wafersim report: {path}: cannot read the {what} as a wafersim "
              f"result file: {error}", file=sys.stderr)
        sys.exit(EX_DATAERR)
    needed = ("wafers_out", "cycle_time_days", "utilisation", "month_days",
              "raw_process_time_days")
    absent = [v for v in needed if v not in ds.variables]
    if absent:
        print(f"wafersim report: {path}: not a wafersim result file "
              f"(no {', '.join(absent)})", file=sys.stderr)
        sys.exit(EX_DATAERR)
    return ds


def _make_plots(args, ds, baseline):
    """Makes every plot; returns {png: (status, detail)} and the disruption
    metrics (or None)."""
    from . import lots as read_lots
    from . import plots
    from .stats import disruption_metrics

    results = {}
    disruption = None

    def attempt(png, make):
        """Runs make(path) and records whether the plot was made, did not apply or failed."""
        target = os.path.join(args.output, png)
        try:
            make(target)
            results[png] = ("ok", None)
            print(target)
        except NotApplicable as reason:
            results[png] = ("na", str(reason))
        except OSError:
            raise                                   # main reports it: 74
        except Exception as error:                  # noqa: BLE001
            results[png] = ("error", f"{type(error).__name__}: {error}")
            print(f"wafersim report: {png}: {type(error).__name__}: {error}",
                  file=sys.stderr)

    def cycle_time(target):
        """The cycle-time plot, not applicable without lot records."""
        try:
            frame = read_lots(args.result)
        except Exception as error:                  # noqa: BLE001
            raise NotApplicable(f"the file has no readable lot records ({error})")
        if frame.empty:
            raise NotApplicable("the file has no lot records (the run did not record lots)")
        try:
            plots.plot_cycle_time(ds, frame, target, scenario=args.scenario)
        except ValueError as error:                 # e.g. no lot after the warm-up
            raise NotApplicable(str(error))

    def operating_curve(target):
        """The operating curve, not applicable to a single scenario."""
        if ds.sizes.get("scenario", 1) < 2:
            raise NotApplicable("it needs a sweep (a file with more than one "
                                "scenario); this file has one scenario")
        try:
            plots.plot_operating_curve(ds, target, coord=args.coord)
        except ValueError as error:
            raise NotApplicable(str(error))

    def disruption_plot(target):
        """The disruption plot, not applicable without a pairable baseline."""
        nonlocal disruption
        if baseline is None:
            raise NotApplicable("it needs a baseline run: wafersim report "
                                "DISRUPTED.h5 --baseline BASELINE.h5")
        try:
            disruption = disruption_metrics(baseline, ds, scenario=args.scenario)
        except ValueError as error:
            raise NotApplicable(f"the runs cannot be paired: {error}")
        plots.plot_disruption(baseline, ds, target, scenario=args.scenario)

    attempt("monthly_output.png",
            lambda t: plots.plot_monthly_output(ds, t, scenario=args.scenario))
    attempt("cycle_time.png", cycle_time)
    attempt("utilisation.png",
            lambda t: plots.plot_utilisation(ds, t, scenario=args.scenario))
    attempt("operating_curve.png", operating_curve)
    attempt("disruption.png", disruption_plot)
    return results, disruption


def main(argv=None):
    """Entry point of ``python3 -m wafersim_analysis.report``; returns the
    exit status."""
    args = _parse(sys.argv[1:] if argv is None else argv)
    missing = missing_modules()
    if missing:
        packages = " ".join(REQUIRED_MODULES[m] for m in missing)
        print(f"wafersim report: missing Python packages: {', '.join(missing)}\n"
              f"  Python used: {sys.executable}\n"
              f"  on Debian 12 install them with: sudo apt-get install {packages}\n"
              f"  (or set WAFERSIM_PYTHON to a Python that has them)",
              file=sys.stderr)
        return EX_UNAVAILABLE
    import matplotlib
    matplotlib.use("Agg")

    for path in filter(None, (args.result, args.baseline)):
        if not os.path.isfile(path):
            print(f"wafersim report: {path}: no such file", file=sys.stderr)
            return EX_NOINPUT
    ds = _load(args.result, "result")
    baseline = _load(args.baseline, "baseline") if args.baseline else None
    nscen = ds.sizes.get("scenario", 1)
    if not -nscen <= args.scenario < nscen:
        print(f"wafersim report: --scenario must be from 0 to {nscen - 1}", file=sys.stderr)
        return EX_USAGE
    try:
        os.makedirs(args.output, exist_ok=True)
    except OSError as error:
        print(f"wafersim report: cannot create {args.output}: {error.strerror}",
              file=sys.stderr)
        return EX_CANTCREAT

    from .stats import summary
    try:
        table = summary(ds)
        results, disruption = _make_plots(args, ds, baseline)
        csv_path = os.path.join(args.output, "summary.csv")
        table.to_csv(csv_path)
        page = render_page(ds, args.result, table, results, baseline, args.baseline,
                           disruption, args.scenario)
        index = os.path.join(args.output, "index.html")
        with open(index + ".partial", "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(index + ".partial", index)
    except OSError as error:
        print(f"wafersim report: cannot write in {args.output}: {error}", file=sys.stderr)
        return EX_IOERR
    for png, (status, detail) in results.items():
        if status == "na":
            print(f"wafersim report: {png}: not applicable: {detail}", file=sys.stderr)
    print(f"report: {index}")
    failed = any(status == "error" for status, _ in results.values())
    return EX_SOFTWARE if failed else 0


if __name__ == "__main__":
    sys.exit(main())
