/* model.h - the fab model: read-only data shared by all replications.
 *
 * Readers (YAML scenario, route CSV, later SMT2020) build a model; the
 * simulation (fab.h) only reads it, so any number of replications may run on
 * it concurrently.  All times in a model are in days.
 */
#ifndef WAFERSIM_MODEL_H
#define WAFERSIM_MODEL_H

#include <stdint.h>
#include "../sim/dist.h"

/* Model size limits: a reader rejects anything larger before allocating. */
#define MODEL_MAX_TOOL_GROUPS 100000
#define MODEL_MAX_TOOLS_PER_GROUP 100000
#define MODEL_MAX_PRODUCTS 10000
#define MODEL_MAX_STEPS 100000          /* per route */
#define MODEL_MAX_LOT_SIZE 10000        /* wafers per lot */
#define MODEL_MAX_REPLICATIONS 100000
#define MODEL_MAX_HORIZON_DAYS 36600.0  /* 100 years */
#define MODEL_MAX_NAME 256              /* bytes in a product or group name */

enum time_per {
    TIME_PER_WAFER,   /* step time is per wafer: lot time = time x wafers */
    TIME_PER_LOT,     /* step time is per lot */
    TIME_PER_BATCH    /* step time is per batch (a lot alone until batching) */
};

enum dispatch_kind {
    DISPATCH_FIFO     /* earliest arrival at the queue first */
};

enum release_kind {
    RELEASE_INTERVAL, /* one lot every release_interval_days */
    RELEASE_RANDOM    /* interarrival times drawn from interarrival */
};

typedef struct route_step {
    char *name;
    int32_t tool_group;
    enum time_per per;
    dist time;                  /* in days */
} route_step;

typedef struct product {
    char *name;
    int32_t lot_size;           /* wafers per lot */
    route_step *steps;
    int32_t nsteps;
    int32_t steps_capacity;
    enum release_kind release;
    double release_interval_days;   /* RELEASE_INTERVAL */
    dist interarrival;              /* RELEASE_RANDOM, in days */
    double first_release_days;      /* time of the first release */
} product;

typedef struct tool_group {
    char *name;
    int32_t tools;
    enum dispatch_kind dispatch;
} tool_group;

/* An input file as read, kept for provenance in the output. */
typedef struct model_source {
    char *path;
    char *text;
} model_source;

typedef struct model {
    char *name;
    char *description;
    int64_t start_date;         /* days since 1970-01-01 */
    double horizon_days;
    double warmup_days;
    int32_t replications;
    uint64_t seed;
    tool_group *groups;
    int32_t ngroups;
    int32_t groups_capacity;
    product *products;
    int32_t nproducts;
    int32_t products_capacity;
    model_source *sources;      /* [0] is the scenario file itself */
    int32_t nsources;
    int32_t sources_capacity;
} model;

/* An empty model with the documented defaults; NULL when out of memory. */
model *model_create(void);
void model_destroy(model *m);

/* Appends and returns the index, or -1 when out of memory.  Names are
 * copied.  Callers check for duplicates with the find functions. */
int32_t model_add_tool_group(model *m, const char *name, int32_t tools);
int32_t model_add_product(model *m, const char *name);
route_step *model_add_step(product *p, const char *name);
int model_add_source(model *m, const char *path, const char *text);

int32_t model_find_tool_group(const model *m, const char *name);
int32_t model_find_product(const model *m, const char *name);

/* Sum of mean step times of one lot of the product, in days. */
double product_raw_process_time(const product *p);

/* Mean processing time of one visit of a lot of lot_size wafers, days. */
double route_step_mean_time(const route_step *s, int32_t lot_size);

#endif
