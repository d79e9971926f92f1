"""Shared by the CLI tests: two wafersim result files hold the same values."""
import h5py
import numpy as np

# Object references into their own file: never equal between two files.
_REFERENCE_ATTRS = ("DIMENSION_LIST", "REFERENCE_LIST")


def _same_attrs(test, a, b, what, skip=()):
    test.assertEqual(sorted(a.attrs), sorted(b.attrs), what)
    for key in a.attrs:
        if key in skip or key in _REFERENCE_ATTRS:
            continue
        x, y = a.attrs[key], b.attrs[key]
        if np.asarray(x).dtype.kind == "f":
            np.testing.assert_array_equal(x, y, err_msg=f"{what} {key}")
        else:
            test.assertTrue(np.array_equal(x, y), f"{what} {key}")


def assert_same_file(test, a_path, b_path, skip_attrs=("command_line",)):
    """Every group and dataset value for value (NaN equal to NaN), with the
    same shape, type and attributes, every group's attributes, and every
    root attribute but skip_attrs (runs differ in their command line).
    Not compared: the bytes, and where HDF5 put things in the file."""
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        names_a, names_b = [], []
        a.visit(names_a.append)
        b.visit(names_b.append)
        test.assertEqual(names_a, names_b)
        for name in names_a:
            if isinstance(a[name], h5py.Dataset):
                test.assertEqual(a[name].shape, b[name].shape, name)
                test.assertEqual(a[name].dtype, b[name].dtype, name)
                x, y = a[name][()], b[name][()]
                if x.dtype.kind == "f":
                    np.testing.assert_array_equal(x, y, err_msg=name)
                else:
                    test.assertTrue(np.array_equal(x, y), name)
                _same_attrs(test, a[name], b[name], name)
            elif isinstance(a[name], h5py.Group):
                _same_attrs(test, a[name], b[name], name)
        _same_attrs(test, a, b, "root", skip=skip_attrs)
