/* compare.c - `wafersim compare BASE.h5 OTHER.h5`: what a disruption costs
 * (wafers lost, months to recover) and whether the early-warning
 * indicators saw it coming, from a baseline run and a disrupted run of the
 * same scenario and seed.
 *
 * Replication r of both runs draws the same random numbers, so every
 * measure is a paired difference, computed per replication by
 * models/resilience.h and summarised as a mean with a 95% Student-t
 * interval over the replications both files hold.  This file reads the two
 * result files (docs/output-format.md), prints the table and, with -o,
 * writes the comparison file ("Comparison file" in the same document).
 *
 * Files older than format_version 3 have no weekly indicators: wafers lost
 * and recovery are still reported, the early warning is said to be
 * unavailable.
 */
#include "commands.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <getopt.h>
#include <hdf5.h>
#include <hdf5_hl.h>

#include "version.h"
#include "args.h"
#include "models/h5file.h"
#include "models/resilience.h"
#include "sim/date.h"

/* The comparison file's own format_version (docs/output-format.md). */
#define COMPARE_FORMAT_VERSION 1
#define COMPARE_LEVEL 0.95

enum { NINDICATORS = 3 };

/* The early-warning indicators, as named along the comparison file's
 * `indicator` dimension, and the run-file variable each is read from.  A
 * per-area indicator flags a week when any area leaves its limits. */
static const struct indicator_spec {
    const char *name;
    const char *variable;
    int per_area;
} indicators[NINDICATORS] = {
    {"wip_vs_plan", "ew_wip_vs_plan", 1},
    {"bottleneck_queue_growth", "ew_bottleneck_queue_growth_days", 0},
    {"projected_shortfall", "ew_projected_shortfall", 0},
};

static const char compare_usage_text[] =
    "usage: wafersim compare BASE.h5 OTHER.h5 [-o OUT.h5] [--scenario N]\n"
    "                        [--tolerance X] [--sigma K] [--product NAME]\n"
    "\n"
    "Compares a disrupted run (OTHER.h5) with its baseline (BASE.h5), both\n"
    "from wafersim run with the same seed, replication by replication:\n"
    "wafers lost, months to recover, and the lead time of the early-warning\n"
    "indicators (docs/output-format.md, \"Comparison file\").\n"
    "  -o, --output OUT.h5   also write the comparison to an HDF5 file\n"
    "      --scenario N      scenario (sweep point) of both files (default 0)\n"
    "      --tolerance X     a drop is output more than X below BASE's,\n"
    "                        0 <= X < 1 (default 0.05)\n"
    "      --sigma K         control limits mean +- K sd of BASE after the\n"
    "                        warm-up, K > 0 (default 3)\n"
    "      --product NAME    monthly output of one product (default: all)\n"
    "exit status: 0 ok, 64 usage, 65 not a result file or files that do not\n"
    "             pair, 66 missing input, 73 cannot create output, 74 I/O error\n";

typedef struct compare_options {
    const char *base;
    const char *other;
    const char *output;         /* NULL: table only */
    const char *product;        /* NULL: total over products */
    int32_t scenario;
    double tolerance;
    double sigma;
} compare_options;

static int parse_fraction(const char *text, double min, double max_excl,
                          double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= min && v < max_excl))
        return -1;
    *out = v;
    return 0;
}

/* Returns 0, an exit status, or -1 after printing the help. */
static int parse_compare_options(int argc, char **argv, compare_options *o)
{
    static const struct option options[] = {
        {"output", required_argument, NULL, 'o'},
        {"scenario", required_argument, NULL, 's'},
        {"tolerance", required_argument, NULL, 't'},
        {"sigma", required_argument, NULL, 'k'},
        {"product", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    long long scenario;
    int opt;
    memset(o, 0, sizeof *o);
    o->tolerance = RESILIENCE_TOLERANCE;
    o->sigma = RESILIENCE_SIGMA;
    optind = 1;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        switch (opt) {
        case 'o':
            o->output = optarg;
            break;
        case 's':
            if (cli_parse_integer(optarg, 0, INT32_MAX, &scenario))
                return cli_usage_error("--scenario needs a scenario number >= 0, not: ",
                                       optarg);
            o->scenario = (int32_t)scenario;
            break;
        case 't':
            if (parse_fraction(optarg, 0.0, 1.0, &o->tolerance))
                return cli_usage_error("--tolerance needs a number >= 0 and < 1, not: ",
                                       optarg);
            break;
        case 'k':
            if (parse_fraction(optarg, 1e-9, 1e6, &o->sigma))
                return cli_usage_error("--sigma needs a number > 0, not: ", optarg);
            break;
        case 'p':
            o->product = optarg;
            break;
        case 'h':
            fputs(compare_usage_text, stdout);
            return -1;
        default:
            return cli_usage_error("unknown option or missing value: ",
                                   argv[optind - 1]);
        }
    }
    if (optind + 2 != argc)
        return cli_usage_error(optind + 2 > argc ? "compare needs BASE.h5 and OTHER.h5"
                                                 : "compare takes two files, not more: ",
                               optind + 2 > argc ? "" : argv[optind + 2]);
    o->base = argv[optind];
    o->other = argv[optind + 1];
    if (o->output && o->output[0] == '\0')
        return cli_usage_error("-o needs a file name", "");
    return 0;
}

/* ---- reading a result file -------------------------------------------- */

/* What compare needs of one result file; arrays malloc'd. */
typedef struct run_file {
    const char *path;
    hid_t file;
    hid_t string_type;
    int32_t format_version;
    int has_seed;
    uint64_t seed;
    char start_date[32];
    double warmup_days;
    hsize_t scenarios, replications, months, products;
    double *month;              /* [months] start, days since start_date */
    char **product;             /* [products] */
    int32_t *replication;       /* [replications] coordinate values */
    unsigned char *done;        /* [scenarios * replications] task_done */
    int weekly;                 /* week, week_warmup, weekly_wafers_out */
    hsize_t weeks, areas;
    double *week;               /* [weeks] end, days since start_date */
    unsigned char *week_warmup; /* [weeks] */
    char **area;                /* [areas] */
    int has_indicator[NINDICATORS];
    double *first_disruption;   /* [scenarios * replications] earliest
                                   disruption start, NaN: none */
} run_file;

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
}

static void run_file_close(run_file *f)
{
    if (f->string_type >= 0)
        H5Tclose(f->string_type);
    if (f->file >= 0)
        H5Fclose(f->file);
    free(f->month);
    free_names(f->product, (size_t)f->products);
    free(f->replication);
    free(f->done);
    free(f->week);
    free(f->week_warmup);
    free_names(f->area, (size_t)f->areas);
    free(f->first_disruption);
}

static int not_result(const run_file *f, ws_error *err, const char *why)
{
    return ws_error_set(err, WS_EDATA, f->path, 0, 0,
                        "not a wafersim result file (%s)", why);
}

static int exists(hid_t loc, const char *name)
{
    return H5Lexists(loc, name, H5P_DEFAULT) > 0;
}

/* The shape of dataset name, when it has the given rank; else -1. */
static int dataset_dims(hid_t loc, const char *name, int rank, hsize_t *dims)
{
    if (!exists(loc, name))
        return -1;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t space = d >= 0 ? H5Dget_space(d) : -1;
    int r = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    if (r == rank && rank > 0 && H5Sget_simple_extent_dims(space, dims, NULL) < 0)
        r = -1;
    if (space >= 0)
        H5Sclose(space);
    if (d >= 0)
        H5Dclose(d);
    return r == rank ? 0 : -1;
}

