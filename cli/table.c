/* table.c - the end-of-run summary table on stdout. */
#include "table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_GROUP_ROWS 12

/* One "mean ± half-width" cell with the given decimals; the half-width is
 * left out when fewer than two replications give a value. */
static void print_value(FILE *out, summary_value v, int decimals, int width)
{
    char cell[64];
    if (isnan(v.mean))
        snprintf(cell, sizeof cell, "-");
    else if (isnan(v.half_width))
        snprintf(cell, sizeof cell, "%.*f", decimals, v.mean);
    else
        snprintf(cell, sizeof cell, "%.*f ± %.*f", decimals, v.mean, decimals,
                 v.half_width);
    /* "±" takes two bytes but one column. */
    fprintf(out, "  %-*s", strstr(cell, "±") ? width + 1 : width, cell);
}

typedef struct group_rank {
    int32_t group;
    double mean;
} group_rank;

static int compare_rank(const void *a, const void *b)
{
    const group_rank *x = a, *y = b;
    if (x->mean != y->mean)
        return x->mean < y->mean ? 1 : -1;
    return x->group - y->group;
}

static void print_one(summary *s, FILE *out)
{
    summary_point p;
    summary_compute(s, 0, 0.95, &p);
    int32_t np = summary_products(s), ng = summary_groups(s);
    fprintf(out, "%-16s  %-20s  %-20s  %-20s  %-20s\n", "product",
            "wafers/month", "cycle time (days)", "x-factor", "WIP (wafers)");
    for (int32_t k = 0; k < np; k++) {
        fprintf(out, "%-16s", summary_product_name(s, k));
        print_value(out, p.wafers_per_month[k], 1, 20);
        print_value(out, p.cycle_time_days[k], 2, 20);
        print_value(out, p.x_factor[k], 2, 20);
        print_value(out, p.wip_wafers[k], 0, 20);
        fputc('\n', out);
    }
    group_rank *rank = malloc(((size_t)ng + 1) * sizeof *rank);
    if (!rank)
        return;
    for (int32_t g = 0; g < ng; g++) {
        rank[g].group = g;
        rank[g].mean = isnan(p.utilisation[g].mean) ? -1.0 : p.utilisation[g].mean;
    }
    qsort(rank, (size_t)ng, sizeof *rank, compare_rank);
    int32_t rows = ng < MAX_GROUP_ROWS ? ng : MAX_GROUP_ROWS;
    fprintf(out, "\n%-16s  %-20s\n", "tool group", "utilisation");
    for (int32_t i = 0; i < rows; i++) {
        fprintf(out, "%-16s", summary_group_name(s, rank[i].group));
        print_value(out, p.utilisation[rank[i].group], 3, 20);
        fputc('\n', out);
    }
    if (rows < ng)
        fprintf(out, "(%d more tool groups in the output file)\n",
                (int)(ng - rows));
    free(rank);
}

static void print_sweep(summary *s, FILE *out)
{
    int32_t np = summary_products(s);
    fprintf(out, "%-5s  %-12s  %-20s  %-18s  %-16s  %-14s  %-16s  %s\n", "point",
            "product", "wafers/month", "cycle time (d)", "x-factor",
            "bottleneck", "utilisation", "settings");
    for (int32_t pt = 0; pt < summary_points(s); pt++) {
        summary_point p;
        summary_compute(s, pt, 0.95, &p);
        for (int32_t k = 0; k < np; k++) {
            fprintf(out, "%-5d  %-12s", (int)pt, summary_product_name(s, k));
            print_value(out, p.wafers_per_month[k], 1, 20);
            print_value(out, p.cycle_time_days[k], 2, 18);
            print_value(out, p.x_factor[k], 2, 16);
            fprintf(out, "  %-14s", p.bottleneck >= 0
                                        ? summary_group_name(s, p.bottleneck) : "-");
            print_value(out, p.bottleneck_utilisation, 3, 16);
            fprintf(out, "  %s (n=%d)\n", summary_label(s, pt), (int)p.replications);
        }
    }
}

void table_print(summary *s, FILE *out)
{
    if (summary_points(s) == 1)
        print_one(s, out);
    else
        print_sweep(s, out);
}
