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
        self.assertEqual(int(ds.attrs["format_version"]), 1)
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

    def test_ncdump_reads_the_header(self):
        out = subprocess.run(["ncdump", "-h", self.one], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("wafers_out(scenario, replication, month, product)", out.stdout)

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

    def test_unwritable_output(self):
        r = run("run", self.scenario, "-r", "1", "-q", "-o",
                "/nonexistent-dir/x.h5")
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("/nonexistent-dir/x.h5", r.stderr)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
