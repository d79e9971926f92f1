/* calendar.c - the event calendar: a calendar queue (Brown 1988) with
 * exact ordering, and a binary heap for times beyond its reach.
 *
 * Why: a fab model keeps thousands of events pending (a breakdown and PM
 * calendar per tool, a job end per busy tool), so a binary heap pays a
 * dozen levels per pop, a third of a run.  Buckets of width w cover a
 * "year" of nb x w days; an event goes to bucket day(t) mod nb, where
 * day(t) = floor(t / w), and each bucket is a list sorted by key, with a
 * tail pointer so that ties (batches, shift changes), which arrive in
 * sequence order, append in O(1).  A pop takes the head of the current
 * day's bucket when it belongs to that day, else moves to the next day.
 *
 * Exact order: the key is (time, seq) as before and seq is unique, so the
 * pop sequence is the heap's, event for event.  day() is monotone in t
 * (rounding is), so events of an earlier day are earlier, and within a
 * bucket the list order is the key order.
 *
 * Width and bucket count adapt: the calendar is rebuilt when it holds more
 * than 2 nb or fewer than nb / 4 events, or when pops scan or pushes walk
 * too far on average; the width is three times the mean gap between the
 * earliest pending events.  Times whose day would not fit 2^52 (or that
 * are infinite) wait in a binary heap: they are later than every bucketed
 * event.
 */
#include "sim/calendar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim/wserror.h"

/* Small enough to be free, large enough that toy models never regrow. */
#define CALENDAR_MIN_CAPACITY 16
#define MIN_BUCKETS 16
#define MAX_DAY 4503599627370496.0      /* 2^52: days stay exact */
#define SAMPLE 64                       /* earliest events the width uses */
#define CHECK_EVERY 4096                /* pops between cost checks */

/* Keys: the bits of the time, and the insertion sequence with the
 * event's slot in its low SLOT_BITS bits.  Sequences are unique, so the
 * slot never decides an order. */
#define SLOT_BITS 24
#define SLOT_MASK ((UINT64_C(1) << SLOT_BITS) - 1)
#define MAX_PENDING ((size_t)SLOT_MASK + 1)

/* A key compares as one unsigned 128-bit integer: the bits of the time
 * (non-negative doubles order like their bits) above the sequence. */
__extension__ typedef unsigned __int128 heap_key;

static inline heap_key key_make(double time, uint64_t order)
{
    uint64_t bits;
    time += 0.0;        /* -0.0 becomes +0.0 */
    memcpy(&bits, &time, sizeof bits);
    return (heap_key)bits << 64 | order;
}

static inline double key_time(heap_key k)
{
    uint64_t bits = (uint64_t)(k >> 64);
    double time;
    memcpy(&time, &bits, sizeof time);
    return time;
}

static inline uint32_t key_slot(heap_key k)
{
    return (uint32_t)((uint64_t)k & SLOT_MASK);
}

typedef struct payload {
    int32_t kind;
    int32_t subject;
    int64_t tag;
} payload;

typedef struct bucket {
    int32_t head;       /* slot, -1: empty */
    int32_t tail;
} bucket;

struct calendar {
    bucket *buckets;        /* [nb] */
    size_t nb;              /* a power of two */
    double inv_width;       /* 1 / w */
    uint64_t day;           /* no bucketed event has an earlier day */
    size_t nbucketed;
    heap_key *key;          /* [capacity]: the key of each slot's event */
    int32_t *next;          /* [capacity]: the next slot in its bucket */
    payload *slots;
    uint32_t *free_slots;   /* stack of unused slots */
    heap_key *heap;         /* times beyond the buckets' reach */
    size_t nheap;
    size_t size;
    size_t capacity;
    uint64_t next_seq;
    double now;
    /* Cost since the last check: buckets a pop looked at, list nodes a
     * push walked past. */
    size_t pops;
    size_t scanned;
    size_t walked;
    size_t pushes;
};

static inline int key_before(const heap_key *a, const heap_key *b)
{
    return *a < *b;
}

