/* invariants.h - checks that a replication's accounting is consistent.
 *
 * Each check takes plain numbers, so that tests can feed it broken ones,
 * and on failure fills err with WS_ESOFTWARE and a message naming the
 * invariant, the scenario, the replication and the simulated day:
 *   invariant 'NAME' violated in scenario S, replication R at day T: ...
 * The CLI turns that into exit status 70.
 */
#ifndef WAFERSIM_INVARIANTS_H
#define WAFERSIM_INVARIANTS_H

#include <stddef.h>
#include <stdint.h>
#include "../sim/wserror.h"

typedef struct invariant_where {
    uint32_t scenario;
    uint32_t replication;
    double day;
} invariant_where;

/* Wafers released (initial WIP included) = wafers out + wafers in the fab
 * + wafers scrapped, per product. */
int invariant_conservation(const invariant_where *w, int32_t nproducts,
                           const char *const *names, const double *released,
                           const double *finished, const double *wip,
                           const double *scrapped, ws_error *err);

/* Every lot in the fab is in exactly one place: place[lot] counts how often
 * lot appears in a queue or on a tool, for the nlots lots that are live. */
int invariant_lot_places(const invariant_where *w, int32_t nlots,
                         const unsigned char *live, const int32_t *place,
                         ws_error *err);

/* A tool's time splits exactly into its states: state_days[t * nstates +
 * k] are non-negative and add up to elapsed for every tool t, and per state
 * the tools' time adds up to the group's statistics group_state_days[k]. */
int invariant_tool_time(const invariant_where *w, const char *group,
                        int32_t ntools, int32_t nstates,
                        const double *state_days, double elapsed,
                        const double *group_state_days, ws_error *err);

/* Simulated time never goes backwards. */
int invariant_time_order(const invariant_where *w, double previous,
                         double next, ws_error *err);

#endif
