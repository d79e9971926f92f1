"""Crash safety through the CLI: SIGKILL at several points, SIGINT and
SIGTERM, a full disk, an output that cannot be created.

After a kill there is never a file at the final path; the .partial file
opens, holds whole replications only, and --resume turns it into the file
an uninterrupted run writes.  The kills land between the writes of two
replications (while one simulates); a kill during HDF5's flush of a
replication can damage the .partial: docs/hardening.md, "Crash safety".

Usage: /usr/bin/python3 tests/crash_test.py WAFERSIM_BINARY SOURCE_DIR
"""
import os
import resource
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


class Crash(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        small = os.path.join(SOURCE, "tests", "data", "small.yaml")
        # Eight replications of about half a second: time to act between them.
        cls.args = [small, "--days", "8000", "--warmup-days", "60", "-r", "8",
                    "--threads", "2"]
        cls.whole = os.path.join(cls.tmp.name, "whole.h5")
        r = subprocess.run([BINARY, "run", *cls.args, "-o", cls.whole, "-q"],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def start(self, out):
        return subprocess.Popen([BINARY, "run", *self.args, "-o", out],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)

    def check_partial(self, out, at_least):
        self.assertFalse(os.path.exists(out))
        self.assertTrue(os.path.exists(out + ".partial"))
        with h5py.File(out + ".partial", "r") as f:
            done = f["task_done"][()]
            self.assertGreaterEqual(int(done.sum()), at_least)
            # The done replications' lots come first; a kill while one was
            # being written may leave its records after them (--resume
            # drops those).
            kept = int(f["task_lots"][()][done].sum())
            self.assertGreaterEqual(f["lots/lot"].shape[0], kept)
            reps = f["lots/lot_replication"][:kept]
            scen = f["lots/lot_scenario"][:kept]
            self.assertTrue(done[scen, reps].all())
            wafers = f["wafers_out"][()]
            self.assertTrue(np.isfinite(wafers[done]).all())
            self.assertTrue(np.isnan(wafers[~done]).all())

    def check_partial_then_resume(self, out, at_least):
        self.check_partial(out, at_least)
        r = subprocess.run([BINARY, "run", *self.args, "-o", out, "--resume", "-q"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertFalse(os.path.exists(out + ".partial"))
        assert_same_file(self, self.whole, out)

    def test_sigkill_at_several_points(self):
        for point, lines in (("early", 0), ("after one", 1), ("after three", 3)):
            with self.subTest(point=point):
                out = os.path.join(self.tmp.name, f"kill-{lines}.h5")
                proc = self.start(out)
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
                self.check_partial_then_resume(out, lines)

    def test_sigint_and_sigterm_stop_cleanly(self):
        for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            with self.subTest(sig=sig):
                out = os.path.join(self.tmp.name, f"stop-{int(sig)}.h5")
                proc = self.start(out)
                self.assertIn("done", proc.stderr.readline())
                t0 = time.monotonic()
                proc.send_signal(sig)
                _, err = proc.communicate(timeout=60)
                self.assertLess(time.monotonic() - t0, 5.0)
                self.assertEqual(proc.returncode, status, err)
                self.assertIn("--resume", err)
                self.check_partial_then_resume(out, 1)

    def test_full_disk(self):
        out = os.path.join(self.tmp.name, "full.h5")

        def small_file_limit():
            resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

        r = subprocess.run([BINARY, "run", *self.args, "-o", out, "-q"],
                           capture_output=True, text=True, timeout=600,
                           preexec_fn=small_file_limit)
        self.assertEqual(r.returncode, 74, r.stderr)
        self.assertIn(out, r.stderr)
        self.assertFalse(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".partial"))

    def test_output_cannot_be_created(self):
        not_a_dir = os.path.join(self.tmp.name, "plain-file")
        with open(not_a_dir, "w") as f:
            f.write("x")
        out = os.path.join(not_a_dir, "x.h5")
        r = subprocess.run([BINARY, "run", *self.args, "-o", out, "-q"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("Not a directory", r.stderr)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
