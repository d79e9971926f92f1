"""Tests of analysis/wafersim_analysis and `wafersim report`: summary
statistics against values computed straight from the HDF5 arrays with
h5py, every plot's PNG, and the report's HTML.

Usage: /usr/bin/python3 tests/analysis_test.py WAFERSIM_BINARY SOURCE_DIR

Runs small simulations (the end-to-end test fab, 3 replications, 150 days)
in a temporary directory; about 20 s on two cores.
"""
import glob
import math
import os
import re
import struct
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import pandas as pd
import xarray as xr

BINARY = None
SOURCE = None
wa = None                                       # wafersim_analysis, imported in main

# Student t quantiles t(0.975, dof) (GSL's gsl_cdf_tdist_Pinv), for 95%
# two-sided intervals.
T_975 = {1: 12.706204736174707, 2: 4.302652729749464, 3: 3.182446305284263,
         4: 2.7764451051977934, 9: 2.2621571627982053, 30: 2.0422724563012373}
DAYS_PER_MONTH = 365.2425 / 12


def run(*args, env=None):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env)


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; fails if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", path
    return struct.unpack(">II", head[16:24])


def direct_metrics(path):
    """Per (scenario, replication, product) output rate, cycle time and
    x-factor after the warm-up, computed from the raw HDF5 arrays."""
    with h5py.File(path, "r") as f:
        out = f["wafers_out"][...]
        ct = f["cycle_time_days"][...]
        days = f["month_days"][...]
        steady = ~f["warmup"][...].astype(bool)
        rpt = f["raw_process_time_days"][...]
        products = list(f["product"].asstr()[...])
    S, R, _, P = out.shape
    rate = np.full((S, R, P), np.nan)
    cycle = np.full((S, R, P), np.nan)
    for s in range(S):
        for r in range(R):
            for p in range(P):
                o, c = out[s, r, steady, p], ct[s, r, steady, p]
                rate[s, r, p] = o.sum() / days[steady].sum() * DAYS_PER_MONTH
                ok = ~np.isnan(c)
                cycle[s, r, p] = (c[ok] * o[ok]).sum() / o[ok].sum()
    # raw_process_time_days is (product) in a format 1 file, (scenario,
    # product) once sweeps may change it from point to point.
    rpt = rpt.reshape(-1, P)[:, None, :]
    return products, {"wafers_per_month": rate, "cycle_time_days": cycle,
                      "x_factor": cycle / rpt}