/* day(t), or MAX_DAY when t is beyond the buckets. */
static inline double day_of(const calendar *cal, double t)
{
    double d = floor(t * cal->inv_width);
    return d < MAX_DAY ? d : MAX_DAY;
}

static void heap_push(heap_key *heap, size_t *n, heap_key key)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!key_before(&key, &heap[parent]))
            break;
        heap[i] = heap[parent];
        i = parent;
    }
    heap[i] = key;
}

static heap_key heap_pop(heap_key *heap, size_t *n)
{
    heap_key top = heap[0];
    size_t size = --*n;
    if (size == 0)
        return top;
    heap_key last = heap[size];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= size)
            break;
        if (child + 1 < size)
            child += (size_t)key_before(&heap[child + 1], &heap[child]);
        if (!key_before(&heap[child], &last))
            break;
        heap[i] = heap[child];
        i = child;
    }
    heap[i] = last;
    return top;
}

/* Puts the event of slot s (its key set) in its bucket or the heap. */
static void place(calendar *cal, uint32_t s)
{
    heap_key k = cal->key[s];
    double d = day_of(cal, key_time(k));
    if (d >= MAX_DAY) {
        heap_push(cal->heap, &cal->nheap, k);
        return;
    }
    bucket *b = &cal->buckets[(uint64_t)d & (cal->nb - 1)];
    int32_t *next = cal->next;
    cal->nbucketed++;
    if (b->head < 0) {
        b->head = b->tail = (int32_t)s;
        next[s] = -1;
        return;
    }
    if (!key_before(&k, &cal->key[b->tail])) {
        next[b->tail] = (int32_t)s;
        next[s] = -1;
        b->tail = (int32_t)s;
        return;
    }
    int32_t *link = &b->head;
    while (key_before(&cal->key[*link], &k)) {
        link = &next[*link];
        cal->walked++;
    }
    next[s] = *link;
    *link = (int32_t)s;
}

static int compare_keys(const void *a, const void *b)
{
    const heap_key *x = a, *y = b;
    return *x < *y ? -1 : *x > *y;
}

/* Rebuilds the buckets, nb of them, with a width from the earliest
 * pending events.  Returns WS_ENOMEM
 * and leaves the calendar as it was when it cannot allocate. */
static int rebuild(calendar *cal, size_t nb)
{
    size_t n = cal->size;
    bucket *buckets = malloc(nb * sizeof *buckets);
    heap_key *all = malloc((n ? n : 1) * sizeof *all);
    if (!buckets || !all) {
        free(buckets);
        free(all);
        return WS_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < cal->nb; i++)
        for (int32_t s = cal->buckets[i].head; s >= 0; s = cal->next[s])
            all[m++] = cal->key[s];
    for (size_t i = 0; i < cal->nheap; i++)
        all[m++] = cal->heap[i];
    /* The earliest SAMPLE events set the width: three mean gaps, so a
     * bucket holds a few of the events about to happen. */
    size_t k = m < SAMPLE ? m : SAMPLE;
    if (m > 1)
        qsort(all, m, sizeof *all, compare_keys);
    double width = 0.0;
    if (k > 1) {
        double first = key_time(all[0]), last = key_time(all[k - 1]);
        if (isfinite(last))
            width = 3.0 * (last - first) / (double)(k - 1);
    }
    if (!(width > 0.0) || !isfinite(1.0 / width))
        width = cal->inv_width > 0.0 ? 1.0 / cal->inv_width : 1.0;
    free(cal->buckets);
    cal->buckets = buckets;
    cal->nb = nb;
    cal->inv_width = 1.0 / width;
    for (size_t i = 0; i < nb; i++)
        buckets[i].head = buckets[i].tail = -1;
    cal->nbucketed = 0;
    cal->nheap = 0;
    double d = day_of(cal, cal->now);
    cal->day = d < MAX_DAY ? (uint64_t)d : (uint64_t)MAX_DAY;
    for (size_t i = 0; i < m; i++)
        place(cal, key_slot(all[i]));
    free(all);
    cal->pops = cal->scanned = cal->walked = cal->pushes = 0;
    return 0;
}