/* Reads count elements from start (rank r) of dataset name into buf;
 * start NULL reads it whole. */
static int read_values(const run_file *f, const char *name, hid_t mem_type,
                       int rank, const hsize_t *start, const hsize_t *count,
                       void *buf, ws_error *err)
{
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    hid_t file_space = -1, mem_space = -1;
    herr_t status = -1;
    if (d >= 0 && !start) {
        status = H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    } else if (d >= 0) {
        hsize_t n = 1;
        for (int i = 0; i < rank; i++)
            n *= count[i];
        file_space = H5Dget_space(d);
        mem_space = H5Screate_simple(1, &n, NULL);
        if (n == 0)
            status = 0;
        else if (file_space >= 0 && mem_space >= 0
                 && H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, NULL,
                                        count, NULL) >= 0)
            status = H5Dread(d, mem_type, mem_space, file_space, H5P_DEFAULT, buf);
    }
    if (mem_space >= 0)
        H5Sclose(mem_space);
    if (file_space >= 0)
        H5Sclose(file_space);
    if (d >= 0)
        H5Dclose(d);
    if (status < 0)
        return h5file_fail(f->path, err, WS_EDATA, "cannot read %s", name);
    return 0;
}

/* A 1-D dataset of n variable-length strings, copied. */
static int read_names(const run_file *f, const char *name, size_t n,
                      char ***out, ws_error *err)
{
    char **v = calloc(n + 1, sizeof *v);
    char **copy = calloc(n + 1, sizeof *copy);
    int rc = v && copy ? 0 : ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    hid_t d = rc == 0 ? H5Dopen2(f->file, name, H5P_DEFAULT) : -1;
    hid_t type = d >= 0 ? H5Dget_type(d) : -1;
    if (rc == 0 && (type < 0 || H5Tget_class(type) != H5T_STRING
                    || H5Tis_variable_str(type) <= 0
                    || H5Dread(d, f->string_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0))
        rc = h5file_fail(f->path, err, WS_EDATA,
                         "%s is not a dataset of strings", name);
    for (size_t i = 0; i < n && rc == 0; i++) {
        const char *s = v[i] ? v[i] : "";
        size_t len = strlen(s) + 1;
        if (!(copy[i] = malloc(len)))
            rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        else
            memcpy(copy[i], s, len);
    }
    if (type >= 0 && d >= 0 && v && H5Tget_class(type) == H5T_STRING
        && H5Tis_variable_str(type) > 0) {
        hid_t space = H5Dget_space(d);
        H5Dvlen_reclaim(f->string_type, space, H5P_DEFAULT, v);
        H5Sclose(space);
    }
    if (type >= 0)
        H5Tclose(type);
    if (d >= 0)
        H5Dclose(d);
    free(v);
    if (rc) {
        free_names(copy, n);
        return rc;
    }
    *out = copy;
    return 0;
}

/* A 1-D boolean dataset (the bool_t enum h5py and wafersim write, or
 * any one-byte integer) of n values as 0/1. */
static int read_flags(const run_file *f, const char *name, size_t n,
                      unsigned char **out, ws_error *err)
{
    unsigned char *v = malloc(n + 1);
    if (!v)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    hid_t d = H5Dopen2(f->file, name, H5P_DEFAULT);
    hid_t type = d >= 0 ? H5Dget_type(d) : -1;
    hid_t mem = type >= 0 ? H5Tget_native_type(type, H5T_DIR_ASCEND) : -1;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int ok = mem >= 0 && (cls == H5T_ENUM || cls == H5T_INTEGER)
             && H5Tget_size(mem) == 1
             && H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0;
    if (mem >= 0)
        H5Tclose(mem);
    if (type >= 0)
        H5Tclose(type);
    if (d >= 0)
        H5Dclose(d);
    if (!ok) {
        free(v);
        return h5file_fail(f->path, err, WS_EDATA,
                           "cannot read %s as booleans", name);
    }
    for (size_t i = 0; i < n; i++)
        v[i] = v[i] != 0;
    *out = v;
    return 0;
}

/* A scalar string attribute (variable or fixed length) into buf; -1 when
 * absent or not a string. */
static int read_string_attr(const run_file *f, const char *name, char *buf,
                            size_t size)
{
    if (H5Aexists(f->file, name) <= 0)
        return -1;
    hid_t a = H5Aopen(f->file, name, H5P_DEFAULT);
    hid_t type = a >= 0 ? H5Aget_type(a) : -1;
    int rc = -1;
    buf[0] = '\0';
    if (type >= 0 && H5Tget_class(type) == H5T_STRING) {
        if (H5Tis_variable_str(type) > 0) {
            char *s = NULL;
            if (H5Aread(a, f->string_type, &s) >= 0 && s) {
                snprintf(buf, size, "%s", s);
                H5free_memory(s);
                rc = 0;
            }
        } else {
            size_t n = H5Tget_size(type);
            char *s = calloc(n + 1, 1);
            hid_t mem = H5Tcopy(type);
            if (s && mem >= 0 && H5Aread(a, mem, s) >= 0) {
                snprintf(buf, size, "%s", s);
                rc = 0;
            }
            if (mem >= 0)
                H5Tclose(mem);
            free(s);
        }
    }
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

static int read_number_attr(const run_file *f, const char *name, hid_t mem,
                            void *out)
{
    if (H5Aexists(f->file, name) <= 0)
        return -1;
    hid_t a = H5Aopen(f->file, name, H5P_DEFAULT);
    hid_t type = a >= 0 ? H5Aget_type(a) : -1;
    H5T_class_t cls = type >= 0 ? H5Tget_class(type) : H5T_NO_CLASS;
    int rc = (cls == H5T_INTEGER || cls == H5T_FLOAT)
             && H5Aread(a, mem, out) >= 0 ? 0 : -1;
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return rc;
}

/* The earliest disruption start of every (scenario, replication), from
 * `disruption_first_start_days` (scenario, replication, disruption); NaN
 * where none occurred, and everywhere in files before format_version 3. */
static int read_disruptions(run_file *f, ws_error *err)
{
    size_t tasks = (size_t)(f->scenarios * f->replications);
    f->first_disruption = malloc(tasks * sizeof *f->first_disruption);
    if (!f->first_disruption)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t t = 0; t < tasks; t++)
        f->first_disruption[t] = NAN;
    hsize_t dims[3];
    if (dataset_dims(f->file, "disruption_first_start_days", 3, dims) != 0
        || dims[0] != f->scenarios || dims[1] != f->replications)
        return 0;
    size_t D = (size_t)dims[2];
    double *v = malloc((tasks * D + 1) * sizeof *v);
    if (!v)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = tasks * D == 0 ? 0
           : read_values(f, "disruption_first_start_days", H5T_NATIVE_DOUBLE, 3,
                         NULL, NULL, v, err);
    for (size_t t = 0; t < tasks && rc == 0; t++)
        for (size_t d = 0; d < D; d++) {
            double x = v[t * D + d];
            if (!isnan(x) && (isnan(f->first_disruption[t])
                              || x < f->first_disruption[t]))
                f->first_disruption[t] = x;
        }
    free(v);
    return rc;
}

/* The weekly part (format 3): absent or incomplete leaves f->weekly 0. */
static int read_weekly(run_file *f, ws_error *err)
{
    hsize_t dims[4];
    if (dataset_dims(f->file, "week", 1, dims) != 0)
        return 0;
    f->weeks = dims[0];
    if (dataset_dims(f->file, "week_warmup", 1, dims) != 0 || dims[0] != f->weeks
        || dataset_dims(f->file, "weekly_wafers_out", 3, dims) != 0
        || dims[0] != f->scenarios || dims[1] != f->replications
        || dims[2] != f->weeks) {
        f->weeks = 0;
        return 0;
    }
    f->week = malloc(((size_t)f->weeks + 1) * sizeof *f->week);
    if (!f->week)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = read_values(f, "week", H5T_NATIVE_DOUBLE, 1, NULL, NULL, f->week, err);
    if (rc == 0)
        rc = read_flags(f, "week_warmup", (size_t)f->weeks, &f->week_warmup, err);
    if (rc)
        return rc;
    f->weekly = 1;
    if (dataset_dims(f->file, "area", 1, dims) == 0) {
        f->areas = dims[0];
        if ((rc = read_names(f, "area", (size_t)f->areas, &f->area, err)) != 0) {
            f->areas = 0;
            return rc;
        }
    }
    for (int i = 0; i < NINDICATORS; i++) {
        int rank = indicators[i].per_area ? 4 : 3;
        f->has_indicator[i] =
            dataset_dims(f->file, indicators[i].variable, rank, dims) == 0
            && dims[0] == f->scenarios && dims[1] == f->replications
            && dims[2] == f->weeks
            && (!indicators[i].per_area || (f->area && dims[3] == f->areas));
    }
    return 0;
}

/* A closed file, safe to run_file_close. */
static void run_file_reset(run_file *f, const char *path)
{
    memset(f, 0, sizeof *f);
    f->path = path;
    f->file = -1;
    f->string_type = -1;
}

static int run_file_open(run_file *f, ws_error *err)
{
    const char *path = f->path;
    f->string_type = h5file_string_type();
    if (f->string_type < 0)
        return h5file_fail(path, err, WS_ESOFTWARE, "cannot make a string type");
    if (access(path, R_OK) != 0)
        return ws_error_set(err, WS_ENOINPUT, path, 0, 0, "cannot read: %s",
                            strerror(errno));
    if (H5Fis_hdf5(path) <= 0)
        return not_result(f, err, "not an HDF5 file");
    f->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f->file < 0)
        return h5file_fail(path, err, WS_EDATA, "cannot open");
    char software[64];
    if (read_string_attr(f, "software", software, sizeof software) != 0
        || strcmp(software, "wafersim") != 0)
        return not_result(f, err, "no software = \"wafersim\" attribute");
    if (read_number_attr(f, "format_version", H5T_NATIVE_INT32,
                         &f->format_version) != 0)
        return not_result(f, err, "no format_version");
    f->has_seed = read_number_attr(f, "base_seed", H5T_NATIVE_UINT64, &f->seed) == 0;
    if (read_string_attr(f, "start_date", f->start_date, sizeof f->start_date) != 0)
        return not_result(f, err, "no start_date");
    if (read_number_attr(f, "warmup_days", H5T_NATIVE_DOUBLE, &f->warmup_days) != 0)
        return not_result(f, err, "no warmup_days");

    hsize_t dims[4], n[4];
    if (dataset_dims(f->file, "wafers_out", 4, dims) != 0)
        return not_result(f, err, "no wafers_out of 4 dimensions");
    static const char *const coords[] = {"scenario", "replication", "month",
                                         "product"};
    for (int i = 0; i < 4; i++)
        if (dataset_dims(f->file, coords[i], 1, &n[i]) != 0 || n[i] != dims[i])
            return ws_error_set(err, WS_EDATA, f->path, 0, 0,
                                "not a wafersim result file (coordinate %s does "
                                "not match wafers_out)", coords[i]);
    f->scenarios = dims[0];
    f->replications = dims[1];
    f->months = dims[2];
    f->products = dims[3];
    if (f->scenarios == 0 || f->replications == 0 || f->months == 0
        || f->products == 0)
        return not_result(f, err, "an empty dimension");
    if (dataset_dims(f->file, "task_done", 2, dims) != 0
        || dims[0] != f->scenarios || dims[1] != f->replications)
        return not_result(f, err, "no task_done");
    f->month = malloc((size_t)f->months * sizeof *f->month);
    f->replication = malloc((size_t)f->replications * sizeof *f->replication);
    if (!f->month || !f->replication)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    int rc = read_values(f, "month", H5T_NATIVE_DOUBLE, 1, NULL, NULL, f->month, err);
    if (rc == 0)
        rc = read_values(f, "replication", H5T_NATIVE_INT32, 1, NULL, NULL,
                         f->replication, err);
    if (rc == 0)
        rc = read_names(f, "product", (size_t)f->products, &f->product, err);
    if (rc == 0)
        rc = read_flags(f, "task_done", (size_t)(f->scenarios * f->replications),
                        &f->done, err);
    if (rc == 0)
        rc = read_weekly(f, err);
    if (rc == 0)
        rc = read_disruptions(f, err);
    return rc;
}

