/* smt2020.c - reader of the SMT2020 testbed data sets (smt2020.h).
 *
 * A data set is a directory of tab-separated files, each with a header row
 * naming its columns.  Columns are found by name, so their order does not
 * matter and columns this reader does not use (IGNORE, STNFAMLOC, ...) are
 * skipped; a column it needs but the header lacks is an error at line 1.
 * Cells are taken as written (no quoting, no trimming); an empty cell means
 * "not given".  Rows may end in extra empty cells, as WIP.txt's do, or
 * stop short of the last columns, whose cells are then empty.
 *
 * Positions in messages are path:line:col with col counted in characters
 * (code points) from 1, as route_csv.c and the YAML reader count them, so
 * that every message of wafersim means the same thing by a column.
 *
 * Where the files leave room, the choices made here are listed in
 * docs/smt2020.md; a comment marks each where it is made.
 */
#include "models/smt2020.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "models/route_csv.h"
#include "sim/date.h"

/* Columns in a header, and fields a file's reader asks for. */
#define SMT_MAX_COLUMNS 1024
#define SMT_MAX_FIELDS 32
/* Calendars per file, and setup changes: model_setup_change_time scans
 * the changes at every setup, so they are kept to what a fab could list. */
#define SMT_MAX_CALENDARS 100000
#define SMT_MAX_SETUP_CHANGES 100000
#define SMT_MAX_MIN_RUN 1000000.0
#define SMT_MAX_PRIORITY 1000000.0
#define SMT_MAX_REPEATS 1e12

#if defined(__GNUC__)
#define SMT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SMT_PRINTF(f, a)
#endif

/* --- names to indices ------------------------------------------------- */

/* Open addressing over names owned elsewhere (by the model or by a
 * table's text that outlives the index): the files list 1e5 names at
 * most, and a route step, WIP row or attach row looks one up each. */
typedef struct name_slot {
    const char *name;           /* NULL: empty slot */
    int32_t value;
    int line;                   /* where the name was defined */
} name_slot;

typedef struct name_index {
    name_slot *slots;
    size_t capacity;            /* 0 or a power of two */
    size_t count;
} name_index;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037u;     /* FNV-1a */

    while (*s) {
        h ^= (unsigned char)*s++;
        h *= 1099511628211u;
    }
    return h;
}

static const name_slot *index_find(const name_index *ix, const char *name)
{
    size_t mask, i;

    if (ix->capacity == 0)
        return NULL;
    mask = ix->capacity - 1;
    for (i = (size_t)name_hash(name) & mask; ix->slots[i].name;
         i = (i + 1) & mask)
        if (strcmp(ix->slots[i].name, name) == 0)
            return &ix->slots[i];
    return NULL;
}

static void index_insert(name_slot *slots, size_t capacity,
                         const name_slot *s)
{
    size_t mask = capacity - 1;
    size_t i = (size_t)name_hash(s->name) & mask;

    while (slots[i].name)
        i = (i + 1) & mask;
    slots[i] = *s;
}

/* Adds a name that is not in the index yet; -1 when out of memory. */
static int index_put(name_index *ix, const char *name, int32_t value,
                     int line)
{
    name_slot s = {name, value, line};

    if (2 * (ix->count + 1) > ix->capacity) {
        size_t capacity = ix->capacity ? 2 * ix->capacity : 64;
        name_slot *slots = calloc(capacity, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < ix->capacity; i++)
            if (ix->slots[i].name)
                index_insert(slots, capacity, &ix->slots[i]);
        free(ix->slots);
        ix->slots = slots;
        ix->capacity = capacity;
    }
    index_insert(ix->slots, ix->capacity, &s);
    ix->count++;
    return 0;
}

static void index_free(name_index *ix)
{
    free(ix->slots);
    ix->slots = NULL;
    ix->capacity = ix->count = 0;
}

/* --- tables ----------------------------------------------------------- */

typedef struct smt_field {
    const char *name;
    int required;
} smt_field;

typedef struct smt_cell {
    const char *text;           /* NUL-terminated; "" when empty */
    size_t length;
    int line;
    int col;
} smt_cell;

/* One file, read whole and cut into cells in place (tabs and line ends
 * become NULs) after its text was copied into the model's sources. */
typedef struct smt_table {
    char *path;
    char *text;
    size_t length;
    size_t pos;                 /* start of the next line */
    int line;                   /* its number */
    const smt_field *fields;
    int nfields;
    int column[SMT_MAX_FIELDS]; /* header column of each field, -1: none */
    int ncolumns;
    smt_cell *cells;            /* [ncolumns] of the current row */
    smt_cell absent;            /* the cell of a field without a column */
    int row_line;
} smt_table;

typedef struct calendar {
    char *name;
    enum downtime_kind kind;
    dist interval;
    double interval_wafers;
    dist duration;
} calendar;

typedef struct calendar_set {
    calendar *items;
    int32_t count;
    int32_t capacity;
    name_index index;
} calendar_set;

/* A reference from a step to a later one (FORSTEP, STEP_CQT), checked
 * once the whole route is read. */
typedef struct forward_link {
    int32_t from;               /* 0-based step */
    int64_t to;                 /* 1-based step number as written */
    double limit_days;          /* STEP_CQT; NaN for FORSTEP */
    const char *column;
    int line;
    int col;
} forward_link;

/* The days of an order's START, or of a lot of WIP's START and DUE: they
 * are placed against the model's start once every START is known. */
typedef struct pending_time {
    int64_t day;
    int64_t due_day;
    int line;                   /* of START */
    int col;
} pending_time;

typedef struct loader {
    model *m;
    const char *dir;
    ws_error *err;
    name_index groups;
    name_index products;
    name_index setups;
    name_index areas;           /* area -> first group of it */
    int32_t *next_in_area;      /* [group] -> next group of its area, -1 */
    int64_t total_steps;
    calendar_set down;
    calendar_set pm;
    pending_time *order_times;  /* [order] */
    pending_time *lot_times;    /* [initial lot] */
    size_t order_times_capacity;
    size_t lot_times_capacity;
} loader;

static int nomem(loader *L)
{
    return ws_error_set(L->err, WS_ENOMEM, NULL, 0, 0, "out of memory");
}

