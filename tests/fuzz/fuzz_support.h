/* fuzz_support.h - what the fuzz targets of tests/fuzz share: the libFuzzer
 * entry points, a private temporary directory of route CSV files, and
 * checks of what a reader returns.
 *
 * Scenarios name route files relative to themselves, so a target gives
 * its scenario a path inside this directory, whose files are fixed here
 * (not read from the source tree): a reproducer found today still means
 * the same input after scenarios/routes/ changes.  The layout:
 *
 *   DIR/scenarios/FUZZ.yaml             where a target's scenario "is"
 *   DIR/scenarios/routes/default-logic.csv   } so that "routes/X.csv" and
 *   DIR/routes/default-logic.csv             } "../routes/X.csv" resolve
 *   DIR/scenarios/routes/minifab-flow.csv, DIR/routes/minifab-flow.csv
 *   DIR/scenarios/route.csv             DIFF and LITHO, as in tests/bad/
 *
 * The directory is made under $TMPDIR (else /tmp) and removed at exit;
 * scripts/fuzz.sh points TMPDIR at its own directory, so one left behind
 * by a crash goes with it.
 */
#ifndef WAFERSIM_FUZZ_SUPPORT_H
#define WAFERSIM_FUZZ_SUPPORT_H

#include <stddef.h>
#include <stdint.h>
#include "models/model.h"
#include "sim/wserror.h"

/* libFuzzer's entry points, declared for -Wmissing-prototypes. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* LeakSanitizer's built-in suppressions (fuzz_support.c), so that every
 * run of a target, reproducers included, ignores the same known leak of
 * libfyaml.  ASAN_OPTIONS=fast_unwind_on_malloc=0 in the environment
 * makes the suppression exact, at about 1/6 of the speed. */
const char *__lsan_default_suppressions(void);

/* Makes the directory and its route files once; aborts on failure (a
 * target cannot run without them, and libFuzzer reports the abort). */
void fuzz_files_init(void);

/* DIR/name, in a buffer that stays valid until exit. */
const char *fuzz_files_path(const char *name);

/* Writes size bytes to DIR/name (created or truncated); aborts on failure.
 * The file is removed at exit with the directory. */
void fuzz_files_write(const char *name, const void *data, size_t size);

/* The readers' contract, checked after every call; a breach prints what
 * is wrong and aborts, which libFuzzer saves as a crash.  On success
 * (status 0) there is a model and it keeps the limits of
 * docs/scenario-format.md: counts, sizes and names in range, every step
 * on an existing tool group, every time finite, non-negative and in the
 * distribution's domain, warm-up below the horizon.  On failure there is
 * no model, and err holds the status returned and a message. */
void fuzz_check_result(int status, const model *m, const ws_error *err);

/* With WAFERSIM_FUZZ_VERBOSE=1 in the environment, prints what a reader
 * said ("what: ok", or its message) to standard error: how to see what an
 * input or a seed means.  Silent otherwise, since libFuzzer runs millions. */
void fuzz_report(const char *what, int status, const ws_error *err);

/* The same for a product's route alone (route_csv_read). */
void fuzz_check_route(int status, const product *p, int32_t ngroups,
                      const ws_error *err);

#endif