/* ---- pairing the two files --------------------------------------------- */

typedef struct pairing {
    size_t n;                   /* replications in both files */
    int32_t *replication;       /* [n] their numbers */
    hsize_t *base_row;          /* [n] positions along replication */
    hsize_t *other_row;
    size_t base_present, other_present;
    int32_t product;            /* -1: total */
    int same_seed;
    int weekly;                 /* weeks usable in both */
    int available[NINDICATORS];
    char unavailable[160];      /* why the early warning is missing */
    int warmups_differ;
} pairing;

static void pairing_free(pairing *p)
{
    free(p->replication);
    free(p->base_row);
    free(p->other_row);
}

static int same_doubles(const double *a, const double *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(a[i] == b[i]))
            return 0;
    return 1;
}

static int pair_files(const run_file *b, const run_file *o,
                      const compare_options *opt, pairing *p, ws_error *err)
{
    memset(p, 0, sizeof *p);
    p->product = -1;
    if ((hsize_t)opt->scenario >= b->scenarios || (hsize_t)opt->scenario >= o->scenarios)
        return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                            "--scenario %d: %s has %llu scenarios and %s %llu",
                            (int)opt->scenario, b->path,
                            (unsigned long long)b->scenarios, o->path,
                            (unsigned long long)o->scenarios);
    if (strcmp(b->start_date, o->start_date) != 0 || b->months != o->months
        || !same_doubles(b->month, o->month, (size_t)b->months))
        return ws_error_set(err, WS_EDATA, o->path, 0, 0,
                            "has other months than %s (start %s and %llu months "
                            "against %s and %llu): compare runs of the same "
                            "start date and horizon", b->path, o->start_date,
                            (unsigned long long)o->months, b->start_date,
                            (unsigned long long)b->months);
    int same = b->products == o->products;
    for (hsize_t k = 0; same && k < b->products; k++)
        same = strcmp(b->product[k], o->product[k]) == 0;
    if (!same)
        return ws_error_set(err, WS_EDATA, o->path, 0, 0,
                            "has other products than %s", b->path);
    if (opt->product) {
        for (hsize_t k = 0; k < b->products && p->product < 0; k++)
            if (strcmp(b->product[k], opt->product) == 0)
                p->product = (int32_t)k;
        if (p->product < 0)
            return ws_error_set(err, WS_EUSAGE, NULL, 0, 0,
                                "--product %s: no such product in %s",
                                opt->product, b->path);
    }

    size_t R = (size_t)b->replications;
    p->replication = malloc((R + 1) * sizeof *p->replication);
    p->base_row = malloc((R + 1) * sizeof *p->base_row);
    p->other_row = malloc((R + 1) * sizeof *p->other_row);
    if (!p->replication || !p->base_row || !p->other_row)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    size_t s = (size_t)opt->scenario;
    for (hsize_t r = 0; r < o->replications; r++)
        p->other_present += o->done[s * (size_t)o->replications + (size_t)r];
    for (hsize_t r = 0; r < b->replications; r++) {
        if (!b->done[s * R + (size_t)r])
            continue;
        p->base_present++;
        /* Replication numbers are positions in every file wafersim writes,
         * so look there first; the scan keeps other files right at O(R^2). */
        hsize_t q = r < o->replications && o->replication[r] == b->replication[r]
                        ? r : 0;
        while (q < o->replications && o->replication[q] != b->replication[r])
            q++;
        if (q < o->replications && o->done[s * (size_t)o->replications + (size_t)q]) {
            p->replication[p->n] = b->replication[r];
            p->base_row[p->n] = r;
            p->other_row[p->n] = q;
            p->n++;
        }
    }
    if (p->n == 0)
        return ws_error_set(err, WS_EDATA, o->path, 0, 0,
                            "shares no finished replication of scenario %d "
                            "with %s", (int)opt->scenario, b->path);
    p->same_seed = b->has_seed && o->has_seed && b->seed == o->seed;
    p->warmups_differ = b->warmup_days != o->warmup_days;

    if (!b->weekly || !o->weekly) {
        const run_file *old = b->weekly ? o : b;
        snprintf(p->unavailable, sizeof p->unavailable, "%s no weekly "
                 "indicators (format_version %d; they came with 3)",
                 b->weekly || o->weekly ? (old == b ? "BASE has" : "OTHER has")
                                        : "the files have",
                 (int)old->format_version);
    } else if (b->weeks != o->weeks
               || !same_doubles(b->week, o->week, (size_t)b->weeks)) {
        snprintf(p->unavailable, sizeof p->unavailable,
                 "the two files have different weeks");
    } else {
        p->weekly = 1;
        int areas_match = b->areas == o->areas;
        for (hsize_t a = 0; areas_match && a < b->areas; a++)
            areas_match = strcmp(b->area[a], o->area[a]) == 0;
        for (int i = 0; i < NINDICATORS; i++)
            p->available[i] = b->has_indicator[i] && o->has_indicator[i]
                              && (!indicators[i].per_area || areas_match);
    }
    return 0;
}

