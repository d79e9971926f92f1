/* route_csv.c - route steps from text fields, and the route CSV reader.
 *
 * The CSV dialect is RFC 4180 plus what people write by hand: a header
 * line naming the columns in any order, '#' comment lines and blank lines
 * skipped, spaces around unquoted cells ignored, CRLF or LF line ends, a
 * UTF-8 byte-order mark skipped.  Columns are counted in characters (code
 * points), as libfyaml counts them, so positions in CSV and YAML messages
 * mean the same thing.
 */
#include "models/route_csv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const field_names[ROUTE_FIELD_COUNT] = {
    [ROUTE_FIELD_STEP] = "step",
    [ROUTE_FIELD_TOOL_GROUP] = "tool_group",
    [ROUTE_FIELD_PER] = "per",
    [ROUTE_FIELD_DISTRIBUTION] = "distribution",
    [ROUTE_FIELD_MEAN] = "mean",
    [ROUTE_FIELD_CV] = "cv",
    [ROUTE_FIELD_SD] = "sd",
    [ROUTE_FIELD_MIN] = "min",
    [ROUTE_FIELD_MODE] = "mode",
    [ROUTE_FIELD_MAX] = "max",
    [ROUTE_FIELD_VALUE] = "value",
    [ROUTE_FIELD_UNIT] = "unit",
    [ROUTE_FIELD_BATCH_MIN] = "batch_min",
    [ROUTE_FIELD_BATCH_MAX] = "batch_max",
    [ROUTE_FIELD_CASCADE_INTERVAL] = "cascade_interval",
    [ROUTE_FIELD_SETUP] = "setup",
    [ROUTE_FIELD_SETUP_TIME] = "setup_time",
    [ROUTE_FIELD_SAMPLE] = "sample",
    [ROUTE_FIELD_REWORK_TO] = "rework_to",
    [ROUTE_FIELD_REWORK_PROB] = "rework_prob",
    [ROUTE_FIELD_SCRAP_PROB] = "scrap_prob",
    [ROUTE_FIELD_SAME_TOOL_AS] = "same_tool_as",
    [ROUTE_FIELD_CQT_TO] = "cqt_to",
    [ROUTE_FIELD_CQT_LIMIT] = "cqt_limit",
    [ROUTE_FIELD_CQT_ACTION] = "cqt_action",
    [ROUTE_FIELD_STEP_PRIORITY] = "step_priority",
};

const char *route_csv_field_name(enum route_field field)
{
    return (unsigned)field < ROUTE_FIELD_COUNT ? field_names[field] : "?";
}

const char *const *route_csv_field_names(void)
{
    return field_names;
}

int route_csv_field_from_name(const char *name, size_t length)
{
    for (int f = 0; f < ROUTE_FIELD_COUNT; f++)
        if (strlen(field_names[f]) == length &&
            memcmp(field_names[f], name, length) == 0)
            return f;
    return -1;
}

/* Levenshtein distance, or a large number for names too long to matter
 * (hints are for typos in short keys, not for arbitrary text). */
static size_t edit_distance(const char *a, const char *b)
{
    enum { MAX_LEN = 63 };
    size_t la = strlen(a), lb = strlen(b);
    size_t row[MAX_LEN + 1];

    if (la > MAX_LEN || lb > MAX_LEN)
        return (size_t)-1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t above = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (above + 1 < best)
                best = above + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = above;
        }
    }
    return row[lb];
}

const char *route_csv_suggest(const char *name, const char *const *known,
                              size_t count)
{
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    size_t limit = strlen(name) / 3;

    if (limit < 2)
        limit = 2;
    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(name, known[i]);
        if (d < best_distance) {
            best_distance = d;
            best = known[i];
        }
    }
    return best_distance <= limit ? best : NULL;
}

void route_csv_list_names(const char *const *names, size_t n, size_t total,
                          char *buf, size_t size)
{
    /* Enough to recognise a typo; a list of 1e5 names helps nobody. */
    enum { BUDGET = 200 };
    size_t used = 0, shown = 0;

    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < total; i++) {
        size_t length = strlen(names[i]);
        if (used + length + 2 > BUDGET || used + length + 2 >= size)
            break;
        used += (size_t)snprintf(buf + used, size - used, "%s%s",
                                 i ? ", " : "", names[i]);
        shown++;
    }
    if (shown < total)
        snprintf(buf + used, size - used, "%s... (%zu in all)",
                 shown ? ", " : "", total);
}

