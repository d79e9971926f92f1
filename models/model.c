/* model.c - construction and queries of the read-only fab model. */
#include "model.h"

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
    return m;
}

void model_destroy(model *m)
{
    if (!m)
        return;
    for (int32_t g = 0; g < m->ngroups; g++)
        free(m->groups[g].name);
    free(m->groups);
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
    g->dispatch = DISPATCH_FIFO;
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
    p->nsteps++;
    return s;
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

double route_step_mean_time(const route_step *s, int32_t lot_size)
{
    return s->per == TIME_PER_WAFER ? s->time.mean * lot_size : s->time.mean;
}

double product_raw_process_time(const product *p)
{
    double sum = 0.0;
    for (int32_t s = 0; s < p->nsteps; s++)
        sum += route_step_mean_time(&p->steps[s], p->lot_size);
    return sum;
}
