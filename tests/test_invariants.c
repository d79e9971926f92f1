/* The invariant checks: silent on consistent numbers, and on broken ones
 * a WS_ESOFTWARE error naming the invariant, scenario, replication and day
 * (the CLI's exit status 70). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/invariants.h"

static const invariant_where where = {2, 7, 123.5};

static void assert_names(const ws_error *err, const char *invariant)
{
    ck_assert_int_eq(err->code, WS_ESOFTWARE);
    ck_assert_int_eq(ws_error_exit_status(err->code), 70);
    ck_assert_msg(strstr(err->message, invariant), "%s", err->message);
    ck_assert_msg(strstr(err->message, "scenario 2, replication 7 at day 123.5"),
                  "%s", err->message);
}

START_TEST(conservation)
{
    const char *names[2] = {"A", "B"};
    double released[2] = {100, 50}, finished[2] = {75, 20}, wip[2] = {25, 25};
    double scrapped[2] = {0, 5};
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(invariant_conservation(&where, 2, names, released,
                                            finished, wip, scrapped, &err), 0);
    wip[1] = 24;
    ck_assert_int_eq(invariant_conservation(&where, 2, names, released,
                                            finished, wip, scrapped, &err),
                     WS_ESOFTWARE);
    assert_names(&err, "wafers released = out + WIP + scrapped");
    ck_assert_msg(strstr(err.message, "product 'B'"), "%s", err.message);
    wip[1] = 25;
    scrapped[1] = 6;    /* scrapped twice */
    ck_assert_int_eq(invariant_conservation(&where, 2, names, released,
                                            finished, wip, scrapped, &err),
                     WS_ESOFTWARE);
}
END_TEST

START_TEST(lot_places)
{
    unsigned char live[4] = {1, 0, 1, 1};
    int32_t place[4] = {1, 0, 1, 1};
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(invariant_lot_places(&where, 4, live, place, &err), 0);
    place[2] = 2;   /* in a queue and on a tool */
    ck_assert_int_eq(invariant_lot_places(&where, 4, live, place, &err),
                     WS_ESOFTWARE);
    assert_names(&err, "every lot in exactly one place");
    ck_assert_msg(strstr(err.message, "lot 2"), "%s", err.message);
    place[2] = 1;
    place[0] = 0;   /* lost */
    ck_assert_int_eq(invariant_lot_places(&where, 4, live, place, &err),
                     WS_ESOFTWARE);
    place[0] = 1;
    place[1] = 1;   /* freed but still queued */
    ck_assert_int_eq(invariant_lot_places(&where, 4, live, place, &err),
                     WS_ESOFTWARE);
}
END_TEST

START_TEST(tool_time)
{
    /* Three tools, two states (busy, idle), 30 days. */
    double days[6] = {10.0, 20.0, 0.0, 30.0, 29.999999999, 0.000000001};
    double group[2] = {39.999999999, 50.000000001};
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(invariant_tool_time(&where, "LITHO", 3, 2, days, 30.0,
                                         group, &err), 0);
    days[2] = 30.5;     /* busy longer than the run */
    group[0] = 70.499999999;
    ck_assert_int_eq(invariant_tool_time(&where, "LITHO", 3, 2, days, 30.0,
                                         group, &err), WS_ESOFTWARE);
    assert_names(&err, "tool time = sum of its states");
    ck_assert_msg(strstr(err.message, "tool 1"), "%s", err.message);
    days[2] = -1.0;     /* negative time in a state */
    days[3] = 31.0;
    group[0] = 38.999999999;
    group[1] = 51.000000001;
    ck_assert_int_eq(invariant_tool_time(&where, "LITHO", 3, 2, days, 30.0,
                                         group, &err), WS_ESOFTWARE);
    days[2] = 0.0;
    days[3] = 30.0;
    group[0] = 39.0;    /* tools and group disagree */
    group[1] = 50.000000001;
    ck_assert_int_eq(invariant_tool_time(&where, "LITHO", 3, 2, days, 30.0,
                                         group, &err), WS_ESOFTWARE);
    ck_assert_msg(strstr(err.message, "group 'LITHO'"), "%s", err.message);
}
END_TEST

START_TEST(time_order)
{
    ws_error err;
    ws_error_clear(&err);
    ck_assert_int_eq(invariant_time_order(&where, 5.0, 5.0, &err), 0);
    ck_assert_int_eq(invariant_time_order(&where, 5.0, 6.0, &err), 0);
    ck_assert_int_eq(invariant_time_order(&where, 5.0, 4.5, &err), WS_ESOFTWARE);
    assert_names(&err, "time never goes backwards");
}
END_TEST

static Suite *invariants_suite(void)
{
    Suite *s = suite_create("invariants");
    TCase *tc = tcase_create("checks");
    tcase_add_test(tc, conservation);
    tcase_add_test(tc, lot_places);
    tcase_add_test(tc, tool_time);
    tcase_add_test(tc, time_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(invariants_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
