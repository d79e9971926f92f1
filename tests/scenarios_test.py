"""The shipped scenarios: every file under scenarios/ validates, and the
generated files (Kumamoto routes, the 2016-earthquake scenario) are what
their generators in scenarios/tools/ write."""
import glob
import os
import subprocess
import sys
import unittest

BINARY = None
SOURCE = None
PYTHON = "/usr/bin/python3"


class ShippedScenarios(unittest.TestCase):
    def test_every_scenario_validates(self):
        files = sorted(glob.glob(os.path.join(SOURCE, "scenarios", "*.yaml"))
                       + glob.glob(os.path.join(SOURCE, "scenarios",
                                                "examples", "*.yaml")))
        self.assertGreaterEqual(len(files), 8)
        for path in files:
            r = subprocess.run([BINARY, "validate", path], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(r.returncode, 0, path + ": " + r.stderr)
            self.assertIn(": ok:", r.stdout)

    def test_generated_files_are_up_to_date(self):
        for tool in ("kumamoto_routes.py", "make_quake_scenario.py"):
            r = subprocess.run([PYTHON, os.path.join(SOURCE, "scenarios",
                                                     "tools", tool), "--check"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(r.returncode, 0, tool + ": " + r.stdout
                             + r.stderr)

    def test_quake_scenario_is_the_fab_plus_its_disruptions(self):
        path = os.path.join(SOURCE, "scenarios", "kumamoto-28nm-quake2016.yaml")
        r = subprocess.run([BINARY, "validate", path], capture_output=True,
                           text=True, timeout=120)
        base = subprocess.run([BINARY, "validate", os.path.join(
            SOURCE, "scenarios", "kumamoto-28nm.yaml")], capture_output=True,
            text=True, timeout=120)
        # Same tool groups, tools, products and steps.
        self.assertEqual(r.stdout.split(": ok: ")[1],
                         base.stdout.split(": ok: ")[1])


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
