#!/bin/sh
# Fuzzes the scenario readers: builds the libFuzzer targets of tests/fuzz/
# in build-fuzz/ with clang, ASan and UBSan, and runs each for SECONDS
# (default 60) on a copy of its seed corpus, so the tree is not changed.
#   scripts/fuzz.sh          about a minute per target, as CI runs it
#   scripts/fuzz.sh 3600     an hour per target
# Installs nothing: it needs clang, libclang-rt-14-dev, libomp-14-dev and
# llvm-14 besides wafersim's own build dependencies (docs/hardening.md).
# Exits 1 when any target finds a crash, a leak, a timeout or an
# out-of-memory, and prints the reproducer's path and how to run it; the
# last line is "N passed, M failed", counting targets.
# Environment: WAFERSIM_FUZZ_BUILD (build directory, default build-fuzz),
# WAFERSIM_FUZZ_TARGETS (default "scenario route settings smt2020").
set -eu

seconds=${1:-60}
case $seconds in
    '' | *[!0-9]* | 0)
        echo "usage: scripts/fuzz.sh [SECONDS]  (a whole number > 0)" >&2
        exit 64 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
build=${WAFERSIM_FUZZ_BUILD:-$root/build-fuzz}
targets=${WAFERSIM_FUZZ_TARGETS:-scenario route settings smt2020}

for tool in clang cmake; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "fuzz.sh: $tool not found (apt-get install clang libclang-rt-14-dev libomp-14-dev llvm-14)" >&2
        exit 69
    fi
done
# Stacks need function names: for the reports, and for the suppression of
# libfyaml's leak (tests/fuzz/fuzz_support.c), which names a function.
# Debian's llvm-14 installs llvm-symbolizer outside PATH.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && ! command -v llvm-symbolizer >/dev/null 2>&1; then
    if [ ! -x /usr/lib/llvm-14/bin/llvm-symbolizer ]; then
        echo "fuzz.sh: llvm-symbolizer not found (apt-get install llvm-14)" >&2
        exit 69
    fi
    ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
    export ASAN_SYMBOLIZER_PATH
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wafersim-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_start=$(date +%s)
echo "fuzz.sh: building $build" >&2
if ! CC=clang cmake -S "$root" -B "$build" -DWAFERSIM_FUZZ=ON \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log" 2>&1; then
    cat "$work/configure.log" >&2
    echo "fuzz.sh: configuring failed (an existing $build made with another compiler? remove it)" >&2
    exit 70
fi
make_targets=""
for t in $targets; do
    make_targets="$make_targets fuzz_$t"
done
# shellcheck disable=SC2086
cmake --build "$build" -j"$(nproc)" --target $make_targets >&2
echo "fuzz.sh: built in $(($(date +%s) - build_start)) s" >&2

passed=0
failed=0
for t in $targets; do
    dir=$work/$t
    saved=$build/fuzz-artifacts/$t
    mkdir -p "$dir/corpus" "$dir/artifacts" "$dir/tmp" "$saved"
    cp -R "$root/tests/fuzz/corpus/$t/." "$dir/corpus/"
    seeds=$(find "$dir/corpus" -type f | wc -l)
    echo "fuzz.sh: fuzz_$t for $seconds s from $seeds seeds" >&2
    status=0
    # A sweep of up to 100,000 points builds every point's model, a known
    # cost (docs/hardening.md) that takes fuzz_settings past 10 s under ASan
    # on inputs within the limits; its timeout leaves room for that.  An
    # input slower than -report_slow_units (10 s unless given) is written
    # out as a slow-unit artifact, which counts as a failure below, so that
    # threshold follows the timeout.
    limit=10
    [ "$t" = settings ] && limit=60
    # The target's scenario directory goes in TMPDIR, so one that a crash
    # leaves behind is removed with $work.  UBSan stops at the first error
    # (the build does not recover either) and prints its stack.
    TMPDIR=$dir/tmp \
    ASAN_OPTIONS=detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
        "$build/fuzz_$t" -max_total_time="$seconds" -rss_limit_mb=2048 \
        -timeout="$limit" -report_slow_units="$limit" \
        -dict="$root/tests/fuzz/$t.dict" -print_final_stats=1 \
        -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
        </dev/null >"$dir/log" 2>&1 || status=$?
    # Then every input of the grown corpus once more, with whole stacks:
    # leaks of libfyaml's objects are found only so (fuzz_support.c).
    if [ "$status" -eq 0 ]; then
        TMPDIR=$dir/tmp \
        ASAN_OPTIONS=fast_unwind_on_malloc=0:detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS} \
        UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS} \
            "$build/fuzz_$t" -runs=0 -rss_limit_mb=2048 -timeout="$limit" \
            -report_slow_units="$limit" \
            -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
            </dev/null >>"$dir/log" 2>&1 || status=$?
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
    corpus=$(find "$dir/corpus" -type f | wc -l)
    artifacts=$(find "$dir/artifacts" -type f | LC_ALL=C sort)
    if [ "$status" -eq 0 ] && [ -z "$artifacts" ]; then
        passed=$((passed + 1))
        echo "fuzz_$t: ok: ${runs:-?} runs, ${speed:-?} exec/s, corpus $seeds -> $corpus inputs"
        continue
    fi
    failed=$((failed + 1))
    echo "fuzz_$t: FAILED (exit status $status): ${runs:-?} runs, ${speed:-?} exec/s"
    # The report: from libFuzzer's or a sanitizer's first error line on.
    awk '/^==[0-9]+==|^fuzz: |runtime error:|^ERROR: libFuzzer|^SUMMARY:/ { on = 1 }
         on && shown < 80 { print "    " $0; shown++ }' "$dir/log"
    if [ -z "$artifacts" ]; then
        echo "    (no reproducer written; the end of the log:)"
        tail -n 20 "$dir/log" | sed 's/^/    /'
    fi
    for a in $artifacts; do
        cp "$a" "$saved/"
        echo "    reproducer: $saved/$(basename "$a")"
        echo "    run it:     $build/fuzz_$t $saved/$(basename "$a")"
    done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