SMT_PRINTF(5, 6)
static int fail_at(loader *L, const smt_table *t, int line, int col,
                   const char *fmt, ...)
{
    char message[sizeof L->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return ws_error_set(L->err, WS_EDATA, t->path, line, col, "%s", message);
}

SMT_PRINTF(4, 5)
static int fail(loader *L, const smt_table *t, const smt_cell *c,
                const char *fmt, ...)
{
    char message[sizeof L->err->message];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    return ws_error_set(L->err, WS_EDATA, t->path, c->line, c->col, "%s",
                        message);
}

static char *join_path(const char *dir, const char *name)
{
    size_t n = strlen(dir);
    int slash = n > 0 && dir[n - 1] != '/';
    char *p = malloc(n + (size_t)slash + strlen(name) + 1);

    if (p)
        sprintf(p, "%s%s%s", dir, slash ? "/" : "", name);
    return p;
}

static void table_close(smt_table *t)
{
    free(t->path);
    free(t->text);
    free(t->cells);
    memset(t, 0, sizeof *t);
}

/* Cuts the line at t->pos out of the text: *begin and *end delimit it
 * without its line end, *line is its number.  0 at the end of the text. */
static int take_line(smt_table *t, size_t *begin, size_t *end, int *line)
{
    const char *nl;

    if (t->pos >= t->length)
        return 0;
    *begin = t->pos;
    *line = t->line;
    nl = memchr(t->text + t->pos, '\n', t->length - t->pos);
    *end = nl ? (size_t)(nl - t->text) : t->length;
    t->pos = nl ? *end + 1 : *end;
    if (nl)
        t->line++;
    /* route_csv_check_text let a CR through only before an LF. */
    if (*end > *begin && t->text[*end - 1] == '\r')
        (*end)--;
    t->text[*end] = '\0';
    return 1;
}

static int is_continuation(char c)
{
    return ((unsigned char)c & 0xC0) == 0x80;
}

/* Characters in text[0..n), for columns inside a cell. */
static int char_count(const char *text, size_t n)
{
    int count = 0;

    for (size_t i = 0; i < n; i++)
        count += !is_continuation(text[i]);
    return count;
}

static int read_header(loader *L, smt_table *t)
{
    size_t begin = 0, end = 0;
    int line = 0, ncells = 0, last_named = -1, first_empty_col = 0;
    const char **names;
    size_t start, i;
    int col = 1, cell_col = 1;
    int rc = 0;

    do {
        if (!take_line(t, &begin, &end, &line))
            return fail_at(L, t, 1, 1, "empty file: expected a header line "
                           "naming the columns, separated by tabs");
    } while (end == begin);
    names = malloc(SMT_MAX_COLUMNS * sizeof *names);
    if (!names)
        return nomem(L);
    for (int f = 0; f < t->nfields; f++)
        t->column[f] = -1;
    start = begin;
    for (i = begin;; i++) {
        if (i < end && t->text[i] != '\t') {
            col += !is_continuation(t->text[i]);
            continue;
        }
        t->text[i] = '\0';
        if (ncells == SMT_MAX_COLUMNS) {
            rc = fail_at(L, t, line, cell_col, "the header names more than "
                         "%d columns", SMT_MAX_COLUMNS);
            goto out;
        }
        names[ncells] = t->text + start;
        if (i == start) {
            if (!first_empty_col)
                first_empty_col = cell_col;
        } else {
            /* Empty names may end a header, as cells may end a row. */
            if (first_empty_col) {
                rc = fail_at(L, t, line, first_empty_col,
                             "empty column name in the header");
                goto out;
            }
            for (int k = 0; k < ncells; k++)
                if (strcmp(names[k], names[ncells]) == 0) {
                    rc = fail_at(L, t, line, cell_col,
                                 "duplicate column '%s'", names[ncells]);
                    goto out;
                }
            for (int f = 0; f < t->nfields; f++)
                if (strcmp(t->fields[f].name, names[ncells]) == 0)
                    t->column[f] = ncells;
            last_named = ncells;
        }
        ncells++;
        if (i >= end)
            break;
        col++;
        start = i + 1;
        cell_col = col;
    }
    t->ncolumns = last_named + 1;
    for (int f = 0; f < t->nfields; f++)
        if (t->fields[f].required && t->column[f] < 0) {
            rc = fail_at(L, t, line, 1, "the header has no '%s' column",
                         t->fields[f].name);
            goto out;
        }
    t->cells = malloc((size_t)(t->ncolumns > 0 ? t->ncolumns : 1) *
                      sizeof *t->cells);
    if (!t->cells)
        rc = nomem(L);
out:
    free(names);
    return rc;
}

static int has_source(const model *m, const char *path)
{
    for (int32_t i = 0; i < m->nsources; i++)
        if (strcmp(m->sources[i].path, path) == 0)
            return 1;
    return 0;
}

/* Reads a file of the data set and its header.  what, when not NULL, says
 * who named the file, for a message about a file that cannot be read. */
static int table_open(loader *L, smt_table *t, const char *name,
                      const smt_field *fields, int nfields, const char *what)
{
    char reason[256];
    int e, rc;

    memset(t, 0, sizeof *t);
    t->fields = fields;
    t->nfields = nfields;
    t->line = 1;
    t->path = join_path(L->dir, name);
    if (!t->path)
        return nomem(L);
    e = route_csv_read_file(t->path, &t->text, &t->length);
    if (e == ENOMEM)
        return nomem(L);
    if (e == EFBIG)
        return ws_error_set(L->err, WS_EDATA, t->path, 0, 0,
                            "the file is larger than %zu MiB",
                            ROUTE_CSV_MAX_FILE_BYTES >> 20);
    if (e != 0) {
        if (strerror_r(e, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", e);
        return ws_error_set(L->err, WS_ENOINPUT, t->path, 0, 0,
                            "cannot read%s%s: %s", what ? " " : "",
                            what ? what : "", reason);
    }
    rc = route_csv_check_text(t->text, t->length, t->path, 0, L->err);
    if (rc != 0)
        return rc;
    /* The text is copied before the cells are cut out of it; a route
     * file that several parts share is one source. */
    if (!has_source(L->m, t->path) &&
        model_add_source(L->m, t->path, t->text) != 0)
        return nomem(L);
    if (t->length >= 3 && memcmp(t->text, "\xEF\xBB\xBF", 3) == 0)
        t->pos = 3;
    return read_header(L, t);
}

/* Reads the next row that is not blank: 1, 0 at the end, or an error. */
static int table_next(loader *L, smt_table *t)
{
    size_t begin, end, start, i;
    int line, ncells = 0, col = 1, cell_col = 1;

    do {
        if (!take_line(t, &begin, &end, &line))
            return 0;
    } while (end == begin);
    start = begin;
    for (i = begin;; i++) {
        if (i < end && t->text[i] != '\t') {
            col += !is_continuation(t->text[i]);
            continue;
        }
        t->text[i] = '\0';
        if (ncells < t->ncolumns) {
            smt_cell *c = &t->cells[ncells];
            c->text = t->text + start;
            c->length = i - start;
            c->line = line;
            c->col = cell_col;
        } else if (i > start) {
            return fail_at(L, t, line, cell_col, "this row has more cells "
                           "than the header has columns (%d)", t->ncolumns);
        }
        ncells++;
        if (i >= end)
            break;
        col++;
        start = i + 1;
        cell_col = col;
    }
    for (int k = ncells; k < t->ncolumns; k++) {
        t->cells[k].text = "";
        t->cells[k].length = 0;
        t->cells[k].line = line;
        t->cells[k].col = col;
    }
    t->absent.text = "";
    t->absent.length = 0;
    t->absent.line = line;
    t->absent.col = 1;
    t->row_line = line;
    return 1;
}

static const smt_cell *cell(const smt_table *t, int field)
{
    int c = t->column[field];
    return c >= 0 ? &t->cells[c] : &t->absent;
}

static const char *field_name(const smt_table *t, int field)
{
    return t->fields[field].name;
}

/* The position after the last row, for "no rows" messages. */
static int end_line(const smt_table *t)
{
    return t->line;
}

/* --- cells ------------------------------------------------------------ */

static int need(loader *L, const smt_table *t, int field)
{
    const smt_cell *c = cell(t, field);

    if (c->length == 0)
        return fail(L, t, c, "%s must not be empty", field_name(t, field));
    return 0;
}

static int check_name(loader *L, const smt_table *t, int field)
{
    const smt_cell *c = cell(t, field);
    char why[160];

    if (route_csv_check_name(c->text, c->length, why, sizeof why) != 0)
        return fail(L, t, c, "%s: %s", field_name(t, field), why);
    return 0;
}

enum lower_bound { ANY_NUMBER, ZERO_OR_MORE, POSITIVE };

/* A number at most hi, and as low as lower allows. */
static int cell_number(loader *L, const smt_table *t, int field,
                       enum lower_bound lower, double hi, double *out)
{
    const smt_cell *c = cell(t, field);
    const char *name = field_name(t, field);
    const char *why;

    if (c->length == 0)
        return fail(L, t, c, "%s must not be empty", name);
    if (route_csv_parse_double(c->text, c->length, out, &why) != 0)
        return fail(L, t, c, "%s %s: '%s'", name, why, c->text);
    if ((lower == ZERO_OR_MORE && *out < 0.0) ||
        (lower == POSITIVE && !(*out > 0.0)))
        return fail(L, t, c, "%s must be %s (got '%s')", name,
                    lower == POSITIVE ? "positive" : "zero or more", c->text);
    if (*out > hi)
        return fail(L, t, c, "%s must be at most %g (got '%s')", name, hi,
                    c->text);
    return 0;
}

/* A whole number within [lo, hi]; "10.0" is 10, as STNQTY writes it. */
static int whole(loader *L, const smt_table *t, int field, double lo,
                 double hi, int64_t *out)
{
    const smt_cell *c = cell(t, field);
    double v;
    int rc = cell_number(L, t, field, ANY_NUMBER, HUGE_VAL, &v);

    if (rc != 0)
        return rc;
    if (v != floor(v))
        return fail(L, t, c, "%s must be a whole number (got '%s')",
                    field_name(t, field), c->text);
    if (v < lo || v > hi)
        return fail(L, t, c, "%s must be from %.0f to %.0f (got '%s')",
                    field_name(t, field), lo, hi, c->text);
    *out = (int64_t)v;
    return 0;
}

static int is(const smt_cell *c, const char *text)
{
    return strcmp(c->text, text) == 0;
}

/* Days per unit of a units cell, which must be given. */
static int unit_days(loader *L, const smt_table *t, int field, double *days)
{
    static const struct {
        const char *name;
        double days;
    } units[] = {
        {"sec", 1.0 / 86400.0}, {"s", 1.0 / 86400.0},
        {"min", 1.0 / 1440.0},
        {"hr", 1.0 / 24.0}, {"h", 1.0 / 24.0}, {"hour", 1.0 / 24.0},
        {"day", 1.0}, {"d", 1.0},
    };
    const smt_cell *c = cell(t, field);

    if (c->length == 0)
        return fail(L, t, c, "%s must not be empty: give the unit (sec, "
                    "min, hr or day)", field_name(t, field));
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (is(c, units[i].name)) {
            *days = units[i].days;
            return 0;
        }
    return fail(L, t, c, "unknown unit '%s' in %s (use sec, s, min, hr, h, "
                "hour, day or d)", c->text, field_name(t, field));
}

/* A duration in days from a value and a units cell; an empty value is
 * 0 when optional (and then the units are not read). */
static int duration(loader *L, const smt_table *t, int value, int units,
                    int lo_open, int optional, double *days)
{
    double v, per;
    int rc;

    *days = 0.0;
    if (optional && cell(t, value)->length == 0)
        return 0;
    rc = cell_number(L, t, value, lo_open ? POSITIVE : ZERO_OR_MORE,
                     DIST_MAX_TIME, &v);
    if (rc == 0)
        rc = unit_days(L, t, units, &per);
    if (rc != 0)
        return rc;
    *days = v * per;
    /* A safety net: parsing refuses subnormal numbers, so a positive
     * value stays positive in days. */
    if (lo_open && !(*days > 0.0))
        return fail(L, t, cell(t, value), "%s is too small: '%s'",
                    field_name(t, value), cell(t, value)->text);
    return 0;
}

/* A distribution from a kind cell, a value, a second value (the half-width
 * of a uniform; field -1 when the file has no such column) and units.
 * 'uniform V W' is uniform on [V - W, V + W]: V is the mean, as SMT2020's
 * authors state the times (docs/smt2020.md). */
static int distribution(loader *L, const smt_table *t, int kind_field,
                        int value, int value2, int units, dist *out)
{
    const smt_cell *kind = cell(t, kind_field);
    const smt_cell *second = value2 >= 0 ? cell(t, value2) : NULL;
    double params[3] = {0.0, 0.0, 0.0};
    double v, w = 0.0, per;
    enum dist_kind k;
    char why[160];
    int rc;

    if (kind->length == 0)
        return fail(L, t, kind, "%s must not be empty (uniform, constant or "
                    "exponential)", field_name(t, kind_field));
    if (is(kind, "uniform"))
        k = DIST_UNIFORM;
    else if (is(kind, "constant"))
        k = DIST_CONSTANT;
    else if (is(kind, "exponential"))
        k = DIST_EXPONENTIAL;
    else
        return fail(L, t, kind, "unknown distribution '%s' in %s (use "
                    "uniform, constant or exponential)", kind->text,
                    field_name(t, kind_field));
    rc = cell_number(L, t, value,
                     k == DIST_EXPONENTIAL ? POSITIVE : ZERO_OR_MORE,
                     DIST_MAX_TIME, &v);
    if (rc != 0)
        return rc;
    if (k == DIST_UNIFORM) {
        if (!second)
            return fail(L, t, kind, "uniform needs a half-width, but the "
                        "file has no column for one");
        rc = cell_number(L, t, value2, ZERO_OR_MORE, DIST_MAX_TIME, &w);
        if (rc != 0)
            return rc;
        if (w > v)
            return fail(L, t, second, "%s must not exceed %s (%s): the time "
                        "would go below zero", field_name(t, value2),
                        field_name(t, value), cell(t, value)->text);
        params[0] = v - w;
        params[1] = v + w;
    } else {
        if (second && second->length > 0)
            return fail(L, t, second, "%s is not used by %s: leave it empty",
                        field_name(t, value2), kind->text);
        params[0] = v;
    }
    rc = unit_days(L, t, units, &per);
    if (rc != 0)
        return rc;
    if (dist_init(out, k, params, why, sizeof why) != 0)
        return fail(L, t, cell(t, value), "%s: %s: %s",
                    field_name(t, value), kind->text, why);
    dist_scale(out, per);
    if (k == DIST_EXPONENTIAL && !(out->p[0] > 0.0))
        return fail(L, t, cell(t, value), "%s is too small: '%s'",
                    field_name(t, value), cell(t, value)->text);
    return 0;
}

static int two_digits(const char *s, int *out)
{
    if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
        return -1;
    *out = (s[0] - '0') * 10 + (s[1] - '0');
    return 0;
}

/* MM/DD/YY HH:MM:SS, a two-digit year meaning 20YY: the day number and
 * the seconds into it. */
static int date_time(loader *L, const smt_table *t, int field, int64_t *day,
                     int *seconds)
{
    const smt_cell *c = cell(t, field);
    const char *s = c->text;
    int month, mday, year, hour, minute, second, y, mo, d;

    if (c->length == 0)
        return fail(L, t, c, "%s must not be empty", field_name(t, field));
    if (c->length != 17 || s[2] != '/' || s[5] != '/' || s[8] != ' ' ||
        s[11] != ':' || s[14] != ':' || two_digits(s, &month) != 0 ||
        two_digits(s + 3, &mday) != 0 || two_digits(s + 6, &year) != 0 ||
        two_digits(s + 9, &hour) != 0 || two_digits(s + 12, &minute) != 0 ||
        two_digits(s + 15, &second) != 0)
        return fail(L, t, c, "%s is not a date MM/DD/YY HH:MM:SS: '%s'",
                    field_name(t, field), s);
    *day = date_days_from_civil(2000 + year, month, mday);
    date_civil_from_days(*day, &y, &mo, &d);
    if (month < 1 || y != 2000 + year || mo != month || d != mday ||
        hour > 23 || minute > 59 || second > 59)
        return fail(L, t, c, "%s is not a real date and time: '%s'",
                    field_name(t, field), s);
    *seconds = hour * 3600 + minute * 60 + second;
    return 0;
}

/* Days from (day0, seconds0) to (day1, seconds1). */
static double days_between(int64_t day0, int seconds0, int64_t day1,
                           int seconds1)
{
    return (double)(day1 - day0) + (double)(seconds1 - seconds0) / 86400.0;
}

/* --- tool.txt.1l ------------------------------------------------------ */

enum {
    TOOL_STNFAM, TOOL_FWLRANK, TOOL_BATCHCRITF, TOOL_BATCHPER, TOOL_LTIME,
    TOOL_LTUNITS, TOOL_ULTIME, TOOL_ULTUNITS, TOOL_STNCAP, TOOL_STNQTY,
    TOOL_STNGRP, TOOL_FIELDS
};

static const smt_field tool_fields[TOOL_FIELDS] = {
    [TOOL_STNFAM] = {"STNFAM", 1},      [TOOL_FWLRANK] = {"FWLRANK", 0},
    [TOOL_BATCHCRITF] = {"BATCHCRITF", 0},
    [TOOL_BATCHPER] = {"BATCHPER", 0},  [TOOL_LTIME] = {"LTIME", 0},
    [TOOL_LTUNITS] = {"LTUNITS", 0},    [TOOL_ULTIME] = {"ULTIME", 0},
    [TOOL_ULTUNITS] = {"ULTUNITS", 0},  [TOOL_STNCAP] = {"STNCAP", 0},
    [TOOL_STNQTY] = {"STNQTY", 1},      [TOOL_STNGRP] = {"STNGRP", 0},
};

static const struct {
    const char *name;
    enum rank_key key;
} rank_keys[] = {
    {"rank_HP", RANK_PRIORITY}, {"rank_RSETUP", RANK_SETUP},
    {"rank_FIFO", RANK_FIFO},   {"rank_SPT", RANK_SPT},
    {"rank_EDD", RANK_EDD},     {"rank_CR", RANK_CR},
    {"rank_ODD", RANK_ODD},     {"rank_SLACK", RANK_SLACK},
};

/* FWLRANK: keys separated by ';', compared in order.  The RULE column
 * (rule_HotLotFIRST, rule_LSSU) is not read: the rank list decides. */
static int read_ranks(loader *L, const smt_table *t, tool_group *g)
{
    const smt_cell *c = cell(t, TOOL_FWLRANK);
    size_t start = 0;

    g->nrank = 0;
    if (c->length == 0)
        return 0;
    for (;;) {
        const char *key = c->text + start;
        size_t n = strcspn(key, ";");
        int col = c->col + char_count(c->text, start);
        size_t k;

        if (n == 0)
            return fail_at(L, t, c->line, col, "empty rank key in FWLRANK");
        for (k = 0; k < sizeof rank_keys / sizeof rank_keys[0]; k++)
            if (strlen(rank_keys[k].name) == n &&
                memcmp(rank_keys[k].name, key, n) == 0)
                break;
        if (k == sizeof rank_keys / sizeof rank_keys[0])
            return fail_at(L, t, c->line, col, "unknown rank key '%.*s' in "
                           "FWLRANK (use rank_HP, rank_RSETUP, rank_FIFO, "
                           "rank_SPT, rank_EDD, rank_CR, rank_ODD or "
                           "rank_SLACK)", (int)n, key);
        for (int32_t i = 0; i < g->nrank; i++)
            if (g->rank[i] == rank_keys[k].key)
                return fail_at(L, t, c->line, col, "rank key '%.*s' is "
                               "listed twice", (int)n, key);
        if (g->nrank == MODEL_MAX_RANK_KEYS)
            return fail_at(L, t, c->line, col, "FWLRANK may list at most "
                           "%d keys", MODEL_MAX_RANK_KEYS);
        g->rank[g->nrank++] = rank_keys[k].key;
        if (key[n] == '\0')
            return 0;
        start += n + 1;
    }
}

static int read_tool_row(loader *L, const smt_table *t)
{
    model *m = L->m;
    const smt_cell *name = cell(t, TOOL_STNFAM);
    const smt_cell *crit = cell(t, TOOL_BATCHCRITF);
    const smt_cell *per = cell(t, TOOL_BATCHPER);
    const name_slot *seen;
    int64_t tools, cascade = 1;
    tool_group *g;
    int32_t gi;
    int rc;

    rc = check_name(L, t, TOOL_STNFAM);
    if (rc != 0)
        return rc;
    seen = index_find(&L->groups, name->text);
    if (seen)
        return fail(L, t, name, "tool family '%s' is listed twice (first at "
                    "line %d)", name->text, seen->line);
    if (m->ngroups >= MODEL_MAX_TOOL_GROUPS)
        return fail(L, t, name, "a model may have at most %d tool families",
                    MODEL_MAX_TOOL_GROUPS);
    rc = whole(L, t, TOOL_STNQTY, 1, MODEL_MAX_TOOLS_PER_GROUP, &tools);
    if (rc == 0 && cell(t, TOOL_STNCAP)->length > 0)
        rc = whole(L, t, TOOL_STNCAP, 1, MODEL_MAX_CASCADE, &cascade);
    if (rc != 0)
        return rc;
    gi = model_add_tool_group(m, name->text, (int32_t)tools);
    if (gi < 0 || index_put(&L->groups, m->groups[gi].name, gi,
                            t->row_line) != 0)
        return nomem(L);
    g = &m->groups[gi];
    g->cascade = (int32_t)cascade;
    rc = read_ranks(L, t, g);
    if (rc != 0)
        return rc;
    /* crit_sameroutestep: lots of the same route step batch together.  A
     * batch starts once it holds batch_min (batch_wait_days 0): the
     * greedy policy, documented in docs/smt2020.md. */
    if (crit->length > 0) {
        if (!is(crit, "crit_sameroutestep"))
            return fail(L, t, crit, "unknown BATCHCRITF '%s' (only "
                        "crit_sameroutestep: lots of the same route step "
                        "batch together)", crit->text);
        if (per->length == 0)
            return fail(L, t, per, "BATCHPER must not be empty when "
                        "BATCHCRITF is given (piece or lot)");
        g->batching = 1;
        g->batch_wait_days = 0.0;
    }
    if (per->length > 0) {
        if (!g->batching)
            return fail(L, t, per, "BATCHPER is given but BATCHCRITF is "
                        "empty");
        if (is(per, "piece"))
            g->batch_unit = BATCH_WAFERS;
        else if (is(per, "lot"))
            g->batch_unit = BATCH_LOTS;
        else
            return fail(L, t, per, "unknown BATCHPER '%s' (use piece or "
                        "lot)", per->text);
    }
    rc = duration(L, t, TOOL_LTIME, TOOL_LTUNITS, 0, 1, &g->load_days);
    if (rc == 0)
        rc = duration(L, t, TOOL_ULTIME, TOOL_ULTUNITS, 0, 1,
                      &g->unload_days);
    if (rc != 0)
        return rc;
    if (cell(t, TOOL_STNGRP)->length > 0) {
        rc = check_name(L, t, TOOL_STNGRP);
        if (rc != 0)
            return rc;
        g->area = malloc(cell(t, TOOL_STNGRP)->length + 1);
        if (!g->area)
            return nomem(L);
        memcpy(g->area, cell(t, TOOL_STNGRP)->text,
               cell(t, TOOL_STNGRP)->length + 1);
    }
    return 0;
}

/* Chains the families of each area in file order, for attach.txt's
 * stngrp rows: areas maps an area to its first family. */
static int chain_areas(loader *L)
{
    const model *m = L->m;
    int32_t *last = malloc((size_t)m->ngroups * sizeof *last);

    L->next_in_area = malloc((size_t)m->ngroups * sizeof *L->next_in_area);
    if (!last || !L->next_in_area) {
        free(last);
        return nomem(L);
    }
    for (int32_t g = 0; g < m->ngroups; g++) {
        const name_slot *area;
        L->next_in_area[g] = -1;
        if (!m->groups[g].area)
            continue;
        area = index_find(&L->areas, m->groups[g].area);
        if (area) {
            L->next_in_area[last[area->value]] = g;
            last[area->value] = g;
        } else if (index_put(&L->areas, m->groups[g].area, g, 0) != 0) {
            free(last);
            return nomem(L);
        } else {
            last[g] = g;
        }
    }
    free(last);
    return 0;
}

static int read_tools(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "tool.txt.1l", tool_fields, TOOL_FIELDS, NULL);

    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_tool_row(L, &t);
    if (rc == 0 && L->m->ngroups == 0)
        rc = fail_at(L, &t, end_line(&t), 1, "no tool families: the file "
                     "has no rows after the header");
    if (rc == 0)
        rc = chain_areas(L);
    table_close(&t);
    return rc;
}

/* --- route_N.txt ------------------------------------------------------ */

enum {
    RT_ROUTE, RT_STEP, RT_DESC, RT_STNFAM, RT_PDIST, RT_PTIME, RT_PTIME2,
    RT_PTUNITS, RT_PTPER, RT_BATCHMN, RT_BATCHMX, RT_SETUP, RT_WHEN,
    RT_STIME, RT_STUNITS, RT_SVESTN, RT_FORSTEP, RT_BATCHINTERVAL,
    RT_BATCHINTUNITS, RT_PARTINTERVAL, RT_PARTINTUNITS, RT_RWKSTEP,
    RT_REWORK, RT_RWKTYPE, RT_STEPPERCENT, RT_STEP_CQT, RT_CQT, RT_CQTUNITS,
    RT_FIELDS
};

static const smt_field route_fields[RT_FIELDS] = {
    [RT_ROUTE] = {"ROUTE", 0},          [RT_STEP] = {"STEP", 1},
    [RT_DESC] = {"DESC", 0},            [RT_STNFAM] = {"STNFAM", 1},
    [RT_PDIST] = {"PDIST", 1},          [RT_PTIME] = {"PTIME", 1},
    [RT_PTIME2] = {"PTIME2", 0},        [RT_PTUNITS] = {"PTUNITS", 1},
    [RT_PTPER] = {"PTPER", 1},          [RT_BATCHMN] = {"BATCHMN", 0},
    [RT_BATCHMX] = {"BATCHMX", 0},      [RT_SETUP] = {"SETUP", 0},
    [RT_WHEN] = {"WHEN", 0},            [RT_STIME] = {"STIME", 0},
    [RT_STUNITS] = {"STUNITS", 0},      [RT_SVESTN] = {"SVESTN", 0},
    [RT_FORSTEP] = {"FORSTEP", 0},
    [RT_BATCHINTERVAL] = {"BatchInterval", 0},
    [RT_BATCHINTUNITS] = {"BatchIntUnits", 0},
    [RT_PARTINTERVAL] = {"PartInterval", 0},
    [RT_PARTINTUNITS] = {"PartIntUnits", 0},
    [RT_RWKSTEP] = {"RWKSTEP", 0},      [RT_REWORK] = {"REWORK", 0},
    [RT_RWKTYPE] = {"RWKTYPE", 0},      [RT_STEPPERCENT] = {"StepPercent", 0},
    [RT_STEP_CQT] = {"STEP_CQT", 0},    [RT_CQT] = {"CQT", 0},
    [RT_CQTUNITS] = {"CQTUNITS", 0},
};

_Static_assert(RT_FIELDS <= SMT_MAX_FIELDS, "SMT_MAX_FIELDS is too small");

typedef struct route_reader {
    smt_table t;
    int32_t product;
    const char *route_name;     /* part.txt's ROUTE, "" when not given */
    forward_link *links;
    size_t nlinks;
    size_t links_capacity;
} route_reader;

static int add_link(loader *L, route_reader *r, int32_t from, int64_t to,
                    double limit_days, int field)
{
    const smt_cell *c = cell(&r->t, field);

    if (r->nlinks == r->links_capacity) {
        size_t cap = r->links_capacity ? 2 * r->links_capacity : 16;
        forward_link *p = realloc(r->links, cap * sizeof *p);
        if (!p)
            return nomem(L);
        r->links = p;
        r->links_capacity = cap;
    }
    r->links[r->nlinks].from = from;
    r->links[r->nlinks].to = to;
    r->links[r->nlinks].limit_days = limit_days;
    r->links[r->nlinks].column = field_name(&r->t, field);
    r->links[r->nlinks].line = c->line;
    r->links[r->nlinks].col = c->col;
    r->nlinks++;
    return 0;
}

static int step_setup(loader *L, const smt_table *t, route_step *s)
{
    const smt_cell *name = cell(t, RT_SETUP);
    const smt_cell *when = cell(t, RT_WHEN);
    const name_slot *known;
    double days;
    int rc;

    if (name->length == 0) {
        if (when->length > 0)
            return fail(L, t, when, "WHEN is given but SETUP is empty");
        if (cell(t, RT_STIME)->length > 0)
            return fail(L, t, cell(t, RT_STIME), "STIME is given but SETUP "
                        "is empty");
        return 0;
    }
    if (when->length > 0 && !is(when, "need"))
        return fail(L, t, when, "unsupported WHEN '%s' (only need: a setup "
                    "when the tool is in another one)", when->text);
    rc = check_name(L, t, RT_SETUP);
    if (rc != 0)
        return rc;
    known = index_find(&L->setups, name->text);
    if (known) {
        s->setup = known->value;
    } else {
        if (L->m->nsetups >= MODEL_MAX_SETUPS)
            return fail(L, t, name, "a model may have at most %d setups",
                        MODEL_MAX_SETUPS);
        s->setup = model_intern_setup(L->m, name->text);
        if (s->setup < 0 || index_put(&L->setups, L->m->setups[s->setup],
                                      s->setup, t->row_line) != 0)
            return nomem(L);
    }
    /* A step's own STIME is its setup time from any other setup. */
    if (cell(t, RT_STIME)->length > 0) {
        double params[3] = {0.0, 0.0, 0.0};
        char why[160];
        rc = duration(L, t, RT_STIME, RT_STUNITS, 0, 0, &days);
        if (rc != 0)
            return rc;
        params[0] = days;
        if (dist_init(&s->setup_time, DIST_CONSTANT, params, why,
                      sizeof why) != 0)
            return fail(L, t, cell(t, RT_STIME), "STIME: %s", why);
        s->has_setup_time = 1;
    }
    return 0;
}

/* PartInterval (per wafer, per_piece steps) or BatchInterval (per job,
 * per_lot and per_batch steps) of a cascading tool family. */
static int step_interval(loader *L, const smt_table *t, route_step *s,
                         const tool_group *g)
{
    int part = cell(t, RT_PARTINTERVAL)->length > 0;
    int batch = cell(t, RT_BATCHINTERVAL)->length > 0;
    int field = part ? RT_PARTINTERVAL : RT_BATCHINTERVAL;

    if (!part && !batch)
        return 0;
    if (part && batch)
        return fail(L, t, cell(t, RT_BATCHINTERVAL), "give PartInterval or "
                    "BatchInterval, not both");
    if (part && s->per != TIME_PER_WAFER)
        return fail(L, t, cell(t, field), "PartInterval is for per_piece "
                    "steps (use BatchInterval for per_lot and per_batch)");
    if (batch && s->per == TIME_PER_WAFER)
        return fail(L, t, cell(t, field), "BatchInterval is for per_lot and "
                    "per_batch steps (use PartInterval for per_piece)");
    if (g->cascade <= 1)
        return fail(L, t, cell(t, field), "%s is given but tool family '%s' "
                    "does not cascade (its STNCAP is empty or 1)",
                    field_name(t, field), g->name);
    return duration(L, t, field,
                    part ? RT_PARTINTUNITS : RT_BATCHINTUNITS, 0, 0,
                    &s->cascade_interval_days);
}

static int step_rework(loader *L, const smt_table *t, route_step *s,
                       int64_t number)
{
    const smt_cell *to = cell(t, RT_RWKSTEP);
    const smt_cell *percent = cell(t, RT_REWORK);
    const smt_cell *type = cell(t, RT_RWKTYPE);
    int64_t step;
    double p;
    int rc;

    if (to->length == 0) {
        if (percent->length > 0)
            return fail(L, t, percent, "REWORK is given but RWKSTEP is "
                        "empty");
        if (type->length > 0)
            return fail(L, t, type, "RWKTYPE is given but RWKSTEP is empty");
        return 0;
    }
    rc = whole(L, t, RT_RWKSTEP, 1, MODEL_MAX_STEPS, &step);
    if (rc != 0)
        return rc;
    if (step > number)
        return fail(L, t, to, "RWKSTEP %s must not be after this step (%lld)",
                    to->text, (long long)number);
    if (percent->length == 0)
        return fail(L, t, percent, "REWORK must not be empty when RWKSTEP is "
                    "given (the percentage of lots reworked)");
    rc = cell_number(L, t, RT_REWORK, POSITIVE, 100.0, &p);
    if (rc != 0)
        return rc;
    if (type->length > 0 && !is(type, "lot"))
        return fail(L, t, type, "unsupported RWKTYPE '%s' (only lot: the "
                    "whole lot goes back)", type->text);
    s->rework_to = (int32_t)(step - 1);
    s->rework_prob = p / 100.0;
    return 0;
}

static int step_links(loader *L, route_reader *r, int64_t number)
{
    const smt_table *t = &r->t;
    const smt_cell *same = cell(t, RT_SVESTN);
    const smt_cell *forstep = cell(t, RT_FORSTEP);
    const smt_cell *target = cell(t, RT_STEP_CQT);
    const smt_cell *limit = cell(t, RT_CQT);
    int64_t to = 0;
    double days = 0.0;
    int rc;

    if (same->length > 0 && !is(same, "yes") && !is(same, "no"))
        return fail(L, t, same, "SVESTN must be yes, no or empty (got '%s')",
                    same->text);
    if (is(same, "yes")) {
        if (forstep->length == 0)
            return fail(L, t, forstep, "FORSTEP must not be empty when "
                        "SVESTN is yes (the later step that must run on "
                        "this step's tool)");
        rc = whole(L, t, RT_FORSTEP, 1, MODEL_MAX_STEPS, &to);
        if (rc != 0)
            return rc;
        if (to <= number)
            return fail(L, t, forstep, "FORSTEP %s must name a later step "
                        "than this one (%lld)", forstep->text,
                        (long long)number);
        rc = add_link(L, r, (int32_t)(number - 1), to, NAN, RT_FORSTEP);
        if (rc != 0)
            return rc;
    } else if (forstep->length > 0) {
        return fail(L, t, forstep, "FORSTEP is given but SVESTN is not yes");
    }
    if (target->length == 0) {
        if (limit->length > 0)
            return fail(L, t, limit, "CQT is given but STEP_CQT is empty");
        return 0;
    }
    rc = whole(L, t, RT_STEP_CQT, 1, MODEL_MAX_STEPS, &to);
    if (rc != 0)
        return rc;
    if (to <= number)
        return fail(L, t, target, "STEP_CQT %s must name a later step than "
                    "this one (%lld)", target->text, (long long)number);
    rc = duration(L, t, RT_CQT, RT_CQTUNITS, 1, 0, &days);
    if (rc != 0)
        return rc;
    return add_link(L, r, (int32_t)(number - 1), to, days, RT_STEP_CQT);
}

static int read_step(loader *L, route_reader *r)
{
    const smt_table *t = &r->t;
    product *p = &L->m->products[r->product];
    const smt_cell *route = cell(t, RT_ROUTE);
    const smt_cell *family = cell(t, RT_STNFAM);
    const smt_cell *per = cell(t, RT_PTPER);
    const name_slot *g;
    const tool_group *group;
    enum time_per time_per;
    char default_name[32];
    route_step *s;
    int64_t number = 0, batch_min = 1, batch_max = 0;
    dist time;
    int rc;

    rc = route_csv_check_step_limit(p->nsteps, L->total_steps - p->nsteps,
                                    t->path, t->row_line, 1, L->err);
    if (rc == 0)
        rc = whole(L, t, RT_STEP, 1, MODEL_MAX_STEPS, &number);
    if (rc != 0)
        return rc;
    if (number != p->nsteps + 1)
        return fail(L, t, cell(t, RT_STEP), "STEP %s should be %d: steps "
                    "are numbered 1, 2, 3, ... in order",
                    cell(t, RT_STEP)->text, (int)p->nsteps + 1);
    if (route->length > 0 && r->route_name[0] &&
        strcmp(route->text, r->route_name) != 0)
        return fail(L, t, route, "ROUTE '%s' differs from '%s', the ROUTE "
                    "part.txt gives for this file", route->text,
                    r->route_name);
    if (cell(t, RT_DESC)->length > 0) {
        rc = check_name(L, t, RT_DESC);
        if (rc != 0)
            return rc;
    }
    rc = need(L, t, RT_STNFAM);
    if (rc != 0)
        return rc;
    g = index_find(&L->groups, family->text);
    if (!g)
        return fail(L, t, family, "unknown tool family '%s' (not in "
                    "tool.txt.1l)", family->text);
    group = &L->m->groups[g->value];
    if (is(per, "per_piece"))
        time_per = TIME_PER_WAFER;
    else if (is(per, "per_lot"))
        time_per = TIME_PER_LOT;
    else if (is(per, "per_batch"))
        time_per = TIME_PER_BATCH;
    else if (per->length == 0)
        return fail(L, t, per, "PTPER must not be empty (per_piece, per_lot "
                    "or per_batch)");
    else
        return fail(L, t, per, "unknown PTPER '%s' (use per_piece, per_lot "
                    "or per_batch)", per->text);
    rc = distribution(L, t, RT_PDIST, RT_PTIME,
                      t->column[RT_PTIME2] >= 0 ? RT_PTIME2 : -1, RT_PTUNITS,
                      &time);
    if (rc != 0)
        return rc;
    for (int f = RT_BATCHMN; f <= RT_BATCHMX; f++) {
        const smt_cell *c = cell(t, f);
        int64_t *v = f == RT_BATCHMN ? &batch_min : &batch_max;
        if (c->length == 0)
            continue;
        if (!group->batching)
            return fail(L, t, c, "%s is given but tool family '%s' does not "
                        "batch (its BATCHCRITF is empty)", field_name(t, f),
                        group->name);
        rc = whole(L, t, f, 1, MODEL_MAX_BATCH_WAFERS, v);
        if (rc != 0)
            return rc;
    }
    if (batch_max > 0 && batch_max < batch_min)
        return fail(L, t, cell(t, RT_BATCHMX), "BATCHMX %lld must be at "
                    "least BATCHMN %lld", (long long)batch_max,
                    (long long)batch_min);
    snprintf(default_name, sizeof default_name, "step %lld",
             (long long)number);
    s = model_add_step(p, cell(t, RT_DESC)->length > 0 ? cell(t, RT_DESC)->text
                                                       : default_name);
    if (!s)
        return nomem(L);
    L->total_steps++;
    s->tool_group = g->value;
    s->per = time_per;
    s->time = time;
    s->batch_min = (int32_t)batch_min;
    s->batch_max = (int32_t)batch_max;
    rc = step_setup(L, t, s);
    if (rc == 0)
        rc = step_interval(L, t, s, group);
    if (rc == 0)
        rc = step_rework(L, t, s, number);
    if (rc == 0 && cell(t, RT_STEPPERCENT)->length > 0) {
        double percent;
        rc = cell_number(L, t, RT_STEPPERCENT, POSITIVE, 100.0,
                         &percent);
        s->sample_prob = percent / 100.0;
    }
    if (rc == 0)
        rc = step_links(L, r, number);
    return rc;
}

/* FORSTEP and STEP_CQT, now that the route's length is known. */
static int resolve_links(loader *L, route_reader *r)
{
    product *p = &L->m->products[r->product];

    for (size_t i = 0; i < r->nlinks; i++) {
        const forward_link *k = &r->links[i];
        route_step *target;

        if (k->to > p->nsteps)
            return fail_at(L, &r->t, k->line, k->col, "%s %lld is past the "
                           "last step (%d) of the route", k->column,
                           (long long)k->to, (int)p->nsteps);
        target = &p->steps[k->to - 1];
        if (isnan(k->limit_days)) {
            if (target->same_tool_as >= 0)
                return fail_at(L, &r->t, k->line, k->col, "step %lld is "
                               "already tied to the tool of step %d by "
                               "another FORSTEP", (long long)k->to,
                               (int)target->same_tool_as + 1);
            target->same_tool_as = k->from;
        } else {
            time_constraint *c;
            if (L->m->nconstraints >= MODEL_MAX_CONSTRAINTS)
                return fail_at(L, &r->t, k->line, k->col, "a model may have "
                               "at most %d time constraints",
                               MODEL_MAX_CONSTRAINTS);
            c = model_add_constraint(L->m);
            if (!c)
                return nomem(L);
            c->product = r->product;
            c->from_step = k->from;
            c->to_step = (int32_t)(k->to - 1);
            c->limit_days = k->limit_days;
            c->action = CQT_COUNT;
        }
    }
    return 0;
}

static int read_route(loader *L, const smt_table *parts, int32_t pi,
                      const smt_cell *file, const smt_cell *route_name)
{
    route_reader r;
    char what[MODEL_MAX_NAME + 64];
    int rc;

    memset(&r, 0, sizeof r);
    if (strchr(file->text, '/'))
        return fail(L, parts, file, "ROUTEFILE must name a file in the data "
                    "set's directory (no '/'): '%s'", file->text);
    snprintf(what, sizeof what, "(the ROUTEFILE of part '%s')",
             L->m->products[pi].name);
    r.product = pi;
    r.route_name = route_name->text;
    rc = table_open(L, &r.t, file->text, route_fields, RT_FIELDS, what);
    while (rc == 0 && (rc = table_next(L, &r.t)) == 1)
        rc = read_step(L, &r);
    if (rc == 0 && L->m->products[pi].nsteps == 0)
        rc = fail_at(L, &r.t, end_line(&r.t), 1, "the route has no steps: "
                     "no rows follow the header");
    if (rc == 0)
        rc = resolve_links(L, &r);
    free(r.links);
    table_close(&r.t);
    return rc;
}

/* --- part.txt --------------------------------------------------------- */

enum { PART_PART, PART_ROUTEFILE, PART_ROUTE, PART_FIELDS };

static const smt_field part_fields[PART_FIELDS] = {
    [PART_PART] = {"PART", 1},
    [PART_ROUTEFILE] = {"ROUTEFILE", 1},
    [PART_ROUTE] = {"ROUTE", 0},
};

static int read_part_row(loader *L, const smt_table *t)
{
    const smt_cell *name = cell(t, PART_PART);
    const name_slot *seen;
    int32_t pi = 0;
    int rc;

    rc = check_name(L, t, PART_PART);
    if (rc == 0)
        rc = need(L, t, PART_ROUTEFILE);
    if (rc != 0)
        return rc;
    seen = index_find(&L->products, name->text);
    if (seen)
        return fail(L, t, name, "part '%s' is listed twice (first at line "
                    "%d)", name->text, seen->line);
    if (L->m->nproducts >= MODEL_MAX_PRODUCTS)
        return fail(L, t, name, "a model may have at most %d products",
                    MODEL_MAX_PRODUCTS);
    pi = model_add_product(L->m, name->text);
    if (pi < 0 || index_put(&L->products, L->m->products[pi].name, pi,
                            t->row_line) != 0)
        return nomem(L);
    /* Orders release the lots; lot_size is set from the first order. */
    L->m->products[pi].release = RELEASE_NONE;
    return read_route(L, t, pi, cell(t, PART_ROUTEFILE), cell(t, PART_ROUTE));
}

static int read_parts(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "part.txt", part_fields, PART_FIELDS, NULL);

    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_part_row(L, &t);
    if (rc == 0 && L->m->nproducts == 0)
        rc = fail_at(L, &t, end_line(&t), 1, "no parts: the file has no rows "
                     "after the header");
    table_close(&t);
    return rc;
}

/* --- order.txt and WIP.txt -------------------------------------------- */

static int push_time(loader *L, pending_time **array, size_t *capacity,
                     size_t count, int64_t day, int64_t due_day,
                     const smt_cell *c)
{
    if (count == *capacity) {
        size_t cap = *capacity ? 2 * *capacity : 64;
        pending_time *p = realloc(*array, cap * sizeof *p);
        if (!p)
            return nomem(L);
        *array = p;
        *capacity = cap;
    }
    (*array)[count].day = day;
    (*array)[count].due_day = due_day;
    (*array)[count].line = c->line;
    (*array)[count].col = c->col;
    return 0;
}

static int hot_lot(loader *L, const smt_table *t, int field)
{
    const smt_cell *c = cell(t, field);

    /* Informational: the priority decides what is hot. */
    if (c->length > 0 && !is(c, "yes") && !is(c, "no"))
        return fail(L, t, c, "HOTLOT must be yes, no or empty (got '%s')",
                    c->text);
    return 0;
}

static int product_of(loader *L, const smt_table *t, int field, int32_t *pi)
{
    const smt_cell *c = cell(t, field);
    const name_slot *p;
    int rc = need(L, t, field);

    if (rc != 0)
        return rc;
    p = index_find(&L->products, c->text);
    if (!p)
        return fail(L, t, c, "unknown part '%s' (not in part.txt)", c->text);
    *pi = p->value;
    return 0;
}

enum {
    ORD_LOT, ORD_PART, ORD_PRIOR, ORD_PIECES, ORD_START, ORD_RDIST,
    ORD_REPEAT, ORD_RUNITS, ORD_RPT, ORD_LOTSPERRPT, ORD_DUE, ORD_HOTLOT,
    ORD_FIELDS
};

static const smt_field order_fields[ORD_FIELDS] = {
    [ORD_LOT] = {"LOT", 1},         [ORD_PART] = {"PART", 1},
    [ORD_PRIOR] = {"PRIOR", 1},     [ORD_PIECES] = {"PIECES", 1},
    [ORD_START] = {"START", 1},     [ORD_RDIST] = {"RDIST", 1},
    [ORD_REPEAT] = {"REPEAT", 1},   [ORD_RUNITS] = {"RUNITS", 1},
    [ORD_RPT] = {"RPT#", 1},        [ORD_LOTSPERRPT] = {"LOTSPERRPT", 0},
    [ORD_DUE] = {"DUE", 0},         [ORD_HOTLOT] = {"HOTLOT", 0},
};

static int read_order_row(loader *L, const smt_table *t, char *has_order)
{
    model *m = L->m;
    const smt_cell *rdist = cell(t, ORD_RDIST);
    int64_t priority, wafers, count, lots = 1, day, due_day;
    int seconds, due_seconds;
    double interval;
    release_order *o;
    int32_t pi = 0;
    int rc;

    rc = check_name(L, t, ORD_LOT);
    if (rc == 0)
        rc = product_of(L, t, ORD_PART, &pi);
    if (rc == 0)
        rc = whole(L, t, ORD_PRIOR, -SMT_MAX_PRIORITY, SMT_MAX_PRIORITY,
                   &priority);
    if (rc == 0)
        rc = whole(L, t, ORD_PIECES, 1, MODEL_MAX_LOT_SIZE, &wafers);
    if (rc == 0)
        rc = date_time(L, t, ORD_START, &day, &seconds);
    if (rc != 0)
        return rc;
    if (rdist->length == 0)
        return fail(L, t, rdist, "RDIST must not be empty (constant or "
                    "exponential)");
    if (!is(rdist, "constant") && !is(rdist, "exponential"))
        return fail(L, t, rdist, "unsupported RDIST '%s' (use constant or "
                    "exponential)", rdist->text);
    rc = duration(L, t, ORD_REPEAT, ORD_RUNITS, 1, 0, &interval);
    if (rc == 0)
        rc = whole(L, t, ORD_RPT, 1, SMT_MAX_REPEATS, &count);
    if (rc == 0 && cell(t, ORD_LOTSPERRPT)->length > 0)
        rc = whole(L, t, ORD_LOTSPERRPT, 0, 1e12, &lots);
    if (rc != 0)
        return rc;
    if (lots != 1)
        return fail(L, t, cell(t, ORD_LOTSPERRPT), "LOTSPERRPT must be 1 "
                    "(got '%s'): the model releases one lot at a time",
                    cell(t, ORD_LOTSPERRPT)->text);
    rc = hot_lot(L, t, ORD_HOTLOT);
    if (rc != 0)
        return rc;
    if (m->norders >= MODEL_MAX_ORDERS)
        return fail(L, t, cell(t, ORD_LOT), "a model may have at most %d "
                    "orders", MODEL_MAX_ORDERS);
    o = model_add_order(m, cell(t, ORD_LOT)->text, pi);
    if (!o)
        return nomem(L);
    o->wafers = (int32_t)wafers;
    o->priority = (int32_t)priority;
    o->count = count;
    o->interval_days = interval;
    {
        double params[3] = {interval, 0.0, 0.0};
        char why[160];
        enum dist_kind k = is(rdist, "constant") ? DIST_CONSTANT
                                                 : DIST_EXPONENTIAL;
        o->kind = k == DIST_CONSTANT ? RELEASE_INTERVAL : RELEASE_RANDOM;
        if (dist_init(&o->interarrival, k, params, why, sizeof why) != 0)
            return fail(L, t, cell(t, ORD_REPEAT), "REPEAT: %s", why);
    }
    /* Placed against the model's start once all are read. */
    o->first_days = (double)seconds / 86400.0;
    if (cell(t, ORD_DUE)->length > 0) {
        rc = date_time(L, t, ORD_DUE, &due_day, &due_seconds);
        if (rc != 0)
            return rc;
        o->due_offset_days = days_between(day, seconds, due_day, due_seconds);
        if (o->due_offset_days < 0.0)
            return fail(L, t, cell(t, ORD_DUE), "DUE %s is before START %s",
                        cell(t, ORD_DUE)->text, cell(t, ORD_START)->text);
    }
    if (!has_order[pi]) {
        has_order[pi] = 1;
        m->products[pi].lot_size = (int32_t)wafers;
    }
    return push_time(L, &L->order_times, &L->order_times_capacity,
                     (size_t)m->norders - 1, day, 0, cell(t, ORD_START));
}

static int read_orders(loader *L)
{
    smt_table t;
    char *has_order = calloc((size_t)L->m->nproducts, 1);
    int rc;

    if (!has_order)
        return nomem(L);
    rc = table_open(L, &t, "order.txt", order_fields, ORD_FIELDS, NULL);
    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_order_row(L, &t, has_order);
    table_close(&t);
    free(has_order);
    return rc;
}

enum {
    WIP_LOT, WIP_PART, WIP_PRIOR, WIP_PIECES, WIP_START, WIP_CURSTEP,
    WIP_DUE, WIP_HOTLOT, WIP_FIELDS
};

static const smt_field wip_fields[WIP_FIELDS] = {
    [WIP_LOT] = {"LOT", 0},         [WIP_PART] = {"PART", 1},
    [WIP_PRIOR] = {"PRIOR", 1},     [WIP_PIECES] = {"PIECES", 1},
    [WIP_START] = {"START", 1},     [WIP_CURSTEP] = {"CURSTEP", 1},
    [WIP_DUE] = {"DUE", 0},         [WIP_HOTLOT] = {"HOTLOT", 0},
};

static int read_wip_row(loader *L, const smt_table *t)
{
    model *m = L->m;
    int64_t priority, wafers, step, day, due_day = 0;
    int seconds, due_seconds = 0;
    initial_lot *lot;
    int32_t pi = 0;
    int rc;

    if (cell(t, WIP_LOT)->length > 0) {
        rc = check_name(L, t, WIP_LOT);
        if (rc != 0)
            return rc;
    }
    rc = product_of(L, t, WIP_PART, &pi);
    if (rc == 0)
        rc = whole(L, t, WIP_PRIOR, -SMT_MAX_PRIORITY, SMT_MAX_PRIORITY,
                   &priority);
    if (rc == 0)
        rc = whole(L, t, WIP_PIECES, 1, MODEL_MAX_LOT_SIZE, &wafers);
    if (rc == 0)
        rc = date_time(L, t, WIP_START, &day, &seconds);
    if (rc == 0)
        rc = whole(L, t, WIP_CURSTEP, 1, MODEL_MAX_STEPS, &step);
    if (rc == 0 && cell(t, WIP_DUE)->length > 0)
        rc = date_time(L, t, WIP_DUE, &due_day, &due_seconds);
    if (rc == 0)
        rc = hot_lot(L, t, WIP_HOTLOT);
    if (rc != 0)
        return rc;
    if (step > m->products[pi].nsteps)
        return fail(L, t, cell(t, WIP_CURSTEP), "CURSTEP %s is past the last "
                    "step (%d) of the route of part '%s'",
                    cell(t, WIP_CURSTEP)->text, (int)m->products[pi].nsteps,
                    m->products[pi].name);
    if (m->ninitial >= MODEL_MAX_INITIAL_LOTS)
        return fail_at(L, t, t->row_line, 1, "a model may have at most %d "
                       "lots of initial WIP", MODEL_MAX_INITIAL_LOTS);
    lot = model_add_initial_lot(m);
    if (!lot)
        return nomem(L);
    lot->product = pi;
    lot->step = (int32_t)(step - 1);
    lot->wafers = (int32_t)wafers;
    lot->priority = (int32_t)priority;
    lot->release_day = (double)seconds / 86400.0;
    if (cell(t, WIP_DUE)->length > 0)
        lot->due_day = (double)due_seconds / 86400.0;
    return push_time(L, &L->lot_times, &L->lot_times_capacity,
                     (size_t)m->ninitial - 1, day, due_day,
                     cell(t, WIP_START));
}

static int read_wip(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "WIP.txt", wip_fields, WIP_FIELDS, NULL);

    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_wip_row(L, &t);
    table_close(&t);
    return rc;
}