double route_csv_unit_days(const char *text, size_t length)
{
    static const struct {
        const char *name;
        double days;
    } units[] = {
        {"s", 1.0 / 86400.0},
        {"min", 1.0 / 1440.0},
        {"h", 1.0 / 24.0},
        {"d", 1.0},
    };

    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == length &&
            memcmp(units[i].name, text, length) == 0)
            return units[i].days;
    return 0.0;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Recognises [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
 * over the whole text; *integer tells whether it was only [+-]? digits.
 * strtod alone would also take "nan", "inf", hex and leading spaces. */
static int is_decimal(const char *s, size_t n, int *integer)
{
    size_t i = 0, digits = 0;

    *integer = 0;
    if (i < n && (s[i] == '+' || s[i] == '-'))
        i++;
    while (i < n && is_digit(s[i])) {
        i++;
        digits++;
    }
    if (i == n) {
        *integer = digits > 0;
        return digits > 0;
    }
    if (s[i] == '.') {
        i++;
        while (i < n && is_digit(s[i])) {
            i++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exponent_digits = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        while (i < n && is_digit(s[i])) {
            i++;
            exponent_digits++;
        }
        if (exponent_digits == 0)
            return 0;
    }
    return i == n;
}

/* Every caller's text is NUL-terminated (see route_text), which is what
 * the strto* functions need; the end pointer check guards against a NUL
 * inside the text. */
int route_csv_parse_double(const char *text, size_t length, double *out,
                           const char **why)
{
    int integer;
    char *end;

    if (!is_decimal(text, length, &integer)) {
        *why = "is not a number";
        return -1;
    }
    errno = 0;
    *out = strtod(text, &end);
    if (end != text + length) {
        *why = "is not a number";
        return -1;
    }
    /* ERANGE on underflow too: a duration of 1e-400 is a typo, not a
     * value worth rounding to zero silently. */
    if (errno == ERANGE || !isfinite(*out)) {
        *why = "is out of range";
        return -1;
    }
    return 0;
}

int route_csv_parse_int64(const char *text, size_t length, int64_t *out,
                          const char **why)
{
    int integer;
    char *end;
    long long v;

    if (!is_decimal(text, length, &integer)) {
        *why = "is not a number";
        return -1;
    }
    if (!integer) {
        *why = "must be an integer";
        return -1;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (end != text + length) {
        *why = "is not a number";
        return -1;
    }
    if (errno == ERANGE
#if LLONG_MAX > INT64_MAX
        || v < INT64_MIN || v > INT64_MAX
#endif
    ) {
        *why = "is out of range";
        return -1;
    }
    *out = (int64_t)v;
    return 0;
}

int route_csv_parse_uint64(const char *text, size_t length, uint64_t *out,
                           const char **why)
{
    int integer;
    char *end;
    unsigned long long v;

    if (!is_decimal(text, length, &integer)) {
        *why = "is not a number";
        return -1;
    }
    if (!integer) {
        *why = "must be an integer";
        return -1;
    }
    /* strtoull accepts "-1" and wraps it to 2^64-1. */
    if (text[0] == '-') {
        *why = "must not be negative";
        return -1;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (end != text + length) {
        *why = "is not a number";
        return -1;
    }
    if (errno == ERANGE
#if ULLONG_MAX > UINT64_MAX
        || v > UINT64_MAX
#endif
    ) {
        *why = "is out of range";
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

int route_csv_check_name(const char *text, size_t length, char *why,
                         size_t why_size)
{
    if (length == 0) {
        snprintf(why, why_size, "a name must not be empty");
        return -1;
    }
    if (length > MODEL_MAX_NAME) {
        snprintf(why, why_size,
                 "a name must be at most %d bytes (this one has %zu)",
                 MODEL_MAX_NAME, length);
        return -1;
    }
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f) {
            snprintf(why, why_size,
                     "a name must not contain control characters "
                     "(found U+%04X)", c);
            return -1;
        }
    }
    return 0;
}

static int compare_entries(const void *a, const void *b)
{
    const route_group_entry *x = a, *y = b;
    return strcmp(x->name, y->name);
}

int route_csv_groups_build(route_groups *g, const model *m)
{
    g->count = 0;
    g->entries = malloc((size_t)(m->ngroups > 0 ? m->ngroups : 1) *
                        sizeof *g->entries);
    if (!g->entries)
        return WS_ENOMEM;
    for (int32_t i = 0; i < m->ngroups; i++) {
        g->entries[i].name = m->groups[i].name;
        g->entries[i].index = i;
    }
    g->count = m->ngroups;
    qsort(g->entries, (size_t)g->count, sizeof *g->entries, compare_entries);
    return 0;
}

void route_csv_groups_free(route_groups *g)
{
    free(g->entries);
    g->entries = NULL;
    g->count = 0;
}

int32_t route_csv_groups_find(const route_groups *g, const char *name)
{
    route_group_entry key = {name, -1};
    const route_group_entry *hit;

    if (g->count == 0)
        return -1;
    hit = bsearch(&key, g->entries, (size_t)g->count, sizeof *g->entries,
                  compare_entries);
    return hit ? hit->index : -1;
}

/* Which parameters each kind takes, and in which slot of dist_init's
 * params; mean and value are one parameter of constant, sd and cv two
 * ways of giving the spread of normal. */
static int param_slot(enum dist_kind kind, enum route_field f)
{
    switch (kind) {
    case DIST_CONSTANT:
        return (f == ROUTE_FIELD_MEAN || f == ROUTE_FIELD_VALUE) ? 0 : -1;
    case DIST_UNIFORM:
        return f == ROUTE_FIELD_MIN ? 0 : f == ROUTE_FIELD_MAX ? 1 : -1;
    case DIST_EXPONENTIAL:
        return f == ROUTE_FIELD_MEAN ? 0 : -1;
    case DIST_NORMAL:
        if (f == ROUTE_FIELD_MEAN)
            return 0;
        return (f == ROUTE_FIELD_SD || f == ROUTE_FIELD_CV) ? 1 : -1;
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        return f == ROUTE_FIELD_MEAN ? 0 : f == ROUTE_FIELD_CV ? 1 : -1;
    case DIST_TRIANGULAR:
        if (f == ROUTE_FIELD_MIN)
            return 0;
        return f == ROUTE_FIELD_MODE ? 1 : f == ROUTE_FIELD_MAX ? 2 : -1;
    }
    return -1;
}

/* The parameter fields a kind requires, in the order they are named in
 * messages; normal's second one may also be cv, constant's first value. */
static const enum route_field *required_fields(enum dist_kind kind,
                                               int *count)
{
    static const enum route_field mean[] = {ROUTE_FIELD_MEAN};
    static const enum route_field min_max[] = {ROUTE_FIELD_MIN,
                                               ROUTE_FIELD_MAX};
    static const enum route_field mean_sd[] = {ROUTE_FIELD_MEAN,
                                               ROUTE_FIELD_SD};
    static const enum route_field mean_cv[] = {ROUTE_FIELD_MEAN,
                                               ROUTE_FIELD_CV};
    static const enum route_field min_mode_max[] = {
        ROUTE_FIELD_MIN, ROUTE_FIELD_MODE, ROUTE_FIELD_MAX};

    switch (kind) {
    case DIST_CONSTANT:
    case DIST_EXPONENTIAL:
        *count = 1;
        return mean;
    case DIST_UNIFORM:
        *count = 2;
        return min_max;
    case DIST_NORMAL:
        *count = 2;
        return mean_sd;
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        *count = 2;
        return mean_cv;
    case DIST_TRIANGULAR:
        *count = 3;
        return min_mode_max;
    }
    *count = 0;
    return NULL;
}

/* The file a field's line and col refer to: its step's, or a setting's. */
static const char *text_path(const route_where *where, const route_text *t)
{
    return t->path ? t->path : where->path;
}

static int field_error(ws_error *err, const route_where *where,
                       const route_text *field, const char *message)
{
    return ws_error_set(err, WS_EDATA, text_path(where, field), field->line,
                        field->col, "%s", message);
}

int route_csv_build_dist(const route_text fields[ROUTE_FIELD_COUNT],
                         double default_unit_days, const route_where *where,
                         dist *out, ws_error *err)
{
    const route_text *kind_field = &fields[ROUTE_FIELD_DISTRIBUTION];
    const route_text *unit_field = &fields[ROUTE_FIELD_UNIT];
    enum dist_kind kind = DIST_CONSTANT;
    double unit_days = default_unit_days;
    double params[3] = {0.0, 0.0, 0.0};
    int given[3] = {0, 0, 0};
    double values[ROUTE_FIELD_COUNT];
    char why[256];

    if (kind_field->text) {
        if (dist_kind_from_name(kind_field->text, &kind) != 0)
            return ws_error_set(err, WS_EDATA, text_path(where, kind_field),
                                kind_field->line, kind_field->col,
                                "unknown distribution '%s' (use constant, "
                                "uniform, exponential, normal, lognormal, "
                                "gamma or triangular)", kind_field->text);
    }
    if (unit_field->text) {
        unit_days = route_csv_unit_days(unit_field->text, unit_field->length);
        if (unit_days == 0.0)
            return ws_error_set(err, WS_EDATA, text_path(where, unit_field),
                                unit_field->line, unit_field->col,
                                "unknown unit '%s' (use s, min, h or d)",
                                unit_field->text);
    }
    for (int f = ROUTE_FIELD_MEAN; f <= ROUTE_FIELD_VALUE; f++) {
        const route_text *t = &fields[f];
        const char *reason;
        int slot;

        if (!t->text)
            continue;
        slot = param_slot(kind, (enum route_field)f);
        if (slot < 0)
            return ws_error_set(err, WS_EDATA, text_path(where, t),
                                t->key_line, t->key_col,
                                "'%s' is not a parameter of %s",
                                field_names[f], dist_kind_name(kind));
        if (route_csv_parse_double(t->text, t->length, &values[f],
                                   &reason) != 0)
            return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                                t->col, "'%s' %s: '%s'", field_names[f], reason,
                                t->text);
        if (given[slot]) {
            const char *other = kind == DIST_CONSTANT ? "mean" : "sd";
            return ws_error_set(err, WS_EDATA, text_path(where, t),
                                t->key_line, t->key_col,
                                "give '%s' or '%s', not both",
                                other, field_names[f]);
        }
        given[slot] = 1;
        params[slot] = values[f];
    }
    {
        int count;
        const enum route_field *required = required_fields(kind, &count);
        for (int i = 0; i < count; i++) {
            if (given[i])
                continue;
            if (kind == DIST_NORMAL && i == 1)
                return ws_error_set(err, WS_EDATA, where->path, where->line,
                                    where->col, "normal needs 'sd' or 'cv'");
            return ws_error_set(err, WS_EDATA, where->path, where->line,
                                where->col, "%s needs '%s'",
                                dist_kind_name(kind),
                                field_names[required[i]]);
        }
    }
    if (kind == DIST_NORMAL && fields[ROUTE_FIELD_CV].text) {
        /* dist takes sd; cv is the usual way to state spread in fabs. */
        if (values[ROUTE_FIELD_CV] < 0.0)
            return ws_error_set(err, WS_EDATA,
                                text_path(where, &fields[ROUTE_FIELD_CV]),
                                fields[ROUTE_FIELD_CV].line,
                                fields[ROUTE_FIELD_CV].col,
                                "normal: cv must be >= 0 (got %g)",
                                values[ROUTE_FIELD_CV]);
        params[1] = values[ROUTE_FIELD_CV] * params[0];
    }
    if (dist_init(out, kind, params, why, sizeof why) != 0) {
        /* dist's reasons start with the parameter's name: point at it. */
        size_t n = strcspn(why, " ");
        int f = route_csv_field_from_name(why, n);
        const route_text *at = NULL;

        if (f == ROUTE_FIELD_VALUE && !fields[f].text)
            f = ROUTE_FIELD_MEAN;
        if (f == ROUTE_FIELD_SD && !fields[f].text)
            f = ROUTE_FIELD_CV;
        if (f >= 0 && fields[f].text)
            at = &fields[f];
        return ws_error_set(err, WS_EDATA,
                            at ? text_path(where, at) : where->path,
                            at ? at->line : where->line,
                            at ? at->col : where->col, "%s: %s",
                            dist_kind_name(kind), why);
    }
    dist_scale(out, unit_days);
    return 0;
}

int route_csv_check_step_limit(int64_t step_count, int64_t other_steps,
                               const char *path, int line, int col,
                               ws_error *err)
{
    if (step_count >= MODEL_MAX_STEPS)
        return ws_error_set(err, WS_EDATA, path, line, col,
                            "a route may have at most %d steps",
                            MODEL_MAX_STEPS);
    if (other_steps + step_count >= ROUTE_CSV_MAX_TOTAL_STEPS)
        return ws_error_set(err, WS_EDATA, path, line, col,
                            "the routes of all products together may have "
                            "at most %d steps", ROUTE_CSV_MAX_TOTAL_STEPS);
    return 0;
}

/* --- realism keys of a step ---------------------------------------------- */

enum ref_kind { REF_REWORK_TO, REF_SAME_TOOL_AS, REF_CQT_TO };

struct route_ref {
    enum ref_kind kind;
    int32_t step;               /* index of the step that refers */
    char *text;                 /* the reference as written */
    const char *path;           /* where it was written */
    int line;
    int col;
    double limit_days;          /* REF_CQT_TO */
    enum cqt_action action;
};

void route_csv_target_init(route_target *t, model *m, int32_t index,
                           double default_unit_days,
                           const route_groups *groups, int64_t other_steps)
{
    memset(t, 0, sizeof *t);
    t->m = m;
    t->p = &m->products[index];
    t->product = index;
    t->default_unit_days = default_unit_days;
    t->groups = groups;
    t->other_steps = other_steps;
}

static void refs_clear(route_target *t)
{
    for (size_t i = 0; i < t->nrefs; i++)
        free(t->refs[i].text);
    t->nrefs = 0;
}

void route_csv_target_free(route_target *t)
{
    refs_clear(t);
    free(t->refs);
    t->refs = NULL;
    t->refs_capacity = 0;
}

int32_t route_csv_step_number(const char *text)
{
    int64_t n = 0;

    if (text[0] != '#' || text[1] == '\0')
        return 0;
    for (const char *c = text + 1; *c; c++) {
        if (*c < '0' || *c > '9')
            return 0;
        n = n * 10 + (*c - '0');
        if (n > MODEL_MAX_STEPS)
            return 0;
    }
    return (int32_t)n;
}

static int nomem_at(const route_where *where, ws_error *err)
{
    return ws_error_set(err, WS_ENOMEM, where->path, 0, 0, "out of memory");
}

static int add_ref(route_target *t, enum ref_kind kind, int32_t step,
                   const route_where *where, const route_text *field,
                   route_ref **out, ws_error *err)
{
    route_ref *r;

    if (t->nrefs == t->refs_capacity) {
        size_t cap = t->refs_capacity ? t->refs_capacity * 2 : 16;
        route_ref *p = realloc(t->refs, cap * sizeof *p);
        if (!p)
            return nomem_at(where, err);
        t->refs = p;
        t->refs_capacity = cap;
    }
    r = &t->refs[t->nrefs];
    memset(r, 0, sizeof *r);
    r->text = malloc(field->length + 1);
    if (!r->text)
        return nomem_at(where, err);
    memcpy(r->text, field->text, field->length + 1);
    r->kind = kind;
    r->step = step;
    r->path = text_path(where, field);
    r->line = field->line;
    r->col = field->col;
    t->nrefs++;
    if (out)
        *out = r;
    return 0;
}

static int field_double(const route_text fields[ROUTE_FIELD_COUNT],
                        enum route_field f, const route_where *where,
                        double *out, ws_error *err)
{
    const route_text *t = &fields[f];
    const char *why;

    if (route_csv_parse_double(t->text, t->length, out, &why) != 0)
        return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                            t->col, "'%s' %s: '%s'", field_names[f], why,
                            t->text);
    return 0;
}

static int field_int(const route_text fields[ROUTE_FIELD_COUNT],
                     enum route_field f, int64_t min, int64_t max,
                     const route_where *where, int32_t *out, ws_error *err)
{
    const route_text *t = &fields[f];
    const char *why;
    int64_t v = 0;

    if (route_csv_parse_int64(t->text, t->length, &v, &why) != 0)
        return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                            t->col, "'%s' %s: '%s'", field_names[f], why,
                            t->text);
    if (v < min || v > max)
        return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                            t->col, "'%s' must be an integer from %lld to "
                            "%lld (got %lld)", field_names[f], (long long)min,
                            (long long)max, (long long)v);
    *out = (int32_t)v;
    return 0;
}

