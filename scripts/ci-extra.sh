#!/usr/bin/env bash
# CI's hardening checks (issue #6), run by .ci/run after the README's test
# command, from the repository root.  It expects that build/ holds the normal
# Release build, and that scripts/deps.sh --test plus clang-14,
# libomp-14-dev, libclang-rt-14-dev and llvm-14 are installed.
#
#   asan-suite         the whole ctest suite, built with ASan+UBSan (build-asan)
#   valgrind-*         memcheck of build/wafersim: run on 1 and on 2 threads,
#                      a sweep and capacity -o; no errors and no leaks
#   tsan-*             ThreadSanitizer with clang, libomp and Archer (build-tsan):
#                      tests/test_runner and a 2-thread sweep; no reports
#
# docs/hardening.md says what each check covers, what is suppressed and why,
# and how to run one by hand.  About 2 minutes on the 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

ROOT=$PWD
JOBS=$(nproc)
LLVM=/usr/lib/llvm-14
ARCHER=$LLVM/lib/libarcher.so
WORK=$(mktemp -d -t wafersim-ci-extra.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

passed=0
failed=0
failed_names=()

section() {
    printf '\n======== %s ========\n' "$*"
}

# record NAME STATUS SECONDS
record() {
    if [ "$2" -eq 0 ]; then
        passed=$((passed + 1))
        printf -- '--- PASS %s (%d s)\n' "$1" "$3"
    else
        failed=$((failed + 1))
        failed_names+=("$1")
        printf -- '--- FAIL %s (%d s)\n' "$1" "$3"
    fi
}

# check NAME FUNCTION [ARGS...]: runs one check in a subshell and records
# it; last_status is its exit status.  errexit does not apply inside a
# command whose status is tested, so the check functions test every step.
last_status=0
check() {
    local name=$1 start=$SECONDS
    shift
    section "$name"
    last_status=0
    ( "$@" ) || last_status=$?
    record "$name" "$last_status" $((SECONDS - start))
}

# show FILE...: prints what a failed check left behind.
show() {
    local f
    for f in "$@"; do
        [ -s "$f" ] || continue
        printf -- '--- %s\n' "${f#"$WORK"/}"
        head -n 300 "$f"
    done
}

# ---------------------------------------------------------------------------
# 1. ASan + UBSan: the whole test suite.

asan_suite() {
    local logs=$WORK/asan-logs
    mkdir -p "$logs"
    # -fno-sanitize-recover=all: UBSan aborts at the first report instead of
    # printing and going on (CMAKE_C_FLAGS reach every compile and link line).
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug \
        -DWAFERSIM_SANITIZE=address,undefined -DWAFERSIM_WERROR=ON \
        -DWAFERSIM_MPI=ON -DCMAKE_C_FLAGS=-fno-sanitize-recover=all \
        >"$WORK/asan-configure.log" || { show "$WORK/asan-configure.log"; return 1; }
    cmake --build build-asan -j"$JOBS" >"$WORK/asan-build.log" 2>&1 \
        || { show "$WORK/asan-build.log"; return 1; }

    # Open MPI's leaks (scripts/lsan.supp) are allocated from code built
    # without frame pointers, where ASan's fast unwinder stops after one
    # frame, usually in an already unloaded plugin, so no rule could match.
    # The slow unwinder finds the libmpi/libevent frames, but it makes the
    # whole suite 2-3 times slower: only MPI ranks get it, through an
    # mpirun first in PATH (the tests and wafersim's docs call mpirun).
    local bin=$WORK/mpi-bin real_mpirun name
    real_mpirun=$(command -v mpirun) || { echo "mpirun is missing"; return 1; }
    mkdir -p "$bin"
    for name in mpirun mpiexec; do
        # shellcheck disable=SC2016  # $LSAN_OPTIONS and $@ are for the wrapper
        printf '#!/bin/sh\nLSAN_OPTIONS="$LSAN_OPTIONS:fast_unwind_on_malloc=0"\nexport LSAN_OPTIONS\nexec %s "$@"\n' \
            "$real_mpirun" >"$bin/$name"
        chmod +x "$bin/$name"
    done

    # Reports go to files as well as making the process fail, so a report in
    # a child that a test expected to fail (exit 64, 65, ...) is not lost.
    # UBSan ignores log_path in GCC's combined runtime and prints to stderr,
    # but halt_on_error makes it exit 1, which no test expects.
    # The Python tests spawn the instrumented binary, and mpirun hands the
    # environment to its ranks.  Check's 4 s default per test is tight for
    # a Debug ASan build on a busy machine.
    local status=0
    PATH="$bin:$PATH" \
    ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1:detect_stack_use_after_return=1:log_path=$logs/asan" \
    LSAN_OPTIONS="suppressions=$ROOT/scripts/lsan.supp:print_suppressions=0" \
    UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
    CK_TIMEOUT_MULTIPLIER=4 \
        ctest --test-dir build-asan --output-on-failure -j"$JOBS" --timeout 600 \
        || status=$?
    # LeakSanitizer sometimes cannot read a thread's registers while the
    # process exits (llvm-project PR 116555: "a spurious failure"); a log
    # holding only that line is no report, so it is shown and set aside.
    local log
    for log in "$logs"/asan.*; do
        [ -e "$log" ] || continue
        if ! grep -qv '^==[0-9]*==Unable to get registers from thread [0-9]*\.$' "$log"; then
            echo "not a report (spurious LeakSanitizer message): $(cat "$log")"
            rm -f "$log"
        fi
    done
    if compgen -G "$logs/asan.*" >/dev/null; then
        local reports=("$logs"/asan.*)
        echo "sanitizer reports from ${#reports[@]} processes; the first 10:"
        show "${reports[@]:0:10}"
        status=1
    fi
    return "$status"
}

# ---------------------------------------------------------------------------
# 2. valgrind memcheck of the normal build.

# vg NAME ARGS...: runs build/wafersim ARGS under memcheck.  Any memcheck
# error or definite, indirect or possible leak exits 1; so does wafersim
# failing.  Still-reachable blocks (HDF5's library state, kept until exit
# because main calls H5dont_atexit) are not errors.
vg() {
    local name=$1
    shift
    local status=0
    [ -x build/wafersim ] || { echo "build/wafersim is missing: run the README's test command first"; return 1; }
    valgrind -q --error-exitcode=1 --track-origins=yes --leak-check=full \
        --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible \
        --suppressions=scripts/valgrind.supp \
        --log-file="$WORK/$name.valgrind" \
        build/wafersim "$@" >"$WORK/$name.out" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        echo "exit status $status"
        show "$WORK/$name.valgrind" "$WORK/$name.out"
        return 1
    fi
    echo "no errors, no leaks"
}

# ---------------------------------------------------------------------------
# 3. ThreadSanitizer with clang, libomp and Archer.

tsan_build() {
    # libgomp is not instrumented and TSan reports false races on its
    # barriers.  clang's FindOpenMP picks -fopenmp=libomp and links LLVM's
    # libomp, whose OMPT interface lets Archer tell TSan what OpenMP
    # synchronises.  No MPI: a plain run never initialises it.
    [ -r "$ARCHER" ] || { echo "missing $ARCHER: apt-get install libomp-14-dev"; return 1; }
    cmake -S . -B build-tsan -DCMAKE_C_COMPILER=clang-14 \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWAFERSIM_SANITIZE=thread \
        -DWAFERSIM_WERROR=ON -DWAFERSIM_MPI=OFF \
        >"$WORK/tsan-configure.log" || { show "$WORK/tsan-configure.log"; return 1; }
    cmake --build build-tsan -j"$JOBS" --target wafersim_cli test_runner \
        >"$WORK/tsan-build.log" 2>&1 || { show "$WORK/tsan-build.log"; return 1; }
    # The binaries must use libomp, never libgomp.
    local bin libs
    for bin in build-tsan/wafersim build-tsan/tests/test_runner; do
        libs=$(ldd "$bin") || return 1
        if [[ $libs != *libomp.so* || $libs == *libgomp* ]]; then
            echo "$bin is not linked with LLVM's libomp alone:"
            echo "$libs"
            return 1
        fi
    done
    echo "build-tsan: clang-14, -fsanitize=thread, libomp"
}

# tsan NAME COMMAND...: runs an instrumented program; any TSan report fails.
tsan() {
    local name=$1
    shift
    local logs=$WORK/$name-logs status=0
    mkdir -p "$logs"
    # ignore_noninstrumented_modules: HDF5, GSL and libfyaml are not built
    # with TSan; their internal accesses are not tracked.  verbose=1 makes
    # Archer say on stdout that it is active: without it every OpenMP
    # barrier would look like a race.
    OMP_TOOL_LIBRARIES=$ARCHER ARCHER_OPTIONS=verbose=1 \
    TSAN_OPTIONS="ignore_noninstrumented_modules=1:second_deadlock_stack=1:history_size=4:log_path=$logs/tsan" \
    CK_FORK=no \
        "$@" >"$WORK/$name.out" 2>&1 || status=$?
    if compgen -G "$logs/tsan.*" >/dev/null; then
        echo "ThreadSanitizer reports:"
        show "$logs"/tsan.*
        status=1
    fi
    if ! grep -q '^Archer detected OpenMP application with TSan' "$WORK/$name.out"; then
        echo "Archer was not loaded (OMP_TOOL_LIBRARIES=$ARCHER)"
        status=1
    fi
    if [ "$status" -ne 0 ]; then
        show "$WORK/$name.out"
        return 1
    fi
    tail -n 1 "$WORK/$name.out"
    echo "no ThreadSanitizer reports"
}

# ---------------------------------------------------------------------------

total_start=$SECONDS

check asan-suite asan_suite

check valgrind-run-1-thread vg run-1 run tests/data/small.yaml -o "$WORK/v1.h5" \
    -q -r 2 --days 120 --threads 1
check valgrind-run-2-threads vg run-2 run tests/data/small.yaml -o "$WORK/v2.h5" \
    -q -r 2 --days 120 --threads 2
check valgrind-sweep vg sweep sweep tests/data/sweep.yaml -o "$WORK/vs.h5" \
    -q --threads 2
check valgrind-capacity vg capacity capacity scenarios/default.yaml -o "$WORK/vc.h5"

check tsan-build tsan_build
if [ "$last_status" -ne 0 ]; then
    echo "tsan-runner and tsan-sweep not run: tsan-build failed"
    record tsan-runner 1 0
    record tsan-sweep 1 0
else
    check tsan-runner tsan tsan-runner build-tsan/tests/test_runner
    check tsan-sweep tsan tsan-sweep build-tsan/wafersim sweep tests/data/sweep.yaml \
        -o "$WORK/ts.h5" -q --threads 2
fi

section summary
printf 'total %d s\n' $((SECONDS - total_start))
[ "$failed" -eq 0 ] || printf 'failed: %s\n' "${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
