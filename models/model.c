/* model.c - construction and queries of the read-only fab model. */
#include "model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *copy_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c)
        memcpy(c, s, n);
    return c;
}

/* Grows *array (of *capacity elements of size elem) to hold one more. */
static int grow(void **array, int32_t *capacity, int32_t count, size_t elem)
{
    if (count < *capacity)
        return 0;
    int32_t cap = *capacity ? *capacity * 2 : 8;
    void *p = realloc(*array, (size_t)cap * elem);
    if (!p)
        return -1;
    memset((char *)p + (size_t)*capacity * elem, 0,
           (size_t)(cap - *capacity) * elem);
    *array = p;
    *capacity = cap;
    return 0;
}

model *model_create(void)
{
    model *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->start_date = 20089;      /* 2025-01-01 */
    m->horizon_days = 365.0;
    m->warmup_days = 0.0;
    m->replications = 10;
    m->seed = 1;
    m->warning.plan_x_factor = 3.0;
    m->warning.bottleneck = -1;
    m->warning.horizon_days = 28.0;
    return m;
}

void model_destroy(model *m)
{
    if (!m)
        return;
    for (int32_t g = 0; g < m->ngroups; g++) {
        tool_group *tg = &m->groups[g];
        for (int32_t d = 0; d < tg->ndowntimes; d++)
            free(tg->downtimes[d].name);
        free(tg->downtimes);
        free(tg->area);
        free(tg->name);
    }
    free(m->groups);
    for (int32_t o = 0; o < m->norders; o++)
        free(m->orders[o].name);
    free(m->orders);
    free(m->initial);
    for (int32_t i = 0; i < m->nsetups; i++)
        free(m->setups[i]);
    free(m->setups);
    free(m->setup_min_run);
    free(m->setup_changes);
    free(m->constraints);
    model_clear_disruptions(m);
    free(m->disruptions);
    for (int32_t p = 0; p < m->nproducts; p++) {
        product *pr = &m->products[p];
        for (int32_t s = 0; s < pr->nsteps; s++)
            free(pr->steps[s].name);
        free(pr->steps);
        free(pr->name);
    }
    free(m->products);
    for (int32_t i = 0; i < m->nsources; i++) {
        free(m->sources[i].path);
        free(m->sources[i].text);
    }
    free(m->sources);
    free(m->name);
    free(m->description);
    free(m);
}

int32_t model_add_tool_group(model *m, const char *name, int32_t tools)
{
    if (grow((void **)&m->groups, &m->groups_capacity, m->ngroups,
             sizeof *m->groups) != 0)
        return -1;
    tool_group *g = &m->groups[m->ngroups];
    g->name = copy_string(name);
    if (!g->name)
        return -1;
    g->tools = tools;
    g->nrank = 0;
    g->cascade = 1;
    return m->ngroups++;
}

int32_t model_add_product(model *m, const char *name)
{
    if (grow((void **)&m->products, &m->products_capacity, m->nproducts,
             sizeof *m->products) != 0)
        return -1;
    product *p = &m->products[m->nproducts];
    memset(p, 0, sizeof *p);
    p->name = copy_string(name);
    if (!p->name)
        return -1;
    p->lot_size = 25;
    p->release = RELEASE_INTERVAL;
    p->priority = 10;
    p->due_offset_days = NAN;
    return m->nproducts++;
}

route_step *model_add_step(product *p, const char *name)
{
    if (grow((void **)&p->steps, &p->steps_capacity, p->nsteps,
             sizeof *p->steps) != 0)
        return NULL;
    route_step *s = &p->steps[p->nsteps];
    memset(s, 0, sizeof *s);
    s->name = copy_string(name);
    if (!s->name)
        return NULL;
    s->per = TIME_PER_LOT;
    s->batch_min = 1;
    s->cascade_interval_days = NAN;
    s->setup = -1;
    s->sample_prob = 1.0;
    s->rework_to = -1;
    s->same_tool_as = -1;
    p->nsteps++;
    return s;
}

tool_downtime *model_add_downtime(tool_group *g, const char *name)
{
    if (grow((void **)&g->downtimes, &g->downtimes_capacity, g->ndowntimes,
             sizeof *g->downtimes) != 0)
        return NULL;
    tool_downtime *d = &g->downtimes[g->ndowntimes];
    memset(d, 0, sizeof *d);
    d->name = copy_string(name);
    if (!d->name)
        return NULL;
    g->ndowntimes++;
    return d;
}

