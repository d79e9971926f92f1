/* fuzz_smt2020.c - libFuzzer target of the SMT2020 reader (smt2020_load).
 *
 * Input: one byte choosing a file of tests/data/smt2020-mini (its value
 * modulo the number of files, in sorted order: WIP.txt, attach.txt,
 * downcal.txt, fromto.txt, order.txt, part.txt, pmcal.txt, route_1.txt,
 * route_2.txt, setup.txt, setupgrp.txt, tool.txt.1l), then the text that
 * replaces that file in a copy of the data set.  The copy is made once, in
 * a temporary directory; after each input the file gets its text back.
 * The mini data set is found next to this source file, or at
 * WAFERSIM_SMT2020_MINI.  A reproducer therefore means "this file of the
 * mini data set as it is now": when the data set changes, saved inputs
 * still run but may test something else (docs/smt2020.md).
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "models/smt2020.h"

enum { MAX_FILES = 32 };

static char directory[4096];
static struct {
    char *name;
    char *path;
    char *text;
    size_t length;
} files[MAX_FILES];
static int nfiles;

#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_smt2020: %s %s failed\n", what, path);
    abort();
}

/* A new file each time: on ext4, truncating a file that has data and
 * writing it again flushes it on close (auto_da_alloc), which made each
 * run ten times slower. */
static void write_file(const char *path, const void *data, size_t size)
{
    FILE *f;

    unlink(path);
    f = fopen(path, "wb");

    if (!f)
        die("fopen", path);
    if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("writing", path);
}

static char *read_file(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long n;

    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        die("reading", path);
    text = malloc((size_t)n + 1);
    if (!text || fread(text, 1, (size_t)n, f) != (size_t)n)
        die("reading", path);
    fclose(f);
    *length = (size_t)n;
    return text;
}

static int compare_files(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

/* tests/data/smt2020-mini, from this file's path (CMake compiles it by
 * its absolute path) unless WAFERSIM_SMT2020_MINI says otherwise. */
static void find_mini(char *buf, size_t size)
{
    const char *env = getenv("WAFERSIM_SMT2020_MINI");
    const char *here = __FILE__;
    const char *tail = strstr(here, "fuzz/fuzz_smt2020.c");

    if (env && env[0]) {
        snprintf(buf, size, "%s", env);
        return;
    }
    if (!tail || (size_t)(tail - here) + 32 > size)
        die("finding the mini data set from", here);
    snprintf(buf, size, "%.*sdata/smt2020-mini", (int)(tail - here), here);
}

static void remove_directory(void)
{
    for (int i = 0; i < nfiles; i++) {
        unlink(files[i].path);
        free(files[i].name);
        free(files[i].path);
        free(files[i].text);
    }
    nfiles = 0;
    rmdir(directory);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    const char *tmp = getenv("TMPDIR");
    char mini[4096];
    char *names[MAX_FILES];
    struct dirent *e;
    DIR *d;
    int n = 0;

    (void)argc;
    (void)argv;
    find_mini(mini, sizeof mini);
    d = opendir(mini);
    if (!d)
        die("opendir", mini);
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == MAX_FILES)
            die("more than 32 files in", mini);
        names[n] = malloc(strlen(e->d_name) + 1);
        if (!names[n])
            die("malloc for", e->d_name);
        strcpy(names[n++], e->d_name);
    }
    closedir(d);
    if (n == 0)
        die("finding files in", mini);
    qsort(names, (size_t)n, sizeof names[0], compare_files);
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    if ((size_t)snprintf(directory, sizeof directory,
                         "%s/wafersim-fuzz-smt2020-XXXXXX", tmp)
        >= sizeof directory)
        die("TMPDIR too long:", tmp);
    if (!mkdtemp(directory))
        die("mkdtemp", directory);
    atexit(remove_directory);
    for (int i = 0; i < n; i++) {
        char from[8192];
        size_t length = strlen(directory) + strlen(names[i]) + 2;
        snprintf(from, sizeof from, "%s/%s", mini, names[i]);
        files[i].name = names[i];
        files[i].path = malloc(length);
        if (!files[i].path)
            die("malloc for", names[i]);
        snprintf(files[i].path, length, "%s/%s", directory, names[i]);
        files[i].text = read_file(from, &files[i].length);
        write_file(files[i].path, files[i].text, files[i].length);
        nfiles = i + 1;
    }
    return 0;
}

