/* fab_classes.c - classes of waiting lots, for dispatching long queues by
 * the critical ratio (lot_class in fab_state.h).
 *
 * A group that dispatches by the critical ratio after keys that are the
 * same for a step's lots of one priority files its waiting lots by (step,
 * priority) once its queue is long, each class ordered by (due_day,
 * enqueued).  The ratio grows with the due date within a class, so the
 * best lot of a class is its first fitting one or one with the same ratio
 * right after it, and a choice looks at the classes rather than at every
 * lot.  With ties broken by `enqueued` (queue order), it picks exactly the
 * lot that the scan of the queue picks (fab_options.scan_dispatch; the
 * tests compare the two).  The code is kept out of fab.c's hot functions,
 * which it would otherwise swell for every model.
 */
#include "fab_state.h"

#include <stdlib.h>
#include <string.h>

static int compare_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* A group's classes at most: beyond, it scans its queue, rather than
 * hold megabytes of classes (a model whose lots have thousands of
 * different priorities). */
#define CLASSES_MAX 65536

/* Room for every class (lot_class) a group that dispatches by class can
 * see: its steps times the priorities lots can have, so that the event
 * loop never allocates for them. */
int classes_init(fab_state *s, ws_error *err)
{
    const model *m = s->m;
    int any = 0;
    for (int32_t g = 0; g < m->ngroups; g++)
        any = any || s->groups[g].by_class;
    if (!any)
        return 0;
    int32_t n = m->nproducts + m->norders + m->ninitial, npriorities = 0;
    int32_t *priorities = malloc(((size_t)n + 1) * sizeof *priorities);
    if (!priorities)
        return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
    for (int32_t p = 0; p < m->nproducts; p++)
        priorities[npriorities++] = m->products[p].priority;
    for (int32_t o = 0; o < m->norders; o++)
        priorities[npriorities++] = m->orders[o].priority;
    for (int32_t i = 0; i < m->ninitial; i++)
        priorities[npriorities++] = m->initial[i].priority;
    qsort(priorities, (size_t)npriorities, sizeof *priorities, compare_int32);
    int32_t distinct = 0;
    for (int32_t i = 0; i < npriorities; i++)
        if (i == 0 || priorities[i] != priorities[i - 1])
            distinct++;
    free(priorities);
    for (int32_t g = 0; g < m->ngroups; g++) {
        group_state *gs = &s->groups[g];
        if (!gs->by_class)
            continue;
        int32_t steps = 0;
        for (int32_t p = 0; p < m->nproducts; p++)
            for (int32_t k = 0; k < m->products[p].nsteps; k++)
                steps += m->products[p].steps[k].tool_group == g;
        if ((int64_t)steps * distinct > CLASSES_MAX) {
            gs->by_class = 0;
            continue;
        }
        int32_t cap = steps * distinct;
        uint32_t cells = 1;
        while (cells < 2u * (uint32_t)cap)
            cells *= 2;
        gs->classes = malloc(((size_t)cap + 1) * sizeof *gs->classes);
        gs->active = malloc(((size_t)cap + 1) * sizeof *gs->active);
        gs->class_hash = malloc(cells * sizeof *gs->class_hash);
        if (!gs->classes || !gs->active || !gs->class_hash)
            return ws_error_set(err, WS_ENOMEM, NULL, 0, 0, "out of memory");
        for (uint32_t c = 0; c < cells; c++)
            gs->class_hash[c] = -1;
        gs->classes_capacity = cap;
        gs->class_cells = cells;
    }
    return 0;
}

/* Below CLASSES_FROM waiting lots, scanning the queue costs less than
 * keeping the classes; once filed, the lots stay filed until the queue
 * is down to CLASSES_UNTIL, so that a queue near the threshold does not
 * file and unfile them over and over. */
#define CLASSES_FROM 32
#define CLASSES_UNTIL 8

static uint32_t class_hash_of(const lot *l)
{
    return (uint32_t)l->product * 2654435761u
           ^ (uint32_t)l->step * 40503u
           ^ (uint32_t)l->priority * 2246822519u;
}

/* The class of lot l, created when it is new; -1 when the group's table
 * is full, which classes_init sizes to rule out. */
static int32_t class_of(group_state *g, const lot *l)
{
    uint32_t mask = g->class_cells - 1;
    uint32_t c = class_hash_of(l) & mask;
    for (; g->class_hash[c] >= 0; c = (c + 1) & mask) {
        const lot_class *k = &g->classes[g->class_hash[c]];
        if (k->step == l->route && k->priority == l->priority)
            return g->class_hash[c];
    }
    if (g->nclasses == g->classes_capacity)
        return -1;
    g->classes[g->nclasses] = (lot_class){l->route, l->priority, -1, -1, -1};
    g->class_hash[c] = g->nclasses;
    return g->nclasses++;
}

