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
#define MODEL_MAX_RANK_KEYS 8           /* keys in a dispatching rank list */
#define MODEL_MAX_CASCADE 64            /* jobs in process on a cascading tool */
#define MODEL_MAX_BATCH_WAFERS 100000   /* wafers in one batch */
#define MODEL_MAX_SETUPS 100000         /* distinct setup names */
#define MODEL_MAX_DOWNTIMES 64          /* downtime calendars per group */
#define MODEL_MAX_ORDERS 100000         /* release orders */
#define MODEL_MAX_INITIAL_LOTS 1000000  /* lots of initial WIP */
#define MODEL_MAX_CONSTRAINTS 100000    /* time constraints, all products */
#define MODEL_MAX_DISRUPTIONS 1000      /* disruptions of a model */
#define MODEL_MAX_DISRUPTION_OCCURRENCES 100000 /* of one disruption */
#define MODEL_MAX_DISRUPTION_TARGETS 10000  /* groups, products or steps
                                               one disruption names */

enum time_per {
    TIME_PER_WAFER,   /* step time is per wafer: lot time = time x wafers */
    TIME_PER_LOT,     /* step time is per lot */
    TIME_PER_BATCH    /* step time is per batch (a lot alone off a batching group) */
};

/* Keys of a dispatching rank list, compared in order; ties fall through to
 * the next key and finally to arrival order (FIFO).  Smaller ranks first. */
enum rank_key {
    RANK_FIFO,      /* earliest arrival at the queue */
    RANK_SPT,       /* shortest mean processing time of the step */
    RANK_EDD,       /* earliest due date (no due date ranks last) */
    RANK_CR,        /* critical ratio (due - now) / remaining raw process
                       time, smallest first */
    RANK_ODD,       /* operation due date: release + (due - release) x share
                       of raw process time up to and including the step */
    RANK_SLACK,     /* least slack: due - now - remaining raw process time */
    RANK_PRIORITY,  /* highest priority first (hot lots) */
    RANK_SETUP,     /* lots that need no setup on the tool first */
    RANK_CQT,       /* lots inside a time constraint, least time left first */
    RANK_STEP,      /* highest route_step.step_priority first (e.g. the
                       Lu-Kumar network's class priorities) */
    RANK_KEY_COUNT
};

enum release_kind {
    RELEASE_INTERVAL, /* one lot every release_interval_days */
    RELEASE_RANDOM,   /* interarrival times drawn from interarrival */
    RELEASE_CONWIP,   /* a lot starts whenever the product's lots in the fab
                         fall below conwip_lots (and the fab's below the
                         model's conwip_lots, when set) */
    RELEASE_NONE      /* only from the model's orders */
};

enum batch_unit {
    BATCH_WAFERS,     /* batch_min / batch_max count wafers */
    BATCH_LOTS        /* ... count lots */
};

enum cqt_action {
    CQT_COUNT,        /* a violation is counted only */
    CQT_SCRAP,        /* the lot is scrapped at the end of the window step */
    CQT_REWORK        /* the lot goes back to the constraint's first step */
};

enum downtime_kind {
    DOWN_BREAKDOWN,   /* unscheduled: time to failure in calendar time; a
                         lot in process is suspended and resumed after repair */
    DOWN_PM_CALENDAR, /* preventive maintenance every interval of calendar
                         time; starts when the tool's current job ends */
    DOWN_PM_WAFERS    /* preventive maintenance after interval_wafers wafers
                         processed; starts when the current job ends */
};

/* A downtime calendar of a tool group: every tool of the group has its own
 * independent instance. */
typedef struct tool_downtime {
    char *name;
    enum downtime_kind kind;
    dist interval;              /* days between failures or PMs (calendar) */
    double interval_wafers;     /* DOWN_PM_WAFERS */
    dist duration;              /* repair or PM time, days */
    int has_first;              /* first occurrence drawn from `first` */
    dist first;                 /* else from `interval` (same law) */
    double first_wafers;        /* DOWN_PM_WAFERS: wafers before the first
                                   PM; 0: interval_wafers */
    int stagger;                /* the first occurrences spread over the
                                   group: tool k of n (k = 1..n) has its
                                   first at k/n of the drawn time or of the
                                   first wafers */
} tool_downtime;

/* A time constraint (queue time limit): the lot must start step to_step
 * within limit_days of finishing the constraint's step. */
typedef struct time_constraint {
    int32_t product;
    int32_t from_step;          /* the step that opens the window */
    int32_t to_step;            /* > from_step */
    double limit_days;
    enum cqt_action action;
} time_constraint;

