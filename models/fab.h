/* fab.h - one replication of the fab simulation.
 *
 * fab_run builds the replication's whole state (calendar, lots, queues,
 * tools, random streams, statistics), runs it to the horizon, and returns
 * its results; it reads the model and nothing else shared, so replications
 * may run on any threads.
 */
#ifndef WAFERSIM_FAB_H
#define WAFERSIM_FAB_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "model.h"
#include "../sim/wserror.h"

typedef struct fab_lot_record {
    int32_t product;
    int32_t wafers;             /* released */
    int32_t wafers_out;         /* finished; fewer after yield loss */
    int32_t priority;
    double release_day;         /* < 0 for initial WIP released before 0 */
    double finish_day;          /* NaN when still in process at the horizon */
    double scrap_day;           /* NaN unless the whole lot was scrapped */
    double due_day;             /* NaN when the lot has none */
} fab_lot_record;

/* States a tool's time splits into.  A cascading tool with several jobs
 * counts once; load and unload count as processing; a tool that waits for
 * a batch to fill is idle. */
enum tool_state {
    TOOL_IDLE,
    TOOL_PROCESSING,
    TOOL_SETUP,
    TOOL_DOWN,                  /* unscheduled (breakdown and repair) */
    TOOL_PM,                    /* preventive maintenance */
    TOOL_STATE_COUNT
};

/* One occurrence of a disruption (model.disruptions). */
typedef struct fab_disruption_event {
    int32_t disruption;
    double start_day;
    double end_day;             /* the last tool back, the window closed or
                                   its lots found; may lie past the horizon */
    double lots_scrapped;       /* whole lots it scrapped */
    double wafers_scrapped;
    double wafers_not_started;  /* planned starts its release cut skipped */
} fab_disruption_event;

typedef struct fab_result {
    uint32_t scenario;
    uint32_t replication;
    int32_t nmonths;
    int32_t nproducts;
    int32_t ngroups;
    /* Per month and product, index [month * nproducts + product]. */
    double *wafers_out;         /* wafers of lots finished in the month */
    double *wafer_starts;       /* wafers of lots released in the month */
    double *wip_wafers;         /* wafers in the fab at the end of the month */
    double *wip_wafers_mean;    /* time-average wafers in the fab */
    double *cycle_time_days;    /* mean over lots finished; NaN if none */
    double *wafers_scrapped;    /* wafers scrapped in the month */
    double *on_time_share;      /* lots finished by their due date, among
                                   those with one; NaN if none */
    double *x_factor;           /* mean cycle time / raw process time */
    double *hot_cycle_time_days;/* mean over hot lots finished; NaN if none */
    /* Per month and tool group, index [month * ngroups + group]. */
    double *utilisation;        /* processing + setup time / (tools x time) */
    /* Per month, group and state, index
     * [(month * ngroups + group) * TOOL_STATE_COUNT + state]: shares of
     * tool time, summing to 1. */
    double *tool_state_share;
    /* Steady state, over [warm-up, horizon]. */
    double *throughput_wafers_per_day;  /* [product] */
    double *mean_cycle_time_days;       /* [product], lots finished */
    double *mean_wip_wafers;            /* [product], time average */
    double *mean_utilisation;           /* [group] */
    double *mean_wafers_scrapped_per_day;   /* [product] */
    double *mean_on_time_share;         /* [product] */
    double *mean_x_factor;              /* [product] */
    double *mean_hot_cycle_time_days;   /* [product] */
    double *mean_tool_state_share;      /* [group * TOOL_STATE_COUNT + s] */
    /* Time constraints of the model, whole horizon: lots that finished the
     * constraint's first step and reached its last, and how many of them
     * exceeded the limit.  [constraint] */
    int32_t nconstraints;
    double *cqt_checks;
    double *cqt_violations;
    /* Weekly, week k covering [7k, 7k + 7) days; snapshots at its end
     * (docs/disruptions.md).  [week], or [week * nareas + area]. */
    int32_t nweeks;
    int32_t nareas;             /* model_area_count */
    int32_t bottleneck;         /* group the queue indicators watch */
    double *weekly_wafers_out;
    double *weekly_wafer_starts;
    double *ew_wip_wafers;          /* [week, area] */
    double *ew_wip_plan_wafers;     /* [week, area] */
    double *ew_wip_vs_plan;         /* [week, area] */
    double *ew_bottleneck_queue_wafers;
    double *ew_bottleneck_queue_days;
    double *ew_bottleneck_queue_growth_days;
    double *ew_projected_output_wafers;
    double *ew_projected_shortfall;
    /* Per disruption of the model, over its occurrences: [disruption]. */
    int32_t ndisruptions;
    double *disruption_occurrences;
    double *disruption_first_start_days;    /* NaN: none */
    double *disruption_last_end_days;       /* NaN: none */
    double *disruption_lots_scrapped;
    double *disruption_wafers_scrapped;
    double *disruption_wafers_not_started;
    /* Disruption occurrences, in order of start. */
    fab_disruption_event *disruption_events;
    size_t ndisruption_events;
    /* Every lot released, in release order. */
    fab_lot_record *lots;
    size_t nlots;
    uint64_t lot_steps;         /* lot-steps completed (one lot, one step) */
    uint64_t events;            /* events processed */
    uint64_t deferred_arrivals; /* transports that needed no event */
    uint64_t class_dispatches;  /* choices made from the classes of the
                                   queue, not by scanning it (lot_class) */
} fab_result;

typedef struct fab_options {
    uint32_t scenario;          /* index of the scenario (sweep point) in
                                   the output, copied to the result */
    uint32_t stream_scenario;   /* keys the random streams: the same for
                                   every point of a sweep gives common
                                   random numbers across points */
    int record_lots;            /* fill fab_result.lots */
    /* When not NULL and set non-zero (e.g. by a signal handler), the run
     * stops within a few thousand events with WS_EINTERRUPTED. */
    const atomic_int *stop;
    /* Every transport an arrival event, none deferred (see "Deferred
     * arrivals" in fab.c): slower, with the same results bit for bit;
     * the tests compare the two. */
    int eager_arrivals;
    /* Every dispatching decision scans the whole queue, also where the
     * group could look at its classes of lots instead (lot_class in
     * fab_state.h): slower on long queues, with the same results bit for
     * bit; the tests compare the two. */
    int scan_dispatch;
} fab_options;

/* Month boundaries of the model's horizon (see date_month_boundaries);
 * bounds needs model_month_count(m) + 1 entries. */
int32_t fab_month_count(const model *m);
void fab_month_bounds(const model *m, double *bounds);

/* Runs replication `replication`.  Returns 0 and sets *out, or an error;
 * WS_ESOFTWARE when an invariant fails (models/invariants.h): every
 * replication ends by checking conservation of wafers (scrap included),
 * that every lot is in exactly one place, and that each tool's time splits
 * exactly into its states (enum tool_state); debug builds (no NDEBUG) also check after every event that time
 * never goes backwards. */
int fab_run(const model *m, const fab_options *opt, uint32_t replication,
            fab_result **out, ws_error *err);

void fab_result_destroy(fab_result *r);

#endif