/* ---- the measures ------------------------------------------------------ */

typedef struct comparison {
    size_t n, months;
    /* per replication and month, [n * months] */
    double *base_out, *other_out, *lost, *cumulative;
    /* per replication, [n] */
    double *onset, *total, *drop_months, *recovery_months, *drop_time;
    ptrdiff_t *drop_week;
    unsigned char *from_event;  /* the onset is a disruption's start */
    size_t onsets_from_events;
    /* per replication and indicator, [n * NINDICATORS] */
    double *flag_time, *lead, *false_alarm;
    /* summaries over replications */
    double *base_mean, *other_mean, *lost_mean, *lost_hw, *cum_mean, *cum_hw,
           *scratch;            /* [months] */
    double total_mean, total_hw, recovery_mean, recovery_hw;
    size_t dropped, recovered, output_dropped;
    double lead_mean[NINDICATORS], lead_hw[NINDICATORS];
    double false_alarm_mean[NINDICATORS], false_alarm_hw[NINDICATORS];
    double warned_share[NINDICATORS];
    size_t warned[NINDICATORS];
} comparison;

static void comparison_free(comparison *c)
{
    double *arrays[] = {c->base_out, c->other_out, c->lost, c->cumulative,
                        c->onset, c->total, c->drop_months, c->recovery_months,
                        c->drop_time, c->flag_time, c->lead, c->false_alarm,
                        c->base_mean, c->other_mean, c->lost_mean, c->lost_hw,
                        c->cum_mean, c->cum_hw, c->scratch};
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        free(arrays[i]);
    free(c->drop_week);
    free(c->from_event);
}

static int comparison_alloc(comparison *c, size_t n, size_t months, ws_error *err)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->months = months;
    size_t nm = n * months + 1, nr = n + 1, ni = n * NINDICATORS + 1;
    double **by_month[] = {&c->base_out, &c->other_out, &c->lost, &c->cumulative};
    double **by_rep[] = {&c->onset, &c->total, &c->drop_months,
                         &c->recovery_months, &c->drop_time};
    double **by_ind[] = {&c->flag_time, &c->lead, &c->false_alarm};
    double **summary[] = {&c->base_mean, &c->other_mean, &c->lost_mean,
                          &c->lost_hw, &c->cum_mean, &c->cum_hw, &c->scratch};
    int ok = 1;
    for (size_t i = 0; i < sizeof by_month / sizeof *by_month; i++)
        ok &= (*by_month[i] = malloc(nm * sizeof(double))) != NULL;
    for (size_t i = 0; i < sizeof by_rep / sizeof *by_rep; i++)
        ok &= (*by_rep[i] = malloc(nr * sizeof(double))) != NULL;
    for (size_t i = 0; i < sizeof by_ind / sizeof *by_ind; i++)
        ok &= (*by_ind[i] = malloc(ni * sizeof(double))) != NULL;
    for (size_t i = 0; i < sizeof summary / sizeof *summary; i++)
        ok &= (*summary[i] = malloc((months + 1) * sizeof(double))) != NULL;
    ok &= (c->drop_week = malloc(nr * sizeof *c->drop_week)) != NULL;
    ok &= (c->from_event = malloc(nr)) != NULL;
    return ok ? 0 : ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
}

/* Monthly wafers out of one replication: one product or the sum. */
static int monthly_output(const run_file *f, hsize_t scenario, hsize_t row,
                          int32_t product, double *slab, double *out,
                          ws_error *err)
{
    hsize_t start[4] = {scenario, row, 0, 0};
    hsize_t count[4] = {1, 1, f->months, f->products};
    int rc = read_values(f, "wafers_out", H5T_NATIVE_DOUBLE, 4, start, count,
                         slab, err);
    for (hsize_t m = 0; m < f->months && rc == 0; m++) {
        const double *row_m = slab + m * f->products;
        if (product >= 0) {
            out[m] = row_m[product];
            continue;
        }
        out[m] = 0.0;
        for (hsize_t k = 0; k < f->products; k++)
            out[m] += row_m[k];
    }
    return rc;
}

/* A weekly variable of one replication: [weeks] or [weeks * areas]. */
static int weekly_values(const run_file *f, const char *name, int per_area,
                         hsize_t scenario, hsize_t row, double *out,
                         ws_error *err)
{
    hsize_t start[4] = {scenario, row, 0, 0};
    hsize_t count[4] = {1, 1, f->weeks, f->areas};
    return read_values(f, name, H5T_NATIVE_DOUBLE, per_area ? 4 : 3, start,
                       count, out, err);
}

/* The earliest disruption start of a replication of OTHER, or the end of
 * its warm-up when it has none (a run with a tool fewer, say). */
