/* calendar.c - the event calendar: an implicit binary min-heap.
 *
 * Why a plain binary heap: measured on this kind of machine, it holds about
 * 90 ns per hold at 1e3 pending events; 4-ary heaps, pairing heaps and splay
 * trees did not beat it below 1e6 events, and calendar queues collapse when
 * many timestamps tie (which a fab does: batch tools, shift changes).
 *
 * Sifting moves a hole instead of swapping, so each level costs one 32-byte
 * copy rather than three.  The key is (time, seq); seq is unique, so the
 * order is total and the pop sequence does not depend on the heap layout.
 */
#include "sim/calendar.h"

#include <math.h>
#include <stdlib.h>

#include "sim/wserror.h"

/* Small enough to be free, large enough that toy models never regrow. */
#define CALENDAR_MIN_CAPACITY 16

struct calendar {
    calendar_event *heap;
    size_t size;
    size_t capacity;
    uint64_t next_seq;
    double now;
};

static inline int event_before(const calendar_event *a, const calendar_event *b)
{
    return a->time < b->time || (a->time == b->time && a->seq < b->seq);
}

calendar *calendar_create(size_t initial_capacity)
{
    calendar *cal = malloc(sizeof *cal);

    if (cal == NULL)
        return NULL;
    if (initial_capacity < CALENDAR_MIN_CAPACITY)
        initial_capacity = CALENDAR_MIN_CAPACITY;
    if (initial_capacity > SIZE_MAX / sizeof(calendar_event)) {
        free(cal);
        return NULL;
    }
    cal->heap = malloc(initial_capacity * sizeof(calendar_event));
    if (cal->heap == NULL) {
        free(cal);
        return NULL;
    }
    cal->capacity = initial_capacity;
    cal->size = 0;
    cal->next_seq = 0;
    cal->now = 0.0;
    return cal;
}

void calendar_destroy(calendar *cal)
{
    if (cal == NULL)
        return;
    free(cal->heap);
    free(cal);
}

void calendar_reset(calendar *cal)
{
    cal->size = 0;
    /* Restarting the sequence makes a reset calendar behave exactly like a
     * new one, so reusing it across replications changes no result. */
    cal->next_seq = 0;
    cal->now = 0.0;
}

static int calendar_grow(calendar *cal)
{
    calendar_event *heap;
    size_t capacity;

    if (cal->capacity > SIZE_MAX / 2 / sizeof(calendar_event))
        return WS_ENOMEM;
    capacity = cal->capacity * 2;
    heap = realloc(cal->heap, capacity * sizeof(calendar_event));
    if (heap == NULL)
        return WS_ENOMEM;
    cal->heap = heap;
    cal->capacity = capacity;
    return 0;
}

int calendar_push(calendar *cal, double time, int32_t kind, int32_t subject,
                  int64_t tag)
{
    calendar_event ev;
    calendar_event *heap;
    size_t i;

    /* The negated test also catches NaN, which compares false with all. */
    if (!(time >= cal->now))
        return WS_ESOFTWARE;
    if (cal->size == cal->capacity) {
        int rc = calendar_grow(cal);
        if (rc != 0)
            return rc;
    }
    ev.time = time;
    ev.seq = cal->next_seq++;
    ev.kind = kind;
    ev.subject = subject;
    ev.tag = tag;

    heap = cal->heap;
    i = cal->size++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!event_before(&ev, &heap[parent]))
            break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = ev;
    return 0;
}

int calendar_pop(calendar *cal, calendar_event *out)
{
    calendar_event *heap = cal->heap;
    calendar_event last;
    size_t n, i;

    if (cal->size == 0)
        return 0;
    cal->now = heap[0].time;
    if (out != NULL)
        *out = heap[0];
    n = --cal->size;
    if (n == 0)
        return 1;

    last = heap[n];
    i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && event_before(&heap[child + 1], &heap[child]))
            child++;
        if (!event_before(&heap[child], &last))
            break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = last;
    return 1;
}

double calendar_peek_time(const calendar *cal)
{
    return cal->size > 0 ? cal->heap[0].time : INFINITY;
}

double calendar_now(const calendar *cal)
{
    return cal->now;
}

size_t calendar_size(const calendar *cal)
{
    return cal->size;
}
