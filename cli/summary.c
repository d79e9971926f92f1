/* summary.c - the end-of-run table on stdout. */
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/stats.h"

#define DAYS_PER_MONTH (365.2425 / 12.0)
#define MAX_GROUP_ROWS 12

struct summary {
    const model *m;
    int32_t replications;
    double *throughput;     /* [product * R + rep], wafers per month */
    double *cycle_time;     /* days */
    double *wip;            /* wafers */
    double *utilisation;    /* [group * R + rep] */
};

summary *summary_create(const model *m, int32_t replications)
{
    summary *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t np = (size_t)m->nproducts * (size_t)replications;
    size_t ng = (size_t)m->ngroups * (size_t)replications;
    s->m = m;
    s->replications = replications;
    s->throughput = malloc(np * sizeof(double));
    s->cycle_time = malloc(np * sizeof(double));
    s->wip = malloc(np * sizeof(double));
    s->utilisation = malloc(ng * sizeof(double));
    if (!s->throughput || !s->cycle_time || !s->wip || !s->utilisation) {
        summary_destroy(s);
        return NULL;
    }
    for (size_t i = 0; i < np; i++)
        s->throughput[i] = s->cycle_time[i] = s->wip[i] = NAN;
    for (size_t i = 0; i < ng; i++)
        s->utilisation[i] = NAN;
    return s;
}

void summary_destroy(summary *s)
{
    if (!s)
        return;
    free(s->throughput);
    free(s->cycle_time);
    free(s->wip);
    free(s->utilisation);
    free(s);
}

void summary_add(summary *s, const fab_result *r)
{
    size_t R = (size_t)s->replications, rep = r->replication;
    for (int32_t p = 0; p < r->nproducts; p++) {
        s->throughput[p * R + rep] = r->throughput_wafers_per_day[p] * DAYS_PER_MONTH;
        s->cycle_time[p * R + rep] = r->mean_cycle_time_days[p];
        s->wip[p * R + rep] = r->mean_wip_wafers[p];
    }
    for (int32_t g = 0; g < r->ngroups; g++)
        s->utilisation[g * R + rep] = r->mean_utilisation[g];
}

/* One "mean ± half-width" cell with the given decimals; the half-width is
 * left out when fewer than two replications give a value. */
static void print_ci(FILE *out, const double *x, size_t n, double scale,
                     int decimals)
{
    confidence_interval ci = stats_confidence_interval(x, n, 0.95);
    char cell[64];
    if (ci.n == 0 || isnan(ci.mean * scale))
        snprintf(cell, sizeof cell, "-");
    else if (isnan(ci.half_width))
        snprintf(cell, sizeof cell, "%.*f", decimals, ci.mean * scale);
    else
        snprintf(cell, sizeof cell, "%.*f ± %.*f", decimals, ci.mean * scale,
                 decimals, ci.half_width * scale);
    /* "±" takes two bytes but one column. */
    fprintf(out, "  %-*s", strstr(cell, "±") ? 21 : 20, cell);
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

void summary_print(const summary *s, FILE *out)
{
    const model *m = s->m;
    size_t R = (size_t)s->replications;
    fprintf(out, "%-16s  %-20s  %-20s  %-20s  %-20s\n", "product",
            "wafers/month", "cycle time (days)", "x-factor", "WIP (wafers)");
    for (int32_t p = 0; p < m->nproducts; p++) {
        double rpt = product_raw_process_time(&m->products[p]);
        fprintf(out, "%-16s", m->products[p].name);
        print_ci(out, s->throughput + p * R, R, 1.0, 1);
        print_ci(out, s->cycle_time + p * R, R, 1.0, 2);
        print_ci(out, s->cycle_time + p * R, R, rpt > 0 ? 1.0 / rpt : NAN, 2);
        print_ci(out, s->wip + p * R, R, 1.0, 0);
        fputc('\n', out);
    }
    group_rank *rank = malloc((size_t)m->ngroups * sizeof *rank);
    if (!rank)
        return;
    for (int32_t g = 0; g < m->ngroups; g++) {
        rank[g].group = g;
        rank[g].mean = stats_confidence_interval(s->utilisation + g * R, R,
                                                 0.95).mean;
        if (isnan(rank[g].mean))
            rank[g].mean = -1.0;
    }
    qsort(rank, (size_t)m->ngroups, sizeof *rank, compare_rank);
    int32_t rows = m->ngroups < MAX_GROUP_ROWS ? m->ngroups : MAX_GROUP_ROWS;
    fprintf(out, "\n%-16s  %-6s  %-20s\n", "tool group", "tools", "utilisation");
    for (int32_t i = 0; i < rows; i++) {
        int32_t g = rank[i].group;
        fprintf(out, "%-16s  %-6d", m->groups[g].name, (int)m->groups[g].tools);
        print_ci(out, s->utilisation + g * R, R, 1.0, 3);
        fputc('\n', out);
    }
    if (rows < m->ngroups)
        fprintf(out, "(%d more tool groups in the output file)\n",
                (int)(m->ngroups - rows));
    free(rank);
}
