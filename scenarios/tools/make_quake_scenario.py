#!/usr/bin/python3
"""Writes scenarios/kumamoto-28nm-quake2016.yaml: the Kumamoto 28 nm fab
(scenarios/kumamoto-28nm.yaml, copied key for key) hit by a replay of the
April 2016 Kumamoto earthquakes as they struck Sony's image-sensor fab in
the same town.  The scenario format has no include, so the fab is copied
here rather than by hand: tests/scenarios_test.py checks that the file is
what this script writes, so the two cannot drift apart.

    /usr/bin/python3 scenarios/tools/make_quake_scenario.py

The calibration and its sources are in scenarios/README.md ("The 2016
earthquakes").
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIOS = os.path.dirname(HERE)
BASE = os.path.join(SCENARIOS, "kumamoto-28nm.yaml")
OUT = os.path.join(SCENARIOS, "kumamoto-28nm-quake2016.yaml")

HEADER = """\
# kumamoto-28nm-quake2016.yaml - the Kumamoto 28 nm fab (kumamoto-28nm.yaml)
# hit by a replay of the April 2016 Kumamoto earthquakes, as they struck
# Sony's image-sensor fab in Kikuyo, on the same dates ten years later.
#
#   wafersim run scenarios/kumamoto-28nm-quake2016.yaml --no-disruptions -o base.h5
#   wafersim run scenarios/kumamoto-28nm-quake2016.yaml -o quake.h5
#   wafersim compare base.h5 quake.h5
#
# Written by scenarios/tools/make_quake_scenario.py from kumamoto-28nm.yaml:
# edit those, not this file.  The disruptions at the end are calibrated on
# Sony's public timeline: shaking on 14 and 16 April, wafer processing back
# about five weeks later, full operation about three and a half months
# after the shock.  scenarios/README.md gives the sources and compares the
# simulated recovery with them.
"""

NAME = "name: Kumamoto 28nm, 2016 earthquakes replayed\n"

DESCRIPTION = """\
description: >-
  The Kumamoto 28nm fab hit on 14 April 2026 by a replay of the April 2016
  Kumamoto earthquakes: every tool stops for five weeks, the wafers in the
  tools and a share of the rest are lost, the tools come back a tenth a
  week and re-qualify, and starts follow the tools back up.
"""

DISRUPTIONS = """
# ---- The April 2016 earthquakes, replayed (scenarios/README.md) ---------
# 14 April 21:26 foreshock (M6.2), 16 April 01:25 main shock (M7.0): one
# shutdown from the foreshock; the main shock falls inside it.
disruptions:
  - name: quake
    kind: shutdown
    start_date: 2026-04-14
    duration: {value: 37, unit: d}        # to 21 May: "about five weeks"
    scrap_in_process: true                # wafers in the tools are lost
    scrap_wip_share: 0.15                 # estimated: wafers scattered
    restart_share_per_week: 0.1           # all tools back after 10 weeks:
                                          # 37 + 70 days = 3.5 months
    requalification: {distribution: uniform, min: 1, max: 3, unit: d}
    release_share: 0                      # no starts while the fab is down
  - name: restart-starts
    kind: shortage
    start_date: 2026-05-21
    duration: {value: 70, unit: d}        # starts follow the tools back:
    release_share: 0.55                   # the mean share of tools up
"""


def generate():
    with open(BASE, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    out, i = [HEADER], 0
    while not lines[i].startswith("format_version:"):
        i += 1                          # the base's own header comment
    while i < len(lines):
        line = lines[i]
        if line.startswith("name:"):
            out.append(NAME)
        elif line.startswith("description:"):
            out.append(DESCRIPTION)
            while i + 1 < len(lines) and lines[i + 1].startswith("  "):
                i += 1
        elif line.startswith("disruptions:"):
            sys.exit("kumamoto-28nm.yaml has disruptions of its own")
        else:
            out.append(line)
        i += 1
    return "".join(out) + DISRUPTIONS


def main():
    text = generate()
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        with open(OUT, encoding="utf-8") as f:
            same = f.read() == text
        print("up to date" if same else OUT + " differs from the generator")
        return 0 if same else 1
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(text)
    print("wrote", OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())
