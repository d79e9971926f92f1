#!/usr/bin/python3
"""Write the route CSVs of the Kumamoto (JASM-class) logic-fab scenarios.

    /usr/bin/python3 scenarios/tools/kumamoto_routes.py          # writes the CSVs
    /usr/bin/python3 scenarios/tools/kumamoto_routes.py --check  # compares, writes nothing

The scenarios scenarios/kumamoto-28nm.yaml and scenarios/kumamoto-16nm.yaml
name the files this script writes into scenarios/routes/kumamoto-*.csv.  The
routes are not a real TSMC process (that is not public); they are textbook
process flows (28 nm gate-last high-k/metal-gate planar CMOS, 16/12 nm
FinFET) built from one catalogue of operations, so that the mask count, the
step count and the raw process time per mask are realistic.  Where each
number comes from is in scenarios/README.md.

How a route is built:
  * OPS below is the catalogue: one entry per kind of operation, with its
    tool group, whether its time is per wafer, per lot or per batch, its
    mean time in minutes and the extras (sampling, batch sizes, yield
    loss).
  * A Route collects steps.  Helpers add whole modules: implant_mask() (a
    non-critical implant layer), pattern() (a mask layer that is etched) and
    damascene() (a via + trench copper level, two masks).  Each call that
    exposes a reticle counts one mask layer.
  * Every flow function (isp28(), mcu28(), ...) reads like a process flow,
    top to bottom.
  * Then each step's tool group becomes a qualified family of it
    (assign_families(): FAMILIES, GAS_FAMILY, SCANNER_SETS below), and the
    CSVs name the families; the scenarios list every family and its tools.
  * On standard error it prints, per route, the steps, the masks by
    exposure kind and the raw process time (per lot, per mask).

Everything is deterministic: no random numbers, so the same script always
writes the same bytes.  Standard library only.  With --check it exits 1 if a
file on disk differs from what it would write.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROUTES = os.path.join(os.path.dirname(HERE), "routes")

# Process-time spread: every step time is uniform on mean x (1 -/+ SPREAD).
# SMT2020 uses +/-5 %; recipes of one operation kind differ more than the
# runs of one recipe, so these generic operations get +/-10 %.
SPREAD = 0.10

# Operation catalogue.  Times in minutes.  "per": wafer (x 25 wafers of a
# lot), lot, or batch (a furnace/bench load of several lots).
#   batch:  (batch_min, batch_max) in lots.
#   sample: default share of lots that perform the step.
#   scrap:  per-wafer scrap probability after the step.
# A "tool" of the scenarios is whatever processes one lot at a time: a
# scanner with its track, an implanter, a polisher, a furnace; for the
# multi-chamber platforms (etch, CVD, PVD, ALD, plating, single-wafer wet
# clean, ash) it is the chamber set that runs one lot, so a six-chamber
# etcher running lots on chamber pairs counts as three tools.  The time is
# then the time the lot holds that tool (and its time through the step).
OPS = {
    # wet
    "clean":    dict(group="WET_SW", per="wafer", mean=1.00),
    "scrub":    dict(group="WET_SW", per="wafer", mean=0.60),  # backside/bevel
    "bench":    dict(group="WET_BENCH", per="batch", mean=45, batch=(1, 2)),
    "spm":      dict(group="WET_BENCH", per="batch", mean=40, batch=(1, 2)),
    "strip":    dict(group="STRIP", per="wafer", mean=0.50),
    # thermal
    "oxide":    dict(group="FURNACE", per="batch", mean=420, batch=(2, 6)),
    "lpcvd":    dict(group="FURNACE", per="batch", mean=540, batch=(2, 6)),
    "anneal":   dict(group="FURNACE", per="batch", mean=360, batch=(2, 6)),
    "rtp":      dict(group="RTP", per="wafer", mean=0.80),
    # films
    "cvd":      dict(group="CVD", per="lot", mean=55),
    "lowk":     dict(group="CVD", per="lot", mean=60),
    "ald":      dict(group="ALD", per="lot", mean=80),
    "pvd":      dict(group="PVD", per="lot", mean=55),
    "wcvd":     dict(group="CVD_W", per="lot", mean=60),
    "ecp":      dict(group="ECP", per="lot", mean=45),
    "cu_anneal": dict(group="ECP", per="lot", mean=20),   # integrated anneal module
    "epi":      dict(group="EPI", per="lot", mean=100),
    # lithography: one step = coat, expose and develop in a track + scanner
    # cell; the time is the scanner's per wafer (the track keeps pace), and
    # the scenario adds a reticle/lot overhead as the group's load_time.
    "litho_i":  dict(group="LITHO_ARFI", per="wafer", mean=0.26),
    "litho_a":  dict(group="LITHO_ARF", per="wafer", mean=0.24),
    "litho_k":  dict(group="LITHO_KRF", per="wafer", mean=0.22),
    "litho_l":  dict(group="LITHO_ILINE", per="wafer", mean=0.25),
    # metrology and inspection (a few wafers of the lot are measured)
    "ovl":      dict(group="METRO_OVL", per="lot", mean=15),   # overlay after develop
    "adi":      dict(group="METRO_CD", per="lot", mean=20),    # CD-SEM after develop
    "aei":      dict(group="METRO_CD", per="lot", mean=25, sample=0.5),
    "thk":      dict(group="METRO_FILM", per="lot", mean=12, sample=0.5),
    "ocd":      dict(group="METRO_FILM", per="lot", mean=15, sample=0.5),  # scatterometry
    "insp":     dict(group="INSPECT", per="lot", mean=60, sample=0.25),
    # etch
    "etch_c":   dict(group="ETCH_COND", per="lot", mean=75, scrap=0.0001),
    "etch_d":   dict(group="ETCH_DIEL", per="lot", mean=65, scrap=0.0001),
    # implant
    "imp_he":   dict(group="IMP_HE", per="wafer", mean=0.80),
    "imp_mc":   dict(group="IMP_MC", per="wafer", mean=0.30),
    "imp_hc":   dict(group="IMP_HC", per="wafer", mean=0.60),
    # CMP
    "cmp_ox":   dict(group="CMP_OX", per="wafer", mean=1.3, scrap=0.0001),
    "cmp_m":    dict(group="CMP_METAL", per="wafer", mean=1.5, scrap=0.0001),
    # end of line
    "wat":      dict(group="WAT", per="lot", mean=180),
    "final":    dict(group="INSPECT", per="lot", mean=40),
}

LITHO_CLASS = {"litho_i": "ArFi", "litho_a": "ArF", "litho_k": "KrF", "litho_l": "i-line"}

# Share of lots measured after develop (overlay; CD), and litho rework
# probability after the overlay measurement (SMT2020 reworks 0.7-1.8 % of
# lots at its litho metrology).
OVL_SAMPLE = {"litho_i": 1.0, "litho_a": 1.0, "litho_k": 0.25, "litho_l": 0.25}
CD_SAMPLE = {"litho_i": 1.0, "litho_a": 0.5, "litho_k": 0.2, "litho_l": 0.1}
REWORK = {"litho_i": 0.02, "litho_a": 0.015, "litho_k": 0.01, "litho_l": 0.01}

# Implant species -> ion-source gas (the implanter's setup).
SOURCE_GAS = {"B": "BF3", "BF2": "BF3", "P": "PH3", "As": "AsH3", "Ge": "GeF4",
              "In": "In", "C": "CO2"}

# Qualified tool sets.  A fab does not run every recipe on every tool of a
# kind: each layer's recipes are qualified (and the tools matched) on a few
# tools only.  The big tool groups are therefore split into families of
# about ten tools (SMT2020 has 105 families for about 1,000 tools); each
# layer's steps of a group go to one family, the same layer of every product
# of a node to the same family, and the layers are spread over the families
# by load (largest first, onto the least loaded family).  The number of
# families per group and node:
FAMILIES = {
    "28nm": {"CVD": 18, "ETCH_DIEL": 17, "WET_SW": 15, "PVD": 9, "STRIP": 7,
             "ECP": 5, "WET_BENCH": 5, "ALD": 3, "METRO_CD": 5, "METRO_OVL": 3,
             "CMP_METAL": 3, "METRO_FILM": 3, "FURNACE": 8,
             "INSPECT": 3, "ETCH_COND": 4},
    "16nm": {"CVD": 36, "ETCH_DIEL": 36, "WET_SW": 28, "PVD": 12, "STRIP": 13,
             "ECP": 7, "WET_BENCH": 5, "ALD": 7, "METRO_CD": 12, "METRO_OVL": 6,
             "CMP_METAL": 5, "METRO_FILM": 6, "FURNACE": 8,
             "INSPECT": 6, "ETCH_COND": 13, "CVD_W": 3, "EPI": 2},
}

# Implanters are dedicated to ion-source gases instead (a gas change purges
# the source and retunes the beam): implant families by gas.  A family that
# serves two gases still changes setup between them.
GAS_FAMILY = {
    "IMP_MC": {"BF3": "BF3", "PH3": "PH3", "AsH3": "ASH3", "GeF4": "GE", "In": "GE"},
    "IMP_HC": {"BF3": "BF3", "PH3": "ASP", "AsH3": "ASP", "GeF4": "GEC", "CO2": "GEC"},
}

# At 16 nm the immersion scanners are split into two matched sets, one for
# the front end and middle of line (fins, gates, contacts) and one for the
# copper levels, as fabs dedicate scanners to layer families for overlay.
SCANNER_SETS = {"16nm": "LITHO_ARFI"}

# Queue-time limits (minutes): a clean before a furnace, epitaxy or metal
# deposition must be followed by it within this time (native oxide regrowth).
QTIME_CLEAN = 240
QTIME_EPI = 180

COLUMNS = ["step", "tool_group", "per", "distribution", "min", "max",
           "batch_min", "batch_max", "setup", "sample",
           "rework_to", "rework_prob", "scrap_prob", "cqt_to", "cqt_limit",
           "same_tool_as"]

LOT = 25  # wafers per lot


def fmt(x):
    """A number as the shortest exact-enough decimal text."""
    return ("%.4f" % x).rstrip("0").rstrip(".")


class Route:
    """The steps of one product, with its mask count."""

    def __init__(self, name, node, title):
        self.name = name
        self.node = node         # "28nm" or "16nm": which families it uses
        self.title = title
        self.rows = []
        self.names = set()
        self.masks = []          # (layer, litho class) in flow order
        self.layer = "00"

    def step(self, what, op, sample=None, rework_to=None, rework_prob=None,
             cqt_to=None, cqt_limit=None, mean=None, same_tool_as=None):
        o = OPS[op]
        name = "%s %s" % (self.layer, what)
        if name in self.names:
            raise ValueError("%s: duplicate step name %r" % (self.name, name))
        self.names.add(name)
        m = o["mean"] if mean is None else mean
        row = dict(step=name, tool_group=o["group"], per=o["per"],
                   distribution="uniform", min=fmt(m * (1 - SPREAD)),
                   max=fmt(m * (1 + SPREAD)))
        if "batch" in o:
            row["batch_min"], row["batch_max"] = map(str, o["batch"])
        s = sample if sample is not None else o.get("sample")
        if s is not None and s < 1:
            row["sample"] = fmt(s)
        if rework_to:
            row["rework_to"] = "%s %s" % (self.layer, rework_to)
            row["rework_prob"] = fmt(rework_prob)
        if o.get("scrap"):
            row["scrap_prob"] = fmt(o["scrap"])
        if cqt_to:
            row["cqt_to"] = "%s %s" % (self.layer, cqt_to)
            row["cqt_limit"] = fmt(cqt_limit)
        if same_tool_as:
            row["same_tool_as"] = same_tool_as
        row["_mean"] = m
        row["_sample"] = 1 if s is None else s
        row["_layer"] = self.layer
        self.rows.append(row)
        return name

    def implant(self, what, op, species):
        """An implant step: the implanter must be set up for the source gas
        of the species (BF3 gives B and BF2); changing gas is a setup."""
        name = self.step(what, op)
        self.rows[-1]["setup"] = "%s:%s" % (OPS[op]["group"], SOURCE_GAS[species])
        return name

    # ---- modules ---------------------------------------------------------

    def litho(self, layer, cls, rework=True, same_tool_as=None):
        """Coat/expose/develop of one mask, and the measurement after it.
        same_tool_as: the layer whose scanner this exposure must use (the
        second exposure of a litho-etch-litho-etch pair, for overlay)."""
        self.layer = layer
        self.masks.append((layer, LITHO_CLASS[cls]))
        if cls == "litho_i":
            # immersion exposure: backside and bevel clean first (particles
            # on the backside defocus, loose bevel films contaminate the
            # immersion hood)
            self.step("pre-litho backside scrub", "scrub")
        self.step("litho", cls,
                  same_tool_as=same_tool_as and "%s litho" % same_tool_as)
        self.step("ADI overlay", "ovl", sample=OVL_SAMPLE[cls],
                  rework_to="litho" if rework else None,
                  rework_prob=REWORK[cls])
        self.step("ADI CD", "adi", sample=CD_SAMPLE[cls])

    def implant_mask(self, layer, implants, cls="litho_k"):
        """A non-critical implant layer: resist mask, one or more implants
        through it (implants: (what, op, species), e.g. a well, its channel
        stop and its punch-through stop; an LDD and its halo), then the
        implanted resist is ashed, stripped in a batch sulphuric-peroxide
        (SPM) bath and the wafers cleaned (SC1)."""
        self.litho(layer, cls)
        for what, op, species in implants:
            self.implant(what, op, species)
        self.step("ash", "strip")
        self.step("SPM strip", "spm")
        self.step("SC1 clean", "clean")

    def pattern(self, layer, cls, etch, films=(), before=(), after=(),
                critical=None, same_tool_as=None):
        """An etched mask layer.

        films:  (name, op) deposited before the litho (then measured),
                after a pre-deposition clean;
        before: (name, op) steps before that, e.g. an oxidation;
        after:  (name, op) steps after the post-etch clean.
        critical (default: the ArFi layers) layers are etched through an
        amorphous-carbon/SiON hard mask, opened first and ashed after.
        """
        if critical is None:
            critical = cls == "litho_i"
        self.layer = layer
        for what, op in before:
            self.step(what, op)
        films = list(films)
        if critical:
            films += [("a-C hard mask", "cvd"), ("SiON cap", "cvd")]
        if films:
            self.step("pre-deposition clean", "clean")
        for what, op in films:
            self.step(what, op)
        if films:
            self.step("film thickness", "thk")
        self.litho(layer, cls, same_tool_as=same_tool_as)
        if critical:
            self.step("hard-mask open", "etch_d")
            self.step("resist/a-C ash", "strip")
        self.step("etch", etch)
        if critical:
            self.step("etch depth OCD", "ocd")
        self.step("AEI CD", "aei", sample=0.5 if critical else 0.2)
        self.step("ash", "strip")
        self.step("clean", "clean")
        self.step("defect inspection", "insp", sample=0.3 if critical else 0.1)
        for what, op in after:
            self.step(what, op)

    def damascene(self, level, cls_via, cls_trench, lele=False, via_lele=False,
                  co_cap=False):
        """One copper level V(n-1)/M(n) by trench-first metal-hard-mask dual
        damascene: trench litho and hard-mask etch, via litho and partial via
        etch, then trench and via etched together.

        lele: the trench is printed as two exposures (litho-etch-litho-etch,
        16 nm 64 nm-pitch metals), one mask more; via_lele: the via too;
        co_cap: a selective cobalt cap on the copper (electromigration of
        the thin 16 nm lines).
        """
        via, metal = "V%d" % (level - 1), "M%d" % level
        self.layer = metal
        self.step("pre-deposition clean", "clean")
        self.step("etch-stop SiCN", "cvd")
        self.step("low-k dielectric", "lowk")
        self.step("low-k thickness/k", "thk")
        self.step("cap oxide", "cvd")
        self.step("TiN hard mask", "pvd")
        self.step("film thickness", "thk")
        trenches = [metal + "a", metal + "b"] if lele else [metal]
        for t in trenches:
            self.litho(t, cls_trench, same_tool_as=trenches[0] if t != trenches[0] else None)
            self.step("hard-mask etch", "etch_d")
            self.step("AEI CD", "aei")
            self.step("ash", "strip")
            self.step("clean", "clean")
        vias = [via + "a", via + "b"] if via_lele else [via]
        for v in vias:
            self.litho(v, cls_via, same_tool_as=vias[0] if v != vias[0] else None)
            self.step("partial via etch", "etch_d")
            self.step("ash", "strip")
        self.step("trench/via etch", "etch_d")
        self.step("trench/via depth OCD", "ocd")
        self.step("AEI CD", "aei")
        self.step("liner open", "etch_d", mean=30)
        self.step("clean", "clean")
        self.step("defect inspection", "insp", sample=0.3)
        self.layer = metal
        self.step("barrier/seed", "pvd", cqt_to="Cu plating", cqt_limit=QTIME_CLEAN)
        self.step("Cu plating", "ecp")
        self.step("Cu anneal", "cu_anneal")
        self.step("Cu CMP", "cmp_m")
        self.step("post-CMP clean", "clean")
        self.step("bevel clean", "scrub")
        if co_cap:
            self.step("pre-cap clean", "clean", cqt_to="selective Co cap",
                      cqt_limit=QTIME_CLEAN)
            self.step("selective Co cap", "wcvd")
        self.step("sheet/thickness", "thk")
        self.step("defect inspection", "insp")

    def single_damascene(self, layer, cls, lele=False):
        """M1: a trench level without vias (one or two exposures)."""
        self.layer = layer
        self.step("pre-deposition clean", "clean")
        self.step("etch-stop SiCN", "cvd")
        self.step("low-k dielectric", "lowk")
        self.step("low-k thickness/k", "thk")
        self.step("TiN hard mask", "pvd")
        self.step("film thickness", "thk")
        trenches = [layer + "a", layer + "b"] if lele else [layer]
        for t in trenches:
            self.litho(t, cls, same_tool_as=trenches[0] if t != trenches[0] else None)
            self.step("trench etch", "etch_d")
            self.step("trench depth OCD", "ocd")
            self.step("AEI CD", "aei")
            self.step("ash", "strip")
            self.step("clean", "clean")
        self.layer = layer
        self.step("defect inspection", "insp", sample=0.3)
        self.step("barrier/seed", "pvd", cqt_to="Cu plating", cqt_limit=QTIME_CLEAN)
        self.step("Cu plating", "ecp")
        self.step("Cu anneal", "cu_anneal")
        self.step("Cu CMP", "cmp_m")
        self.step("post-CMP clean", "clean")
        self.step("bevel clean", "scrub")
        self.step("sheet/thickness", "thk")

    def furnace_after_clean(self, what, op):
        """A pre-clean and the furnace step it must reach in time."""
        self.step("pre-clean " + what, "clean", cqt_to=what, cqt_limit=QTIME_CLEAN)
        self.step(what, op)

    # ---- summary ---------------------------------------------------------

    def raw_process_hours(self):
        """Mean time of a 25-wafer lot through the route with no waiting:
        sampled steps weighted by their probability, batch steps counted
        once per lot, rework, setups and load/unload times left out, as in
        the x-factor's denominator of `wafersim run` (raw_process_time_days;
        `wafersim capacity` counts load, unload and rework as well)."""
        return sum(lot_minutes(r) for r in self.rows) / 60.0

    def summary(self):
        by_class = {}
        for _, c in self.masks:
            by_class[c] = by_class.get(c, 0) + 1
        rpt = self.raw_process_hours()
        classes = ", ".join("%s %d" % (c, by_class.get(c, 0))
                            for c in ("ArFi", "ArF", "KrF", "i-line"))
        return ("%-24s %4d steps %3d masks (%s)  raw process %6.1f h = %5.2f d,"
                " %.2f d/mask" % (self.name, len(self.rows), len(self.masks),
                                  classes, rpt, rpt / 24, rpt / 24 / len(self.masks)))

    def csv_text(self):
        lines = [
            "# %s" % self.title,
            "# Generated by scenarios/tools/kumamoto_routes.py (do not edit by hand;",
            "# change the script and run it again).  A textbook flow, not a real",
            "# TSMC process: sources and estimates are in scenarios/README.md.",
            "# %d steps, %d mask layers.  Times in minutes (the scenario's time_unit),"
            % (len(self.rows), len(self.masks)),
            "# uniform on mean -/+ %d%%; per=wafer times are multiplied by the lot's"
            % round(SPREAD * 100),
            "# wafers.  Step names start with their layer; tool groups are the",
            "# qualified families (GROUP_NN, implanters by gas) of the scenario.",
            ",".join(COLUMNS),
        ]
        for r in self.rows:
            cells = []
            for c in COLUMNS:
                v = r.get(c, "")
                if any(ch in v for ch in ',"'):
                    v = '"%s"' % v.replace('"', '""')
                cells.append(v)
            lines.append(",".join(cells))
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# 28 nm: planar CMOS, high-k/metal gate by gate-last replacement metal gate
# (RMG), embedded SiGe source/drain, NiPt silicide, W contacts, Cu/low-k.
# ---------------------------------------------------------------------------

def wells(r, n_type="P", p_type="B"):
    """Well implants: each well mask takes the well, its channel stop and
    its punch-through stop."""
    r.implant_mask("NW", [("N-well", "imp_he", n_type), ("N channel stop", "imp_mc", "P"),
                          ("N punch-through", "imp_mc", "As")])
    r.implant_mask("PW", [("P-well", "imp_he", p_type), ("P channel stop", "imp_mc", "B"),
                          ("P punch-through", "imp_mc", "BF2")])


def vt_masks(r, n):
    """Threshold-voltage flavours (SVT/LVT/ULVT/HVT for N and P): each mask
    takes a channel implant and a deeper anti-punch-through implant."""
    species = ["B", "As", "BF2", "P", "In", "As", "B", "P"]
    for i in range(n):
        sp = species[i]
        r.implant_mask("VT%d" % (i + 1), [("Vt implant", "imp_mc", sp),
                                          ("APT implant", "imp_mc", "B" if sp in "B BF2 In" else "P")])


def ldd_masks(r):
    """Core and I/O LDD masks: LDD, tilted halo (4 rotations) and, for the
    core, a pre-amorphisation implant."""
    r.implant_mask("NLDD", [("PAI", "imp_mc", "Ge"), ("LDD", "imp_mc", "As"),
                            ("halo", "imp_mc", "B")])
    r.implant_mask("PLDD", [("PAI", "imp_mc", "Ge"), ("LDD", "imp_mc", "BF2"),
                            ("halo", "imp_mc", "As")])
    r.implant_mask("IONLDD", [("LDD", "imp_mc", "P"), ("halo", "imp_mc", "B")])
    r.implant_mask("IOPLDD", [("LDD", "imp_mc", "B"), ("halo", "imp_mc", "P")])


def sd_masks(r):
    """Deep source/drain masks: PAI, main implant, co-implant."""
    r.implant_mask("NP", [("PAI", "imp_hc", "Ge"), ("N+ S/D", "imp_hc", "As"),
                          ("N+ co-implant", "imp_hc", "P")])
    r.implant_mask("PP", [("PAI", "imp_hc", "Ge"), ("P+ S/D", "imp_hc", "B"),
                          ("P+ co-implant", "imp_hc", "C")])


def feol28(r, n_vt, flash=False):
    """Front end of a 28 nm HKMG gate-last flow, through the W contacts."""
    r.layer = "00"
    r.step("incoming inspection", "insp", sample=1, mean=20)
    r.step("wafer start clean", "clean")
    r.furnace_after_clean("pad oxide", "oxide")
    r.step("pad nitride", "lpcvd")
    r.step("film thickness", "thk", sample=1)
    # Shallow trench isolation (active area, "OD")
    r.pattern("OD", "litho_i", "etch_c",
              after=[("pre-liner clean", "clean"), ("liner oxide", "oxide"),
                     ("STI oxide fill", "cvd"), ("fill thickness", "thk"),
                     ("STI densify anneal", "anneal"), ("STI CMP", "cmp_ox"),
                     ("post-CMP clean", "clean"), ("STI step height", "thk"),
                     ("nitride strip", "bench"), ("pad oxide strip", "bench")])
    r.layer = "WELL"
    r.furnace_after_clean("screen oxide", "oxide")
    r.implant_mask("DNW", [("deep N-well", "imp_he", "P")])
    wells(r)
    vt_masks(r, n_vt)
    r.layer = "WELL"
    r.step("pre-clean well drive-in", "clean")
    r.step("well drive-in", "anneal")
    r.step("well anneal", "rtp")
    if flash:
        flash28(r)
    # Dual gate oxide: thick I/O oxide, removed from the core by a mask
    r.layer = "GOX"
    r.step("screen oxide strip", "bench")
    r.furnace_after_clean("IO gate oxide", "oxide")
    r.step("IO oxide thickness", "thk", sample=1)
    r.pattern("OD2", "litho_k", "bench")
    r.layer = "GOX"
    r.furnace_after_clean("core interface oxide", "oxide")
    r.step("dummy poly", "lpcvd")
    r.step("gate hard mask nitride", "lpcvd")
    r.step("film thickness", "thk", sample=1)
    # Dummy poly gate and its line-end cut
    r.pattern("PO", "litho_i", "etch_c")
    r.pattern("CPO", "litho_i", "etch_c")
    r.layer = "SPC"
    r.step("seal spacer", "ald")
    r.step("seal spacer etch", "etch_d")
    ldd_masks(r)
    r.layer = "SPC"
    r.step("spacer nitride", "lpcvd")
    r.step("spacer oxide", "cvd")
    r.step("spacer etch", "etch_d")
    r.step("spacer CD", "aei")
    r.step("post-etch clean", "clean")
    # Embedded SiGe in the PMOS source/drain
    r.pattern("SIGE", "litho_a", "etch_c", films=[("SiGe hard mask", "cvd")])
    r.step("pre-epi clean", "clean", cqt_to="SiGe epitaxy", cqt_limit=QTIME_EPI)
    r.step("SiGe epitaxy", "epi")
    r.step("epi thickness", "thk")
    r.step("hard-mask removal", "bench")
    sd_masks(r)
    r.layer = "SD"
    r.step("pre-anneal clean", "clean")
    r.step("SMT nitride cap", "cvd")          # stress memorisation technique
    r.step("S/D spike anneal", "rtp")
    r.step("millisecond anneal", "rtp")
    r.step("SMT cap strip", "bench")
    r.step("sheet resistance", "thk")
    # Salicide block, then NiPt silicide
    r.pattern("RPO", "litho_k", "etch_d", films=[("RPO oxide", "cvd")])
    r.layer = "SAL"
    r.step("pre-silicide clean", "clean", cqt_to="NiPt deposition", cqt_limit=QTIME_CLEAN)
    r.step("NiPt deposition", "pvd")
    r.step("silicide anneal 1", "rtp")
    r.step("selective metal strip", "bench")
    r.step("silicide anneal 2", "rtp")
    r.step("sheet resistance", "thk")
    # Replacement metal gate
    r.layer = "RMG"
    r.step("CESL nitride", "cvd")
    r.step("ILD0 oxide", "cvd")
    r.step("ILD0 thickness", "thk")
    r.step("poly-open CMP", "cmp_ox")
    r.step("post-POP clean", "clean")
    r.step("dummy poly removal", "etch_c")
    r.step("pre-high-k clean", "clean", cqt_to="interlayer/high-k", cqt_limit=QTIME_CLEAN)
    r.step("interlayer/high-k", "ald")
    r.step("TiN cap", "ald")
    r.step("post-deposition anneal", "rtp")
    r.step("PMOS work-function metal", "ald")
    r.pattern("RMG", "litho_a", "etch_c")
    r.layer = "RMG"
    r.step("NMOS work-function metal", "ald")
    r.step("Al gate fill", "pvd")
    r.step("metal-gate CMP", "cmp_m")
    r.step("post-CMP clean", "clean")
    r.step("gate height", "thk", sample=1)
    # Contacts
    r.pattern("CO", "litho_i", "etch_d",
              films=[("ILD1 oxide", "cvd")],
              after=[("pre-metal clean", "clean"), ("Ti/TiN liner", "pvd"),
                     ("liner anneal", "rtp"), ("W fill", "wcvd"),
                     ("W CMP", "cmp_m"), ("post-CMP clean", "clean"),
                     ("contact resistance", "thk"), ("post-CMP inspection", "insp")])


def flash28(r):
    """Embedded non-volatile memory (charge-trap cell) module: nine extra
    masks on the automotive MCU."""
    r.implant_mask("FW", [("cell well", "imp_he", "B"), ("cell channel stop", "imp_mc", "B")])
    r.implant_mask("FVT", [("cell Vt", "imp_mc", "B"), ("cell APT", "imp_mc", "BF2")])
    r.implant_mask("HVNW", [("HV N-well", "imp_he", "P"), ("HV N drift", "imp_mc", "P")])
    r.implant_mask("HVPW", [("HV P-well", "imp_he", "B"), ("HV P drift", "imp_mc", "B")])
    r.layer = "ONO"
    r.furnace_after_clean("tunnel oxide", "oxide")
    r.step("charge-trap nitride", "lpcvd")
    r.step("top oxide", "oxide")
    r.step("ONO thickness", "thk", sample=1)
    r.step("memory gate poly", "lpcvd")
    r.step("film thickness", "thk", sample=1)
    r.pattern("MG", "litho_a", "etch_c", critical=True)    # memory gate
    r.pattern("ONO", "litho_k", "etch_d")                  # stack removal from logic
    r.pattern("HVOX", "litho_k", "bench",
              before=[("pre-clean HV oxide", "clean"), ("HV gate oxide", "oxide"),
                      ("HV oxide thickness", "thk")])
    r.implant_mask("HVNLDD", [("HV NLDD", "imp_mc", "P")])
    r.implant_mask("HVPLDD", [("HV PLDD", "imp_mc", "BF2")])


def pads(r, litho_pad="litho_k", litho_pass="litho_l"):
    """Top via, aluminium pad and passivation opening (three masks)."""
    r.pattern("TV", "litho_k", "etch_d", films=[("passivation oxide", "cvd")])
    r.pattern("AP", litho_pad, "etch_c", films=[("Al pad", "pvd")])
    r.pattern("PASS", litho_pass, "etch_d", films=[("passivation nitride", "cvd")])


def hybrid_bond(r, cls="litho_a"):
    """Cu-Cu hybrid-bonding layer of a stacked-image-sensor logic wafer:
    bonding via and bonding pad (dual damascene, two masks) on a very flat
    oxide surface; the pixel wafer is bonded onto it at Sony."""
    r.layer = "HB"
    r.step("bond oxide", "cvd")
    r.step("bond oxide CMP", "cmp_ox")
    r.step("film thickness", "thk", sample=1)
    r.litho("HBP", cls)
    r.step("pad trench etch", "etch_d")
    r.step("ash", "strip")
    r.step("clean", "clean")
    r.litho("HBV", cls)
    r.step("bond via etch", "etch_d")
    r.step("ash", "strip")
    r.step("clean", "clean")
    r.layer = "HB"
    r.step("barrier/seed", "pvd")
    r.step("Cu plating", "ecp")
    r.step("bond-pad CMP", "cmp_m")
    r.step("post-CMP clean", "clean")
    r.step("surface topography", "thk", sample=1)
    r.step("defect inspection", "insp", sample=1)


def mim(r):
    """Metal-insulator-metal capacitor (one mask) for the image sensor's
    column ADCs."""
    r.pattern("MIM", "litho_k", "etch_c",
              films=[("MIM bottom/dielectric/top", "pvd"), ("MIM high-k", "ald")])


def beol(r, schedule):
    """Copper levels.  schedule: one litho class per level 2..N for via and
    trench (M1 is always single damascene on ArFi)."""
    r.single_damascene("M1", "litho_i")
    for level, cls in enumerate(schedule, start=2):
        r.damascene(level, cls, cls)


def end_of_line(r):
    r.layer = "EOL"
    r.step("alloy anneal", "anneal")
    r.step("wafer acceptance test", "wat")
    r.step("outgoing inspection", "final")


def isp28():
    r = Route("kumamoto-28nm-isp", "28nm", "ISP28: image-signal-processor logic wafer of a stacked "
              "CMOS image sensor, 28 nm HKMG, 1P8M + MIM + Cu hybrid-bond layer")
    feol28(r, n_vt=6)
    beol(r, ["litho_i"] * 4 + ["litho_a"] * 2 + ["litho_k"])  # M2-M5 1x, M6-M7 2x, M8 thick
    mim(r)
    hybrid_bond(r)
    end_of_line(r)
    return r


def mcu28():
    r = Route("kumamoto-28nm-mcu", "28nm", "MCU28: automotive microcontroller with embedded flash, "
              "28 nm HKMG + eNVM module, 1P7M, Al pad")
    feol28(r, n_vt=4, flash=True)
    beol(r, ["litho_i"] * 4 + ["litho_a"] + ["litho_k"])      # M2-M5 1x, M6 2x, M7 thick
    pads(r)
    end_of_line(r)
    return r


def soc28():
    r = Route("kumamoto-28nm-soc", "28nm", "SOC28: automotive camera/radar SoC, 28 nm HKMG, "
              "1P9M, Al pad")
    feol28(r, n_vt=6)
    beol(r, ["litho_i"] * 5 + ["litho_a"] * 2 + ["litho_k"])  # M2-M6 1x, M7-M8 2x, M9 thick
    pads(r)
    end_of_line(r)
    return r


# ---------------------------------------------------------------------------
# 16/12 nm FinFET: self-aligned double patterning (SADP) of fins and gates,
# replacement metal gate, SiP/SiGe raised source/drain, trench contacts (MD)
# and gate contacts (VG), litho-etch-litho-etch (LELE) 64 nm-pitch metals.
# ---------------------------------------------------------------------------

def sadp(r, layer, what):
    """Self-aligned double patterning: a mandrel mask, spacers on the
    mandrels, mandrel removal, then the spacers pattern the lines (one mask,
    many steps)."""
    r.pattern(layer, "litho_i", "etch_c", films=[("mandrel a-Si", "cvd")])
    r.layer = layer
    r.step("mandrel CD", "aei", sample=1)
    r.step("spacer ALD", "ald")
    r.step("spacer thickness", "thk")
    r.step("spacer etch", "etch_d")
    r.step("mandrel pull", "etch_c")
    r.step("spacer CD", "aei", sample=1)
    r.step(what + " etch", "etch_c")
    r.step(what + " CD", "aei", sample=1)
    r.step("spacer removal", "bench")
    r.step("post-etch clean", "clean")
    r.step("final inspection", "insp", sample=0.5)


def feol16(r, n_vt, extra_io=False):
    """Front end and middle of line of a 16/12 nm FinFET flow, through V0."""
    r.layer = "00"
    r.step("incoming inspection", "insp", sample=1, mean=20)
    r.step("wafer start clean", "clean")
    r.furnace_after_clean("pad oxide", "oxide")
    r.step("pad nitride", "lpcvd")
    r.step("film thickness", "thk", sample=1)
    sadp(r, "FIN", "fin")
    r.pattern("FC1", "litho_i", "etch_c")        # fin cuts and fin keep
    r.pattern("FC2", "litho_i", "etch_c")
    r.pattern("FK", "litho_a", "etch_c", critical=True)
    r.layer = "STI"
    r.implant("N punch-through stop", "imp_mc", "P")   # bulk FinFET: under the fins
    r.implant("P punch-through stop", "imp_mc", "B")
    r.step("PTS anneal", "rtp")
    r.furnace_after_clean("liner oxide", "oxide")
    r.step("flowable oxide fill", "cvd")
    r.step("fill cure", "anneal")
    r.step("fill thickness", "thk")
    r.step("STI CMP", "cmp_ox")
    r.step("post-CMP clean", "clean")
    r.step("STI step height", "thk", sample=1)
    r.step("nitride strip", "bench")
    r.step("fin reveal recess", "etch_d")
    r.step("fin height", "aei", sample=1)
    r.step("post-recess clean", "clean")
    r.furnace_after_clean("screen oxide", "oxide")
    wells(r)
    vt_masks(r, n_vt)
    r.implant_mask("HR", [("resistor implant", "imp_mc", "BF2")])
    r.layer = "WELL"
    r.step("pre-anneal clean", "clean")
    r.step("well drive-in", "anneal")
    r.step("well anneal", "rtp")
    r.layer = "GOX"
    r.step("screen oxide strip", "bench")
    r.furnace_after_clean("IO gate oxide", "oxide")
    r.step("IO oxide thickness", "thk", sample=1)
    r.pattern("OD2", "litho_k", "bench")
    if extra_io:
        r.pattern("OD3", "litho_k", "bench",
                  before=[("pre-clean IO oxide 2", "clean"), ("second IO oxide", "oxide"),
                          ("IO oxide 2 thickness", "thk")])
    r.layer = "GOX"
    r.furnace_after_clean("dummy gate oxide", "oxide")
    r.step("dummy gate poly", "lpcvd")
    r.step("poly CMP", "cmp_ox")
    r.step("gate hard mask nitride", "lpcvd")
    r.step("film thickness", "thk", sample=1)
    sadp(r, "PO", "gate")
    r.pattern("CPO1", "litho_i", "etch_c")
    r.pattern("CPO2", "litho_i", "etch_c")
    r.pattern("CPODE", "litho_i", "etch_c")
    r.layer = "SPC"
    r.step("gate spacer ALD", "ald")
    r.step("spacer etch", "etch_d")
    r.step("spacer CD", "aei")
    ldd_masks(r)
    r.layer = "SPC"
    r.step("LDD anneal", "rtp")
    r.step("main spacer ALD", "ald")
    r.step("main spacer etch", "etch_d")
    r.step("post-etch clean", "clean")
    for layer, film in (("NEPI", "SiP"), ("PEPI", "SiGe")):
        r.pattern(layer, "litho_a", "etch_c", films=[(film + " hard mask", "cvd")])
        r.step("pre-epi clean", "clean", cqt_to=film + " epitaxy", cqt_limit=QTIME_EPI)
        r.step(film + " epitaxy", "epi")
        r.step("epi profile", "thk", sample=1)
        r.step("hard-mask removal", "bench")
    sd_masks(r)
    r.layer = "SD"
    r.step("pre-anneal clean", "clean")
    r.step("S/D spike anneal", "rtp")
    r.step("millisecond anneal", "rtp")
    r.step("sheet resistance", "thk")
    r.layer = "RMG"
    r.step("CESL nitride", "cvd")
    r.step("ILD0 oxide", "cvd")
    r.step("ILD0 anneal", "anneal")
    r.step("ILD0 thickness", "thk")
    r.step("poly-open CMP", "cmp_ox")
    r.step("post-POP clean", "clean")
    r.step("dummy gate removal", "etch_c")
    r.step("dummy oxide removal", "bench")
    r.step("pre-high-k clean", "clean", cqt_to="interlayer/high-k", cqt_limit=QTIME_CLEAN)
    r.step("interlayer/high-k", "ald")
    r.step("TiN cap", "ald")
    r.step("a-Si cap", "cvd")
    r.step("post-metallisation anneal", "rtp")
    r.step("a-Si cap removal", "etch_c")
    r.step("high-k thickness", "thk", sample=1)
    r.pattern("WFN", "litho_a", "etch_c", films=[("work-function metal 1", "ald")],
              critical=True)
    r.pattern("WFP", "litho_a", "etch_c", films=[("work-function metal 2", "ald")],
              critical=True)
    r.layer = "RMG"
    r.step("work-function metal 3", "ald")
    r.step("glue layer", "ald")
    r.step("W gate fill", "wcvd")
    r.step("metal-gate CMP", "cmp_m")
    r.step("post-CMP clean", "clean")
    r.step("gate recess", "etch_c")
    r.step("SiN gate cap", "cvd")
    r.step("cap CMP", "cmp_ox")
    r.step("post-cap clean", "clean")
    r.step("gate height", "thk", sample=1)
    r.step("gate inspection", "insp", sample=0.5)
    # Middle of line: trench contacts (LELE + cut), gate and diffusion vias
    r.pattern("MDa", "litho_i", "etch_d", films=[("ILD1 oxide", "cvd")])
    r.pattern("MDb", "litho_i", "etch_d", same_tool_as="MDa")
    r.pattern("MDC", "litho_i", "etch_d")
    r.layer = "MD"
    r.implant("contact PAI", "imp_hc", "Ge")
    r.implant("contact implant", "imp_hc", "As")
    r.step("pre-silicide clean", "clean", cqt_to="Ti/TiN liner", cqt_limit=QTIME_CLEAN)
    r.step("Ti/TiN liner", "pvd")
    r.step("silicide anneal", "rtp")
    r.step("W fill", "wcvd")
    r.step("MD CMP", "cmp_m")
    r.step("post-CMP clean", "clean")
    r.step("MD resistance", "thk")
    r.pattern("VG", "litho_i", "etch_d", films=[("ILD2 oxide", "cvd")])
    r.pattern("V0", "litho_i", "etch_d",
              after=[("pre-metal clean", "clean"), ("via liner", "pvd"),
                     ("W via fill", "wcvd"), ("V0 CMP", "cmp_m"),
                     ("post-CMP clean", "clean"), ("contact resistance", "thk"),
                     ("post-CMP inspection", "insp")])


def beol16(r, n_lele, n_1x, n_2x, n_thick):
    """M1 LELE single damascene, then levels: n_lele LELE (ArFi), n_1x ArFi,
    n_2x dry ArF, n_thick KrF."""
    r.single_damascene("M1", "litho_i", lele=True)
    level = 2
    for _ in range(n_lele):
        r.damascene(level, "litho_i", "litho_i", lele=True, via_lele=True, co_cap=True)
        level += 1
    for cls, n in (("litho_i", n_1x), ("litho_a", n_2x), ("litho_k", n_thick)):
        for _ in range(n):
            r.damascene(level, cls, cls, co_cap=cls == "litho_i")
            level += 1


def isp16():
    r = Route("kumamoto-16nm-isp", "16nm", "ISP16: image-signal-processor logic wafer of a stacked "
              "CMOS image sensor, 16 nm FinFET, 1P9M + MIM + Cu hybrid-bond layer")
    feol16(r, n_vt=6)
    beol16(r, n_lele=2, n_1x=2, n_2x=2, n_thick=2)
    mim(r)
    hybrid_bond(r)
    end_of_line(r)
    return r


def isp12():
    r = Route("kumamoto-12nm-isp", "16nm", "ISP12: AI-capable image-signal-processor logic wafer, "
              "12 nm FinFET (16 nm-class), 1P10M + MIM + Cu hybrid-bond layer")
    feol16(r, n_vt=8)
    beol16(r, n_lele=2, n_1x=3, n_2x=2, n_thick=2)
    mim(r)
    hybrid_bond(r)
    end_of_line(r)
    return r


def adas16():
    r = Route("kumamoto-16nm-adas", "16nm", "ADAS16: automotive driver-assistance SoC, 16 nm FinFET, "
              "dual IO oxide, 1P11M, Al pad")
    feol16(r, n_vt=6, extra_io=True)
    beol16(r, n_lele=2, n_1x=3, n_2x=3, n_thick=2)
    pads(r)
    end_of_line(r)
    return r


FLOWS = [isp28, mcu28, soc28, isp16, isp12, adas16]


def lot_minutes(row):
    """Mean minutes a lot spends on the step's tool (batch steps: the batch
    time, as for the lot), weighted by its sampling probability."""
    return row["_mean"] * (LOT if row["per"] == "wafer" else 1) * row["_sample"]


def assign_families(routes):
    """Replace each step's tool group by its family (see FAMILIES)."""
    for node, split in FAMILIES.items():
        mine = [r for r in routes if r.node == node]
        for group, n in sorted(split.items()):
            load = {}
            for r in mine:
                for row in r.rows:
                    if row["tool_group"] == group:
                        load[row["_layer"]] = load.get(row["_layer"], 0) + lot_minutes(row)
            family_load = [0.0] * n
            family_of = {}
            for layer in sorted(load, key=lambda k: (-load[k], k)):
                k = min(range(n), key=lambda i: (family_load[i], i))
                family_of[layer] = k
                family_load[k] += load[layer]
            for r in mine:
                for row in r.rows:
                    if row["tool_group"] == group:
                        row["tool_group"] = "%s_%02d" % (group, family_of[row["_layer"]] + 1)
    for r in routes:
        for row in r.rows:
            if SCANNER_SETS.get(r.node) == row["tool_group"]:
                beol = re.match(r"(M\d|V[1-9])", row["_layer"]) is not None
                row["tool_group"] += "_BE" if beol else "_FE"
            if row["tool_group"] in GAS_FAMILY:
                gas = row["setup"].split(":")[1]
                row["tool_group"] += "_" + GAS_FAMILY[row["tool_group"]][gas]


def build():
    routes = [f() for f in FLOWS]
    assign_families(routes)
    return routes


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 if a CSV on disk differs")
    p.add_argument("--out", default=ROUTES, help="directory (default %(default)s)")
    args = p.parse_args(argv)
    routes = build()
    stale = []
    for r in routes:
        path = os.path.join(args.out, r.name + ".csv")
        text = r.csv_text()
        if args.check:
            try:
                with open(path, encoding="utf-8") as f:
                    if f.read() != text:
                        stale.append(path)
            except OSError:
                stale.append(path)
        else:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        print(r.summary(), file=sys.stderr)
    for path in stale:
        print("differs: %s" % path, file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
