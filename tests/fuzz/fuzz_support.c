/* fuzz_support.c - what the fuzz targets share (fuzz_support.h): their
 * temporary directory of route files, LeakSanitizer's suppressions and
 * the checks of the readers' contract. */
#include "fuzz_support.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models/route_csv.h"

/* --- the directory ---------------------------------------------------- */

/* Shortened forms of the shipped routes, on the tool groups of the
 * scenarios that name them (scenarios/default.yaml, minifab.yaml and the
 * examples), so that seeds made from those scenarios read whole routes. */
static const char default_logic_csv[] =
    "# two layers of scenarios/routes/default-logic.csv\n"
    "step,tool_group,per,distribution,mean,cv,min,max\n"
    "L1 clean,CLEAN,lot,gamma,35,0.5,,\n"
    "L1 film,FURNACE,lot,gamma,150,0.5,,\n"
    "L1 expose,LITHO,wafer,gamma,1.04,1,,\n"
    "L1 overlay,METRO,wafer,constant,0.5,,,\n"
    "L1 etch,ETCH,lot,lognormal,45,0.8,,\n"
    "L1 implant,IMPLANT,wafer,gamma,0.9,0.2,,\n"
    "L2 clean,CLEAN,lot,gamma,35,0.5,,\n"
    "L2 film,CVD,lot,gamma,55,0.5,,\n"
    "L2 expose,LITHO,wafer,gamma,1.04,1,,\n"
    "L2 overlay,METRO,wafer,constant,0.5,,,\n"
    "L2 etch,ETCH,lot,lognormal,45,0.8,,\n"
    "L2 polish,CMP,wafer,gamma,1.8,0.2,,\n"
    "final test,METRO,wafer,uniform,,,1,2\n";

/* CRLF line ends and quoted cells, which the other files lack. */
static const char minifab_flow_csv[] =
    "step,tool_group,per,distribution,mean\r\n"
    "S1,DIFFUSION,lot,constant,75\r\n"
    "\"S2\",IMPLANT,lot,constant,30\r\n"
    "S3,\"LITHO\",lot,constant,55\r\n"
    "S4,IMPLANT,lot,constant,50\r\n"
    "S5,DIFFUSION,lot,constant,85\r\n"
    "S6,LITHO,lot,constant,10\r\n";

static const char route_csv[] =
    "\xEF\xBB\xBF" "tool_group,step,mean,unit\n"
    "DIFF,\"s1, first\",30,\n"
    "LITHO,s2,1.5,h\n"
    "DIFF,s1,\"40\",min\n";

static const struct {
    const char *name;
    const char *text;
} route_files[] = {
    {"scenarios/routes/default-logic.csv", default_logic_csv},
    {"routes/default-logic.csv", default_logic_csv},
    {"scenarios/routes/minifab-flow.csv", minifab_flow_csv},
    {"routes/minifab-flow.csv", minifab_flow_csv},
    {"scenarios/route.csv", route_csv},
};

/* Made in this order, removed in the reverse one. */
static const char *const subdirectories[] = {
    "scenarios", "scenarios/routes", "routes",
};

enum { MAX_PATHS = 16 };

static char directory[4096];
static struct {
    char *name;
    char *path;
    int written;                /* a file of ours, to remove at exit */
} paths[MAX_PATHS];
static int npaths;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "fuzz_support: %s %s failed\n", what, path);
    abort();
}

const char *fuzz_files_path(const char *name)
{
    size_t length;

    for (int i = 0; i < npaths; i++)
        if (strcmp(paths[i].name, name) == 0)
            return paths[i].path;
    if (npaths == MAX_PATHS)
        die("more than 16 paths:", name);
    length = strlen(directory) + 1 + strlen(name) + 1;
    paths[npaths].name = malloc(strlen(name) + 1);
    paths[npaths].path = malloc(length);
    if (!paths[npaths].name || !paths[npaths].path)
        die("malloc for", name);
    strcpy(paths[npaths].name, name);
    snprintf(paths[npaths].path, length, "%s/%s", directory, name);
    return paths[npaths++].path;
}

void fuzz_files_write(const char *name, const void *data, size_t size)
{
    const char *path = fuzz_files_path(name);
    FILE *f = fopen(path, "wb");

    if (!f)
        die("fopen", path);
    if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
        die("writing", path);
    for (int i = 0; i < npaths; i++)
        if (paths[i].path == path)
            paths[i].written = 1;
}

/* Runs at exit, also after libFuzzer's -max_total_time; after a crash the
 * directory stays, inside scripts/fuzz.sh's own. */