static void format_day(int64_t day, char buf[16])
{
    int y, mo, d;

    date_civil_from_days(day, &y, &mo, &d);
    snprintf(buf, 16, "%02d/%02d/%02d", mo % 100, d % 100,
             ((y % 100) + 100) % 100);
}

/* Time 0 is the midnight before the earliest order START; without orders,
 * the first midnight by which every lot of WIP has started.  Lots of WIP
 * are in the fab at time 0, so none may start after it. */
static int place_times(loader *L)
{
    model *m = L->m;
    int64_t start;

    if (m->norders > 0) {
        start = L->order_times[0].day;
        for (int32_t i = 1; i < m->norders; i++)
            if (L->order_times[i].day < start)
                start = L->order_times[i].day;
    } else if (m->ninitial > 0) {
        start = INT64_MIN;
        for (int32_t i = 0; i < m->ninitial; i++) {
            int64_t day = L->lot_times[i].day +
                          (m->initial[i].release_day > 0.0);
            if (day > start)
                start = day;
        }
    } else {
        return 0;
    }
    m->start_date = start;
    for (int32_t i = 0; i < m->norders; i++)
        m->orders[i].first_days += (double)(L->order_times[i].day - start);
    for (int32_t i = 0; i < m->ninitial; i++) {
        initial_lot *lot = &m->initial[i];
        lot->release_day += (double)(L->lot_times[i].day - start);
        if (lot->release_day > 0.0) {
            char day[16], *path = join_path(L->dir, "WIP.txt");
            int rc;
            if (!path)
                return nomem(L);
            format_day(start, day);
            rc = ws_error_set(L->err, WS_EDATA, path, L->lot_times[i].line,
                              L->lot_times[i].col, "this lot of WIP starts "
                              "after the simulation does (%s 00:00:00, the "
                              "midnight before the earliest order START)",
                              day);
            free(path);
            return rc;
        }
        if (!isnan(lot->due_day))
            lot->due_day += (double)(L->lot_times[i].due_day - start);
    }
    return 0;
}

