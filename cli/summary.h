/* summary.h - the end-of-run table on stdout. */
#ifndef WAFERSIM_SUMMARY_H
#define WAFERSIM_SUMMARY_H

#include <stdio.h>
#include "models/model.h"
#include "models/fab.h"

/* Steady-state figures of every replication, kept for the table. */
typedef struct summary summary;

summary *summary_create(const model *m, int32_t replications);
void summary_destroy(summary *s);

/* Copies what the table needs out of one replication's result. */
void summary_add(summary *s, const fab_result *r);

/* Prints per product (throughput, cycle time, x-factor, WIP) and per tool
 * group (utilisation), each as mean and 95% confidence half-width over the
 * replications, after the warm-up. */
void summary_print(const summary *s, FILE *out);

#endif