/* A probability in (0, 1] (open_zero) or [0, 1) (otherwise). */
static int field_probability(const route_text fields[ROUTE_FIELD_COUNT],
                             enum route_field f, int open_zero,
                             const route_where *where, double *out,
                             ws_error *err)
{
    const route_text *t = &fields[f];
    int rc = field_double(fields, f, where, out, err);

    if (rc != 0)
        return rc;
    if (open_zero ? !(*out > 0.0 && *out <= 1.0)
                  : !(*out >= 0.0 && *out < 1.0))
        return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                            t->col, "'%s' must be a probability %s (got %g)",
                            field_names[f],
                            open_zero ? "> 0 and <= 1" : ">= 0 and < 1",
                            *out);
    return 0;
}

/* A duration >= 0 in the step's unit, returned in days. */
static int field_duration(const route_text fields[ROUTE_FIELD_COUNT],
                          enum route_field f, double unit_days,
                          const route_where *where, double *days,
                          ws_error *err)
{
    const route_text *t = &fields[f];
    double v = 0.0;
    int rc = field_double(fields, f, where, &v, err);

    if (rc != 0)
        return rc;
    if (!(v >= 0.0 && v <= DIST_MAX_TIME))
        return ws_error_set(err, WS_EDATA, text_path(where, t), t->line,
                            t->col, "'%s' must be >= 0 and at most %g in "
                            "its unit (got %g)", field_names[f],
                            DIST_MAX_TIME, v);
    *days = v * unit_days;
    return 0;
}