/* --- setup.txt and setupgrp.txt --------------------------------------- */

static int setup_index(loader *L, const smt_table *t, int field, int define,
                       int32_t *out)
{
    const smt_cell *c = cell(t, field);
    const name_slot *known;
    int rc = check_name(L, t, field);

    if (rc != 0)
        return rc;
    known = index_find(&L->setups, c->text);
    if (known) {
        *out = known->value;
        return 0;
    }
    if (!define)
        return fail(L, t, c, "unknown setup '%s' (no route step or row of "
                    "setup.txt names it)", c->text);
    if (L->m->nsetups >= MODEL_MAX_SETUPS)
        return fail(L, t, c, "a model may have at most %d setups",
                    MODEL_MAX_SETUPS);
    *out = model_intern_setup(L->m, c->text);
    if (*out < 0 || index_put(&L->setups, L->m->setups[*out], *out,
                              t->row_line) != 0)
        return nomem(L);
    return 0;
}

enum { SU_CURSETUP, SU_NEWSETUP, SU_STIME, SU_STUNITS, SU_FIELDS };

static const smt_field setup_fields[SU_FIELDS] = {
    [SU_CURSETUP] = {"CURSETUP", 1}, [SU_NEWSETUP] = {"NEWSETUP", 1},
    [SU_STIME] = {"STIME", 1},       [SU_STUNITS] = {"STUNITS", 1},
};