static void classes_drop(group_state *g)
{
    for (int32_t a = 0; a < g->nactive; a++) {
        lot_class *c = &g->classes[g->active[a]];
        c->head = c->tail = c->active_pos = -1;
    }
    g->nactive = 0;
    g->indexed = 0;
}

static void class_add(fab_state *s, group_state *g, int32_t id)
{
    lot *lots = s->lots;
    lot *l = &lots[id];
    int32_t k = class_of(g, l);
    if (k < 0) {
        /* The scan of the queue needs no classes: the choices stay the
         * same, only slower. */
        classes_drop(g);
        g->by_class = 0;
        return;
    }
    lot_class *c = &g->classes[k];
    l->enqueued = ++s->enqueue_seq;
    l->lot_class = k;
    int32_t after = c->tail;
    while (after >= 0 && lots[after].due_day > l->due_day)
        after = lots[after].class_prev;
    l->class_prev = after;
    l->class_next = after >= 0 ? lots[after].class_next : c->head;
    if (after >= 0)
        lots[after].class_next = id;
    else
        c->head = id;
    if (l->class_next >= 0)
        lots[l->class_next].class_prev = id;
    else
        c->tail = id;
    if (c->active_pos < 0) {
        c->active_pos = g->nactive;
        g->active[g->nactive++] = k;
    }
}

/* Files the queue's lots in their classes, in queue order: lots the
 * keys cannot tell apart are in the same class of static keys, where
 * queue order is the order they came in, so `enqueued` keeps it. */
static void classes_build(fab_state *s, group_state *g)
{
    g->indexed = 1;
    for (int32_t i = g->queue_head; i >= 0 && g->indexed; i = s->lots[i].next)
        class_add(s, g, i);
}

static void class_remove(group_state *g, lot *lots, lot *l)
{
    lot_class *c = &g->classes[l->lot_class];
    if (l->class_prev >= 0)
        lots[l->class_prev].class_next = l->class_next;
    else
        c->head = l->class_next;
    if (l->class_next >= 0)
        lots[l->class_next].class_prev = l->class_prev;
    else
        c->tail = l->class_prev;
    if (c->head < 0) {
        int32_t last = g->active[--g->nactive];
        g->active[c->active_pos] = last;
        g->classes[last].active_pos = c->active_pos;
        c->active_pos = -1;
    }
    l->lot_class = -1;
}

/* Lot id has just joined group g's queue (lot_enqueue). */
void classes_add(fab_state *s, group_state *g, int32_t id)
{
    if (g->indexed)
        class_add(s, g, id);
    else if (g->queue_length >= CLASSES_FROM)
        classes_build(s, g);
}

/* Lot id leaves group g's filed queue (queue_remove). */
void classes_remove(group_state *g, lot *lots, int32_t id)
{
    class_remove(g, lots, &lots[id]);
    if (g->queue_length <= CLASSES_UNTIL)
        classes_drop(g);
}

/* The lot for tool t that the scan of the queue (select_lot in fab.c)
 * would choose, found from the classes; `full` as there.  Every key before
 * the critical ratio, and the setup change of a minimum run, is the same
 * for a class's lots, so a class offers its first fitting lot and the
 * lots after it with the same ratio; they are compared on every key, then
 * on queue order. */
int32_t classes_select(const fab_state *s, const group_state *g,
                       const tool *t, int32_t tool_id, int full, double now)
{
    const tool_group *tg = &s->m->groups[t->group];
    int32_t cr = 0;
    while (tg->rank[cr] != RANK_CR)
        cr++;
    int busy = t->njobs > 0 || t->holding;
    int32_t best = -1;
    double best_value[MODEL_MAX_RANK_KEYS], value[MODEL_MAX_RANK_KEYS];
    int best_change = 0;
    for (int32_t a = 0; a < g->nactive; a++) {
        const lot_class *c = &g->classes[g->active[a]];
        int change = c->step->setup >= 0 && c->step->setup != t->setup;
        if (busy && change)
            continue;
        change = full && change;
        int found = 0;
        double ratio = 0.0;
        for (int32_t i = c->head; i >= 0; i = s->lots[i].class_next) {
            const lot *l = &s->lots[i];
            if (found && rank_value(s, RANK_CR, t, l, now) != ratio)
                break;
            if (l->tool >= 0 && l->tool != tool_id)
                continue;
            for (int32_t k = 0; k < tg->nrank; k++)
                value[k] = rank_value(s, tg->rank[k], t, l, now);
            if (!found) {
                found = 1;
                ratio = value[cr];
            }
            int better = best < 0 || change < best_change;
            if (!better && change == best_change) {
                int32_t k = 0;
                while (k < tg->nrank && value[k] == best_value[k])
                    k++;
                better = k < tg->nrank
                             ? value[k] < best_value[k]
                             : l->enqueued < s->lots[best].enqueued;
            }
            if (better) {
                best = i;
                best_change = change;
                memcpy(best_value, value, (size_t)tg->nrank * sizeof *value);
            }
        }
    }
    return best;
}