/* The key f needs the key needed in the same step. */
static int field_needs(const route_text fields[ROUTE_FIELD_COUNT],
                       enum route_field f, enum route_field needed,
                       const route_where *where, ws_error *err)
{
    const route_text *t = &fields[f];

    if (!t->text || fields[needed].text)
        return 0;
    return ws_error_set(err, WS_EDATA, text_path(where, t), t->key_line,
                        t->key_col, "'%s' needs '%s' in the same step",
                        field_names[f], field_names[needed]);
}

/* The keys of f that only the model can hold (see route_target). */
static int field_needs_model(const route_target *t,
                             const route_text fields[ROUTE_FIELD_COUNT],
                             enum route_field f, const route_where *where,
                             ws_error *err)
{
    const route_text *x = &fields[f];

    if (t->m || !x->text)
        return 0;
    return ws_error_set(err, WS_EDATA, text_path(where, x), x->key_line,
                        x->key_col, "'%s' is not available for a route "
                        "read on its own", field_names[f]);
}

static int read_cqt_action(const route_text fields[ROUTE_FIELD_COUNT],
                           const route_where *where, enum cqt_action *out,
                           ws_error *err)
{
    static const char *const names[] = {"count", "scrap", "rework"};
    const route_text *t = &fields[ROUTE_FIELD_CQT_ACTION];

    *out = CQT_COUNT;
    if (!t->text)
        return 0;
    for (int i = 0; i < 3; i++)
        if (strcmp(t->text, names[i]) == 0) {
            *out = (enum cqt_action)i;
            return 0;
        }
    return ws_error_set(err, WS_EDATA, text_path(where, t), t->line, t->col,
                        "unknown cqt_action '%s' (use count, scrap or "
                        "rework)", t->text);
}

/* The optional keys of step s (the target's last), checked one by one in
 * the order of the keys in the format; references are kept for
 * route_csv_finish. */
