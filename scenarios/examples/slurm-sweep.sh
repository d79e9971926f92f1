#!/bin/bash
# slurm-sweep.sh - a wafersim sweep as a Slurm job array, then one merge.
#
#   sbatch scenarios/examples/slurm-sweep.sh SCENARIO.yaml OUT.h5 [SHARDS]
#
# Submits SHARDS array tasks (default 16).  Array task I runs
# `wafersim sweep SCENARIO --shard` (I and the count come from
# SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT) with one OpenMP thread per
# allocated CPU, writing OUT-shard-I-of-SHARDS.h5; a dependent job merges
# the shards into OUT.h5 once all of them have succeeded.  A task that was
# killed (time limit, pre-emption) can be requeued as it is: --resume makes
# it continue from its .partial file.  The merged file is identical, value
# for value, to a single-machine `wafersim sweep SCENARIO -o OUT.h5`.
#
# Environment: WAFERSIM (the binary, default: wafersim on PATH).
#SBATCH --job-name=wafersim-sweep
#SBATCH --cpus-per-task=8
#SBATCH --time=04:00:00
#SBATCH --requeue
set -euo pipefail

scenario=${1:?usage: sbatch slurm-sweep.sh SCENARIO.yaml OUT.h5 [SHARDS]}
out=${2:?usage: sbatch slurm-sweep.sh SCENARIO.yaml OUT.h5 [SHARDS]}
shards=${3:-16}
wafersim=${WAFERSIM:-wafersim}

if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then
    # Submission: the array, then the merge that waits for all of it.
    self=$(readlink -f "$0")
    array=$(sbatch --parsable --array=0-$((shards - 1)) "$self" "$scenario" "$out" "$shards")
    shard_files=()
    for ((i = 0; i < shards; i++)); do
        shard_files+=("${out%.h5}-shard-$i-of-$shards.h5")
    done
    sbatch --dependency=afterok:"$array" --job-name=wafersim-merge \
        --cpus-per-task=1 --wrap="$wafersim merge '$out' ${shard_files[*]}"
    exit 0
fi

# One array task: its shard, resumed if an earlier attempt was cut short.
"$wafersim" sweep "$scenario" -o "$out" --shard --resume \
    --threads "${SLURM_CPUS_PER_TASK:-1}"
