"""Command-line test of `wafersim capacity`: the table for the default
scenario, --set, the HDF5 file as xarray (h5netcdf) and h5py read it, and
the exit statuses of bad input.

Usage: /usr/bin/python3 tests/capacity_test.py WAFERSIM_BINARY SOURCE_DIR
(Debian's python3 with h5py and xarray; run by CTest.)
"""
import math
import os
import subprocess
import sys
import tempfile
import unittest

import h5py
import xarray as xr

BINARY = None
SOURCE = None

GROUP_ROW_TITLE = "tool group"
PRODUCT_ROW_TITLE = "product"
DAYS_PER_MONTH = 365.2425 / 12


def run(*args, cwd=None):
    return subprocess.run([BINARY, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def parse_table(stdout):
    """({group: (tools, availability, load, utilisation, needed, marked)},
    {product: (planned, max, raw_h, raw_d)}, group order) from the table."""
    groups, products, order = {}, {}, []
    section = None
    for line in stdout.splitlines():
        if line.startswith(GROUP_ROW_TITLE):
            section = "groups"
            continue
        if line.startswith(PRODUCT_ROW_TITLE):
            section = "products"
            continue
        if not line.strip():
            section = None
            continue
        fields = line.split()
        if section == "groups":
            marked = line.rstrip().endswith("<- bottleneck")
            if marked:
                fields = fields[:-2]
            name = fields[0]
            groups[name] = (int(fields[1]), float(fields[2]), float(fields[3]),
                            float(fields[4]), int(fields[5]), marked)
            order.append(name)
        elif section == "products":
            products[fields[0]] = tuple(float(x) for x in fields[1:5])
    return groups, products, order


class Capacity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.scenario = os.path.join(SOURCE, "scenarios", "default.yaml")
        cls.default = run("capacity", cls.scenario)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_default_table_has_litho_as_bottleneck(self):
        r = self.default
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        groups, products, order = parse_table(r.stdout)
        self.assertEqual(len(groups), 8)
        self.assertEqual(order[0], "LITHO")
        self.assertTrue(groups["LITHO"][5])
        self.assertEqual(sum(g[5] for g in groups.values()), 1)
        self.assertIn("bottleneck: LITHO", r.stdout)
        # Sorted by utilisation, highest first.
        utils = [groups[name][3] for name in order]
        self.assertEqual(utils, sorted(utils, reverse=True))
        # The loads scenarios/default.yaml states in its comments.
        self.assertAlmostEqual(groups["LITHO"][3], 0.85, delta=0.005)
        self.assertAlmostEqual(groups["CLEAN"][3], 0.77, delta=0.005)
        self.assertAlmostEqual(groups["METRO"][3], 0.59, delta=0.005)
        # utilisation = load / (tools x 24 h) with availability 1.
        for name, (tools, avail, load, util, needed, _) in groups.items():
            self.assertEqual(avail, 1.0)
            self.assertAlmostEqual(util, load / (tools * 24 * avail), delta=0.0015)
            self.assertEqual(needed, math.ceil(load / (24 * 0.85) - 1e-9), name)
        self.assertEqual(set(products), {"LOGIC", "MEMORY"})
        planned, most, raw_h, raw_d = products["LOGIC"]
        self.assertEqual(planned, 4500.0)
        self.assertAlmostEqual(most, 4500 / groups["LITHO"][3], delta=5)
        self.assertAlmostEqual(raw_h, 34.6, delta=0.05)
        self.assertAlmostEqual(raw_d, raw_h / 24, delta=0.01)
        self.assertAlmostEqual(products["MEMORY"][0], 6000.0, delta=0.1)
        # The estimates the analysis makes are stated in the table.
        self.assertIn("assumed:", r.stdout)
        self.assertIn("random order", r.stdout)
        self.assertNotIn("CONWIP (no planned rate", r.stdout)

    def test_set_moves_the_bottleneck(self):
        r = run("capacity", self.scenario, "--set", "tool_groups.LITHO.tools=3")
        self.assertEqual(r.returncode, 0, r.stderr)
        groups, _, order = parse_table(r.stdout)
        self.assertEqual(groups["LITHO"][0], 3)
        self.assertAlmostEqual(groups["LITHO"][3], 0.854 * 2 / 3, delta=0.002)
        self.assertEqual(order[0], "CLEAN")
        self.assertTrue(groups["CLEAN"][5])
        self.assertFalse(groups["LITHO"][5])
        # Repeatable, applied in order: the last value wins.
        r = run("capacity", self.scenario,
                "--set", "tool_groups.LITHO.tools=3",
                "--set", "tool_groups.CLEAN.tools=4",
                "--set", "products.LOGIC.wafers_per_month=3000",
                "--set", "tool_groups.CLEAN.tools=5")
        self.assertEqual(r.returncode, 0, r.stderr)
        groups, products, _ = parse_table(r.stdout)
        self.assertEqual(groups["CLEAN"][0], 5)
        self.assertEqual(products["LOGIC"][0], 3000.0)
        self.assertNotIn("<- bottleneck", [l for l in r.stdout.splitlines()
                                            if l.startswith("CLEAN")][0])

    def test_target_utilisation(self):
        r = run("capacity", self.scenario, "--target-utilisation", "0.5")
        self.assertEqual(r.returncode, 0, r.stderr)
        groups, _, _ = parse_table(r.stdout)
        for name, (_, _, load, _, needed, _) in groups.items():
            self.assertEqual(needed, math.ceil(load / 12 - 1e-9), name)
        self.assertEqual(groups["LITHO"][4], 4)     # 41.0 / 12 = 3.4

    def test_output_file_opens_in_xarray(self):
        out = os.path.join(self.tmp.name, "cap.h5")
        r = run("capacity", self.scenario, "-o", out, "--target-utilisation", "0.9")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.rstrip().endswith("output: " + out))
        self.assertTrue(os.path.exists(out))
        self.assertFalse(os.path.exists(out + ".partial"))
        groups, products, _ = parse_table(r.stdout)
        with xr.open_dataset(out, engine="h5netcdf") as ds:
            self.assertEqual(dict(ds.sizes), {"tool_group": 8, "product": 2})
            self.assertEqual(list(ds.tool_group.values),
                             ["CLEAN", "FURNACE", "CVD", "LITHO", "METRO",
                              "ETCH", "IMPLANT", "CMP"])
            self.assertEqual(list(ds.product.values), ["LOGIC", "MEMORY"])
            # Creation order, not alphabetical.
            # Variables added later come after the first eight.
            self.assertEqual(list(ds.data_vars),
                             ["tools", "availability", "load_tool_hours_per_day",
                              "utilisation", "tools_needed",
                              "planned_wafers_per_month", "max_wafers_per_month",
                              "raw_process_time_days",
                              "setup_tool_hours_per_day", "pm_tool_hours_per_day",
                              "visits_per_lot", "wafer_yield"])
            for name in ("tools", "availability", "load_tool_hours_per_day",
                         "utilisation", "tools_needed",
                         "setup_tool_hours_per_day", "pm_tool_hours_per_day"):
                self.assertEqual(ds[name].dims, ("tool_group",), name)
            for name in ("planned_wafers_per_month", "max_wafers_per_month",
                         "raw_process_time_days", "visits_per_lot",
                         "wafer_yield"):
                self.assertEqual(ds[name].dims, ("product",), name)
            # The default scenario has none of the realism features.
            self.assertEqual(ds.setup_tool_hours_per_day.values.tolist(), [0.0] * 8)
            self.assertEqual(ds.pm_tool_hours_per_day.values.tolist(), [0.0] * 8)
            self.assertEqual(ds.wafer_yield.values.tolist(), [1.0, 1.0])
            for name in list(ds.data_vars) + ["tool_group", "product"]:
                self.assertIn("units", ds[name].attrs, name)
                self.assertIn("long_name", ds[name].attrs, name)
            # "day", not "days", so xarray leaves it a float.
            self.assertEqual(ds.raw_process_time_days.dtype.kind, "f")
            self.assertEqual(ds.attrs["bottleneck"], "LITHO")
            self.assertEqual(ds.attrs["software"], "wafersim")
            self.assertEqual(ds.attrs["target_utilisation"], 0.9)
            self.assertIn("--target-utilisation 0.9", ds.attrs["command_line"])
            self.assertIn("ILLUSTRATIVE ONLY", ds.attrs["scenario_text"])
            for key in ("version", "git_revision", "assumptions"):
                self.assertIn(key, ds.attrs)
            util = ds.utilisation.sel(tool_group="LITHO").item()
            self.assertAlmostEqual(util, groups["LITHO"][3], delta=0.0005)
            self.assertEqual(ds.utilisation.argmax("tool_group").item(), 3)
            load = ds.load_tool_hours_per_day.values
            tools = ds.tools.values
            for g in range(8):
                self.assertAlmostEqual(ds.utilisation.values[g],
                                       load[g] / (tools[g] * 24), places=12)
                self.assertEqual(ds.tools_needed.values[g],
                                 math.ceil(load[g] / (24 * 0.9) - 1e-9))
            planned = ds.planned_wafers_per_month.sel(product="LOGIC").item()
            self.assertAlmostEqual(planned, 4500.0, places=9)
            most = ds.max_wafers_per_month.sel(product="MEMORY").item()
            self.assertAlmostEqual(most, products["MEMORY"][1], delta=0.05)
            df = ds[["utilisation", "tools"]].to_dataframe()
            self.assertEqual(len(df), 8)
        with h5py.File(out, "r") as f:
            self.assertEqual(f["tool_group"].asstr()[0], "CLEAN")
            self.assertEqual(f["tools_needed"].dtype.kind, "i")

    def test_same_inputs_same_bytes(self):
        path = os.path.join(self.tmp.name, "same.h5")
        contents = []
        for _ in range(2):
            r = run("capacity", self.scenario, "-o", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(path, "rb") as f:
                contents.append(f.read())
        self.assertEqual(contents[0], contents[1])

    def test_bad_set_is_a_bad_scenario(self):
        out = os.path.join(self.tmp.name, "bad.h5")
        for setting in ("tool_groups.NOPE.tools=3", "tool_groups.LITHO.tools=0",
                        "tool_groups.LITHO.tools=many"):
            r = run("capacity", self.scenario, "--set", setting, "-o", out)
            self.assertEqual(r.returncode, 65, (setting, r.stderr))
            self.assertEqual(r.stdout, "")
            self.assertNotEqual(r.stderr, "")
            self.assertFalse(os.path.exists(out))
            self.assertFalse(os.path.exists(out + ".partial"))

    def test_usage_errors(self):
        for args in (["capacity"], ["capacity", self.scenario, "--bogus"],
                     ["capacity", self.scenario, "--set", "no-equals-sign"],
                     ["capacity", self.scenario, "--target-utilisation", "0"],
                     ["capacity", self.scenario, "--target-utilisation", "1.2"],
                     ["capacity", self.scenario, "--target-utilisation", "x"],
                     ["capacity", self.scenario, "-o"],
                     ["capacity", self.scenario, self.scenario]):
            r = run(*args)
            self.assertEqual(r.returncode, 64, (args, r.stderr))
            self.assertEqual(r.stdout, "")

    def test_missing_scenario_and_unwritable_output(self):
        r = run("capacity", os.path.join(self.tmp.name, "missing.yaml"))
        self.assertEqual(r.returncode, 66, r.stderr)
        r = run("capacity", self.scenario, "-o", "/nonexistent-dir/x.h5")
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("/nonexistent-dir/x.h5", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_help_lists_capacity(self):
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("wafersim capacity SCENARIO", r.stdout)
        self.assertIn("--target-utilisation", r.stdout)


if __name__ == "__main__":
    BINARY, SOURCE = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    result = unittest.main(argv=[sys.argv[0], "-v"], exit=False).result
    failed = len(result.failures) + len(result.errors)
    print(f"{result.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