static int add_realism(route_target *t,
                       const route_text fields[ROUTE_FIELD_COUNT],
                       route_step *s, double unit_days,
                       const route_where *where, ws_error *err)
{
    const tool_group *g = t->m ? &t->m->groups[s->tool_group] : NULL;
    const route_text *f;
    char why[160];
    int rc = 0;
    static const enum route_field model_only[] = {
        ROUTE_FIELD_SETUP, ROUTE_FIELD_SETUP_TIME, ROUTE_FIELD_CQT_TO,
        ROUTE_FIELD_CQT_LIMIT, ROUTE_FIELD_CQT_ACTION,
    };

    for (size_t i = 0; rc == 0 && i < sizeof model_only / sizeof *model_only;
         i++)
        rc = field_needs_model(t, fields, model_only[i], where, err);
    if (rc != 0)
        return rc;

    for (int k = ROUTE_FIELD_BATCH_MIN; k <= ROUTE_FIELD_BATCH_MAX; k++) {
        f = &fields[k];
        if (!f->text)
            continue;
        rc = field_int(fields, (enum route_field)k, 1, MODEL_MAX_BATCH_WAFERS,
                       where, k == ROUTE_FIELD_BATCH_MIN ? &s->batch_min
                                                         : &s->batch_max,
                       err);
        if (rc != 0)
            return rc;
        /* A batch size on a tool that does not batch is a mistake in the
         * group or the step, never a setting to ignore. */
        if (g && !g->batching)
            return ws_error_set(err, WS_EDATA, text_path(where, f),
                                f->key_line, f->key_col,
                                "'%s' needs a tool group with 'batching': "
                                "'%s' has none", field_names[k], g->name);
    }
    if (fields[ROUTE_FIELD_BATCH_MAX].text && s->batch_max < s->batch_min) {
        f = &fields[ROUTE_FIELD_BATCH_MAX];
        return ws_error_set(err, WS_EDATA, text_path(where, f), f->line,
                            f->col, "'batch_max' (%d) must be >= "
                            "'batch_min' (%d)", (int)s->batch_max,
                            (int)s->batch_min);
    }

    if (fields[ROUTE_FIELD_CASCADE_INTERVAL].text) {
        rc = field_duration(fields, ROUTE_FIELD_CASCADE_INTERVAL, unit_days,
                            where, &s->cascade_interval_days, err);
        if (rc != 0)
            return rc;
    }

    f = &fields[ROUTE_FIELD_SETUP];
    if (f->text) {
        if (route_csv_check_name(f->text, f->length, why, sizeof why) != 0)
            return field_error(err, where, f, why);
        if (t->m->nsetups >= MODEL_MAX_SETUPS &&
            model_find_setup(t->m, f->text) < 0)
            return ws_error_set(err, WS_EDATA, text_path(where, f), f->line,
                                f->col, "too many setups (at most %d)",
                                MODEL_MAX_SETUPS);
        s->setup = model_intern_setup(t->m, f->text);
        if (s->setup < 0)
            return nomem_at(where, err);
    }
    rc = field_needs(fields, ROUTE_FIELD_SETUP_TIME, ROUTE_FIELD_SETUP, where,
                     err);
    if (rc == 0 && fields[ROUTE_FIELD_SETUP_TIME].text) {
        double days, param[3] = {0.0, 0.0, 0.0};
        rc = field_duration(fields, ROUTE_FIELD_SETUP_TIME, unit_days, where,
                            &days, err);
        if (rc != 0)
            return rc;
        param[0] = days;
        if (dist_init(&s->setup_time, DIST_CONSTANT, param, why,
                      sizeof why) != 0)
            return field_error(err, where, &fields[ROUTE_FIELD_SETUP_TIME],
                               why);
        s->has_setup_time = 1;
    }
    if (rc != 0)
        return rc;

    if (fields[ROUTE_FIELD_SAMPLE].text) {
        rc = field_probability(fields, ROUTE_FIELD_SAMPLE, 1, where,
                               &s->sample_prob, err);
        if (rc != 0)
            return rc;
    }

    rc = field_needs(fields, ROUTE_FIELD_REWORK_TO, ROUTE_FIELD_REWORK_PROB,
                     where, err);
    if (rc == 0)
        rc = field_needs(fields, ROUTE_FIELD_REWORK_PROB,
                         ROUTE_FIELD_REWORK_TO, where, err);
    if (rc == 0 && fields[ROUTE_FIELD_REWORK_PROB].text)
        rc = field_probability(fields, ROUTE_FIELD_REWORK_PROB, 0, where,
                               &s->rework_prob, err);
    if (rc == 0 && fields[ROUTE_FIELD_REWORK_TO].text)
        rc = add_ref(t, REF_REWORK_TO, t->p->nsteps - 1, where,
                     &fields[ROUTE_FIELD_REWORK_TO], NULL, err);
    if (rc == 0 && fields[ROUTE_FIELD_SCRAP_PROB].text)
        rc = field_probability(fields, ROUTE_FIELD_SCRAP_PROB, 0, where,
                               &s->scrap_prob, err);
    if (rc == 0 && fields[ROUTE_FIELD_SAME_TOOL_AS].text)
        rc = add_ref(t, REF_SAME_TOOL_AS, t->p->nsteps - 1, where,
                     &fields[ROUTE_FIELD_SAME_TOOL_AS], NULL, err);
    if (rc != 0)
        return rc;

    rc = field_needs(fields, ROUTE_FIELD_CQT_LIMIT, ROUTE_FIELD_CQT_TO, where,
                     err);
    if (rc == 0)
        rc = field_needs(fields, ROUTE_FIELD_CQT_ACTION, ROUTE_FIELD_CQT_TO,
                         where, err);
    if (rc == 0)
        rc = field_needs(fields, ROUTE_FIELD_CQT_TO, ROUTE_FIELD_CQT_LIMIT,
                         where, err);
    if (rc == 0 && fields[ROUTE_FIELD_CQT_TO].text) {
        double limit;
        enum cqt_action action;
        route_ref *ref;
        rc = field_duration(fields, ROUTE_FIELD_CQT_LIMIT, unit_days, where,
                            &limit, err);
        if (rc == 0)
            rc = read_cqt_action(fields, where, &action, err);
        if (rc == 0)
            rc = add_ref(t, REF_CQT_TO, t->p->nsteps - 1, where,
                         &fields[ROUTE_FIELD_CQT_TO], &ref, err);
        if (rc == 0) {
            ref->limit_days = limit;
            ref->action = action;
        }
    }
    if (rc == 0 && fields[ROUTE_FIELD_STEP_PRIORITY].text)
        rc = field_int(fields, ROUTE_FIELD_STEP_PRIORITY, -1000000000,
                       1000000000, where, &s->step_priority, err);
    return rc;
}

int route_csv_add_step(route_target *t,
                       const route_text fields[ROUTE_FIELD_COUNT],
                       int32_t step_number, const route_where *where,
                       ws_error *err)
{
    const route_text *group = &fields[ROUTE_FIELD_TOOL_GROUP];
    const route_text *name = &fields[ROUTE_FIELD_STEP];
    const route_text *per = &fields[ROUTE_FIELD_PER];
    const route_text *unit = &fields[ROUTE_FIELD_UNIT];
    enum time_per time_per = TIME_PER_LOT;
    double unit_days = t->default_unit_days;
    char default_name[32];
    char why[160];
    int32_t g;
    dist time;
    route_step *s;
    int rc;

    if (!group->text)
        return ws_error_set(err, WS_EDATA, where->path, where->line,
                            where->col, "step %d has no 'tool_group'",
                            (int)step_number);
    g = route_csv_groups_find(t->groups, group->text);
    if (g < 0)
        return ws_error_set(err, WS_EDATA, text_path(where, group),
                            group->line, group->col, "unknown tool group '%s'",
                            group->text);
    if (name->text && route_csv_check_name(name->text, name->length, why,
                                           sizeof why) != 0)
        return field_error(err, where, name, why);
    if (per->text) {
        if (strcmp(per->text, "wafer") == 0)
            time_per = TIME_PER_WAFER;
        else if (strcmp(per->text, "lot") == 0)
            time_per = TIME_PER_LOT;
        else if (strcmp(per->text, "batch") == 0)
            time_per = TIME_PER_BATCH;
        else
            return ws_error_set(err, WS_EDATA, text_path(where, per),
                                per->line, per->col,
                                "unknown 'per' value '%s' (use wafer, lot "
                                "or batch)", per->text);
    }
    rc = route_csv_build_dist(fields, t->default_unit_days, where, &time,
                              err);
    if (rc != 0)
        return rc;
    /* build_dist has checked the unit. */
    if (unit->text)
        unit_days = route_csv_unit_days(unit->text, unit->length);
    snprintf(default_name, sizeof default_name, "step %d", (int)step_number);
    s = model_add_step(t->p, name->text ? name->text : default_name);
    if (!s)
        return nomem_at(where, err);
    s->tool_group = g;
    s->per = time_per;
    s->time = time;
    return add_realism(t, fields, s, unit_days, where, err);
}

/* Step names sorted for references by name: a route of 1e5 steps may have
 * as many references. */
typedef struct step_entry {
    const char *name;
    int32_t index;
} step_entry;

static int compare_steps(const void *a, const void *b)
{
    const step_entry *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return (x->index > y->index) - (x->index < y->index);
}

static const char *group_name(const route_target *t, int32_t g)
{
    for (int32_t i = 0; i < t->groups->count; i++)
        if (t->groups->entries[i].index == g)
            return t->groups->entries[i].name;
    return "?";
}

