/* Tests for sim/date: day numbers, ISO parsing, month boundaries. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/date.h"

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

START_TEST(test_known_days)
{
    ck_assert_int_eq(date_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(date_days_from_civil(1970, 1, 2), 1);
    ck_assert_int_eq(date_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(date_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(date_days_from_civil(2025, 1, 15), 20103);
    ck_assert_int_eq(date_days_from_civil(1900, 1, 1), -25567);
    ck_assert_int_eq(date_days_from_civil(0, 3, 1), -719468);
}
END_TEST

/* Every day from 1900 to 2200 round-trips and follows its predecessor. */
START_TEST(test_round_trip_1900_2200)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int64_t expected = date_days_from_civil(1900, 1, 1);
    int y, m, d;
    long leap_days = 0;

    for (y = 1900; y <= 2200; y++) {
        for (m = 1; m <= 12; m++) {
            int n = mdays[m - 1] + (m == 2 && leap(y));
            for (d = 1; d <= n; d++) {
                int yy, mm, dd;
                int64_t days = date_days_from_civil(y, m, d);
                ck_assert_int_eq(days, expected);
                date_civil_from_days(days, &yy, &mm, &dd);
                ck_assert_int_eq(yy, y);
                ck_assert_int_eq(mm, m);
                ck_assert_int_eq(dd, d);
                if (m == 2 && d == 29)
                    leap_days++;
                expected++;
            }
        }
    }
    /* 1900, 2100 and 2200 are not leap years; 2000 is. */
    ck_assert_int_eq(leap_days, 73);
    ck_assert_int_eq(expected, date_days_from_civil(2201, 1, 1));
}
END_TEST

START_TEST(test_leap_years)
{
    int64_t days;

    ck_assert_int_eq(date_parse_iso("2000-02-29", &days), 0);
    ck_assert_int_eq(days, date_days_from_civil(2000, 3, 1) - 1);
    ck_assert_int_eq(date_parse_iso("2024-02-29", &days), 0);
    ck_assert_int_eq(date_parse_iso("1900-02-29", &days), -1);
    ck_assert_int_eq(date_parse_iso("2100-02-29", &days), -1);
    ck_assert_int_eq(date_parse_iso("2025-02-29", &days), -1);
    ck_assert_int_eq(date_days_from_civil(2024, 3, 1)
                     - date_days_from_civil(2024, 2, 1), 29);
    ck_assert_int_eq(date_days_from_civil(2100, 3, 1)
                     - date_days_from_civil(2100, 2, 1), 28);
}
END_TEST

START_TEST(test_parse_and_format)
{
    static const char *const bad[] = {
        "2025-02-30", "2025-2-3", "garbage", "", "2025-01-01x", "2025-13-01",
        "2025-00-10", "2025-01-00", " 2025-01-01", "2025-01-1", "2025/01/01",
        "20250101", "2025-04-31", "+025-01-01", "2025-01-32", "2025-0a-01"};
    int64_t days = 12345;
    char buf[11];
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(date_parse_iso(bad[i], &days) == -1,
                      "accepted \"%s\"", bad[i]);
    ck_assert_int_eq(days, 12345);
    ck_assert_int_eq(date_parse_iso(NULL, &days), -1);

    ck_assert_int_eq(date_parse_iso("2025-01-15", &days), 0);
    ck_assert_int_eq(days, 20103);
    ck_assert_int_eq(date_parse_iso("1970-01-01", &days), 0);
    ck_assert_int_eq(days, 0);
    ck_assert_int_eq(date_parse_iso("2025-12-31", &days), 0);

    date_format_iso(20103, buf);
    ck_assert_str_eq(buf, "2025-01-15");
    date_format_iso(-1, buf);
    ck_assert_str_eq(buf, "1969-12-31");
    date_format_iso(date_days_from_civil(5, 3, 7), buf);
    ck_assert_str_eq(buf, "0005-03-07");
    for (days = -25567; days < 84000; days += 37) {
        int64_t back;
        date_format_iso(days, buf);
        ck_assert_int_eq(date_parse_iso(buf, &back), 0);
        ck_assert_int_eq(back, days);
    }
}
END_TEST

START_TEST(test_month_boundaries)
{
    double b[16];
    int64_t start;
    int n;

    ck_assert_int_eq(date_parse_iso("2025-01-15", &start), 0);
    n = date_month_boundaries(start, 100.0, b, 15);
    ck_assert_int_eq(n, 4);
    ck_assert_double_eq(b[0], 0.0);
    ck_assert_double_eq(b[1], 17.0);
    ck_assert_double_eq(b[2], 45.0);
    ck_assert_double_eq(b[3], 76.0);
    ck_assert_double_eq(b[4], 100.0);

    /* Exactly enough room, then one too few. */
    ck_assert_int_eq(date_month_boundaries(start, 100.0, b, 4), 4);
    ck_assert_int_eq(date_month_boundaries(start, 100.0, b, 3), -1);

    /* Starting on the 1st, ending on a month boundary: no empty month. */
    ck_assert_int_eq(date_parse_iso("2024-12-01", &start), 0);
    n = date_month_boundaries(start, 62.0, b, 15);
    ck_assert_int_eq(n, 2);
    ck_assert_double_eq(b[1], 31.0);
    ck_assert_double_eq(b[2], 62.0);

    /* Fractional horizon, leap February. */
    ck_assert_int_eq(date_parse_iso("2024-02-10", &start), 0);
    n = date_month_boundaries(start, 20.5, b, 15);
    ck_assert_int_eq(n, 2);
    ck_assert_double_eq(b[1], 20.0);
    ck_assert_double_eq(b[2], 20.5);

    /* A horizon inside the first month. */
    n = date_month_boundaries(start, 5.0, b, 15);
    ck_assert_int_eq(n, 1);
    ck_assert_double_eq(b[0], 0.0);
    ck_assert_double_eq(b[1], 5.0);

    /* A full year from January 1st is 12 months. */
    ck_assert_int_eq(date_parse_iso("2025-01-01", &start), 0);
    ck_assert_int_eq(date_month_boundaries(start, 365.0, b, 15), 12);
    ck_assert_double_eq(b[11], 334.0);
    ck_assert_double_eq(b[12], 365.0);

    ck_assert_int_eq(date_month_boundaries(start, -1.0, b, 15), -1);
}
END_TEST

static Suite *date_suite(void)
{
    Suite *s = suite_create("date");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_known_days);
    tcase_add_test(tc, test_round_trip_1900_2200);
    tcase_add_test(tc, test_leap_years);
    tcase_add_test(tc, test_parse_and_format);
    tcase_add_test(tc, test_month_boundaries);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(date_suite());
    int failed;

    srunner_run_all(sr, CK_ENV);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