static double onset_of(const run_file *o, hsize_t scenario, hsize_t row,
                       int *from_event)
{
    double first = o->first_disruption[(size_t)(scenario * o->replications + row)];
    *from_event = !isnan(first);
    return *from_event ? first : o->warmup_days;
}

/* Scratch for one replication's weekly data. */
typedef struct weekly_scratch {
    double *base, *other, *low, *high;
} weekly_scratch;

/* Output drop week, flags, lead times and false alarms of pair j. */
static int early_warning(const run_file *b, const run_file *o,
                         const pairing *p, const compare_options *opt,
                         size_t j, size_t onset_week, weekly_scratch *w,
                         comparison *c, ws_error *err)
{
    hsize_t s = (hsize_t)opt->scenario;
    size_t W = (size_t)b->weeks;
    int rc = weekly_values(b, "weekly_wafers_out", 0, s, p->base_row[j],
                           w->base, err);
    if (rc == 0)
        rc = weekly_values(o, "weekly_wafers_out", 0, s, p->other_row[j],
                           w->other, err);
    if (rc)
        return rc;
    ptrdiff_t drop = resilience_output_drop_week(w->base, w->other, W, onset_week,
                                                 opt->tolerance);
    c->drop_week[j] = drop;
    c->drop_time[j] = drop >= 0 ? b->week[drop] : NAN;
    for (int i = 0; i < NINDICATORS; i++) {
        if (!p->available[i])
            continue;
        int per_area = indicators[i].per_area;
        size_t cols = per_area ? (size_t)b->areas : 1;
        rc = weekly_values(b, indicators[i].variable, per_area, s,
                           p->base_row[j], w->base, err);
        if (rc == 0)
            rc = weekly_values(o, indicators[i].variable, per_area, s,
                               p->other_row[j], w->other, err);
        if (rc)
            return rc;
        resilience_control_limits(w->base, W, cols, b->week_warmup, opt->sigma,
                                  w->low, w->high);
        resilience_warning warn = resilience_warning_find(
            w->other, W, cols, o->week_warmup, onset_week, w->low, w->high);
        size_t k = j * NINDICATORS + (size_t)i;
        c->flag_time[k] = warn.flag_week >= 0 ? b->week[warn.flag_week] : NAN;
        c->lead[k] = resilience_lead_time_days(b->week, warn.flag_week, drop);
        c->false_alarm[k] = warn.false_alarm_share;
    }
    return 0;
}

static int summarise(comparison *c, const pairing *p, ws_error *err)
{
    size_t n = c->n, M = c->months;
    int rc = resilience_column_intervals(c->base_out, n, M, COMPARE_LEVEL,
                                         c->base_mean, c->scratch, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->other_out, n, M, COMPARE_LEVEL,
                                         c->other_mean, c->scratch, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->lost, n, M, COMPARE_LEVEL,
                                         c->lost_mean, c->lost_hw, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->cumulative, n, M, COMPARE_LEVEL,
                                         c->cum_mean, c->cum_hw, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->total, n, 1, COMPARE_LEVEL,
                                         &c->total_mean, &c->total_hw, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->recovery_months, n, 1, COMPARE_LEVEL,
                                         &c->recovery_mean, &c->recovery_hw, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->lead, n, NINDICATORS, COMPARE_LEVEL,
                                         c->lead_mean, c->lead_hw, NULL);
    if (rc == 0)
        rc = resilience_column_intervals(c->false_alarm, n, NINDICATORS,
                                         COMPARE_LEVEL, c->false_alarm_mean,
                                         c->false_alarm_hw, NULL);
    if (rc)
        return ws_error_set(err, rc, NULL, 0, 0, "out of memory");
    for (size_t j = 0; j < n; j++) {
        c->output_dropped += c->drop_week[j] >= 0;
        c->recovered += !isnan(c->recovery_months[j]);
    }
    for (int i = 0; i < NINDICATORS; i++)
        c->warned_share[i] = p->available[i]
            ? resilience_share_warned(c->lead, n, NINDICATORS, (size_t)i,
                                      c->drop_week, &c->warned[i], NULL)
            : NAN;
    return 0;
}

static int compare_files(const run_file *b, const run_file *o, const pairing *p,
                         const compare_options *opt, comparison *c,
                         ws_error *err)
{
    size_t M = (size_t)b->months, W = (size_t)b->weeks;
    size_t cols = b->areas > 1 ? (size_t)b->areas : 1;
    int rc = comparison_alloc(c, p->n, M, err);
    double *slab = rc == 0 ? malloc((M * (size_t)b->products + 1) * sizeof *slab)
                           : NULL;
    weekly_scratch w = {malloc((W * cols + 1) * sizeof(double)),
                        malloc((W * cols + 1) * sizeof(double)),
                        malloc((cols + 1) * sizeof(double)),
                        malloc((cols + 1) * sizeof(double))};
    if (rc == 0 && (!slab || !w.base || !w.other || !w.low || !w.high))
        rc = ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    hsize_t s = (hsize_t)opt->scenario;
    for (size_t j = 0; j < p->n && rc == 0; j++) {
        double *base = c->base_out + j * M, *other = c->other_out + j * M;
        rc = monthly_output(b, s, p->base_row[j], p->product, slab, base, err);
        if (rc == 0)
            rc = monthly_output(o, s, p->other_row[j], p->product, slab, other, err);
        if (rc)
            break;
        resilience_wafers_lost(base, other, M, c->lost + j * M, c->cumulative + j * M);
        c->total[j] = c->cumulative[j * M + M - 1];
        int from_event;
        c->onset[j] = onset_of(o, s, p->other_row[j], &from_event);
        c->from_event[j] = (unsigned char)from_event;
        c->onsets_from_events += (size_t)from_event;
        size_t onset_month = resilience_month_of(b->month, M, c->onset[j]);
        resilience_recovery rec = resilience_recovery_find(base, other, M, onset_month,
                                                           opt->tolerance);
        c->drop_months[j] = rec.drop_month >= 0
                                ? (double)rec.drop_month - (double)onset_month : NAN;
        c->recovery_months[j] = rec.recovery_months;
        c->dropped += rec.drop_month >= 0;
        c->drop_week[j] = -1;
        c->drop_time[j] = NAN;
        for (int i = 0; i < NINDICATORS; i++) {
            size_t k = j * NINDICATORS + (size_t)i;
            c->flag_time[k] = c->lead[k] = c->false_alarm[k] = NAN;
        }
        if (p->weekly)
            rc = early_warning(b, o, p, opt, j,
                               resilience_week_of(b->week, W, c->onset[j]), &w, c,
                               err);
    }
    free(slab);
    free(w.base);
    free(w.other);
    free(w.low);
    free(w.high);
    if (rc == 0)
        rc = summarise(c, p, err);
    return rc;
}

/* ---- the table --------------------------------------------------------- */

/* "mean ± half-width", the half-width left out when there is none. */
static void print_value(FILE *out, double mean, double half_width, int decimals,
                        int width)
{
    char cell[80];
    if (isnan(mean))
        snprintf(cell, sizeof cell, "-");
    else if (isnan(half_width))
        snprintf(cell, sizeof cell, "%.*f", decimals, mean);
    else
        snprintf(cell, sizeof cell, "%.*f ± %.*f", decimals, mean, decimals,
                 half_width);
    /* "±" takes two bytes but one column. */
    fprintf(out, "  %-*s", strstr(cell, "±") ? width + 1 : width, cell);
}

#define LABEL_SIZE 32

