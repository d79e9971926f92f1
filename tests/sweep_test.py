"""Sweeps, shards, merge, resume and MPI through the CLI.

Usage: /usr/bin/python3 tests/sweep_test.py WAFERSIM_BINARY SOURCE_DIR
With WAFERSIM_MPI=1 in the environment (set by CTest for an MPI build) the
MPI comparison must run; otherwise it is skipped.
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest

import h5py
import numpy as np
import xarray as xr

from h5compare import assert_same_file

BINARY = None
SOURCE = None
T_975 = {2: 4.302652729911275}    # Student t quantile t(0.975, dof)


def run(*args, env=None, cwd=None):
    return subprocess.run([BINARY, *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=cwd)


# Variables of format_version 2, which merge and resume must carry (they
# need the engine that fills every fab_result field, see fab.h).
NEW_VARIABLES = ("tool_state", "time_constraint", "time_constraint_product",
                 "time_constraint_from_step", "time_constraint_to_step",
                 "time_constraint_limit_days", "wafers_scrapped", "on_time_share",
                 "x_factor", "hot_cycle_time_days", "availability",
                 "tool_state_share", "mean_wafers_scrapped_per_day",
                 "mean_on_time_share", "mean_x_factor", "mean_hot_cycle_time_days",
                 "mean_availability", "mean_tool_state_share",
                 "time_constraint_checks", "time_constraint_violations",
                 "summary_on_time_share", "summary_availability",
                 "summary_tool_state_share", "summary_bottleneck_availability",
                 "lots/wafers_out", "lots/priority", "lots/due_time_days",
                 "lots/scrap_time_days")


def assert_new_variables(test, path, tasks):
    """The format_version 2 variables are in the file, written for every
    one of its `tasks` done tasks (shares sum to 1)."""
    with h5py.File(path, "r") as f:
        for name in NEW_VARIABLES:
            test.assertIn(name, f, f"{path}: {name}")
        done = f["task_done"][()].astype(bool)
        test.assertEqual(int(done.sum()), tasks)
        share = f["mean_tool_state_share"][()][done]
        np.testing.assert_allclose(share.sum(axis=-1), 1.0, rtol=0, atol=1e-9)
        test.assertEqual(len(f["lots/priority"]), len(f["lots/lot"]))


class Sweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = cls.tmp.name
        cls.scenario = os.path.join(SOURCE, "tests", "data", "sweep.yaml")
        cls.one = os.path.join(cls.dir, "one.h5")
        cls.r1 = run("sweep", cls.scenario, "-o", cls.one, "--threads", "1", "-q")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.dir, name)

    def test_list(self):
        r = run("sweep", self.scenario, "--list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("grid, 4 points x 3 replications = 12 tasks", r.stdout)
        self.assertFalse(os.path.exists(self.path("sweep.h5")))

    def test_threads_do_not_change_the_file(self):
        self.assertEqual(self.r1.returncode, 0, self.r1.stderr)
        two = self.path("two.h5")
        r = run("sweep", self.scenario, "-o", two, "--threads", "2", "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_file(self, self.one, two)

    def test_layout_and_summary(self):
        ds = xr.open_dataset(self.one, engine="h5netcdf")
        self.assertEqual(ds.sizes["scenario"], 4)
        self.assertIn("products.A.wafers_per_month", ds.coords)
        self.assertEqual(list(ds["products.A.wafers_per_month"].values),
                         [2000, 2000, 3000, 3000])
        self.assertEqual(list(ds["tool_groups.ETCH.tools"].values), [3, 4, 3, 4])
        self.assertEqual(ds["design"].shape, (4, 2))
        self.assertEqual(list(ds["tools"].sel(tool_group="ETCH").values),
                         [3, 4, 3, 4])
        self.assertTrue(ds["task_done"].values.all())
        self.assertEqual(list(ds["summary_replications"].values), [3, 3, 3, 3])
        # The summary equals the statistics of the per-replication arrays.
        tp = ds["throughput_wafers_per_day"].values * 365.2425 / 12
        mean = tp.mean(axis=1)
        half = T_975[2] * tp.std(axis=1, ddof=1) / np.sqrt(3)
        np.testing.assert_allclose(ds["summary_wafers_per_month"].values, mean,
                                   rtol=1e-12)
        np.testing.assert_allclose(ds["summary_wafers_per_month_ci95"].values,
                                   half, rtol=1e-9)
        ct = ds["mean_cycle_time_days"].values
        xf = ct / ds["raw_process_time_days"].values[:, None, :]
        np.testing.assert_allclose(ds["summary_x_factor"].values, xf.mean(axis=1),
                                   rtol=1e-12)
        util = ds["mean_utilisation"].values.mean(axis=1)
        np.testing.assert_allclose(ds["summary_bottleneck_utilisation"].values,
                                   util.max(axis=1), rtol=1e-12)
        self.assertEqual(list(ds["summary_bottleneck"].values), ["ETCH"] * 4)
        # The new summary variables likewise (engine-dependent).
        for name, source in (("summary_on_time_share", "mean_on_time_share"),
                             ("summary_availability", "mean_availability"),
                             ("summary_tool_state_share", "mean_tool_state_share")):
            x = ds[source].values
            if np.isnan(x).any():
                continue
            np.testing.assert_allclose(ds[name].values, x.mean(axis=1),
                                       rtol=1e-12, err_msg=name)
            np.testing.assert_allclose(
                ds[name + "_ci95"].values,
                T_975[2] * x.std(axis=1, ddof=1) / np.sqrt(3), rtol=1e-9,
                atol=1e-15, err_msg=name)
        avail = ds["summary_availability"].sel(tool_group="ETCH").values
        np.testing.assert_array_equal(ds["summary_bottleneck_availability"].values,
                                      avail)
        # Time constraints belong to the route, the same at every point.
        self.assertEqual(ds["time_constraint_checks"].dims,
                         ("scenario", "replication", "time_constraint"))
        # More A wafers out where more are started.
        self.assertGreater(mean[2, 0], mean[0, 0] * 1.4)
        ds.close()
        self.assertIn("settings", self.r1.stdout)

    def test_common_random_numbers(self):
        """Replication r of every point draws the same numbers: product B's
        random releases are identical across points."""
        lots = xr.open_dataset(self.one, engine="h5netcdf", group="lots")
        s = lots["lot_scenario"].values
        r = lots["lot_replication"].values
        p = lots["lot_product"].values
        t = lots["release_time_days"].values
        for rep in range(3):
            base = t[(s == 0) & (r == rep) & (p == "B")]
            self.assertGreater(len(base), 50)
            for point in range(1, 4):
                other = t[(s == point) & (r == rep) & (p == "B")]
                np.testing.assert_array_equal(base, other)
        lots.close()

    def test_shards_merge_to_the_same_file(self):
        out = self.path("sharded.h5")
        for i in range(3):
            r = run("sweep", self.scenario, "-o", out, "--shard", f"{i}/3", "-q")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(r.stdout.rstrip().endswith(f"sharded-shard-{i}-of-3.h5"))
        shards = [self.path(f"sharded-shard-{i}-of-3.h5") for i in (2, 0, 1)]
        merged = self.path("merged.h5")
        r = run("merge", merged, *shards)
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_file(self, self.one, merged)
        assert_new_variables(self, merged, 12)
        assert_new_variables(self, shards[0], 4)

        # A missing shard, a duplicate, a foreign one: clear errors, no file.
        bad = self.path("bad.h5")
        r = run("merge", bad, *shards[:2])
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("shard", r.stderr)
        r = run("merge", bad, shards[0], shards[0], shards[1])
        self.assertEqual(r.returncode, 64)
        self.assertIn(shards[0], r.stderr)
        foreign = self.path("foreign.h5")
        r = run("sweep", self.scenario, "-o", foreign, "--shard", "1/3",
                "--seed", "7", "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        fshard = self.path("foreign-shard-1-of-3.h5")
        r = run("merge", bad, shards[1], fshard, shards[0])
        self.assertEqual(r.returncode, 64)
        self.assertIn(fshard, r.stderr)
        self.assertIn("base_seed", r.stderr)
        self.assertFalse(os.path.exists(bad))
        self.assertFalse(os.path.exists(bad + ".partial"))

    def test_shard_from_slurm(self):
        env = dict(os.environ, SLURM_ARRAY_TASK_ID="1", SLURM_ARRAY_TASK_COUNT="3")
        out = self.path("slurm.h5")
        r = run("sweep", self.scenario, "-o", out, "--shard", "-q", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(self.path("slurm-shard-1-of-3.h5"), "r") as f:
            done = f["task_done"][()].ravel()
            self.assertEqual(list(np.nonzero(done)[0]), [1, 4, 7, 10])
            self.assertEqual(int(f.attrs["shard_index"]), 1)

    def test_bad_settings(self):
        r = run("run", self.scenario, "--set", "products.Z.wafers_per_month=5", "-q")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("--set products.Z.wafers_per_month=5", r.stderr)
        r = run("run", self.scenario, "--set", "nonsense", "-q")
        self.assertEqual(r.returncode, 64, r.stderr)
        r = run("sweep", os.path.join(SOURCE, "tests", "data", "small.yaml"), "-q",
                "-o", self.path("nosweep.h5"))
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("no sweep section", r.stderr)

    def test_set_changes_the_run(self):
        out = self.path("set.h5")
        r = run("run", self.scenario, "-o", out, "-q", "-r", "1",
                "--set", "tool_groups.ETCH.tools=5",
                "--set", "products.A.wafers_per_month=2500")
        self.assertEqual(r.returncode, 0, r.stderr)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["scenario"].shape, (1,))
            groups = list(f["tool_group"].asstr()[()])
            self.assertEqual(f["tools"][0, groups.index("ETCH")], 5)
            settings = list(f.attrs["settings"])
            self.assertEqual(settings, ["tool_groups.ETCH.tools=5",
                                        "products.A.wafers_per_month=2500"])

    def test_resume_after_kill(self):
        """SIGKILL after the first replication is written, then --resume: the
        same file as an uninterrupted run."""
        small = os.path.join(SOURCE, "tests", "data", "small.yaml")
        args = [small, "--days", "12000", "--warmup-days", "60", "-r", "4",
                "--threads", "1"]
        whole = self.path("whole.h5")
        r = run("run", *args, "-o", whole, "-q")
        self.assertEqual(r.returncode, 0, r.stderr)
        cut = self.path("cut.h5")
        proc = subprocess.Popen([BINARY, "run", *args, "-o", cut],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
        line = proc.stderr.readline()
        self.assertIn("replication 1/4 done", line)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        self.assertFalse(os.path.exists(cut))
        self.assertTrue(os.path.exists(cut + ".partial"))
        with h5py.File(cut + ".partial", "r") as f:
            self.assertGreaterEqual(int(f["task_done"][()].sum()), 1)
        r = run("run", *args, "-o", cut, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertLessEqual(r.stderr.count("done"), 3)
        assert_same_file(self, whole, cut)
        assert_new_variables(self, cut, 4)
        # A .partial from other options is refused, and kept.
        os.unlink(cut)
        shutil.copy(whole, cut + ".partial")
        r = run("run", *args[:-2], "--threads", "1", "--seed", "9", "-o", cut,
                "--resume", "-q")
        self.assertEqual(r.returncode, 64, r.stderr)
        self.assertIn("another run", r.stderr)
        self.assertIn("base_seed", r.stderr)
        self.assertTrue(os.path.exists(cut + ".partial"))

    def test_mpi_two_ranks(self):
        if os.environ.get("WAFERSIM_MPI") != "1":
            self.skipTest("not an MPI build")
        out = self.path("mpi.h5")
        r = subprocess.run(["mpirun", "--allow-run-as-root", "--oversubscribe",
                            "-np", "2", BINARY, "sweep", self.scenario, "-o", out,
                            "-q"], capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        assert_same_file(self, self.one, out)
        self.assertFalse(os.path.exists(self.path("mpi-shard-0-of-2.h5")))
        self.assertEqual(r.stdout.count("output:"), 1)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f"{result.testsRun - failed - skipped} passed, {failed} failed, "
          f"{skipped} skipped")
    sys.exit(1 if failed else 0)
