#!/bin/sh
# make-corpus.sh - regenerates the seed corpora of the fuzz targets,
# tests/fuzz/corpus/{scenario,route,settings}/, from the shipped scenarios,
# the test data and the catalogue of bad inputs, plus a few seeds written
# here for what those files lack.  Run it after adding scenarios or
# catalogue cases; it replaces the three directories.  Files larger than
# 8 KiB are left out: small seeds keep libFuzzer's inputs short and fast.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/tests/fuzz/corpus
max_bytes=8192

rm -rf "$out/scenario" "$out/route" "$out/settings"
mkdir -p "$out/scenario" "$out/route" "$out/settings"

# copy DIR PREFIX FILE...: FILE as DIR/PREFIX-NAME, when small enough.
copy() {
    dir=$1 prefix=$2
    shift 2
    for f in "$@"; do
        [ -f "$f" ] || continue
        [ "$(wc -c <"$f")" -le "$max_bytes" ] || continue
        cp "$f" "$out/$dir/$prefix-$(basename "$f")"
    done
}

cd "$root"
copy scenario scenarios scenarios/*.yaml
copy scenario examples scenarios/examples/*.yaml
copy scenario data tests/data/*.yaml
copy scenario bad tests/bad/*.yaml
copy route scenarios scenarios/routes/*.csv
copy route bad tests/bad/*.csv

# Every distribution, column, unit and `per` in one route, on the tool
# groups of fuzz_route.c.
cat >"$out/route/seed-all-kinds.csv" <<'EOF'
step,tool_group,per,distribution,mean,cv,sd,min,mode,max,value,unit
c,LITHO,lot,constant,,,,,,,5,min
u,ETCH,wafer,uniform,,,,1,,2,,h
e,CLEAN,batch,exponential,3,,,,,,,s
n,CVD,lot,normal,10,,2,,,,,d
n2,CVD,lot,normal,10,0.3,,,,,,
l,METRO,lot,lognormal,4,0.5,,,,,,
g,CMP,lot,gamma,4,0.5,,,,,,
"t, quoted ""name""",ÄTZEN,lot,triangular,,,,1,2,3,,
EOF
printf '\357\273\277# BOM, CRLF, comments, blank lines, spaces\r\n tool_group , mean \r\n\r\n# a comment\r\n DIFF , 1e3 \r\n"LITHO",".5"\r\n' \
    >"$out/route/seed-crlf-bom.csv"

# YAML that the catalogue does not show: anchors and aliases, block
# scalars, quoted keys, route files beside the scenario and one level up.
cat >"$out/scenario/seed-yaml-forms.yaml" <<'EOF'
%YAML 1.2
---
format_version: 1
name: 'forms "quoted"'
description: |
  several
  lines
start_date: 2024-02-29
horizon_days: 60.5
warmup_days: .5
replications: 2
seed: 18446744073709551615
time_unit: h
lot_size: 10
tool_groups:
  DIFF: &g {tools: 2, dispatch: fifo}
  LITHO: *g
  "A.B": {tools: 100000}
  DIFFUSION: {tools: 1}
  IMPLANT: {tools: 1}
products:
  P:
    route: route.csv
    interarrival: &ia {distribution: uniform, min: 1, max: 2, unit: d}
  "Q.1":
    route: ../routes/minifab-flow.csv
    interarrival: *ia
  R:
    lots_per_day: 1e-3
    first_release_day: 0
    route: &r
      - step: a
        tool_group: "A.B"
        distribution: lognormal
        mean: 1
        cv: 2
      - {tool_group: DIFF, distribution: normal, mean: 2, cv: 0.1, per: batch}
  S: {wafers_per_month: 1, lot_size: 1, route: *r}
EOF
cat >"$out/scenario/seed-disruptions.yaml" <<'EOF'
tool_groups:
  G: {tools: 2, area: Litho}
  H: {tools: 1}
products:
  A:
    wafers_per_month: 1000
    route:
      - {tool_group: G, mean: 30}
      - {tool_group: H, mean: 20, step: etch}
disruptions:
  - {name: q, kind: shutdown, start_day: 5, duration: {value: 3, unit: d}, restart_share_per_week: 0.5, requalification: {distribution: uniform, min: 1, max: 2, unit: h}, scrap_wip_share: 0.1, release_share: 0}
  - {name: s, kind: power_sag, rate_per_year: 3, duration: {value: 2, unit: h}}
  - {name: o, kind: outage, start_date: 2025-02-01, duration: 4, tool_groups: [G], tools: 1}
  - {name: m, kind: shortage, start_day: 9, every: 30, count: 3, duration: 5, release_share: 0.5, products: [A], steps: ["A/etch"]}
  - {name: e, kind: excursion, start_day: 12, duration: 1, steps: ["A/#1"], scrap_share: 0.5, detection_delay: 2}
early_warning: {plan_x_factor: 2.5, bottleneck: G, horizon: {value: 14, unit: d}}
EOF
cat >"$out/scenario/seed-default-routes.yaml" <<'EOF'
tool_groups: {CLEAN: {tools: 3}, FURNACE: {tools: 7}, CVD: {tools: 3},
  LITHO: {tools: 2}, METRO: {tools: 2}, ETCH: {tools: 4},
  IMPLANT: {tools: 1}, CMP: {tools: 2}, DIFFUSION: {tools: 2}}
products:
  LOGIC: {route: routes/default-logic.csv, wafers_per_month: 4500}
  FLOW: {route: routes/minifab-flow.csv, lots_per_day: 3}
  UP: {route: ../routes/default-logic.csv, lots_per_day: 1}
EOF

# Settings: one per line, then (after an empty line) a scenario; no
# scenario means fuzz_settings.c's base_scenario.
n=0
setting_seed() {
    n=$((n + 1))
    printf '%s\n' "$@" >"$out/settings/seed-$(printf '%02d' "$n")"
}
setting_seed 'products.Pb.wafers_per_month=3500'
setting_seed 'tool_groups.LITHO.tools=32' 'tool_groups.IMPLANT.tools=4'
setting_seed 'products.Pa.route.#2.mean=40' 'products.Pa.route.S3.tool_group=IMPLANT'
setting_seed 'products."N28.v2".route."x.y".cv=0.3' 'products."N28.v2".lot_size=25'
setting_seed 'products.Pb.lots_per_day=3'
setting_seed 'products.Pb.interarrival.distribution=exponential' 'products.Pb.interarrival.mean=2'
setting_seed 'products.Pa.interarrival.unit=d' 'products.Pa.interarrival.distribution=gamma' 'products.Pa.interarrival.cv=0.5'
setting_seed 'seed=7' 'name=renamed' 'description=a=b' 'start_date=2024-02-29'
setting_seed 'horizon_days=30'
setting_seed 'products.Pa.route.S1.step=renamed' 'products.Pa.route.renamed.mean=5'
setting_seed 'products."N28.v2".route.S1.mean=5'
setting_seed 'products."N28.v2".route.#3.distribution=uniform' 'products."N28.v2".route.#3.mode='
setting_seed 'products.Pa.route.#60.mean=5'
setting_seed 'product.A.lot_size=5' 'products.X.wafers_per_month=5' 'tool_groups.LITHO.toolz=3'
setting_seed 'products.Pb.route=routes/default-logic.csv'
setting_seed 'products."N\"q\\".lot_size=1' 'products.Pa=3' 'sweep.grid=1' '=5' 'products..x=1'
setting_seed 'time_unit=s' 'lot_size=10000' 'replications=100000' 'format_version=1'
setting_seed 'tool_groups."ETCH.v2".dispatch=fifo' 'products.Pb.first_release_day=0'
for f in tests/data/*.yaml tests/bad/sweep-*.yaml scenarios/examples/*.yaml; do
    [ "$(wc -c <"$f")" -le "$max_bytes" ] || continue
    { printf '\n'; cat "$f"; } >"$out/settings/yaml-$(basename "$f")"
done
{
    printf 'products.A.lot_size=20\nproducts.B.route.#2.mean=3\n\n'
    cat <<'EOF'
tool_groups: {LITHO: {tools: 2}, ETCH: {tools: 3}}
products:
  A:
    wafers_per_month: 1000
    route: [{tool_group: LITHO, mean: 30}, {step: e, tool_group: ETCH, mean: 20}]
  B:
    lots_per_day: 2
    route: [{tool_group: ETCH, mean: 1}, {tool_group: LITHO, mean: 2}]
sweep:
  lhs:
    points: 7
    seed: 3
    parameters:
      products.A.wafers_per_month: {min: 1000, max: 3000}
      tool_groups.LITHO.tools: {min: 2, max: 6, integer: true}
      products.A.route.e.mean: {min: 1, max: 2, integer: false}
EOF
} >"$out/settings/seed-lhs"
{
    printf 'products.B.lots_per_day=1\n\n'
    cat <<'EOF'
tool_groups: {LITHO: {tools: 2}}
products:
  A: {wafers_per_month: 1000, route: [{tool_group: LITHO, mean: 30}]}
  B: {lots_per_day: 2, route: [{tool_group: LITHO, mean: 1}]}
sweep:
  zip:
    products.A.wafers_per_month: [1000, 2e3, "3000"]
    products.B.lots_per_day: [1, 2, 3]
EOF
} >"$out/settings/seed-zip"

for t in scenario route settings; do
    echo "$t: $(find "$out/$t" -type f | wc -l) seeds"
done