/* The month's first day as YYYY-MM-DD (its start date may be a mid-month
 * start date), or its day number when start_date is not a date. */
static void month_label(const run_file *b, double month, char label[LABEL_SIZE])
{
    int64_t start;
    if (date_parse_iso(b->start_date, &start) == 0)
        date_format_iso(start + (int64_t)floor(month), label);
    else
        snprintf(label, LABEL_SIZE, "day %g", month);
}

static void print_header(const run_file *b, const run_file *o, const pairing *p,
                         const compare_options *opt, const comparison *c,
                         FILE *out)
{
    fprintf(out, "compare: BASE %s, OTHER %s\n", b->path, o->path);
    fprintf(out, "scenario %d, %s%s, %zu paired replications", (int)opt->scenario,
            opt->product ? "product " : "", opt->product ? opt->product : "all products",
            p->n);
    if (p->same_seed)
        fprintf(out, ", common random numbers (seed %llu)\n",
                (unsigned long long)b->seed);
    else
        fprintf(out, "\nNOT common random numbers (the seeds differ): the "
                     "intervals are over unpaired differences\n");
    double lo = INFINITY, hi = -INFINITY;
    for (size_t j = 0; j < c->n; j++) {
        if (!c->from_event[j])
            continue;
        lo = c->onset[j] < lo ? c->onset[j] : lo;
        hi = c->onset[j] > hi ? c->onset[j] : hi;
    }
    if (c->onsets_from_events == 0) {
        fprintf(out, "onset: end of the warm-up, day %g (OTHER has no "
                     "disruption events)\n", o->warmup_days);
        return;
    }
    if (lo == hi)
        fprintf(out, "onset: first disruption, day %.1f", lo);
    else
        fprintf(out, "onset: first disruption of each replication, days %.1f "
                     "to %.1f", lo, hi);
    if (c->onsets_from_events < c->n)
        fprintf(out, " (%zu of %zu replications; the others: end of the "
                     "warm-up, day %g)", c->onsets_from_events, c->n,
                o->warmup_days);
    fputc('\n', out);
}

static void print_months(const run_file *b, const comparison *c, FILE *out)
{
    size_t M = c->months, first = M;
    /* Months before the first difference in any replication say nothing
     * (with common random numbers they are identical before the onset). */
    for (size_t m = 0; m < M && first == M; m++)
        for (size_t j = 0; j < c->n; j++)
            if (!(c->lost[j * M + m] == 0.0))
                first = m;
    fprintf(out, "\n%-10s  %12s  %12s  %-20s  %-20s\n", "month", "BASE wafers",
            "OTHER wafers", "wafers lost", "cumulative lost");
    if (first == M) {
        fprintf(out, "(no month differs in any replication)\n");
    } else {
        if (first > 0) {
            char label[LABEL_SIZE];
            month_label(b, b->month[first], label);
            fprintf(out, "(no difference before %s)\n", label);
        }
        for (size_t m = first; m < M; m++) {
            char label[LABEL_SIZE];
            month_label(b, b->month[m], label);
            fprintf(out, "%-10s  %12.1f  %12.1f", label, c->base_mean[m],
                    c->other_mean[m]);
            print_value(out, c->lost_mean[m], c->lost_hw[m], 1, 20);
            print_value(out, c->cum_mean[m], c->cum_hw[m], 1, 20);
            fputc('\n', out);
        }
    }
    fprintf(out, "\n%-34s", "total wafers lost");
    print_value(out, c->total_mean, c->total_hw, 1, 20);
    fputc('\n', out);
}

static void print_recovery(const compare_options *opt, const comparison *c,
                           FILE *out)
{
    fprintf(out, "%-34s  %zu of %zu replications (a month more than %g%% below "
                 "BASE)\n", "output dropped", c->dropped, c->n,
            100.0 * opt->tolerance);
    fprintf(out, "%-34s", "recovery (months from the onset)");
    print_value(out, c->recovery_mean, c->recovery_hw, 2, 20);
    fprintf(out, "  recovered %zu, not within the horizon %zu\n", c->recovered,
            c->dropped - c->recovered);
}

static void print_warning(const pairing *p, const compare_options *opt,
                          const comparison *c, FILE *out)
{
    if (!p->weekly) {
        fprintf(out, "\nearly warning: not available: %s\n", p->unavailable);
        return;
    }
    fprintf(out, "\nearly warning: limits mean ± %g sd of BASE after the warm-up; "
                 "output drop: trailing %d weeks more than %g%% below BASE, in %zu "
                 "of %zu replications\n", opt->sigma, RESILIENCE_TRAILING_WEEKS,
            100.0 * opt->tolerance, c->output_dropped, c->n);
    fprintf(out, "%-24s  %-20s  %-22s  %-20s\n", "indicator", "lead time (days)",
            "warned before the drop", "false-alarm share");
    for (int i = 0; i < NINDICATORS; i++) {
        fprintf(out, "%-24s", indicators[i].name);
        if (!p->available[i]) {
            fprintf(out, "  not in both files\n");
            continue;
        }
        print_value(out, c->lead_mean[i], c->lead_hw[i], 1, 20);
        char warned[48];
        if (c->output_dropped == 0)
            snprintf(warned, sizeof warned, "-");
        else
            snprintf(warned, sizeof warned, "%zu of %zu", c->warned[i],
                     c->output_dropped);
        fprintf(out, "  %-22s", warned);
        print_value(out, c->false_alarm_mean[i], c->false_alarm_hw[i], 3, 20);
        fputc('\n', out);
    }
}

/* ---- the comparison file ----------------------------------------------- */

typedef struct writer {
    const char *partial;
    hid_t file;
    hid_t string_type;
    hid_t scale[3];             /* replication, month, indicator */
} writer;

enum { DIM_REP, DIM_MONTH, DIM_INDICATOR };

typedef struct variable {
    const char *name;
    int rank;                   /* 0 (scalar), 1 or 2 */
    int dims[2];
    hid_t file_type, mem_type;
    const void *values;
    const char *units;
    const char *long_name;
} variable;

static int write_variable(const writer *w, const variable *v, const hsize_t *size,
                          ws_error *err)
{
    hsize_t dims[2];
    size_t n = 1;
    for (int k = 0; k < v->rank; k++) {
        dims[k] = size[v->dims[k]];
        n *= (size_t)dims[k];
    }
    int is_float = v->mem_type == H5T_NATIVE_DOUBLE;
    h5file_dataset_spec s = {v->name, v->file_type, v->rank, dims, NULL, NULL,
                             is_float ? H5T_NATIVE_DOUBLE : -1};
    hid_t d = h5file_dataset_create(w->partial, w->file, &s, err);
    if (d < 0)
        return err->code;
    int rc = h5file_dataset_write_all(w->partial, d, v->mem_type, n, v->values, err);
    if (rc == 0 && is_float)
        rc = h5file_attr_nan_fill(w->partial, d, err);
    if (rc == 0)
        rc = h5file_describe(w->partial, d, v->long_name, v->units,
                             w->string_type, err);
    for (int k = 0; k < v->rank && rc == 0; k++)
        rc = h5file_attach_scale(w->partial, d, w->scale[v->dims[k]], (unsigned)k,
                                 err);
    if (H5Dclose(d) < 0 && rc == 0)
        rc = h5file_fail(w->partial, err, WS_EIO, "cannot close %s", v->name);
    return rc;
}