/* --- the reader's contract ---------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2), noreturn))
#endif
static void breach(const char *fmt, ...)
{
    va_list ap;

    fputs("fuzz: the reader broke its contract: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

static void check_name(const char *what, const char *name)
{
    size_t length;

    if (!name)
        breach("%s has no name", what);
    length = strlen(name);
    if (length == 0 || length > MODEL_MAX_NAME)
        breach("%s has a name of %zu bytes", what, length);
}

/* The reader makes only these kinds, each inside dist.h's domain. */
static void check_dist(const char *what, const dist *d)
{
    int ok;

    for (int i = 0; i < 3; i++)
        if (!isfinite(d->p[i]) || !isfinite(d->q[i]))
            breach("%s: parameter %d is %g, derived %g", what, i, d->p[i],
                   d->q[i]);
    if (!isfinite(d->mean) || d->mean < 0.0)
        breach("%s: mean %g", what, d->mean);
    switch (d->kind) {
    case DIST_CONSTANT:
        ok = d->p[0] >= 0.0;
        break;
    case DIST_UNIFORM:
        ok = d->p[0] >= 0.0 && d->p[0] <= d->p[1];
        break;
    case DIST_EXPONENTIAL:
        ok = d->p[0] > 0.0;
        break;
    default:
        ok = 0;
    }
    if (!ok)
        breach("%s: %s(%g, %g)", what, dist_kind_name(d->kind), d->p[0],
               d->p[1]);
}

static int finite_at_least(double v, double lo)
{
    return isfinite(v) && v >= lo;
}

static void check_groups(const model *m)
{
    if (m->ngroups < 1 || m->ngroups > MODEL_MAX_TOOL_GROUPS)
        breach("%d tool groups", (int)m->ngroups);
    for (int32_t g = 0; g < m->ngroups; g++) {
        const tool_group *t = &m->groups[g];
        check_name("a tool group", t->name);
        if (t->area)
            check_name("an area", t->area);
        if (t->tools < 1 || t->tools > MODEL_MAX_TOOLS_PER_GROUP ||
            t->nrank < 0 || t->nrank > MODEL_MAX_RANK_KEYS ||
            t->cascade < 1 || t->cascade > MODEL_MAX_CASCADE ||
            !finite_at_least(t->load_days, 0.0) ||
            !finite_at_least(t->unload_days, 0.0) ||
            t->batch_wait_days != 0.0 || t->ndowntimes > MODEL_MAX_DOWNTIMES)
            breach("tool group '%s': %d tools, %d rank keys, cascade %d, "
                   "load %g, unload %g, %d downtimes", t->name, (int)t->tools,
                   (int)t->nrank, (int)t->cascade, t->load_days,
                   t->unload_days, (int)t->ndowntimes);
        for (int32_t i = 0; i < t->nrank; i++)
            if ((unsigned)t->rank[i] >= RANK_KEY_COUNT)
                breach("tool group '%s': rank key %d", t->name,
                       (int)t->rank[i]);
        for (int32_t i = 0; i < t->ndowntimes; i++) {
            const tool_downtime *d = &t->downtimes[i];
            check_name("a downtime", d->name);
            check_dist("downtime interval", &d->interval);
            check_dist("downtime duration", &d->duration);
            if (d->has_first)
                check_dist("downtime first occurrence", &d->first);
            if (d->kind == DOWN_PM_WAFERS ? !(d->interval_wafers > 0.0)
                                          : !(d->interval.mean > 0.0))
                breach("downtime '%s' of kind %d never ends", d->name,
                       (int)d->kind);
        }
    }
}

static void check_products(const model *m)
{
    int64_t steps = 0;

    if (m->nproducts < 1 || m->nproducts > MODEL_MAX_PRODUCTS)
        breach("%d products", (int)m->nproducts);
    for (int32_t i = 0; i < m->nproducts; i++) {
        const product *p = &m->products[i];
        check_name("a product", p->name);
        if (p->lot_size < 1 || p->lot_size > MODEL_MAX_LOT_SIZE ||
            p->release != RELEASE_NONE || p->nsteps < 1 ||
            p->nsteps > MODEL_MAX_STEPS)
            breach("product '%s': lots of %d, release %d, %d steps", p->name,
                   (int)p->lot_size, (int)p->release, (int)p->nsteps);
        steps += p->nsteps;
        for (int32_t s = 0; s < p->nsteps; s++) {
            const route_step *t = &p->steps[s];
            check_name("a step", t->name);
            check_dist("step time", &t->time);
            if (t->tool_group < 0 || t->tool_group >= m->ngroups ||
                (unsigned)t->per > TIME_PER_BATCH || t->batch_min < 1 ||
                (t->batch_max != 0 && t->batch_max < t->batch_min) ||
                t->setup < -1 || t->setup >= m->nsetups ||
                !(t->sample_prob > 0.0 && t->sample_prob <= 1.0) ||
                !(t->rework_prob >= 0.0 && t->rework_prob <= 1.0) ||
                t->rework_to < -1 || t->rework_to > s ||
                (t->rework_to >= 0) != (t->rework_prob > 0.0) ||
                t->same_tool_as < -1 || t->same_tool_as >= s ||
                !(isnan(t->cascade_interval_days) ||
                  finite_at_least(t->cascade_interval_days, 0.0)))
                breach("step %d of '%s' is out of range", (int)s + 1,
                       p->name);
            if (t->has_setup_time)
                check_dist("setup time", &t->setup_time);
        }
    }
    if (steps > 1000000)
        breach("%lld steps in all", (long long)steps);
}