typedef struct route_step {
    /* Fields every lot-step reads come first, so that they share a cache
     * line or two; the name and an explicit setup time come last. */
    int32_t tool_group;
    enum time_per per;
    /* Setups: setup index (model.setups), -1 for none. */
    int32_t setup;
    /* Same-tool dedication: the step must run on the tool that ran step
     * same_tool_as (< this step) for the same lot; -1 for none. */
    int32_t same_tool_as;
    /* Sampling: the step is performed with this probability, else skipped. */
    double sample_prob;         /* default 1 */
    /* Yield loss: each wafer is scrapped after the step with this
     * probability; a lot with no wafers left is scrapped. */
    double scrap_prob;
    /* Rework: after the step, with probability rework_prob the lot goes
     * back to step rework_to (<= this step). */
    double rework_prob;
    int32_t rework_to;          /* -1 for none */
    /* Dispatching weight of the step for RANK_STEP; default 0. */
    int32_t step_priority;
    /* Cascading tools: the next job may start this long after this one
     * (per wafer for TIME_PER_WAFER, else per job); NaN: after it ends. */
    double cascade_interval_days;
    /* Batching (groups with batching): lots of the same product and step
     * batch together; 0 means "no limit" for batch_max and 1 unit for
     * batch_min.  Units are the group's batch_unit. */
    int32_t batch_min;
    int32_t batch_max;
    dist time;                  /* in days */
    /* has_setup_time: a change to this step's setup always takes
     * setup_time, whatever the matrix. */
    int has_setup_time;
    dist setup_time;
    char *name;
} route_step;

/* A release order: count lots (or unlimited, -1) of a product, one every
 * interval (or drawn interarrival times), from first_days. */
typedef struct release_order {
    char *name;
    int32_t product;
    int32_t wafers;             /* per lot */
    int32_t priority;
    enum release_kind kind;     /* RELEASE_INTERVAL or RELEASE_RANDOM */
    double interval_days;
    dist interarrival;
    double first_days;
    int64_t count;              /* -1: until the horizon */
    double due_offset_days;     /* due date = release + offset; NaN: none */
} release_order;

/* A lot already in the fab at time 0. */
typedef struct initial_lot {
    int32_t product;
    int32_t step;               /* the step it waits for */
    int32_t wafers;
    int32_t priority;
    double release_day;         /* <= 0 */
    double due_day;             /* NaN: none */
} initial_lot;

/* A setup change: from -1 means "from any other setup". */
/* Disruptions (docs/disruptions.md): events on the simulated calendar. */
enum disruption_kind {
    DISRUPT_SHUTDOWN,   /* fab-wide stop (earthquake): every tool halts,
                           restarts in stages, then re-qualifies */
    DISRUPT_POWER_SAG,  /* every tool halts for hours; lots in process lost */
    DISRUPT_OUTAGE,     /* tools of named groups halt */
    DISRUPT_SHORTAGE,   /* releases cut to a share of plan, and/or named
                           steps blocked */
    DISRUPT_EXCURSION,  /* lots passing named steps in the window are
                           scrapped when found */
    DISRUPT_KIND_COUNT
};

typedef struct step_ref {
    int32_t product;
    int32_t step;
} step_ref;

typedef struct disruption {
    char *name;
    enum disruption_kind kind;
    /* Occurrences: the first at start_days (NaN: drawn from `every`), the
     * next ones `every` apart, at most `count` (-1: until the horizon). */
    double start_days;
    int has_every;
    dist every;
    int64_t count;
    dist duration;              /* days; the window of shortage/excursion */
    /* Halts (shutdown, power sag, outage). */
    int scrap_in_process;       /* lots on halted tools are scrapped; else
                                   their jobs are suspended and resume */
    double scrap_wip_share;     /* each other lot in the fab is scrapped
                                   with this probability at the start */
    double restart_share_per_week;  /* shutdown: share of each group's
                                       tools back per week after the
                                       duration; 1: all at once */
    int has_requalification;
    dist requalification;       /* per tool, after it is back */
    int32_t *groups;            /* outage: the groups hit */
    int32_t ngroups;
    int32_t tools;              /* outage: tools hit per group; 0: all */
    /* Releases: the share of planned lots started while it lasts (all
     * kinds; default 1, shortage 0 unless given), for `products` (none:
     * all). */
    double release_share;
    int32_t *products;
    int32_t nproducts;
    /* Shortage: steps whose lots wait while it lasts.  Excursion: steps
     * whose lots are hit when they finish them during the window. */
    step_ref *steps;
    int32_t nsteps;
    double excursion_scrap_share;   /* a hit lot is scrapped with this
                                       probability (default 1) */
    double detection_days;      /* hit lots still in the fab are scrapped
                                   this long after the window closes; the
                                   rest at the end of their route */
} disruption;

const char *disruption_kind_name(enum disruption_kind k);
int disruption_kind_from_name(const char *name, enum disruption_kind *k);

/* Early-warning indicators (docs/disruptions.md). */
typedef struct early_warning {
    double plan_x_factor;       /* planned cycle time / raw process time */
    int32_t bottleneck;         /* group; -1: the capacity bottleneck */
    double horizon_days;        /* of the projected output; default 28 */
} early_warning;