static int create_scales(writer *w, const run_file *b, const pairing *p,
                         const hsize_t *size, ws_error *err)
{
    static const char *const names[3] = {"replication", "month", "indicator"};
    const hid_t types[3] = {H5T_STD_I32LE, H5T_IEEE_F64LE, w->string_type};
    const char *indicator_names[NINDICATORS];
    for (int i = 0; i < NINDICATORS; i++)
        indicator_names[i] = indicators[i].name;
    const struct { hid_t mem; const void *values; } data[3] = {
        {H5T_NATIVE_INT32, p->replication},
        {H5T_NATIVE_DOUBLE, b->month},
        {w->string_type, indicator_names},
    };
    char units[64];
    snprintf(units, sizeof units, "days since %.31s", b->start_date);
    const char *long_names[3][2] = {
        {"replication (the same number in both runs)", "1"},
        {"start of the month", units},
        {"early-warning indicator", "1"},
    };
    int rc = 0;
    for (int k = 0; k < 3 && rc == 0; k++) {
        hsize_t n = size[k];
        h5file_dataset_spec s = {names[k], types[k], 1, &n, NULL, NULL, -1};
        w->scale[k] = h5file_dataset_create(w->partial, w->file, &s, err);
        if (w->scale[k] < 0)
            return err->code;
        rc = h5file_dataset_write_all(w->partial, w->scale[k], data[k].mem,
                                      (size_t)n, data[k].values, err);
        if (rc == 0 && H5DSset_scale(w->scale[k], names[k]) < 0)
            rc = h5file_fail(w->partial, err, WS_EIO,
                             "cannot make %s a dimension scale", names[k]);
        if (rc == 0)
            rc = h5file_describe(w->partial, w->scale[k], long_names[k][0],
                                 long_names[k][1], w->string_type, err);
    }
    if (rc == 0)
        rc = h5file_attr_string(w->partial, w->scale[DIM_MONTH], "calendar",
                                "proleptic_gregorian", w->string_type, err);
    return rc;
}

static int write_variables(const writer *w, const pairing *p,
                           const comparison *c, const hsize_t *size,
                           ws_error *err)
{
    hid_t F = H5T_IEEE_F64LE, D = H5T_NATIVE_DOUBLE;
    hid_t I = H5T_STD_I32LE, N = H5T_NATIVE_INT32;
    int32_t dropped = (int32_t)c->dropped;
    int32_t not_recovered = (int32_t)(c->dropped - c->recovered);
    int32_t output_dropped = p->weekly ? (int32_t)c->output_dropped : -1;
    int32_t warned[NINDICATORS];
    for (int i = 0; i < NINDICATORS; i++)
        warned[i] = p->available[i] ? (int32_t)c->warned[i] : -1;
    /* Units "day", not "days": xarray would decode "days" to timedelta64. */
    const variable vars[] = {
        {"base_wafers_out", 2, {DIM_REP, DIM_MONTH}, F, D, c->base_out, "wafer",
         "BASE's wafers out in the month (the product compared, or all)"},
        {"other_wafers_out", 2, {DIM_REP, DIM_MONTH}, F, D, c->other_out, "wafer",
         "OTHER's wafers out in the month"},
        {"wafers_lost", 2, {DIM_REP, DIM_MONTH}, F, D, c->lost, "wafer",
         "wafers lost in the month: BASE - OTHER, paired by replication"},
        {"cumulative_wafers_lost", 2, {DIM_REP, DIM_MONTH}, F, D, c->cumulative,
         "wafer", "wafers lost from the first month to the end of this one"},
        {"onset_time_days", 1, {DIM_REP}, F, D, c->onset, "day",
         "onset: OTHER's first disruption start, else the end of its warm-up"},
        {"drop_months", 1, {DIM_REP}, F, D, c->drop_months, "month",
         "months from the onset month to the first month more than tolerance "
         "below BASE (NaN: no drop)"},
        {"recovery_months", 1, {DIM_REP}, F, D, c->recovery_months, "month",
         "months from the onset month to the first month after the drop back "
         "within tolerance (NaN: no drop, or not recovered by the horizon)"},
        {"output_drop_time_days", 1, {DIM_REP}, F, D, c->drop_time, "day",
         "end of the first week from the onset whose trailing 4-week output "
         "is more than tolerance below BASE's (NaN: none)"},
        {"flag_time_days", 2, {DIM_REP, DIM_INDICATOR}, F, D, c->flag_time, "day",
         "end of the first week from the onset with the indicator outside "
         "BASE's control limits (NaN: none)"},
        {"lead_time_days", 2, {DIM_REP, DIM_INDICATOR}, F, D, c->lead, "day",
         "output drop time - flag time: positive when warned in advance "
         "(NaN: no flag or no drop)"},
        {"false_alarm_share", 2, {DIM_REP, DIM_INDICATOR}, F, D, c->false_alarm,
         "1", "share of OTHER's weeks after the warm-up and before the onset "
         "outside the control limits"},
        {"summary_wafers_lost", 1, {DIM_MONTH}, F, D, c->lost_mean, "wafer",
         "mean of wafers_lost over replications"},
        {"summary_wafers_lost_ci95", 1, {DIM_MONTH}, F, D, c->lost_hw, "wafer",
         "half-width of its 95% Student-t confidence interval"},
        {"summary_cumulative_wafers_lost", 1, {DIM_MONTH}, F, D, c->cum_mean,
         "wafer", "mean of cumulative_wafers_lost over replications"},
        {"summary_cumulative_wafers_lost_ci95", 1, {DIM_MONTH}, F, D, c->cum_hw,
         "wafer", "half-width of its 95% Student-t confidence interval"},
        {"summary_total_wafers_lost", 0, {0}, F, D, &c->total_mean, "wafer",
         "mean over replications of the wafers lost over the whole horizon"},
        {"summary_total_wafers_lost_ci95", 0, {0}, F, D, &c->total_hw, "wafer",
         "half-width of its 95% Student-t confidence interval"},
        {"summary_recovery_months", 0, {0}, F, D, &c->recovery_mean, "month",
         "mean of recovery_months over the replications that recovered"},
        {"summary_recovery_months_ci95", 0, {0}, F, D, &c->recovery_hw, "month",
         "half-width of its 95% Student-t confidence interval"},
        {"summary_replications_dropped", 0, {0}, I, N, &dropped, "1",
         "replications whose monthly output dropped"},
        {"summary_replications_not_recovered", 0, {0}, I, N, &not_recovered, "1",
         "replications that dropped and did not recover by the horizon"},
        {"summary_replications_output_dropped", 0, {0}, I, N, &output_dropped,
         "1", "replications with a weekly output drop (-1: no weekly data)"},
        {"summary_lead_time_days", 1, {DIM_INDICATOR}, F, D, c->lead_mean, "day",
         "mean of lead_time_days over replications"},
        {"summary_lead_time_days_ci95", 1, {DIM_INDICATOR}, F, D, c->lead_hw, "day",
         "half-width of its 95% Student-t confidence interval"},
        {"summary_warned", 1, {DIM_INDICATOR}, I, N, warned, "1",
         "replications with a weekly output drop that the indicator flagged "
         "before it (-1: indicator not available)"},
        {"summary_warned_share", 1, {DIM_INDICATOR}, F, D, c->warned_share, "1",
         "summary_warned / summary_replications_output_dropped"},
        {"summary_false_alarm_share", 1, {DIM_INDICATOR}, F, D,
         c->false_alarm_mean, "1", "mean of false_alarm_share over replications"},
        {"summary_false_alarm_share_ci95", 1, {DIM_INDICATOR}, F, D,
         c->false_alarm_hw, "1",
         "half-width of its 95% Student-t confidence interval"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof vars / sizeof *vars && rc == 0; i++)
        rc = write_variable(w, &vars[i], size, err);
    return rc;
}

typedef struct provenance {
    const char *command_line;
    const compare_options *opt;
    const run_file *base, *other;
    const pairing *p;
} provenance;

static int write_attributes(const writer *w, const provenance *v, ws_error *err)
{
    const char *path = w->partial;
    hid_t root = w->file, st = w->string_type;
    const char *const strings[][2] = {
        {"software", "wafersim"},
        {"version", WAFERSIM_VERSION},
        {"git_revision", WAFERSIM_GIT_REVISION},
        {"command_line", v->command_line},
        {"content", "comparison"},
        {"base_file", v->base->path},
        {"other_file", v->other->path},
        {"start_date", v->base->start_date},
        {"product", v->opt->product ? v->opt->product : ""},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof strings / sizeof *strings && rc == 0; i++)
        rc = h5file_attr_string(path, root, strings[i][0], strings[i][1], st, err);
    if (rc == 0)
        rc = h5file_attr_int32(path, root, "format_version", COMPARE_FORMAT_VERSION,
                               err);
    if (rc == 0 && v->base->has_seed)
        rc = h5file_attr_uint64(path, root, "base_seed", v->base->seed, err);
    if (rc == 0 && v->other->has_seed)
        rc = h5file_attr_uint64(path, root, "other_seed", v->other->seed, err);
    if (rc == 0)
        rc = h5file_attr_int32(path, root, "common_random_numbers",
                               v->p->same_seed, err);
    if (rc == 0)
        rc = h5file_attr_int32(path, root, "scenario", v->opt->scenario, err);
    if (rc == 0)
        rc = h5file_attr_double(path, root, "tolerance", v->opt->tolerance, err);
    if (rc == 0)
        rc = h5file_attr_double(path, root, "sigma", v->opt->sigma, err);
    if (rc == 0)
        rc = h5file_attr_int32(path, root, "trailing_weeks",
                               RESILIENCE_TRAILING_WEEKS, err);
    if (rc == 0)
        rc = h5file_attr_double(path, root, "warmup_days", v->other->warmup_days,
                                err);
    int32_t available[NINDICATORS];
    for (int i = 0; i < NINDICATORS; i++)
        available[i] = v->p->available[i];
    if (rc == 0)
        rc = h5file_attr_values(path, root, "indicator_available", H5T_STD_I32LE,
                                H5T_NATIVE_INT32, NINDICATORS, available, err);
    return rc;
}

/* Writes PATH.partial and renames it to PATH, as the run file is written:
 * a file at PATH is always complete. */
static int write_comparison(const char *path, const provenance *v,
                            const comparison *c, ws_error *err)
{
    size_t len = strlen(path);
    char *partial = malloc(len + sizeof ".partial");
    if (!partial)
        return ws_error_set(err, WS_ENOMEM, path, 0, 0, "out of memory");
    memcpy(partial, path, len);
    memcpy(partial + len, ".partial", sizeof ".partial");
    writer w = {partial, -1, -1, {-1, -1, -1}};
    const hsize_t size[3] = {c->n, c->months, NINDICATORS};
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    int rc = h5file_create(partial, &w.file, err);
    if (rc == 0 && (w.string_type = h5file_string_type()) < 0)
        rc = h5file_fail(partial, err, WS_EIO, "cannot make the string type");
    if (rc == 0)
        rc = write_attributes(&w, v, err);
    if (rc == 0)
        rc = create_scales(&w, v->base, v->p, size, err);
    if (rc == 0)
        rc = write_variables(&w, v->p, c, size, err);
    for (int k = 0; k < 3; k++)
        if (w.scale[k] >= 0 && H5Dclose(w.scale[k]) < 0 && rc == 0)
            rc = h5file_fail(partial, err, WS_EIO, "cannot close a dimension");
    if (w.string_type >= 0 && H5Tclose(w.string_type) < 0 && rc == 0)
        rc = h5file_fail(partial, err, WS_EIO, "cannot close the string type");
    if (w.file >= 0 && H5Fclose(w.file) < 0 && rc == 0)
        rc = h5file_fail(partial, err, WS_EIO, "cannot close the file");
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);
    if (rc == 0 && rename(partial, path) != 0)
        rc = ws_error_set(err, WS_EIO, path, 0, 0, "cannot rename %s to %s: %s",
                          partial, path, strerror(errno));
    if (rc != 0 && w.file >= 0)
        unlink(partial);
    free(partial);
    return rc;
}