static int resolve_ref(const route_target *t, const route_ref *r,
                       const step_entry *sorted, int32_t *out, ws_error *err)
{
    static const char *const keys[] = {"rework_to", "same_tool_as",
                                       "cqt_to"};
    const product *p = t->p;
    const char *key = keys[r->kind];
    int32_t number, target, self = r->step + 1;

    if (r->text[0] == '#' && r->text[1] >= '0' && r->text[1] <= '9') {
        number = route_csv_step_number(r->text);
        if (number == 0 || number > p->nsteps)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'%s': there is no step %s: the route of "
                                "product '%s' has %d steps", key, r->text,
                                p->name, (int)p->nsteps);
        target = number - 1;
    } else {
        step_entry probe = {r->text, -1};
        size_t lo = 0, hi = (size_t)p->nsteps;
        /* The first entry with this name. */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (compare_steps(&sorted[mid], &probe) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo == (size_t)p->nsteps || strcmp(sorted[lo].name, r->text) != 0) {
            const char *names[ROUTE_CSV_LIST_NAMES];
            size_t shown = 0;
            char list[512];
            while (shown < ROUTE_CSV_LIST_NAMES && shown < (size_t)p->nsteps) {
                names[shown] = p->steps[shown].name;
                shown++;
            }
            route_csv_list_names(names, shown, (size_t)p->nsteps, list,
                                 sizeof list);
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'%s': no step '%s' in the route of product "
                                "'%s' (steps: %s)", key, r->text, p->name,
                                list);
        }
        if (lo + 1 < (size_t)p->nsteps &&
            strcmp(sorted[lo + 1].name, r->text) == 0)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'%s': step name '%s' is ambiguous: steps "
                                "#%d and #%d of the route of product '%s' "
                                "have it (use #N to choose one)", key,
                                r->text, (int)sorted[lo].index + 1,
                                (int)sorted[lo + 1].index + 1, p->name);
        target = sorted[lo].index;
    }
    switch (r->kind) {
    case REF_REWORK_TO:
        /* Forward rework could send a lot round a loop of steps. */
        if (target > r->step)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'rework_to' must be this step or an "
                                "earlier one: step #%d comes after this "
                                "step #%d (rework goes back)",
                                (int)target + 1, (int)self);
        break;
    case REF_SAME_TOOL_AS:
        if (target >= r->step)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'same_tool_as' must be an earlier step: "
                                "step #%d is not before this step #%d",
                                (int)target + 1, (int)self);
        if (p->steps[target].tool_group != p->steps[r->step].tool_group)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'same_tool_as': step #%d runs on tool group "
                                "'%s', this step on '%s'; the same tool "
                                "needs the same group", (int)target + 1,
                                group_name(t, p->steps[target].tool_group),
                                group_name(t, p->steps[r->step].tool_group));
        break;
    case REF_CQT_TO:
        if (target <= r->step)
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "'cqt_to' must be a later step: step #%d is "
                                "not after this step #%d", (int)target + 1,
                                (int)self);
        break;
    }
    *out = target;
    return 0;
}

int route_csv_finish(route_target *t, ws_error *err)
{
    product *p = t->p;
    step_entry *sorted = NULL;
    int rc = 0;

    for (size_t i = 0; i < t->nrefs; i++)
        if (!(t->refs[i].text[0] == '#' && t->refs[i].text[1] >= '0' &&
              t->refs[i].text[1] <= '9')) {
            sorted = malloc((size_t)p->nsteps * sizeof *sorted);
            if (!sorted) {
                refs_clear(t);
                return ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                                    "out of memory");
            }
            for (int32_t s = 0; s < p->nsteps; s++) {
                sorted[s].name = p->steps[s].name;
                sorted[s].index = s;
            }
            qsort(sorted, (size_t)p->nsteps, sizeof *sorted, compare_steps);
            break;
        }
    for (size_t i = 0; rc == 0 && i < t->nrefs; i++) {
        const route_ref *r = &t->refs[i];
        int32_t target;
        time_constraint *c;

        rc = resolve_ref(t, r, sorted, &target, err);
        if (rc != 0)
            break;
        switch (r->kind) {
        case REF_REWORK_TO:
            p->steps[r->step].rework_to = target;
            break;
        case REF_SAME_TOOL_AS:
            p->steps[r->step].same_tool_as = target;
            break;
        case REF_CQT_TO:
            if (t->m->nconstraints >= MODEL_MAX_CONSTRAINTS) {
                rc = ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                  "too many time constraints (at most %d in "
                                  "all routes)", MODEL_MAX_CONSTRAINTS);
                break;
            }
            c = model_add_constraint(t->m);
            if (!c) {
                rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0,
                                  "out of memory");
                break;
            }
            c->product = t->product;
            c->from_step = r->step;
            c->to_step = target;
            c->limit_days = r->limit_days;
            c->action = r->action;
            break;
        }
    }
    free(sorted);
    refs_clear(t);
    return rc;
}

/* --- CSV records ---------------------------------------------------- */

typedef struct csv_cell {
    size_t offset;      /* of the unescaped text in the reader's buffer */
    size_t length;
    int line;
    int col;
} csv_cell;

typedef struct csv_reader {
    const char *text;
    size_t length;
    size_t pos;
    int line;           /* position of text[pos], 1-based */
    int col;
    const char *path;
    char *buf;          /* the current record's cells, NUL-separated */
    size_t buf_length;
    size_t buf_capacity;
    csv_cell *cells;
    size_t ncells;
    size_t cells_capacity;
    int record_line;
} csv_reader;

static void csv_advance(csv_reader *r)
{
    unsigned char c = (unsigned char)r->text[r->pos++];

    if (c == '\n') {
        r->line++;
        r->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        /* Continuation bytes belong to the character already counted. */
        r->col++;
    }
}

static int csv_peek(const csv_reader *r, size_t ahead)
{
    return r->pos + ahead < r->length
               ? (unsigned char)r->text[r->pos + ahead] : -1;
}

static int csv_at_line_end(const csv_reader *r)
{
    int c = csv_peek(r, 0);
    return c == -1 || c == '\n' || (c == '\r' && csv_peek(r, 1) == '\n');
}

static void csv_skip_line_end(csv_reader *r)
{
    if (csv_peek(r, 0) == '\r')
        csv_advance(r);
    if (csv_peek(r, 0) == '\n')
        csv_advance(r);
}

static int csv_append(csv_reader *r, char c)
{
    if (r->buf_length == r->buf_capacity) {
        size_t cap = r->buf_capacity ? r->buf_capacity * 2 : 256;
        char *p = realloc(r->buf, cap);
        if (!p)
            return -1;
        r->buf = p;
        r->buf_capacity = cap;
    }
    r->buf[r->buf_length++] = c;
    return 0;
}

static int csv_push_cell(csv_reader *r, const csv_cell *cell)
{
    if (r->ncells == r->cells_capacity) {
        size_t cap = r->cells_capacity ? r->cells_capacity * 2 : 16;
        csv_cell *p = realloc(r->cells, cap * sizeof *p);
        if (!p)
            return -1;
        r->cells = p;
        r->cells_capacity = cap;
    }
    r->cells[r->ncells++] = *cell;
    return 0;
}

static int csv_nomem(csv_reader *r, ws_error *err)
{
    return ws_error_set(err, WS_ENOMEM, r->path, 0, 0, "out of memory");
}