typedef struct change_key {
    int32_t from;
    int32_t to;
    int line;
    int col;
} change_key;

static int compare_changes(const void *a, const void *b)
{
    const change_key *x = a, *y = b;

    if (x->from != y->from)
        return x->from < y->from ? -1 : 1;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

static int read_setup_row(loader *L, const smt_table *t, change_key *keys)
{
    int32_t from = -1, to = -1;
    double days, params[3] = {0.0, 0.0, 0.0};
    setup_change *c;
    char why[160];
    int rc;

    /* An empty CURSETUP: the change from any other setup. */
    if (cell(t, SU_CURSETUP)->length > 0) {
        rc = setup_index(L, t, SU_CURSETUP, 1, &from);
        if (rc != 0)
            return rc;
    }
    rc = setup_index(L, t, SU_NEWSETUP, 1, &to);
    if (rc == 0)
        rc = duration(L, t, SU_STIME, SU_STUNITS, 0, 0, &days);
    if (rc != 0)
        return rc;
    if (from == to)
        return fail(L, t, cell(t, SU_NEWSETUP), "a setup change from '%s' to "
                    "itself", cell(t, SU_NEWSETUP)->text);
    if (L->m->nsetup_changes >= SMT_MAX_SETUP_CHANGES)
        return fail_at(L, t, t->row_line, 1, "setup.txt may list at most %d "
                       "setup changes", SMT_MAX_SETUP_CHANGES);
    keys[L->m->nsetup_changes].from = from;
    keys[L->m->nsetup_changes].to = to;
    keys[L->m->nsetup_changes].line = t->row_line;
    keys[L->m->nsetup_changes].col = cell(t, SU_NEWSETUP)->col;
    c = model_add_setup_change(L->m, from, to);
    if (!c)
        return nomem(L);
    params[0] = days;
    if (dist_init(&c->time, DIST_CONSTANT, params, why, sizeof why) != 0)
        return fail(L, t, cell(t, SU_STIME), "STIME: %s", why);
    return 0;
}

static int read_setups(loader *L)
{
    change_key *keys = malloc(SMT_MAX_SETUP_CHANGES * sizeof *keys);
    smt_table t;
    int rc;

    if (!keys)
        return nomem(L);
    rc = table_open(L, &t, "setup.txt", setup_fields, SU_FIELDS, NULL);
    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_setup_row(L, &t, keys);
    if (rc == 0 && L->m->nsetup_changes > 1) {
        int32_t n = L->m->nsetup_changes;
        qsort(keys, (size_t)n, sizeof *keys, compare_changes);
        for (int32_t i = 1; i < n; i++)
            if (keys[i].from == keys[i - 1].from &&
                keys[i].to == keys[i - 1].to) {
                rc = fail_at(L, &t, keys[i].line, keys[i].col, "this setup "
                             "change is listed twice (first at line %d)",
                             keys[i - 1].line);
                break;
            }
    }
    table_close(&t);
    free(keys);
    return rc;
}

enum { SG_SETUPGRP, SG_SETUP, SG_MINRUN, SG_FIELDS };

static const smt_field setupgrp_fields[SG_FIELDS] = {
    [SG_SETUPGRP] = {"SETUPGRP", 0},
    [SG_SETUP] = {"SETUP", 1},
    [SG_MINRUN] = {"MINRUN", 1},
};

/* MINRUN: lots to run in a setup before the tool may change it; the tool
 * waits for them however long it takes (docs/smt2020.md).  The SETUPGRP
 * column only groups the rows (tool.txt.1l names the group of a family);
 * a setup has one minimum run wherever it is used. */
static int read_setup_groups(loader *L)
{
    int *seen_line = calloc((size_t)(L->m->nsetups > 0 ? L->m->nsetups : 1),
                            sizeof *seen_line);
    smt_table t;
    int rc;

    if (!seen_line)
        return nomem(L);
    L->m->setup_min_run_wait_days = INFINITY;
    rc = table_open(L, &t, "setupgrp.txt", setupgrp_fields, SG_FIELDS, NULL);
    while (rc == 0 && (rc = table_next(L, &t)) == 1) {
        int32_t s = 0;
        int64_t run = 0;
        rc = setup_index(L, &t, SG_SETUP, 0, &s);
        if (rc == 0 && seen_line[s])
            rc = fail(L, &t, cell(&t, SG_SETUP), "setup '%s' is listed twice "
                      "(first at line %d)", cell(&t, SG_SETUP)->text,
                      seen_line[s]);
        if (rc == 0)
            rc = whole(L, &t, SG_MINRUN, 0, SMT_MAX_MIN_RUN, &run);
        if (rc == 0) {
            seen_line[s] = t.row_line;
            L->m->setup_min_run[s] = (int32_t)run;
        }
    }
    table_close(&t);
    free(seen_line);
    return rc;
}

/* --- downcal.txt, pmcal.txt and attach.txt ---------------------------- */

static void calendars_free(calendar_set *set)
{
    for (int32_t i = 0; i < set->count; i++)
        free(set->items[i].name);
    free(set->items);
    index_free(&set->index);
    memset(set, 0, sizeof *set);
}

/* A new calendar named by cell name, or an error when the name is taken. */
static int calendar_add(loader *L, const smt_table *t, int field,
                        calendar_set *set, calendar **out)
{
    const smt_cell *name = cell(t, field);
    const name_slot *seen;
    calendar *c;
    int rc = check_name(L, t, field);

    if (rc != 0)
        return rc;
    seen = index_find(&set->index, name->text);
    if (seen)
        return fail(L, t, name, "calendar '%s' is listed twice (first at "
                    "line %d)", name->text, seen->line);
    if (set->count >= SMT_MAX_CALENDARS)
        return fail(L, t, name, "a file may list at most %d calendars",
                    SMT_MAX_CALENDARS);
    if (set->count == set->capacity) {
        int32_t cap = set->capacity ? 2 * set->capacity : 16;
        calendar *p = realloc(set->items, (size_t)cap * sizeof *p);
        if (!p)
            return nomem(L);
        set->items = p;
        set->capacity = cap;
    }
    c = &set->items[set->count];
    memset(c, 0, sizeof *c);
    c->name = malloc(name->length + 1);
    if (!c->name)
        return nomem(L);
    memcpy(c->name, name->text, name->length + 1);
    set->count++;
    if (index_put(&set->index, c->name, set->count - 1, t->row_line) != 0)
        return nomem(L);
    *out = c;
    return 0;
}

enum {
    DC_NAME, DC_TYPE, DC_MTTFDIST, DC_MTTF, DC_MTTF2, DC_MTTFUNITS,
    DC_MTTRDIST, DC_MTTR, DC_MTTR2, DC_MTTRUNITS, DC_FIELDS
};

static const smt_field downcal_fields[DC_FIELDS] = {
    [DC_NAME] = {"DOWNCALNAME", 1},   [DC_TYPE] = {"DOWNCALTYPE", 0},
    [DC_MTTFDIST] = {"MTTFDIST", 1},  [DC_MTTF] = {"MTTF", 1},
    [DC_MTTF2] = {"MTTF2", 0},        [DC_MTTFUNITS] = {"MTTFUNITS", 1},
    [DC_MTTRDIST] = {"MTTRDIST", 1},  [DC_MTTR] = {"MTTR", 1},
    [DC_MTTR2] = {"MTTR2", 0},        [DC_MTTRUNITS] = {"MTTRUNITS", 1},
};

static int optional_column(const smt_table *t, int field)
{
    return t->column[field] >= 0 ? field : -1;
}

static int read_downcal(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "downcal.txt", downcal_fields, DC_FIELDS,
                        NULL);

    while (rc == 0 && (rc = table_next(L, &t)) == 1) {
        const smt_cell *type = cell(&t, DC_TYPE);
        calendar *c;
        if (type->length > 0 && !is(type, "mttf_by_cal")) {
            rc = fail(L, &t, type, "unsupported DOWNCALTYPE '%s' (only "
                      "mttf_by_cal: time to failure in calendar time)",
                      type->text);
            break;
        }
        rc = calendar_add(L, &t, DC_NAME, &L->down, &c);
        if (rc == 0) {
            c->kind = DOWN_BREAKDOWN;
            rc = distribution(L, &t, DC_MTTFDIST, DC_MTTF,
                              optional_column(&t, DC_MTTF2), DC_MTTFUNITS,
                              &c->interval);
        }
        if (rc == 0 && !(c->interval.mean > 0.0))
            rc = fail(L, &t, cell(&t, DC_MTTF), "MTTF must be positive");
        if (rc == 0)
            rc = distribution(L, &t, DC_MTTRDIST, DC_MTTR,
                              optional_column(&t, DC_MTTR2), DC_MTTRUNITS,
                              &c->duration);
    }
    table_close(&t);
    return rc;
}