class Analysis(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.scenario = os.path.join(SOURCE, "tests", "data", "small.yaml")
        cls.one = cls.path("one.h5")
        r = run("run", cls.scenario, "-o", cls.one, "-r", 3, "--days", 150, "-q")
        assert r.returncode == 0, r.stderr
        # Warm-up and horizon on month boundaries (2025-04-01, 2025-08-01):
        # the summary must then equal the file's steady-state variables.
        cls.aligned = cls.path("aligned.h5")
        r = run("run", cls.scenario, "-o", cls.aligned, "-r", 3, "--days", 139,
                "--warmup-days", 17, "-q")
        assert r.returncode == 0, r.stderr
        # A stand-in sweep: the same fab at three release rates of A.
        cls.rates = [2000, 3000, 3600]
        paths = []
        for rate in cls.rates:
            variant = wa.scenario_variant(cls.scenario, cls.path(f"a{rate}.yaml"),
                                          {"products.A.wafers_per_month": rate})
            paths.append(wa.run(variant, cls.path(f"a{rate}.h5"), "-r", 3,
                                "--days", 150, binary=BINARY))
        cls.sweep_paths = paths
        cls.sweep = wa.combine(paths, "products.A.wafers_per_month", cls.rates,
                               {"units": "wafer/month"})
        cls.sweep_file = cls.path("sweep.h5")
        cls.sweep.to_netcdf(cls.sweep_file, engine="h5netcdf")
        # A stand-in disruption: one ETCH tool fewer for the whole horizon.
        variant = wa.scenario_variant(cls.scenario, cls.path("etch2.yaml"),
                                      {"tool_groups.ETCH.tools": 2},
                                      name="small, ETCH with 2 tools")
        cls.disrupted = wa.run(variant, cls.path("etch2.h5"), "-r", 3, "--days", 150,
                               binary=BINARY)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)

    # -- statistics ---------------------------------------------------------

    def test_t_quantile(self):
        for dof, expected in T_975.items():
            self.assertAlmostEqual(wa.t_quantile(0.975, dof), expected, places=9)
        self.assertAlmostEqual(wa.t_quantile(0.995, 3), 5.840909309733, places=9)
        self.assertAlmostEqual(wa.t_quantile(0.025, 4), -T_975[4], places=9)
        ci = wa.confidence_interval([1.0, 2.0, 3.0, np.nan])
        self.assertEqual(ci["n"], 3)
        self.assertAlmostEqual(ci["half_width"], T_975[2] * 1.0 / math.sqrt(3), places=12)
        self.assertTrue(math.isnan(wa.confidence_interval([5.0])["half_width"]))

    def check_summary_against_h5py(self, path):
        ds = wa.load(path)
        table = wa.summary(ds)
        products, direct = direct_metrics(path)
        S, R = ds.sizes["scenario"], ds.sizes["replication"]
        self.assertEqual(len(table), S * len(products) * 3)
        for metric, values in direct.items():
            for s in range(S):
                for p, product in enumerate(products):
                    x = values[s, :, p]
                    row = table.loc[(s, product, metric)]
                    mean = x.mean()
                    half = T_975[R - 1] * x.std(ddof=1) / math.sqrt(R)
                    self.assertEqual(row["n"], R)
                    np.testing.assert_allclose(row["mean"], mean, rtol=1e-12,
                                               err_msg=f"{metric} {s} {product}")
                    np.testing.assert_allclose(row["half_width"], half, rtol=1e-9,
                                               err_msg=f"{metric} {s} {product}")
                    np.testing.assert_allclose([row["low"], row["high"]],
                                               [mean - half, mean + half], rtol=1e-9)
        return ds, table

    def test_summary_agrees_with_h5py(self):
        ds, table = self.check_summary_against_h5py(self.one)
        self.assertEqual(list(table.index.names), ["scenario", "product", "metric"])
        self.assertEqual(table.loc[(0, "A", "x_factor"), "unit"], "1")
        # The first months (partial March, April, May) are warm-up.
        self.assertEqual([bool(w) for w in ds["warmup"].values], [True] * 3 + [False] * 3)

    def test_summary_takes_a_path(self):
        pd.testing.assert_frame_equal(wa.summary(self.one),
                                      wa.summary(wa.load(self.one)))
        pd.testing.assert_frame_equal(wa.tool_group_summary(self.one),
                                      wa.tool_group_summary(wa.load(self.one)))

    def test_summary_of_a_sweep_agrees_with_h5py(self):
        ds, table = self.check_summary_against_h5py(self.sweep_file)
        self.assertEqual(ds.sizes["scenario"], 3)
        self.assertIn("products.A.wafers_per_month", table.columns)
        self.assertEqual(table.xs("wafers_per_month", level="metric")
                         .xs("A", level="product")["products.A.wafers_per_month"]
                         .tolist(), self.rates)
        # Each point of the stacked file is its own run.
        for s, path in enumerate(self.sweep_paths):
            alone = wa.summary(wa.load(path))
            np.testing.assert_allclose(table.loc[s]["mean"].values,
                                       alone.loc[0]["mean"].values, rtol=1e-12)

    def test_cycle_time_is_the_mean_over_lots(self):
        """The monthly cycle times weighted by output give exactly the mean
        cycle time of the lots (h5py, group lots) finished after the warm-up."""
        per_rep = wa.replication_metrics(wa.load(self.one))
        with h5py.File(self.one, "r") as f:
            steady_day = f["month"][...][~f["warmup"][...].astype(bool)][0]
            lots = f["lots"]
            rep = lots["lot_replication"][...]
            prod = lots["lot_product"].asstr()[...]
            finish = lots["finish_time_days"][...]
            ct = lots["cycle_time_days"][...]
        for r in range(3):
            for product in ("A", "B"):
                sel = (rep == r) & (prod == product) & (finish >= steady_day)
                np.testing.assert_allclose(
                    per_rep["cycle_time_days"].sel(scenario=0, replication=r,
                                                   product=product).item(),
                    ct[sel].mean(), rtol=1e-10)

    def test_summary_matches_steady_state_variables_when_aligned(self):
        ds = wa.load(self.aligned)
        table = wa.summary(ds)
        for product in ("A", "B"):
            rate = (ds["throughput_wafers_per_day"].sel(scenario=0, product=product)
                    * DAYS_PER_MONTH).values
            ct = ds["mean_cycle_time_days"].sel(scenario=0, product=product).values
            np.testing.assert_allclose(table.loc[(0, product, "wafers_per_month"), "mean"],
                                       rate.mean(), rtol=1e-9)
            np.testing.assert_allclose(table.loc[(0, product, "cycle_time_days"), "mean"],
                                       ct.mean(), rtol=1e-9)

    def test_summary_skips_unwritten_replications(self):
        ds = wa.load(self.one)
        ds["wafers_out"][0, 1] = np.nan             # as in a .partial file
        ds["cycle_time_days"][0, 1] = np.nan
        table = wa.summary(ds)
        self.assertTrue((table["n"] == 2).all())
        _, direct = direct_metrics(self.one)
        np.testing.assert_allclose(table.loc[(0, "A", "wafers_per_month"), "mean"],
                                   direct["wafers_per_month"][0, [0, 2], 0].mean(),
                                   rtol=1e-12)

    def test_wafersim_sweep_file(self):
        """A file of `wafersim sweep` (a 2 x 2 grid): the summary agrees with
        h5py and, warm-up and horizon being on month boundaries, with the
        summary variables wafersim writes itself; the operating curve gets a
        line per ETCH tool count."""
        path = self.path("grid.h5")
        r = run("sweep", os.path.join(SOURCE, "tests", "data", "sweep.yaml"), "-o", path,
                "-r", 3, "--days", 139, "--warmup-days", 17, "-q")
        if "unknown command" in r.stderr:
            self.skipTest("this wafersim has no sweep command")
        self.assertEqual(r.returncode, 0, r.stderr)
        ds, table = self.check_summary_against_h5py(path)
        self.assertEqual(wa.swept_coordinates(ds)[:2],
                         ["products.A.wafers_per_month", "tool_groups.ETCH.tools"])
        for metric in ("wafers_per_month", "cycle_time_days", "x_factor"):
            own = "summary_" + metric
            if own not in ds:
                continue
            mine = table.xs(metric, level="metric")
            np.testing.assert_allclose(mine["mean"].unstack("product").values,
                                       ds[own].values, rtol=1e-9, err_msg=metric)
            np.testing.assert_allclose(mine["half_width"].unstack("product").values,
                                       ds[own + "_ci95"].values, rtol=1e-9, err_msg=metric)
        out = self.path("grid_oc.png")
        fig = wa.plot_operating_curve(ds, out)
        self.check_png(out, "operating_curve", ds)
        labels = fig.axes[0].get_legend_handles_labels()[1]
        self.assertIn("tool_groups.ETCH.tools = 3", labels)
        self.assertIn("products.A.wafers_per_month", fig.axes[0].get_xlabel())

    def test_compare_scenarios_is_paired(self):
        table = wa.compare_scenarios(self.sweep, 0, -1)
        _, direct = direct_metrics(self.sweep_file)
        d = direct["cycle_time_days"][2, :, 0] - direct["cycle_time_days"][0, :, 0]
        row = table.loc[("A", "cycle_time_days")]
        np.testing.assert_allclose(row["diff_mean"], d.mean(), rtol=1e-10)
        np.testing.assert_allclose(row["diff_half_width"],
                                   T_975[2] * d.std(ddof=1) / math.sqrt(3), rtol=1e-9)

    def test_disruption_metrics(self):
        """Drop, recovery (5%) and paired lost wafers on made-up numbers."""
        months = pd.date_range("2025-01-01", periods=6, freq="MS")

        def fake(values):
            data = np.array(values, dtype=float).reshape(1, 2, 6, 1)
            return xr.Dataset(
                {"wafers_out": (("scenario", "replication", "month", "product"), data)},
                coords={"scenario": [0], "replication": [0, 1], "month": months,
                        "product": ["A"], "warmup": ("month", [True] + [False] * 5),
                        "month_days": ("month", months.days_in_month.astype(float))},
                attrs={"base_seed": 7})
        base = fake([100] * 12)
        hit = fake([100, 50, 80, 94, 96, 100, 100, 50, 80, 94, 96, 100])
        m = wa.disruption_metrics(base, hit)
        self.assertEqual(m["drop_index"], 1)
        self.assertEqual(m["recovery_index"], 4)
        self.assertEqual(pd.Timestamp(m["recovery_month"]), pd.Timestamp("2025-05-01"))
        np.testing.assert_allclose(m["lost"]["mean"].values, [0, 50, 70, 76, 80, 80])
        self.assertEqual(m["lost_total"]["half_width"], 0.0)
        self.assertTrue(m["same_seed"])
        never = wa.disruption_metrics(base, fake([100, 50, 80, 90, 90, 90] * 2))
        self.assertEqual(never["drop_index"], 1)
        self.assertIsNone(never["recovery_index"])
        fine = wa.disruption_metrics(base, base)
        self.assertIsNone(fine["drop_index"])
        with self.assertRaises(ValueError):
            wa.disruption_metrics(base, fake([100] * 12).isel(month=slice(0, 5)))

    def test_disruption_lost_wafers_from_h5py(self):
        m = wa.disruption_metrics(wa.load(self.one), wa.load(self.disrupted))
        with h5py.File(self.one, "r") as a, h5py.File(self.disrupted, "r") as b:
            lost = (a["wafers_out"][0].sum(axis=(1, 2)) - b["wafers_out"][0].sum(axis=(1, 2)))
            self.assertEqual(a.attrs["base_seed"], b.attrs["base_seed"])
        np.testing.assert_allclose(m["lost_total"]["mean"], lost.mean(), rtol=1e-12)
        np.testing.assert_allclose(m["lost_total"]["half_width"],
                                   T_975[2] * lost.std(ddof=1) / math.sqrt(3), rtol=1e-9)
        self.assertTrue(m["same_seed"])

    # -- helpers for runs ------------------------------------------------------

    def test_scenario_variant(self):
        out = self.path("variant.yaml")
        wa.scenario_variant(self.scenario, out, {"tool_groups.LITHO.tools": 3,
                                                 "products.A.wafers_per_month": 1234.5,
                                                 "horizon_days": 90})
        r = run("validate", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(9 tools)", r.stdout)        # CLEAN 2, LITHO 3 (was 2), ETCH 3, METRO 1
        with open(out, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("wafers_per_month: 1234.5", text)
        self.assertIn("horizon_days: 90", text)
        with self.assertRaises(KeyError):
            wa.scenario_variant(self.scenario, out, {"tool_groups.NOPE.tools": 1})

    def test_combine_layout(self):
        ds = self.sweep
        self.assertEqual(ds["scenario"].values.tolist(), [0, 1, 2])
        self.assertEqual(ds["products.A.wafers_per_month"].dims, ("scenario",))
        self.assertEqual(wa.swept_coordinates(ds), ["products.A.wafers_per_month"])
        self.assertEqual(ds["wafers_out"].dims, ("scenario", "replication", "month", "product"))
        # Equal in every run: kept as it was, with or without a scenario dim.
        self.assertIn(ds["tools"].dims, (("tool_group",), ("scenario", "tool_group")))

    def test_import_needs_no_third_party_package(self):
        code = ("import sys; import wafersim_analysis as wa; "
                "assert 'xarray' not in sys.modules and 'matplotlib' not in sys.modules; "
                "wa.summary; assert 'matplotlib' not in sys.modules")
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": os.path.join(SOURCE, "analysis")})
        self.assertEqual(r.returncode, 0, r.stderr)

    # -- plots ----------------------------------------------------------------

    def check_png(self, path, kind, ds):
        self.assertTrue(os.path.isfile(path), path)
        self.assertGreater(os.path.getsize(path), 10000, path)
        self.assertEqual(png_size(path), wa.plots.figure_size_px(kind, ds), path)

    def test_plot_sizes_are_as_documented(self):
        ds = wa.load(self.one)
        expected = {"monthly_output": (1100, 572), "cycle_time": (1210, 528),
                    "utilisation": (1100, 396), "operating_curve": (990, 616),
                    "disruption": (1100, 792)}
        for kind, size in expected.items():
            self.assertEqual(wa.plots.figure_size_px(kind, ds), size, kind)

    def test_plot_monthly_output(self):
        ds = wa.load(self.one)
        out = self.path("monthly_output.png")
        fig = wa.plot_monthly_output(ds, out)
        self.check_png(out, "monthly_output", ds)
        ax = fig.axes[0]
        self.assertIn("wafer", ax.get_ylabel())
        self.assertEqual([t.get_text() for t in ax.get_xticklabels()][:2],
                         ["Mar\n2025", "Apr"])

    def test_plot_cycle_time(self):
        ds = wa.load(self.one)
        out = self.path("cycle_time.png")
        fig = wa.plot_cycle_time(ds, wa.lots(self.one), out)
        self.check_png(out, "cycle_time", ds)
        self.assertIn("days", fig.axes[0].get_xlabel())
        with self.assertRaises(ValueError):
            wa.plot_cycle_time(ds, wa.lots(self.one).iloc[:0])

    def test_plot_utilisation(self):
        ds = wa.load(self.one)
        out = self.path("utilisation.png")
        wa.plot_utilisation(ds, out)
        self.check_png(out, "utilisation", ds)

    def test_plot_operating_curve(self):
        for coord, name in ((None, "oc_coord.png"), ("throughput", "oc_tp.png")):
            out = self.path(name)
            fig = wa.plot_operating_curve(self.sweep, out, coord=coord)
            self.check_png(out, "operating_curve", self.sweep)
            expected = "products.A.wafers_per_month" if coord is None else "wafers per month"
            self.assertIn(expected, fig.axes[0].get_xlabel())
        out = self.path("oc_ct.png")
        wa.plot_operating_curve(self.sweep, out, y="cycle_time_days")
        self.check_png(out, "operating_curve", self.sweep)
        with self.assertRaises(ValueError):
            wa.plot_operating_curve(wa.load(self.one))

    def test_plot_disruption(self):
        base = wa.load(self.one)
        out = self.path("disruption.png")
        wa.plot_disruption(base, wa.load(self.disrupted), out)
        self.check_png(out, "disruption", base)
        out = self.path("disruption_a.png")
        wa.plot_disruption(base, wa.load(self.disrupted), out, product="A")
        self.check_png(out, "disruption", base)

    # -- reference figures ------------------------------------------------------

    def write(self, name, text):
        path = self.path(name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_reference_tool_groups_against_h5py(self):
        from wafersim_analysis import reference
        with h5py.File(self.one, "r") as f:
            share = f["mean_tool_state_share"][0].mean(axis=0)   # (group, state)
            groups = list(f["tool_group"].asstr()[...])
            states = list(f["tool_state"].asstr()[...])
        s = {name: share[:, states.index(name)] for name in states}
        avail = 1 - s["down"] - s["pm"]
        util = (s["processing"] + s["setup"]) / avail
        clean, litho = groups.index("CLEAN"), groups.index("LITHO")
        # CLEAN as the run has it (named in lower case), LITHO 2 points
        # busier, and a family the run does not have.
        path = self.write("machines.txt", "name avail util br pm setup\n"
                          f"clean {100 * avail[clean]!r} {100 * util[clean]!r} 0 0 0\n"
                          f"LITHO 90 {100 * util[litho] + 2!r} 1 2 3\n"
                          "NOPE 1 2 3 4 5\n")
        t = reference.compare_tool_groups(self.one, path)
        self.assertEqual(list(t.index), ["CLEAN", "LITHO"])
        self.assertEqual(t.attrs["unmatched"], ["NOPE"])
        self.assertAlmostEqual(t.loc["CLEAN", "utilisation_difference"], 0, delta=1e-9)
        self.assertAlmostEqual(t.loc["CLEAN", "availability"],
                               t.loc["CLEAN", "availability_ref"], delta=1e-9)
        self.assertAlmostEqual(t.loc["LITHO", "utilisation_difference"], -2, delta=1e-9)
        self.assertEqual(list(t.loc["LITHO", ["down_ref", "pm_ref", "setup_ref"]]),
                         [1, 2, 3])
        self.assertAlmostEqual(t.loc["LITHO", "setup"], 100 * s["setup"][litho],
                               delta=1e-9)
        r = subprocess.run([sys.executable, "-m", "wafersim_analysis.reference", self.one,
                            "--machines", path], capture_output=True, text=True,
                           cwd=os.path.join(SOURCE, "analysis"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("not in the run: tool group NOPE", r.stdout)
        self.assertIn("2 tool groups: availability within 10.00 points, utilisation "
                      "within 3 points for 2 (median difference -1.00)", r.stdout)
        r = subprocess.run([sys.executable, "-m", "wafersim_analysis.reference", self.one,
                            "--machines", path, "--within", "1"], capture_output=True,
                           text=True, cwd=os.path.join(SOURCE, "analysis"))
        self.assertIn("utilisation within 1 points for 1 ", r.stdout)

    def test_reference_lots(self):
        from wafersim_analysis import reference
        _, direct = direct_metrics(self.one)
        ct = direct["cycle_time_days"][0].mean(axis=0)          # (product)
        path = self.write("lots.txt", "name th act on_time\n"
                          f"A 100 {1.25 * ct[0]!r} 50\n"
                          "Lot_9 1 2 3\n")
        t = reference.compare_lots(self.one, path)
        self.assertEqual(list(t.index), ["A"])
        self.assertEqual(t.attrs["unmatched"], ["Lot_9"])
        self.assertAlmostEqual(t.loc["A", "cycle_time_difference"], 1 / 1.25 - 1,
                               delta=1e-12)
        self.assertEqual(t.loc["A", "on_time_share_ref"], 0.5)
        self.assertFalse(t.loc["A", "hot"])
        bad = self.write("bad.txt", "name act\nA x\n")
        with self.assertRaisesRegex(ValueError, r"bad.txt:2: a cell after the name"):
            reference.compare_lots(self.one, bad)
        r = subprocess.run([sys.executable, "-m", "wafersim_analysis.reference", self.one,
                            "--lots", bad], capture_output=True, text=True,
                           cwd=os.path.join(SOURCE, "analysis"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.txt:2:", r.stderr)

    # -- wafersim report --------------------------------------------------------

    def report(self, *args, env=None):
        return run("report", *args, env=None if env is None else {**os.environ, **env})

    def check_page(self, directory):
        """index.html shows exactly the PNGs in the directory; returns it."""
        with open(os.path.join(directory, "index.html"), encoding="utf-8") as f:
            page = f.read()
        shown = set(re.findall(r'<img src="([^"]+)"', page))
        written = {os.path.basename(p) for p in glob.glob(os.path.join(directory, "*.png"))}
        self.assertEqual(shown, written)
        for png in written:
            self.assertGreater(os.path.getsize(os.path.join(directory, png)), 10000)
        return page, written

    def test_report_of_a_run(self):
        out = self.path("report-one")
        r = self.report(self.one, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.rstrip().endswith(f"report: {out}/index.html"))
        page, written = self.check_page(out)
        self.assertEqual(written, {"monthly_output.png", "cycle_time.png",
                                   "utilisation.png"})
        self.assertEqual(page.count("Not applicable"), 2)
        self.assertIn("needs a sweep", page)
        self.assertIn("needs a baseline", page)
        ds = wa.load(self.one)
        for text in (ds.attrs["version"], ds.attrs["git_revision"],
                     str(ds.attrs["base_seed"]), "<details>", "small"):
            self.assertIn(text, page)
        self.assertIn(ds.attrs["command_line"].split()[0], page)
        summary = pd.read_csv(os.path.join(out, "summary.csv"))
        self.assertEqual(len(summary), 6)
        mean = summary.set_index(["product", "metric"]).loc[("A", "cycle_time_days"), "mean"]
        self.assertIn(f"{mean:.2f} ±", page)

    def test_report_of_a_sweep_with_baseline(self):
        out = self.path("report-sweep")
        r = self.report(self.sweep_file, "-o", out, "--scenario", 1)
        self.assertEqual(r.returncode, 0, r.stderr)
        page, written = self.check_page(out)
        self.assertIn("operating_curve.png", written)
        self.assertIn("products.A.wafers_per_month", page)
        out = self.path("report-disruption")
        r = self.report(self.disrupted, "-o", out, "--baseline", self.one)
        self.assertEqual(r.returncode, 0, r.stderr)
        page, written = self.check_page(out)
        self.assertIn("disruption.png", written)
        self.assertIn("lost wafers", page)
        self.assertIn("Baseline", page)

    def test_report_errors(self):
        out = self.path("report-errors")
        r = self.report(self.path("missing.h5"), "-o", out)
        self.assertEqual(r.returncode, 66, r.stderr)
        r = self.report(self.one, "-o", out, "--baseline", self.path("missing.h5"))
        self.assertEqual(r.returncode, 66, r.stderr)
        for args in ([], [self.one, "--bogus"], [self.one, self.one],
                     [self.one, "--scenario", "x"]):
            r = self.report(*args)
            self.assertEqual(r.returncode, 64, (args, r.stderr))
        r = self.report(self.one, "-o", out, "--scenario", 5)
        self.assertEqual(r.returncode, 64, r.stderr)
        r = self.report(self.scenario, "-o", out)
        self.assertEqual(r.returncode, 65, r.stderr)
        r = self.report(self.one, "-o", out, env={"WAFERSIM_PYTHON": "/nonexistent/python3"})
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn("python3-matplotlib", r.stderr)
        r = self.report(self.one, "-o", out, env={"WAFERSIM_ANALYSIS_PATH": self.dir})
        self.assertEqual(r.returncode, 69, r.stderr)
        # A Python whose matplotlib does not import: the module names it.
        fake = self.path("fake-site")
        os.makedirs(os.path.join(fake, "matplotlib"), exist_ok=True)
        with open(os.path.join(fake, "matplotlib", "__init__.py"), "w") as f:
            f.write("raise ImportError('simulated: not installed')\n")
        r = self.report(self.one, "-o", out, env={"PYTHONPATH": fake})
        self.assertEqual(r.returncode, 69, r.stderr)
        self.assertIn("matplotlib", r.stderr)
        self.assertIn("apt-get install python3-matplotlib", r.stderr)
        self.assertFalse(os.path.exists(out))
        r = self.report(self.one, "-o", "/proc/wafersim-report")
        self.assertEqual(r.returncode, 73, r.stderr)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    sys.path.insert(0, os.path.join(SOURCE, "analysis"))
    import matplotlib
    matplotlib.use("Agg")
    import wafersim_analysis
    import wafersim_analysis.plots              # noqa: F401  (wa.plots)
    wa = wafersim_analysis
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f"{result.testsRun - failed - skipped} passed, {failed} failed"
          + (f" ({skipped} skipped)" if skipped else ""))
    sys.exit(1 if failed else 0)
