/* table.h - the end-of-run summary table on stdout. */
#ifndef WAFERSIM_TABLE_H
#define WAFERSIM_TABLE_H

#include <stdio.h>
#include "models/summary.h"

/* One scenario: per product wafers per month, cycle time, x-factor and
 * WIP; per tool group utilisation (the busiest first).  Several (a sweep):
 * one row per point and product with the point's settings and its
 * bottleneck.  Means over replications with 95% half-widths. */
void table_print(summary *s, FILE *out);

#endif
