/* fuzz_scenario.c - libFuzzer target of the YAML scenario reader.
 *
 * Input: the text of a scenario.  It is read by scenario_load_string as
 * DIR/scenarios/fuzz.yaml (fuzz_support.h), so that route files named as the
 * shipped scenarios name them ("routes/default-logic.csv",
 * "../routes/default-logic.csv", "route.csv") are read as well and the
 * route CSV reader runs behind the YAML one.  The text is passed as
 * libFuzzer gives it, without a terminating NUL: reading past its length
 * is a finding, and so is a result that breaks the reader's contract
 * (fuzz_check_result).  The model is all there is to free, so
 * LeakSanitizer finds anything else left behind.
 */
#include "fuzz_support.h"
#include "models/scenario.h"

static const char *scenario_path;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_files_init();
    scenario_path = fuzz_files_path("scenarios/fuzz.yaml");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model *m = NULL;
    ws_error err;
    int rc;

    ws_error_clear(&err);
    rc = scenario_load_string((const char *)data, size, scenario_path, &m,
                              &err);
    fuzz_report("scenario_load_string", rc, &err);
    fuzz_check_result(rc, m, &err);
    model_destroy(m);
    return 0;
}