calendar *calendar_create(size_t initial_capacity)
{
    calendar *cal = calloc(1, sizeof *cal);
    if (cal == NULL)
        return NULL;
    if (initial_capacity < CALENDAR_MIN_CAPACITY)
        initial_capacity = CALENDAR_MIN_CAPACITY;
    if (initial_capacity > MAX_PENDING)
        initial_capacity = MAX_PENDING;
    cal->key = malloc(initial_capacity * sizeof *cal->key);
    cal->next = malloc(initial_capacity * sizeof *cal->next);
    cal->heap = malloc(initial_capacity * sizeof *cal->heap);
    cal->slots = malloc(initial_capacity * sizeof *cal->slots);
    cal->free_slots = malloc(initial_capacity * sizeof *cal->free_slots);
    cal->buckets = malloc(MIN_BUCKETS * sizeof *cal->buckets);
    if (!cal->key || !cal->next || !cal->heap || !cal->slots
        || !cal->free_slots || !cal->buckets) {
        calendar_destroy(cal);
        return NULL;
    }
    cal->capacity = initial_capacity;
    cal->nb = MIN_BUCKETS;
    calendar_reset(cal);
    return cal;
}

void calendar_destroy(calendar *cal)
{
    if (cal == NULL)
        return;
    free(cal->buckets);
    free(cal->key);
    free(cal->next);
    free(cal->heap);
    free(cal->slots);
    free(cal->free_slots);
    free(cal);
}

void calendar_reset(calendar *cal)
{
    cal->size = 0;
    /* Restarting the sequence and the width makes a reset calendar behave
     * exactly like a new one (the pop order never depends on the width,
     * but the cost does). */
    cal->next_seq = 0;
    cal->now = 0.0;
    cal->day = 0;
    cal->inv_width = 1.0;
    cal->nbucketed = 0;
    cal->nheap = 0;
    cal->pops = cal->scanned = cal->walked = cal->pushes = 0;
    for (size_t i = 0; i < cal->nb; i++)
        cal->buckets[i].head = cal->buckets[i].tail = -1;
    /* Free slots: capacity - 1 at the bottom ... 0 on top. */
    for (size_t i = 0; i < cal->capacity; i++)
        cal->free_slots[i] = (uint32_t)(cal->capacity - 1 - i);
}

static int calendar_grow(calendar *cal)
{
    size_t old = cal->capacity;
    if (old >= MAX_PENDING)
        return WS_ENOMEM;
    size_t capacity = old * 2 < MAX_PENDING ? old * 2 : MAX_PENDING;
    heap_key *key = realloc(cal->key, capacity * sizeof *key);
    if (key == NULL)
        return WS_ENOMEM;
    cal->key = key;
    int32_t *next = realloc(cal->next, capacity * sizeof *next);
    if (next == NULL)
        return WS_ENOMEM;
    cal->next = next;
    heap_key *heap = realloc(cal->heap, capacity * sizeof *heap);
    if (heap == NULL)
        return WS_ENOMEM;
    cal->heap = heap;
    payload *slots = realloc(cal->slots, capacity * sizeof *slots);
    if (slots == NULL)
        return WS_ENOMEM;
    cal->slots = slots;
    uint32_t *free_slots = realloc(cal->free_slots,
                                   capacity * sizeof *free_slots);
    if (free_slots == NULL)
        return WS_ENOMEM;
    cal->free_slots = free_slots;
    /* The calendar is full when it grows: the new slots are all free. */
    for (size_t i = 0; i < capacity - old; i++)
        free_slots[i] = (uint32_t)(capacity - 1 - i);
    cal->capacity = capacity;
    return 0;
}