enum {
    PM_NAME, PM_TYPE, PM_MTBPM, PM_MTBPMUNITS, PM_MTTRDIST, PM_MTTR, PM_MTTR2,
    PM_MTTRUNITS, PM_FIELDS
};

static const smt_field pmcal_fields[PM_FIELDS] = {
    [PM_NAME] = {"PMCALNAME", 1},     [PM_TYPE] = {"PMCALTYPE", 1},
    [PM_MTBPM] = {"MTBPM", 1},        [PM_MTBPMUNITS] = {"MTBPMUNITS", 1},
    [PM_MTTRDIST] = {"MTTRDIST", 1},  [PM_MTTR] = {"MTTR", 1},
    [PM_MTTR2] = {"MTTR2", 0},        [PM_MTTRUNITS] = {"MTTRUNITS", 1},
};

static int read_pm_row(loader *L, const smt_table *t)
{
    const smt_cell *type = cell(t, PM_TYPE);
    const smt_cell *units = cell(t, PM_MTBPMUNITS);
    calendar *c;
    int rc;

    if (!is(type, "mtbpm_by_cal") && !is(type, "mtbpm_by_pieces"))
        return fail(L, t, type, "unknown PMCALTYPE '%s' (use mtbpm_by_cal or "
                    "mtbpm_by_pieces)", type->text);
    rc = calendar_add(L, t, PM_NAME, &L->pm, &c);
    if (rc != 0)
        return rc;
    if (is(type, "mtbpm_by_cal")) {
        double params[3] = {0.0, 0.0, 0.0};
        char why[160];
        c->kind = DOWN_PM_CALENDAR;
        rc = duration(L, t, PM_MTBPM, PM_MTBPMUNITS, 1, 0, &params[0]);
        if (rc != 0)
            return rc;
        if (dist_init(&c->interval, DIST_CONSTANT, params, why,
                      sizeof why) != 0)
            return fail(L, t, cell(t, PM_MTBPM), "MTBPM: %s", why);
    } else {
        double params[3] = {0.0, 0.0, 0.0};
        char why[160];
        c->kind = DOWN_PM_WAFERS;
        if (!is(units, "pieces"))
            return fail(L, t, units, "MTBPMUNITS of mtbpm_by_pieces must be "
                        "pieces (got '%s')", units->text);
        rc = cell_number(L, t, PM_MTBPM, POSITIVE, DIST_MAX_TIME,
                         &c->interval_wafers);
        if (rc != 0)
            return rc;
        /* interval is unused by DOWN_PM_WAFERS; a valid constant 0. */
        if (dist_init(&c->interval, DIST_CONSTANT, params, why,
                      sizeof why) != 0)
            return fail(L, t, cell(t, PM_MTBPM), "MTBPM: %s", why);
    }
    return distribution(L, t, PM_MTTRDIST, PM_MTTR,
                        optional_column(t, PM_MTTR2), PM_MTTRUNITS,
                        &c->duration);
}

