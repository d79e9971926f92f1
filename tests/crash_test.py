"""Crash safety through the CLI: SIGKILL at random moments and at fixed
points, SIGINT and SIGTERM, a full disk, an output that cannot be created.

After a kill there is never a file at the final path; OUT.h5.partial (a
link to OUT.h5.partial.a or .b) opens and holds whole replications only,
exactly those an uninterrupted run writes first; and --resume, after any
number of kills, turns it into the file an uninterrupted run writes.  The
random kills land anywhere, HDF5's flushes included: replications of about
10 ms commit every few milliseconds (docs/hardening.md, "Crash safety").

Usage: /usr/bin/python3 tests/crash_test.py WAFERSIM_BINARY SOURCE_DIR
WAFERSIM_CRASH_SEED=N repeats the random kill moments of an earlier run
(each run prints its seed); WAFERSIM_CRASH_SECONDS=S kills runs for about
S seconds instead of 12.
"""
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import h5py
import numpy as np

from h5compare import assert_same_file

BINARY = None
SOURCE = None


def run(args, out, *extra):
    return subprocess.run([BINARY, *args, "-o", out, "-q", *extra],
                          capture_output=True, text=True, timeout=600)


def pair_files(out):
    return [out + ".partial.a", out + ".partial.b"]


class Crash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        small = os.path.join(SOURCE, "tests", "data", "small.yaml")
        # Eight replications of about 0.2 s: time to act between them.
        cls.args = ["run", small, "--days", "4000", "--warmup-days", "60",
                    "-r", "8", "--threads", "2"]
        # Sixty replications of about 10 ms: a kill at a random moment often
        # lands in a commit.
        cls.short = ["run", small, "--days", "400", "--warmup-days", "60",
                     "-r", "60", "--threads", "2"]
        sweep = os.path.join(SOURCE, "tests", "data", "sweep.yaml")
        cls.sweep = ["sweep", sweep, "-r", "15", "--threads", "2"]
        cls.whole, cls.seconds = {}, {}
        for name in ("args", "short", "sweep"):
            path = os.path.join(cls.tmp.name, f"whole-{name}.h5")
            t0 = time.monotonic()
            r = run(getattr(cls, name), path)
            cls.seconds[name] = time.monotonic() - t0
            assert r.returncode == 0, r.stderr
            cls.whole[name] = path

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start(self, args, out, *extra):
        return subprocess.Popen([BINARY, *args, "-o", out, *extra],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)

    def check_partial(self, out, whole, at_least=0):
        """Checks what a killed or stopped run left; returns the number of
        replications in OUT.h5.partial (0 when there is none yet)."""
        self.assertFalse(os.path.exists(out), "a file at the final path")
        partial = out + ".partial"
        if not os.path.lexists(partial):
            # Killed before the layout was complete: nothing to keep.
            self.assertEqual(at_least, 0, "no .partial")
            return 0
        self.assertTrue(os.path.islink(partial), "not a link")
        self.assertIn(os.readlink(partial), [os.path.basename(p)
                                             for p in pair_files(out)])
        with h5py.File(partial, "r") as f, h5py.File(whole, "r") as w:
            done = f["task_done"][()]
            ndone = int(done.sum())
            self.assertGreaterEqual(ndone, at_least)
            # The runner commits tasks in order: the done ones come first.
            flat = done.reshape(-1)
            self.assertTrue(flat[:ndone].all() and not flat[ndone:].any(),
                            "done tasks are not a prefix")
            counts = f["task_lots"][()]
            np.testing.assert_array_equal(counts[done], w["task_lots"][()][done])
            self.assertTrue((counts[~done] == 0).all())
            # Exactly the done replications' lots, as the whole run has them.
            n = int(counts[done].sum())
            for name in f["lots"]:
                column = f["lots"][name]
                self.assertEqual(column.shape[0], n, name)
                x, y = column[()], w["lots"][name][:n]
                if x.dtype.kind == "f":
                    np.testing.assert_array_equal(x, y, err_msg=name)
                else:
                    self.assertTrue(np.array_equal(x, y), name)
            # Every per-replication variable: the whole run's values where
            # done, never written (NaN) elsewhere.
            for name, d in f.items():
                if (not isinstance(d, h5py.Dataset) or d.ndim < 2
                        or [s.name for s in d.dims[1].values()] != ["/replication"]
                        or d.dtype.kind != "f"):
                    continue
                x = d[()]
                np.testing.assert_array_equal(x[done], w[name][()][done],
                                              err_msg=name)
                self.assertTrue(np.isnan(x[~done]).all(), name)
        return ndone

    def resume_and_compare(self, args, out, whole):
        r = run(args, out, "--resume")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assert_finished(out, whole)

    def assert_finished(self, out, whole):
        for leftover in [out + ".partial", out + ".partial.new", *pair_files(out)]:
            self.assertFalse(os.path.lexists(leftover), leftover)
        assert_same_file(self, whole, out)

    def kill_until_done(self, name, out, rng):
        """Runs self.<name> with --resume and SIGKILLs it at a random moment
        of its first third, again and again until a run finishes; returns
        the number of kills."""
        args, whole = getattr(self, name), self.whole[name]
        max_delay = self.seconds[name] / 3
        kills, ndone, stuck = 0, 0, 0
        while True:
            proc = self.start(args, out, "--resume", "-q")
            time.sleep(rng.uniform(0.0, max_delay))
            proc.send_signal(signal.SIGKILL)
            _, err = proc.communicate()
            if proc.returncode == 0:
                self.assert_finished(out, whole)
                return kills
            self.assertEqual(proc.returncode, -signal.SIGKILL, err)
            kills += 1
            if os.path.exists(out):
                # Killed after the rename that completes a run (while it
                # removed the link and the other file, or printed): the
                # file is whole.  A new run over OUT.h5 removes the rest.
                assert_same_file(self, whole, out)
                self.finished_late += 1
                return kills
            # Committed replications are never lost.
            before, ndone = ndone, self.check_partial(out, whole, ndone)
            # A loaded machine may need longer than the startup to commit.
            stuck = stuck + 1 if ndone == before else 0
            if stuck == 10:
                max_delay, stuck = max_delay * 2, 0

    def test_sigkill_at_random_moments(self):
        seed = int(os.environ.get("WAFERSIM_CRASH_SEED", time.time_ns() % 2**32))
        print(f"\nWAFERSIM_CRASH_SEED={seed}", file=sys.stderr)
        rng = random.Random(seed)
        self.finished_late = 0
        kills, runs, sweeps = 0, 0, 0
        budget = float(os.environ.get("WAFERSIM_CRASH_SECONDS", 12))
        t0 = time.monotonic()
        while runs < 3 or time.monotonic() - t0 < budget:
            out = os.path.join(self.tmp.name, f"random-{runs}.h5")
            kills += self.kill_until_done("short", out, rng)
            runs += 1
        for i in range(2):
            out = os.path.join(self.tmp.name, f"random-sweep-{i}.h5")
            sweeps += self.kill_until_done("sweep", out, rng)
        print(f"{kills} kills in {runs} runs, {sweeps} in 2 sweeps "
              f"({self.finished_late} after the final rename), "
              f"{time.monotonic() - t0:.1f} s", file=sys.stderr)
        self.assertGreaterEqual(kills, 10)

    def test_sigkill_at_several_points(self):
        for point, lines in (("early", 0), ("after one", 1), ("after three", 3)):
            with self.subTest(point=point):
                out = os.path.join(self.tmp.name, f"kill-{lines}.h5")
                proc = self.start(self.args, out)
                if lines == 0:
                    # Once the file exists, before any replication is done.
                    for _ in range(200):
                        if os.path.exists(out + ".partial"):
                            break
                        time.sleep(0.01)
                for _ in range(lines):
                    self.assertIn("done", proc.stderr.readline())
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                proc.stderr.close()
                self.check_partial(out, self.whole["args"], lines)
                self.resume_and_compare(self.args, out, self.whole["args"])

    def test_resume_takes_a_plain_partial(self):
        # wafersim before the pair of files wrote OUT.h5.partial itself.
        out = os.path.join(self.tmp.name, "plain.h5")
        proc = self.start(self.args, out)
        self.assertIn("done", proc.stderr.readline())
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stderr.close()
        target = os.path.realpath(out + ".partial")
        os.unlink(out + ".partial")
        shutil.copyfile(target, out + ".partial")
        for p in pair_files(out):
            os.unlink(p)
        self.resume_and_compare(self.args, out, self.whole["args"])

    def test_sigint_and_sigterm_stop_cleanly(self):
        for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(sig=sig):
                out = os.path.join(self.tmp.name, f"stop-{int(sig)}.h5")
                proc = self.start(self.args, out)
                self.assertIn("done", proc.stderr.readline())
                t0 = time.monotonic()
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=60)
                self.assertLess(time.monotonic() - t0, 5.0)
                self.assertEqual(proc.returncode, status, err)
                self.assertIn("--resume", err)
                self.check_partial(out, self.whole["args"], 1)
                self.resume_and_compare(self.args, out, self.whole["args"])

    def test_full_disk(self):
        out = os.path.join(self.tmp.name, "full.h5")

        def small_file_limit():
            resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

        r = subprocess.run([BINARY, *self.args, "-o", out, "-q"],
                           capture_output=True, text=True, timeout=600,
                           preexec_fn=small_file_limit)
        self.assertEqual(r.returncode, 74, r.stderr)
        self.assertIn(out, r.stderr)
        for leftover in [out, out + ".partial", out + ".partial.new",
                         *pair_files(out)]:
            self.assertFalse(os.path.lexists(leftover), leftover)

    def test_output_cannot_be_created(self):
        not_a_dir = os.path.join(self.tmp.name, "plain-file")
        with open(not_a_dir, "w") as f:
            f.write("x")
        out = os.path.join(not_a_dir, "x.h5")
        r = run(self.args, out)
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("Not a directory", r.stderr)

    def test_output_in_a_read_only_directory(self):
        if os.geteuid() == 0:
            self.skipTest("root writes into read-only directories")
        ro = os.path.join(self.tmp.name, "read-only")
        os.mkdir(ro, 0o555)
        r = run(self.args, os.path.join(ro, "x.h5"))
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertEqual(os.listdir(ro), [])


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
