"""Executes analysis/notebooks/quickstart.ipynb with `jupyter nbconvert
--execute` (Debian's python3, its python3 kernel) against a small freshly
simulated file, and fails on any error in any cell.

Usage: /usr/bin/python3 tests/notebook_test.py WAFERSIM_BINARY SOURCE_DIR

Needs jupyter-nbconvert and python3-ipykernel (scripts/deps.sh --test).
About 10 s on two cores.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

BINARY = None
SOURCE = None


class Notebook(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.notebook = os.path.join(SOURCE, "analysis", "notebooks", "quickstart.ipynb")
        cls.result = os.path.join(cls.tmp.name, "small.h5")
        done = subprocess.run(
            [BINARY, "run", os.path.join(SOURCE, "tests", "data", "small.yaml"),
             "-o", cls.result, "-r", "2", "--days", "120", "-q"],
            capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_stored_without_outputs(self):
        """The notebook in the repository is clean: no outputs, no counts."""
        with open(self.notebook, encoding="utf-8") as f:
            notebook = json.load(f)
        self.assertEqual(notebook["metadata"]["kernelspec"]["name"], "python3")
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                self.assertEqual(cell["outputs"], [])
                self.assertIsNone(cell["execution_count"])

    def test_executes_without_error(self):
        out_dir = os.path.join(self.tmp.name, "executed")
        env = {**os.environ,
               "WAFERSIM_RESULT": self.result,
               "WAFERSIM_BINARY": BINARY,
               "WAFERSIM_WORKDIR": os.path.join(self.tmp.name, "work"),
               "MPLBACKEND": "Agg",
               "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
        env.pop("WAFERSIM_SWEEP", None)
        # `python3 -m jupyter` is the `jupyter` command of that Python, so the
        # notebook runs in Debian's Python whatever else is on the PATH.
        done = subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook",
             "--execute", "--ExecutePreprocessor.timeout=180",
             "--ExecutePreprocessor.kernel_name=python3",
             "--output-dir", out_dir, "--output", "quickstart.ipynb", self.notebook],
            capture_output=True, text=True, timeout=600, env=env)
        self.assertEqual(done.returncode, 0, done.stderr[-4000:])
        with open(os.path.join(out_dir, "quickstart.ipynb"), encoding="utf-8") as f:
            notebook = json.load(f)
        images, text = 0, []
        for cell in notebook["cells"]:
            for output in cell.get("outputs", []):
                self.assertNotEqual(output["output_type"], "error",
                                    "\n".join(output.get("traceback", [])))
                data = output.get("data", {})
                images += "image/png" in data
                text.append("".join(output.get("text", "")))
                text.append("".join(data.get("text/plain", "")))
        text = "\n".join(text)
        # It used the file given, not a run of its own, and plotted output,
        # cycle time, utilisation, the comparison and the operating curve.
        self.assertIn("using " + self.result, text)
        self.assertIn("small |", text)
        self.assertGreaterEqual(images, 5)
        self.assertIn("products.LOGIC.wafers_per_month", text)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    skipped = len(result.skipped)
    print(f"{result.testsRun - failed - skipped} passed, {failed} failed"
          + (f" ({skipped} skipped)" if skipped else ""))
    sys.exit(1 if failed else 0)