static int read_pmcal(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "pmcal.txt", pmcal_fields, PM_FIELDS, NULL);

    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_pm_row(L, &t);
    table_close(&t);
    return rc;
}

enum {
    AT_CALNAME, AT_CALTYPE, AT_RESTYPE, AT_RESNAME, AT_FOADIST, AT_FOA,
    AT_FOA2, AT_FOAUNITS, AT_FIELDS
};

static const smt_field attach_fields[AT_FIELDS] = {
    [AT_CALNAME] = {"CALNAME", 1},   [AT_CALTYPE] = {"CALTYPE", 1},
    [AT_RESTYPE] = {"RESTYPE", 1},   [AT_RESNAME] = {"RESNAME", 1},
    [AT_FOADIST] = {"FOADIST", 0},   [AT_FOA] = {"FOA", 0},
    [AT_FOA2] = {"FOA2", 0},         [AT_FOAUNITS] = {"FOAUNITS", 0},
};

/* An attach row's first occurrence (FOA). */
typedef struct first_occurrence {
    int has_first;              /* a time, drawn from `first` */
    dist first;
    double first_wafers;        /* a PM by pieces: the pieces; 0: none */
    int stagger;                /* a constant FOA: spread over the tools */
} first_occurrence;

static int attach_to(loader *L, const smt_table *t, int32_t gi,
                     const calendar *c, const first_occurrence *f)
{
    tool_group *g = &L->m->groups[gi];
    tool_downtime *d;

    for (int32_t i = 0; i < g->ndowntimes; i++)
        if (strcmp(g->downtimes[i].name, c->name) == 0)
            return fail(L, t, cell(t, AT_CALNAME), "calendar '%s' is already "
                        "attached to tool family '%s'", c->name, g->name);
    if (g->ndowntimes >= MODEL_MAX_DOWNTIMES)
        return fail(L, t, cell(t, AT_CALNAME), "tool family '%s' may have at "
                    "most %d calendars", g->name, MODEL_MAX_DOWNTIMES);
    d = model_add_downtime(g, c->name);
    if (!d)
        return nomem(L);
    d->kind = c->kind;
    d->interval = c->interval;
    d->interval_wafers = c->interval_wafers;
    d->duration = c->duration;
    d->has_first = f->has_first;
    if (f->has_first)
        d->first = f->first;
    d->first_wafers = f->first_wafers;
    d->stagger = f->stagger;
    return 0;
}

