"""End-to-end test of `wafersim compare BASE.h5 OTHER.h5`.

Two kinds of inputs:
- fixture files written here with h5py in the run-file layout of
  format_version 3 (docs/output-format.md), designed so that every measure
  can be worked out by hand (see make_pair);
- real runs of scenarios/minifab.yaml, the disrupted one with a diffusion
  tool fewer.

Usage: /usr/bin/python3 tests/compare_test.py WAFERSIM_BINARY SOURCE_DIR
"""
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

BINARY = None
SOURCE = None

T975 = {1: 12.706205, 2: 4.302653}      # Student t quantiles t(0.975, dof)
MONTHS = [0.0, 31.0, 59.0, 90.0, 120.0, 151.0]    # 2025-01 .. 2025-06
WEEKS = 26                                # 182 days; week k ends on 7k + 7
WARMUP = 28.0                             # weeks 0..3 end by then
INDICATORS = ["wip_vs_plan", "bottleneck_queue_growth", "projected_shortfall"]


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def write_run_file(path, wafers_out, weekly=None, events=(), seed=1994,
                   months=MONTHS, weekly_vars=True):
    """A result file in the run layout: wafers_out is (replication, month,
    product) of scenario 0; weekly a dict of (replication, week[, area])
    arrays named as in the file; events (replication, start) occurrences of
    the two disruptions in turn, as disruption_first_start_days."""
    wafers_out = np.asarray(wafers_out, dtype=float)[None]
    S, R, M, P = wafers_out.shape
    strings = h5py.string_dtype()
    with h5py.File(path, "w") as f:
        f.attrs["software"] = "wafersim"
        f.attrs["format_version"] = np.int32(3 if weekly_vars else 2)
        f.attrs["base_seed"] = np.uint64(seed)
        f.attrs["start_date"] = "2025-01-01"
        f.attrs["horizon_days"] = 182.0
        f.attrs["warmup_days"] = WARMUP
        f.attrs["replications"] = np.int32(R)
        f["scenario"] = np.arange(S, dtype=np.int32)
        f["replication"] = np.arange(R, dtype=np.int32)
        f["month"] = np.asarray(months, dtype=float)
        f.create_dataset("product", data=["A", "B"][:P], dtype=strings)
        f["warmup"] = np.asarray(months) < WARMUP
        f["wafers_out"] = wafers_out
        f["task_done"] = np.ones((S, R), dtype=bool)
        if not weekly_vars:
            return
        f["week"] = 7.0 * np.arange(1, WEEKS + 1)
        f["week_warmup"] = f["week"][...] <= WARMUP
        f.create_dataset("area", data=["DIFF", "LITHO"], dtype=strings)
        for name, values in weekly.items():
            f[name] = np.asarray(values, dtype=float)[None]
        f.create_dataset("disruption", data=["quake", "sag"], dtype=strings)
        f.create_dataset("disruption_kind", data=["shutdown", "power_sag"],
                         dtype=strings)
        first = np.full((S, R, 2), np.nan)
        for i, (r, start) in enumerate(events):
            first[0, r, i % 2] = np.fmin(first[0, r, i % 2], start)
        f["disruption_first_start_days"] = first