release_order *model_add_order(model *m, const char *name, int32_t product_index)
{
    if (grow((void **)&m->orders, &m->orders_capacity, m->norders,
             sizeof *m->orders) != 0)
        return NULL;
    release_order *o = &m->orders[m->norders];
    memset(o, 0, sizeof *o);
    o->name = copy_string(name);
    if (!o->name)
        return NULL;
    o->product = product_index;
    o->wafers = product_index >= 0 && product_index < m->nproducts
                    ? m->products[product_index].lot_size : 25;
    o->priority = 10;
    o->kind = RELEASE_INTERVAL;
    o->count = -1;
    o->due_offset_days = NAN;
    m->norders++;
    return o;
}

initial_lot *model_add_initial_lot(model *m)
{
    if (grow((void **)&m->initial, &m->initial_capacity, m->ninitial,
             sizeof *m->initial) != 0)
        return NULL;
    initial_lot *l = &m->initial[m->ninitial++];
    memset(l, 0, sizeof *l);
    l->priority = 10;
    l->due_day = NAN;
    return l;
}

int32_t model_find_setup(const model *m, const char *name)
{
    for (int32_t i = 0; i < m->nsetups; i++)
        if (strcmp(m->setups[i], name) == 0)
            return i;
    return -1;
}

int32_t model_intern_setup(model *m, const char *name)
{
    int32_t i = model_find_setup(m, name);
    if (i >= 0)
        return i;
    int32_t cap = m->setups_capacity;
    if (grow((void **)&m->setups, &cap, m->nsetups, sizeof *m->setups) != 0)
        return -1;
    cap = m->setups_capacity;
    if (grow((void **)&m->setup_min_run, &cap, m->nsetups,
             sizeof *m->setup_min_run) != 0)
        return -1;
    m->setups_capacity = cap;
    m->setups[m->nsetups] = copy_string(name);
    if (!m->setups[m->nsetups])
        return -1;
    m->setup_min_run[m->nsetups] = 0;
    return m->nsetups++;
}

setup_change *model_add_setup_change(model *m, int32_t from, int32_t to)
{
    if (grow((void **)&m->setup_changes, &m->setup_changes_capacity,
             m->nsetup_changes, sizeof *m->setup_changes) != 0)
        return NULL;
    setup_change *c = &m->setup_changes[m->nsetup_changes++];
    memset(c, 0, sizeof *c);
    c->from = from;
    c->to = to;
    return c;
}

time_constraint *model_add_constraint(model *m)
{
    if (grow((void **)&m->constraints, &m->constraints_capacity,
             m->nconstraints, sizeof *m->constraints) != 0)
        return NULL;
    time_constraint *c = &m->constraints[m->nconstraints++];
    memset(c, 0, sizeof *c);
    c->action = CQT_COUNT;
    return c;
}

static const char *const disruption_kind_names[DISRUPT_KIND_COUNT] = {
    "shutdown", "power_sag", "outage", "shortage", "excursion"
};

const char *disruption_kind_name(enum disruption_kind k)
{
    return (unsigned)k < DISRUPT_KIND_COUNT ? disruption_kind_names[k] : "?";
}

int disruption_kind_from_name(const char *name, enum disruption_kind *k)
{
    for (int i = 0; i < DISRUPT_KIND_COUNT; i++)
        if (strcmp(name, disruption_kind_names[i]) == 0) {
            *k = (enum disruption_kind)i;
            return 0;
        }
    return -1;
}

disruption *model_add_disruption(model *m, const char *name,
                                 enum disruption_kind kind)
{
    char *copy = copy_string(name);
    if (!copy || grow((void **)&m->disruptions, &m->disruptions_capacity,
                      m->ndisruptions, sizeof *m->disruptions) != 0) {
        free(copy);
        return NULL;
    }
    disruption *x = &m->disruptions[m->ndisruptions++];
    memset(x, 0, sizeof *x);
    x->name = copy;
    x->kind = kind;
    x->start_days = NAN;
    x->count = 1;
    /* The defaults say what the event is: a quake or a sag destroys the
     * wafers in the tools; an outage or a shortage stops work only. */
    x->scrap_in_process = kind == DISRUPT_SHUTDOWN || kind == DISRUPT_POWER_SAG;
    x->restart_share_per_week = 1.0;
    x->release_share = kind == DISRUPT_SHORTAGE ? 0.0 : 1.0;
    x->excursion_scrap_share = 1.0;
    return x;
}

void model_clear_disruptions(model *m)
{
    for (int32_t d = 0; d < m->ndisruptions; d++) {
        disruption *x = &m->disruptions[d];
        free(x->name);
        free(x->groups);
        free(x->products);
        free(x->steps);
    }
    m->ndisruptions = 0;
}

int32_t model_find_disruption(const model *m, const char *name)
{
    for (int32_t d = 0; d < m->ndisruptions; d++)
        if (strcmp(m->disruptions[d].name, name) == 0)
            return d;
    return -1;
}