/* FOA: the first occurrence, a time or, for a PM by wafers, pieces.  A
 * constant FOA is the family's: its tools' first occurrences are spread
 * evenly up to it (docs/smt2020.md), not all at once. */
static int read_first_occurrence(loader *L, const smt_table *t,
                                 const calendar *c, first_occurrence *f)
{
    const smt_cell *foa = cell(t, AT_FOA);
    const smt_cell *kind = cell(t, AT_FOADIST);
    const smt_cell *units = cell(t, AT_FOAUNITS);
    int rc;

    memset(f, 0, sizeof *f);
    if (foa->length == 0) {
        if (kind->length > 0)
            return fail(L, t, foa, "FOA must not be empty when FOADIST is "
                        "given");
        return 0;
    }
    if (c->kind != DOWN_PM_WAFERS) {
        rc = distribution(L, t, AT_FOADIST, AT_FOA,
                          optional_column(t, AT_FOA2), AT_FOAUNITS, &f->first);
        f->has_first = rc == 0;
        f->stagger = rc == 0 && is(kind, "constant");
        return rc;
    }
    if (kind->length > 0 && !is(kind, "constant"))
        return fail(L, t, kind, "FOADIST of a PM by pieces must be constant "
                    "(got '%s')", kind->text);
    if (units->length > 0 && !is(units, "pieces"))
        return fail(L, t, units, "FOAUNITS of a PM by pieces must be pieces "
                    "or empty (got '%s')", units->text);
    rc = cell_number(L, t, AT_FOA, ZERO_OR_MORE, DIST_MAX_TIME,
                     &f->first_wafers);
    f->stagger = rc == 0 && f->first_wafers > 0.0;
    return rc;
}

static int read_attach_row(loader *L, const smt_table *t)
{
    const smt_cell *name = cell(t, AT_CALNAME);
    const smt_cell *type = cell(t, AT_CALTYPE);
    const smt_cell *restype = cell(t, AT_RESTYPE);
    const smt_cell *resname = cell(t, AT_RESNAME);
    const calendar_set *set;
    const name_slot *found;
    const calendar *c;
    first_occurrence first;
    int rc;

    if (is(type, "down"))
        set = &L->down;
    else if (is(type, "pm"))
        set = &L->pm;
    else
        return fail(L, t, type, "unknown CALTYPE '%s' (use down or pm)",
                    type->text);
    rc = need(L, t, AT_CALNAME);
    if (rc != 0)
        return rc;
    found = index_find(&set->index, name->text);
    if (!found)
        return fail(L, t, name, "unknown %s calendar '%s' (not in %s)",
                    type->text, name->text,
                    set == &L->down ? "downcal.txt" : "pmcal.txt");
    c = &set->items[found->value];
    if (!is(restype, "stngrp") && !is(restype, "stnfam"))
        return fail(L, t, restype, "unknown RESTYPE '%s' (use stngrp for an "
                    "area or stnfam for a tool family)", restype->text);
    rc = need(L, t, AT_RESNAME);
    if (rc == 0)
        rc = read_first_occurrence(L, t, c, &first);
    if (rc != 0)
        return rc;
    if (is(restype, "stnfam")) {
        found = index_find(&L->groups, resname->text);
        if (!found)
            return fail(L, t, resname, "unknown tool family '%s' (not in "
                        "tool.txt.1l)", resname->text);
        return attach_to(L, t, found->value, c, &first);
    }
    found = index_find(&L->areas, resname->text);
    if (!found)
        return fail(L, t, resname, "no tool family has STNGRP '%s'",
                    resname->text);
    for (int32_t g = found->value; g >= 0; g = L->next_in_area[g]) {
        rc = attach_to(L, t, g, c, &first);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int read_calendars(loader *L)
{
    smt_table t;
    int rc = read_downcal(L);

    if (rc == 0)
        rc = read_pmcal(L);
    if (rc != 0)
        return rc;
    rc = table_open(L, &t, "attach.txt", attach_fields, AT_FIELDS, NULL);
    while (rc == 0 && (rc = table_next(L, &t)) == 1)
        rc = read_attach_row(L, &t);
    table_close(&t);
    return rc;
}

/* --- fromto.txt ------------------------------------------------------- */

enum {
    FT_FROMLOC, FT_TOLOC, FT_DDIST, FT_DTIME, FT_DTIME2, FT_DUNITS, FT_FIELDS
};

static const smt_field fromto_fields[FT_FIELDS] = {
    [FT_FROMLOC] = {"FROMLOC", 1}, [FT_TOLOC] = {"TOLOC", 1},
    [FT_DDIST] = {"DDIST", 1},     [FT_DTIME] = {"DTIME", 1},
    [FT_DTIME2] = {"DTIME2", 0},   [FT_DUNITS] = {"DUNITS", 1},
};

/* The model has one transport time, between any two consecutive steps:
 * SMT2020's single Fab -> Fab row. */
static int read_fromto(loader *L)
{
    smt_table t;
    int rc = table_open(L, &t, "fromto.txt", fromto_fields, FT_FIELDS, NULL);
    int line = 0;

    while (rc == 0 && (rc = table_next(L, &t)) == 1) {
        const smt_cell *from = cell(&t, FT_FROMLOC);
        const smt_cell *to = cell(&t, FT_TOLOC);
        if (!is(from, "Fab") || !is(to, "Fab")) {
            rc = fail(L, &t, is(from, "Fab") ? to : from, "only transport "
                      "from Fab to Fab is supported (the model has one "
                      "transport time)");
            break;
        }
        if (line) {
            rc = fail(L, &t, from, "transport from Fab to Fab is listed "
                      "twice (first at line %d)", line);
            break;
        }
        line = t.row_line;
        rc = distribution(L, &t, FT_DDIST, FT_DTIME,
                          optional_column(&t, FT_DTIME2), FT_DUNITS,
                          &L->m->transport);
        if (rc == 0)
            L->m->has_transport = 1;
    }
    table_close(&t);
    return rc;
}

/* --- the data set ----------------------------------------------------- */

static int check_directory(loader *L)
{
    struct stat st;
    char reason[256];

    if (stat(L->dir, &st) != 0) {
        int e = errno;
        if (strerror_r(e, reason, sizeof reason) != 0)
            snprintf(reason, sizeof reason, "error %d", e);
        return ws_error_set(L->err, WS_ENOINPUT, L->dir, 0, 0,
                            "cannot read the data set directory: %s", reason);
    }
    if (!S_ISDIR(st.st_mode))
        return ws_error_set(L->err, WS_ENOINPUT, L->dir, 0, 0,
                            "not a directory: an SMT2020 data set is a "
                            "directory of files");
    return 0;
}

static int load(loader *L)
{
    int rc = check_directory(L);

    /* Families first (routes name them), then parts and their routes
     * (orders, WIP and setups name them), then what refers to both. */
    if (rc == 0)
        rc = read_tools(L);
    if (rc == 0)
        rc = read_parts(L);
    if (rc == 0)
        rc = read_orders(L);
    if (rc == 0)
        rc = read_wip(L);
    if (rc == 0)
        rc = place_times(L);
    if (rc == 0)
        rc = read_setups(L);
    if (rc == 0)
        rc = read_setup_groups(L);
    if (rc == 0)
        rc = read_calendars(L);
    if (rc == 0)
        rc = read_fromto(L);
    return rc;
}

/* strtod reads numbers by LC_NUMERIC: a program that called setlocale()
 * must not make "1.5" mean something else (as in scenario.c). */
int smt2020_load(model *m, const char *dir, ws_error *err)
{
    loader L;
    locale_t c_locale, previous = (locale_t)0;
    int rc;

    if (!m || !dir)
        return ws_error_set(err, WS_ESOFTWARE, NULL, 0, 0,
                            "smt2020_load: no model or no directory");
    if (m->ngroups > 0 || m->nproducts > 0)
        return ws_error_set(err, WS_ESOFTWARE, dir, 0, 0,
                            "smt2020_load needs a model without tool groups "
                            "or products");
    memset(&L, 0, sizeof L);
    L.m = m;
    L.dir = dir;
    L.err = err;
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale)
        previous = uselocale(c_locale);
    rc = load(&L);
    if (c_locale) {
        uselocale(previous);
        freelocale(c_locale);
    }
    index_free(&L.groups);
    index_free(&L.products);
    index_free(&L.setups);
    index_free(&L.areas);
    free(L.next_in_area);
    calendars_free(&L.down);
    calendars_free(&L.pm);
    free(L.order_times);
    free(L.lot_times);
    return rc;
}