typedef struct setup_change {
    int32_t from;
    int32_t to;
    dist time;                  /* days */
} setup_change;

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
    int32_t conwip_lots;            /* RELEASE_CONWIP cap, lots */
    int32_t priority;               /* of released lots; default 10 */
    double due_offset_days;         /* release + offset; NaN: none */
} product;

/* Priority at or above which a lot counts as hot (SMT2020: 20 hot, 30
 * super-hot, 10 normal). */
#define MODEL_HOT_PRIORITY 20

typedef struct tool_group {
    char *name;
    int32_t tools;
    enum rank_key rank[MODEL_MAX_RANK_KEYS];  /* empty list: FIFO */
    int32_t nrank;
    char *area;                     /* e.g. "Litho"; NULL when not given */
    /* Batching: 0 for a tool that processes one job of one lot. */
    int batching;
    enum batch_unit batch_unit;
    double batch_wait_days;         /* a batch of at least batch_min waits
                                       at most this long for more lots */
    int32_t cascade;                /* jobs in process at once; <= 1: none */
    double load_days;               /* per job, added to processing */
    double unload_days;
    tool_downtime *downtimes;
    int32_t ndowntimes;
    int32_t downtimes_capacity;
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
    /* Realism (all optional; a model without them is a pure queueing
     * network). */
    release_order *orders;
    int32_t norders;
    int32_t orders_capacity;
    initial_lot *initial;
    int32_t ninitial;
    int32_t initial_capacity;
    char **setups;              /* setup names */
    int32_t *setup_min_run;     /* [setup] lots to run before a change */
    double setup_min_run_wait_days; /* how long an idle tool that owes a
                                       minimum run keeps its setup for a
                                       lot of it; INFINITY: until one
                                       comes */
    int32_t nsetups;
    int32_t setups_capacity;
    setup_change *setup_changes;
    int32_t nsetup_changes;
    int32_t setup_changes_capacity;
    time_constraint *constraints;
    int32_t nconstraints;
    int32_t constraints_capacity;
    int has_transport;
    dist transport;             /* between consecutive steps, days */
    int32_t conwip_lots;        /* fab-wide CONWIP cap, 0: none */
    disruption *disruptions;
    int32_t ndisruptions;
    int32_t disruptions_capacity;
    early_warning warning;
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
tool_downtime *model_add_downtime(tool_group *g, const char *name);
release_order *model_add_order(model *m, const char *name,
                               int32_t product_index);
initial_lot *model_add_initial_lot(model *m);
/* Returns the index of the setup name, adding it when new; -1 on ENOMEM. */
int32_t model_intern_setup(model *m, const char *name);
int32_t model_find_setup(const model *m, const char *name);
setup_change *model_add_setup_change(model *m, int32_t from, int32_t to);
time_constraint *model_add_constraint(model *m);
/* A disruption with the defaults of its kind, or NULL when out of memory. */
disruption *model_add_disruption(model *m, const char *name,
                                 enum disruption_kind kind);
int32_t model_find_disruption(const model *m, const char *name);
/* Removes every disruption (a baseline run of a disrupted scenario). */
void model_clear_disruptions(model *m);

/* Areas: the groups' areas in order of first appearance; groups without
 * one are in MODEL_NO_AREA, listed last when there are any. */
#define MODEL_NO_AREA "unassigned"
int32_t model_area_count(const model *m);
const char *model_area_name(const model *m, int32_t area);
int32_t model_group_area(const model *m, int32_t group);

/* Setup time (mean-sampled by the caller) for a tool in setup `from`
 * (-1: none yet) to run `to`: NULL when no setup is needed.  A step's own
 * setup_time takes precedence (see route_step). */
const dist *model_setup_change_time(const model *m, int32_t from, int32_t to);

/* Key names as in scenario files ("fifo", "priority", ...) and back;
 * rank_key_from_name returns -1 for an unknown name. */
const char *rank_key_name(enum rank_key k);
int rank_key_from_name(const char *name, enum rank_key *k);

int32_t model_find_tool_group(const model *m, const char *name);
int32_t model_find_product(const model *m, const char *name);

/* Sum of mean step times of one lot of the product, in days: sampled
 * steps weighted by their probability, rework excluded. */
double product_raw_process_time(const model *m, const product *p);

/* Mean processing time of one job of `wafers` wafers at step s, days,
 * without setup, load and unload: per lot or per batch the step's time;
 * per wafer `wafers` times it, except on a cascading group (cascade > 1)
 * with a cascade_interval, where the wafers enter one interval apart and
 * the job takes time + (wafers - 1) x interval. */
double route_step_mean_time(const model *m, const route_step *s,
                            double wafers);

/* The step runs its wafers as a pipeline (see route_step_mean_time). */
int route_step_pipelined(const model *m, const route_step *s);

#endif
