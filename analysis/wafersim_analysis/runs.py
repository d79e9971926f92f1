"""Run wafersim from Python and put several runs side by side.

These helpers are what a notebook needs to make results on the spot:

- :func:`find_wafersim` and :func:`run` call the ``wafersim`` program;
- :func:`scenario_variant` writes a copy of a scenario with some keys
  changed (e.g. ``products.LOGIC.wafers_per_month`` or
  ``tool_groups.LITHO.tools``);
- :func:`combine` stacks runs along ``scenario`` into the layout of a sweep
  file, with the varied parameter as a coordinate named by its dotted path.

``scenario_variant`` and ``combine`` are the stand-in for sweeps and
disruptions until wafersim writes them itself: they give the same layout
(a longer ``scenario`` dimension with a coordinate per swept parameter),
so code written against them keeps working on real sweep files.
"""

import os
import re
import shutil
import subprocess

import numpy as np
import xarray as xr

__all__ = ["find_wafersim", "run", "scenario_variant", "combine"]

_HERE = os.path.dirname(os.path.abspath(__file__))
_SOURCE = os.path.dirname(os.path.dirname(_HERE))


def find_wafersim(binary=None):
    """Path of the ``wafersim`` program.

    In order: ``binary`` if given, the ``WAFERSIM_BINARY`` environment
    variable, ``wafersim`` on the ``PATH``, then ``build/wafersim`` (and
    other ``build*/`` directories) of the source tree this package sits
    in.  Raises FileNotFoundError when none exists.
    """
    candidates = [binary, os.environ.get("WAFERSIM_BINARY"), shutil.which("wafersim")]
    if os.path.isdir(_SOURCE):
        builds = sorted(d for d in os.listdir(_SOURCE) if d.startswith("build"))
        builds.sort(key=lambda d: d != "build")
        candidates += [os.path.join(_SOURCE, d, "wafersim") for d in builds]
    for path in candidates:
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.abspath(path)
    raise FileNotFoundError(
        "wafersim program not found: build it (cmake --build build) or set "
        "WAFERSIM_BINARY to its path")


def run(scenario, output, *args, binary=None):
    """Run ``wafersim run SCENARIO -o OUTPUT ARGS... -q`` and return OUTPUT.

    ``args`` are further flags as strings, e.g. ``"--days", "120"``.
    Raises RuntimeError with wafersim's message when it fails.
    """
    command = [find_wafersim(binary), "run", os.fspath(scenario), "-o",
               os.fspath(output), "-q", *map(str, args)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with status "
                           f"{done.returncode}:\n{done.stderr.strip()}")
    return os.fspath(output)


_KEY = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.\-]+)\s*:(?P<rest>.*)$")


def _format_value(value):
    """A Python value as YAML scalar text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split_comment(rest):
    """(value, comment) of the text after 'key:' (comment keeps its '#')."""
    match = re.search(r"\s+#", rest)
    if match:
        return rest[:match.start()], rest[match.start():]
    return rest, ""


def scenario_variant(scenario, output, changes, name=None):
    """Write a copy of a scenario file with some keys set to new values.

    Parameters
    ----------
    scenario : str or os.PathLike
        The YAML scenario to copy.
    output : str or os.PathLike
        Where to write the variant (any directory: route file paths are
        made absolute, so they still point at the original's files).
    changes : dict
        Dotted path -> new value, e.g.
        ``{"products.LOGIC.wafers_per_month": 3000,
        "tool_groups.LITHO.tools": 1}``.  The key must already be in the
        file, in block style (``key: value`` on its own line) or in a flow
        mapping on its parent's line (``LITHO: {tools: 2}``).
    name : str or None
        New value of the scenario's ``name`` (added if absent).

    Returns
    -------
    str
        ``output``.

    This is a line-based edit, not a YAML parser: enough for the shipped
    scenarios and files written like them.  Raises KeyError for a path it
    cannot find.
    """
    base = os.path.dirname(os.path.abspath(scenario))
    with open(scenario, encoding="utf-8") as f:
        lines = f.read().splitlines()
    wanted = {tuple(path.split(".")): _format_value(v) for path, v in changes.items()}
    if name is not None:
        wanted[("name",)] = name
    done = set()
    stack = []                                  # (indent, key) of open mappings
    for i, line in enumerate(lines):
        match = _KEY.match(line)
        if not match or line.lstrip().startswith(("#", "-")):
            continue
        indent = len(match["indent"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        path = tuple(k for _, k in stack) + (match["key"],)
        rest = match["rest"]
        value, comment = _split_comment(rest)
        head = line[:match.start("rest")]
        if path in wanted:
            # The old comment most likely explains the old value: dropped.
            lines[i] = f"{head} {wanted[path]}"
            done.add(path)
        elif value.strip().startswith("{"):
            for target, new in wanted.items():
                if target[:-1] == path:
                    pattern = r"(\b%s\s*:\s*)([^,}]+)" % re.escape(target[-1])
                    value, count = re.subn(pattern, lambda m: m[1] + new, value, count=1)
                    if count:
                        done.add(target)
            lines[i] = head + value + comment
        elif match["key"] == "route" and value.strip() and not value.strip().startswith("["):
            route = value.strip().strip("\"'")
            if not os.path.isabs(route):
                lines[i] = f"{head} {os.path.join(base, route)}{comment}"
        stack.append((indent, match["key"]))
    if ("name",) in wanted and ("name",) not in done:
        lines.insert(0, f"name: {name}")
        done.add(("name",))
    missing = [".".join(p) for p in wanted if p not in done]
    if missing:
        raise KeyError(f"{scenario}: cannot find {', '.join(missing)}")
    what = ", ".join(f"{'.'.join(p)} = {v}" for p, v in wanted.items())
    lines.insert(0, f"# Variant of {os.path.abspath(scenario)}: {what}")
    with open(output, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return os.fspath(output)


def combine(runs, name=None, values=None, attrs=None):
    """Stack runs of the same fab along ``scenario``, like a sweep file.

    Parameters
    ----------
    runs : sequence of xarray.Dataset or paths
        Results with the same months, products and tool groups (paths are
        read with :func:`wafersim_analysis.load`).
    name : str or None
        Name of the coordinate along ``scenario`` that holds the varied
        parameter, by its dotted path (``products.A.wafers_per_month``).
    values : sequence or None
        Its value for each run, in order.
    attrs : dict or None
        Attributes of the coordinate, e.g. ``{"units": "wafer/month"}``.

    Returns
    -------
    xarray.Dataset
        ``scenario`` numbered 0..n-1; variables that differ between runs
        and had no ``scenario`` dimension (e.g. ``tools``) gain one.  The
        root attributes are those of the first run.
    """
    from . import load

    datasets = [r if isinstance(r, xr.Dataset) else load(r) for r in runs]
    if not datasets:
        raise ValueError("combine needs at least one run")
    combined = xr.concat(datasets, dim="scenario", data_vars="different",
                         coords="different", compat="equals",
                         combine_attrs="override")
    combined = combined.assign_coords(
        scenario=np.arange(combined.sizes["scenario"], dtype=np.int32))
    combined["scenario"].attrs.update(datasets[0]["scenario"].attrs)
    if name is not None:
        if values is None or len(values) != combined.sizes["scenario"]:
            raise ValueError("combine needs one value per run for the coordinate")
        combined = combined.assign_coords({name: ("scenario", np.asarray(values))})
        combined[name].attrs.update({"long_name": name, **(attrs or {})})
    return combined