static void check_rest(const model *m)
{
    for (int32_t i = 0; i < m->norders; i++) {
        const release_order *o = &m->orders[i];
        check_name("an order", o->name);
        check_dist("interarrival", &o->interarrival);
        if (o->product < 0 || o->product >= m->nproducts || o->wafers < 1 ||
            o->wafers > MODEL_MAX_LOT_SIZE || o->count < 1 ||
            !(o->interval_days > 0.0) || !isfinite(o->interval_days) ||
            !finite_at_least(o->first_days, 0.0) ||
            !(isnan(o->due_offset_days) ||
              finite_at_least(o->due_offset_days, 0.0)))
            breach("order '%s' is out of range", o->name);
    }
    for (int32_t i = 0; i < m->ninitial; i++) {
        const initial_lot *l = &m->initial[i];
        if (l->product < 0 || l->product >= m->nproducts || l->step < 0 ||
            l->step >= m->products[l->product].nsteps || l->wafers < 1 ||
            l->wafers > MODEL_MAX_LOT_SIZE || !isfinite(l->release_day) ||
            l->release_day > 0.0 || isinf(l->due_day))
            breach("lot %d of WIP is out of range", (int)i);
    }
    for (int32_t i = 0; i < m->nconstraints; i++) {
        const time_constraint *c = &m->constraints[i];
        if (c->product < 0 || c->product >= m->nproducts ||
            c->from_step < 0 || c->to_step <= c->from_step ||
            c->to_step >= m->products[c->product].nsteps ||
            !(c->limit_days > 0.0) || !isfinite(c->limit_days))
            breach("time constraint %d is out of range", (int)i);
    }
    for (int32_t i = 0; i < m->nsetups; i++) {
        check_name("a setup", m->setups[i]);
        if (m->setup_min_run[i] < 0)
            breach("setup '%s': min run %d", m->setups[i],
                   (int)m->setup_min_run[i]);
    }
    for (int32_t i = 0; i < m->nsetup_changes; i++) {
        const setup_change *c = &m->setup_changes[i];
        if (c->to < 0 || c->to >= m->nsetups || c->from < -1 ||
            c->from >= m->nsetups || c->from == c->to)
            breach("setup change %d: %d to %d", (int)i, (int)c->from,
                   (int)c->to);
        check_dist("setup change", &c->time);
    }
    if (m->has_transport)
        check_dist("transport", &m->transport);
    if (m->nsources < 1)
        breach("no sources");
}

static void check(int status, const model *m, const ws_error *err)
{
    if (status != 0) {
        if (status != WS_EDATA && status != WS_ENOINPUT &&
            status != WS_ENOMEM)
            breach("status %d", status);
        if (err->code != status || err->message[0] == '\0')
            breach("status %d with error record %d '%s'", status, err->code,
                   err->message);
        if (status == WS_EDATA && err->path[0] == '\0')
            breach("a data error without a path: '%s'", err->message);
        return;
    }
    check_groups(m);
    check_products(m);
    check_rest(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    model *m;
    ws_error err;
    int which, rc;

    if (size == 0 || nfiles == 0)
        return 0;
    which = data[0] % nfiles;
    write_file(files[which].path, data + 1, size - 1);
    m = model_create();
    if (!m)
        abort();
    ws_error_clear(&err);
    rc = smt2020_load(m, directory, &err);
    fuzz_report("smt2020_load", rc, &err);
    check(rc, m, &err);
    model_destroy(m);
    write_file(files[which].path, files[which].text, files[which].length);
    return 0;
}