static void remove_directory(void)
{
    char path[sizeof directory + 64];

    for (int i = npaths - 1; i >= 0; i--) {
        if (paths[i].written)
            unlink(paths[i].path);
        free(paths[i].name);
        free(paths[i].path);
    }
    npaths = 0;
    for (size_t i = sizeof subdirectories / sizeof subdirectories[0]; i-- > 0;) {
        snprintf(path, sizeof path, "%s/%s", directory, subdirectories[i]);
        rmdir(path);
    }
    rmdir(directory);
}

void fuzz_files_init(void)
{
    const char *tmp = getenv("TMPDIR");
    char path[sizeof directory + 64];

    if (directory[0])
        return;
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    if ((size_t)snprintf(directory, sizeof directory, "%s/wafersim-fuzz-XXXXXX",
                         tmp) >= sizeof directory)
        die("TMPDIR too long:", tmp);
    if (!mkdtemp(directory))
        die("mkdtemp", directory);
    atexit(remove_directory);
    for (size_t i = 0; i < sizeof subdirectories / sizeof subdirectories[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", directory, subdirectories[i]);
        if (mkdir(path, 0700) != 0)
            die("mkdir", path);
    }
    for (size_t i = 0; i < sizeof route_files / sizeof route_files[0]; i++)
        fuzz_files_write(route_files[i].name, route_files[i].text,
                         strlen(route_files[i].text));
}

/* --- leaks ------------------------------------------------------------ */

/* libfyaml 0.7.12 (Debian 12) leaks the chunk array of its text iterator
 * when a scalar needs more than 8 chunks, e.g. 's''''''''s' (a quoted
 * scalar with 4 escaped quotes): 512 bytes or more, allocated under
 * fy_atom_iter_chunk_next, reached from fy_token_get_text.  It is
 * libfyaml's bug (github.com/pantoniou/libfyaml/issues/233, fixed after
 * 0.7.12), not wafersim's, and would stop every run at its first quoted
 * name, so it is suppressed.
 *
 * libfyaml is built without frame pointers, so the fast unwinder stops at
 * its first frame, and a leak inside it shows only "libfyaml.so".  When
 * fuzzing, leaks allocated in libfyaml are therefore all ignored; leaks of
 * wafersim's own allocations are still found.  With
 * ASAN_OPTIONS=fast_unwind_on_malloc=0 stacks are whole (at about 1/6 of
 * the speed), and only that iterator's allocations are ignored, so that a
 * parser, event or diagnostic wafersim forgets to free is reported too:
 * scripts/fuzz.sh and the replay tests run every input once so.  (The
 * option is read here, not set: ASan reads its default options before
 * the environment can be.) */
const char *__lsan_default_suppressions(void)
{
    const char *options = getenv("ASAN_OPTIONS");

    /* yaml_parse leaves a parser allocated on purpose after one libfyaml
     * error (models/ytree.c says why). */
    if (options && strstr(options, "fast_unwind_on_malloc=0"))
        return "leak:fy_atom_iter_chunk_next\nleak:yaml_parse\n";
    return "leak:libfyaml.so\n";
}

/* --- the readers' contract ------------------------------------------- */

void fuzz_report(const char *what, int status, const ws_error *err)
{
    static int verbose = -1;
    char text[sizeof err->path + sizeof err->message + 32];

    if (verbose < 0) {
        const char *v = getenv("WAFERSIM_FUZZ_VERBOSE");
        verbose = v && v[0] && strcmp(v, "0") != 0;
    }
    if (!verbose)
        return;
    if (status == 0) {
        fprintf(stderr, "%s: ok\n", what);
        return;
    }
    ws_error_format(err, text, sizeof text);
    fprintf(stderr, "%s: %s\n", what, text);
}

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

/* dist.h's domain of each kind, and sampling parameters and a mean that
 * are numbers: a time drawn as NaN or inf would corrupt a simulation. */
static void check_dist(const char *what, const char *name, const dist *d)
{
    const double *p = d->p;
    int ok;

    for (int i = 0; i < 3; i++)
        if (!isfinite(p[i]))
            breach("%s '%s': parameter %d is %g", what, name, i, p[i]);
    if (!isfinite(d->mean) || d->mean < 0.0)
        breach("%s '%s': %s mean is %g", what, name, dist_kind_name(d->kind),
               d->mean);
    switch (d->kind) {
    case DIST_CONSTANT:
        ok = p[0] >= 0.0;
        break;
    case DIST_UNIFORM:
        ok = p[0] >= 0.0 && p[0] <= p[1] && isfinite(d->q[0]);
        break;
    case DIST_EXPONENTIAL:
        ok = p[0] > 0.0;
        break;
    case DIST_NORMAL:
        ok = p[0] > 0.0 && p[1] >= 0.0;
        break;
    case DIST_LOGNORMAL:
    case DIST_GAMMA:
        ok = p[0] > 0.0 && p[1] > 0.0 && isfinite(d->q[0]) &&
             isfinite(d->q[1]);
        break;
    case DIST_TRIANGULAR:
        ok = p[0] >= 0.0 && p[0] <= p[1] && p[1] <= p[2] &&
             isfinite(d->q[0]) && isfinite(d->q[1]);
        break;
    default:
        breach("%s '%s': distribution kind %d", what, name, (int)d->kind);
    }
    if (!ok)
        breach("%s '%s': %s(%g, %g, %g) derived (%g, %g, %g)", what, name,
               dist_kind_name(d->kind), p[0], p[1], p[2], d->q[0], d->q[1],
               d->q[2]);
}

static void check_steps(const product *p, int32_t ngroups)
{
    if (p->nsteps < 1 || p->nsteps > MODEL_MAX_STEPS ||
        p->nsteps > p->steps_capacity || !p->steps)
        breach("product '%s' has %d steps (capacity %d)", p->name,
               (int)p->nsteps, (int)p->steps_capacity);
    for (int32_t s = 0; s < p->nsteps; s++) {
        const route_step *step = &p->steps[s];
        check_name("a step", step->name);
        if (step->tool_group < 0 || step->tool_group >= ngroups)
            breach("step '%s' is on tool group %d of %d", step->name,
                   (int)step->tool_group, (int)ngroups);
        if (step->per != TIME_PER_WAFER && step->per != TIME_PER_LOT &&
            step->per != TIME_PER_BATCH)
            breach("step '%s' has per %d", step->name, (int)step->per);
        check_dist("step", step->name, &step->time);
    }
}

static void check_error(int status, const ws_error *err)
{
    if (status != WS_EDATA && status != WS_ENOINPUT && status != WS_ENOMEM)
        breach("status %d", status);
    if (err->code != status || err->message[0] == '\0')
        breach("status %d with error record %d '%s'", status, err->code,
               err->message);
}

void fuzz_check_route(int status, const product *p, int32_t ngroups,
                      const ws_error *err)
{
    if (status != 0) {
        check_error(status, err);
        return;
    }
    check_steps(p, ngroups);
}

void fuzz_check_result(int status, const model *m, const ws_error *err)
{
    int64_t steps = 0;

    if (status != 0) {
        if (m)
            breach("status %d and a model", status);
        check_error(status, err);
        return;
    }
    if (!m)
        breach("status 0 and no model");
    check_name("the scenario", m->name);
    if (!(m->horizon_days > 0.0 && m->horizon_days <= MODEL_MAX_HORIZON_DAYS))
        breach("horizon %g days", m->horizon_days);
    if (!(m->warmup_days >= 0.0 && m->warmup_days < m->horizon_days))
        breach("warm-up %g days, horizon %g", m->warmup_days,
               m->horizon_days);
    if (m->replications < 1 || m->replications > MODEL_MAX_REPLICATIONS)
        breach("%d replications", (int)m->replications);
    if (m->ngroups < 1 || m->ngroups > MODEL_MAX_TOOL_GROUPS)
        breach("%d tool groups", (int)m->ngroups);
    for (int32_t g = 0; g < m->ngroups; g++) {
        check_name("a tool group", m->groups[g].name);
        if (m->groups[g].tools < 1 ||
            m->groups[g].tools > MODEL_MAX_TOOLS_PER_GROUP)
            breach("tool group '%s' has %d tools", m->groups[g].name,
                   (int)m->groups[g].tools);
    }
    if (m->nproducts < 1 || m->nproducts > MODEL_MAX_PRODUCTS)
        breach("%d products", (int)m->nproducts);
    for (int32_t i = 0; i < m->nproducts; i++) {
        const product *p = &m->products[i];
        check_name("a product", p->name);
        if (p->lot_size < 1 || p->lot_size > MODEL_MAX_LOT_SIZE)
            breach("product '%s' has lots of %d", p->name, (int)p->lot_size);
        check_steps(p, m->ngroups);
        steps += p->nsteps;
        if (p->release == RELEASE_INTERVAL) {
            if (!(isfinite(p->release_interval_days) &&
                  p->release_interval_days > 0.0))
                breach("product '%s' releases every %g days", p->name,
                       p->release_interval_days);
        } else if (p->release == RELEASE_RANDOM) {
            check_dist("interarrival of", p->name, &p->interarrival);
            if (!(p->interarrival.mean > 0.0))
                breach("product '%s': interarrival mean %g", p->name,
                       p->interarrival.mean);
        } else {
            breach("product '%s': release kind %d", p->name, (int)p->release);
        }
        if (!(isfinite(p->first_release_days) && p->first_release_days >= 0.0))
            breach("product '%s': first release at %g days", p->name,
                   p->first_release_days);
    }
    if (steps > ROUTE_CSV_MAX_TOTAL_STEPS)
        breach("%lld steps in all", (long long)steps);
    if (m->nsources < 1 || !m->sources[0].path || !m->sources[0].text)
        breach("%d sources", (int)m->nsources);
}