def make_pair(directory, **kwargs):
    """BASE and OTHER of three replications, worked out by hand.

    Monthly output (A + B), BASE 150 every month:
      rep 0: disruptions at day 80 and day 70 (month 2, week 10);
             OTHER 150 150 120 140 150 150: drop in month 2 (120 < 142.5),
             back in month 4: recovery 4 - 2 = 2 months; lost 30 + 10 = 40.
      rep 1: event at day 65 (month 2, week 9); OTHER 100 from month 2 on:
             never recovers; lost 4 x 50 = 200.
      rep 2: no event (onset: end of warm-up, day 28, week 4); no change.
    Weekly output, BASE 35 a week:
      rep 0: OTHER 20 from week 12: trailing 4 weeks 125 < 0.95 x 140 at
             week 12 (ends day 91);
      rep 1: OTHER 0 from week 10: drop at week 10 (day 77);
      rep 2: no drop.
    Indicators, limits from BASE's weeks 4..25:
      queue growth, BASE 1, 3, 1, 3 ...: limits 2 -+ 3.07; rep 0 OTHER 8 in
        week 6 (a false alarm: 1 of weeks 4..9) and 10 from week 10: flag
        day 77, lead 91 - 77 = 14;
      projected shortfall, BASE 0 (sd 0): rep 0 OTHER 0.5 from week 14:
        flag day 105, lead 91 - 105 = -14;
      WIP vs plan, areas DIFF (1.0, 1.2 ...) and LITHO (0.9, 1.1 ...):
        rep 0 LITHO 3 from week 11: flag day 84, lead 7; rep 1 DIFF 5 from
        week 13: flag day 98, lead 77 - 98 = -21.
    """
    R = 3
    monthly = np.zeros((R, 6, 2))
    monthly[..., 0], monthly[..., 1] = 100.0, 50.0
    other = monthly.copy()
    other[0, :, 0] = [100, 100, 70, 90, 100, 100]
    other[1, 2:, 0] = 50
    weeks = np.arange(WEEKS)
    alt = lambda a, b: np.where(weeks % 2 == 0, a, b)
    base_w = {
        "weekly_wafers_out": np.full((R, WEEKS), 35.0),
        "ew_bottleneck_queue_growth_days": np.tile(alt(1.0, 3.0), (R, 1)),
        "ew_projected_shortfall": np.zeros((R, WEEKS)),
        "ew_wip_vs_plan": np.tile(np.stack([alt(1.0, 1.2), alt(0.9, 1.1)], -1),
                                  (R, 1, 1)),
    }
    other_w = {k: v.copy() for k, v in base_w.items()}
    other_w["weekly_wafers_out"][0, 12:] = 20
    other_w["weekly_wafers_out"][1, 10:] = 0
    other_w["ew_bottleneck_queue_growth_days"][0, 6] = 8
    other_w["ew_bottleneck_queue_growth_days"][0, 10:] = 10
    other_w["ew_projected_shortfall"][0, 14:] = 0.5
    other_w["ew_wip_vs_plan"][0, 11:, 1] = 3
    other_w["ew_wip_vs_plan"][1, 13:, 0] = 5
    base = os.path.join(directory, "base.h5")
    disrupted = os.path.join(directory, "other.h5")
    write_run_file(base, monthly, base_w, **kwargs)
    write_run_file(disrupted, other, other_w,
                   events=[(0, 80.0), (0, 70.0), (1, 65.0)], **kwargs)
    return base, disrupted


def half_width(values):
    v = np.asarray([x for x in values if not math.isnan(x)])
    return T975[len(v) - 1] * v.std(ddof=1) / math.sqrt(len(v))


class Fixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.base, cls.other = make_pair(cls.tmp.name)
        cls.out = os.path.join(cls.tmp.name, "cmp.h5")
        cls.r = run("compare", cls.base, cls.other, "-o", cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_exit_and_table(self):
        r = self.r
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertIn("3 paired replications, common random numbers (seed 1994)",
                      r.stdout)
        self.assertIn("onset: first disruption of each replication, days 65.0 "
                      "to 70.0 (2 of 3 replications; the others: end of the "
                      "warm-up, day 28)", r.stdout)
        total = f"80.0 ± {half_width([40, 200, 0]):.1f}"
        self.assertRegex(r.stdout, r"total wafers lost\s+" + total)
        self.assertIn("output dropped                      2 of 3 replications",
                      r.stdout)
        self.assertIn("recovered 1, not within the horizon 1", r.stdout)
        # Months before March do not differ in any replication.
        self.assertIn("(no difference before 2025-03-01)", r.stdout)
        self.assertNotIn("2025-02-01", r.stdout)
        self.assertRegex(r.stdout, r"2025-03-01\s+150\.0\s+123\.3\s+26\.7 ± ")
        lines = {line.split()[0]: line for line in r.stdout.splitlines()
                 if line.split() and line.split()[0] in INDICATORS}
        self.assertRegex(lines["wip_vs_plan"],
                         rf"-7\.0 ± {half_width([7, -21]):.1f}\s+1 of 2\s+0\.000 ± 0\.000")
        self.assertRegex(lines["bottleneck_queue_growth"],
                         r"14\.0\s+1 of 2\s+0\.083 ± ")
        self.assertRegex(lines["projected_shortfall"], r"-14\.0\s+0 of 2\s+0\.000")
        self.assertIn("in 2 of 3 replications", r.stdout)
        self.assertTrue(r.stdout.rstrip().endswith("output: " + self.out))
        self.assertFalse(os.path.exists(self.out + ".partial"))

    def test_per_replication_values(self):
        nan = math.nan
        with h5py.File(self.out, "r") as f:
            np.testing.assert_array_equal(f["replication"][...], [0, 1, 2])
            np.testing.assert_array_equal(f["month"][...], MONTHS)
            self.assertEqual(list(f["indicator"].asstr()[...]), INDICATORS)
            np.testing.assert_array_equal(
                f["wafers_lost"][...],
                [[0, 0, 30, 10, 0, 0], [0, 0, 50, 50, 50, 50], [0] * 6])
            np.testing.assert_array_equal(
                f["cumulative_wafers_lost"][...],
                [[0, 0, 30, 40, 40, 40], [0, 0, 50, 100, 150, 200], [0] * 6])
            np.testing.assert_array_equal(f["onset_time_days"][...],
                                          [70, 65, WARMUP])
            np.testing.assert_array_equal(f["drop_months"][...], [0, 0, nan])
            np.testing.assert_array_equal(f["recovery_months"][...],
                                          [2, nan, nan])
            np.testing.assert_array_equal(f["output_drop_time_days"][...],
                                          [91, 77, nan])
            np.testing.assert_array_equal(
                f["flag_time_days"][...],
                [[84, 77, 105], [98, nan, nan], [nan, nan, nan]])
            np.testing.assert_array_equal(
                f["lead_time_days"][...],
                [[7, 14, -14], [-21, nan, nan], [nan, nan, nan]])
            np.testing.assert_allclose(
                f["false_alarm_share"][...],
                [[0, 1 / 6, 0], [0, 0, 0], [nan, nan, nan]], rtol=1e-15)
            self.assertEqual(f["wafers_lost"].dims[0][0].name, "/replication")
            self.assertEqual(f["wafers_lost"].dims[1][0].name, "/month")
            self.assertEqual(f["lead_time_days"].dims[1][0].name, "/indicator")

    def test_summary_values(self):
        with h5py.File(self.out, "r") as f:
            self.assertAlmostEqual(f["summary_total_wafers_lost"][()], 80.0)
            self.assertAlmostEqual(f["summary_total_wafers_lost_ci95"][()],
                                   half_width([40, 200, 0]), places=4)
            self.assertEqual(f["summary_recovery_months"][()], 2.0)
            self.assertTrue(math.isnan(f["summary_recovery_months_ci95"][()]))
            self.assertEqual(f["summary_replications_dropped"][()], 2)
            self.assertEqual(f["summary_replications_not_recovered"][()], 1)
            self.assertEqual(f["summary_replications_output_dropped"][()], 2)
            np.testing.assert_allclose(f["summary_cumulative_wafers_lost"][...],
                                       [0, 0, 80 / 3, 140 / 3, 190 / 3, 80])
            np.testing.assert_allclose(f["summary_lead_time_days"][...],
                                       [-7, 14, -14])
            self.assertAlmostEqual(f["summary_lead_time_days_ci95"][0],
                                   half_width([7, -21]), places=4)
            np.testing.assert_array_equal(f["summary_warned"][...], [1, 1, 0])
            np.testing.assert_allclose(f["summary_warned_share"][...],
                                       [0.5, 0.5, 0])
            np.testing.assert_allclose(f["summary_false_alarm_share"][...],
                                       [0, 1 / 12, 0])
            a = f.attrs
            self.assertEqual(a["software"], "wafersim")
            self.assertEqual(a["content"], "comparison")
            self.assertEqual(a["base_file"], self.base)
            self.assertEqual(a["other_file"], self.other)
            self.assertEqual(a["common_random_numbers"], 1)
            self.assertEqual(a["tolerance"], 0.05)
            self.assertEqual(a["sigma"], 3.0)
            np.testing.assert_array_equal(a["indicator_available"], [1, 1, 1])

    def test_xarray_and_ncdump(self):
        ds = xr.open_dataset(self.out, engine="h5netcdf")
        self.assertEqual(dict(ds.sizes), {"replication": 3, "month": 6,
                                          "indicator": 3})
        self.assertEqual(ds["wafers_lost"].dims, ("replication", "month"))
        self.assertEqual(ds["lead_time_days"].dims, ("replication", "indicator"))
        self.assertEqual(ds["summary_total_wafers_lost"].dims, ())
        self.assertEqual(str(ds["month"].values[2])[:10], "2025-03-01")
        self.assertEqual(list(ds["indicator"].values), INDICATORS)
        for name, var in ds.variables.items():
            self.assertIn("long_name", var.attrs, name)
            # xarray moves the units of a decoded time into its encoding.
            self.assertIn("units", {**var.attrs, **var.encoding}, name)
        self.assertEqual(
            float(ds.lead_time_days.sel(indicator="wip_vs_plan", replication=1)),
            -21.0)
        ds.close()
        out = subprocess.run(["ncdump", "-h", self.out], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("lead_time_days(replication, indicator)", out.stdout)

    def test_options(self):
        # A looser tolerance: the 120 of replication 0 is no drop (>= 0.75 x
        # 150), replication 1's 100 is; weekly, both still fall below 0.75 x
        # 140 = 105, replication 0 at week 14 (35 + 3 x 20), 1 at week 11.
        out = os.path.join(self.tmp.name, "loose.h5")
        r = run("compare", self.base, self.other, "--tolerance", "0.25", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("output dropped                      1 of 3", r.stdout)
        self.assertIn("more than 25% below BASE", r.stdout)
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["output_drop_time_days"][...],
                                          [105, 84, np.nan])
        # One product: only A lost wafers.
        out = os.path.join(self.tmp.name, "a.h5")
        r = run("compare", self.base, self.other, "--product", "A", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("product A", r.stdout)
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["base_wafers_out"][0], [100] * 6)
            self.assertEqual(f["summary_total_wafers_lost"][()], 80.0)
            self.assertEqual(f.attrs["product"], "A")
        r = run("compare", self.base, self.other, "--product", "B")
        self.assertIn("output dropped                      0 of 3", r.stdout)
        # Wider limits: the false alarm at 8 stays inside 2 -+ 6 x 1.02.
        r = run("compare", self.base, self.other, "--sigma", "6", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["false_alarm_share"][0, 1], 0.0)
        r = run("compare", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: wafersim compare", r.stdout)


class FixtureVariants(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def test_without_weekly_variables(self):
        base, other = make_pair(self.dir, weekly_vars=False)
        out = os.path.join(self.dir, "cmp.h5")
        r = run("compare", base, other, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("early warning: not available", r.stdout)
        self.assertIn("the files have no weekly indicators (format_version 2; "
                      "they came with 3)", r.stdout)
        # Without events every onset is the end of the warm-up (month 0).
        self.assertIn("onset: end of the warm-up, day 28", r.stdout)
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["recovery_months"][...],
                                          [4, np.nan, np.nan])
            self.assertTrue(np.isnan(f["lead_time_days"][...]).all())
            np.testing.assert_array_equal(f.attrs["indicator_available"],
                                          [0, 0, 0])
            self.assertEqual(f["summary_replications_output_dropped"][()], -1)
        # An old baseline against a new disrupted run: still no indicators.
        sub = os.path.join(self.dir, "new")
        os.mkdir(sub)
        _, new_other = make_pair(sub)
        r = run("compare", base, new_other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("BASE has no weekly indicators (format_version 2", r.stdout)
        self.assertIn("2 of 3 replications; the others", r.stdout)

    def test_different_seeds_are_not_paired(self):
        base, _ = make_pair(self.dir)
        sub = os.path.join(self.dir, "seed")
        os.mkdir(sub)
        _, other = make_pair(sub, seed=7)
        r = run("compare", base, other)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("different base_seed", r.stderr)
        self.assertIn("NOT common random numbers", r.stdout)
        self.assertIn("unpaired differences", r.stdout)

    def test_pairs_on_common_replications(self):
        base, other = make_pair(self.dir)
        with h5py.File(other, "a") as f:
            f["task_done"][0, 1] = False
        out = os.path.join(self.dir, "cmp.h5")
        r = run("compare", base, other, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("comparing the 2 replications both files hold", r.stderr)
        with h5py.File(out, "r") as f:
            np.testing.assert_array_equal(f["replication"][...], [0, 2])
            np.testing.assert_array_equal(f["recovery_months"][...], [2, np.nan])

    def test_errors(self):
        base, other = make_pair(self.dir)
        text = os.path.join(self.dir, "notes.txt")
        with open(text, "w") as f:
            f.write("not HDF5\n")
        foreign = os.path.join(self.dir, "foreign.h5")
        with h5py.File(foreign, "w") as f:
            f["x"] = np.zeros(3)
        sub = os.path.join(self.dir, "months")
        os.mkdir(sub)
        _, shifted = make_pair(sub, months=[0, 31, 59, 90, 120, 152])
        for args, status, message in (
                (["compare", base], 64, "compare needs BASE.h5 and OTHER.h5"),
                (["compare", base, other, other], 64, "two files"),
                (["compare", base, other, "--tolerance", "1"], 64, "--tolerance"),
                (["compare", base, other, "--sigma", "0"], 64, "--sigma"),
                (["compare", base, other, "--bogus"], 64, "unknown option"),
                (["compare", base, other, "--scenario", "1"], 64, "--scenario 1"),
                (["compare", base, other, "--product", "Z"], 64, "no such product"),
                (["compare", base, os.path.join(self.dir, "none.h5")], 66,
                 "none.h5: cannot read"),
                (["compare", text, other], 65, "not a wafersim result file"),
                (["compare", base, foreign], 65, "not a wafersim result file"),
                (["compare", base, shifted], 65, "other months"),
                (["compare", base, other, "-o", "/nonexistent-dir/c.h5"], 73,
                 "/nonexistent-dir/c.h5")):
            r = run(*args)
            self.assertEqual(r.returncode, status, (args, r.stderr))
            self.assertIn(message, r.stderr, args)
            self.assertEqual(r.stdout, "", args)
        with h5py.File(other, "a") as f:
            f["task_done"][...] = False
        r = run("compare", base, other)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("shares no finished replication", r.stderr)


class RealRuns(unittest.TestCase):
    """minifab against minifab with one diffusion tool fewer (the group then
    needs 133% of its capacity): output drops from the start and never
    recovers; the onset is the end of the warm-up."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        scenario = os.path.join(SOURCE, "scenarios", "minifab.yaml")
        cls.base = os.path.join(cls.tmp.name, "base.h5")
        cls.other = os.path.join(cls.tmp.name, "fewer.h5")
        common = ["-r", "3", "--days", "150", "--warmup-days", "28", "-q"]
        cls.runs = [run("run", scenario, "-o", cls.base, *common),
                    run("run", scenario, "-o", cls.other, *common,
                        "--set", "tool_groups.DIFFUSION.tools=1")]
        cls.out = os.path.join(cls.tmp.name, "cmp.h5")
        cls.r = run("compare", cls.base, cls.other, "-o", cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_compare_real_runs(self):
        for r in self.runs:
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.r.returncode, 0, self.r.stderr)
        self.assertIn("common random numbers (seed 1994)", self.r.stdout)
        self.assertIn("onset: end of the warm-up, day 28", self.r.stdout)
        self.assertIn("output dropped                      3 of 3", self.r.stdout)
        ds = xr.open_dataset(self.out, engine="h5netcdf")
        run_ds = xr.open_dataset(self.base, engine="h5netcdf")
        other_ds = xr.open_dataset(self.other, engine="h5netcdf")
        lost = (run_ds.wafers_out.sum("product") - other_ds.wafers_out.sum("product"))
        np.testing.assert_array_equal(ds.wafers_lost.values, lost.values[0])
        self.assertGreater(float(ds.summary_total_wafers_lost), 0)
        self.assertEqual(int(ds.summary_replications_not_recovered), 3)
        weekly = "weekly_wafers_out" in run_ds.variables
        self.assertEqual(list(ds.attrs["indicator_available"]), [int(weekly)] * 3)
        if weekly:
            # The lost capacity shows in the weekly output too.
            self.assertEqual(int(ds.summary_replications_output_dropped), 3)
            self.assertTrue(np.isfinite(ds.output_drop_time_days.values).all())
        else:
            self.assertIn("early warning: not available", self.r.stdout)
        for d in (ds, run_ds, other_ds):
            d.close()

    def test_same_run_loses_nothing(self):
        r = run("compare", self.base, self.base)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("(no month differs in any replication)", r.stdout)
        self.assertRegex(r.stdout, r"total wafers lost\s+0\.0 ± 0\.0")
        self.assertIn("output dropped                      0 of 3", r.stdout)


class RealDisruption(unittest.TestCase):
    """minifab with a three-week outage of the diffusion tools from day 70,
    against the same scenario run with --no-disruptions: the runs are the
    same lot for lot until the onset (common random numbers)."""

    def test_outage_against_its_baseline(self):
        with tempfile.TemporaryDirectory() as tmp:
            routes = os.path.join(SOURCE, "scenarios", "routes")
            with open(os.path.join(SOURCE, "scenarios", "minifab.yaml"),
                      encoding="utf-8") as f:
                text = f.read().replace("routes/", routes + "/")
            scenario = os.path.join(tmp, "outage.yaml")
            with open(scenario, "w", encoding="utf-8") as f:
                f.write(text + "\ndisruptions:\n  - {name: fire, kind: outage, "
                        "start_day: 70, duration: {value: 21, unit: d}, "
                        "tool_groups: [DIFFUSION]}\n")
            base, other = (os.path.join(tmp, n) for n in ("base.h5", "fire.h5"))
            common = ["-r", "3", "--days", "150", "-q"]
            for args in ([scenario, "-o", base, "--no-disruptions", *common],
                         [scenario, "-o", other, *common]):
                r = run("run", *args)
                self.assertEqual(r.returncode, 0, r.stderr)
            out = os.path.join(tmp, "cmp.h5")
            r = run("compare", base, other, "-o", out)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("onset: first disruption, day 70.0", r.stdout)
            # Day 70 is in March: January and February are identical.
            self.assertIn("(no difference before 2025-03-01)", r.stdout)
            self.assertIn("output dropped                      3 of 3", r.stdout)
            with h5py.File(out, "r") as f:
                np.testing.assert_array_equal(f["onset_time_days"][...], [70] * 3)
                np.testing.assert_array_equal(f["wafers_lost"][:, :2], 0)
                np.testing.assert_array_equal(f.attrs["indicator_available"],
                                              [1, 1, 1])
                # The diffusion tools stop at once: output falls within the
                # week of the onset (week 10, ending day 77).
                np.testing.assert_array_equal(f["output_drop_time_days"][...],
                                              [77] * 3)
                flags = f["flag_time_days"][...]
                self.assertTrue((flags[~np.isnan(flags)] >= 77).all())
                self.assertTrue(np.isfinite(f["false_alarm_share"][...]).all())


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
