/* date.c - proleptic Gregorian dates as day numbers.
 *
 * days_from_civil and civil_from_days are Howard Hinnant's algorithms
 * (http://howardhinnant.github.io/date_algorithms.html): exact for every
 * year representable in an int, with no tables and no loops, by counting
 * in 400-year eras whose years start on 1 March (so the leap day is last).
 */
#include "sim/date.h"

#include <math.h>
#include <stddef.h>

int64_t date_days_from_civil(int year, int month, int day)
{
    int64_t y = (int64_t)year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                 /* [0, 399] */
    int64_t mp = (month + 9) % 12;                               /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + day - 1;                  /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;         /* [0, 146096] */

    return era * 146097 + doe - 719468;
}

void date_civil_from_days(int64_t days, int *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                              /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);       /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                            /* [0, 11] */
    int64_t d = doy - (153 * mp + 2) / 5 + 1;                    /* [1, 31] */
    int64_t m = mp < 10 ? mp + 3 : mp - 9;                       /* [1, 12] */

    *year = (int)(y + (m <= 2));
    *month = (int)m;
    *day = (int)d;
}

static int is_leap_year(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month == 2 && is_leap_year(year) ? 29 : days[month - 1];
}

/* Reads count ASCII digits; isdigit() is locale-dependent, this is not. */
static int parse_digits(const char *s, int count, int *value)
{
    int i, v = 0;

    for (i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *value = v;
    return 0;
}

int date_parse_iso(const char *text, int64_t *days)
{
    int year, month, day;

    if (text == NULL)
        return -1;
    /* Checking each position in order also stops at an early NUL. */
    if (parse_digits(text, 4, &year) != 0 || text[4] != '-'
        || parse_digits(text + 5, 2, &month) != 0 || text[7] != '-'
        || parse_digits(text + 8, 2, &day) != 0 || text[10] != '\0')
        return -1;
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
        return -1;
    *days = date_days_from_civil(year, month, day);
    return 0;
}

static void put_digits(char *s, int count, int value)
{
    int i;

    for (i = count - 1; i >= 0; i--) {
        s[i] = (char)('0' + value % 10);
        value /= 10;
    }
}

void date_format_iso(int64_t days, char buf[11])
{
    int year, month, day;

    date_civil_from_days(days, &year, &month, &day);
    /* Ten characters hold only years 0000-9999; anything else is a bug
     * upstream, and a visibly invalid date is better than a wrong one. */
    if (year < 0 || year > 9999) {
        const char *bad = "XXXX-XX-XX";
        int i;
        for (i = 0; i < 11; i++)
            buf[i] = bad[i];
        return;
    }
    put_digits(buf, 4, year);
    buf[4] = '-';
    put_digits(buf + 5, 2, month);
    buf[7] = '-';
    put_digits(buf + 8, 2, day);
    buf[10] = '\0';
}

int date_month_boundaries(int64_t start_days, double horizon_days,
                          double *boundaries, int max)
{
    int year, month, day, months = 0;

    if (max < 0 || !(horizon_days >= 0.0) || isinf(horizon_days))
        return -1;
    date_civil_from_days(start_days, &year, &month, &day);
    boundaries[0] = 0.0;
    for (;;) {
        double next;
        if (++month > 12) {
            month = 1;
            year++;
        }
        next = (double)(date_days_from_civil(year, month, 1) - start_days);
        /* A boundary exactly at the horizon would open an empty month. */
        if (!(next < horizon_days))
            break;
        if (months + 1 > max)
            return -1;
        boundaries[++months] = next;
    }
    if (horizon_days > 0.0) {
        if (months + 1 > max)
            return -1;
        boundaries[++months] = horizon_days;
    }
    return months;
}