/* Reads one cell starting at the current position (after any spaces). */
static int csv_read_cell(csv_reader *r, ws_error *err)
{
    csv_cell cell;

    while (csv_peek(r, 0) == ' ' || csv_peek(r, 0) == '\t')
        csv_advance(r);
    cell.offset = r->buf_length;
    cell.line = r->line;
    cell.col = r->col;
    if (csv_peek(r, 0) == '"') {
        csv_advance(r);
        for (;;) {
            int c = csv_peek(r, 0);
            if (c == -1)
                return ws_error_set(err, WS_EDATA, r->path, cell.line,
                                    cell.col,
                                    "unterminated quoted field");
            if (c == '"') {
                csv_advance(r);
                if (csv_peek(r, 0) != '"')
                    break;
            }
            if (csv_append(r, (char)c) != 0)
                return csv_nomem(r, err);
            csv_advance(r);
        }
        while (csv_peek(r, 0) == ' ' || csv_peek(r, 0) == '\t')
            csv_advance(r);
        if (csv_peek(r, 0) != ',' && !csv_at_line_end(r))
            return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                "unexpected text after a quoted field");
    } else {
        size_t trimmed;
        while (csv_peek(r, 0) != ',' && !csv_at_line_end(r)) {
            int c = csv_peek(r, 0);
            if (c == '"')
                return ws_error_set(err, WS_EDATA, r->path, r->line, r->col,
                                    "a double quote inside an unquoted "
                                    "field (quote the whole field and "
                                    "double the quote)");
            if (csv_append(r, (char)c) != 0)
                return csv_nomem(r, err);
            csv_advance(r);
        }
        trimmed = r->buf_length;
        while (trimmed > cell.offset &&
               (r->buf[trimmed - 1] == ' ' || r->buf[trimmed - 1] == '\t'))
            trimmed--;
        r->buf_length = trimmed;
    }
    cell.length = r->buf_length - cell.offset;
    if (csv_append(r, '\0') != 0 || csv_push_cell(r, &cell) != 0)
        return csv_nomem(r, err);
    return 0;
}

/* Reads the next record: 1 when one was read, 0 at the end, or an error. */
static int csv_next_record(csv_reader *r, ws_error *err)
{
    r->buf_length = 0;
    r->ncells = 0;
    for (;;) {
        size_t ahead = 0;
        int c;

        if (r->pos >= r->length)
            return 0;
        if (csv_peek(r, 0) == '#') {
            while (r->pos < r->length && csv_peek(r, 0) != '\n')
                csv_advance(r);
            csv_skip_line_end(r);
            continue;
        }
        while ((c = csv_peek(r, ahead)) == ' ' || c == '\t')
            ahead++;
        if (c == -1 || c == '\n' ||
            (c == '\r' && csv_peek(r, ahead + 1) == '\n')) {
            while (ahead-- > 0)
                csv_advance(r);
            csv_skip_line_end(r);
            continue;
        }
        break;
    }
    r->record_line = r->line;
    for (;;) {
        int rc = csv_read_cell(r, err);
        if (rc != 0)
            return rc;
        if (csv_peek(r, 0) == ',') {
            csv_advance(r);
            continue;
        }
        csv_skip_line_end(r);
        return 1;
    }
}

static void csv_free(csv_reader *r)
{
    free(r->buf);
    free(r->cells);
}

/* Applies the overrides that select step number (named by its fields as
 * changed so far) to its fields; matched[k] records the step override k
 * chose, so a name chosen twice is found ambiguous. */
static int override_row(const route_override *o, size_t n, int32_t *matched,
                        route_text fields[ROUTE_FIELD_COUNT], int32_t number,
                        const product *p, ws_error *err)
{
    char default_name[32];

    snprintf(default_name, sizeof default_name, "step %d", (int)number);
    for (size_t k = 0; k < n; k++) {
        const char *name = fields[ROUTE_FIELD_STEP].text
                               ? fields[ROUTE_FIELD_STEP].text : default_name;
        route_text *t;

        if (o[k].name ? strcmp(o[k].name, name) != 0 : o[k].number != number)
            continue;
        if (matched[k] != 0)
            return ws_error_set(err, WS_EDATA, o[k].path, o[k].line, o[k].col,
                                "step name '%s' is ambiguous: steps #%d and "
                                "#%d of the route of product '%s' have it "
                                "(use #N to choose one)", o[k].name,
                                (int)matched[k], (int)number, p->name);
        matched[k] = number;
        t = &fields[o[k].field];
        t->text = o[k].value;
        t->length = strlen(o[k].value);
        t->line = t->key_line = o[k].line;
        t->col = t->key_col = o[k].col;
        t->path = o[k].path;
    }
    return 0;
}

/* The first override that chose no step, reported at the override. */
static int override_unmatched(const route_override *o, size_t n,
                              const int32_t *matched, const product *p,
                              ws_error *err)
{
    for (size_t k = 0; k < n; k++) {
        const char *names[ROUTE_CSV_LIST_NAMES];
        size_t shown = 0;
        char list[512];

        if (matched[k] != 0)
            continue;
        if (!o[k].name)
            return ws_error_set(err, WS_EDATA, o[k].path, o[k].line, o[k].col,
                                "there is no step #%d: the route of product "
                                "'%s' has %d steps", (int)o[k].number,
                                p->name, (int)p->nsteps);
        while (shown < ROUTE_CSV_LIST_NAMES && shown < (size_t)p->nsteps) {
            names[shown] = p->steps[shown].name;
            shown++;
        }
        route_csv_list_names(names, shown, (size_t)p->nsteps, list,
                             sizeof list);
        return ws_error_set(err, WS_EDATA, o[k].path, o[k].line, o[k].col,
                            "no step '%s' in the route of product '%s' "
                            "(steps: %s)", o[k].name, p->name, list);
    }
    return 0;
}

int route_csv_read(product *p, const char *text, size_t length,
                   const char *path, double default_unit_days,
                   int64_t other_steps, const route_groups *groups,
                   const route_override *overrides, size_t noverrides,
                   ws_error *err)
{
    route_target t;
    int rc;

    memset(&t, 0, sizeof t);
    t.p = p;
    t.product = -1;
    t.default_unit_days = default_unit_days;
    t.groups = groups;
    t.other_steps = other_steps;
    rc = route_csv_read_route(&t, text, length, path, overrides, noverrides,
                              err);
    route_csv_target_free(&t);
    return rc;
}

