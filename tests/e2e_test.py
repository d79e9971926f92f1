"""End-to-end test: runs the wafersim CLI and reads its HDF5 file the way
users do (xarray with h5netcdf, h5py, ncdump).

Usage: /usr/bin/python3 tests/e2e_test.py WAFERSIM_BINARY SOURCE_DIR
"""
import math
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import xarray as xr

from h5compare import assert_same_file

BINARY = None
SOURCE = None


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)


# Student t quantiles t(0.995, dof), for 99% two-sided intervals.
T_995 = {3: 5.840909, 4: 4.604095, 5: 4.032143, 9: 3.249836}


def t_quantile(level, dof):
    assert level == 0.995
    return T_995[dof]


class EndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.scenario = os.path.join(SOURCE, "tests", "data", "small.yaml")
        cls.one = os.path.join(cls.tmp.name, "one.h5")
        cls.two = os.path.join(cls.tmp.name, "two.h5")
        cls.r1 = run("run", cls.scenario, "-o", cls.one, "--threads", "1")
        cls.r2 = run("run", cls.scenario, "-o", cls.two, "--threads", "2", "-q")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_runs_succeed_and_report(self):
        self.assertEqual(self.r1.returncode, 0, self.r1.stderr)
        self.assertEqual(self.r2.returncode, 0, self.r2.stderr)
        self.assertTrue(self.r1.stdout.rstrip().endswith("output: " + self.one))
        self.assertIn("cycle time (days)", self.r1.stdout)
        # Not a terminal: one plain progress line per replication, none with -q.
        self.assertEqual(self.r1.stderr.count("done"), 4, self.r1.stderr)
        self.assertEqual(self.r2.stderr, "")
        self.assertFalse(os.path.exists(self.one + ".partial"))

    def test_thread_count_does_not_change_values(self):
        assert_same_file(self, self.one, self.two)

    def test_xarray_layout(self):
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        self.assertEqual(dict(ds.sizes)["scenario"], 1)
        self.assertEqual(dict(ds.sizes)["replication"], 4)
        self.assertEqual(dict(ds.sizes)["product"], 2)
        self.assertEqual(dict(ds.sizes)["tool_group"], 4)
        # 2025-03-15 + 400 days = 2026-04-19: Mar..Dec 2025 and Jan..Apr 2026.
        self.assertEqual(dict(ds.sizes)["month"], 14)
        self.assertEqual(ds["month"].dtype.kind, "M")
        self.assertEqual(str(ds["month"].values[0])[:10], "2025-03-15")
        self.assertEqual(str(ds["month"].values[1])[:10], "2025-04-01")
        self.assertEqual(list(ds["product"].values), ["A", "B"])
        self.assertEqual(list(ds["tool_group"].values),
                         ["CLEAN", "LITHO", "ETCH", "METRO"])
        self.assertIn("warmup", ds.coords)
        # Warm-up of 60 days ends on 2025-05-14: March, April, May are warm-up.
        self.assertEqual([bool(v) for v in ds["warmup"].values[:4]],
                         [True, True, True, False])
        self.assertEqual(ds["wafers_out"].dims,
                         ("scenario", "replication", "month", "product"))
        self.assertEqual(ds["utilisation"].dims,
                         ("scenario", "replication", "month", "tool_group"))
        for name, var in ds.data_vars.items():
            self.assertIn("units", var.attrs, name)
            self.assertIn("long_name", var.attrs, name)
        util = ds["utilisation"].values
        self.assertTrue(np.all((util >= 0) & (util <= 1)))
        self.assertEqual(ds.attrs["software"], "wafersim")
        self.assertEqual(int(ds.attrs["format_version"]), 3)
        with open(self.scenario, encoding="utf-8") as f:
            self.assertEqual(ds.attrs["scenario_text"], f.read())
        ds.close()

    def lots(self):
        return xr.open_dataset(self.one, engine="h5netcdf", group="lots")

    def test_wafers_out_sums_to_lots_finished(self):
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        lots = self.lots()
        rep = lots[self.lot_field(lots, "replication")].values
        prod = lots[self.lot_field(lots, "product")].values
        finish = lots["finish_time_days"].values
        wafers = lots["wafers"].values
        for r in range(4):
            for p, name in enumerate(["A", "B"]):
                sel = (rep == r) & (prod == name)
                done = sel & np.isfinite(finish)
                self.assertEqual(ds["wafers_out"].values[0, r, :, p].sum(),
                                 wafers[done].sum())
                self.assertEqual(ds["wafer_starts"].values[0, r, :, p].sum(),
                                 wafers[sel].sum())
                self.assertEqual(ds["wip_wafers"].values[0, r, -1, p],
                                 wafers[sel & ~np.isfinite(finish)].sum())
        ds.close()
        lots.close()

    @staticmethod
    def lot_field(lots, name):
        for candidate in (name, "lot_" + name):
            if candidate in lots.variables:
                return candidate
        raise KeyError(name)

    def test_littles_law(self):
        """Per replication, after the warm-up months: the time-average WIP L
        from the monthly means equals the integral of the lots' time in the
        fab (exactly), and L = lambda W holds: the 99% confidence interval of
        L - lambda W over replications contains 0."""
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        lots = self.lots()
        steady = ~ds["warmup"].values.astype(bool)
        days = ds["month_days"].values
        month0 = (ds["month"].values - ds["month"].values[0]) / np.timedelta64(1, "D")
        start, end = month0[steady][0], month0[-1] + days[-1]
        span = end - start
        rep = lots[self.lot_field(lots, "replication")].values
        release = lots["release_time_days"].values
        finish = lots["finish_time_days"].values
        wafers = lots["wafers"].values
        gaps = []
        for r in range(4):
            wip_mean = ds["wip_wafers_mean"].values[0, r][steady].sum(axis=1)
            L = (wip_mean * days[steady]).sum() / span
            sel = rep == r
            leave = np.where(np.isfinite(finish[sel]), finish[sel], end)
            inside = np.clip(leave, start, end) - np.clip(release[sel], start, end)
            exact = (inside * wafers[sel]).sum() / span
            self.assertAlmostEqual(L, exact, delta=1e-6 * L)
            done = sel & np.isfinite(finish) & (finish >= start)
            lam = wafers[done].sum() / span
            W = np.average(finish[done] - release[done], weights=wafers[done])
            gaps.append(L - lam * W)
        gaps = np.array(gaps)
        half = t_quantile(0.995, len(gaps) - 1) * gaps.std(ddof=1) / math.sqrt(len(gaps))
        self.assertLessEqual(abs(gaps.mean()), half,
                             f"L - lambda W = {gaps.mean()} +- {half}")
        ds.close()
        lots.close()

    # -- format_version 2: tool states, scrap, due dates, time constraints.
    # These need the engine that fills every fab_result field (fab.h).

    STATES = ["idle", "processing", "setup", "down", "pm"]

    def test_tool_state_layout_and_shares(self):
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        self.assertEqual(list(ds["tool_state"].values), self.STATES)
        self.assertEqual(ds["tool_state_share"].dims,
                         ("scenario", "replication", "month", "tool_group",
                          "tool_state"))
        self.assertEqual(ds["mean_tool_state_share"].dims,
                         ("scenario", "replication", "tool_group", "tool_state"))
        self.assertEqual(ds["availability"].dims,
                         ("scenario", "replication", "month", "tool_group"))
        self.assertEqual(ds["mean_availability"].dims,
                         ("scenario", "replication", "tool_group"))
        self.assertIn("warmup", ds["tool_state_share"].coords)
        for share, avail in (("tool_state_share", "availability"),
                             ("mean_tool_state_share", "mean_availability")):
            x = ds[share].values
            a = ds[avail].values
            # Every group of this fab has tools, so time in every month.
            self.assertFalse(np.isnan(x).any(), share)
            self.assertTrue(((x >= 0) & (x <= 1)).all(), share)
            np.testing.assert_allclose(x.sum(axis=-1), 1.0, rtol=0, atol=1e-9,
                                       err_msg=share)
            self.assertTrue(((a >= 0) & (a <= 1)).all(), avail)
            np.testing.assert_allclose(a, 1 - x[..., 3] - x[..., 4], rtol=0,
                                       atol=1e-12, err_msg=avail)
        # Processing + setup is busy time: utilisation.
        busy = ds["tool_state_share"].sel(tool_state=["processing", "setup"]).sum(
            "tool_state")
        np.testing.assert_allclose(busy.values, ds["utilisation"].values,
                                   rtol=0, atol=1e-9)
        ds.close()

    def test_product_measures(self):
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        dims = ("scenario", "replication", "month", "product")
        for name in ("wafers_scrapped", "on_time_share", "x_factor",
                     "hot_cycle_time_days"):
            self.assertEqual(ds[name].dims, dims, name)
            self.assertEqual(ds["mean_" + name if name != "wafers_scrapped"
                                else "mean_wafers_scrapped_per_day"].dims,
                             ("scenario", "replication", "product"), name)
        scrap = ds["wafers_scrapped"].values
        self.assertTrue((scrap >= 0).all())
        share = ds["on_time_share"].values
        self.assertTrue(((share[~np.isnan(share)] >= 0)
                         & (share[~np.isnan(share)] <= 1)).all())
        # An x-factor where, and only where, lots finished.
        xf, ct = ds["x_factor"].values, ds["cycle_time_days"].values
        np.testing.assert_array_equal(np.isnan(xf), np.isnan(ct))
        self.assertTrue((xf[~np.isnan(xf)] > 0).all())
        # Wafers are conserved: started = out + scrapped + in the fab.
        starts = ds["wafer_starts"].values.sum(axis=2)
        out = ds["wafers_out"].values.sum(axis=2)
        wip = ds["wip_wafers"].values[:, :, -1]
        np.testing.assert_allclose(starts, out + scrap.sum(axis=2) + wip,
                                   rtol=0, atol=1e-9)
        ds.close()

    def test_time_constraint_layout(self):
        """small.yaml has no time constraints: a dimension of length 0 that
        every reader must handle."""
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        self.assertEqual(ds.sizes["time_constraint"], 0)
        for name in ("time_constraint_checks", "time_constraint_violations"):
            self.assertEqual(ds[name].dims,
                             ("scenario", "replication", "time_constraint"))
            self.assertIn("time_constraint_product", ds[name].coords)
        for name in ("time_constraint_product", "time_constraint_from_step",
                     "time_constraint_to_step", "time_constraint_limit_days"):
            self.assertEqual(ds[name].dims, ("time_constraint",), name)
        self.assertTrue((ds["time_constraint_violations"].values
                         <= ds["time_constraint_checks"].values).all())
        ds.close()

    def test_lot_columns(self):
        lots = self.lots()
        for name in ("wafers_out", "priority", "due_time_days", "scrap_time_days"):
            self.assertIn(name, lots.variables)
            self.assertEqual(lots[name].dims, ("lot",))
        self.assertEqual(lots["priority"].dtype, np.int32)
        self.assertEqual(lots["wafers_out"].dtype, np.int32)
        finished = np.isfinite(lots["finish_time_days"].values)
        scrapped = np.isfinite(lots["scrap_time_days"].values)
        self.assertFalse((finished & scrapped).any())
        w, wo = lots["wafers"].values, lots["wafers_out"].values
        self.assertTrue(((wo >= 0) & (wo <= w)).all())
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        rep = lots["lot_replication"].values
        for r in range(4):
            self.assertEqual(ds["wafers_out"].values[0, r].sum(),
                             wo[finished & (rep == r)].sum())
        ds.close()
        lots.close()

    def test_summary_of_the_new_measures(self):
        """summary_* is the mean over replications of the steady-state
        variable, as summary_wafers_per_month is."""
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        pairs = {"summary_on_time_share": ("mean_on_time_share", 1.0),
                 "summary_hot_cycle_time_days": ("mean_hot_cycle_time_days", 1.0),
                 "summary_wafers_scrapped_per_month":
                     ("mean_wafers_scrapped_per_day", 365.2425 / 12),
                 "summary_availability": ("mean_availability", 1.0),
                 "summary_tool_state_share": ("mean_tool_state_share", 1.0)}
        for name, (source, factor) in pairs.items():
            x = ds[source].values * factor
            n = (~np.isnan(x)).sum(axis=1)
            mean = np.where(n > 0, np.nansum(x, axis=1) / np.maximum(n, 1), np.nan)
            np.testing.assert_allclose(ds[name].values, mean, rtol=1e-12,
                                       atol=1e-15, err_msg=name)
            self.assertEqual(ds[name + "_ci95"].dims, ds[name].dims, name)
        groups = list(ds["tool_group"].values)
        neck = groups.index(str(ds["summary_bottleneck"].values[0]))
        self.assertEqual(float(ds["summary_bottleneck_availability"].values[0]),
                         float(ds["summary_availability"].values[0, neck]))
        ds.close()

    def test_ncdump_reads_the_header(self):
        out = subprocess.run(["ncdump", "-h", self.one], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("wafers_out(scenario, replication, month, product)", out.stdout)
        self.assertIn("tool_state_share(scenario, replication, month, tool_group, "
                      "tool_state)", out.stdout)
        self.assertIn("time_constraint_checks(scenario, replication, time_constraint)",
                      out.stdout)

    def test_default_output_path_and_version(self):
        with tempfile.TemporaryDirectory() as cwd:
            r = run("run", self.scenario, "-r", "1", "--days", "40",
                    "--warmup-days", "0", "-q", cwd=cwd)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(os.path.exists(os.path.join(cwd, "small.h5")))
            self.assertTrue(r.stdout.rstrip().endswith("output: small.h5"))
        v = run("--version")
        self.assertEqual(v.returncode, 0)
        self.assertIn("HDF5", v.stdout)
        self.assertIn("GSL", v.stdout)

    def test_usage_errors(self):
        for args in (["run"], ["run", self.scenario, "-r", "0"],
                     ["run", self.scenario, "--threads", "x"],
                     ["run", self.scenario, "--days", "10", "--warmup-days", "20"],
                     ["frobnicate"], ["run", self.scenario, "--bogus"]):
            r = run(*args)
            self.assertEqual(r.returncode, 64, (args, r.stderr))
            self.assertEqual(r.stdout, "")

    def test_empty_disruptions_section_changes_nothing(self):
        """An empty `disruptions:` (or one that never occurs) leaves every
        dataset as it was; --no-disruptions gives the baseline back."""
        with open(self.scenario) as f:
            text = f.read()
        variants = {
            "empty": "disruptions: []\n",
            "never": "disruptions:\n  - {name: q, kind: shutdown, "
                     "start_day: 10, duration: 5, count: 0}\n",
            "quake": "disruptions:\n  - {name: q, kind: shutdown, "
                     "start_day: 100, duration: 20}\n",
        }
        out = {}
        for name, section in variants.items():
            path = os.path.join(self.tmp.name, name + ".yaml")
            with open(path, "w") as f:
                f.write(text + section)
            out[name] = os.path.join(self.tmp.name, name + ".h5")
            r = run("run", path, "-o", out[name], "-q")
            self.assertEqual(r.returncode, 0, r.stderr)
        base = os.path.join(self.tmp.name, "quake-base.h5")
        r = run("run", os.path.join(self.tmp.name, "quake.yaml"), "-o", base,
                "-q", "--no-disruptions")
        self.assertEqual(r.returncode, 0, r.stderr)
        import h5py
        with h5py.File(self.one, "r") as a:
            for name in ("empty", "base"):
                path = base if name == "base" else out[name]
                with h5py.File(path, "r") as b:
                    for var in ("wafers_out", "cycle_time_days",
                                "tool_state_share", "weekly_wafers_out",
                                "ew_wip_vs_plan", "lots/finish_time_days"):
                        np.testing.assert_array_equal(a[var][()], b[var][()],
                                                      err_msg=name + var)
            with h5py.File(out["never"], "r") as b:
                np.testing.assert_array_equal(a["wafers_out"][()],
                                              b["wafers_out"][()])
                self.assertEqual(b["disruption_occurrences"][0, 0, 0], 0)
            with h5py.File(out["quake"], "r") as b:
                self.assertEqual(b["disruption_occurrences"][0, 0, 0], 1)
                self.assertLess(b["wafers_out"][()].sum(),
                                a["wafers_out"][()].sum())

    def test_unwritable_output(self):
        r = run("run", self.scenario, "-r", "1", "-q", "-o",
                "/nonexistent-dir/x.h5")
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("/nonexistent-dir/x.h5", r.stderr)


class Bench(unittest.TestCase):
    """wafersim bench: its report, its usage errors, and --set on a data
    set (tests/data/smt2020-mini, groups Diff_1, Wet_1, Litho_1, ...)."""

    def field(self, stdout, name):
        for line in stdout.splitlines():
            if line.startswith(name):
                return line[len(name):].split()
        self.fail("no %r line in:\n%s" % (name, stdout))

    def test_synthetic_line(self):
        r = run("bench", "--groups", "5", "--steps", "10", "--days", "20",
                "--repeat", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(int(self.field(r.stdout, "lot-steps")[0]), 0)
        self.assertEqual(self.field(r.stdout, "seconds")[0], "median")
        self.assertEqual(self.field(r.stdout, "by class")[0], "0")

    def test_settings_on_a_data_set(self):
        mini = os.path.join(SOURCE, "tests", "data", "smt2020-mini")
        base = run("bench", "--smt2020", mini, "--days", "30", "--repeat", "1")
        self.assertEqual(base.returncode, 0, base.stderr)
        self.assertIn("63 tools", base.stdout)
        more = run("bench", "--smt2020", mini, "--days", "30", "--repeat", "1",
                   "--set", "tool_groups.Litho_1.tools=40")
        self.assertEqual(more.returncode, 0, more.stderr)
        self.assertNotIn("63 tools", more.stdout)
        bad = run("bench", "--smt2020", mini, "--days", "30",
                  "--set", "tool_groups.NOPE.tools=3")
        self.assertEqual(bad.returncode, 65, bad.stderr)
        self.assertIn("no tool group 'NOPE'", bad.stderr)

    def test_usage_errors(self):
        for args in (["--set", "tool_groups.A.tools=1"],
                     ["--days", "0"], ["--repeat", "x"], ["--set", "no-equals"]):
            r = run("bench", *args)
            self.assertEqual(r.returncode, 64, args)
            self.assertIn("usage: wafersim bench", r.stderr)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
