"""Compare a run with reference figures in the layout of the SMT2020
reference files that PySCFabSim's evaluation reads (``lots_*.txt``:
``name th act on_time``; ``machines_*.txt``: ``name avail util br pm
setup``, percentages; docs/smt2020.md, "Against reference figures").

::

    from wafersim_analysis import reference
    lots = reference.compare_lots("hvlm.h5", "lots_SMT2020_HVLM.txt")
    tools = reference.compare_tool_groups("hvlm.h5", "machines_SMT2020_HVLM.txt")

    python3 -m wafersim_analysis.reference hvlm.h5 --lots LOTS --machines MACHINES

wafersim's figures are its steady-state means over replications (after
``warmup_days``), of the first scenario unless another is given.
Utilisation is taken as the reference files take it, busy (processing and
setup) over available time; availability and the breakdown, PM and setup
shares over all time.
"""

import argparse
import re
import sys

import numpy as np
import pandas as pd

from .stats import _as_dataset, summary, tool_group_summary

# Lot types of the SMT2020 files: Lot_3, HotLot_3 and SuperHotLot_3 are
# the regular, hot and super-hot lots of part_3.
_LOT_TYPE = re.compile(r"^(Lot|HotLot|SuperHotLot)_(.+)$")


def read_table(path):
    """A reference file: a header line of column names, then one row per
    name, separated by blanks.  Returns a DataFrame indexed by ``name``,
    numbers as floats."""
    rows = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().split()
        if not header or header[0] != "name":
            raise ValueError(f"{path}: the first line must name the columns, "
                             f"'name' first (got {' '.join(header)!r})")
        for number, line in enumerate(f, start=2):
            cells = line.split()
            if not cells:
                continue
            if len(cells) != len(header):
                raise ValueError(f"{path}:{number}: {len(cells)} cells, the "
                                 f"header has {len(header)}")
            try:
                rows.append([cells[0]] + [float(c) for c in cells[1:]])
            except ValueError:
                raise ValueError(f"{path}:{number}: a cell after the name is "
                                 f"not a number") from None
    return pd.DataFrame(rows, columns=header).set_index("name")


def _lot_type(name, products):
    """(product, hot) of a reference lot type, or None: a product's own
    name is its regular lots; Lot_N, HotLot_N, SuperHotLot_N are part_N's."""
    if name in products:
        return name, False
    m = _LOT_TYPE.match(name)
    if m and f"part_{m.group(2)}" in products:
        return f"part_{m.group(2)}", m.group(1) != "Lot"
    return None


def compare_lots(ds, path, scenario=0):
    """Cycle times and on-time shares against a reference lots file.

    Returns a DataFrame indexed by the reference's lot type, with
    ``product``, ``hot``, ``cycle_time_days`` and ``cycle_time_days_ref``
    (hot types: wafersim's hot-lot cycle time, over hot and super-hot
    lots), their ``cycle_time_difference`` (relative: wafersim / reference
    - 1), and for regular lots ``on_time_share`` and ``on_time_share_ref``.
    Lot types that name no product of the run are left out and listed in
    ``attrs["unmatched"]``."""
    ds = _as_dataset(ds)
    ref = read_table(path)
    table = summary(ds, metrics="all")
    scenarios = table.index.get_level_values("scenario")
    table = table[scenarios == scenarios.unique()[scenario]]
    mean = table["mean"].droplevel("scenario")
    products = set(ds["product"].values.tolist())
    rows, unmatched = [], []
    for name, r in ref.iterrows():
        kind = _lot_type(name, products)
        if kind is None:
            unmatched.append(name)
            continue
        product, hot = kind
        metric = "hot_cycle_time_days" if hot else "cycle_time_days"
        ct = float(mean.get((product, metric), np.nan))
        on_time = np.nan if hot else float(
            mean.get((product, "on_time_share"), np.nan))
        rows.append({"name": name, "product": product, "hot": hot,
                     "cycle_time_days": ct,
                     "cycle_time_days_ref": float(r["act"]),
                     "cycle_time_difference": ct / float(r["act"]) - 1.0,
                     "on_time_share": on_time,
                     "on_time_share_ref": np.nan if hot
                     else float(r["on_time"]) / 100.0})
    out = pd.DataFrame(rows).set_index("name") if rows else pd.DataFrame()
    out.attrs["unmatched"] = unmatched
    return out


