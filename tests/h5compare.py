"""Shared by the CLI tests: two wafersim result files hold the same values."""
import h5py
import numpy as np


def assert_same_file(test, a_path, b_path, skip_attrs=("command_line",)):
    """Every group and dataset value for value (NaN equal to NaN), and every
    root attribute but skip_attrs (runs differ in their command line)."""
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        names_a, names_b = [], []
        a.visit(names_a.append)
        b.visit(names_b.append)
        test.assertEqual(names_a, names_b)
        for name in names_a:
            if isinstance(a[name], h5py.Dataset):
                x, y = a[name][()], b[name][()]
                if x.dtype.kind == "f":
                    np.testing.assert_array_equal(x, y, err_msg=name)
                else:
                    test.assertTrue(np.array_equal(x, y), name)
        test.assertEqual(sorted(a.attrs), sorted(b.attrs))
        for key in a.attrs:
            if key not in skip_attrs:
                test.assertTrue(np.array_equal(a.attrs[key], b.attrs[key]), key)