static const char *group_area_text(const tool_group *g)
{
    return g->area && g->area[0] ? g->area : NULL;
}

/* Areas are few (tens) and asked for rarely, so a quadratic scan beats
 * keeping an index in step with every edit of the groups. */
static int area_seen_before(const model *m, int32_t g)
{
    const char *a = group_area_text(&m->groups[g]);
    for (int32_t h = 0; h < g; h++) {
        const char *b = group_area_text(&m->groups[h]);
        if (b && strcmp(a, b) == 0)
            return 1;
    }
    return 0;
}

int32_t model_area_count(const model *m)
{
    int32_t n = 0, unassigned = 0;
    for (int32_t g = 0; g < m->ngroups; g++) {
        if (!group_area_text(&m->groups[g]))
            unassigned = 1;
        else if (!area_seen_before(m, g))
            n++;
    }
    return n + unassigned;
}

const char *model_area_name(const model *m, int32_t area)
{
    int32_t n = 0;
    for (int32_t g = 0; g < m->ngroups; g++) {
        const char *a = group_area_text(&m->groups[g]);
        if (a && !area_seen_before(m, g) && n++ == area)
            return a;
    }
    return MODEL_NO_AREA;
}

int32_t model_group_area(const model *m, int32_t group)
{
    const char *a = group_area_text(&m->groups[group]);
    int32_t n = 0;
    for (int32_t g = 0; g < m->ngroups; g++) {
        const char *b = group_area_text(&m->groups[g]);
        if (!b || area_seen_before(m, g))
            continue;
        if (a && strcmp(a, b) == 0)
            return n;
        n++;
    }
    return n;   /* MODEL_NO_AREA, after the named ones */
}

const dist *model_setup_change_time(const model *m, int32_t from, int32_t to)
{
    if (to < 0 || from == to)
        return NULL;
    const dist *any = NULL;
    for (int32_t i = 0; i < m->nsetup_changes; i++) {
        const setup_change *c = &m->setup_changes[i];
        if (c->to != to)
            continue;
        if (c->from == from && from >= 0)
            return &c->time;
        if (c->from < 0)
            any = &c->time;
    }
    return any;
}

static const char *const rank_names[RANK_KEY_COUNT] = {
    [RANK_FIFO] = "fifo",       [RANK_SPT] = "spt",
    [RANK_EDD] = "edd",         [RANK_CR] = "critical_ratio",
    [RANK_ODD] = "odd",         [RANK_SLACK] = "least_slack",
    [RANK_PRIORITY] = "priority", [RANK_SETUP] = "setup",
    [RANK_CQT] = "time_constraint", [RANK_STEP] = "step_priority",
};

const char *rank_key_name(enum rank_key k)
{
    return k < RANK_KEY_COUNT ? rank_names[k] : "?";
}

int rank_key_from_name(const char *name, enum rank_key *k)
{
    for (int i = 0; i < RANK_KEY_COUNT; i++)
        if (strcmp(rank_names[i], name) == 0) {
            *k = (enum rank_key)i;
            return 0;
        }
    return -1;
}

int model_add_source(model *m, const char *path, const char *text)
{
    if (grow((void **)&m->sources, &m->sources_capacity, m->nsources,
             sizeof *m->sources) != 0)
        return -1;
    model_source *s = &m->sources[m->nsources];
    s->path = copy_string(path);
    s->text = copy_string(text);
    if (!s->path || !s->text) {
        free(s->path);
        free(s->text);
        s->path = s->text = NULL;
        return -1;
    }
    m->nsources++;
    return 0;
}

int32_t model_find_tool_group(const model *m, const char *name)
{
    for (int32_t g = 0; g < m->ngroups; g++)
        if (strcmp(m->groups[g].name, name) == 0)
            return g;
    return -1;
}

int32_t model_find_product(const model *m, const char *name)
{
    for (int32_t p = 0; p < m->nproducts; p++)
        if (strcmp(m->products[p].name, name) == 0)
            return p;
    return -1;
}

int route_step_pipelined(const model *m, const route_step *s)
{
    return s->per == TIME_PER_WAFER && m->groups[s->tool_group].cascade > 1
           && !isnan(s->cascade_interval_days);
}

double route_step_mean_time(const model *m, const route_step *s,
                            double wafers)
{
    if (s->per != TIME_PER_WAFER)
        return s->time.mean;
    if (route_step_pipelined(m, s))
        return s->time.mean + s->cascade_interval_days * (wafers - 1.0);
    return s->time.mean * wafers;
}

double product_raw_process_time(const model *m, const product *p)
{
    double sum = 0.0;
    for (int32_t s = 0; s < p->nsteps; s++)
        sum += p->steps[s].sample_prob
               * route_step_mean_time(m, &p->steps[s], p->lot_size);
    return sum;
}