int route_csv_read_route(route_target *t, const char *text, size_t length,
                         const char *path, const route_override *overrides,
                         size_t noverrides, ws_error *err)
{
    product *p = t->p;
    csv_reader r = {0};
    int columns[ROUTE_FIELD_COUNT];     /* field of each header cell */
    size_t ncolumns;
    int32_t nsteps = 0;
    int32_t *matched = NULL;
    int rc;

    if (noverrides > 0) {
        matched = calloc(noverrides, sizeof *matched);
        if (!matched)
            return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    }

    r.text = text;
    r.length = length;
    r.line = 1;
    r.col = 1;
    r.path = path;
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;

    rc = route_csv_check_text(text, length, path, 0, err);
    if (rc != 0)
        goto out;
    rc = csv_next_record(&r, err);
    if (rc <= 0) {
        if (rc == 0)
            rc = ws_error_set(err, WS_EDATA, path, r.line, r.col,
                              "no header line: a route CSV starts with a "
                              "line naming its columns, e.g. "
                              "step,tool_group,mean");
        goto out;
    }
    ncolumns = r.ncells;
    {
        int seen[ROUTE_FIELD_COUNT] = {0};
        for (size_t i = 0; i < r.ncells; i++) {
            const csv_cell *c = &r.cells[i];
            const char *name = r.buf + c->offset;
            int f;

            if (c->length == 0) {
                rc = ws_error_set(err, WS_EDATA, path, c->line, c->col,
                                  "empty column name in the header");
                goto out;
            }
            f = route_csv_field_from_name(name, c->length);
            if (f < 0) {
                const char *hint = route_csv_suggest(name, field_names,
                                                     ROUTE_FIELD_COUNT);
                rc = ws_error_set(err, WS_EDATA, path, c->line, c->col,
                                  "unknown column '%s'%s%s%s", name,
                                  hint ? " (did you mean '" : "",
                                  hint ? hint : "", hint ? "'?)" : "");
                goto out;
            }
            if (seen[f]) {
                rc = ws_error_set(err, WS_EDATA, path, c->line, c->col,
                                  "duplicate column '%s'", name);
                goto out;
            }
            seen[f] = 1;
            columns[i] = f;
        }
        if (!seen[ROUTE_FIELD_TOOL_GROUP]) {
            rc = ws_error_set(err, WS_EDATA, path, r.record_line, 1,
                              "the header has no 'tool_group' column");
            goto out;
        }
    }
    while ((rc = csv_next_record(&r, err)) == 1) {
        route_text fields[ROUTE_FIELD_COUNT];
        route_where where;

        if (r.ncells > ncolumns) {
            const csv_cell *extra = &r.cells[ncolumns];
            rc = ws_error_set(err, WS_EDATA, path, extra->line, extra->col,
                              "this row has %zu cells but the header names "
                              "%zu columns", r.ncells, ncolumns);
            goto out;
        }
        if (r.ncells < ncolumns) {
            rc = ws_error_set(err, WS_EDATA, path, r.record_line, 1,
                              "this row has %zu cells but the header names "
                              "%zu columns", r.ncells, ncolumns);
            goto out;
        }
        rc = route_csv_check_step_limit(nsteps, t->other_steps, path,
                                        r.record_line, 1, err);
        if (rc != 0)
            goto out;
        memset(fields, 0, sizeof fields);
        for (size_t i = 0; i < ncolumns; i++) {
            const csv_cell *c = &r.cells[i];
            route_text *cell = &fields[columns[i]];
            /* An empty cell means the key is absent, so one file can mix
             * kinds of distribution in the same columns. */
            if (c->length == 0)
                continue;
            cell->text = r.buf + c->offset;
            cell->length = c->length;
            cell->line = c->line;
            cell->col = c->col;
            cell->key_line = c->line;
            cell->key_col = c->col;
        }
        where.path = path;
        where.line = r.record_line;
        where.col = 1;
        nsteps++;
        rc = override_row(overrides, noverrides, matched, fields, nsteps, p,
                          err);
        if (rc == 0)
            rc = route_csv_add_step(t, fields, nsteps, &where, err);
        if (rc != 0)
            goto out;
    }
    if (rc < 0)
        goto out;
    if (nsteps == 0)
        rc = ws_error_set(err, WS_EDATA, path, r.line, r.col,
                          "the route has no steps: no rows follow the "
                          "header");
    else
        rc = override_unmatched(overrides, noverrides, matched, p, err);
    if (rc == 0)
        rc = route_csv_finish(t, err);
out:
    free(matched);
    csv_free(&r);
    return rc;
}

/* --- whole files ------------------------------------------------------ */

/* Length of the UTF-8 sequence at s (n bytes available), 0 when invalid:
 * no overlong forms, surrogates or code points above U+10FFFF. */
static size_t utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

int route_csv_check_text(const char *text, size_t length, const char *path,
                         int allow_lone_cr, ws_error *err)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    int line = 1, col = 1;

    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < length) {
        unsigned char c = s[i];
        size_t len;

        if (c == '\n') {
            line++;
            col = 1;
            i++;
            continue;
        }
        if (c == '\r') {
            if (i + 1 < length && s[i + 1] == '\n') {
                i++;
                continue;
            }
            if (!allow_lone_cr)
                return ws_error_set(err, WS_EDATA, path, line, col,
                                    "a carriage return not followed by a "
                                    "line feed");
            line++;
            col = 1;
            i++;
            continue;
        }
        if (c == 0)
            return ws_error_set(err, WS_EDATA, path, line, col,
                                "NUL byte in a text file");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return ws_error_set(err, WS_EDATA, path, line, col,
                                "control character U+%04X is not allowed",
                                (unsigned)c);
        len = utf8_sequence(s + i, length - i);
        if (len == 0)
            return ws_error_set(err, WS_EDATA, path, line, col,
                                "invalid UTF-8 (byte 0x%02X)", (unsigned)c);
        i += len;
        col++;
    }
    return 0;
}

int route_csv_read_file(const char *path, char **text, size_t *length)
{
    struct stat st;
    char *buf = NULL;
    size_t size = 0, capacity;
    int fd, e = 0;

    *text = NULL;
    *length = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    if (fstat(fd, &st) != 0) {
        e = errno;
        goto out;
    }
    if (S_ISDIR(st.st_mode)) {
        e = EISDIR;
        goto out;
    }
    /* The size of a regular file is known: refuse a huge one before
     * reading a byte; other files (pipes) are checked as they are read. */
    if (S_ISREG(st.st_mode) &&
        (uintmax_t)st.st_size > ROUTE_CSV_MAX_FILE_BYTES) {
        e = EFBIG;
        goto out;
    }
    capacity = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536;
    buf = malloc(capacity);
    if (!buf) {
        e = ENOMEM;
        goto out;
    }
    for (;;) {
        ssize_t got;
        if (size + 1 >= capacity) {
            size_t cap = capacity * 2;
            char *p;
            if (capacity > ROUTE_CSV_MAX_FILE_BYTES + 1) {
                e = EFBIG;
                goto out;
            }
            p = realloc(buf, cap);
            if (!p) {
                e = ENOMEM;
                goto out;
            }
            buf = p;
            capacity = cap;
        }
        got = read(fd, buf + size, capacity - 1 - size);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            e = errno;
            goto out;
        }
        if (got == 0)
            break;
        size += (size_t)got;
        if (size > ROUTE_CSV_MAX_FILE_BYTES) {
            e = EFBIG;
            goto out;
        }
    }
    buf[size] = '\0';
    *text = buf;
    *length = size;
    buf = NULL;
out:
    free(buf);
    close(fd);
    return e;
}
