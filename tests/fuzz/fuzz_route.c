/* fuzz_route.c - libFuzzer target of the route CSV reader (route_csv_read,
 * internal to models/).
 *
 * Input: the text of a route CSV file, read for product P of a fixed
 * model whose tool groups are those the seeds name (the shipped routes
 * and the CSV files of tests/bad/) plus one with a non-ASCII name; time_unit is min.
 * The text is passed without a terminating NUL, as libFuzzer gives it.
 * Each input gets a fresh model, and everything is freed after it.
 */
#include <stdlib.h>

#include "fuzz_support.h"
#include "models/route_csv.h"

static const char *const group_names[] = {
    "CLEAN", "FURNACE", "CVD", "LITHO", "METRO", "ETCH", "IMPLANT", "CMP",
    "DIFFUSION", "DIFF", "\xC3\x84TZEN",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const int32_t ngroups = sizeof group_names / sizeof group_names[0];
    model *m = model_create();
    route_groups groups = {NULL, 0};
    ws_error err;
    int rc;

    if (!m || model_add_product(m, "P") != 0)
        abort();
    for (int32_t g = 0; g < ngroups; g++)
        if (model_add_tool_group(m, group_names[g], 1 + g % 3) != g)
            abort();
    if (route_csv_groups_build(&groups, m) != 0)
        abort();
    ws_error_clear(&err);
    rc = route_csv_read(&m->products[0], (const char *)data, size,
                        "fuzz.csv", 1.0 / 1440.0, 0, &groups, NULL, 0, &err);
    fuzz_report("route_csv_read", rc, &err);
    fuzz_check_route(rc, &m->products[0], ngroups, &err);
    route_csv_groups_free(&groups);
    model_destroy(m);
    return 0;
}