def compare_tool_groups(ds, path, scenario=0):
    """Tool-group figures against a reference machines file, in percent.

    Returns a DataFrame indexed by tool group with ``availability``,
    ``utilisation`` (busy over available time), ``down``, ``pm`` and
    ``setup`` (shares of all time), each with its ``*_ref`` column, and
    ``utilisation_difference`` in points.  Names match case-insensitively
    (the published files spell one family ``DefMEt_FE_118``).  Reference
    rows that name no group of the run are in ``attrs["unmatched"]``."""
    ds = _as_dataset(ds)
    ref = read_table(path)
    table = tool_group_summary(ds)
    scenarios = table.index.get_level_values("scenario")
    table = table[scenarios == scenarios.unique()[scenario]]
    mean = table["mean"].droplevel("scenario")
    groups = {g.lower(): g for g in ds["tool_group"].values.tolist()}
    rows, unmatched = [], []
    for name, r in ref.iterrows():
        group = groups.get(name.lower())
        if group is None:
            unmatched.append(name)
            continue
        share = {s: float(mean[(group, f"{s}_share")])
                 for s in ("processing", "setup", "down", "pm")}
        available = 1.0 - share["down"] - share["pm"]
        util = ((share["processing"] + share["setup"]) / available
                if available > 0 else np.nan)
        rows.append({"tool_group": group,
                     "availability": 100 * available,
                     "availability_ref": float(r["avail"]),
                     "utilisation": 100 * util,
                     "utilisation_ref": float(r["util"]),
                     "utilisation_difference": 100 * util - float(r["util"]),
                     "down": 100 * share["down"], "down_ref": float(r["br"]),
                     "pm": 100 * share["pm"], "pm_ref": float(r["pm"]),
                     "setup": 100 * share["setup"],
                     "setup_ref": float(r["setup"])})
    out = pd.DataFrame(rows).set_index("tool_group") if rows else pd.DataFrame()
    out.attrs["unmatched"] = unmatched
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m wafersim_analysis.reference",
        description="Compare a wafersim result file with SMT2020 reference "
                    "files (lots_*.txt, machines_*.txt).")
    parser.add_argument("run", help="a wafersim result file")
    parser.add_argument("--lots", help="a reference lots file")
    parser.add_argument("--machines", help="a reference machines file")
    parser.add_argument("--within", type=float, default=3.0,
                        help="points of utilisation counted as close "
                             "(default 3)")
    args = parser.parse_args(argv)
    if not args.lots and not args.machines:
        parser.error("give --lots, --machines or both")
    try:
        ds = _as_dataset(args.run)
        with pd.option_context("display.width", 200,
                               "display.max_rows", 500,
                               "display.float_format", "{:.3f}".format):
            if args.lots:
                lots = compare_lots(ds, args.lots)
                print(lots.to_string())
                for name in lots.attrs["unmatched"]:
                    print(f"not in the run: lot type {name}")
            if args.machines:
                tools = compare_tool_groups(ds, args.machines)
                diff = tools["utilisation_difference"].abs()
                print(tools.sort_values("utilisation_difference",
                                        key=abs, ascending=False).to_string())
                for name in tools.attrs["unmatched"]:
                    print(f"not in the run: tool group {name}")
                print(f"{len(tools)} tool groups: availability within "
                      f"{(tools['availability'] - tools['availability_ref']).abs().max():.2f} "
                      f"points, utilisation within {args.within:g} points "
                      f"for {int((diff < args.within).sum())} (median "
                      f"difference {tools['utilisation_difference'].median():+.2f})")
    except (OSError, ValueError, KeyError) as e:
        print(f"python3 -m wafersim_analysis.reference: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
