#!/usr/bin/python3
"""Regenerate the pictures of docs/analysis.md and the README (docs/images/)
from the shipped scenario scenarios/default.yaml.

Usage (from anywhere, after building wafersim)::

    /usr/bin/python3 analysis/make_docs_images.py [--wafersim build/wafersim]
                                                  [--output docs/images]

Writes monthly_output.png, cycle_time.png, utilisation.png,
operating_curve.png and disruption.png.  The runs use the scenario's seed,
so the pictures change only when the simulator or the plots do.

The operating curve is ``wafersim sweep
scenarios/examples/operating-curve.yaml`` (both products' starts scaled
together, litho at 60 to 95% load).  With a wafersim that has no ``sweep``
command it falls back to a stand-in: runs of the default fab with product
LOGIC released at 3000 to 5500 wafers per month, stacked along
``scenario`` by ``combine`` in the layout of a sweep file.

The disruption is a stand-in until wafersim has disruptions: the default
fab with one CLEAN tool fewer for the whole horizon, against the default
fab with the same seed.  It is a permanent loss of capacity, so output
never recovers.
"""

import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)
sys.path.insert(0, HERE)

import matplotlib                                   # noqa: E402

matplotlib.use("Agg")

import wafersim_analysis as wa                      # noqa: E402
from wafersim_analysis.runs import find_wafersim    # noqa: E402

SCENARIO = os.path.join(SOURCE, "scenarios", "default.yaml")
SWEEP = os.path.join(SOURCE, "scenarios", "examples", "operating-curve.yaml")
SWEEP_PARAMETER = "products.LOGIC.wafers_per_month"
SWEEP_RATES = [3000, 3500, 4000, 4500, 5000, 5300, 5500]
DISRUPTION = {"tool_groups.CLEAN.tools": 2}


def make_sweep(binary, tmp):
    """The sweep of the operating curve: wafersim sweep when it exists,
    else the stand-in made of separate runs."""
    has_sweep = subprocess.run([binary, "sweep", "--help"], capture_output=True).returncode == 0
    if has_sweep and os.path.isfile(SWEEP):
        path = os.path.join(tmp, "sweep.h5")
        done = subprocess.run([binary, "sweep", SWEEP, "-o", path, "-q"],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"wafersim sweep failed: {done.stderr.strip()}")
        return wa.load(path)
    runs = []
    for rate in SWEEP_RATES:
        variant = wa.scenario_variant(SCENARIO, os.path.join(tmp, f"logic-{rate}.yaml"),
                                      {SWEEP_PARAMETER: rate})
        runs.append(wa.run(variant, os.path.join(tmp, f"logic-{rate}.h5"), binary=binary))
    return wa.combine(runs, SWEEP_PARAMETER, SWEEP_RATES, {"units": "wafer/month"})


def main():
    """Runs the scenarios and writes the five PNGs; returns 0."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wafersim", help="wafersim program (default: found "
                        "as wafersim_analysis.runs.find_wafersim does)")
    parser.add_argument("--output", default=os.path.join(SOURCE, "docs", "images"),
                        help="directory of the PNGs (default: docs/images)")
    args = parser.parse_args()
    binary = find_wafersim(args.wafersim)
    os.makedirs(args.output, exist_ok=True)
    out = lambda name: os.path.join(args.output, name)      # noqa: E731

    with tempfile.TemporaryDirectory() as tmp:
        base_path = wa.run(SCENARIO, os.path.join(tmp, "default.h5"), binary=binary)
        base = wa.load(base_path)
        wa.plot_monthly_output(base, out("monthly_output.png"))
        wa.plot_cycle_time(base, wa.lots(base_path), out("cycle_time.png"))
        wa.plot_utilisation(base, out("utilisation.png"))

        wa.plot_operating_curve(make_sweep(binary, tmp), out("operating_curve.png"))

        variant = wa.scenario_variant(SCENARIO, os.path.join(tmp, "clean-2.yaml"),
                                      DISRUPTION, name="Default fab, CLEAN with 2 tools")
        disrupted = wa.load(wa.run(variant, os.path.join(tmp, "clean-2.h5"), binary=binary))
        wa.plot_disruption(base, disrupted, out("disruption.png"))
    for name in ("monthly_output", "cycle_time", "utilisation", "operating_curve",
                 "disruption"):
        print(out(name + ".png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
