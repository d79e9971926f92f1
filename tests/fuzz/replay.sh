#!/bin/sh
# replay.sh TARGET DIR... - runs a fuzz target once on every file of the
# given directories (a missing directory is skipped), as CTest's
# fuzz_*_replay tests do.  libFuzzer given files, not directories, only
# runs them: it writes nothing into the tree.  Exits non-zero when any
# input crashes, leaks, runs longer than 10 s or breaks a reader's
# contract, and then names every such input.  Stacks are unwound fully, so
# that leaks inside libfyaml count too (fuzz_support.c).
set -eu
target=$1
shift
for dir do
    shift
    [ -d "$dir" ] && set -- "$@" "$dir"
done
[ $# -eq 0 ] && exit 0
ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS
# The suppression of libfyaml's leak names a function: stacks need names.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1 &&
   [ -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
    ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
    export ASAN_SYMBOLIZER_PATH
fi

# All inputs in one process is fast; libFuzzer stops at the first failure,
# so when there is one, each input runs alone to name them all.
if find "$@" -type f ! -name 'README*' \
        -exec "$target" -timeout=10 {} + </dev/null >/dev/null 2>&1; then
    echo "replay: every input passed"
    exit 0
fi
total=0
failed=0
for f in $(find "$@" -type f ! -name 'README*' | LC_ALL=C sort); do
    total=$((total + 1))
    if ! "$target" -timeout=10 "$f" </dev/null >/dev/null 2>&1; then
        failed=$((failed + 1))
        echo "replay: FAILED: $target $f"
    fi
done
echo "replay: $failed of $total inputs failed"
exit 1