/* ---- the command ------------------------------------------------------- */

static void print_warnings(const run_file *b, const run_file *o, const pairing *p)
{
    if (!p->same_seed)
        fprintf(stderr, "wafersim: warning: %s and %s have different base_seed "
                        "attributes: replications are not paired by common random "
                        "numbers, so the intervals are over unpaired differences\n",
                b->path, o->path);
    if (p->n < p->base_present || p->n < p->other_present)
        fprintf(stderr, "wafersim: warning: comparing the %zu replications both "
                        "files hold (%s has %zu, %s %zu)\n", p->n, b->path,
                p->base_present, o->path, p->other_present);
    if (p->warmups_differ)
        fprintf(stderr, "wafersim: warning: the warm-ups differ (%g days in %s, "
                        "%g in %s); each run's own is used for its weeks\n",
                b->warmup_days, b->path, o->warmup_days, o->path);
}

int command_compare(int argc, char **argv)
{
    compare_options opt;
    int rc = parse_compare_options(argc, argv, &opt);
    if (rc != 0)
        return rc < 0 ? 0 : rc;
    ws_error err;
    ws_error_clear(&err);
    run_file base, other;
    pairing p;
    comparison c;
    char *command_line = NULL;
    memset(&p, 0, sizeof p);
    memset(&c, 0, sizeof c);
    h5file_quiet quiet;
    h5file_quiet_begin(&quiet);
    run_file_reset(&base, opt.base);
    run_file_reset(&other, opt.other);
    rc = run_file_open(&base, &err);
    if (rc == 0)
        rc = run_file_open(&other, &err);
    if (rc == 0)
        rc = pair_files(&base, &other, &opt, &p, &err);
    if (rc == 0)
        rc = compare_files(&base, &other, &p, &opt, &c, &err);
    H5Eclear2(H5E_DEFAULT);
    h5file_quiet_end(&quiet);
    if (rc == 0)
        print_warnings(&base, &other, &p);
    if (rc == 0 && opt.output) {
        command_line = cli_join_command_line("wafersim", argc, argv);
        provenance v = {command_line, &opt, &base, &other, &p};
        rc = command_line ? write_comparison(opt.output, &v, &c, &err)
                          : ws_error_set(&err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (rc == 0) {
        print_header(&base, &other, &p, &opt, &c, stdout);
        print_months(&base, &c, stdout);
        print_recovery(&opt, &c, stdout);
        print_warning(&p, &opt, &c, stdout);
        if (opt.output)
            printf("\noutput: %s\n", opt.output);
    }
    free(command_line);
    comparison_free(&c);
    pairing_free(&p);
    run_file_close(&other);
    run_file_close(&base);
    return rc ? cli_report_error(&err) : 0;
}