int calendar_push(calendar *cal, double time, int32_t kind, int32_t subject,
                  int64_t tag)
{
    /* The negated test also catches NaN, which compares false with all. */
    if (!(time >= cal->now) || cal->next_seq >> (64 - SLOT_BITS) != 0)
        return WS_ESOFTWARE;
    if (cal->size == cal->capacity) {
        int rc = calendar_grow(cal);
        if (rc != 0)
            return rc;
    }
    uint32_t slot = cal->free_slots[cal->capacity - 1 - cal->size];
    cal->slots[slot] = (payload){kind, subject, tag};
    cal->key[slot] = key_make(time, cal->next_seq++ << SLOT_BITS | slot);
    cal->size++;
    cal->pushes++;
    place(cal, slot);
    /* A rebuild that cannot allocate leaves a slower but correct queue. */
    if (cal->size > 2 * cal->nb)
        rebuild(cal, cal->nb * 2);
    return 0;
}

/* The slot of the earliest bucketed event; moves cal->day to its day. */
static uint32_t bucketed_first(calendar *cal)
{
    size_t mask = cal->nb - 1;
    for (;;) {
        for (size_t k = 0; k < cal->nb; k++, cal->day++) {
            int32_t h = cal->buckets[cal->day & mask].head;
            cal->scanned++;
            if (h >= 0 && day_of(cal, key_time(cal->key[h]))
                              == (double)cal->day)
                return (uint32_t)h;
        }
        /* A whole year empty: jump to the earliest head's day. */
        int32_t best = -1;
        for (size_t i = 0; i < cal->nb; i++) {
            int32_t h = cal->buckets[i].head;
            if (h >= 0 && (best < 0 || key_before(&cal->key[h],
                                                  &cal->key[best])))
                best = h;
        }
        cal->day = (uint64_t)day_of(cal, key_time(cal->key[best]));
    }
}

int calendar_pop(calendar *cal, calendar_event *out)
{
    if (cal->size == 0)
        return 0;
    heap_key top;
    uint32_t slot;
    if (cal->nbucketed > 0) {
        slot = bucketed_first(cal);
        bucket *b = &cal->buckets[cal->day & (cal->nb - 1)];
        b->head = cal->next[slot];
        if (b->head < 0)
            b->tail = -1;
        cal->nbucketed--;
        top = cal->key[slot];
    } else {
        top = heap_pop(cal->heap, &cal->nheap);
        slot = key_slot(top);
    }
    cal->now = key_time(top);
    if (out != NULL) {
        const payload *p = &cal->slots[slot];
        out->time = cal->now;
        out->seq = (uint64_t)top >> SLOT_BITS;
        out->kind = p->kind;
        out->subject = p->subject;
        out->tag = p->tag;
    }
    size_t n = --cal->size;
    cal->free_slots[cal->capacity - 1 - n] = slot;
    /* Keep the cost per event near a constant: too few events for the
     * buckets, or pops that scan or pushes that walk too far, rebuild. */
    if (++cal->pops >= CHECK_EVERY) {
        size_t nb = cal->nb;
        if (n < nb / 4 && nb > MIN_BUCKETS)
            nb /= 2;
        if (nb != cal->nb || cal->scanned > 4 * cal->pops
            || cal->walked > 4 * cal->pushes)
            rebuild(cal, nb);
        cal->pops = cal->scanned = cal->walked = cal->pushes = 0;
    }
    return 1;
}

double calendar_peek_time(const calendar *cal)
{
    if (cal->size == 0)
        return INFINITY;
    if (cal->nbucketed == 0)
        return key_time(cal->heap[0]);
    /* The earliest head is the earliest bucketed event. */
    int32_t best = -1;
    for (size_t i = 0; i < cal->nb; i++) {
        int32_t h = cal->buckets[i].head;
        if (h >= 0 && (best < 0 || key_before(&cal->key[h], &cal->key[best])))
            best = h;
    }
    return key_time(cal->key[best]);
}

double calendar_now(const calendar *cal)
{
    return cal->now;
}

size_t calendar_size(const calendar *cal)
{
    return cal->size;
}
