#!/bin/bash
# ab.sh - compares the speed of two wafersim binaries on one SMT2020 data
# set, in the two ways that survive this machine's drift (its speed moves
# by 20-30% from hour to hour, so series measured at different times do
# not compare):
#
#   alternating   single runs, A then B, ROUNDS times: the medians of each,
#                 the ratio of the medians, and the median of each round's
#                 B/A;
#   side by side  A and B at once, one per core (taskset), swapping cores
#                 every round: the median of the per-round ratios B/A.
#
#   bench/ab.sh A B [DATASET_DIR] [DAYS] [ROUNDS]
#
# A and B are wafersim binaries (say a worktree build of the previous
# commit and build/wafersim).  DATASET_DIR defaults to
# ../shared/data/smt2020/HVLM next to the source tree, DAYS to 365, ROUNDS
# to 6.  Each run is `wafersim bench --smt2020 DIR --days DAYS --repeat 1`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
a=${1:?usage: bench/ab.sh A B [DATASET_DIR] [DAYS] [ROUNDS]}
b=${2:?usage: bench/ab.sh A B [DATASET_DIR] [DAYS] [ROUNDS]}
data=${3:-$here/../../shared/data/smt2020/HVLM}
days=${4:-365}
rounds=${5:-6}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# seconds of one run of binary $1, optionally pinned to core $2
one_run() {
    local pin=()
    if [ $# -gt 1 ]; then pin=(taskset -c "$2"); fi
    "${pin[@]}" "$1" bench --smt2020 "$data" --days "$days" --repeat 1 |
        awk '/^seconds/ {print $3}'
}

for ((i = 0; i < rounds; i++)); do
    one_run "$a" >>"$tmp/alt-a"
    one_run "$b" >>"$tmp/alt-b"
done
ma=$(median <"$tmp/alt-a")
mb=$(median <"$tmp/alt-b")
echo "alternating ($rounds rounds, $days days of $(basename "$data"))"
echo "  A median $ma s  ($a)"
echo "  B median $mb s  ($b)"
awk -v a="$ma" -v b="$mb" 'BEGIN {printf "  B/A %.3f\n", b / a}'
# Each round's B over its A, run just before it: the drift between two
# runs seconds apart is smaller than over the whole series.
paste "$tmp/alt-a" "$tmp/alt-b" | awk '{print $2 / $1}' >"$tmp/paired"
echo "  median of the rounds' B/A $(median <"$tmp/paired")" \
     "(min $(sort -g "$tmp/paired" | head -1), max $(sort -g "$tmp/paired" | tail -1))"

if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    for ((i = 0; i < rounds; i++)); do
        ca=$((i % 2)); cb=$((1 - ca))
        one_run "$a" "$ca" >"$tmp/pa" &
        one_run "$b" "$cb" >"$tmp/pb" &
        wait
        awk -v a="$(cat "$tmp/pa")" -v b="$(cat "$tmp/pb")" \
            'BEGIN {print b / a}' >>"$tmp/ratio"
    done
    echo "side by side ($rounds rounds)"
    echo "  median B/A $(median <"$tmp/ratio")" \
         "(min $(sort -g "$tmp/ratio" | head -1), max $(sort -g "$tmp/ratio" | tail -1))"
fi
